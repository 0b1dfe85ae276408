import type { PushFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../src/errors.js';
import { createIdentity } from '../src/identity.js';
import { agent, client, nextEvent, sleep, waitFor } from './helpers/env.js';
import { useHubBehindProxy } from './helpers/fixture.js';

const env = useHubBehindProxy();

describe('HTTP fallback', () => {
  it('connects over HTTP when upgrades are refused, calls and pushes work, then returns to WebSocket', async () => {
    env.proxy.setRefuseUpgrades(true);
    const [a, b] = [await agent(env.hub.url), await agent(env.hub.url)];
    const ca = client(env.proxy.url, a);
    const cb = client(env.hub.url, b);
    const refusedBefore = env.proxy.stats.upgradesRefused;
    await Promise.all([ca.connect(), cb.connect()]);
    expect(ca.state).toBe('connected');
    expect(ca.transport).toBe('http');
    expect(env.proxy.stats.upgradesRefused).toBeGreaterThan(refusedBefore);

    // calls go through POST /v1/rpc
    const me = await ca.call('agent/whoami', {});
    expect(me.agent_id).toBe(a.agentId);
    const err = await ca.call('agent/get', { agent_id: createIdentity().agentId }).catch((e: unknown) => e);
    expect((err as ParleyError).code).toBe('not_found');

    // pushes arrive through the long poll
    const pushes: PushFrame[] = [];
    const texts: string[] = [];
    ca.on('push', (f) => pushes.push(f));
    ca.on('p2p.message', (d) => texts.push(d.content));
    for (let i = 0; i < 5; i++) await cb.call('p2p/send', { to: a.agentId, content: `via poll ${i}` });
    await waitFor(() => texts.length === 5, 'pushes over HTTP');
    expect(ca.transport).toBe('http');
    expect(texts).toEqual([0, 1, 2, 3, 4].map((i) => `via poll ${i}`));

    // let upgrades through: the background probe switches the client back
    const reconnected = nextEvent(ca, 'connected');
    env.proxy.setRefuseUpgrades(false);
    const [frame] = await reconnected;
    expect(frame.session_id).not.toBe('http');
    expect(ca.transport).toBe('websocket');
    expect(ca.state).toBe('connected');
    for (let i = 5; i < 8; i++) await cb.call('p2p/send', { to: a.agentId, content: `via ws ${i}` });
    await waitFor(() => texts.length === 8, 'pushes over WebSocket');
    await sleep(200);
    expect(texts.slice(5)).toEqual(['via ws 5', 'via ws 6', 'via ws 7']);
    const seqs = pushes.map((p) => p.seq);
    expect(new Set(seqs).size).toBe(seqs.length); // none twice
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect((await ca.call('agent/whoami', {})).agent_id).toBe(a.agentId);
  });

  it('calls queued before the HTTP session exists are sent over it', async () => {
    env.proxy.setRefuseUpgrades(true);
    const ca = client(env.proxy.url, await agent(env.hub.url));
    const p = ca.call('agent/whoami', {}); // before connect(): offline queue
    await ca.connect();
    expect(ca.transport).toBe('http');
    expect((await p).agent_id).toBe(ca.agentId);
  });

  it('an HTTP session that loses the hub reconnects (and pushes missed meanwhile still arrive)', async () => {
    env.proxy.setRefuseUpgrades(true);
    const [a, b] = [await agent(env.hub.url), await agent(env.hub.url)];
    const ca = client(env.proxy.url, a);
    const cb = client(env.hub.url, b);
    await Promise.all([ca.connect(), cb.connect()]);
    expect(ca.transport).toBe('http');
    const texts: string[] = [];
    ca.on('p2p.message', (d) => texts.push(d.content));
    await cb.call('p2p/send', { to: a.agentId, content: 'one' });
    await waitFor(() => texts.length === 1, 'first push');
    const down = nextEvent(ca, 'disconnected');
    env.proxy.setBlocked(true);
    env.proxy.dropAll();
    await down;
    await cb.call('p2p/send', { to: a.agentId, content: 'two' });
    env.proxy.setBlocked(false);
    await waitFor(() => texts.length === 2, 'missed push after reconnect');
    await sleep(200);
    expect(texts).toEqual(['one', 'two']);
  });

  it('with transports ["http"] only, never tries the WebSocket', async () => {
    const before = env.proxy.stats.upgradesForwarded + env.proxy.stats.upgradesRefused;
    const ca = client(env.proxy.url, await agent(env.hub.url), { transports: ['http'] });
    await ca.connect();
    expect(ca.transport).toBe('http');
    expect((await ca.call('agent/whoami', {})).agent_id).toBe(ca.agentId);
    await sleep(300);
    expect(env.proxy.stats.upgradesForwarded + env.proxy.stats.upgradesRefused).toBe(before);
    // close() while a long poll is outstanding aborts it and leaves nothing behind
    await ca.close();
    expect(ca.stats).toEqual({ pendingCalls: 0, queuedCalls: 0, abortListeners: 0, activeTimers: 0 });
  });
});
