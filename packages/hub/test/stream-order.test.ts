import { describe, expect, it } from 'vitest';
import { StreamOrder, type SeqClaim } from '../src/core/stream-order.js';

type P = { stream: string; seq: number; claim?: SeqClaim };

// Commits reported out of seq order (PostgreSQL, several connections) still go out in order.
describe('StreamOrder', () => {
  const setup = () => {
    const out: string[] = [];
    const order = new StreamOrder<P>((p) => out.push(`${p.stream}:${p.seq}`));
    const take = (stream: string, seq: number): P => ({ stream, seq, claim: order.take(stream, seq) });
    return { out, order, take };
  };

  it('holds a commit until every smaller seq taken on its stream has gone out', () => {
    const { out, order, take } = setup();
    const [p4, p5, p6] = [take('s', 4), take('s', 5), take('s', 6)];
    const other = take('t', 1);
    order.committed(p6);
    order.committed(p5);
    order.committed(other); // another stream is not held up
    expect(out).toEqual(['t:1']);
    order.committed(p4);
    expect(out).toEqual(['t:1', 's:4', 's:5', 's:6']);
    expect(order.pending).toBe(0);
  });

  it('a seq whose transaction rolled back stops holding others once its transaction ends', () => {
    const { out, order, take } = setup();
    const rolledBack = take('s', 4);
    // The next transaction takes the same seq again (the head went back), and the one after it the next.
    const again = take('s', 4);
    const next = take('s', 5);
    order.committed(next);
    order.committed(again);
    // The first claim on 4 is still open: 5 waits for the transaction that made it to end.
    expect(out).toEqual(['s:4']);
    order.release(rolledBack.claim!);
    expect(out).toEqual(['s:4', 's:5']);
    expect(order.pending).toBe(0);
  });

  it('a committed push that was never published does not block its stream after its transaction ends', () => {
    const { out, order, take } = setup();
    const lost = take('s', 1);
    const later = take('s', 2);
    order.committed(later);
    expect(out).toEqual([]);
    order.release(lost.claim!);
    expect(out).toEqual(['s:2']);
    // Releasing a claim that was published is a no-op.
    order.release(later.claim!);
    expect(out).toEqual(['s:2']);
  });

  // Seen in the cross-hub bench on one PostgreSQL hub: 1424 went out after 1425, and its receiver dropped it.
  it('a committed push whose transaction ended while it waits keeps its place', () => {
    const { out, order, take } = setup();
    const [a, b, c] = [take('s', 1423), take('s', 1424), take('s', 1425)];
    order.committed(b);
    order.release(b.claim!); // its transaction ended (after its afterCommit) with 1423 still open
    order.committed(a);
    order.release(a.claim!);
    order.committed(c);
    order.release(c.claim!);
    expect(out).toEqual(['s:1423', 's:1424', 's:1425']);
    expect(order.pending).toBe(0);
  });

  it('passes through, in the order given, pushes it holds no claims for', () => {
    const { out, order } = setup();
    order.committed({ stream: 's', seq: 9 });
    order.committed({ stream: 's', seq: 8 });
    expect(out).toEqual(['s:9', 's:8']);
  });
});
