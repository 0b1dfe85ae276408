import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '@parley/hub';
import { ParleyError } from '../src/errors.js';
import { agent, client, closeClients, hub as startHub } from './helpers/env.js';

describe('idempotency keys', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(async () => {
    await closeClients();
    // Right after an HTTP client closed: this used to hang for Fastify's 72 s keep-alive timeout.
    await hub.close();
  });

  it('a call repeated with the same key runs once and answers the same, even from another client', async () => {
    const alice = await agent(hub.url, 'alice');
    const bob = await agent(hub.url, 'bob');
    const first = client(hub.url, alice);
    await first.connect();
    const a = await first.p2p.send({ to: bob.agentId, content: 'only once' }, { idempotencyKey: 'reply:msg_42' });
    const again = await first.p2p.send({ to: bob.agentId, content: 'only once' }, { idempotencyKey: 'reply:msg_42' });
    expect(again).toEqual(a);
    // A restarted process is another client with the same identity: still one message.
    const second = client(hub.url, alice, { transports: ['http'] });
    await second.connect();
    expect(await second.p2p.send({ to: bob.agentId, content: 'only once' }, { idempotencyKey: 'reply:msg_42' })).toEqual(a);
    const history = await first.p2p.history({ with: bob.agentId });
    expect(history.messages.map((m) => m.message_id)).toEqual([a.message_id]);
  });

  it('refuses a key already in flight on this client, and a key of the wrong length', async () => {
    const alice = await agent(hub.url);
    const c = client(hub.url, alice);
    await c.connect();
    const inFlight = c.agents.whoami({}, { idempotencyKey: 'same' });
    const clash = await c.agents.whoami({}, { idempotencyKey: 'same' }).catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(ParleyError);
    expect((clash as ParleyError).code).toBe('conflict');
    await expect(inFlight).resolves.toMatchObject({ agent_id: alice.agentId });
    await expect(c.agents.whoami({}, { idempotencyKey: '' })).rejects.toThrow(/1-128/);
    await expect(c.agents.whoami({}, { idempotencyKey: 'x'.repeat(129) })).rejects.toThrow(/1-128/);
  });
});
