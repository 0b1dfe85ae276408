import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, connectAgent, ok, postJson, register, rpc, startTestHub, uid } from './helpers.js';

/** After every abuse, a fresh client must still be served by the same hub. */
async function stillServes(hub: RunningHub) {
  const { agent, client } = await connectAgent(hub);
  expect(ok(await client.call(agent.agentId, 'agent/whoami'))).toMatchObject({ agent_id: agent.agentId });
  client.close();
}

describe('bad input', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ maxFrameBytes: 64 * 1024 });
  });
  afterAll(() => hub.close());

  it('answers junk frames with error frames and keeps the connection open', async () => {
    const { agent, client } = await connectAgent(hub);
    const junk: unknown[] = [
      'not json at all',
      '{"unterminated": ',
      '42',
      '"a string"',
      'null',
      '[1,2,3]',
      { type: 'bogus' },
      { type: 'auth', agent_id: agent.agentId, token: agent.token },
      { type: 'ack', cursors: 'nope' },
      { agent_id: agent.agentId, params: { action: 'agent/whoami' } }, // no u_id
      { agent_id: agent.agentId, u_id: '', params: { action: 'agent/whoami' } }, // empty u_id
      { agent_id: agent.agentId, u_id: 'x'.repeat(129), params: { action: 'agent/whoami' } }, // u_id too long
      { agent_id: agent.agentId, u_id: 7, params: { action: 'agent/whoami' } },
    ];
    for (const j of junk) {
      const before = client.frames.length;
      client.send(j);
      const f = await client.waitUntil(() => client.frames.slice(before).find((x) => x.type === 'error'), 5000, `error for ${JSON.stringify(j)}`);
      expect(f).toMatchObject({ type: 'error', content: { code: 'bad_request' } });
      expect(typeof (f.content as { error: string }).error).toBe('string');
    }
    expect(client.closeCode).toBeNull();
    expect(ok(await client.call(agent.agentId, 'agent/whoami'))).toMatchObject({ agent_id: agent.agentId });
    client.close();
    await stillServes(hub);
  });

  it('answers a bad envelope that has a usable u_id with a response envelope', async () => {
    const { agent, client } = await connectAgent(hub);
    for (const env of [
      { agent_id: agent.agentId, u_id: uid() },
      { agent_id: agent.agentId, u_id: uid(), params: 'x' },
      { agent_id: agent.agentId, u_id: uid(), params: { params: {} } },
      { u_id: uid(), params: { action: 'agent/whoami' } },
    ]) {
      client.send(env);
      const f = await client.waitFrame((x) => x.u_id === env.u_id);
      expect(f).toMatchObject({ u_id: env.u_id, status: 'error', content: { code: 'bad_request' } });
    }
    client.close();
    await stillServes(hub);
  });

  it('unknown action and invalid params', async () => {
    const { agent, client } = await connectAgent(hub);
    const unknown = await client.call(agent.agentId, 'nope/never', {});
    expect(unknown).toMatchObject({ agent_id: agent.agentId, status: 'error', content: { code: 'unknown_action' } });

    const bad = await client.call(agent.agentId, 'p2p/send', { to: 'someone', content: '' });
    expect(bad).toMatchObject({ status: 'error', content: { code: 'invalid_params' } });
    const content = bad.content as { error: string; details: { issues: Array<{ path: string }> } };
    expect(content.error).toMatch(/to/);
    expect(content.details.issues.map((i) => i.path).sort()).toEqual(['content', 'to']);

    const extra = await client.call(agent.agentId, 'agent/whoami', { surprise: 1 });
    expect(extra).toMatchObject({ status: 'error', content: { code: 'invalid_params' } });
    const notObject = await client.call(agent.agentId, 'agent/get', 5);
    expect(notObject).toMatchObject({ status: 'error', content: { code: 'invalid_params' } });
    // Missing params means {}.
    expect(ok(await client.call(agent.agentId, 'agent/whoami'))).toMatchObject({ agent_id: agent.agentId });
    expect(ok(await client.call(agent.agentId, 'agent/get', { agent_id: agent.agentId }))).toMatchObject({ agent_id: agent.agentId });
    const missing = await client.call(agent.agentId, 'agent/get', { agent_id: 'agt_' + 'a'.repeat(32) });
    expect(missing).toMatchObject({ status: 'error', content: { code: 'not_found' } });
    client.close();
    await stillServes(hub);
  });

  it('closes an oversize frame with 1009 and survives', async () => {
    const { agent, client } = await connectAgent(hub);
    client.send({ agent_id: agent.agentId, u_id: uid(), params: { action: 'p2p/send', params: { to: agent.agentId, content: 'x'.repeat(70 * 1024) } } });
    expect(await client.waitClose()).toBe(1009);
    await stillServes(hub);
  });

  it('refuses an oversize HTTP body with 413 and bad bodies with 400', async () => {
    const a = await register(hub);
    const big = await postJson(`${hub.url}/v1/rpc`, { agent_id: a.agentId, u_id: uid(), params: { action: 'agent/whoami', params: { pad: 'x'.repeat(70 * 1024) } } }, { authorization: `Bearer ${a.token}` });
    expect(big).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
    const bigReg = await postJson(`${hub.url}/v1/agents/register`, { pad: 'x'.repeat(70 * 1024) });
    expect(bigReg).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
    for (const body of ['{"broken', '[]', '{}', '{"agent_id":"x"}']) {
      const r = await postJson(`${hub.url}/v1/rpc`, body, { authorization: `Bearer ${a.token}` });
      expect(r.status, body).toBe(400);
      expect((r.body as Frame).code).toBe('bad_request');
    }
    expect(ok((await rpc(hub, a, 'agent/whoami')).body)).toMatchObject({ agent_id: a.agentId });
    await stillServes(hub);
  });

  it('a garbage page cursor is invalid_params, without internals in the answer', async () => {
    const { agent, client } = await connectAgent(hub);
    const r = await client.call(agent.agentId, 'topic/list', { cursor: 'garbage!' });
    expect(r).toMatchObject({ status: 'error', content: { code: 'invalid_params' } });
    expect(JSON.stringify(r)).not.toMatch(/at .*\.ts/);
    client.close();
  });
});
