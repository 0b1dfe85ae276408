import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { TestCluster } from './cluster/harness.js';
import { connectAgent, ok, register, rpc, type Frame } from './helpers.js';

// Service calls across several hubs (PostgreSQL and Redis, as cluster.test.ts):
// the caller's hub waits for the delegated request's stored result while the
// worker answers on another hub. The caller uses HTTP (/v1/rpc), so it has no
// session anywhere: only the wait itself makes its hub hear the result's push.
const run = process.env.PARLEY_TEST_STORE === 'postgres' ? describe : describe.skip;

interface RequestPush {
  request_id: string;
  capability: string;
  input: { text: string };
}

run('service calls across hubs', () => {
  let cluster: TestCluster;
  let hubs: RunningHub[];
  beforeAll(async () => {
    cluster = await TestCluster.create({ rateLimit: false });
    hubs = [await cluster.start()];
    hubs.push(await cluster.start({ autoMigrate: false }), await cluster.start({ autoMigrate: false }));
  });
  afterAll(() => cluster.close());

  const answerNext = async (w: Awaited<ReturnType<typeof connectAgent>>): Promise<RequestPush> => {
    const f = await w.client.waitFrame((x) => x.type === 'push' && x.event === 'delegate.request', 15_000, 'delegate.request');
    const req = f.data as RequestPush;
    ok(await w.client.call(w.agent.agentId, 'delegate/respond', { request_id: req.request_id, output: { text: [...req.input.text].reverse().join('') } }));
    return req;
  };

  it('a call made over HTTP on one hub is answered by a worker connected to another', async () => {
    const worker = await connectAgent(hubs[1]!);
    const name = `x.reverse.${process.pid}`;
    ok(await worker.client.call(worker.agent.agentId, 'service/register', { name, version: '1.0.0', description: 'reverses', params_schema: { type: 'object' } }));
    const caller = await register(hubs[0]!);
    const pending = rpc(hubs[0]!, caller, 'service/call', { name, input: { text: 'across' }, timeout_ms: 20_000 });
    const req = await answerNext(worker);
    expect(req.capability).toBe(`service:${name}@1.0.0`);
    const res = (await pending).body as Frame;
    expect(ok(res)).toMatchObject({ output: { text: 'ssorca' }, served_by: worker.agent.agentId, via: 'agent', attempts: 1 });
    worker.client.close();
  });

  it('fails over to an instance on a third hub when the first worker drops', async () => {
    const w1 = await connectAgent(hubs[1]!);
    const w2 = await connectAgent(hubs[2]!);
    const name = `x.failover.${process.pid}`;
    for (const w of [w1, w2]) ok(await w.client.call(w.agent.agentId, 'service/register', { name, version: '1.0.0', description: 'reverses' }));
    const caller = await register(hubs[0]!);
    const pending = rpc(hubs[0]!, caller, 'service/call', { name, input: { text: 'abc' }, timeout_ms: 20_000 });
    // Whichever got it drops; the other answers the failover.
    const first = await Promise.race(
      [w1, w2].map(async (w) => {
        await w.client.waitFrame((x) => x.type === 'push' && x.event === 'delegate.request', 15_000, 'delegate.request');
        return w;
      }),
    );
    const second = first === w1 ? w2 : w1;
    first.client.close();
    await answerNext(second);
    expect(ok((await pending).body as Frame)).toMatchObject({ output: { text: 'cba' }, served_by: second.agent.agentId, attempts: 2 });
    second.client.close();
  });
});
