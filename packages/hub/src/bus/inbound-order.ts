import type { BusMessage } from './local.js';

/**
 * The receiving end of fan-out across hubs: hands a hub's sessions each
 * stream's pushes in seq order, with nothing missing and nothing twice,
 * whatever order the bus brings them in and whatever it loses.
 *
 * Seqs are dense: a push's seq is taken from its stream's head row, which
 * its transaction holds locked, so seq n commits only after n-1 did. Every
 * hub publishes its own commits in order (stream-order.ts), but two hubs'
 * commits of one stream race to the bus, and the bus may drop messages (a
 * Redis restart, a subscriber cut off for being slow). So a push past the
 * next expected seq waits here `gapMs` for the ones before it; if they do
 * not come, they are read from the database (`fill`) and delivered first.
 *
 * What is tracked is the last seq delivered per stream, for streams this
 * hub has heard of recently (bounded: idle streams are forgotten, and past
 * `maxStreams` the least recent goes). For a stream not tracked, the
 * starting point is the last seq its local recipients' sessions were sent
 * (`baseline`): a push past it waits for the ones between like any other.
 * With no such session, the push is delivered as it comes. A session that
 * replayed a stream also sets its starting point (`seen`).
 */
export interface InboundOrderOptions {
  /** How long a push waits for the ones before it before they are read from the database. */
  gapMs: number;
  /** Streams tracked at most (least recently used go first). */
  maxStreams: number;
  /** A stream with no push for this long is forgotten. */
  idleMs: number;
  /** Pushes held for one stream at most; past it the gap is filled at once. */
  maxHeld: number;
}

/** Reads committed pushes after < seq <= upTo (the first page of them), with who receives them now, oldest first. */
export type GapFill = (stream: string, after: number, upTo: number) => Promise<BusMessage[]>;

interface Tracked {
  last: number;
  at: number;
  held: Map<number, BusMessage> | null;
  timer: ReturnType<typeof setTimeout> | null;
  filling: boolean;
}

export class InboundOrder {
  private readonly streams = new Map<string, Tracked>();
  private readonly work = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly deliver: (msg: BusMessage) => void,
    private readonly fill: GapFill,
    private readonly opts: InboundOrderOptions,
    private readonly onError: (err: unknown, stream: string) => void,
    /** Told how many pushes a page of a gap fill delivered (metrics). */
    private readonly onFilled: (n: number) => void = () => undefined,
    /** The lowest seq of the message's stream that its local recipients' sessions were sent, if any was. */
    private readonly baseline: (msg: BusMessage) => number | undefined = () => undefined,
  ) {}

  receive(msg: BusMessage, now = Date.now()): void {
    if (this.closed) return;
    let t = this.streams.get(msg.stream);
    if (!t) {
      // Not tracked: what the local sessions it goes to have is the starting point, if they have any.
      const base = this.baseline(msg);
      if (base === undefined || base >= msg.seq - 1) {
        this.deliver(msg);
        this.track(msg.stream, { last: msg.seq, at: now, held: null, timer: null, filling: false });
        return;
      }
      this.track(msg.stream, (t = { last: base, at: now, held: null, timer: null, filling: false }));
    }
    t.at = now;
    // Most recently used last: the Map's order is the eviction order.
    this.streams.delete(msg.stream);
    this.streams.set(msg.stream, t);
    if (msg.seq <= t.last) return;
    if (msg.seq === t.last + 1 && !t.filling) {
      this.deliver(msg);
      t.last = msg.seq;
      this.drainHeld(t);
      return;
    }
    (t.held ??= new Map()).set(msg.seq, msg);
    if (t.held.size >= this.opts.maxHeld) this.startFill(msg.stream, t);
    else if (!t.timer && !t.filling) this.armGap(msg.stream, t);
  }

  /**
   * A local session has every push of `stream` through `seq` (it replayed
   * them): the starting point for a stream this hub does not track yet.
   */
  seen(stream: string, seq: number, now = Date.now()): void {
    if (this.closed || this.streams.has(stream)) return;
    this.track(stream, { last: seq, at: now, held: null, timer: null, filling: false });
  }

  /**
   * The bus may have lost messages (it reconnected): each tracked stream whose
   * head is past what was delivered is filled from the database.
   */
  async resync(heads: (streams: string[]) => Promise<Map<string, number>>): Promise<void> {
    const names = [...this.streams.keys()];
    for (let i = 0; i < names.length && !this.closed; i += 500) {
      const batch = names.slice(i, i + 500);
      const got = await heads(batch);
      for (const stream of batch) {
        const t = this.streams.get(stream);
        const head = got.get(stream);
        if (!t || head === undefined || head <= t.last) continue;
        // What the database has past `last` is delivered now; held pushes above the head stay held.
        this.startFill(stream, t, head);
      }
    }
  }

  /** Forgets idle streams (call it now and then). */
  sweep(now = Date.now()): void {
    for (const [stream, t] of this.streams) {
      if (t.at > now - this.opts.idleMs) break;
      if (t.held || t.filling) continue;
      this.streams.delete(stream);
    }
  }

  /** Whether `stream` is tracked (its pushes go through the order whoever receives them). */
  tracks(stream: string): boolean {
    return this.streams.has(stream);
  }

  get size(): number {
    return this.streams.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.streams.values()) if (t.timer) clearTimeout(t.timer);
    this.streams.clear();
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  private track(stream: string, t: Tracked): void {
    this.streams.set(stream, t);
    if (this.streams.size <= this.opts.maxStreams) return;
    for (const [name, old] of this.streams) {
      if (this.streams.size <= this.opts.maxStreams) break;
      if (old.held || old.filling) continue;
      this.streams.delete(name);
    }
  }

  private drainHeld(t: Tracked): void {
    if (!t.held) return;
    for (let next = t.held.get(t.last + 1); next; next = t.held.get(t.last + 1)) {
      t.held.delete(next.seq);
      this.deliver(next);
      t.last = next.seq;
    }
    for (const seq of t.held.keys()) if (seq <= t.last) t.held.delete(seq);
    if (t.held.size === 0) {
      t.held = null;
      if (t.timer) clearTimeout(t.timer);
      t.timer = null;
    }
  }

  private armGap(stream: string, t: Tracked): void {
    t.timer = setTimeout(() => {
      t.timer = null;
      if (this.streams.get(stream) === t && t.held) this.startFill(stream, t);
    }, this.opts.gapMs);
    t.timer.unref();
  }

  /** Reads the missing pushes up to the lowest held one (or `through`) and delivers them, then what was held. */
  private startFill(stream: string, t: Tracked, through?: number): void {
    if (t.filling) return;
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
    const lowestHeld = t.held ? Math.min(...t.held.keys()) : Infinity;
    const upTo = Math.min(lowestHeld - 1, through ?? Infinity);
    if (!(upTo > t.last)) return this.drainHeld(t);
    t.filling = true;
    const run = (async () => {
      try {
        // A page at a time: a long outage can leave a long gap.
        while (t.last < upTo && !this.closed) {
          const msgs = await this.fill(stream, t.last, upTo);
          const before = t.last;
          for (const m of msgs) {
            if (m.seq <= t.last) continue;
            this.deliver(m);
            t.last = m.seq;
          }
          // Nothing (more) there: the rest was pruned.
          if (t.last === before) break;
          this.onFilled(msgs.length);
        }
        // Not in the database any more (pruned): nothing to wait for below the held ones.
        if (t.held && t.last < upTo) t.last = upTo;
      } catch (err) {
        this.onError(err, stream);
        // Still missing: try again after another wait rather than skip what may be there.
      } finally {
        t.filling = false;
      }
      if (this.closed) return;
      this.drainHeld(t);
      if (t.held && !t.timer) this.armGap(stream, t);
    })();
    this.work.add(run);
    void run.finally(() => this.work.delete(run));
  }
}
