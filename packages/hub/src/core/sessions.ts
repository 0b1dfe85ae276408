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
 * Open sessions by agent: presence (`online`) and the local end of fan-out.
 * An agent has one session or a few (at most `maxSessionsPerAgent`), so an
 * array each, not a Set: a Set's table is the bigger part of a small one.
 */
export class SessionRegistry {
  private readonly byAgent = new Map<string, Session[]>();
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

  // Copy on write: a delivery loop over `of(agentId)` may close a session
  // (slow consumer) and so remove it; the list it iterates must not shift.
  add(s: Session): void {
    const list = this.byAgent.get(s.agentId);
    if (list?.includes(s)) return;
    this.byAgent.set(s.agentId, list ? [...list, s] : [s]);
    if (!list) this.emit(s.agentId, true);
  }

  remove(s: Session): void {
    const list = this.byAgent.get(s.agentId);
    if (!list?.includes(s)) return;
    if (list.length > 1) return void this.byAgent.set(s.agentId, list.filter((x) => x !== s));
    this.byAgent.delete(s.agentId);
    this.emit(s.agentId, false);
  }

  of(agentId: string): readonly Session[] | undefined {
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
    for (const list of this.byAgent.values()) out.push(...list);
    return out;
  }

  get size(): number {
    let n = 0;
    for (const list of this.byAgent.values()) n += list.length;
    return n;
  }
}
