import type { RunningHub } from '@parley/hub';
import { describe, expect, it } from 'vitest';
import { OfflineQueueFullError } from '../src/errors.js';
import type { ConnectionState } from '../src/types.js';
import { agent, client, closeClients, hub, nextEvent, sleep, waitFor } from './helpers/env.js';
import { startProxy } from './helpers/proxy.js';
import { useHubBehindProxy } from './helpers/fixture.js';

const env = useHubBehindProxy();

describe('reconnect', () => {
  it('reconnects after the connection drops, and a call made while down completes after reconnect', async () => {
    const c = client(env.proxy.url, await agent(env.hub.url), { transports: ['websocket'] });
    await c.connect();
    const states: ConnectionState[] = [];
    c.on('state', (s) => states.push(s));
    const disconnected = nextEvent(c, 'disconnected');
    env.proxy.setBlocked(true);
    env.proxy.dropAll();
    const [info] = await disconnected;
    expect(info.code).toBe(1006);
    expect(c.state).not.toBe('connected');
    // made while down: waits in the offline queue
    const call = c.call('agent/whoami', {});
    expect(c.stats.queuedCalls).toBe(1);
    // a few attempts fail while the proxy refuses connections
    await waitFor(() => states.filter((s) => s === 'connecting').length >= 3, 'three reconnect attempts');
    env.proxy.setBlocked(false);
    const me = await call;
    expect(me.agent_id).toBe(c.agentId);
    expect(c.state).toBe('connected');
    expect(c.transport).toBe('websocket');
    expect(c.stats.pendingCalls).toBe(0);
  });

  it('a call in flight when the socket drops is re-sent with the same u_id and answered once', async () => {
    const [a, b] = [await agent(env.hub.url), await agent(env.hub.url)];
    const ca = client(env.proxy.url, a, { transports: ['websocket'] });
    const cb = client(env.hub.url, b);
    await Promise.all([ca.connect(), cb.connect()]);
    const got: string[] = [];
    cb.on('p2p.message', (d) => got.push(d.content));
    // Drop the connection right after the request is written: whether or not the hub ran it, the retry must not send a second message.
    const sent = ca.call('p2p/send', { to: b.agentId, content: 'exactly-once' });
    env.proxy.dropAll();
    const r = await sent;
    expect(r.message_id).toMatch(/^msg_/);
    await waitFor(() => got.length >= 1, 'the message');
    await sleep(200);
    expect(got).toEqual(['exactly-once']);
    const hist = await cb.call('p2p/history', { with: a.agentId });
    expect(hist.messages.filter((m) => m.content === 'exactly-once')).toHaveLength(1);
  });

  it('the offline queue is bounded', async () => {
    const c = client(env.proxy.url, await agent(env.hub.url), { transports: ['websocket'], offlineQueueSize: 3 });
    await c.connect();
    env.proxy.setBlocked(true);
    env.proxy.dropAll();
    await waitFor(() => c.state !== 'connected', 'disconnect');
    const queued = [1, 2, 3].map(() => c.call('agent/whoami', {}));
    await expect(c.call('agent/whoami', {})).rejects.toBeInstanceOf(OfflineQueueFullError);
    expect(c.stats.queuedCalls).toBe(3);
    env.proxy.setBlocked(false);
    const results = await Promise.all(queued);
    expect(results.map((r) => r.agent_id)).toEqual([c.agentId, c.agentId, c.agentId]);
  });

  it('reconnects after a hub restart (close 1001) and keeps the same epoch with a persistent data dir', async () => {
    const { tempDir } = await import('./helpers/env.js');
    const dir = await tempDir();
    let h1: RunningHub | null = await hub({ dbPath: undefined, dataDir: dir.path });
    const p = await startProxy(h1.port);
    try {
      const id = await agent(h1.url);
      const c = client(p.url, id, { transports: ['websocket'] });
      await c.connect();
      const disconnected = nextEvent(c, 'disconnected');
      await h1.close();
      const [info] = await disconnected;
      expect([1001, 1006]).toContain(info.code);
      const h2 = await hub({ dbPath: undefined, dataDir: dir.path });
      h1 = h2;
      p.setTarget(h2.port);
      await waitFor(() => c.state === 'connected', 'reconnect to the restarted hub');
      expect(c.epoch).toBe(h2.epoch);
      expect((await c.call('agent/whoami', {})).agent_id).toBe(id.agentId);
    } finally {
      await closeClients();
      await p.close();
      await h1?.close();
      await dir.remove();
    }
  });

  it('a silent hub is detected by the heartbeat and the client reconnects', async () => {
    // The proxy forwards the upgrade but then swallows everything: the socket stays "open" with no pongs.
    const net = await import('node:net');
    let swallow = true;
    const sockets = new Set<import('node:net').Socket>();
    const blackhole = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      const up = net.connect(env.hub.port, '127.0.0.1');
      up.on('error', () => undefined);
      sockets.add(up);
      let established = false;
      s.on('data', (d) => {
        if (!swallow || !established) up.write(d);
      });
      up.on('data', (d) => {
        if (!established) established = d.toString('latin1').includes('"connected"');
        if (!swallow || !established || !d.toString('latin1').includes('pong')) s.write(d);
      });
      s.on('close', () => up.destroy());
      up.on('close', () => s.destroy());
    });
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const port = (blackhole.address() as import('node:net').AddressInfo).port;
    try {
      const c = client(`http://127.0.0.1:${port}`, await agent(env.hub.url), { transports: ['websocket'], heartbeatMs: 100 });
      await c.connect();
      const [info] = await nextEvent(c, 'disconnected', 5000);
      expect(info.code).toBe(4408);
      swallow = false;
      await waitFor(() => c.state === 'connected', 'reconnect after heartbeat timeout');
      expect((await c.call('agent/whoami', {})).agent_id).toBe(c.agentId);
    } finally {
      await closeClients();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => blackhole.close(() => r()));
    }
  });

  it('4401 is reported as an error and retried with backoff (it can follow a hub that lost the agent)', async () => {
    const { createIdentity } = await import('../src/identity.js');
    const { register } = await import('../src/registration.js');
    const id = createIdentity(); // not registered yet: the hub refuses the auth
    const c = client(env.hub.url, id, { transports: ['websocket'] });
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    const connected = c.connect();
    await waitFor(() => errors.filter((e) => (e as { code?: string }).code === 'unauthorized').length >= 2, 'two refused attempts');
    expect(c.state).not.toBe('connected');
    await register(env.hub.url, id);
    await connected;
    expect(c.state).toBe('connected');
  });

  it('with reconnect disabled, a failed first connect rejects and a dropped connection stays down', async () => {
    env.proxy.setBlocked(true);
    const c = client(env.proxy.url, await agent(env.hub.url), { transports: ['websocket'], reconnect: { enabled: false } });
    await expect(c.connect()).rejects.toThrow(/reconnect is disabled/);
    expect(c.stats.activeTimers).toBe(0);
    env.proxy.setBlocked(false);
    await c.connect();
    const down = nextEvent(c, 'disconnected');
    env.proxy.dropAll();
    await down;
    await sleep(200);
    expect(c.state).toBe('disconnected');
    expect(c.stats.activeTimers).toBe(0);
  });
});
