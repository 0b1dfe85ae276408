import type { EventDataOf, PushFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { AbortError, ConnectionClosedError, ParleyError, TimeoutError } from '../src/errors.js';
import { createIdentity } from '../src/identity.js';
import { register, requestToken } from '../src/registration.js';
import { agent, client, hub, nextEvent, waitFor } from './helpers/env.js';
import { useHubBehindProxy } from './helpers/fixture.js';
import { countingSignal } from './helpers/signals.js';

const env = useHubBehindProxy();

describe('registration', () => {
  it('register and requestToken return tokens for the derived agent id', async () => {
    const id = createIdentity();
    const r = await register(env.hub.url, id, { name: 'reg-test' });
    expect(r.agent_id).toBe(id.agentId);
    expect(typeof r.token).toBe('string');
    const t = await requestToken(env.hub.url, id);
    expect(t.agent_id).toBe(id.agentId);
    // two token requests in the same second must not collide on the signed ts
    const t2 = await requestToken(env.hub.url, id);
    expect(t2.token).not.toBe(t.token);
  });

  it('one process can register more agents at once than the signature window has seconds', async () => {
    // The signed ts is kept unique per agent; a per-process counter would run
    // 350 s ahead of the clock here and the hub would refuse the tail.
    // A hub of its own without the per-address registration limit, which would refuse most of 350 from one address.
    const h = await hub({ registerRateLimit: false });
    try {
      const ids = Array.from({ length: 350 }, () => createIdentity());
      const results = await Promise.all(ids.map((id) => register(h.url, id)));
      expect(results.map((r) => r.agent_id)).toEqual(ids.map((id) => id.agentId));
    } finally {
      await h.close();
    }
  });

  it('requestToken for an unknown agent is a ParleyError with the hub code', async () => {
    const err = await requestToken(env.hub.url, createIdentity()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect(['unauthorized', 'not_found']).toContain((err as ParleyError).code);
  });
});

describe('connect and call', () => {
  it('connects over WebSocket and gets typed results', async () => {
    const id = await agent(env.hub.url, 'alice');
    const c = client(env.hub.url, id);
    const states: string[] = [];
    c.on('state', (s) => states.push(s));
    const connected = nextEvent(c, 'connected');
    await c.connect();
    const [frame] = await connected;
    expect(frame.epoch).toBe(env.hub.epoch);
    expect(frame.agent_id).toBe(id.agentId);
    expect(c.state).toBe('connected');
    expect(c.transport).toBe('websocket');
    expect(states).toEqual(['connecting', 'authenticating', 'connected']);
    const me = await c.call('agent/whoami', {});
    expect(me.agent_id).toBe(id.agentId);
    expect(me.name).toBe('alice');
    expect(c.stats.pendingCalls).toBe(0);
  });

  it('rejects with the wire code: not_found, invalid_params, unknown_action', async () => {
    const c = client(env.hub.url, await agent(env.hub.url));
    await c.connect();
    const unknown = createIdentity().agentId;
    const e1 = await c.call('agent/get', { agent_id: unknown }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ParleyError);
    expect((e1 as ParleyError).code).toBe('not_found');
    const e2 = await c.call('agent/get', { agent_id: 'not-an-id' }).catch((e: unknown) => e);
    expect((e2 as ParleyError).code).toBe('invalid_params');
    const e3 = await (c.call as (a: string, p: unknown) => Promise<unknown>)('nope/nothing', {}).catch((e: unknown) => e);
    expect((e3 as ParleyError).code).toBe('unknown_action');
    expect(c.stats.pendingCalls).toBe(0);
  });

  it('delivers typed pushes as protocol events, once', async () => {
    const [a, b] = [await agent(env.hub.url), await agent(env.hub.url)];
    const ca = client(env.hub.url, a);
    const cb = client(env.hub.url, b);
    await Promise.all([ca.connect(), cb.connect()]);
    const got: Array<[EventDataOf<'p2p.message'>, PushFrame]> = [];
    const pushes: PushFrame[] = [];
    ca.on('p2p.message', (data, frame) => got.push([data, frame]));
    ca.on('push', (f) => pushes.push(f));
    const sent = await cb.call('p2p/send', { to: a.agentId, content: 'hello' });
    expect(sent.message_id).toMatch(/^msg_/);
    await waitFor(() => got.length === 1, 'p2p push');
    const [data, frame] = got[0]!;
    expect(data.content).toBe('hello');
    expect(data.from).toBe(b.agentId);
    expect(frame.stream).toBe(`agent:${a.agentId}`);
    expect(frame.seq).toBe(sent.seq);
    expect(pushes).toHaveLength(1);
    expect(ca.cursors[`agent:${a.agentId}`]).toBe(sent.seq);
  });
});

describe('timeouts, aborts and close', () => {
  it('a call with no answer times out and leaves no pending entry or timer behind', async () => {
    const c = client(env.proxy.url, await agent(env.hub.url), { transports: ['websocket'] });
    await c.connect();
    const base = c.stats.activeTimers; // the heartbeat
    env.proxy.setBlocked(true);
    env.proxy.dropAll();
    await waitFor(() => c.state !== 'connected', 'disconnect');
    const t0 = Date.now();
    const err = await c.call('agent/whoami', {}, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).code).toBe('timeout');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(c.stats.pendingCalls).toBe(0);
    expect(c.stats.queuedCalls).toBe(0);
    expect(c.stats.activeTimers).toBeLessThanOrEqual(base); // reconnect timer at most; no call timer
  });

  it('abort rejects with AbortError and removes its listener', async () => {
    const c = client(env.proxy.url, await agent(env.hub.url), { transports: ['websocket'] });
    await c.connect();
    env.proxy.setBlocked(true);
    env.proxy.dropAll();
    await waitFor(() => c.state !== 'connected', 'disconnect');
    const s = countingSignal();
    const p = c.call('agent/whoami', {}, { signal: s.signal });
    expect(s.listeners()).toBe(1);
    expect(c.stats.abortListeners).toBe(1);
    s.abort();
    await expect(p).rejects.toBeInstanceOf(AbortError);
    expect(s.listeners()).toBe(0);
    expect(c.stats.abortListeners).toBe(0);
    expect(c.stats.pendingCalls).toBe(0);
  });

  it('an abort signal on a successful call is cleaned up too', async () => {
    const c = client(env.hub.url, await agent(env.hub.url));
    await c.connect();
    const s = countingSignal();
    await c.call('agent/whoami', {}, { signal: s.signal });
    expect(s.added()).toBe(1);
    expect(s.listeners()).toBe(0);
    expect(c.stats.abortListeners).toBe(0);
  });

  it('close() rejects pending calls with ConnectionClosedError and leaves no timers', async () => {
    const c = client(env.proxy.url, await agent(env.hub.url), { transports: ['websocket'] });
    await c.connect();
    env.proxy.setBlocked(true);
    env.proxy.dropAll();
    await waitFor(() => c.state === 'disconnected', 'disconnect');
    const calls = [c.call('agent/whoami', {}), c.call('agent/list', {}, { signal: new AbortController().signal })].map((p) =>
      p.then(
        () => 'resolved',
        (e: unknown) => e,
      ),
    );
    expect(c.stats.pendingCalls).toBe(2);
    await c.close();
    for (const r of await Promise.all(calls)) expect(r).toBeInstanceOf(ConnectionClosedError);
    expect(c.stats).toEqual({ pendingCalls: 0, queuedCalls: 0, abortListeners: 0, activeTimers: 0 });
    expect(c.state).toBe('disconnected');
    await expect(c.call('agent/whoami', {})).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(c.connect()).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('close() while connected releases the socket, heartbeat and in-flight calls', async () => {
    const c = client(env.hub.url, await agent(env.hub.url));
    await c.connect();
    expect(c.stats.activeTimers).toBeGreaterThan(0);
    const disconnected = nextEvent(c, 'disconnected');
    // Either answered before close or rejected by it; never left hanging.
    const inflight = c.call('agent/whoami', {}).then(
      () => null,
      (e: unknown) => e,
    );
    await c.close();
    expect((await disconnected)[0].code).toBe(1000);
    const outcome = await inflight;
    if (outcome !== null) expect(outcome).toBeInstanceOf(ConnectionClosedError);
    expect(c.stats).toEqual({ pendingCalls: 0, queuedCalls: 0, abortListeners: 0, activeTimers: 0 });
  });

  it('close() during the first connect rejects connect()', async () => {
    env.proxy.setBlocked(true);
    const c = client(env.proxy.url, await agent(env.hub.url));
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    const p = c.connect().then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await waitFor(() => errors.length > 0, 'a failed attempt');
    await c.close();
    expect(await p).toBeInstanceOf(ConnectionClosedError);
    expect(c.stats.activeTimers).toBe(0);
  });
});
