// The service registry through the plugin: the parley_services tool and the
// "/parley service" commands against a real hub, with bob serving
// text.reverse from his client (client.services.serve).
import type { RunningHub } from '@parley/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peer, pluginAgent, startTestHub, toolFails, toolOk, type Peer, type PluginAgent } from './fake-openclaw.js';

let hub: RunningHub;
let plugin: PluginAgent;
let bob: Peer;

beforeAll(async () => {
  hub = await startTestHub();
  plugin = await pluginAgent(hub.url, 'alice');
  bob = await peer(hub.url, 'bob');
  const served = bob.client.services.serve('text.reverse', '1.0.0', (input) => ({ text: [...(input as { text: string }).text].reverse().join('') }), {
    description: 'Reverses text',
    paramsSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
  });
  await served.registered;
  // Carol registers a service and leaves: nobody serves it.
  const carol = await peer(hub.url, 'carol');
  await carol.client.call('service/register', { name: 'nobody.home', version: '0.1.0', description: 'Registered, never served' });
  await carol.client.close();
});

afterAll(async () => {
  await plugin?.stop();
  await bob?.client.close();
  await hub?.close();
});

const slash = (line: string) => plugin.gw.slash(line);

describe('parley_services tool', () => {
  it('lists with online counts, gets the schema, calls and gets the answer', async () => {
    const list = await toolOk(plugin.gw, 'parley_services', { op: 'list', q: 'reverses' });
    expect(list.text).toBe('- text.reverse@1.0.0 (1 of 1 instance online): Reverses text');
    const got = await toolOk(plugin.gw, 'parley_services', { op: 'get', name: 'text.reverse' });
    expect(got.text).toContain('Service text.reverse@1.0.0: Reverses text');
    expect(got.text).toContain('"required":["text"]');
    expect(got.text).toContain(`- ${bob.identity.agentId}: online, served by its agent`);
    const called = await toolOk(plugin.gw, 'parley_services', { op: 'call', name: 'text.reverse', input: { text: 'parley' } });
    expect(called.text).toMatch(new RegExp(`^text\\.reverse@1\\.0\\.0 answered \\(by ${bob.identity.agentId}, \\d+ ms\\):\\n  \\{"text":"yelrap"\\}$`));
    expect((await toolFails(plugin.gw, 'parley_services', { op: 'call', name: 'text.reverse', input: { text: 1 } })).code).toBe('invalid_params');
    expect((await toolFails(plugin.gw, 'parley_services', { op: 'call', name: 'nobody.home', input: {} })).code).toBe('unavailable');
    expect((await toolFails(plugin.gw, 'parley_services', { op: 'get', name: 'no.such' })).code).toBe('not_found');
  });
});

describe('/parley service', () => {
  it('list, get and call', async () => {
    expect(await slash('service list')).toBe(
      ['- nobody.home@0.1.0 (0 of 1 instance online): Registered, never served', '- text.reverse@1.0.0 (1 of 1 instance online): Reverses text'].join('\n'),
    );
    expect(await slash('service list reverse --limit 1')).toBe('- text.reverse@1.0.0 (1 of 1 instance online): Reverses text');
    expect(await slash('service get text.reverse@1.0.0')).toContain(
      // As the hub keeps it: keys sorted.
      'Input schema: {"additionalProperties":false,"properties":{"text":{"type":"string"}},"required":["text"],"type":"object"}',
    );
    expect(await slash('service call text.reverse {"text": "abc"}')).toMatch(/^text\.reverse@1\.0\.0 answered \(by agt_\w+, \d+ ms\):\n {2}\{"text":"cba"\}$/);
    expect(await slash('service call nobody.home {}')).toMatch(/no instance of nobody\.home@0\.1\.0 is online/);
    expect(await slash('service call text.reverse {} --timeout 5m')).toMatch(/at most 2m/);
  });
});
