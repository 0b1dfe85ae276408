import { describe, expect, it } from 'vitest';
import type { ParleyError } from '@parley/client';
import { until, useBotScene } from './harness.js';

/**
 * The bot serves text.reverse@1.0.0 in the hub's service registry, backed by
 * its text.reverse capability's work, and answers calls made through a real
 * hub; a restarted bot serves again, and a bot that is gone leaves callers a
 * clear "none online".
 */
describe('example bot: a service in the registry', () => {
  const scene = useBotScene('parley-bot-services-', { services: ['text.reverse@1.0.0'] });

  it('registers text.reverse@1.0.0 and answers its calls with the brain', async () => {
    const bot = await scene.bot();
    const { client: alice } = await scene.agent('alice');
    const got = await alice.services.get({ name: 'text.reverse' });
    expect(got.service).toMatchObject({ name: 'text.reverse', version: '1.0.0', instances: 1, online: 1 });
    expect(got.instances.map((i) => i.owner_id)).toEqual([bot.agentId]);

    const result = await alice.services.call({ name: 'text.reverse', input: { text: 'hello parley' } });
    expect(result).toMatchObject({ output: { text: 'yelrap olleh' }, served_by: bot.agentId, via: 'agent', version: '1.0.0' });
    // The schema is the hub's: a call the bot could not read never reaches it.
    const bad = await alice.services.call({ name: 'text.reverse', input: { words: 'x' } }).catch((e: unknown) => e as ParleyError);
    expect((bad as ParleyError).code).toBe('invalid_params');
    await until('the call logged', () => scene.lines.some((l) => l === `answered a call of text.reverse from ${alice.agentId}`));
    expect(scene.lines.filter((l) => l.startsWith('answered a call of'))).toHaveLength(1);
    // The delegation behaviour leaves service calls alone: nothing declined them.
    expect(scene.lines.filter((l) => l.includes('declined'))).toEqual([]);

    // Gone: callers are told no instance is online; back: it serves again.
    await bot.close();
    const none = await until('the bot to be offline', async () => {
      const e = await alice.services.call({ name: 'text.reverse', input: { text: 'x' } }).catch((err: unknown) => err as ParleyError);
      return (e as ParleyError).code === 'unavailable' ? (e as ParleyError) : undefined;
    });
    expect(none.message).toMatch(/no instance of text\.reverse@1\.0\.0 is online/);
    const again = await scene.bot();
    expect(again.agentId).toBe(bot.agentId);
    expect((await alice.services.call({ name: 'text.reverse', input: { text: 'abc' } })).output).toEqual({ text: 'cba' });
  });

  it('refuses to start with a service that is not name@version', async () => {
    await expect(scene.bot(undefined, { services: ['text.reverse'] })).rejects.toThrow(/name>@<version>/);
  });
});
