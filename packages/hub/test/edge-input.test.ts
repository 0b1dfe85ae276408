import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { jsonTooDeep } from '../src/transport/json.js';
import { connectAgent, ok, postJson, register, rpc, startTestHub, uid } from './helpers.js';

/** `depth` nested arrays around a number: `[[[1]]]` is depth 3. */
const nested = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);

async function stillServes(hub: RunningHub) {
  expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
  const { agent, client } = await connectAgent(hub);
  expect(ok(await client.call(agent.agentId, 'agent/whoami'))).toMatchObject({ agent_id: agent.agentId });
  client.close();
}

describe('jsonTooDeep', () => {
  it('counts objects and arrays, ignores brackets inside strings and escaped quotes', () => {
    expect(jsonTooDeep(nested(3), 3)).toBe(false);
    expect(jsonTooDeep(nested(4), 3)).toBe(true);
    expect(jsonTooDeep('{"a":{"b":[{}]}}', 4)).toBe(false);
    expect(jsonTooDeep('{"a":{"b":[{}]}}', 3)).toBe(true);
    expect(jsonTooDeep(JSON.stringify({ s: '[[[[[[[[{{{{{{' }), 1)).toBe(false);
    expect(jsonTooDeep(JSON.stringify({ s: 'a\\"[[[[[[\\' }), 1)).toBe(false);
    // Siblings do not add up: depth is nesting, not count.
    expect(jsonTooDeep(JSON.stringify(Array.from({ length: 1000 }, () => [[1]])), 3)).toBe(false);
  });

  it('is linear and does not recurse: a million levels', () => {
    const started = Date.now();
    expect(jsonTooDeep(nested(1_000_000), 64)).toBe(true);
    expect(jsonTooDeep('"' + '['.repeat(1_000_000) + '"', 64)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('over-deep JSON', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  // Built as text: JSON.stringify of a value this deep overflows the test's own stack.
  const deepRequest = (agentId: string, u: string, depth = 5000) =>
    `{"agent_id":${JSON.stringify(agentId)},"u_id":${JSON.stringify(u)},"params":{"action":"delegate/request","params":{"capability":"deep.test","input":${nested(depth)}}}}`;

  it('is refused over WebSocket with bad_request, answered by u_id, before the action runs', async () => {
    const { agent, client } = await connectAgent(hub);
    const u = uid();
    client.send(deepRequest(agent.agentId, u));
    const res = await client.waitFrame((f) => f.u_id === u, 10_000, 'the response');
    expect(res).toMatchObject({ agent_id: agent.agentId, u_id: u, status: 'error', content: { code: 'bad_request' } });
    expect((res.content as { error: string }).error).toMatch(/nested deeper than 64/);
    // Without a usable u_id: an error frame, and the connection stays open.
    const before = client.frames.length;
    client.send(nested(5000));
    const f = await client.waitUntil(() => client.frames.slice(before).find((x) => x.type === 'error'), 5000, 'error frame');
    expect(f).toMatchObject({ content: { code: 'bad_request' } });
    // 64 levels (the envelope's three included) still pass the edge; zod judges the rest.
    const fits = await client.call(agent.agentId, 'delegate/request', { capability: 'deep.test', input: JSON.parse(nested(60)) as unknown });
    expect(fits.content).not.toMatchObject({ code: 'bad_request' });
    expect(client.closeCode).toBeNull();
    client.close();
    await stillServes(hub);
  });

  it('closes a too-deep auth frame with 4401', async () => {
    const { RawClient } = await import('./helpers.js');
    const c = RawClient.connect(hub);
    await c.challenge();
    c.send('{"type":"auth","agent_id":' + nested(5000) + '}');
    expect(await c.waitClose()).toBe(4401);
  });

  it('is refused over HTTP with 400 bad_request', async () => {
    const a = await register(hub);
    const res = await postJson(`${hub.url}/v1/rpc`, deepRequest(a.agentId, uid()), { authorization: `Bearer ${a.token}` });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'bad_request', error: expect.stringMatching(/nested deeper than 64/) as unknown });
    const reg = await postJson(`${hub.url}/v1/agents/register`, nested(5000));
    expect(reg).toMatchObject({ status: 400, body: { code: 'bad_request' } });
    expect(ok((await rpc(hub, a, 'agent/whoami')).body)).toMatchObject({ agent_id: a.agentId });
    await stillServes(hub);
  });
});
