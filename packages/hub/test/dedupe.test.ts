import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, connectAgent, ok, readDataDir, register, rpc, startTestHub, tempDir, uid } from './helpers.js';

async function historyCount(client: { call: (a: string, act: string, p: unknown) => Promise<Frame> }, me: string, other: string) {
  const h = ok<{ messages: unknown[] }>(await client.call(me, 'p2p/history', { with: other, limit: 200 }));
  return h.messages.length;
}

describe('u_id de-duplication', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('a repeated request runs once and returns the first response', async () => {
    const a = await connectAgent(hub);
    const b = await connectAgent(hub);
    const u = uid();
    const first = await a.client.call(a.agent.agentId, 'p2p/send', { to: b.agent.agentId, content: 'once' }, u);
    const second = await a.client.call(a.agent.agentId, 'p2p/send', { to: b.agent.agentId, content: 'once' }, u);
    // Different params, same u_id: still the first response.
    const third = await a.client.call(a.agent.agentId, 'p2p/send', { to: b.agent.agentId, content: 'other' }, u);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(await historyCount(a.client, a.agent.agentId, b.agent.agentId)).toBe(1);
    // A later, different call proves no extra push was queued behind the first.
    ok(await a.client.call(a.agent.agentId, 'p2p/send', { to: b.agent.agentId, content: 'marker' }));
    await b.client.waitUntil(() => b.client.pushes().length >= 2);
    expect(b.client.pushes().map((p) => (p.data as { content: string }).content)).toEqual(['once', 'marker']);
    a.client.close();
    b.client.close();
  });

  it('two concurrent duplicates: one side effect, identical responses', async () => {
    const a = await connectAgent(hub);
    const b = await register(hub);
    const u = uid();
    const env = { agent_id: a.agent.agentId, u_id: u, params: { action: 'p2p/send', params: { to: b.agentId, content: 'race' } } };
    a.client.send(env);
    a.client.send(env);
    const responses = await a.client.waitUntil(() => {
      const r = a.client.frames.filter((f) => f.u_id === u);
      return r.length === 2 ? r : null;
    });
    expect(responses[0]).toEqual(responses[1]);
    expect(responses[0]!.status).toBe('success');
    expect(await historyCount(a.client, a.agent.agentId, b.agentId)).toBe(1);
    a.client.close();
  });

  it('is shared between WebSocket and HTTP', async () => {
    const a = await connectAgent(hub);
    const b = await register(hub);
    const u = uid();
    const ws = await a.client.call(a.agent.agentId, 'p2p/send', { to: b.agentId, content: 'ws then http' }, u);
    const http = await rpc(hub, a.agent, 'p2p/send', { to: b.agentId, content: 'ws then http' }, u);
    expect(http.status).toBe(200);
    expect(http.body).toEqual(ws);
    // And HTTP first, then WS.
    const u2 = uid();
    const h2 = await rpc(hub, a.agent, 'p2p/send', { to: b.agentId, content: 'http then ws' }, u2);
    const w2 = await a.client.call(a.agent.agentId, 'p2p/send', { to: b.agentId, content: 'http then ws' }, u2);
    expect(w2).toEqual(h2.body);
    expect(await historyCount(a.client, a.agent.agentId, b.agentId)).toBe(2);
    a.client.close();
  });

  it('u_ids are per agent', async () => {
    const a = await register(hub);
    const b = await register(hub);
    const u = uid();
    const ra = ok<{ agent_id: string }>((await rpc(hub, a, 'agent/whoami', undefined, u)).body);
    const rb = ok<{ agent_id: string }>((await rpc(hub, b, 'agent/whoami', undefined, u)).body);
    expect(ra.agent_id).toBe(a.agentId);
    expect(rb.agent_id).toBe(b.agentId);
  });

  it('remembers final errors but not transient ones', async () => {
    const a = await register(hub);
    const u = uid();
    const r1 = await rpc(hub, a, 'agent/get', { agent_id: 'agt_' + 'b'.repeat(32) }, u);
    expect(r1.body).toMatchObject({ status: 'error', content: { code: 'not_found' } });
    // Same u_id with params that would succeed: still the remembered not_found.
    const r2 = await rpc(hub, a, 'agent/get', { agent_id: a.agentId }, u);
    expect(r2.body).toEqual(r1.body);
  });
});

describe('what de-duplication stores', () => {
  it('reads and refusals store nothing on disk; each write stores one record', async () => {
    const { dir, cleanup } = tempDir();
    const hub = await startTestHub({ dbPath: undefined, dataDir: dir });
    const dedupeRows = () =>
      readDataDir(dir, async (store) => Number((await store.db.selectFrom('dedupe').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n));
    try {
      const a = await register(hub);
      const b = await register(hub);
      const topic = ok<{ topic_id: string }>((await rpc(hub, a, 'topic/create', { name: 'reads' })).body);
      ok((await rpc(hub, a, 'topic/publish', { topic_id: topic.topic_id, content: 'x'.repeat(50_000) })).body);
      const before = await dedupeRows();
      for (let i = 0; i < 10; i++) ok((await rpc(hub, a, 'topic/history', { topic_id: topic.topic_id })).body);
      expect((await rpc(hub, a, 'p2p/send', { to: 'agt_' + 'c'.repeat(32), content: 'nobody' })).body).toMatchObject({ status: 'error' });
      expect(await dedupeRows()).toBe(before);
      ok((await rpc(hub, a, 'p2p/send', { to: b.agentId, content: 'a write' })).body);
      expect(await dedupeRows()).toBe(before + 1);
    } finally {
      await hub.close();
      cleanup();
    }
  });
});

describe('u_id de-duplication across a restart', () => {
  it('returns the first response after the hub restarts on the same data dir', async () => {
    const { dir, cleanup } = tempDir();
    try {
      let hub = await startTestHub({ dbPath: undefined, dataDir: dir });
      const a = await register(hub);
      const b = await register(hub);
      const u = uid();
      const first = await rpc(hub, a, 'p2p/send', { to: b.agentId, content: 'durable' }, u);
      expect(first.body.status).toBe('success');
      await hub.close();
      hub = await startTestHub({ dbPath: undefined, dataDir: dir });
      try {
        const again = await rpc(hub, a, 'p2p/send', { to: b.agentId, content: 'durable' }, u);
        expect(again.body).toEqual(first.body);
        const h = ok<{ messages: unknown[] }>((await rpc(hub, a, 'p2p/history', { with: b.agentId })).body);
        expect(h.messages).toHaveLength(1);
      } finally {
        await hub.close();
      }
    } finally {
      cleanup();
    }
  });
});
