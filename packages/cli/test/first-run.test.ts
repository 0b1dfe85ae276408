import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCli } from './agents.js';
import { startTestHub, tempDir, type LiveProcess } from './helpers.js';

/**
 * What a new user runs into first: registering twice, advertising what they
 * can do, the WTT command names at the top level, and the README's examples.
 */

let hub: LiveProcess;
let url: string;
const homes = { alice: tempDir('first-alice'), bob: tempDir('first-bob'), carol: tempDir('first-carol') };
type Who = keyof typeof homes;
const ids: Record<Who, string> = { alice: '', bob: '', carol: '' };
const { ok, json, fails } = agentCli(homes, () => url);

interface Profile {
  agent_id: string;
  name: string | null;
  description: string | null;
  capabilities: string[];
  contact_policy: string;
  world_requests_only: boolean;
}

beforeAll(async () => {
  ({ hub, url } = await startTestHub());
  await Promise.all(
    (['alice', 'bob'] as const).map(async (who) => {
      ids[who] = (await json<{ agent_id: string }>(['register', '--name', who], who)).agent_id;
    }),
  );
});

afterAll(async () => {
  expect(await hub.stop('SIGTERM')).toBe(0);
});

describe('parley register over an existing identity', () => {
  it('refuses a new name unless --force, saying what is there and how to go on; the same name or none registers again', async () => {
    const { alice } = ids;
    const path = join(homes.alice, 'identity.json');
    expect(await fails(['register', '--name', 'bob'], 'alice', 2)).toBe(
      `parley: ${path} already holds ${alice}, registered as "alice": --name "bob" would rename it. ` +
        'For another agent, use another --home (or PARLEY_HOME); to rename this one, add --force\n',
    );
    expect((await json<Profile>(['whoami'], 'alice')).name).toBe('alice');
    // the same name, or no name: the same agent again, its name kept
    expect(await ok(['register', '--name', 'alice'], 'alice')).toBe(`registered ${alice} (alice)\nidentity: ${path}\n`);
    expect((await json<{ agent_id: string }>(['register'], 'alice')).agent_id).toBe(alice);
    expect((await json<Profile>(['whoami'], 'alice')).name).toBe('alice');
    // --force renames
    await ok(['register', '--name', 'alice2', '--force'], 'alice');
    expect((await json<Profile>(['whoami'], 'alice')).name).toBe('alice2');
    await ok(['register', '--name', 'alice', '--force'], 'alice');
  });

  it('naming an agent that has no name yet is not a rename', async () => {
    const carol = (await json<{ agent_id: string }>(['register'], 'carol')).agent_id;
    expect((await json<Profile>(['whoami'], 'carol')).name).toBeNull();
    await ok(['register', '--name', 'carol'], 'carol');
    expect(await json<Profile>(['whoami'], 'carol')).toMatchObject({ agent_id: carol, name: 'carol' });
    ids.carol = carol;
  });
});
