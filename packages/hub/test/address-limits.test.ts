import type { IncomingMessage } from 'node:http';
import { generateKeyPair, registerSigningString, signMessage, tokenSigningString } from '@parley/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { HubOptions, RunningHub } from '../src/index.js';
import { addressKey, clientAddress, trustFunction } from '../src/transport/address.js';
import { RawClient, connectAgent, nowS, register, startTestHub, uid } from './helpers.js';

const req = (peer: string, xff?: string) => ({ socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

describe('client address', () => {
  it('ignores X-Forwarded-For unless the peer is trusted, and walks trusted hops from the right', () => {
    const none = trustFunction(false);
    expect(clientAddress(req('127.0.0.1', '203.0.113.7'), none)).toBe('127.0.0.1');
    const loopback = trustFunction(['loopback']);
    expect(clientAddress(req('127.0.0.1', '203.0.113.7'), loopback)).toBe('203.0.113.7');
    expect(clientAddress(req('::ffff:127.0.0.1', '203.0.113.7'), loopback)).toBe('203.0.113.7');
    // A client cannot pass itself off as someone else by prepending: the rightmost untrusted hop wins.
    expect(clientAddress(req('127.0.0.1', '198.51.100.1, 203.0.113.7'), loopback)).toBe('203.0.113.7');
    expect(clientAddress(req('198.51.100.9', '203.0.113.7'), loopback)).toBe('198.51.100.9');
    const proxies = trustFunction(['10.0.0.0/8', '127.0.0.1']);
    expect(clientAddress(req('127.0.0.1', '203.0.113.7, 10.1.2.3'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(req('127.0.0.1', '203.0.113.7'), trustFunction(1))).toBe('203.0.113.7');
    expect(clientAddress(req('127.0.0.1', '198.51.100.1, 203.0.113.7'), trustFunction(1))).toBe('203.0.113.7');
    expect(clientAddress(req('127.0.0.1', '198.51.100.1, 203.0.113.7'), trustFunction(2))).toBe('198.51.100.1');
    expect(() => trustFunction(['not-an-ip'])).toThrow(/trustProxy/);
  });

  it('keys IPv4 by address and IPv6 by /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe('per-address limits', () => {
  const hubs: RunningHub[] = [];
  afterEach(async () => {
    for (const h of hubs.splice(0)) await h.close();
  });
  const start = async (opts: HubOptions) => {
    const hub = await startTestHub(opts);
    hubs.push(hub);
    return hub;
  };

  const registerRaw = (hub: RunningHub, headers: Record<string, string> = {}) => {
    const keys = generateKeyPair();
    const ts = nowS();
    return fetch(`${hub.url}/v1/agents/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ public_key: keys.publicKey, ts, sig: signMessage(keys.secretKey, registerSigningString(keys.publicKey, ts)) }),
    });
  };

  it('limits registrations per address with 429 rate_limited, retry_after_ms and Retry-After', async () => {
    const hub = await start({ registerRateLimit: { perSecond: 0.5, burst: 5 }, trustProxy: ['loopback'] });
    for (let i = 0; i < 5; i++) expect((await registerRaw(hub)).status).toBe(200);
    const refused = await registerRaw(hub);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { code: string; details: { retry_after_ms: number } };
    expect(body).toMatchObject({ code: 'rate_limited' });
    expect(body.details.retry_after_ms).toBeGreaterThan(0);
    expect(Number.isInteger(body.details.retry_after_ms)).toBe(true);
    // Another address (named by a trusted proxy) has its own budget.
    expect((await registerRaw(hub, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(200);
  });

  it('does not trust X-Forwarded-For by default', async () => {
    const hub = await start({ registerRateLimit: { perSecond: 0.5, burst: 2 } });
    expect((await registerRaw(hub, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
    expect((await registerRaw(hub, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
    expect((await registerRaw(hub, { 'x-forwarded-for': '203.0.113.3' })).status).toBe(429);
  });

  it('limits token requests per address', async () => {
    const hub = await start({ tokenRateLimit: { perSecond: 0.5, burst: 3 } });
    const a = await register(hub);
    const mint = (ts: number) =>
      fetch(`${hub.url}/v1/agents/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ agent_id: a.agentId, ts, sig: signMessage(a.keys.secretKey, tokenSigningString(a.agentId, ts)) }),
      });
    const ts = nowS();
    for (let i = 0; i < 3; i++) expect((await mint(ts - i)).status).toBe(200);
    const refused = await mint(ts - 3);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'rate_limited', details: { retry_after_ms: expect.any(Number) as unknown } });
  });

  it('limits requests per address across agents, over WebSocket and HTTP, on top of the per-agent limit', async () => {
    const hub = await start({ addressRateLimit: { perSecond: 1, burst: 30 }, registerRateLimit: false, trustProxy: ['loopback'] });
    // 3 registrations and 3 upgrades leave about 24 in the address's bucket.
    const agents = await Promise.all([1, 2, 3].map(() => connectAgent(hub)));
    const sent: Array<{ client: RawClient; u: string }> = [];
    for (const { agent, client } of agents) {
      for (let i = 0; i < 15; i++) {
        const u = uid();
        client.send({ agent_id: agent.agentId, u_id: u, params: { action: 'agent/whoami' } });
        sent.push({ client, u });
      }
    }
    const answers = await Promise.all(sent.map(({ client, u }) => client.waitFrame((f) => f.u_id === u, 10_000)));
    const limited = answers.filter((f) => f.status === 'error');
    const succeeded = answers.length - limited.length;
    // Each agent is far below its own limit (400); together they are not.
    expect(succeeded).toBeGreaterThanOrEqual(20);
    expect(succeeded).toBeLessThanOrEqual(30);
    for (const f of limited) {
      expect(f).toMatchObject({ status: 'error', content: { code: 'rate_limited', details: { retry_after_ms: expect.any(Number) as unknown } } });
    }
    const { agent } = agents[0]!;
    const http = await fetch(`${hub.url}/v1/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
      body: JSON.stringify({ agent_id: agent.agentId, u_id: uid(), params: { action: 'agent/whoami' } }),
    });
    expect(http.status).toBe(429);
    expect(await http.json()).toMatchObject({ code: 'rate_limited' });
    // An upgrade from the same address is refused before the handshake, with the same body.
    const refused = await new Promise<{ status: number; body: string }>((resolve) => {
      const ws = new WebSocket(hub.url.replace(/^http/, 'ws') + '/v1/ws');
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('error', () => undefined);
    });
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'rate_limited', details: { retry_after_ms: expect.any(Number) as unknown } });
    // Another address is served, and health checks are never refused.
    const other = await fetch(`${hub.url}/v1/capabilities`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(other.status).toBe(200);
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    for (const { client } of agents) client.close();
  });
});
