import { registerSigningString, signMessage, tokenSigningString, wsSigningString } from '@parley/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubOptions, RunningHub } from '../src/index.js';
import { RawClient, type TestAgent, connectAgent, nowS, ok, postJson, register, rpc, startTestHub, uid } from './helpers.js';

/** A fresh token for an agent (`POST /v1/agents/token`); `ts` must differ per call. */
async function mint(hub: RunningHub, a: TestAgent, ts: number): Promise<string> {
  const res = await postJson(`${hub.url}/v1/agents/token`, { agent_id: a.agentId, ts, sig: signMessage(a.keys.secretKey, tokenSigningString(a.agentId, ts)) });
  if (res.status !== 200) throw new Error(`mint failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { token: string }).token;
}

/** A socket authenticated with a bearer token instead of a signature. */
async function connectWithToken(hub: RunningHub, a: TestAgent, token: string): Promise<RawClient> {
  const c = RawClient.connect(hub);
  await c.challenge();
  c.send({ type: 'auth', agent_id: a.agentId, token });
  await c.waitFrame((f) => f.type === 'connected', 5000, 'connected');
  return c;
}

/** Starts a long poll; resolves with its HTTP status and body when the hub answers it. */
function longPoll(hub: RunningHub, token: string, wait = 30): Promise<{ status: number; body: unknown }> {
  return fetch(`${hub.url}/v1/poll?wait=${wait}`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: await r.json() }));
}

const whoami = (hub: RunningHub, a: TestAgent, token: string) => rpc(hub, { ...a, token }, 'agent/whoami');

async function waitForPolls(hub: RunningHub, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const m = /^parley_long_polls_waiting (\d+)$/m.exec(await (await fetch(`${hub.url}/metrics`)).text());
    if (m && Number(m[1]) === n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${n} long polls`);
}

describe('tokens, sessions and long polls', () => {
  const hubs: RunningHub[] = [];
  afterEach(async () => {
    for (const h of hubs.splice(0)) await h.close();
  });
  const start = async (opts: HubOptions = {}) => {
    const hub = await startTestHub(opts);
    hubs.push(hub);
    return hub;
  };

  it('caps live tokens per agent: a mint past the cap retires the oldest and ends what it opened', async () => {
    const hub = await start({ maxTokensPerAgent: 3 });
    const a = await register(hub); // the registration's token is the oldest
    const session = await connectWithToken(hub, a, a.token);
    const poll = longPoll(hub, a.token);
    await waitForPolls(hub, 1);
    const ts = nowS();
    const t1 = await mint(hub, a, ts - 1);
    const t2 = await mint(hub, a, ts - 2);
    // Still three live tokens: nothing retired yet.
    expect(session.closeCode).toBeNull();
    expect((await whoami(hub, a, a.token)).status).toBe(200);
    const t3 = await mint(hub, a, ts - 3);
    expect(await session.waitClose(5000)).toBe(4401);
    expect(await poll).toMatchObject({ status: 401, body: { code: 'unauthorized', error: 'token revoked' } });
    expect((await whoami(hub, a, a.token)).status).toBe(401);
    for (const t of [t1, t2, t3]) expect(ok((await whoami(hub, a, t)).body)).toMatchObject({ agent_id: a.agentId });
    // Register mints too, under the same cap (signed with an earlier ts: the helper's would repeat this second's).
    expect((await whoami(hub, a, t1)).status).toBe(200);
    const rts = nowS() - 5;
    const again = await postJson(`${hub.url}/v1/agents/register`, { public_key: a.keys.publicKey, ts: rts, sig: signMessage(a.keys.secretKey, registerSigningString(a.keys.publicKey, rts)) });
    expect(again.status).toBe(200);
    expect((await whoami(hub, a, t1)).status).toBe(401);
  });

  it('agent/logout over HTTP revokes the token of the request, and only that one', async () => {
    const hub = await start();
    const a = await register(hub);
    const other = await mint(hub, a, nowS() - 1);
    const res = await rpc(hub, a, 'agent/logout');
    expect(res.status).toBe(200);
    expect(ok(res.body)).toEqual({ revoked: 1 });
    expect(await whoami(hub, a, a.token)).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect((await whoami(hub, a, other)).status).toBe(200);
  });

  it('agent/logout over a token session: the response arrives, then the session closes with 4401; signature sessions stay', async () => {
    const hub = await start();
    const a = await register(hub);
    const signed = await connectAgent(hub, a);
    const session = await connectWithToken(hub, a, a.token);
    const res = await session.call(a.agentId, 'agent/logout');
    expect(ok(res)).toEqual({ revoked: 1 });
    expect(await session.waitClose(5000)).toBe(4401);
    expect((await whoami(hub, a, a.token)).status).toBe(401);
    expect(ok(await signed.client.call(a.agentId, 'agent/whoami'))).toMatchObject({ agent_id: a.agentId });
    expect(signed.client.closeCode).toBeNull();
    signed.client.close();
  });

  it('agent/logout all from a signature session ends every token session and long poll, not itself', async () => {
    const hub = await start();
    const a = await register(hub);
    const b = await register(hub);
    const t2 = await mint(hub, a, nowS() - 1);
    const sessions = [await connectWithToken(hub, a, a.token), await connectWithToken(hub, a, t2)];
    const bSession = await connectWithToken(hub, b, b.token);
    const polls = [longPoll(hub, a.token), longPoll(hub, t2)];
    await waitForPolls(hub, 2);
    const signed = await connectAgent(hub, a);
    // A signature session has no token of its own: it must say which.
    const bare = await signed.client.call(a.agentId, 'agent/logout');
    expect(bare).toMatchObject({ status: 'error', content: { code: 'invalid_params' } });
    // Another agent's token is not the caller's to revoke.
    expect(ok(await signed.client.call(a.agentId, 'agent/logout', { token: b.token }))).toEqual({ revoked: 0 });
    expect(ok(await signed.client.call(a.agentId, 'agent/logout', { all: true }))).toEqual({ revoked: 2 });
    for (const s of sessions) expect(await s.waitClose(5000)).toBe(4401);
    for (const p of polls) expect(await p).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect(ok(await signed.client.call(a.agentId, 'agent/whoami'))).toMatchObject({ agent_id: a.agentId });
    expect(signed.client.closeCode).toBeNull();
    expect(bSession.closeCode).toBeNull();
    expect((await whoami(hub, b, b.token)).status).toBe(200);
    // Revoking what is already gone revokes nothing.
    expect(ok(await signed.client.call(a.agentId, 'agent/logout', { all: true }))).toEqual({ revoked: 0 });
    expect(await signed.client.call(a.agentId, 'agent/logout', { all: true, token: t2 })).toMatchObject({ content: { code: 'invalid_params' } });
    signed.client.close();
    bSession.close();
  });

  it('a token that expires ends its sessions (4401) and long polls (401)', async () => {
    const hub = await start({ tokenTtlSeconds: 2 });
    const a = await register(hub);
    const session = await connectWithToken(hub, a, a.token);
    const poll = longPoll(hub, a.token, 20);
    const started = Date.now();
    expect(await session.waitClose(10_000)).toBe(4401);
    expect(await poll).toMatchObject({ status: 401, body: { code: 'unauthorized', error: 'token expired' } });
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('caps sessions per agent: one more closes with 4429 at auth', async () => {
    const hub = await start({ maxSessionsPerAgent: 2 });
    const a = await register(hub);
    const first = await connectAgent(hub, a);
    const second = await connectAgent(hub, a);
    /** Signs in; 'connected', or the close code when the hub closes instead. */
    const attempt = async (): Promise<{ client: RawClient; outcome: 'connected' | number }> => {
      const client = RawClient.connect(hub);
      const nonce = await client.challenge();
      client.send({ type: 'auth', agent_id: a.agentId, sig: signMessage(a.keys.secretKey, wsSigningString(a.agentId, nonce)) });
      await client.waitUntil(() => client.closeCode !== null || client.frames.some((f) => f.type === 'connected'), 5000, 'connected or close');
      return { client, outcome: client.closeCode ?? 'connected' };
    };
    const third = await attempt();
    expect(third.outcome).toBe(4429);
    // Another agent is not affected, and a freed slot can be taken again.
    (await connectAgent(hub)).client.close();
    first.client.close();
    await first.client.waitClose();
    let again = await attempt();
    for (let i = 0; i < 50 && again.outcome !== 'connected'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await attempt();
    }
    expect(again.outcome).toBe('connected');
    expect(ok(await again.client.call(a.agentId, 'agent/whoami'))).toMatchObject({ agent_id: a.agentId });
    again.client.close();
    second.client.close();
  });

  it('caps long polls per agent: one more is 429 rate_limited', async () => {
    const hub = await start({ maxLongPollsPerAgent: 2 });
    const a = await register(hub);
    const held = [longPoll(hub, a.token, 5), longPoll(hub, a.token, 5)];
    await waitForPolls(hub, 2);
    const refused = await fetch(`${hub.url}/v1/poll?wait=5`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ code: 'rate_limited', details: { retry_after_ms: 1000 } });
    // Another agent has its own.
    const b = await register(hub);
    expect((await longPoll(hub, b.token, 0)).status).toBe(200);
    // A push answers the held polls; then there is room again.
    const sender = await register(hub);
    ok((await rpc(hub, sender, 'p2p/send', { to: a.agentId, content: 'wake' }, uid())).body);
    for (const p of held) expect((await p).status).toBe(200);
    expect((await longPoll(hub, a.token, 0)).status).toBe(200);
  });

  it('lists agent/logout in capabilities', async () => {
    const hub = await start();
    const caps = (await (await fetch(`${hub.url}/v1/capabilities`)).json()) as { actions: Record<string, unknown> };
    expect(caps.actions['agent/logout']).toBeDefined();
  });
});
