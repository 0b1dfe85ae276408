import { agentStream } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBus } from '../src/bus/local.js';
import { Streams, type StreamAccess } from '../src/core/streams.js';
import type { Store } from '../src/store/store.js';
import type { Writer } from '../src/store/sql.js';
import { memoryStore } from './helpers.js';

// Read cursors against real SQLite: acks are merged per writer batch, forward only, readable streams only.
describe('Streams.ack', () => {
  let store: Store;
  let writer: Writer;
  let streams: Streams;
  const mine = agentStream('agt_a');
  const theirs = agentStream('agt_b');
  const access: StreamAccess = {
    canRead: async (agentId, stream) => stream === agentStream(agentId),
    readable: async (agentId) => [agentStream(agentId)],
    recipients: async () => [],
  };

  beforeEach(async () => {
    store = await memoryStore();
    writer = store.writer;
    streams = new Streams(store.db, store.read, writer, new LocalBus(), access);
  });
  afterEach(() => store.close());

  it('merges a burst of acks into one write that keeps the highest seq', async () => {
    const acks = [5, 9, 7, 2].map((seq) => streams.ack('agt_a', { [mine]: seq }));
    // Not written yet (deferred), but every read of the cursor already sees it.
    expect(await streams.getReadCursor('agt_a', mine)).toBe(9);
    await Promise.all(acks);
    expect(await streams.getReadCursor('agt_a', mine)).toBe(9);
    expect(writer.stats).toEqual({ batches: 1, jobs: 1 });
  });

  it('never moves a cursor back, and ignores streams the agent cannot read', async () => {
    await streams.ack('agt_a', { [mine]: 10 });
    await streams.ack('agt_a', { [mine]: 4, [theirs]: 3 });
    expect(await streams.getReadCursor('agt_a', mine)).toBe(10);
    expect(await streams.getReadCursor('agt_a', theirs)).toBe(0);
    // An ack with nothing readable in it writes nothing.
    const before = writer.stats.jobs;
    await streams.ack('agt_a', { [theirs]: 8, 'no-such-stream': 1 });
    expect(writer.stats.jobs).toBe(before);
  });

  it('an ack that arrives while a flush is being written goes into the next one', async () => {
    const first = streams.ack('agt_a', { [mine]: 1 });
    // This job runs right after the first flush, in the same batch: its ack must start a new flush, not join the written one.
    let second: Promise<void> | undefined;
    void writer.run(async () => {
      second = streams.ack('agt_a', { [mine]: 2 });
    });
    await first;
    await writer.idle();
    await second;
    expect(await streams.getReadCursor('agt_a', mine)).toBe(2);
  });
});
