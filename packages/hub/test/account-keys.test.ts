import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BindingActivityList, ConsoleToken } from '@parley/protocol';
import type { RunningHub } from '../src/index.js';
import { asKey, claimedAgent, Human, newKey } from './account-client.js';
import { ok, RawClient, readDataDir, register, rpc, startTestHub, tempDir, uid, waitForLongPolls, type TestAgent } from './helpers.js';

describe('account: API keys and console tokens act as the agent', () => {
  let hub: RunningHub;
  const data = tempDir();
  beforeAll(async () => {
    hub = await startTestHub({ dataDir: data.dir, dbPath: undefined, loginRateLimit: false, signupRateLimit: false, codeRateLimit: false });
  });
  afterAll(async () => {
    await hub.close();
    data.cleanup();
  });

  const activity = async (human: Human, agent: TestAgent, query = '') =>
    (await human.call<BindingActivityList>('GET', `/v1/account/agents/${agent.agentId}/activity${query}`)).body;
  /** Reads and refusals are recorded just after they are answered: the activity until `pred` holds (bounded). */
  const activityUntil = async (human: Human, agent: TestAgent, pred: (l: BindingActivityList) => boolean) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const l = await activity(human, agent);
      if (pred(l) || Date.now() > deadline) return l;
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const wsWithToken = async (agentId: string, token: string) => {
    const c = RawClient.connect(hub);
    await c.challenge();
    c.send({ type: 'auth', agent_id: agentId, token });
    return c;
  };

  it('a key is shown once, stored as a hash, listed by prefix; it acts as the agent over HTTP and is recorded in the binding', async () => {
    const { agent, human } = await claimedAgent(hub);
    const key = await newKey(human, agent);
    expect(key.key).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
    expect(key.key.startsWith(key.prefix)).toBe(true);
    const listed = await human.get<{ keys: Array<Record<string, unknown>> }>('/v1/account/agents/:agent_id/keys', { agent_id: agent.agentId });
    expect(listed.body.keys).toEqual([expect.objectContaining({ key_id: key.key_id, name: 'script', prefix: key.prefix, last_used_at: null })]);
    expect(JSON.stringify(listed.body)).not.toContain(key.key);
    const stored = await readDataDir(data.dir, (s) => s.db.selectFrom('api_keys').selectAll().where('key_id', '=', key.key_id).executeTakeFirstOrThrow());
    expect(JSON.stringify(stored)).not.toContain(key.key);

    const me = ok<{ agent_id: string }>((await rpc(hub, asKey(agent, key.key), 'agent/whoami')).body);
    expect(me.agent_id).toBe(agent.agentId);
    const u = uid();
    const sent = await rpc(hub, asKey(agent, key.key), 'agent/update', { description: 'set by a script' }, u);
    expect(ok(sent.body)).toMatchObject({ description: 'set by a script' });
    const log = await activityUntil(human, agent, (l) => l.entries.length === 2);
    expect(log.entries[0]).toMatchObject({ action: 'agent/update', u_id: u, status: 'success', key_id: key.key_id });
    expect(log.entries[1]).toMatchObject({ action: 'agent/whoami', status: 'success', key_id: key.key_id });
    // A refusal is recorded too.
    const bad = await rpc(hub, asKey(agent, key.key), 'agent/update', { name: 42 });
    expect(bad.body.status).toBe('error');
    const after = await activityUntil(human, agent, (l) => l.entries.length === 3);
    expect(after.entries[0]).toMatchObject({ action: 'agent/update', status: 'invalid_params' });
    // The agent's own calls are not the binding's.
    ok((await rpc(hub, agent, 'agent/whoami')).body);
    expect((await activity(human, agent)).entries).toHaveLength(3);
    // last_used_at is set (once a minute at most).
    const used = await human.get<{ keys: Array<{ last_used_at: string | null }> }>('/v1/account/agents/:agent_id/keys', { agent_id: agent.agentId });
    expect(used.body.keys[0]!.last_used_at).not.toBeNull();
  });

  it("a write's activity entry commits with its effect and its dedupe record: a retry is answered from the record and recorded once", async () => {
    const { agent, human } = await claimedAgent(hub);
    const key = await newKey(human, agent);
    const u = uid();
    const topic = ok<{ topic_id: string }>((await rpc(hub, asKey(agent, key.key), 'topic/create', { name: 'keyed topic ' + u, visibility: 'public' }, u)).body);
    const again = ok<{ topic_id: string }>((await rpc(hub, asKey(agent, key.key), 'topic/create', { name: 'keyed topic ' + u, visibility: 'public' }, u)).body);
    expect(again.topic_id).toBe(topic.topic_id);
    const rows = await readDataDir(data.dir, async (s) => ({
      entries: await s.db.selectFrom('binding_actions').select(['u_id', 'status']).where('u_id', '=', u).execute(),
      dedupe: await s.db.selectFrom('dedupe').select('u_id').where('agent_id', '=', agent.agentId).where('u_id', '=', u).execute(),
      topics: await s.db.selectFrom('topics').select('topic_id').where('topic_id', '=', topic.topic_id).execute(),
    }));
    expect(rows).toEqual({ entries: [{ u_id: u, status: 'success' }], dedupe: [{ u_id: u }], topics: [{ topic_id: topic.topic_id }] });
    // A write that fails changes nothing and leaves its entry beside no effect, as a refusal.
    const u2 = uid();
    const dup = await rpc(hub, asKey(agent, key.key), 'topic/join', { topic_id: 'top_doesnotexist' }, u2);
    expect(dup.body.status).toBe('error');
    const log = await activityUntil(human, agent, (l) => l.entries.some((e) => e.u_id === u2));
    expect(log.entries.find((e) => e.u_id === u2)).toMatchObject({ action: 'topic/join', status: 'not_found' });
    const dedupeOfRefusal = await readDataDir(data.dir, (s) => s.db.selectFrom('dedupe').select('u_id').where('u_id', '=', u2).execute());
    expect(dedupeOfRefusal).toEqual([]);
  });

  it('activity pages newest first with a cursor', async () => {
    const { agent, human } = await claimedAgent(hub);
    const key = await newKey(human, agent);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const u = uid();
      ids.push(u);
      ok((await rpc(hub, asKey(agent, key.key), 'agent/update', { description: `d${i}` }, u)).body);
    }
    const first = await activity(human, agent, '?limit=2');
    expect(first.entries.map((e) => e.u_id)).toEqual([ids[4], ids[3]]);
    expect(first.next_cursor).not.toBeNull();
    const second = await activity(human, agent, `?limit=2&cursor=${first.next_cursor}`);
    expect(second.entries.map((e) => e.u_id)).toEqual([ids[2], ids[1]]);
    const third = await activity(human, agent, `?limit=2&cursor=${second.next_cursor}`);
    expect(third.entries.map((e) => e.u_id)).toEqual([ids[0]]);
    expect(third.next_cursor).toBeNull();
    expect((await human.call('GET', `/v1/account/agents/${agent.agentId}/activity?limit=0`)).status).toBe(400);
    expect((await human.call('GET', `/v1/account/agents/${agent.agentId}/activity?cursor=junk`)).status).toBe(400);
  });

  it('a key acts as the agent over WebSocket; revoking it closes that socket with 4401 and the next HTTP call is a 401', async () => {
    const { agent, human } = await claimedAgent(hub);
    const key = await newKey(human, agent);
    const ws = await wsWithToken(agent.agentId, key.key);
    await ws.waitFrame((f) => f.type === 'connected');
    const u = uid();
    expect(ok(await ws.call(agent.agentId, 'agent/update', { description: 'over ws' }, u))).toMatchObject({ description: 'over ws' });
    expect((await activity(human, agent)).entries[0]).toMatchObject({ u_id: u, status: 'success', key_id: key.key_id });
    // The agent's own socket is not the key's: it stays open.
    const own = RawClient.connect(hub);
    await own.authSig(agent);

    const revoked = await human.del('/v1/account/agents/:agent_id/keys/:key_id', { agent_id: agent.agentId, key_id: key.key_id });
    expect(revoked.status).toBe(204);
    expect(await ws.waitClose()).toBe(4401);
    const res = await rpc(hub, asKey(agent, key.key), 'agent/whoami');
    expect(res.status).toBe(401);
    expect(ok(await own.call(agent.agentId, 'agent/whoami'))).toMatchObject({ agent_id: agent.agentId });
    own.close();
    // Revoked twice: it is gone.
    expect((await human.del('/v1/account/agents/:agent_id/keys/:key_id', { agent_id: agent.agentId, key_id: key.key_id })).status).toBe(404);
  });

  it('a long poll opened with a key is answered 401 when the key is revoked', async () => {
    const { agent, human } = await claimedAgent(hub);
    const key = await newKey(human, agent);
    const poll = fetch(`${hub.url}/v1/poll?wait=20`, { headers: { authorization: `Bearer ${key.key}` } });
    await waitForLongPolls(hub, 1);
    expect((await human.del('/v1/account/agents/:agent_id/keys/:key_id', { agent_id: agent.agentId, key_id: key.key_id })).status).toBe(204);
    expect((await poll).status).toBe(401);
  });

  it('a key of agent A cannot act as agent B, over HTTP or WebSocket', async () => {
    const { agent: a, human } = await claimedAgent(hub);
    const b = await register(hub);
    const key = await newKey(human, a);
    const http = await rpc(hub, asKey(b, key.key), 'agent/update', { description: 'hijacked' });
    expect(http.body).toMatchObject({ status: 'error', content: { code: 'forbidden' } });
    const ws = await wsWithToken(b.agentId, key.key);
    expect(await ws.waitClose()).toBe(4401);
    const profile = ok<{ description: string | null }>((await rpc(hub, b, 'agent/whoami')).body);
    expect(profile.description).toBeNull();
  });

  it('account/claim_code through a key or console token is refused (forbidden); the agent itself may ask', async () => {
    const { agent, human } = await claimedAgent(hub);
    const key = await newKey(human, agent);
    const viaKey = await rpc(hub, asKey(agent, key.key), 'account/claim_code', {});
    expect(viaKey.body).toMatchObject({ status: 'error', content: { code: 'forbidden' } });
    const token = (await human.post<ConsoleToken>('/v1/account/agents/:agent_id/console-token', { agent_id: agent.agentId })).body;
    const ws = await wsWithToken(agent.agentId, token.token);
    await ws.waitFrame((f) => f.type === 'connected');
    expect(await ws.call(agent.agentId, 'account/claim_code', {})).toMatchObject({ status: 'error', content: { code: 'forbidden' } });
    ws.close();
    const codes = await readDataDir(data.dir, (s) => s.db.selectFrom('claim_codes').select('used_by').where('agent_id', '=', agent.agentId).execute());
    // Only the code the claim used is there: neither refused call made one.
    expect(codes).toHaveLength(1);
    expect(codes[0]!.used_by).not.toBeNull();
    expect((await rpc(hub, agent, 'account/claim_code', {})).body.status).toBe('success');
  });

  it("agent/logout through a key is refused (forbidden) in every form: the agent's own tokens stay", async () => {
    const { agent, human } = await claimedAgent(hub);
    const key = await newKey(human, agent);
    for (const params of [{ all: true }, { token: agent.token }, {}]) {
      const viaKey = await rpc(hub, asKey(agent, key.key), 'agent/logout', params);
      expect(viaKey.body).toMatchObject({ status: 'error', content: { code: 'forbidden' } });
    }
    // The agent's token still works: nothing was revoked.
    expect((await rpc(hub, agent, 'agent/whoami')).body.status).toBe('success');
  });

  it('console tokens last 12 hours at most, end at logout (their sockets close 4401), and at most 10 live per binding', async () => {
    const { agent, human } = await claimedAgent(hub);
    const t = await human.post<ConsoleToken>('/v1/account/agents/:agent_id/console-token', { agent_id: agent.agentId });
    expect(t.status).toBe(200);
    const left = Date.parse(t.body.expires_at) - Date.now();
    expect(left).toBeGreaterThan(11.9 * 3600_000);
    expect(left).toBeLessThanOrEqual(12 * 3600_000);
    expect(t.body.token).toMatch(/^pk_/);
    // Console tokens are not listed as API keys.
    expect((await human.get<{ keys: unknown[] }>('/v1/account/agents/:agent_id/keys', { agent_id: agent.agentId })).body.keys).toEqual([]);
    const ws = await wsWithToken(agent.agentId, t.body.token);
    await ws.waitFrame((f) => f.type === 'connected');
    for (let i = 0; i < 10; i++) expect((await human.post('/v1/account/agents/:agent_id/console-token', { agent_id: agent.agentId })).status).toBe(200);
    // The eleventh retired the first: its socket closed.
    expect(await ws.waitClose()).toBe(4401);
    const live = await readDataDir(data.dir, (s) => s.db.selectFrom('api_keys').select('key_id').where('agent_id', '=', agent.agentId).where('kind', '=', 'console').execute());
    expect(live).toHaveLength(10);

    const latest = await human.post<ConsoleToken>('/v1/account/agents/:agent_id/console-token', { agent_id: agent.agentId });
    const ws2 = await wsWithToken(agent.agentId, latest.body.token);
    await ws2.waitFrame((f) => f.type === 'connected');
    expect((await human.post('/v1/account/logout')).status).toBe(204);
    expect(await ws2.waitClose()).toBe(4401);
    expect((await rpc(hub, asKey(agent, latest.body.token), 'agent/whoami')).status).toBe(401);
    const after = await readDataDir(data.dir, (s) => s.db.selectFrom('api_keys').select('key_id').where('agent_id', '=', agent.agentId).where('kind', '=', 'console').execute());
    expect(after).toEqual([]);
  });

  it('unbinding revokes the binding\'s keys at once', async () => {
    const { agent, human: owner } = await claimedAgent(hub);
    const invite = await owner.post<{ code: string }>('/v1/account/agents/:agent_id/invite', { agent_id: agent.agentId });
    const guest = await Human.signup(hub);
    expect((await guest.post('/v1/account/invites/accept', {}, { agent_id: agent.agentId, code: invite.body.code })).status).toBe(200);
    const key = await newKey(guest, agent);
    const ws = await wsWithToken(agent.agentId, key.key);
    await ws.waitFrame((f) => f.type === 'connected');
    expect((await guest.del('/v1/account/agents/:agent_id', { agent_id: agent.agentId })).status).toBe(204);
    expect(await ws.waitClose()).toBe(4401);
    expect((await rpc(hub, asKey(agent, key.key), 'agent/whoami')).status).toBe(401);
    expect((await guest.get('/v1/account/agents/:agent_id/keys', { agent_id: agent.agentId })).status).toBe(403);
  });

  it('at most 20 API keys per binding: one more is a 409 saying so, and is not made', async () => {
    const { agent, human } = await claimedAgent(hub);
    for (let i = 0; i < 20; i++) await newKey(human, agent, `k${i}`);
    const more = await human.post('/v1/account/agents/:agent_id/keys', { agent_id: agent.agentId }, { name: 'one too many' });
    expect(more.status).toBe(409);
    expect(more.body).toMatchObject({ code: 'conflict', error: expect.stringMatching(/20 API keys.*revoke one first/), details: { limit: 20 } });
    expect((await human.get<{ keys: unknown[] }>('/v1/account/agents/:agent_id/keys', { agent_id: agent.agentId })).body.keys).toHaveLength(20);
  });
});
