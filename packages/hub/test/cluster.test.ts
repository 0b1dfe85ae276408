import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { TestCluster } from './cluster/harness.js';
import { connectAgent, ok, register, rpc, RawClient, type Frame, type TestAgent } from './helpers.js';

// Several hubs on one PostgreSQL and one Redis (PARLEY_TEST_REDIS, default
// the machine's 127.0.0.1:6379, each cluster under a key prefix of its own).
// The cluster makes its own database, so this file runs once, in the
// PostgreSQL pass of `npm test`: a machine without PostgreSQL runs the SQLite
// pass alone (PARLEY_TEST_STORES=sqlite), and several hubs need PostgreSQL.
const run = process.env.PARLEY_TEST_STORE === 'postgres' ? describe : describe.skip;

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const seqs = (client: RawClient, stream: string) => client.pushes(stream).map((f) => f.seq as number);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Seqs from..to with none missing, none twice, in order. */
const dense = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

run('several hubs, one service', () => {
  let cluster: TestCluster;
  let hubs: RunningHub[];
  beforeAll(async () => {
    cluster = await TestCluster.create();
    // The first migrates; the others start on a current schema.
    hubs = [await cluster.start()];
    hubs.push(await cluster.start({ autoMigrate: false }), await cluster.start({ autoMigrate: false }));
  });
  afterAll(() => cluster.close());

  it('a direct message sent on one hub reaches the recipient on another; pushes from three hubs arrive in seq order, once each', async () => {
    const b = await connectAgent(hubs[1]!);
    const stream = `agent:${b.agent.agentId}`;
    const senders = await Promise.all(hubs.map((h) => register(h)));
    // Concurrent sends through all three hubs: their commits race to the bus.
    await Promise.all(
      senders.map(async (s, i) => {
        for (let n = 0; n < 20; n++) ok(await call(hubs[i]!, s, 'p2p/send', { to: b.agent.agentId, content: `${i}-${n}` }));
      }),
    );
    const from = (b.connected.resumed as Record<string, { from: number }>)[stream]!.from;
    await b.client.waitUntil(() => seqs(b.client, stream).length >= 60, 15_000, '60 pushes');
    await sleep(300);
    expect(seqs(b.client, stream)).toEqual(dense(from + 1, from + 60));
    const contents = b.client.pushes(stream).map((f) => (f.data as { content: string }).content);
    expect(new Set(contents).size).toBe(60);
    b.client.close();
  });

  it('a topic push reaches members on every hub, in order, with publishers on every hub', async () => {
    const owner = await register(hubs[0]!);
    const topic = ok<{ topic_id: string }>(await call(hubs[0]!, owner, 'topic/create', { name: 'across', visibility: 'public' }));
    const members = await Promise.all(hubs.map((h) => connectAgent(h)));
    for (const m of members) ok(await m.client.call(m.agent.agentId, 'topic/join', { topic_id: topic.topic_id }));
    const stream = `topic:${topic.topic_id}`;
    await Promise.all(
      members.map(async (m, i) => {
        for (let n = 0; n < 15; n++) ok(await call(hubs[i]!, m.agent, 'topic/publish', { topic_id: topic.topic_id, content: `${i}-${n}` }));
      }),
    );
    for (const m of members) {
      await m.client.waitUntil(() => m.client.pushes(stream).filter((f) => f.event === 'topic.message').length >= 45, 15_000, '45 topic messages');
    }
    await sleep(300);
    const views = members.map((m) => seqs(m.client, stream));
    for (const v of views) {
      // Every push after the member joined: dense, increasing, and the same on every hub.
      expect(v).toEqual(dense(v[0]!, v[v.length - 1]!));
    }
    const last = Math.max(...views.map((v) => v[v.length - 1]!));
    for (const v of views) expect(v[v.length - 1]).toBe(last);
    for (const m of members) m.client.close();
  });

  it('presence is shared: online on one hub is online on all; the session cap counts every hub', async () => {
    const watcher = await register(hubs[0]!);
    const a = await register(hubs[0]!);
    const profile = async (hub: RunningHub) => ok<{ online: boolean }>(await call(hub, watcher, 'agent/get', { agent_id: a.agentId }));
    expect((await profile(hubs[2]!)).online).toBe(false);
    const s1 = await connectAgent(hubs[1]!, a);
    for (const h of hubs) await waitFor(async () => (await profile(h)).online, `online as seen from ${h.url}`);
    s1.client.close();
    for (const h of hubs) await waitFor(async () => !(await profile(h)).online, `offline as seen from ${h.url}`);
  });

  it('an agent may hold maxSessionsPerAgent sessions across all hubs, not per hub', async () => {
    // Its own two hubs with a cap of 2 on the same cluster.
    const capped = [await cluster.start({ autoMigrate: false, maxSessionsPerAgent: 2 }), await cluster.start({ autoMigrate: false, maxSessionsPerAgent: 2 })];
    const a = await register(capped[0]!);
    const one = await connectAgent(capped[0]!, a);
    const two = await connectAgent(capped[1]!, a);
    const third = RawClient.connect(capped[1]!);
    await third.challenge().then(() => undefined);
    third.send({ type: 'auth', agent_id: a.agentId, token: a.token });
    expect(await third.waitClose(10_000)).toBe(4429);
    one.client.close();
    await one.client.waitClose();
    // The place is free again, on the other hub.
    await waitFor(async () => {
      const again = RawClient.connect(capped[1]!);
      await again.challenge();
      again.send({ type: 'auth', agent_id: a.agentId, token: a.token });
      const got = await again.waitUntil(() => again.frames.find((f) => f.type === 'connected') ?? (again.closeCode !== null ? { closed: again.closeCode } : null), 10_000);
      again.close();
      return (got as Frame).type === 'connected';
    }, 'a freed place');
    two.client.close();
  });

  it('a delegated request made on one hub reaches a worker on another, and its result comes back', async () => {
    const cap = `cluster-cap-${Date.now()}`;
    const worker = await connectAgent(hubs[2]!);
    ok(await worker.client.call(worker.agent.agentId, 'agent/update', { capabilities: [cap] }));
    const requester = await connectAgent(hubs[0]!);
    const d = ok<{ request_id: string; worker_id: string }>(await requester.client.call(requester.agent.agentId, 'delegate/request', { capability: cap, input: { q: 1 }, timeout_ms: 60_000 }));
    expect(d.worker_id).toBe(worker.agent.agentId);
    await worker.client.waitFrame((f) => f.event === 'delegate.request' && (f.data as { request_id: string }).request_id === d.request_id, 10_000, 'delegate.request');
    ok(await worker.client.call(worker.agent.agentId, 'delegate/respond', { request_id: d.request_id, output: { a: 2 } }));
    const result = await requester.client.waitFrame((f) => f.event === 'delegate.result', 10_000, 'delegate.result');
    expect(result.data).toMatchObject({ request_id: d.request_id, state: 'done', output: { a: 2 } });
    worker.client.close();
    requester.client.close();
  });

  it('governance across hubs: a proposal made on one hub is announced on every hub; votes through three hubs at once open one deliberation', async () => {
    const watchers = await Promise.all(hubs.map((h) => connectAgent(h)));
    const author = await connectAgent(hubs[0]!);
    const proposal = ok<{ proposal_id: string }>(
      await author.client.call(author.agent.agentId, 'proposal/create', { title: 'One service', description: 'announced on every hub' }),
    );
    const about = (f: Frame) => (f.data as { proposal?: { proposal_id: string } }).proposal?.proposal_id === proposal.proposal_id;
    for (const w of watchers) {
      const f = await w.client.waitFrame((x) => x.stream === 'public:governance' && x.event === 'proposal.created' && about(x), 15_000, 'proposal.created');
      expect(f.data).toMatchObject({ variant: 'public' });
    }
    // The hubs run the default rules (quorum 3): the third vote, whichever hub it lands on, starts the deliberation.
    const voters = await Promise.all(hubs.map((h) => register(h)));
    await Promise.all(voters.map((v, i) => call(hubs[i]!, v, 'proposal/vote', { proposal_id: proposal.proposal_id, support: true }).then(ok)));
    const got = ok<{ status: string; votes_cast: number; deliberation_id: string }>(await call(hubs[2]!, voters[0]!, 'proposal/get', { proposal_id: proposal.proposal_id }));
    expect(got).toMatchObject({ status: 'deliberating', votes_cast: 3 });
    // The author hears of every vote, directly, whichever hub took it; every watcher sees the move once.
    await author.client.waitUntil(
      () => author.client.pushes(`agent:${author.agent.agentId}`).filter((f) => f.event === 'proposal.voted').length >= 3,
      15_000,
      'three direct proposal.voted',
    );
    for (const w of watchers) {
      await w.client.waitFrame((x) => x.event === 'proposal.status' && about(x), 15_000, 'proposal.status');
    }
    await sleep(300);
    for (const w of watchers) {
      const moves = w.client.pushes('public:governance').filter((x) => x.event === 'proposal.status' && about(x));
      expect(moves.map((m) => (m.data as { proposal: { status: string } }).proposal.status)).toEqual(['deliberating']);
      // Seqs on the public stream are dense on every hub.
      const seen = seqs(w.client, 'public:governance');
      expect(seen).toEqual(dense(seen[0]!, seen[seen.length - 1]!));
      w.client.close();
    }
    const started = await author.client.call(author.agent.agentId, 'deliberation/list', { only_pending: true });
    expect(ok<{ deliberations: Array<{ proposal_id: string }> }>(started).deliberations.filter((d) => d.proposal_id === proposal.proposal_id)).toHaveLength(1);
    author.client.close();
  });

  it('a chat turn timeout armed on one hub fires once, though every hub could fire it', async () => {
    const a = await connectAgent(hubs[0]!);
    const b = await connectAgent(hubs[1]!);
    const asked = ok<{ request: { request_id: string } }>(
      await a.client.call(a.agent.agentId, 'chat/request', { target_agent_id: b.agent.agentId, opening_message: 'hi', episode_policy: { turn_timeout_ms: 1000, timeout_behavior: 'end' } }),
    );
    // Accepted on the second hub (unless b's contact policy took it at once): that hub arms the turn's deadline.
    if (!('conversation' in asked)) ok(await b.client.call(b.agent.agentId, 'chat/accept', { request_id: asked.request.request_id }));
    const ended = (c: RawClient) => c.frames.filter((f) => f.event === 'conversation.ended');
    await b.client.waitUntil(() => ended(b.client).length >= 1, 10_000, 'the conversation ended by its turn timeout');
    expect(ended(b.client)[0]!.data).toMatchObject({ reason: 'turn_timeout' });
    // Past the takeover grace of the lease holder too: still exactly one end, on both sides.
    await sleep(2500);
    expect(ended(b.client)).toHaveLength(1);
    await a.client.waitUntil(() => ended(a.client).length >= 1, 10_000, 'the end on the other hub');
    expect(ended(a.client)).toHaveLength(1);
    a.client.close();
    b.client.close();
  });

  it('a hub killed with -9: its agents go offline on every hub within the ttl, and the deadline it armed fires once elsewhere', async () => {
    const doomed = await cluster.spawn({ autoMigrate: false });
    const a = await connectAgent(hubs[0]!);
    const b = await connectAgent(hubs[1]!);
    const c = await register(hubs[0]!);
    const onDoomed = RawClient.connect(doomed.asHub);
    await onDoomed.authSig(c);
    const asked = ok<{ request: { request_id: string }; conversation?: unknown }>(
      await call(doomed.asHub, a.agent, 'chat/request', { target_agent_id: b.agent.agentId, opening_message: 'hi', episode_policy: { turn_timeout_ms: 1500, timeout_behavior: 'end' } }),
    );
    // Accepted on the doomed hub, which arms the turn's deadline there, and only there.
    if (!asked.conversation) ok(await call(doomed.asHub, b.agent, 'chat/accept', { request_id: asked.request.request_id }));
    const profile = async () => ok<{ online: boolean }>(await call(hubs[2]!, a.agent, 'agent/get', { agent_id: c.agentId }));
    await waitFor(async () => (await profile()).online, 'c online while its hub lives');
    await doomed.kill();

    // Its session is reaped once its beat is older than clusterTtlMs (1.5 s here).
    await waitFor(async () => !(await profile()).online, 'c offline after its hub died', 15_000);
    // The lease holder ends the conversation timerGraceMs after the deadline: once, to both sides.
    const ended = (x: RawClient) => x.frames.filter((f) => f.event === 'conversation.ended');
    await a.client.waitUntil(() => ended(a.client).length >= 1, 15_000, 'the end, fired by a live hub');
    await b.client.waitUntil(() => ended(b.client).length >= 1, 15_000, 'the end, on the other side');
    await sleep(1500);
    expect(ended(a.client)).toHaveLength(1);
    expect(ended(b.client)).toHaveLength(1);
    expect(ended(a.client)[0]!.data).toMatchObject({ reason: 'turn_timeout' });
    a.client.close();
    b.client.close();
  });

  it('tokens revoked on one hub end the sessions they opened on another', async () => {
    const a = await register(hubs[0]!);
    const s = RawClient.connect(hubs[2]!);
    await s.challenge();
    s.send({ type: 'auth', agent_id: a.agentId, token: a.token });
    await s.waitFrame((f) => f.type === 'connected');
    ok(await call(hubs[0]!, a, 'agent/logout', { all: true }));
    expect(await s.waitClose(10_000)).toBe(4401);
  });

  it('rate limits are one budget across hubs', async () => {
    const limited = [
      // A slow refill (one request per 10 s), so however long the steps below take on a busy machine, the budget barely grows.
      await cluster.start({ autoMigrate: false, rateLimit: { perSecond: 0.1, burst: 6 } }),
      await cluster.start({ autoMigrate: false, rateLimit: { perSecond: 0.1, burst: 6 } }),
    ];
    const a = await register(limited[0]!);
    for (let i = 0; i < 5; i++) ok(await call(limited[0]!, a, 'agent/whoami'));
    // The first hub's count reaches Redis within its flush (10 ms); the second learns of it at its own first
    // flush, after its first request here. Waits are generous: on a busy machine a flush can take a while.
    await sleep(500);
    ok(await call(limited[1]!, a, 'agent/whoami'));
    await sleep(1000);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call(limited[1]!, a, 'agent/whoami'));
    const limitedCount = answers.filter((f) => f.status === 'error' && (f.content as { code: string }).code === 'rate_limited').length;
    // A bucket per hub would let all 4 through (it has 5 of its 6 left). Shared, 6 of the 6 are spent, and the
    // seconds since refilled a fraction of one: at most one more gets through.
    expect(limitedCount).toBeGreaterThanOrEqual(3);
  });

  it('a hub cut off from the bus fills what it missed from the database', async () => {
    const b = await connectAgent(hubs[1]!);
    const stream = `agent:${b.agent.agentId}`;
    const sender = await register(hubs[0]!);
    ok(await call(hubs[0]!, sender, 'p2p/send', { to: b.agent.agentId, content: 'before' }));
    await b.client.waitUntil(() => seqs(b.client, stream).length === 1, 10_000, 'first push');
    // Cut every subscriber of this cluster (its connections are named by its prefix) off for a moment while messages are sent: pub/sub keeps nothing.
    await cluster.redis(async (r) => {
      const list = await r.call('CLIENT', 'LIST', 'TYPE', 'pubsub');
      for (const line of String(list).split('\n')) {
        const id = /\bid=(\d+)/.exec(line)?.[1];
        if (id && line.includes(` name=${cluster.prefix}hub_`)) await r.call('CLIENT', 'KILL', 'ID', id);
      }
    });
    for (let n = 0; n < 10; n++) ok(await call(hubs[0]!, sender, 'p2p/send', { to: b.agent.agentId, content: `during-${n}` }));
    await b.client.waitUntil(() => seqs(b.client, stream).length >= 11, 15_000, 'every push, the missed ones filled in');
    ok(await call(hubs[2]!, sender, 'p2p/send', { to: b.agent.agentId, content: 'after' }));
    await b.client.waitUntil(() => seqs(b.client, stream).length >= 12, 15_000, 'the push after');
    await sleep(300);
    const got = seqs(b.client, stream);
    expect(got).toEqual(dense(got[0]!, got[0]! + 11));
    b.client.close();
  });
});

async function waitFor(pred: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

run('several hubs: stale tasks', () => {
  let cluster: TestCluster;
  let holder: RunningHub;
  let other: RunningHub;
  beforeAll(async () => {
    cluster = await TestCluster.create({ taskStaleMs: 300 });
    // The first hub takes the timer lease and so runs the stale check.
    holder = await cluster.start();
    other = await cluster.start({ autoMigrate: false });
  });
  afterAll(() => cluster.close());

  it('a runner online on another hub keeps its task; once offline everywhere it goes back, announced to a worker on another hub', async () => {
    const owner = await register(holder);
    const runner = await connectAgent(other);
    const worker = await connectAgent(other);
    ok(await worker.client.call(worker.agent.agentId, 'agent/update', { capabilities: ['index'] }));
    const task = ok<{ task_id: string }>(await call(holder, owner, 'task/create', { title: 'Index', runner: runner.agent.agentId, capability: 'index' }));
    ok(await runner.client.call(runner.agent.agentId, 'task/start', { task_id: task.task_id }));
    // Many stale periods later: the holder sees the runner online (on the other hub) and leaves the task alone.
    await sleep(1500);
    expect(ok<{ status: string }>(await call(holder, owner, 'task/get', { task_id: task.task_id })).status).toBe('doing');
    runner.client.close();
    const ready = await worker.client.waitFrame((f) => f.event === 'task.ready' && (f.data as { task_id: string }).task_id === task.task_id, 10_000, 'task.ready');
    expect(ready.data).toMatchObject({ runner_id: null, capability: 'index' });
    expect(ok<{ status: string }>(await call(holder, owner, 'task/get', { task_id: task.task_id })).status).toBe('todo');
    worker.client.close();
  });
});
