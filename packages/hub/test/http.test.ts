import { HealthResponse, PollResponse, buildCapabilities } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type TestAgent, connectAgent, ok, postJson, register, rpc, startTestHub, waitForLongPolls } from './helpers.js';

async function poll(hub: RunningHub, agent: TestAgent, query: { cursors?: Record<string, number>; wait?: number; limit?: number }) {
  const qs = new URLSearchParams();
  if (query.cursors) qs.set('cursors', JSON.stringify(query.cursors));
  qs.set('wait', String(query.wait ?? 0));
  if (query.limit) qs.set('limit', String(query.limit));
  const res = await fetch(`${hub.url}/v1/poll?${qs}`, { headers: { authorization: `Bearer ${agent.token}` } });
  const body: unknown = await res.json();
  return { status: res.status, body: res.status === 200 ? PollResponse.parse(body) : (body as { code: string }) };
}

const contents = (r: { pushes: Array<{ data: unknown }> }) => r.pushes.map((p) => (p.data as { content: string }).content);

describe('HTTP fallback and discovery', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('rpc calls actions with the response envelope', async () => {
    const a = await register(hub, 'http-agent');
    const r = await rpc(hub, a, 'agent/update', { description: 'over http', capabilities: ['code.review'] });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ agent_id: a.agentId, status: 'success', content: { description: 'over http', capabilities: ['code.review'], online: false } });
    const err = await rpc(hub, a, 'nope/nope');
    expect(err).toMatchObject({ status: 200, body: { status: 'error', content: { code: 'unknown_action' } } });
    const found = ok<{ agents: Array<{ agent_id: string }> }>((await rpc(hub, a, 'agent/list', { capability: 'code.review' })).body);
    expect(found.agents.map((x) => x.agent_id)).toEqual([a.agentId]);
  });

  it('poll returns pushes after the cursors, across the inbox and joined topics', async () => {
    const a = await register(hub);
    const b = await register(hub);
    const topic = ok<{ topic_id: string }>((await rpc(hub, b, 'topic/create', { name: 'poll topic' })).body);
    ok((await rpc(hub, a, 'topic/join', { topic_id: topic.topic_id })).body);
    for (let i = 1; i <= 3; i++) ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: `dm${i}` })).body);
    ok((await rpc(hub, b, 'topic/publish', { topic_id: topic.topic_id, content: 'post1' })).body);
    const inbox = `agent:${a.agentId}`;
    const ts = `topic:${topic.topic_id}`;

    const all = await poll(hub, a, {});
    expect(all.status).toBe(200);
    const body = all.body as PollResponse;
    expect(body.epoch).toBe(hub.epoch);
    expect(body.gaps).toEqual([]);
    expect(contents(body)).toEqual(['dm1', 'dm2', 'dm3', 'post1']);

    const after = (await poll(hub, a, { cursors: { [inbox]: 2, [ts]: 1 } })).body as PollResponse;
    expect(after.pushes.map((p) => [p.stream, p.seq])).toEqual([[inbox, 3]]);

    const limited = (await poll(hub, a, { limit: 2 })).body as PollResponse;
    expect(contents(limited)).toEqual(['dm1', 'dm2']);

    // A stream the agent may not read is a gap; one beyond the head too.
    const other = (await poll(hub, a, { cursors: { [`agent:${b.agentId}`]: 0, [inbox]: 99 } })).body as PollResponse;
    expect(other.gaps.sort()).toEqual([`agent:${b.agentId}`, inbox].sort());
  });

  it('ack moves the server-side read cursor used by poll', async () => {
    const a = await register(hub);
    const b = await register(hub);
    for (let i = 1; i <= 3; i++) ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: `m${i}` })).body);
    const inbox = `agent:${a.agentId}`;
    const ack = await fetch(`${hub.url}/v1/ack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ cursors: { [inbox]: 2 } }),
    });
    expect(ack.status).toBe(204);
    expect(contents((await poll(hub, a, {})).body as PollResponse)).toEqual(['m3']);
    // WebSocket ack frame does the same, and gets no reply.
    const { client } = await connectAgent(hub, a);
    client.send({ type: 'ack', cursors: { [inbox]: 3 } });
    ok(await client.call(a.agentId, 'agent/whoami'));
    expect(client.frames.filter((f) => f.type !== 'challenge' && f.type !== 'connected' && f.status === undefined)).toEqual([]);
    expect(((await poll(hub, a, {})).body as PollResponse).pushes).toEqual([]);
    // Acks never move backwards, and ignore unreadable streams.
    client.send({ type: 'ack', cursors: { [inbox]: 1, [`agent:${b.agentId}`]: 1 } });
    ok(await client.call(a.agentId, 'agent/whoami'));
    expect(((await poll(hub, a, {})).body as PollResponse).pushes).toEqual([]);
    const bad = await fetch(`${hub.url}/v1/ack`, { method: 'POST', headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' }, body: '{"cursors":5}' });
    expect(bad.status).toBe(400);
    const noAuth = await fetch(`${hub.url}/v1/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"cursors":{}}' });
    expect(noAuth.status).toBe(401);
    client.close();
  });

  it('long poll returns early when a push arrives, and waits when none does', async () => {
    const a = await register(hub);
    const b = await register(hub);
    const started = Date.now();
    const pending = poll(hub, a, { wait: 20 });
    await waitForLongPolls(hub, 1);
    ok((await rpc(hub, b, 'p2p/send', { to: a.agentId, content: 'wake up' })).body);
    const res = await pending;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(contents(res.body as PollResponse)).toEqual(['wake up']);

    const t0 = Date.now();
    const empty = await poll(hub, a, { cursors: { [`agent:${a.agentId}`]: 1 }, wait: 0.3 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect((empty.body as PollResponse).pushes).toEqual([]);
  });

  it('poll validates its query and needs a token', async () => {
    const a = await register(hub);
    const bad = await fetch(`${hub.url}/v1/poll?cursors=notjson`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'bad_request' });
    expect((await fetch(`${hub.url}/v1/poll`)).status).toBe(401);
  });

  it('capabilities and healthz need no auth', async () => {
    const caps = await fetch(`${hub.url}/v1/capabilities`);
    expect(caps.status).toBe(200);
    const doc = (await caps.json()) as ReturnType<typeof buildCapabilities>;
    expect(doc).toEqual(buildCapabilities());
    expect(Object.keys(doc.actions)).toContain('p2p/send');
    const health = await fetch(`${hub.url}/healthz`);
    expect(HealthResponse.parse(await health.json())).toMatchObject({ status: 'ok', epoch: hub.epoch });
    const a = await register(hub);
    expect(ok((await rpc(hub, a, 'capabilities/get')).body)).toEqual(doc);
    const missing = await fetch(`${hub.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'not_found' });
  });

  it('metrics exposes the counters', async () => {
    const { agent, client } = await connectAgent(hub);
    const b = await connectAgent(hub);
    ok(await client.call(agent.agentId, 'p2p/send', { to: b.agent.agentId, content: 'count me' }));
    await b.client.waitUntil(() => b.client.pushes().length === 1);
    const res = await fetch(`${hub.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^parley_connections [1-9]\d*$/m);
    expect(text).toMatch(/^parley_requests_total\{action="p2p\/send",status="success"\} [1-9]\d*$/m);
    expect(text).toMatch(/^parley_push_fanout_total [1-9]\d*$/m);
    expect(text).toMatch(/^parley_pushes_stored_total [1-9]\d*$/m);
    expect(text).toMatch(/^parley_request_duration_seconds_bucket\{le="[^"]+",action="p2p\/send"\} \d+$/m);
    client.close();
    b.client.close();
  });

  it('register with a JSON null body is 400', async () => {
    const r = await postJson(`${hub.url}/v1/agents/register`, 'null');
    expect(r.status).toBe(400);
  });
});
