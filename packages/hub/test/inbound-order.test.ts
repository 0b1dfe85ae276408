import { afterEach, describe, expect, it } from 'vitest';
import type { BusMessage } from '../src/bus/local.js';
import { InboundOrder } from '../src/bus/inbound-order.js';

// The receiving end of cross-hub fan-out, on its own: the database is a map of committed pushes.
describe('InboundOrder', () => {
  const msg = (seq: number, stream = 's'): BusMessage => ({ stream, seq, frame: `f${seq}`, recipients: ['agt_x'] });
  let order: InboundOrder;
  afterEach(() => order.close());

  function make(committed: number[], gapMs = 30, baseline?: number) {
    const delivered: number[] = [];
    const fills: Array<[number, number]> = [];
    const filled = { n: 0 };
    order = new InboundOrder(
      (m) => delivered.push(m.seq),
      async (_stream, after, upTo) => {
        fills.push([after, upTo]);
        return committed.filter((s) => s > after && s <= upTo).slice(0, 2).map((s) => msg(s));
      },
      { gapMs, maxStreams: 100, idleMs: 60_000, maxHeld: 50 },
      (err) => {
        throw err;
      },
      (n) => (filled.n += n),
      () => baseline,
    );
    return { delivered, fills, filled };
  }
  const until = async (pred: () => boolean) => {
    for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('puts pushes of two hubs that raced to the bus back in seq order, without reading the database', async () => {
    const { delivered, fills } = make([1, 2, 3, 4, 5]);
    for (const s of [1, 3, 2, 5, 4]) order.receive(msg(s));
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
    expect(fills).toEqual([]);
  });

  it('drops what it delivered already', () => {
    const { delivered } = make([1, 2]);
    for (const s of [1, 2, 2, 1]) order.receive(msg(s));
    expect(delivered).toEqual([1, 2]);
  });

  it('fills what the bus lost from the database after the wait, a page at a time, then what it held', async () => {
    const { delivered, fills, filled } = make([1, 2, 3, 4, 5, 6]);
    order.receive(msg(1));
    order.receive(msg(6));
    expect(delivered).toEqual([1]);
    await until(() => delivered.length === 6);
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6]);
    // Pages of two (the fake's page size): 2-3, then 4-5.
    expect(fills).toEqual([
      [1, 5],
      [3, 5],
    ]);
    expect(filled.n).toBe(4);
  });

  it('a session that replayed a stream sets where it starts; later gaps are noticed from there', async () => {
    const { delivered } = make([10, 11, 12]);
    order.seen('s', 10);
    order.receive(msg(12));
    expect(delivered).toEqual([]);
    await until(() => delivered.length === 2);
    expect(delivered).toEqual([11, 12]);
  });

  it('for a stream it does not track, starts where its local recipients are: what they lack is filled first', async () => {
    const { delivered, fills } = make([4, 5, 6], 30, 3);
    order.receive(msg(6));
    expect(delivered).toEqual([]);
    await until(() => delivered.length === 3);
    expect(delivered).toEqual([4, 5, 6]);
    expect(fills[0]).toEqual([3, 5]);
  });

  it('for a stream it does not track, the next push after its recipients\' last goes out at once', () => {
    const { delivered, fills } = make([4], 30, 3);
    order.receive(msg(4));
    expect(delivered).toEqual([4]);
    expect(fills).toEqual([]);
  });

  it('after a reconnect, fills every tracked stream whose head moved on while it was cut off', async () => {
    const { delivered } = make([1, 2, 3]);
    order.receive(msg(1));
    await order.resync(async (names) => new Map(names.map((n) => [n, 3])));
    await until(() => delivered.length === 3);
    expect(delivered).toEqual([1, 2, 3]);
  });

  it('skips seqs that are no longer in the database (pruned) instead of waiting for them for ever', async () => {
    const { delivered } = make([5]);
    order.receive(msg(1));
    order.receive(msg(5));
    await until(() => delivered.length === 2);
    expect(delivered).toEqual([1, 5]);
  });

  it('a fill that brings nothing new ends instead of asking again for ever', async () => {
    const delivered: number[] = [];
    let asked = 0;
    order = new InboundOrder(
      (m) => delivered.push(m.seq),
      async () => {
        asked++;
        return [msg(1)];
      },
      { gapMs: 10, maxStreams: 10, idleMs: 60_000, maxHeld: 50 },
      (err) => {
        throw err;
      },
    );
    order.receive(msg(1));
    order.receive(msg(4));
    await until(() => delivered.length === 2);
    expect(delivered).toEqual([1, 4]);
    expect(asked).toBe(1);
  });

  it('forgets idle streams, and never more than maxStreams', () => {
    make([]);
    for (let i = 0; i < 150; i++) order.receive(msg(1, `s${i}`), 1000);
    expect(order.size).toBe(100);
    order.sweep(1000 + 60_001);
    expect(order.size).toBe(0);
  });
});
