// The agent's side of people through the plugin: "/parley bind", "@parley
// bind", "owners" and the parley_account tool, against a real hub.
import { AccountClient } from '@parley/client';
import type { RunningHub } from '@parley/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyPluginRuntime } from '../src/plugin.js';
import { gatewayWithPlugin, startTestHub, tempDir, toolOk, waitFor, type FakeGateway } from './fake-openclaw.js';

let hub: RunningHub;
let dir: { path: string; remove: () => Promise<void> };
let gw: FakeGateway;
let runtime: ParleyPluginRuntime;

beforeAll(async () => {
  hub = await startTestHub();
  dir = await tempDir();
  ({ gw, runtime } = gatewayWithPlugin({ hubUrl: hub.url, agentName: 'alice' }, dir.path));
  await gw.startServices();
  await waitFor(() => runtime.connection?.state === 'connected', 'the plugin to connect');
});

afterAll(async () => {
  await gw?.stopServices();
  await hub?.close();
  await dir?.remove();
});

const CODE = /^Claim code: (PARLEY-CLAIM-[A-Z2-7]{8})$/m;

describe('bind and owners', () => {
  it('"/parley bind" and "@parley bind" print a claim code, its expiry and the console URL; each replaces the last', async () => {
    const slash = await gw.slash('bind');
    const first = CODE.exec(slash)?.[1];
    expect(first, slash).toBeDefined();
    expect(slash).toContain('expires in 15 minutes');
    expect(slash).toContain(`${hub.url.replace('127.0.0.1', 'localhost')}/console`);
    const said = await gw.say('@parley bind');
    expect(said).toMatchObject({ handled: true });
    const second = CODE.exec(said!.text ?? '')?.[1];
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
  });

  it('"owners" says how to bind while no human owns the agent, in the prefix the user typed', async () => {
    expect(await gw.slash('owners')).toBe('No human is bound to this agent yet: send "/parley bind" to get a claim code.');
    expect((await gw.say('@parley owners'))!.text).toBe('No human is bound to this agent yet: send "@parley bind" to get a claim code.');
  });

  it('the parley_account tool: claim_code and owners', async () => {
    const code = await toolOk(gw, 'parley_account', { op: 'claim_code' });
    expect(code.text).toMatch(CODE);
    expect(code.text).toContain(`${hub.url.replace('127.0.0.1', 'localhost')}/console`);
    const owners = await toolOk(gw, 'parley_account', { op: 'owners' });
    expect(owners.text).toBe('No human is bound to this agent yet: use the claim_code op to get a claim code.');
  });

  it('once a human entered the code in the console, "owners" and the tool name them', async () => {
    const code = CODE.exec(await gw.slash('bind'))![1]!;
    const human = new AccountClient({ url: hub.url });
    await human.signup({ email: `oc-${Date.now()}@example.test`, password: 'correct horse battery', display_name: 'Ada' });
    const bound = await human.claim(code);
    expect(bound.agent_id).toBe(runtime.connection!.agentId);
    expect(await gw.slash('owners')).toMatch(/^- Ada \(primary owner, by claim code, since \d{4}-/);
    expect((await toolOk(gw, 'parley_account', { op: 'owners' })).text).toMatch(/^- Ada \(primary owner, by claim code/);
  });
});
