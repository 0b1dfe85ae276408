import { join } from 'node:path';
import { ParleyClient } from '@parley/client';
import { loadIdentity } from '@parley/client/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCli } from './agents.js';
import { type LiveProcess, startTestHub, tempDir } from './helpers.js';

/**
 * The service registry through the CLI, on a real hub: bob registers
 * text.reverse with a schema and serves it from a client (as a bot would);
 * alice lists, reads and calls it; bad input, an unknown service and a
 * service nobody serves fail with one line and the right exit code.
 */

let hub: LiveProcess;
let url: string;
const homes = { alice: tempDir('alice'), bob: tempDir('bob') };
type Who = keyof typeof homes;
const cli = agentCli(homes, () => url);
const { ok, json, fails } = cli;
const ids: Record<Who, string> = { alice: '', bob: '' };
const SCHEMA = '{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}';

beforeAll(async () => {
  ({ hub, url } = await startTestHub());
  for (const who of Object.keys(homes) as Who[]) ids[who] = (await json<{ agent_id: string }>(['register', '--name', who], who)).agent_id;
});

afterAll(async () => {
  expect(await hub.stop('SIGTERM')).toBe(0);
});

describe('parley service', () => {
  it('registers, lists, gets, calls and unregisters', async () => {
    expect(await ok(['service', 'register', 'text.reverse', '1.0.0', '-d', 'Reverses text', '-s', SCHEMA], 'bob')).toBe(
      // Online while bob's command is connected; not once it exits.
      'registered your instance of text.reverse@1.0.0 (1 instance, 1 online)\n',
    );
    // Nobody serves it now: bob is not connected.
    expect(await fails(['service', 'call', 'text.reverse', '{"text":"abc"}'], 'alice', 1)).toMatch(/unavailable: no instance of text\.reverse@1\.0\.0 is online/);

    const worker = new ParleyClient({ url, identity: await loadIdentity(join(homes.bob, 'identity.json')), reconnect: { enabled: false } });
    await worker.connect();
    try {
      const served = worker.services.serve('text.reverse', '1.0.0', (input) => [...(input as { text: string }).text].reverse().join(''), {
        description: 'Reverses text',
        paramsSchema: JSON.parse(SCHEMA) as Record<string, unknown>,
      });
      await served.registered;
      const listed = await ok(['service', 'list', '-q', 'reverses'], 'alice');
      expect(listed).toMatch(/^SERVICE\s+ONLINE\s+DESCRIPTION\n[- ]+\ntext\.reverse@1\.0\.0\s+1\/1\s+Reverses text\n$/);
      const got = await ok(['service', 'get', 'text.reverse'], 'alice');
      expect(got).toContain(`text.reverse@1.0.0: Reverses text\n  defined by ${ids.bob}`);
      expect(got).toMatch(new RegExp(`${ids.bob}\\s+yes\\s+its agent`));

      expect(await ok(['service', 'call', 'text.reverse', '{"text":"parley"}'], 'alice')).toBe('yelrap\n');
      const full = await json<{ output: unknown; served_by: string; via: string }>(['service', 'call', 'text.reverse@1.0.0', '-'], 'alice', '{"text":"ab"}');
      expect(full).toMatchObject({ output: 'ba', served_by: ids.bob, via: 'agent' });
      expect(await fails(['service', 'call', 'text.reverse', '{"txt":"x"}'], 'alice', 1)).toMatch(/invalid_params: input does not match the params_schema/);
      expect(await fails(['service', 'call', 'text.reverse', 'not json'], 'alice', 2)).toMatch(/not valid JSON/);
      expect(await fails(['service', 'call', 'no.such', '{}'], 'alice', 1)).toMatch(/not_found: service no\.such not found/);
      expect(await fails(['service', 'call', 'text.reverse@2.0.0', '{"text":"x"}'], 'alice', 1)).toMatch(/not_found: service text\.reverse@2\.0\.0 not found/);
      await served.stop();
    } finally {
      await worker.close();
    }
    expect(await ok(['service', 'unregister', 'text.reverse', '1.0.0'], 'alice')).toBe('you held no instance of text.reverse@1.0.0\n');
    expect(await ok(['service', 'unregister', 'text.reverse', '1.0.0'], 'bob')).toBe('unregistered your instance of text.reverse@1.0.0\n');
    expect(await ok(['service', 'list'], 'alice')).toBe('no services\n');
  });

  it('refuses a schema that is not an object, and an endpoint the hub does not allow', async () => {
    expect(await fails(['service', 'register', 'x', '1.0.0', '-d', 'd', '-s', '[1]'], 'alice', 2)).toMatch(/--schema must be a JSON object/);
    expect(await fails(['service', 'register', 'x', '1.0.0', '-d', 'd', '-e', 'http://127.0.0.1:9/x'], 'alice', 1)).toMatch(/forbidden: this hub calls no service endpoints/);
  });
});
