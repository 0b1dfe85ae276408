import { describe, expect, it } from 'vitest';
import { ConnectionClosedError } from '../src/errors.js';
import { requestToken } from '../src/registration.js';
import { agent, client } from './helpers/env.js';
import { useHubBehindProxy } from './helpers/fixture.js';

const env = useHubBehindProxy();

/** `agent/whoami` over HTTP with a bearer token: the status says whether the token still works. */
const statusWith = async (token: string, agentId: string) =>
  (
    await fetch(`${env.hub.url}/v1/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ agent_id: agentId, u_id: `u-${Math.random()}`, params: { action: 'agent/whoami' } }),
    })
  ).status;

describe('logout', () => {
  it('revokes the token the client minted for HTTP, then closes the client', async () => {
    const id = await agent(env.hub.url);
    // Sees every bearer token the client sends.
    const seen = new Set<string>();
    const spy: typeof fetch = (input, init) => {
      const auth = new Headers(init?.headers).get('authorization');
      if (auth) seen.add(auth.replace(/^Bearer /, ''));
      return fetch(input, init);
    };
    const c = client(env.hub.url, id, { transports: ['http'], fetch: spy });
    await c.connect();
    expect(c.transport).toBe('http');
    await c.call('agent/whoami', {});
    expect(seen.size).toBe(1);
    const [token] = [...seen];
    expect(await statusWith(token!, id.agentId)).toBe(200);
    expect(await c.logout()).toEqual({ revoked: 1 });
    expect(c.state).toBe('disconnected');
    await expect(c.call('agent/whoami', {})).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await statusWith(token!, id.agentId)).toBe(401);
  });

  it('over WebSocket: nothing of its own to revoke; all: true revokes every token of the agent', async () => {
    const id = await agent(env.hub.url);
    const other = await requestToken(env.hub.url, id);
    const c = client(env.hub.url, id);
    await c.connect();
    expect(await c.logout()).toEqual({ revoked: 0 });
    expect(await statusWith(other.token, id.agentId)).toBe(200);

    const c2 = client(env.hub.url, id);
    await c2.connect();
    // The registration's token and `other`.
    expect(await c2.logout({ all: true })).toEqual({ revoked: 2 });
    expect(await statusWith(other.token, id.agentId)).toBe(401);
  });

  it('revokes a named token', async () => {
    const id = await agent(env.hub.url);
    const t = await requestToken(env.hub.url, id);
    const c = client(env.hub.url, id);
    await c.connect();
    expect(await c.logout({ token: t.token })).toEqual({ revoked: 1 });
    expect(await statusWith(t.token, id.agentId)).toBe(401);
  });
});
