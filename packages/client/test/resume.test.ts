import type { RunningHub } from '@parley/hub';
import type { PushFrame } from '@parley/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../src/client.js';
import { MemoryCursorStore } from '../src/cursors.js';
import type { Identity } from '../src/identity.js';
import type { GapInfo } from '../src/types.js';
import { agent, client, closeClients, hub, sleep, tempDir, waitFor } from './helpers/env.js';
import { startProxy } from './helpers/proxy.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await closeClients();
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Records every push a client delivers. */
function recorder(c: ParleyClient): PushFrame[] {
  const seen: PushFrame[] = [];
  c.on('push', (f) => seen.push(f));
  return seen;
}

/** Exactly `n` pushes on `stream`, consecutive seqs, in order, none twice. */
function expectContiguous(pushes: PushFrame[], stream: string, n: number, firstSeq: number): void {
  const seqs = pushes.filter((p) => p.stream === stream).map((p) => p.seq);
  expect(seqs).toEqual(Array.from({ length: n }, (_, i) => firstSeq + i));
}

interface Scene {
  a: Identity;
  b: Identity;
  topicId: string;
  inbox: string;
  topic: string;
}

/** A joins B's topic and receives one warm-up direct message (that sets its inbox cursor). */
async function scene(ca: ParleyClient, cb: ParleyClient, a: Identity, b: Identity): Promise<Scene> {
  const t = await cb.call('topic/create', { name: `resume-${Date.now()}` });
  await ca.call('topic/join', { topic_id: t.topic_id });
  const seen = recorder(ca);
  await cb.call('p2p/send', { to: a.agentId, content: 'warm-up' });
  await waitFor(() => seen.length === 1, 'warm-up push');
  return { a, b, topicId: t.topic_id, inbox: `agent:${a.agentId}`, topic: `topic:${t.topic_id}` };
}

/** A behind a proxy (WebSocket only, so the proxy can cut it), B direct, both in the scene, cursors noted. */
async function sceneBehindProxy(h: RunningHub) {
  const proxy = await startProxy(h.port);
  cleanups.push(() => proxy.close());
  const [a, b] = [await agent(h.url), await agent(h.url)];
  const store = new MemoryCursorStore();
  const ca = client(proxy.url, a, { cursorStore: store, transports: ['websocket'] });
  const cb = client(h.url, b);
  await Promise.all([ca.connect(), cb.connect()]);
  const s = await scene(ca, cb, a, b);
  return { proxy, a, b, store, ca, cb, s, inboxStart: ca.cursors[s.inbox]!, topicStart: ca.cursors[s.topic] };
}

/** Cuts A off and keeps it off until the proxy is unblocked. */
async function cutOff(proxy: Awaited<ReturnType<typeof startProxy>>, ca: ParleyClient): Promise<void> {
  proxy.setBlocked(true);
  proxy.dropAll();
  await waitFor(() => ca.state !== 'connected', 'A disconnected');
}

async function sendBurst(cb: ParleyClient, s: Scene, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await cb.call('p2p/send', { to: s.a.agentId, content: `dm ${i}` });
    await cb.call('topic/publish', { topic_id: s.topicId, content: `post ${i}` });
  }
}

describe('resume', () => {
  it('after a disconnect, replays exactly the 200 missed pushes, in order per stream, none twice', async () => {
    const h = await hub();
    cleanups.push(() => h.close());
    const { proxy, a, store, ca, cb, s, inboxStart, topicStart } = await sceneBehindProxy(h);
    expect(topicStart).toBeTypeOf('number'); // set from topic/join, before any topic push

    await cutOff(proxy, ca);
    await sendBurst(cb, s, 0, 100);

    const seen = recorder(ca);
    const messages: string[] = [];
    ca.on('p2p.message', (d) => messages.push(d.content));
    const gaps: GapInfo[] = [];
    ca.on('gap', (g) => gaps.push(g));
    proxy.setBlocked(false);
    await waitFor(() => seen.length >= 200, '200 replayed pushes', 15_000);
    await sleep(300); // anything extra (a duplicate) would arrive now
    expect(seen).toHaveLength(200);
    expectContiguous(seen, s.inbox, 100, inboxStart + 1);
    expectContiguous(seen, s.topic, 100, topicStart! + 1);
    expect(messages).toEqual(Array.from({ length: 100 }, (_, i) => `dm ${i}`));
    expect(gaps).toEqual([]);
    expect(store.load()?.cursors[s.inbox]).toBe(inboxStart + 100);
    expect(store.load()?.cursors[s.topic]).toBe(topicStart! + 100);

    // Live pushes continue after the replay, and a new client sharing the store resumes from where A stopped.
    await ca.close();
    await cb.call('p2p/send', { to: a.agentId, content: 'while A was gone' });
    const ca2 = client(h.url, a, { cursorStore: store });
    const seen2 = recorder(ca2);
    await ca2.connect();
    await waitFor(() => seen2.length === 1, 'resumed push on a new instance');
    await sleep(200);
    expect(seen2.map((p) => [p.stream, p.seq])).toEqual([[s.inbox, inboxStart + 101]]);
  });

  it('an agent that never had a push yet still resumes its own stream: what came while it was cut off arrives', async () => {
    const h = await hub();
    cleanups.push(() => h.close());
    const proxy = await startProxy(h.port);
    cleanups.push(() => proxy.close());
    const [a, b] = [await agent(h.url), await agent(h.url)];
    // Something on A's stream from before it ever connected: not replayed, the stream starts at the head.
    const cb = client(h.url, b);
    await cb.connect();
    await cb.call('p2p/send', { to: a.agentId, content: 'before A ever connected' });
    const store = new MemoryCursorStore();
    const ca = client(proxy.url, a, { cursorStore: store, transports: ['websocket'] });
    const seen = recorder(ca);
    await ca.connect();
    const inbox = `agent:${a.agentId}`;
    // The hub told it where its stream starts; no push has reached it.
    expect(ca.cursors[inbox]).toBe(1);
    expect(store.load()?.cursors[inbox]).toBe(1);

    await cutOff(proxy, ca);
    await cb.call('p2p/send', { to: a.agentId, content: 'while A was cut off' });
    const gaps: GapInfo[] = [];
    ca.on('gap', (g) => gaps.push(g));
    proxy.setBlocked(false);
    await waitFor(() => seen.length >= 1, 'the push sent while A was cut off', 10_000);
    await sleep(200);
    expect(seen.map((p) => [p.stream, p.seq, (p.data as { content: string }).content])).toEqual([[inbox, 2, 'while A was cut off']]);
    expect(gaps).toEqual([]);
  });

  it('resumes across a hub restart on the same data dir', async () => {
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    let h: RunningHub = await hub({ dbPath: undefined, dataDir: dir.path });
    cleanups.push(() => h.close());
    const r = await sceneBehindProxy(h);
    const { proxy, b, ca, s, inboxStart } = r;
    const topicStart = r.topicStart!;
    let cb = r.cb;
    const epoch = ca.epoch;

    await cutOff(proxy, ca);
    await sendBurst(cb, s, 0, 50);
    await cb.close();
    await h.close();
    h = await hub({ dbPath: undefined, dataDir: dir.path });
    expect(h.epoch).toBe(epoch);
    proxy.setTarget(h.port);
    cb = client(h.url, b);
    await cb.connect();
    await sendBurst(cb, s, 50, 50);

    const seen = recorder(ca);
    const gaps: GapInfo[] = [];
    ca.on('gap', (g) => gaps.push(g));
    proxy.setBlocked(false);
    await waitFor(() => seen.length >= 200, '200 pushes after the restart', 15_000);
    await sleep(300);
    expect(seen).toHaveLength(200);
    expectContiguous(seen, s.inbox, 100, inboxStart + 1);
    expectContiguous(seen, s.topic, 100, topicStart + 1);
    expect(gaps).toEqual([]);
  });
});

describe('epoch change', () => {
  it('cursors from another epoch are dropped and reported as gaps', async () => {
    const store = new MemoryCursorStore();
    const h1 = await hub();
    cleanups.push(() => h1.close());
    const [a, b] = [await agent(h1.url), await agent(h1.url)];
    const ca = client(h1.url, a, { cursorStore: store });
    const cb = client(h1.url, b);
    await Promise.all([ca.connect(), cb.connect()]);
    await scene(ca, cb, a, b);
    await ca.close();
    const before = store.load()!;
    expect(before.epoch).toBe(h1.epoch);
    expect(Object.keys(before.cursors).length).toBe(2);

    // A fresh hub: a new data set, a new epoch.
    const h2 = await hub();
    cleanups.push(() => h2.close());
    expect(h2.epoch).not.toBe(h1.epoch);
    await agent(h2.url).then(() => undefined);
    const { register } = await import('../src/registration.js');
    await register(h2.url, a);
    const ca2 = client(h2.url, a, { cursorStore: store });
    const gaps: GapInfo[] = [];
    ca2.on('gap', (g) => gaps.push(g));
    await ca2.connect();
    expect(gaps.map((g) => g.reason)).toEqual(['epoch', 'epoch']);
    expect(gaps.map((g) => g.stream).sort()).toEqual(Object.keys(before.cursors).sort());
    expect(ca2.epoch).toBe(h2.epoch);
    await waitFor(() => store.load()?.epoch === h2.epoch, 'store updated to the new epoch');
    // Stale cursors may have asked the new hub for a replay; whatever it returned is real data of the new epoch, not the old cursor.
    expect(store.load()!.cursors[`agent:${a.agentId}`] ?? 0).not.toBe(before.cursors[`agent:${a.agentId}`]);
    // and the client works normally in the new epoch
    const seen = recorder(ca2);
    const c3 = client(h2.url, await agent(h2.url));
    await c3.connect();
    await c3.call('p2p/send', { to: a.agentId, content: 'new epoch' });
    await waitFor(() => seen.length === 1, 'push in the new epoch');
    expect(seen[0]!.seq).toBe(1);
  });

  it('a gap flag in connected.resumed for an unreadable stream is reported as forbidden', async () => {
    const h = await hub();
    cleanups.push(() => h.close());
    const a = await agent(h.url);
    // A cursor for a stream this agent may not read: the hub answers gap: true for it.
    const foreign = `agent:${(await agent(h.url)).agentId}`;
    const store = new MemoryCursorStore();
    store.save({ epoch: h.epoch, cursors: { [foreign]: 5 } });
    const ca = client(h.url, a, { cursorStore: store });
    const gaps: GapInfo[] = [];
    ca.on('gap', (g) => gaps.push(g));
    const connected = new Promise<Record<string, { replayed: number; gap: boolean }>>((r) => ca.once('connected', (f) => r(f.resumed)));
    await ca.connect();
    const resumed = await connected;
    expect(resumed[foreign]).toEqual({ replayed: 0, gap: true });
    expect(gaps).toEqual([{ stream: foreign, reason: 'forbidden' }]);
  });

  it('a cursor older than retention is reported as a retention gap', async () => {
    const h = await hub({ retentionMs: 200 });
    cleanups.push(() => h.close());
    const proxy = await startProxy(h.port);
    cleanups.push(() => proxy.close());
    const [a, b] = [await agent(h.url), await agent(h.url)];
    const ca = client(proxy.url, a, { transports: ['websocket'] });
    const cb = client(h.url, b);
    await Promise.all([ca.connect(), cb.connect()]);
    const seen = recorder(ca);
    await cb.call('p2p/send', { to: a.agentId, content: 'first' });
    await waitFor(() => seen.length === 1, 'first push');
    await cutOff(proxy, ca);
    for (let i = 0; i < 3; i++) await cb.call('p2p/send', { to: a.agentId, content: `lost ${i}` });
    await sleep(700); // several prune rounds: everything after A's cursor is gone
    const gaps: GapInfo[] = [];
    ca.on('gap', (g) => gaps.push(g));
    proxy.setBlocked(false);
    await waitFor(() => gaps.length > 0, 'retention gap');
    expect(gaps).toEqual([{ stream: `agent:${a.agentId}`, reason: 'retention' }]);
  });
});
