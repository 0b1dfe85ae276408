import { AccountClient } from '@parley/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveProcess, runCli, startTestHub, tempDir } from './helpers.js';

/** `parley bind` and `parley owners` against a real hub: the agent's side of claiming. */
let hub: LiveProcess;
let url: string;
const home = tempDir('people');
const env = () => ({ PARLEY_HOME: home, PARLEY_URL: url });

beforeAll(async () => {
  ({ hub, url } = await startTestHub());
  const r = await runCli(['register', '--name', 'bindable'], env());
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await hub.stop('SIGTERM');
});

describe('parley bind', () => {
  it('prints a claim code, its expiry in minutes and where to enter it; asking again gives another', async () => {
    const r = await runCli(['bind'], env());
    expect(r.code, r.stderr).toBe(0);
    const code = /^Claim code: (PARLEY-CLAIM-[A-Z2-7]{8})$/m.exec(r.stdout)?.[1];
    expect(code, r.stdout).toBeDefined();
    expect(r.stdout).toContain('expires in 15 minutes');
    expect(r.stdout).toContain(`${url.replace('127.0.0.1', 'localhost')}/console`);

    const j = await runCli(['bind', '--json'], env());
    expect(j.code, j.stderr).toBe(0);
    const res = JSON.parse(j.stdout) as { code: string; expires_at: string; ttl_seconds: number; console_url: string };
    expect(res.code).toMatch(/^PARLEY-CLAIM-[A-Z2-7]{8}$/);
    expect(res.code).not.toBe(code);
    expect(res.ttl_seconds).toBe(900);
    expect(Date.parse(res.expires_at) - Date.now()).toBeGreaterThan(14 * 60 * 1000);
    expect(res.console_url).toBe(`${url.replace('127.0.0.1', 'localhost')}/console`);
  });

  it('without an identity says to register first', async () => {
    const r = await runCli(['bind'], { PARLEY_HOME: tempDir('people-none'), PARLEY_URL: url });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('parley register');
  });
});

describe('parley owners', () => {
  it('says how to bind while no human owns the agent', async () => {
    const none = await runCli(['owners'], env());
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout.trim()).toBe('No human is bound to this agent yet: run "parley bind" to get a claim code.');
    const j = await runCli(['owners', '--json'], env());
    expect(JSON.parse(j.stdout)).toEqual({ owners: [] });
  });

  it('lists the human who entered the code, primary owner first', async () => {
    const { code } = JSON.parse((await runCli(['bind', '--json'], env())).stdout) as { code: string };
    const human = new AccountClient({ url });
    await human.signup({ email: `cli-${Date.now()}@example.test`, password: 'correct horse battery', display_name: 'Ada' });
    expect((await human.claim(code)).is_primary).toBe(true);
    const invite = await human.rotateInvite((await human.agents())[0]!.agent_id);
    const second = new AccountClient({ url });
    await second.signup({ email: `cli2-${Date.now()}@example.test`, password: 'correct horse battery', display_name: 'Grace' });
    await second.acceptInvite(invite.agent_id, invite.code);

    const r = await runCli(['owners'], env());
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^- Ada \(primary owner, by claim code, since \d{4}-\d\d-\d\dT/);
    expect(lines[1]).toMatch(/^- Grace \(owner, by invite code, since /);
    const j = JSON.parse((await runCli(['owners', '--json'], env())).stdout) as { owners: Array<{ display_name: string; is_primary: boolean; method: string }> };
    expect(j.owners.map((o) => [o.display_name, o.is_primary, o.method])).toEqual([
      ['Ada', true, 'claim'],
      ['Grace', false, 'invite'],
    ]);
  });
});
