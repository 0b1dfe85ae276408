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
  // Both made on first use: an idle session holds neither (memory per idle connection is a bench target).
  private lastSent: Map<string, number> | null = null;
  private replaying: Map<string, Array<{ seq: number; frame: Frame }>> | null = null;
  /**
   * Until `connected` is sent nothing else may reach the client, but the session
   * is already registered (so no push falls between the resume snapshot and
   * registration); live pushes wait here meanwhile.
   */
  private held: Array<{ stream: string; seq: number; frame: Frame }> | null = [];

  constructor(
    readonly agentId: string,
    private readonly sink: SessionSink,
    /**
     * Opened with a human's key of a binding (an API key or the console's
     * token), not by the agent itself: it gets the agent's pushes, but the
     * agent is not online because of it. Online is what delegation routes by
     * and what other agents see: a human watching in the console must not
     * make an agent whose process is down look ready to answer.
     */
    readonly watcher = false,
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
    const buffer = this.replaying?.get(stream);
    if (buffer) {
      buffer.push({ seq, frame });
      return true;
    }
    return this.sendPush(stream, seq, frame);
  }

  /** The last seq of `stream` sent to this client, unless it has had none or is still replaying it. */
  lastSeq(stream: string): number | undefined {
    if (this.held || this.replaying?.has(stream)) return undefined;
    return this.lastSent?.get(stream);
  }

  /** Called right after `connected` went out. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const p of held) this.deliver(p.stream, p.seq, p.frame);
  }

  beginReplay(stream: string): void {
    (this.replaying ??= new Map()).set(stream, []);
  }

  /**
   * Replayed push: in seq order, straight to the sink. A backlog can be far larger
   * than the send queue, so replay is paced by the client instead of tripping 4008.
   */
  async replay(stream: string, seq: number, frame: string): Promise<void> {
    await this.sink.drained();
    if (!this.advance(stream, seq)) return;
    this.sink.sendReplay(frame);
  }

  /** End of a stream's replay: flush what arrived live meanwhile, skipping what the replay covered. */
  endReplay(stream: string, replayedThrough: number): void {
    const buffer = this.replaying?.get(stream) ?? [];
    this.replaying?.delete(stream);
    if (this.replaying?.size === 0) this.replaying = null;
    this.advance(stream, replayedThrough);
    buffer.sort((a, b) => a.seq - b.seq);
    for (const p of buffer) this.sendPush(stream, p.seq, p.frame);
  }

  private sendPush(stream: string, seq: number, frame: Frame): boolean {
    if (!this.advance(stream, seq)) return false;
    this.sink.send(frame);
    return true;
  }

  /** Records `seq` as the stream's last sent; false (and nothing recorded) when it is not past it. */
  private advance(stream: string, seq: number): boolean {
    const last = this.lastSent?.get(stream);
    if (last !== undefined && seq <= last) return false;
    (this.lastSent ??= new Map()).set(stream, seq);
    return true;
  }
}

/** Told when an agent's first session opens (true) and its last one closes (false). */
export type PresenceListener = (agentId: string, online: boolean) => void;

/**
 * Sessions counted across hubs (cluster/presence.ts). Without one, the
 * registry counts this hub's own sessions, which on one hub is all of them.
 */
export interface SharedPresence {
  /** One more session of the agent, unless it has `cap` already ('full'); 'first' when it had none anywhere. */
  open(agentId: string, cap: number): Promise<'first' | 'more' | 'full'>;
  /** One session fewer; true when that was its last anywhere. */
  close(agentId: string): Promise<boolean>;
  isOnline(agentId: string): boolean;
  onlineAgents(): string[];
}

/**
 * Open sessions by agent: presence (`online`) and the local end of fan-out.
 * An agent has one session or a few (at most `maxSessionsPerAgent`), so an
 * array each, not a Set: a Set's table is the bigger part of a small one.
 *
 * A connection takes a place first (`reserve`, which enforces the per-agent
 * cap, across hubs when they share presence) and then adds its session, or
 * gives the place back (`cancel`) when it closed meanwhile.
 */
export class SessionRegistry {
  private readonly byAgent = new Map<string, Session[]>();
  /** The agent's own sessions here (not watchers), per agent: presence on one hub. */
  private readonly present = new Map<string, number>();
  /** Places reserved and not yet taken by `add`, per agent; watchers' apart (they never count in shared presence). */
  private readonly reserved = new Map<string, number>();
  private readonly reservedWatchers = new Map<string, number>();
  private readonly listeners: PresenceListener[] = [];
  private shared: SharedPresence | null = null;
  private readonly closing = new Set<Promise<unknown>>();

  /**
   * Presence listeners (the one given here, and any added with
   * `onPresenceChange`) are called synchronously, in the order they were
   * added: they must not throw or block.
   */
  constructor(onPresenceChange?: PresenceListener) {
    if (onPresenceChange) this.listeners.push(onPresenceChange);
  }

  /** Several hubs: presence and the session cap are counted in `shared` (before any session opens). */
  share(shared: SharedPresence): void {
    this.shared = shared;
  }

  /** Adds a presence listener; returns a function that removes it. */
  onPresenceChange(listener: PresenceListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Also used by the shared presence for agents whose hub died. */
  emit(agentId: string, online: boolean): void {
    for (const listener of [...this.listeners]) listener(agentId, online);
  }

  /**
   * Takes a place for one more session of the agent; false when it has `cap`
   * open already. Watchers have a cap of their own, on this hub: they are
   * not presence, so they take nothing from the agent's own places.
   */
  async reserve(agentId: string, cap: number, watcher = false): Promise<boolean> {
    if (watcher) {
      const open = (this.byAgent.get(agentId) ?? []).filter((s) => s.watcher).length;
      if (open + (this.reservedWatchers.get(agentId) ?? 0) >= cap) return false;
      bump(this.reservedWatchers, agentId, 1);
      return true;
    }
    if (this.shared) {
      const r = await this.shared.open(agentId, cap);
      if (r === 'full') return false;
      if (r === 'first') this.emit(agentId, true);
    } else if ((this.present.get(agentId) ?? 0) + (this.reserved.get(agentId) ?? 0) >= cap) {
      return false;
    }
    this.reserved.set(agentId, (this.reserved.get(agentId) ?? 0) + 1);
    return true;
  }

  /** Gives back a place whose connection closed before its session was added. */
  cancel(agentId: string, watcher = false): void {
    if (watcher) return void bump(this.reservedWatchers, agentId, -1);
    if (!this.unreserve(agentId)) return;
    if (this.shared) this.closeShared(agentId);
  }

  private unreserve(agentId: string): boolean {
    const n = this.reserved.get(agentId) ?? 0;
    if (n === 0) return false;
    if (n > 1) this.reserved.set(agentId, n - 1);
    else this.reserved.delete(agentId);
    return true;
  }

  // Copy on write: a delivery loop over `of(agentId)` may close a session
  // (slow consumer) and so remove it; the list it iterates must not shift.
  add(s: Session): void {
    const list = this.byAgent.get(s.agentId);
    if (list?.includes(s)) return;
    this.byAgent.set(s.agentId, list ? [...list, s] : [s]);
    if (s.watcher) return void bump(this.reservedWatchers, s.agentId, -1);
    const hadPlace = this.unreserve(s.agentId);
    const before = bump(this.present, s.agentId, 1) - 1;
    if (this.shared) {
      // Added without a place (tests): counted now.
      if (!hadPlace) void this.shared.open(s.agentId, Infinity).then((r) => r === 'first' && this.emit(s.agentId, true), () => undefined);
      return;
    }
    if (before === 0) this.emit(s.agentId, true);
  }

  remove(s: Session): void {
    const list = this.byAgent.get(s.agentId);
    if (!list?.includes(s)) return;
    if (list.length > 1) this.byAgent.set(s.agentId, list.filter((x) => x !== s));
    else this.byAgent.delete(s.agentId);
    if (s.watcher) return;
    const left = bump(this.present, s.agentId, -1);
    if (this.shared) return this.closeShared(s.agentId);
    if (left === 0) this.emit(s.agentId, false);
  }

  private closeShared(agentId: string): void {
    const p = this.shared!.close(agentId).then(
      (last) => {
        if (last) this.emit(agentId, false);
      },
      // Redis unreachable: the count is put right when this hub restores its sessions (cluster/presence.ts).
      () => undefined,
    );
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }

  /** Resolves once the shared presence has heard of every session closed so far. */
  async idle(): Promise<void> {
    while (this.closing.size > 0) await Promise.allSettled([...this.closing]);
  }

  of(agentId: string): readonly Session[] | undefined {
    return this.byAgent.get(agentId);
  }

  /** The lowest last seq of `stream` sent to any session here of `agentIds`; undefined when none has had one. */
  lowestSent(stream: string, agentIds: readonly string[]): number | undefined {
    let lowest: number | undefined;
    for (const agentId of agentIds) {
      for (const s of this.byAgent.get(agentId) ?? []) {
        const seq = s.lastSeq(stream);
        if (seq !== undefined && (lowest === undefined || seq < lowest)) lowest = seq;
      }
    }
    return lowest;
  }

  isOnline(agentId: string): boolean {
    return this.shared ? this.shared.isOnline(agentId) : this.present.has(agentId);
  }

  onlineAgents(): string[] {
    return this.shared ? this.shared.onlineAgents() : [...this.present.keys()];
  }

  all(): Session[] {
    const out: Session[] = [];
    for (const list of this.byAgent.values()) out.push(...list);
    return out;
  }

  get size(): number {
    let n = 0;
    for (const list of this.byAgent.values()) n += list.length;
    return n;
  }
}

/** Adds `by` to a per-agent count, dropping it at zero; the new count. */
function bump(counts: Map<string, number>, agentId: string, by: number): number {
  const n = (counts.get(agentId) ?? 0) + by;
  if (n > 0) counts.set(agentId, n);
  else counts.delete(agentId);
  return Math.max(0, n);
}
