import { generateKeyPair } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { TestCluster } from './cluster/harness.js';
import { nowS, startTestHub, tempDir } from './helpers.js';
import { jujiConnect, jujiOpen, jujiRegister, jujiUrl } from './juji-client.js';

// The Juji edge's state lives in the database: aliases survive restarts, and
// the (agent, ts) of a live session is refused on another hub sharing it.
describe('juji edge: aliases across restarts', () => {
  it('keeps an agent its alias and its ws_token after a restart', async () => {
    const { dir, cleanup } = tempDir();
    try {
      let hub: RunningHub = await startTestHub({ juji: true, dataDir: dir, dbPath: undefined });
      const keys = generateKeyPair();
      const a = await jujiRegister(hub, keys, 'keeper');
      const b = await jujiRegister(hub, generateKeyPair());
      await hub.close();
      hub = await startTestHub({ juji: true, dataDir: dir, dbPath: undefined });
      try {
        // The token issued before the restart still connects, as the same integer id.
        const s = await jujiConnect(hub, a);
        expect((await s.call(a.alias, 'agent/get', { agent_id: a.alias })).content).toMatchObject({ agent_id: a.alias, name: 'keeper' });
        await s.close();
        expect((await jujiRegister(hub, keys)).alias).toBe(a.alias);
        const c = await jujiRegister(hub, generateKeyPair());
        expect(new Set([a.alias, b.alias, c.alias]).size).toBe(3);
      } finally {
        await hub.close();
      }
    } finally {
      cleanup();
    }
  });
});

const run = process.env.PARLEY_TEST_STORE === 'postgres' ? describe : describe.skip;

run('juji edge: several hubs sharing a database', () => {
  let cluster: TestCluster;
  let hubs: RunningHub[];
  beforeAll(async () => {
    cluster = await TestCluster.create({ juji: true });
    hubs = [await cluster.start()];
    hubs.push(await cluster.start({ autoMigrate: false }));
  });
  afterAll(() => cluster.close());

  it('gives one alias per agent whichever hub registers it, and distinct ones to concurrent registrations', async () => {
    const keys = generateKeyPair();
    const a0 = await jujiRegister(hubs[0]!, keys);
    const a1 = await jujiRegister(hubs[1]!, keys);
    expect(a1.alias).toBe(a0.alias);
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => jujiRegister(hubs[i % 2]!, generateKeyPair())));
    expect(new Set(many.map((m) => m.alias)).size).toBe(8);
  });

  it("refuses on one hub the (agent, ts) of a session live on another, and takes it once that session closed", async () => {
    const a = await jujiRegister(hubs[0]!, generateKeyPair());
    const ts = nowS();
    const live = await jujiConnect(hubs[0]!, a, ts);
    const replay = await jujiOpen(jujiUrl(hubs[1]!, a, ts));
    expect(await replay.closed()).toBe(4401);
    live.ws.send('ping');
    expect(await live.next()).toEqual({ type: 'pong' });
    await live.close();
    const next = await jujiConnect(hubs[1]!, a, ts);
    expect((await next.call(a.alias, 'task/list', {})).status).toBe('success');
    await next.close();
  });
});
