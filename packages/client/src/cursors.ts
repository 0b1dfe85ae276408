import type { KeyValueStorage } from './identity.js';

/** Per-stream positions plus the hub epoch they belong to. */
export interface CursorSnapshot {
  epoch: string;
  cursors: Record<string, number>;
}

/** Where cursors survive a restart: memory (default), a file (Node), localStorage (browser), or your own. */
export interface CursorStore {
  load(): Promise<CursorSnapshot | null> | CursorSnapshot | null;
  save(snapshot: CursorSnapshot): Promise<void> | void;
}

export const DEFAULT_CURSOR_KEY = 'parley.cursors';

function copy(s: CursorSnapshot): CursorSnapshot {
  return { epoch: s.epoch, cursors: { ...s.cursors } };
}

/** Validates a decoded snapshot; anything malformed counts as "no cursors" rather than poisoning resume. */
export function parseSnapshot(value: unknown): CursorSnapshot | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { epoch?: unknown; cursors?: unknown };
  if (typeof v.epoch !== 'string' || typeof v.cursors !== 'object' || v.cursors === null) return null;
  const cursors: Record<string, number> = {};
  for (const [k, n] of Object.entries(v.cursors as Record<string, unknown>)) {
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) cursors[k] = n;
  }
  return { epoch: v.epoch, cursors };
}

/** Keeps cursors for the lifetime of the object; share one instance between clients to resume across them. */
export class MemoryCursorStore implements CursorStore {
  #snapshot: CursorSnapshot | null = null;

  load(): CursorSnapshot | null {
    return this.#snapshot ? copy(this.#snapshot) : null;
  }

  save(snapshot: CursorSnapshot): void {
    this.#snapshot = copy(snapshot);
  }
}

/** Cursors in a synchronous key/value store such as `window.localStorage`. */
export class StorageCursorStore implements CursorStore {
  readonly #storage: KeyValueStorage;
  readonly #key: string;

  constructor(storage: KeyValueStorage, key: string = DEFAULT_CURSOR_KEY) {
    this.#storage = storage;
    this.#key = key;
  }

  load(): CursorSnapshot | null {
    const text = this.#storage.getItem(this.#key);
    if (text === null) return null;
    try {
      return parseSnapshot(JSON.parse(text));
    } catch {
      return null;
    }
  }

  save(snapshot: CursorSnapshot): void {
    this.#storage.setItem(this.#key, JSON.stringify(snapshot));
  }
}

/**
 * The client's in-memory view of its cursors: the last `seq` delivered per
 * stream and the epoch they belong to. Decides which pushes are duplicates.
 */
export class CursorBook {
  epoch: string | null = null;
  readonly #cursors = new Map<string, number>();

  load(snapshot: CursorSnapshot | null): void {
    this.#cursors.clear();
    this.epoch = snapshot?.epoch ?? null;
    if (snapshot) for (const [k, v] of Object.entries(snapshot.cursors)) this.#cursors.set(k, v);
  }

  get(stream: string): number | undefined {
    return this.#cursors.get(stream);
  }

  get streams(): string[] {
    return [...this.#cursors.keys()];
  }

  /** A push at `seq` is new only if it is past the stream's cursor. */
  isNew(stream: string, seq: number): boolean {
    const c = this.#cursors.get(stream);
    return c === undefined || seq > c;
  }

  /** Moves a cursor forward only; returns whether it moved. */
  advance(stream: string, seq: number): boolean {
    if (!this.isNew(stream, seq)) return false;
    this.#cursors.set(stream, seq);
    return true;
  }

  delete(stream: string): boolean {
    return this.#cursors.delete(stream);
  }

  /** Forget every cursor (they belong to a data set that is gone) and adopt the new epoch. */
  reset(epoch: string): string[] {
    const dropped = this.streams;
    this.#cursors.clear();
    this.epoch = epoch;
    return dropped;
  }

  /** What to send in `auth.resume`, or undefined for live-only. */
  resume(): Record<string, number> | undefined {
    if (this.#cursors.size === 0) return undefined;
    return Object.fromEntries(this.#cursors);
  }

  snapshot(): CursorSnapshot | null {
    if (this.epoch === null) return null;
    return { epoch: this.epoch, cursors: Object.fromEntries(this.#cursors) };
  }
}
