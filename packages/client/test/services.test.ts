import type { RunningHub } from '@parley/hub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ParleyError } from '../src/errors.js';
import { agent, client, closeClients, hub, waitFor } from './helpers/env.js';

let n = 0;
const fresh = (base: string) => `${base}.${process.pid}.${++n}`;

describe('client.services.serve', () => {
  let h: RunningHub;
  beforeAll(async () => {
    h = await hub({ rateLimit: false });
  });
  afterEach(closeClients);
  afterAll(() => h.close());

  it('registers, answers calls once each, answers a throw with its message, and unregisters on stop', async () => {
    const worker = client(h.url, await agent(h.url, 'worker'));
    const caller = client(h.url, await agent(h.url, 'caller'));
    await Promise.all([worker.connect(), caller.connect()]);
    const name = fresh('text.reverse');
    const inputs: unknown[] = [];
    const served = worker.services.serve(
      name,
      '1.0.0',
      (input, ctx) => {
        inputs.push(input);
        expect(ctx.callerId).toBe(caller.agentId);
        const text = (input as { text: string }).text;
        if (text === 'boom') throw new Error('cannot reverse boom');
        return { text: [...text].reverse().join('') };
      },
      { description: 'Reverses text', paramsSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
    );
    expect((await served.registered).owner_id).toBe(worker.agentId);

    const result = await caller.services.call({ name, input: { text: 'parley' } });
    expect(result).toMatchObject({ output: { text: 'yelrap' }, served_by: worker.agentId, via: 'agent', version: '1.0.0' });
    const failed = await caller.services.call({ name, input: { text: 'boom' } }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ParleyError);
    expect((failed as ParleyError).code).toBe('conflict');
    expect((failed as ParleyError).message).toMatch(/cannot reverse boom/);
    // The schema is the hub's to enforce: the handler never sees a bad input.
    const bad = await caller.services.call({ name, input: { nope: 1 } }).catch((e: unknown) => e);
    expect((bad as ParleyError).code).toBe('invalid_params');
    expect(inputs).toEqual([{ text: 'parley' }, { text: 'boom' }]);

    const listed = await caller.services.list({ name });
    expect(listed.services).toHaveLength(1);
    expect(listed.services[0]).toMatchObject({ instances: 1, online: 1 });
    await served.stop({ unregister: true });
    const gone = await caller.services.get({ name }).catch((e: unknown) => e);
    expect((gone as ParleyError).code).toBe('not_found');
  });

  it('answers "busy" past its concurrency instead of leaving a call to time out', async () => {
    const worker = client(h.url, await agent(h.url, 'busy'));
    const caller = client(h.url, await agent(h.url, 'busy-caller'));
    await Promise.all([worker.connect(), caller.connect()]);
    const name = fresh('slow');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const served = worker.services.serve(
      name,
      '1.0.0',
      async () => {
        started++;
        await gate;
        return 'done';
      },
      { description: 'slow', concurrency: 1 },
    );
    await served.registered;
    const first = caller.services.call({ name, input: 1 });
    await waitFor(() => started === 1, 'the first call to start');
    const second = await caller.services.call({ name, input: 2 }).catch((e: unknown) => e as ParleyError);
    expect((second as ParleyError).code).toBe('conflict');
    expect((second as ParleyError).message).toMatch(/busy: 1 calls/);
    expect(served.active).toHaveLength(1);
    release();
    expect((await first).output).toBe('done');
    await served.stop();
    expect(served.active).toHaveLength(0);
  });

  it('rejects `registered` when the hub refuses the registration', async () => {
    const worker = client(h.url, await agent(h.url, 'refused'));
    await worker.connect();
    const errors: Error[] = [];
    const served = worker.services.serve(fresh('bad'), '1.0.0', () => null, {
      description: 'd',
      paramsSchema: { type: 'string', pattern: '(a+)+$' },
      onError: (err) => errors.push(err),
    });
    await expect(served.registered).rejects.toMatchObject({ code: 'invalid_params' });
    expect(errors).toHaveLength(1);
    await served.stop();
  });
});
