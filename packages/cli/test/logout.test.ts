import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveProcess, runCli, startTestHub, tempDir } from './helpers.js';

let hub: LiveProcess;
let url: string;
const home = tempDir('logout');
const env = () => ({ PARLEY_HOME: home, PARLEY_URL: url });

beforeAll(async () => {
  ({ hub, url } = await startTestHub());
});

afterAll(async () => {
  await hub.stop('SIGTERM');
});

/** Whether a bearer token still works on the hub. */
async function works(token: string, agentId: string): Promise<boolean> {
  const res = await fetch(`${url}/v1/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ agent_id: agentId, u_id: `u-${Math.random()}`, params: { action: 'agent/whoami' } }),
  });
  return res.status === 200;
}

describe('parley logout', () => {
  it('revokes one token with --token, and every token of the agent without', async () => {
    const first = await runCli(['register', '--json'], env());
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as { agent_id: string; token: string };
    const second = await runCli(['register', '--json'], env());
    const b = JSON.parse(second.stdout) as { token: string };
    expect(await works(a.token, a.agent_id)).toBe(true);

    const one = await runCli(['logout', '--token', a.token], env());
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.trim()).toBe('revoked 1 token');
    expect(await works(a.token, a.agent_id)).toBe(false);
    expect(await works(b.token, a.agent_id)).toBe(true);

    const all = await runCli(['logout', '--json'], env());
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({ revoked: 1 });
    expect(await works(b.token, a.agent_id)).toBe(false);
    // The key still works: the CLI signs in with it.
    const who = await runCli(['whoami', '--json'], env());
    expect(JSON.parse(who.stdout)).toMatchObject({ agent_id: a.agent_id });
  });
});
