import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type RawClient, connectAgent, ok, startTestHub } from './helpers.js';

const PUBLISHERS = 20;
const PER_PUBLISHER = 10;
const SUBSCRIBERS = 5;
const TOTAL = PUBLISHERS * PER_PUBLISHER;

type Published = { message_id: string; seq: number };

// On PostgreSQL the publishes commit concurrently, so seq 5 may commit before
// seq 4; on SQLite they share group commits. Either way every client must get
// the stream in seq order, live and after a resume, with no gap or repeat.
describe('topic fan-out under concurrent publishers', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('every subscriber gets every message exactly once, all in the same order, also one that drops mid-burst and resumes', async () => {
    const owner = await connectAgent(hub);
    const topicId = ok<{ topic_id: string }>(await owner.client.call(owner.agent.agentId, 'topic/create', { name: 'busy' })).topic_id;
    const stream = `topic:${topicId}`;
    const join = async () => {
      const c = await connectAgent(hub);
      ok(await c.client.call(c.agent.agentId, 'topic/join', { topic_id: topicId }));
      return c;
    };
    const subscribers = await Promise.all(Array.from({ length: SUBSCRIBERS }, join));
    const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, join));
    const received = (c: RawClient) => c.pushes(stream).filter((f) => f.event === 'topic.message' && (f.seq as number) <= TOTAL);
    // One member drops once a few pushes of the burst have come, then resumes from the last seq it has.
    const dropper = await join();
    const dropped = (async () => {
      const hit = await dropper.client.waitFrame((f) => f.type === 'push' && f.stream === stream && (f.seq as number) >= TOTAL / 10, 60_000, 'the start of the burst');
      dropper.client.close();
      // What it had handled when it dropped; pushes still in flight on the dying socket count as lost.
      const before = received(dropper.client)
        .map((f) => f.seq as number)
        .filter((seq) => seq <= (hit.seq as number));
      const again = await connectAgent(hub, dropper.agent, { [stream]: before[before.length - 1]! });
      return { before, again };
    })();

    // Every publisher fires all its messages at once, all publishers together.
    const results = await Promise.all(
      publishers.map((p, i) =>
        Promise.all(
          Array.from({ length: PER_PUBLISHER }, async (_, j) =>
            ok<Published>(await p.client.call(p.agent.agentId, 'topic/publish', { topic_id: topicId, content: `p${i} m${j}` })),
          ),
        ),
      ),
    );
    const published = results.flat();
    const idBySeq = new Map(published.map((r) => [r.seq, r.message_id]));
    // Each publish got its own seq, and together they are 1..TOTAL.
    expect([...idBySeq.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));

    // A last message after all the others: once a client has it, anything of the burst it was going to get has come.
    const end = ok<Published>(await owner.client.call(owner.agent.agentId, 'topic/publish', { topic_id: topicId, content: 'end' }));
    expect(end.seq).toBe(TOTAL + 1);
    // Members that published receive the stream too; all of them are checked.
    const everyone = [owner, ...subscribers, ...publishers];
    for (const c of everyone) await c.client.waitFrame((f) => f.type === 'push' && f.stream === stream && f.seq === end.seq, 10_000, 'the end message');

    const reference = received(subscribers[0]!.client).map((f) => [f.seq, (f.data as { message_id: string }).message_id]);
    // In seq order, with no gap or repeat, and each seq carries the message its publish was told about.
    expect(reference.map(([seq]) => seq)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    expect(reference.map(([seq, id]) => idBySeq.get(seq as number) === id).every(Boolean)).toBe(true);
    expect(new Set(reference.map(([, id]) => id)).size).toBe(TOTAL);
    for (const c of everyone) {
      const got = received(c.client).map((f) => [f.seq, (f.data as { message_id: string }).message_id]);
      // Exactly once: nothing beyond TOTAL arrived, and the same (seq, message) list as everyone else.
      expect(got).toEqual(reference);
    }
    // The one that dropped: what it had, then what the resume replayed and what came live after, is the same list.
    const { before, again } = await dropped;
    expect(before.length).toBeLessThan(TOTAL);
    await again.client.waitFrame((f) => f.type === 'push' && f.stream === stream && f.seq === end.seq, 10_000, 'the end message after resume');
    const after = received(again.client).map((f) => f.seq as number);
    expect([...before, ...after]).toEqual(reference.map(([seq]) => seq));
    again.client.close();

    // The stored history agrees with what was pushed (paged forward from the start).
    const stored: Array<[number, string]> = [];
    for (let after = 0, more = true; more; after = stored[stored.length - 1]![0]) {
      const page = ok<{ messages: Array<{ seq: number; message_id: string }>; has_more: boolean }>(
        await owner.client.call(owner.agent.agentId, 'topic/history', { topic_id: topicId, after, limit: 200 }),
      );
      stored.push(...page.messages.map((m): [number, string] => [m.seq, m.message_id]));
      more = page.has_more;
    }
    expect(stored.slice(0, TOTAL)).toEqual(reference);
    expect(stored.map(([seq]) => seq)).toEqual(Array.from({ length: TOTAL + 1 }, (_, i) => i + 1));

    for (const c of everyone) c.client.close();
  });
});
