import { randomBytes } from 'node:crypto';

/** A frame's text, or its UTF-8 bytes when one push goes to many sessions (encoded once). */
export type Frame = string | Buffer;

/** How a session reaches its client; the WebSocket transport provides it. */
export interface SessionSink {
  /** Queue a text frame (a Buffer holds UTF-8 text); the sink enforces the byte bound (and closes 4008 itself). */
  send(frame: Frame): void;
  /** Replay path: sends without the 4008 bound; the replay waits for `drained` instead. */
  sendReplay(frame: string): void;
  /** Resolves when the queue is low enough for more replay (or the socket is gone). */
  drained(): Promise<void>;
  close(code: number, reason: string): void;
}

/**
 * One authenticated connection. Pushes go through `deliver`, which keeps the
 * per-stream order promise: while a stream is being replayed, live pushes of
 * that stream are buffered, and nothing at or below the last sent seq is sent twice.
 */
export class Session {
  readonly id = 'ses_' + randomBytes(12).toString('hex');
  private readonly lastSent = new Map<string, number>();
  private readonly replaying = new Map<string, Array<{ seq: number; frame: Frame }>>();
  /**
   * Until `connected` is sent nothing else may reach the client, but the session
   * is already registered (so no push falls between the resume snapshot and
   * registration); live pushes wait here meanwhile.
   */
  private held: Array<{ stream: string; seq: number; frame: Frame }> | null = [];

  constructor(
    readonly agentId: string,
    private readonly sink: SessionSink,
  ) {}

  send(frame: string): void {
    this.sink.send(frame);
  }

  close(code: number, reason: string): void {
    this.sink.close(code, reason);
  }

  /** Live push. Returns true when it was sent (or buffered) rather than dropped as already sent. */
  deliver(stream: string, seq: number, frame: Frame): boolean {
    if (this.held) {
      this.held.push({ stream, seq, frame });
      return true;
    }
    const buffer = this.replaying.get(stream);
    if (buffer) {
      buffer.push({ seq, frame });
      return true;
    }
    return this.sendPush(stream, seq, frame);
  }

  /** Called right after `connected` went out. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const p of held) this.deliver(p.stream, p.seq, p.frame);
  }

  beginReplay(stream: string): void {
    this.replaying.set(stream, []);
  }

  /**
   * Replayed push: in seq order, straight to the sink. A backlog can be far larger
   * than the send queue, so replay is paced by the client instead of tripping 4008.
   */
  async replay(stream: string, seq: number, frame: string): Promise<void> {
    await this.sink.drained();
    const last = this.lastSent.get(stream);
    if (last !== undefined && seq <= last) return;
    this.lastSent.set(stream, seq);
    this.sink.sendReplay(frame);
  }

  /** End of a stream's replay: flush what arrived live meanwhile, skipping what the replay covered. */
  endReplay(stream: string, replayedThrough: number): void {
    const buffer = this.replaying.get(stream) ?? [];
    this.replaying.delete(stream);
    const last = this.lastSent.get(stream) ?? 0;
    if (replayedThrough > last) this.lastSent.set(stream, replayedThrough);
    buffer.sort((a, b) => a.seq - b.seq);
    for (const p of buffer) this.sendPush(stream, p.seq, p.frame);
  }

  private sendPush(stream: string, seq: number, frame: Frame): boolean {
    const last = this.lastSent.get(stream);
    if (last !== undefined && seq <= last) return false;
    this.lastSent.set(stream, seq);
    this.sink.send(frame);
    return true;
  }
}

/** Told when an agent's first session opens (true) and its last one closes (false). */
export type PresenceListener = (agentId: string, online: boolean) => void;

/** Open sessions by agent: presence (`online`) and the local end of fan-out. */
export class SessionRegistry {
  private readonly byAgent = new Map<string, Set<Session>>();
  private readonly listeners: PresenceListener[] = [];

  /**
   * Presence listeners (the one given here, and any added with
   * `onPresenceChange`) are called synchronously from add/remove, in the order
   * they were added: they must not throw or block.
   */
  constructor(onPresenceChange?: PresenceListener) {
    if (onPresenceChange) this.listeners.push(onPresenceChange);
  }

  /** Adds a presence listener; returns a function that removes it. */
  onPresenceChange(listener: PresenceListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private emit(agentId: string, online: boolean): void {
    for (const listener of [...this.listeners]) listener(agentId, online);
  }

  add(s: Session): void {
    let set = this.byAgent.get(s.agentId);
    if (!set) this.byAgent.set(s.agentId, (set = new Set()));
    const first = set.size === 0;
    set.add(s);
    if (first) this.emit(s.agentId, true);
  }

  remove(s: Session): void {
    const set = this.byAgent.get(s.agentId);
    if (!set || !set.delete(s)) return;
    if (set.size === 0) {
      this.byAgent.delete(s.agentId);
      this.emit(s.agentId, false);
    }
  }

  of(agentId: string): ReadonlySet<Session> | undefined {
    return this.byAgent.get(agentId);
  }

  isOnline(agentId: string): boolean {
    return this.byAgent.has(agentId);
  }

  onlineAgents(): string[] {
    return [...this.byAgent.keys()];
  }

  all(): Session[] {
    const out: Session[] = [];
    for (const set of this.byAgent.values()) out.push(...set);
    return out;
  }

  get size(): number {
    let n = 0;
    for (const set of this.byAgent.values()) n += set.size;
    return n;
  }
}
