import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, RawClient, connectAgent, ok, register, rpc, startTestHub, tempDir } from './helpers.js';

const seqs = (frames: Frame[]) => frames.map((f) => f.seq as number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** B creates a topic, A joins; returns the topic stream and A's join seq. */
async function setupTopic(hub: RunningHub, a: TestAgent, b: TestAgent) {
  const topic = ok<{ topic_id: string }>((await rpc(hub, b, 'topic/create', { name: 'resume-topic' })).body);
  ok((await rpc(hub, b, 'topic/publish', { topic_id: topic.topic_id, content: 'before A joined' })).body);
  const joined = ok<{ seq: number }>((await rpc(hub, a, 'topic/join', { topic_id: topic.topic_id })).body);
  expect(joined.seq).toBe(1);
  return { topicId: topic.topic_id, stream: `topic:${topic.topic_id}`, joinSeq: joined.seq };
}

async function sendBacklog(hub: RunningHub, a: TestAgent, b: TestAgent, topicId: string, n: number) {
  for (let i = 1; i <= n; i++) {
    ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: `dm ${i}` })).body);
    ok((await rpc(hub, b, 'topic/publish', { topic_id: topicId, content: `post ${i}` })).body);
  }
}

describe('resume', () => {
  const hubs: RunningHub[] = [];
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    for (const h of hubs.splice(0)) await h.close();
    for (const c of cleanups.splice(0)) c();
  });

  it('replays exactly the missed pushes, in order, before live ones, none twice', async () => {
    const hub = await startTestHub();
    hubs.push(hub);
    const a = await register(hub, 'A');
    const b = await register(hub, 'B');
    const { topicId, stream, joinSeq } = await setupTopic(hub, a, b);
    const inbox = `agent:${a.agentId}`;

    // A was connected (live only), then goes away.
    const first = await connectAgent(hub, a);
    first.client.close();
    await first.client.waitClose();

    await sendBacklog(hub, a, b, topicId, 100);

    const c = RawClient.connect(hub);
    const nonceP = c.challenge();
    await nonceP;
    const connectedP = c.authSig(a, { [inbox]: 0, [stream]: joinSeq });
    // Live traffic racing with the replay.
    const live = (async () => {
      for (let i = 101; i <= 110; i++) {
        ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: `dm ${i}` })).body);
        ok((await rpc(hub, b, 'topic/publish', { topic_id: topicId, content: `post ${i}` })).body);
      }
    })();
    const connected = await connectedP;
    await live;
    expect(connected.resumed).toEqual({ [inbox]: { replayed: 100, gap: false }, [stream]: { replayed: 100, gap: false } });
    // Nothing before `connected`.
    expect(c.frames.findIndex((f) => f.type === 'connected')).toBe(1);

    await c.waitUntil(() => c.pushes(inbox).length >= 110 && c.pushes(stream).length >= 110, 10_000, '220 pushes');
    expect(seqs(c.pushes(inbox))).toEqual(range(1, 110));
    expect(seqs(c.pushes(stream))).toEqual(range(joinSeq + 1, joinSeq + 110));
    expect(c.pushes(inbox).map((p) => (p.data as { content: string }).content)).toEqual(range(1, 110).map((i) => `dm ${i}`));
    expect(c.pushes(stream).map((p) => (p.data as { content: string }).content)).toEqual(range(1, 110).map((i) => `post ${i}`));
    for (const p of c.pushes(stream)) expect(p).toMatchObject({ event: 'topic.message', data: { topic_id: topicId, seq: p.seq } });
    c.close();
  });

  it('replays after the hub is closed and started again on the same data directory', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    let hub = await startTestHub({ dbPath: undefined, dataDir: dir });
    const a = await register(hub, 'A');
    const b = await register(hub, 'B');
    const { topicId, stream, joinSeq } = await setupTopic(hub, a, b);
    const inbox = `agent:${a.agentId}`;
    await sendBacklog(hub, a, b, topicId, 100);
    const epoch = hub.epoch;
    await hub.close();

    hub = await startTestHub({ dbPath: undefined, dataDir: dir });
    hubs.push(hub);
    expect(hub.epoch).toBe(epoch);
    const { client, connected } = await connectAgent(hub, a, { [inbox]: 0, [stream]: joinSeq });
    expect(connected.epoch).toBe(epoch);
    expect(connected.resumed).toEqual({ [inbox]: { replayed: 100, gap: false }, [stream]: { replayed: 100, gap: false } });
    await client.waitUntil(() => client.pushes().length >= 200, 10_000, '200 pushes');
    expect(seqs(client.pushes(inbox))).toEqual(range(1, 100));
    expect(seqs(client.pushes(stream))).toEqual(range(joinSeq + 1, joinSeq + 100));
    // Sequence numbers continue after the restart.
    const next = ok<{ seq: number }>((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: 'after restart' })).body);
    expect(next.seq).toBe(101);
    await client.waitUntil(() => client.pushes(inbox).length === 101);
    client.close();
  });

  it('a partial cursor replays only what came after it', async () => {
    const hub = await startTestHub();
    hubs.push(hub);
    const a = await register(hub);
    const b = await register(hub);
    for (let i = 0; i < 10; i++) ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: `m${i}` })).body);
    const inbox = `agent:${a.agentId}`;
    const { client, connected } = await connectAgent(hub, a, { [inbox]: 7 });
    expect(connected.resumed).toEqual({ [inbox]: { replayed: 3, gap: false } });
    await client.waitUntil(() => client.pushes().length >= 3);
    // Give any stray extra push a chance to show up via a round trip.
    ok(await client.call(a.agentId, 'agent/whoami'));
    expect(seqs(client.pushes())).toEqual([8, 9, 10]);
    client.close();
  });

  it('without resume only live pushes arrive, and the hub says where the agent\'s own stream starts', async () => {
    const hub = await startTestHub();
    hubs.push(hub);
    const a = await register(hub);
    const b = await register(hub);
    for (let i = 0; i < 5; i++) ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: `old ${i}` })).body);
    const { client, connected } = await connectAgent(hub, a);
    // Its own stream starts at the head (nothing replayed); the client keeps `from` as its cursor for the next resume.
    expect(connected.resumed).toEqual({ [`agent:${a.agentId}`]: { replayed: 0, gap: false, from: 5 } });
    ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: 'live' })).body);
    await client.waitUntil(() => client.pushes().length >= 1);
    ok(await client.call(a.agentId, 'agent/whoami'));
    expect(client.pushes().map((p) => [p.seq, (p.data as { content: string }).content])).toEqual([[6, 'live']]);
    client.close();
  });

  it('reports gap for unreadable streams and cursors beyond the head', async () => {
    const hub = await startTestHub();
    hubs.push(hub);
    const a = await register(hub);
    const b = await register(hub);
    const topic = ok<{ topic_id: string }>((await rpc(hub, b, 'topic/create', { name: 'not for A' })).body);
    ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: 'one' })).body);
    const resume = { [`topic:${topic.topic_id}`]: 0, [`agent:${b.agentId}`]: 0, [`agent:${a.agentId}`]: 50 };
    const { client, connected } = await connectAgent(hub, a, resume);
    expect(connected.resumed).toEqual({
      [`topic:${topic.topic_id}`]: { replayed: 0, gap: true },
      [`agent:${b.agentId}`]: { replayed: 0, gap: true },
      [`agent:${a.agentId}`]: { replayed: 0, gap: true },
    });
    // A cursor beyond the head does not swallow later live pushes.
    ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: 'two' })).body);
    await client.waitUntil(() => client.pushes().length >= 1);
    expect(seqs(client.pushes())).toEqual([2]);
    client.close();
  });

  it('a cursor older than retention reports gap and still replays what remains', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    let hub = await startTestHub({ dbPath: undefined, dataDir: dir });
    const a = await register(hub);
    const b = await register(hub);
    for (let i = 1; i <= 5; i++) ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: `old ${i}` })).body);
    await hub.close();
    await new Promise((r) => setTimeout(r, 1100));
    // Pruning runs at start-up: everything older than 1 s is gone.
    hub = await startTestHub({ dbPath: undefined, dataDir: dir, retentionMs: 1000 });
    hubs.push(hub);
    ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: 'new' })).body);
    const inbox = `agent:${a.agentId}`;
    const { client, connected } = await connectAgent(hub, a, { [inbox]: 2 });
    expect(connected.resumed).toEqual({ [inbox]: { replayed: 1, gap: true } });
    await client.waitUntil(() => client.pushes().length >= 1);
    expect(client.pushes().map((p) => [p.seq, (p.data as { content: string }).content])).toEqual([[6, 'new']]);
    // A cursor at the prune point is fine: no gap.
    const second = await connectAgent(hub, a, { [inbox]: 5 });
    expect(second.connected.resumed).toEqual({ [inbox]: { replayed: 1, gap: false } });
    client.close();
    second.client.close();
  });

  it('delivers to every open session of the agent', async () => {
    const hub = await startTestHub();
    hubs.push(hub);
    const a = await register(hub);
    const b = await register(hub);
    const s1 = await connectAgent(hub, a);
    const s2 = await connectAgent(hub, a);
    ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: 'both' })).body);
    await s1.client.waitUntil(() => s1.client.pushes().length === 1);
    await s2.client.waitUntil(() => s2.client.pushes().length === 1);
    // The same serialised frame goes to both.
    const t1 = s1.client.texts.find((t) => t.includes('"push"'));
    const t2 = s2.client.texts.find((t) => t.includes('"push"'));
    expect(t1).toBe(t2);
    s1.client.close();
    s2.client.close();
  });
});
