import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyCreated } from '@parley/protocol';
import type { RunningHub } from '../src/index.js';
import { asKey, claimedAgent } from './account-client.js';
import { TestCluster } from './cluster/harness.js';
import { ok, RawClient, rpc } from './helpers.js';

// Several hubs need PostgreSQL and Redis: this file runs in the PostgreSQL pass only (see cluster.test.ts).
const run = process.env.PARLEY_TEST_STORE === 'postgres' ? describe : describe.skip;

run('account: keys across hubs', () => {
  let cluster: TestCluster;
  let hubs: RunningHub[];
  beforeAll(async () => {
    cluster = await TestCluster.create();
    hubs = [await cluster.start()];
    hubs.push(await cluster.start({ autoMigrate: false }));
  });
  afterAll(() => cluster.close());

  it('a key revoked on one hub closes the session it opened on another (4401), and is refused there', async () => {
    const { agent, human } = await claimedAgent(hubs[0]!);
    const key = (await human.post<ApiKeyCreated>('/v1/account/agents/:agent_id/keys', { agent_id: agent.agentId }, { name: 'roaming' })).body;
    const ws = RawClient.connect(hubs[1]!);
    await ws.challenge();
    ws.send({ type: 'auth', agent_id: agent.agentId, token: key.key });
    await ws.waitFrame((f) => f.type === 'connected');
    expect(ok(await ws.call(agent.agentId, 'agent/whoami'))).toMatchObject({ agent_id: agent.agentId });
    expect((await human.del('/v1/account/agents/:agent_id/keys/:key_id', { agent_id: agent.agentId, key_id: key.key_id })).status).toBe(204);
    expect(await ws.waitClose(10_000)).toBe(4401);
    expect((await rpc(hubs[1]!, asKey(agent, key.key), 'agent/whoami')).status).toBe(401);
  });
});
