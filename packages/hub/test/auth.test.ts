import { generateKeyPair, registerSigningString, signMessage, tokenSigningString, wsSigningString } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { RawClient, connectAgent, identity, nowS, ok, postJson, register, rpc, startTestHub, uid } from './helpers.js';

describe('registration and tokens over HTTP', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  const regBody = (keys = generateKeyPair(), ts = nowS(), name?: string) => ({
    public_key: keys.publicKey,
    ...(name ? { name } : {}),
    ts,
    sig: signMessage(keys.secretKey, registerSigningString(keys.publicKey, ts)),
  });

  it('registers with proof of key possession; idempotent; name updated', async () => {
    const { keys, agentId } = identity();
    const ts1 = nowS();
    const r1 = await postJson(`${hub.url}/v1/agents/register`, regBody(keys, ts1, 'first'));
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ agent_id: agentId });
    const b1 = r1.body as { token: string; token_expires_at: string };
    expect(typeof b1.token).toBe('string');
    const ttl = Date.parse(b1.token_expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(23 * 3600 * 1000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600 * 1000 + 1000);
    const r2 = await postJson(`${hub.url}/v1/agents/register`, regBody(keys, ts1 - 1, 'second'));
    expect(r2.status).toBe(200);
    expect((r2.body as { agent_id: string }).agent_id).toBe(agentId);
    // Both tokens work: a new token does not revoke the old one.
    const me1 = await rpc(hub, { keys, agentId, token: b1.token }, 'agent/whoami');
    const me2 = await rpc(hub, { keys, agentId, token: (r2.body as { token: string }).token }, 'agent/whoami');
    expect(ok(me1.body)).toMatchObject({ agent_id: agentId, name: 'second', public_key: keys.publicKey });
    expect(ok(me2.body)).toMatchObject({ agent_id: agentId });
  });

  it('refuses a bad signature, a stale ts, a replay and a malformed body', async () => {
    const keys = generateKeyPair();
    const other = generateKeyPair();
    const ts = nowS();
    const badSig = await postJson(`${hub.url}/v1/agents/register`, {
      public_key: keys.publicKey,
      ts,
      sig: signMessage(other.secretKey, registerSigningString(keys.publicKey, ts)),
    });
    expect(badSig).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect(typeof (badSig.body as { error: string }).error).toBe('string');

    const stale = await postJson(`${hub.url}/v1/agents/register`, regBody(keys, nowS() - 301));
    expect(stale).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    const future = await postJson(`${hub.url}/v1/agents/register`, regBody(keys, nowS() + 400));
    expect(future).toMatchObject({ status: 401, body: { code: 'unauthorized' } });

    const body = regBody(keys);
    expect((await postJson(`${hub.url}/v1/agents/register`, body)).status).toBe(200);
    const replay = await postJson(`${hub.url}/v1/agents/register`, body);
    expect(replay).toMatchObject({ status: 401, body: { code: 'unauthorized' } });

    for (const bad of [{}, { public_key: 'xyz', ts: ts, sig: 'ab' }, { ...regBody(), ts: 'now' }, '{not json', '[]']) {
      const r = await postJson(`${hub.url}/v1/agents/register`, bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect((r.body as { code: string }).code).toBe('bad_request');
    }
  });

  it('issues tokens with a signed token request, with the same checks', async () => {
    const a = await register(hub);
    const tokenBody = (ts = nowS(), secret = a.keys.secretKey) => ({ agent_id: a.agentId, ts, sig: signMessage(secret, tokenSigningString(a.agentId, ts)) });
    const body = tokenBody();
    const good = await postJson(`${hub.url}/v1/agents/token`, body);
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ agent_id: a.agentId });
    expect(ok((await rpc(hub, { ...a, token: (good.body as { token: string }).token }, 'agent/whoami')).body)).toMatchObject({ agent_id: a.agentId });
    expect(await postJson(`${hub.url}/v1/agents/token`, body)).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect(await postJson(`${hub.url}/v1/agents/token`, tokenBody(nowS() - 1, generateKeyPair().secretKey))).toMatchObject({ status: 401 });
    expect(await postJson(`${hub.url}/v1/agents/token`, tokenBody(nowS() - 400))).toMatchObject({ status: 401 });
    expect(await postJson(`${hub.url}/v1/agents/token`, { agent_id: a.agentId })).toMatchObject({ status: 400, body: { code: 'bad_request' } });
    const stranger = identity();
    const ts = nowS();
    const unknown = await postJson(`${hub.url}/v1/agents/token`, { agent_id: stranger.agentId, ts, sig: signMessage(stranger.keys.secretKey, tokenSigningString(stranger.agentId, ts)) });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });

  it('HTTP rpc needs a valid bearer token', async () => {
    const a = await register(hub);
    const env = { agent_id: a.agentId, u_id: uid(), params: { action: 'agent/whoami' } };
    expect(await postJson(`${hub.url}/v1/rpc`, env)).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect(await postJson(`${hub.url}/v1/rpc`, env, { authorization: 'Bearer nope' })).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect(await postJson(`${hub.url}/v1/rpc`, env, { authorization: `Basic ${a.token}` })).toMatchObject({ status: 401 });
    expect((await postJson(`${hub.url}/v1/rpc`, env, { authorization: `Bearer ${a.token}` })).status).toBe(200);
    // The envelope's own `token` field works when there is no header.
    const withToken = await postJson(`${hub.url}/v1/rpc`, { ...env, u_id: uid(), token: a.token });
    expect(withToken).toMatchObject({ status: 200, body: { status: 'success', content: { agent_id: a.agentId } } });
    expect(await postJson(`${hub.url}/v1/rpc`, { ...env, u_id: uid(), token: 'bad' })).toMatchObject({ status: 401 });
  });

  it('expired tokens are refused', async () => {
    const short = await startTestHub({ tokenTtlSeconds: 1 });
    try {
      const a = await register(short);
      expect((await rpc(short, a, 'agent/whoami')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await rpc(short, a, 'agent/whoami')).status).toBe(401);
    } finally {
      await short.close();
    }
  });
});

describe('WebSocket auth', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ authTimeoutMs: 300 });
  });
  afterAll(() => hub.close());

  it('sends a challenge and accepts a signature over it', async () => {
    const a = await register(hub);
    const c = RawClient.connect(hub);
    const nonce = await c.challenge();
    expect(nonce).toMatch(/^[0-9a-f]{64}$/);
    expect(c.frames[0]).toEqual({ type: 'challenge', nonce });
    c.send({ type: 'auth', agent_id: a.agentId, sig: signMessage(a.keys.secretKey, wsSigningString(a.agentId, nonce)) });
    const conn = await c.waitFrame((f) => f.type === 'connected');
    expect(conn).toMatchObject({ agent_id: a.agentId, epoch: hub.epoch, heartbeat_ms: 25000, resumed: {} });
    expect(typeof conn.session_id).toBe('string');
    c.close();
  });

  it('accepts a bearer token instead of a signature', async () => {
    const a = await register(hub);
    const c = RawClient.connect(hub);
    await c.challenge();
    c.send({ type: 'auth', agent_id: a.agentId, token: a.token });
    await c.waitFrame((f) => f.type === 'connected');
    expect(ok(await c.call(a.agentId, 'agent/whoami'))).toMatchObject({ agent_id: a.agentId, online: true });
    c.close();
  });

  async function expect4401(send: (c: RawClient, nonce: string) => void | Promise<void>) {
    const c = RawClient.connect(hub);
    const nonce = await c.challenge();
    await send(c, nonce);
    expect(await c.waitClose()).toBe(4401);
    expect(c.frames.some((f) => f.type === 'connected')).toBe(false);
  }

  it('closes 4401 on a bad signature', async () => {
    const a = await register(hub);
    await expect4401((c, nonce) => c.send({ type: 'auth', agent_id: a.agentId, sig: signMessage(generateKeyPair().secretKey, wsSigningString(a.agentId, nonce)) }));
  });

  it('closes 4401 on a signature over another connection\'s nonce', async () => {
    const a = await register(hub);
    const first = RawClient.connect(hub);
    const oldNonce = await first.challenge();
    first.close();
    await expect4401((c) => c.send({ type: 'auth', agent_id: a.agentId, sig: signMessage(a.keys.secretKey, wsSigningString(a.agentId, oldNonce)) }));
  });

  it('closes 4401 when key A signs for agent B', async () => {
    const a = await register(hub);
    const b = await register(hub);
    await expect4401((c, nonce) => c.send({ type: 'auth', agent_id: b.agentId, sig: signMessage(a.keys.secretKey, wsSigningString(b.agentId, nonce)) }));
  });

  it("closes 4401 on another agent's token", async () => {
    const a = await register(hub);
    const b = await register(hub);
    await expect4401((c) => c.send({ type: 'auth', agent_id: b.agentId, token: a.token }));
  });

  it('closes 4401 for an unknown agent', async () => {
    const x = identity();
    await expect4401((c, nonce) => c.send({ type: 'auth', agent_id: x.agentId, sig: signMessage(x.keys.secretKey, wsSigningString(x.agentId, nonce)) }));
  });

  it('closes 4401 on any frame before auth', async () => {
    const a = await register(hub);
    await expect4401((c) => c.send({ agent_id: a.agentId, u_id: 'x', params: { action: 'agent/whoami' } }));
    await expect4401((c) => c.send({ type: 'ping' }));
    await expect4401((c) => c.send('ping'));
    await expect4401((c) => c.send('not json'));
    await expect4401((c) => c.send({ type: 'auth', agent_id: a.agentId }));
  });

  it('closes 4401 when no auth arrives within authTimeoutMs', async () => {
    const c = RawClient.connect(hub);
    await c.challenge();
    expect(await c.waitClose(3000)).toBe(4401);
  });

  it('refuses an envelope for another agent with forbidden, over WS and HTTP', async () => {
    const { agent: a, client } = await connectAgent(hub);
    const b = await register(hub);
    const u = uid();
    client.send({ agent_id: b.agentId, u_id: u, params: { action: 'agent/whoami' } });
    const res = await client.waitFrame((f) => f.u_id === u);
    expect(res).toMatchObject({ status: 'error', content: { code: 'forbidden' } });
    const http = await postJson(`${hub.url}/v1/rpc`, { agent_id: b.agentId, u_id: uid(), params: { action: 'agent/whoami' } }, { authorization: `Bearer ${a.token}` });
    expect(http).toMatchObject({ status: 200, body: { status: 'error', content: { code: 'forbidden' } } });
    expect(ok(await client.call(a.agentId, 'agent/whoami'))).toMatchObject({ agent_id: a.agentId });
    client.close();
  });

  it('answers 404 for other upgrade paths', async () => {
    const c = RawClient.connect(hub, '/v1/nope');
    await expect(c.opened).rejects.toThrow(/404/);
  });
});
