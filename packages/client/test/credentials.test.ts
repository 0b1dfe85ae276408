import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import type { TokenCredentials } from '../src/auth.js';
import { ParleyClient } from '../src/client.js';
import { ParleyError } from '../src/errors.js';
import { createIdentity } from '../src/identity.js';
import { requestToken } from '../src/registration.js';
import type { WebSocketConstructorLike } from '../src/types.js';
import { agent, client, nextEvent, tokenClient, waitFor } from './helpers/env.js';
import { useHubBehindProxy } from './helpers/fixture.js';

const env = useHubBehindProxy();

/**
 * Token credentials are what a binding's API key and the console's token use.
 * The hub's ordinary agent tokens (minted with the key by requestToken) are
 * accepted the same way on both transports, so they stand in for them here:
 * what is tested is the client's side, that it authenticates with the token
 * only and asks for a new one when the hub refuses the old.
 */

/** A `ws` WebSocket that records every frame the client sends. */
function recordingWebSocket(sent: string[]): WebSocketConstructorLike {
  return function RecordingWebSocket(url: string) {
    const socket = new WebSocket(url);
    const send = socket.send.bind(socket);
    socket.send = ((data: string) => {
      sent.push(data);
      send(data);
    }) as typeof socket.send;
    return socket;
  } as unknown as WebSocketConstructorLike;
}

/** Every bearer the client sends over HTTP, and every path it asks. */
function recordingFetch(): { fetch: typeof fetch; bearers: string[]; paths: string[] } {
  const bearers: string[] = [];
  const paths: string[] = [];
  return {
    bearers,
    paths,
    fetch: (input, init) => {
      paths.push(new URL(String(input)).pathname);
      const auth = new Headers(init?.headers).get('authorization');
      if (auth) bearers.push(auth.replace(/^Bearer /, ''));
      return fetch(input, init);
    },
  };
}

/** Credentials that hand out the given tokens in turn (the last one again when they run out), counting the asks. */
function tokensInTurn(agentId: string, tokens: Array<string | (() => Promise<string>)>): TokenCredentials & { asked: number } {
  const creds = {
    agentId,
    asked: 0,
    token: async (): Promise<string> => {
      const next = tokens[Math.min(creds.asked, tokens.length - 1)]!;
      creds.asked++;
      return typeof next === 'string' ? next : next();
    },
  };
  return creds;
}

describe('token credentials: construction', () => {
  it('needs exactly one of identity and credentials, and checks the credentials', () => {
    const url = 'http://127.0.0.1:1';
    const identity = createIdentity();
    const credentials = { agentId: identity.agentId, token: () => 'x' };
    expect(() => new ParleyClient({ url })).toThrow(TypeError);
    expect(() => new ParleyClient({ url })).toThrow(/exactly one of "identity".*"credentials"/);
    expect(() => new ParleyClient({ url, identity, credentials })).toThrow(/exactly one/);
    expect(() => new ParleyClient({ url, credentials: { agentId: 'bob', token: () => 'x' } })).toThrow(/credentials.agentId is not an agent id/);
    expect(() => new ParleyClient({ url, credentials: { agentId: identity.agentId, token: 'pk_x' as unknown as () => string } })).toThrow(
      /credentials.token must be a function/,
    );
    const c = new ParleyClient({ url, credentials, reconnect: { enabled: false } });
    expect(c.agentId).toBe(identity.agentId);
  });
});

describe('token credentials against a hub', () => {
  it('over WebSocket: the auth frame carries the token and no signature; calls and pushes work', async () => {
    const [a, b] = [await agent(env.hub.url), await agent(env.hub.url)];
    const { token } = await requestToken(env.hub.url, a);
    const sent: string[] = [];
    const creds = tokensInTurn(a.agentId, [token]);
    const c = tokenClient(env.hub.url, creds, { WebSocket: recordingWebSocket(sent) });
    await c.connect();
    expect(c.transport).toBe('websocket');
    expect(creds.asked).toBe(1);
    const auth = JSON.parse(sent[0]!) as Record<string, unknown>;
    expect(auth).toMatchObject({ type: 'auth', agent_id: a.agentId, token });
    expect(auth).not.toHaveProperty('sig');

    expect((await c.call('agent/whoami', {})).agent_id).toBe(a.agentId);
    expect((await c.agents.whoami()).agent_id).toBe(a.agentId);
    const cb = client(env.hub.url, b);
    await cb.connect();
    const arrived = nextEvent(c, 'p2p.message');
    await cb.call('p2p/send', { to: a.agentId, content: 'to the token holder' });
    const [data] = await arrived;
    expect(data).toMatchObject({ from: b.agentId, content: 'to the token holder' });
  });

  it('over HTTP: every call and poll carries the bearer, and no token is minted', async () => {
    const a = await agent(env.hub.url);
    const { token } = await requestToken(env.hub.url, a);
    const rec = recordingFetch();
    const c = tokenClient(env.hub.url, tokensInTurn(a.agentId, [token]), { transports: ['http'], fetch: rec.fetch });
    await c.connect();
    expect(c.transport).toBe('http');
    expect((await c.call('agent/whoami', {})).agent_id).toBe(a.agentId);
    expect(rec.bearers.length).toBeGreaterThanOrEqual(2); // the first poll and the call
    expect(new Set(rec.bearers)).toEqual(new Set([token]));
    expect(rec.paths).not.toContain('/v1/agents/token');
    expect(rec.paths).toContain('/v1/rpc');
  });

  it('after the hub closes the socket with 4401 (token revoked), asks token() again and reconnects with the new one', async () => {
    const a = await agent(env.hub.url);
    const first = (await requestToken(env.hub.url, a)).token;
    const second = (await requestToken(env.hub.url, a)).token;
    const creds = tokensInTurn(a.agentId, [first, second]);
    const c = tokenClient(env.hub.url, creds);
    await c.connect();
    expect(creds.asked).toBe(1);

    const owner = client(env.hub.url, a);
    await owner.connect();
    const dropped = nextEvent(c, 'disconnected');
    const reconnected = new Promise<void>((resolve) => c.on('connected', () => resolve()));
    expect(await owner.call('agent/logout', { token: first })).toEqual({ revoked: 1 });
    const [info] = await dropped;
    expect(info.code).toBe(4401);
    await reconnected;
    expect(creds.asked).toBe(2);
    expect((await c.call('agent/whoami', {})).agent_id).toBe(a.agentId);
  });

  it('over HTTP, a 401 makes it ask token() again and retry the call once with the new token', async () => {
    const a = await agent(env.hub.url);
    const first = (await requestToken(env.hub.url, a)).token;
    const second = (await requestToken(env.hub.url, a)).token;
    const creds = tokensInTurn(a.agentId, [first, second]);
    const rec = recordingFetch();
    const c = tokenClient(env.hub.url, creds, { transports: ['http'], fetch: rec.fetch });
    await c.connect();
    const owner = client(env.hub.url, a);
    await owner.connect();
    await owner.call('agent/logout', { token: first });

    expect((await c.call('agent/whoami', {})).agent_id).toBe(a.agentId);
    expect(creds.asked).toBe(2);
    expect(rec.bearers).toContain(second);
    // After the refresh only the new token goes out.
    const lastFirst = rec.bearers.lastIndexOf(first);
    expect(rec.bearers.slice(lastFirst + 1).every((t) => t === second)).toBe(true);
  });

  it('over HTTP, a token still refused after asking again ends the session as a 4401 does, and the next attempt asks again', async () => {
    const a = await agent(env.hub.url);
    const only = (await requestToken(env.hub.url, a)).token;
    const creds = tokensInTurn(a.agentId, [only]); // an API key that was revoked: asking again gives the same one
    const c = tokenClient(env.hub.url, creds, { transports: ['http'] });
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect();
    const owner = client(env.hub.url, a);
    await owner.connect();
    const dropped = nextEvent(c, 'disconnected');
    await owner.call('agent/logout', { token: only });
    const [info] = await dropped;
    expect(info.code).toBe(4401);
    expect(errors.some((e) => e instanceof ParleyError && e.code === 'unauthorized')).toBe(true);
    const asked = creds.asked;
    await waitFor(() => creds.asked > asked, 'the next attempt to ask token() again');
    expect(c.state).not.toBe('connected');
  });

  it('a token() that fails is reported and the next attempt asks again', async () => {
    const a = await agent(env.hub.url);
    const { token } = await requestToken(env.hub.url, a);
    const creds = tokensInTurn(a.agentId, [() => Promise.reject(new Error('console is offline')), token]);
    const c = tokenClient(env.hub.url, creds);
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect();
    expect(creds.asked).toBe(2);
    expect(errors[0]).toBeInstanceOf(ParleyError);
    expect((errors[0] as ParleyError).code).toBe('unauthorized');
    expect(errors[0]!.message).toMatch(/console is offline/);
  });

  it('a token() that returns no usable token fails the attempt with a clear error and never reaches the hub with it', async () => {
    const a = await agent(env.hub.url);
    const { token } = await requestToken(env.hub.url, a);
    const sent: string[] = [];
    const creds = tokensInTurn(a.agentId, [() => Promise.resolve(''), token]);
    const c = tokenClient(env.hub.url, creds, { WebSocket: recordingWebSocket(sent) });
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect();
    expect(errors.some((e) => /must return a non-empty string/.test(e.message))).toBe(true);
    expect(sent.map((f) => JSON.parse(f) as { type?: string }).filter((f) => f.type === 'auth')).toHaveLength(1);
  });

  it('refuses transfer() (it needs the key) and logout() revokes nothing it was given', async () => {
    const a = await agent(env.hub.url);
    const { token } = await requestToken(env.hub.url, a);
    const c = tokenClient(env.hub.url, tokensInTurn(a.agentId, [token]));
    await c.connect();
    await expect(c.transfer({ to: createIdentity().agentId, asset: 'PLY', amount: '1' })).rejects.toThrow(/token credentials/);
    expect(await c.logout()).toEqual({ revoked: 0 });
    // The token still works: the script's logout is not the human's revocation.
    const again = tokenClient(env.hub.url, tokensInTurn(a.agentId, [token]), { reconnect: { enabled: false } });
    await again.connect();
    expect((await again.call('agent/whoami', {})).agent_id).toBe(a.agentId);
  });
});
