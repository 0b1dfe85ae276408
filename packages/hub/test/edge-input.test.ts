import { connect } from 'node:net';
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

  it('control frames go by type: a ping or ack carrying a u_id gets its control answer, never a response envelope', async () => {
    const { agent, client } = await connectAgent(hub);
    const other = await register(hub);
    const inbox = `agent:${agent.agentId}`;
    ok((await rpc(hub, other, 'p2p/send', { to: agent.agentId, content: 'one' })).body);
    await client.waitUntil(() => client.pushes(inbox).length === 1);
    const pingId = uid();
    const ackId = uid();
    const badAckId = uid();
    let before = client.texts.length;
    client.send({ type: 'ping', u_id: pingId, agent_id: agent.agentId });
    await client.waitUntil(() => client.texts.slice(before).includes('{"type":"pong"}'), 5000, 'pong');
    client.send({ type: 'ack', u_id: ackId, cursors: { [inbox]: 1 } });
    before = client.frames.length;
    client.send({ type: 'ack', u_id: badAckId, cursors: 'nope' });
    const err = await client.waitUntil(() => client.frames.slice(before).find((f) => f.type === 'error'), 5000, 'error frame');
    expect(err).toMatchObject({ content: { code: 'bad_request' } });
    // A request sent after them is answered after them (one socket, in order): by then any envelope would be here.
    ok(await client.call(agent.agentId, 'agent/whoami'));
    expect(client.frames.filter((f) => f.u_id === pingId || f.u_id === ackId || f.u_id === badAckId)).toEqual([]);
    // The ack did its work (it is stored asynchronously): the read cursor moves, so a poll from it has nothing.
    const pollPushes = async () =>
      ((await (await fetch(`${hub.url}/v1/poll?wait=0`, { headers: { authorization: `Bearer ${agent.token}` } })).json()) as { pushes: unknown[] }).pushes;
    for (let i = 0; i < 250 && (await pollPushes()).length > 0; i++) await new Promise((r) => setTimeout(r, 40));
    expect(await pollPushes()).toEqual([]);
    client.close();
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

/** Sends raw bytes and returns the whole answer (the hub closes the connection after an error). */
function rawHttp(hub: RunningHub, request: string): Promise<{ status: number; headers: string; body: string }> {
  const { port } = new URL(hub.url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), headers: head, body });
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
  });
}

describe('every HTTP error body is {error, code}', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ maxFrameBytes: 64 * 1024 });
  });
  afterAll(() => hub.close());

  const expectErrorBody = (body: unknown, code: string) => {
    expect(body).toMatchObject({ code });
    expect(typeof (body as { error: unknown }).error).toBe('string');
    expect(Object.keys(body as object).sort()).toEqual(['code', 'error']);
  };

  it('404 for an unknown path, a wrong method, and an upgrade to an unknown path', async () => {
    const res = await fetch(`${hub.url}/nope`);
    expect(res.status).toBe(404);
    expectErrorBody(await res.json(), 'not_found');
    const wrongMethod = await fetch(`${hub.url}/v1/rpc`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(404);
    expectErrorBody(await wrongMethod.json(), 'not_found');
    const upgrade = await rawHttp(
      hub,
      'GET /v1/elsewhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(upgrade.status).toBe(404);
    expect(upgrade.headers).toMatch(/content-type: application\/json/i);
    expectErrorBody(JSON.parse(upgrade.body), 'not_found');
  });

  it('a refused WebSocket handshake and a plain GET of /v1/ws', async () => {
    const badKey = await rawHttp(hub, 'GET /v1/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n');
    expect(badKey.status).toBe(400);
    expectErrorBody(JSON.parse(badKey.body), 'bad_request');
    const plain = await fetch(`${hub.url}/v1/ws`);
    expect(plain.status).toBe(426);
    expectErrorBody(await plain.json(), 'bad_request');
  });

  it('413 for a body over the limit', async () => {
    const res = await postJson(`${hub.url}/v1/agents/register`, { pad: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expectErrorBody(res.body, 'payload_too_large');
  });

  it('431 for headers over the limit', async () => {
    const res = await rawHttp(hub, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expectErrorBody(JSON.parse(res.body), 'payload_too_large');
  });

  it('400 for malformed JSON, an empty JSON body, a garbage request and an undecodable path', async () => {
    for (const body of ['{"broken', '']) {
      const res = await fetch(`${hub.url}/v1/agents/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, body).toBe(400);
      expectErrorBody(await res.json(), 'bad_request');
    }
    const garbage = await rawHttp(hub, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.status).toBe(400);
    expectErrorBody(JSON.parse(garbage.body), 'bad_request');
    const badPath = await fetch(`${hub.url}/v1/%zz`);
    expect(badPath.status).toBe(400);
    expectErrorBody(await badPath.json(), 'bad_request');
  });
});
