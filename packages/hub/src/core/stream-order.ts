/**
 * Publishes each stream's pushes in seq order, whatever order their
 * transactions' commits are reported in.
 *
 * A stream's seq comes from its head row (`streams.head + 1`), which the
 * transaction holds locked until it ends: seq n+1 can only be taken once the
 * transaction that took n has committed (or rolled back, giving n back). So
 * commits are in seq order in the database. The hub hears of them later, and
 * on PostgreSQL over several connections at once: the commit of n+1 may be
 * reported before that of n. Sessions drop anything at or below the last seq
 * they sent, so publishing n+1 first would lose n for every live subscriber.
 *
 * Every seq taken is a claim, noted when it is taken; a committed push is
 * published only once no smaller seq of its stream has an open claim. A claim
 * closes when its push is published, or when its transaction ends without
 * publishing it (rolled back, giving the seq back): the writer reports every
 * transaction's end, so no claim stays open and holds a stream up for good.
 *
 * On SQLite, commits are reported in order and this only passes them through.
 */
export interface SeqClaim {
  readonly stream: string;
  readonly seq: number;
  open: boolean;
}

export class StreamOrder<P extends { stream: string; seq: number; claim?: SeqClaim }> {
  /** Per stream: open claims by seq (a rolled-back seq is taken again by the next transaction), and committed pushes waiting. */
  private readonly streams = new Map<string, { claims: Map<number, number>; ready: Map<number, P> }>();

  constructor(private readonly publish: (push: P) => void) {}

  /** Inside the transaction that took `seq` of `stream`. */
  take(stream: string, seq: number): SeqClaim {
    let s = this.streams.get(stream);
    if (!s) this.streams.set(stream, (s = { claims: new Map(), ready: new Map() }));
    s.claims.set(seq, (s.claims.get(seq) ?? 0) + 1);
    return { stream, seq, open: true };
  }

  /** After the push's transaction committed. */
  committed(push: P): void {
    const s = this.streams.get(push.stream);
    if (!s || !push.claim?.open) {
      // Nothing noted for it (taken elsewhere): nothing to wait for.
      this.publish(push);
      return;
    }
    const waiting = s.ready.get(push.seq);
    if (waiting) this.send(s, waiting); // a stream reset reuses seqs; never hold one push behind another of the same seq
    s.ready.set(push.seq, push);
    this.drain(push.stream, s);
  }

  /** The claim's transaction ended; if its push was not published (rolled back), the seq no longer holds others up. */
  release(claim: SeqClaim): void {
    if (!claim.open) return;
    const s = this.streams.get(claim.stream);
    if (!s) return;
    // Committed and waiting for a smaller seq: it still holds its place, and its claim closes when it goes out.
    // (Closed here, the drain would no longer see it as the next one, and it would go out after a larger seq.)
    if (s.ready.get(claim.seq)?.claim === claim) return;
    this.close(s, claim);
    this.drain(claim.stream, s);
  }

  /** Streams with open claims (tests, metrics). */
  get pending(): number {
    return this.streams.size;
  }

  private drain(stream: string, s: { claims: Map<number, number>; ready: Map<number, P> }): void {
    for (;;) {
      let lowest = Infinity;
      for (const seq of s.claims.keys()) if (seq < lowest) lowest = seq;
      const next = s.ready.get(lowest);
      if (!next) break;
      this.send(s, next);
    }
    if (s.claims.size === 0) {
      // Anything still ready has no claim below it left.
      for (const p of [...s.ready.values()].sort((a, b) => a.seq - b.seq)) this.send(s, p);
      this.streams.delete(stream);
    }
  }

  private send(s: { claims: Map<number, number>; ready: Map<number, P> }, p: P): void {
    s.ready.delete(p.seq);
    if (p.claim) this.close(s, p.claim);
    this.publish(p);
  }

  private close(s: { claims: Map<number, number> }, claim: SeqClaim): void {
    if (!claim.open) return;
    claim.open = false;
    const n = (s.claims.get(claim.seq) ?? 1) - 1;
    if (n > 0) s.claims.set(claim.seq, n);
    else s.claims.delete(claim.seq);
  }
}
