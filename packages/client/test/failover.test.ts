import { createServer } from 'node:net';
import type { RunningHub } from '@parley/hub';
import type { PushFrame } from '@parley/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../src/client.js';
import { createIdentity } from '../src/identity.js';
import { register } from '../src/registration.js';
import type { GapInfo } from '../src/types.js';
import { hubUrlList, parseHubUrls } from '../src/url.js';
import { agent, client, closeClients, hub, sleep, tempDir, waitFor } from './helpers/env.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await closeClients();
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A port nothing listens on (yet): bound, then released. */
async function reservePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function recorder(c: ParleyClient): PushFrame[] {
  const seen: PushFrame[] = [];
  c.on('push', (f) => seen.push(f));
  return seen;
}

describe('hub url lists', () => {
  it('normalises each URL and keeps the order; a comma list reads the same', () => {
    expect(hubUrlList('http://a:1/')).toEqual(['http://a:1']);
    expect(hubUrlList(['http://a:1/', 'https://b/prefix/'])).toEqual(['http://a:1', 'https://b/prefix']);
    expect(parseHubUrls(' http://a:1 , https://b/prefix/,')).toEqual(['http://a:1', 'https://b/prefix']);
    expect(parseHubUrls('http://a:1')).toEqual(['http://a:1']);
  });

  it('an empty list or a bad URL is a TypeError at construction, naming the culprit', () => {
    const identity = createIdentity();
    expect(() => new ParleyClient({ url: [], identity })).toThrow(/hub url list is empty/);
    expect(() => new ParleyClient({ url: ['http://a:1', 'ftp://b'], identity })).toThrow(/must be http\(s\):\/\/, got ftp:\/\/b/);
    expect(() => new ParleyClient({ url: ['http://a:1', 'not a url'], identity })).toThrow(/not a URL: "not a url"/);
    expect(() => parseHubUrls(' , ')).toThrow(TypeError);
  });

  it('client.url is the first hub to begin with, normalised', () => {
    const c = new ParleyClient({ url: ['http://127.0.0.1:1/', 'http://127.0.0.1:2'], identity: createIdentity() });
    expect(c.url).toBe('http://127.0.0.1:1');
    expect(new ParleyClient({ url: 'http://127.0.0.1:3/x/', identity: createIdentity() }).url).toBe('http://127.0.0.1:3/x');
  });
});

describe('failover between hubs sharing one database', () => {
  it('moves to the next hub when its hub goes away, resumes from its cursors and gets exactly the pushes it missed', async () => {
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    let hubA: RunningHub | null = await hub({ dbPath: undefined, dataDir: dir.path });
    cleanups.push(async () => {
      await hubA?.close();
    });
    const portB = await reservePort();
    const urlB = `http://127.0.0.1:${portB}`;
    const urlA = hubA.url;

    const [a, b, h] = [await agent(urlA), await agent(urlA), await agent(urlA)];
    const ca = client([urlA, urlB], a);
    // HTTP only: its token, minted by A, must serve on B (no re-registration), and its polls must follow the hub in use.
    const ch = client([urlA, urlB], h, { transports: ['http'] });
    let cb = client(urlA, b);
    await Promise.all([ca.connect(), ch.connect(), cb.connect()]);
    expect(ca.url).toBe(urlA);
    const seenA = recorder(ca);
    const seenH = recorder(ch);
    const gaps: GapInfo[] = [];
    ca.on('gap', (g) => gaps.push(g));
    ch.on('gap', (g) => gaps.push(g));
    ca.on('error', () => undefined); // "could not connect" while A is down and B not up yet
    ch.on('error', () => undefined);

    await cb.call('p2p/send', { to: a.agentId, content: 'on A' });
    await cb.call('p2p/send', { to: h.agentId, content: 'on A' });
    await waitFor(() => seenA.length === 1 && seenH.length === 1, 'the first pushes, from A');
    const inboxA = `agent:${a.agentId}`;
    const inboxH = `agent:${h.agentId}`;
    const startA = ca.cursors[inboxA]!;
    const startH = ch.cursors[inboxH]!;
    const epoch = ca.epoch;

    await cb.close();
    await hubA.close();
    hubA = null;
    await waitFor(() => ca.state !== 'connected' && ch.state !== 'connected', 'both clients lose A');

    const hubB = await hub({ dbPath: undefined, dataDir: dir.path, port: portB });
    cleanups.push(() => hubB.close());
    expect(hubB.epoch).toBe(epoch);
    cb = client(urlB, b);
    await cb.connect();
    for (let i = 0; i < 5; i++) {
      await cb.call('p2p/send', { to: a.agentId, content: `on B ${i}` });
      await cb.call('p2p/send', { to: h.agentId, content: `on B ${i}` });
    }

    await waitFor(() => seenA.length >= 6 && seenH.length >= 6, 'the pushes sent through B', 30_000);
    await sleep(300);
    expect(ca.url).toBe(urlB);
    expect(ch.url).toBe(urlB);
    expect(ca.epoch).toBe(epoch);
    const content = (p: PushFrame): string => (p.data as { content: string }).content;
    for (const [seen, stream, start] of [
      [seenA, inboxA, startA],
      [seenH, inboxH, startH],
    ] as const) {
      expect(seen.slice(1).map((p) => [p.stream, p.seq])).toEqual(Array.from({ length: 5 }, (_, i) => [stream, start + 1 + i]));
      expect(seen.slice(1).map(content)).toEqual(['on B 0', 'on B 1', 'on B 2', 'on B 3', 'on B 4']);
    }
    expect(gaps).toEqual([]);

    // A plain request after failover is answered (A is gone: it can only be B), over both transports.
    expect((await ca.call('agent/whoami', {})).agent_id).toBe(a.agentId);
    expect((await ch.call('agent/whoami', {})).agent_id).toBe(h.agentId);
    expect(ch.transport).toBe('http');
  }, 60_000);

  it('with reconnect disabled, connect() still tries each hub of the list once', async () => {
    const h = await hub();
    cleanups.push(() => h.close());
    const dead = `http://127.0.0.1:${await reservePort()}`;
    const id = await agent(h.url);
    const c = client([dead, h.url], id, { reconnect: { enabled: false } });
    c.on('error', () => undefined);
    await c.connect();
    expect(c.url).toBe(h.url);

    const alone = client([dead], id, { reconnect: { enabled: false } });
    alone.on('error', () => undefined);
    await expect(alone.connect()).rejects.toThrow(/reconnect is disabled/);
  }, 30_000);

  it('register and requestToken pass over an unreachable hub to the next of the list', async () => {
    const h = await hub();
    cleanups.push(() => h.close());
    const dead = `http://127.0.0.1:${await reservePort()}`;
    const id = createIdentity();
    const res = await register([dead, h.url], id, { name: 'listed' });
    expect(res.agent_id).toBe(id.agentId);
    await expect(register([dead], createIdentity())).rejects.toMatchObject({ code: 'unavailable' });
  }, 30_000);
});
