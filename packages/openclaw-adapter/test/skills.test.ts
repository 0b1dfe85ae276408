// The skill registry through the plugin: the parley_skills tool and the
// "/parley skill" commands against a real hub, and install into the agent's
// workspace (the service's, here OpenClaw's default folder in the state
// directory) with the client's safe unzip.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningHub } from '@parley/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peer, pluginAgent, startTestHub, toolFails, toolOk, type Peer, type PluginAgent } from './fake-openclaw.js';

let hub: RunningHub;
let plugin: PluginAgent;
let bob: Peer;
const BINARY = Buffer.from([1, 2, 3, 0, 255]);

beforeAll(async () => {
  hub = await startTestHub();
  plugin = await pluginAgent(hub.url, 'alice');
  bob = await peer(hub.url, 'bob');
  const skill = (version: string, description: string) => ({
    name: 'web-search',
    version,
    description,
    content: `---\nname: web-search\ndescription: ${description}\n---\n# Web search ${version}\n`,
    files: [
      { path: 'scripts/search.py', content: 'print("search")\n' },
      { path: 'logo.bin', content: BINARY.toString('base64'), encoding: 'base64' as const },
    ],
  });
  await bob.client.call('skill/publish', skill('1.9.0', 'Search the web'));
  await bob.client.call('skill/publish', skill('1.10.0', 'Search the web, faster'));
  await bob.client.call('skill/publish', skill('2.0.0-beta.1', 'Search the web, next'));
});

afterAll(async () => {
  await plugin?.stop();
  await bob?.client.close();
  await hub?.close();
});

const slash = (line: string) => plugin.gw.slash(line);
const skillsDir = () => join(plugin.gw.stateDir, 'workspace', 'skills');

describe('parley_skills tool', () => {
  it('lists, gets the latest release with its SKILL.md, and lists versions highest first', async () => {
    const list = await toolOk(plugin.gw, 'parley_skills', { op: 'list', q: 'faster' });
    expect(list.text).toBe(`- web-search 1.10.0 (3 versions, by ${bob.identity.agentId}): Search the web, faster`);
    const got = await toolOk(plugin.gw, 'parley_skills', { op: 'get', name: 'web-search' });
    expect(got.text).toContain('Skill web-search@1.10.0 by ');
    expect(got.text).toContain('Files: scripts/search.py (16 bytes), logo.bin (5 bytes)');
    expect(got.text).toContain('# Web search 1.10.0');
    const versions = await toolOk(plugin.gw, 'parley_skills', { op: 'versions', name: 'web-search' });
    expect(versions.text.split('\n').map((l) => l.split(',')[0])).toEqual(['- 2.0.0-beta.1 (prerelease)', '- 1.10.0', '- 1.9.0']);
    expect((await toolFails(plugin.gw, 'parley_skills', { op: 'get', name: 'web-search', version: '9.9.9' })).code).toBe('not_found');
  });
});

describe('parley_skills publish and download', () => {
  it('publishes a skill of its own, refuses one of another publisher, and downloads the SKILL.md', async () => {
    const published = await toolOk(plugin.gw, 'parley_skills', {
      op: 'publish',
      name: 'alice-notes',
      version: '0.1.0',
      description: 'How alice keeps notes',
      content: '# Alice notes\n',
      files: [{ path: 'template.md', content: '- [ ] todo\n' }],
    });
    expect(published.text).toBe('Published alice-notes@0.1.0 (1 file besides SKILL.md, 25 bytes).');
    const again = await toolOk(plugin.gw, 'parley_skills', { op: 'publish', name: 'alice-notes', version: '0.1.0', description: 'How alice keeps notes', content: '# Alice notes\n', files: [{ path: 'template.md', content: '- [ ] todo\n' }] });
    expect(again.text).toBe('alice-notes@0.1.0 was already published with these contents; nothing changed.');
    const theirs = await toolFails(plugin.gw, 'parley_skills', { op: 'publish', name: 'web-search', version: '3.0.0', description: 'mine now', content: '# x' });
    expect(theirs.code).toBe('forbidden');
    const raw = await toolOk(plugin.gw, 'parley_skills', { op: 'download', name: 'alice-notes', format: 'raw' });
    expect(raw.text).toBe('SKILL.md of alice-notes@0.1.0:\n# Alice notes\n');
    const zip = await toolOk(plugin.gw, 'parley_skills', { op: 'download', name: 'web-search' });
    expect(zip.text).toMatch(/^web-search-1\.10\.0\.zip: a zip of \d+ bytes \(base64 in the result details\)\. To install it, the user runs "\/parley skill install web-search@1\.10\.0"\.$/);
  });
});

describe('/parley skill', () => {
  it('list, get and versions', async () => {
    expect(await slash('skill list')).toContain('- web-search 1.10.0 (3 versions');
    expect(await slash('skill get web-search@1.9.0')).toContain('# Web search 1.9.0');
    expect(await slash('skill versions web-search --limit 1')).toMatch(/^- 2\.0\.0-beta\.1 \(prerelease\), .*\n\(more: "\/parley skill versions web-search --cursor \S+"\)$/);
    expect(await slash('skill get Web_Search')).toMatch(/^Not a skill: "Web_Search"/);
  });

  it("installs into the agent's workspace, by name and version, replacing an older install", async () => {
    expect(await slash('skill install web-search@1.9.0')).toBe(
      `Installed skill web-search into ${join(skillsDir(), 'web-search')} (3 files). OpenClaw picks it up in the next session.`,
    );
    expect(readdirSync(join(skillsDir(), 'web-search')).sort()).toEqual(['SKILL.md', 'logo.bin', 'scripts']);
    expect(readFileSync(join(skillsDir(), 'web-search', 'logo.bin'))).toEqual(BINARY);
    expect(await slash('skill install web-search')).toContain(', replacing the one there.');
    expect(readFileSync(join(skillsDir(), 'web-search', 'SKILL.md'), 'utf8')).toContain('# Web search 1.10.0');
  });

  it('installs from a Parley link (raw: SKILL.md alone), and refuses what is not one, installing nothing', async () => {
    const link = `${hub.url}/v1/skills/web-search/download?format=raw&version=2.0.0-beta.1`;
    expect(await slash(`skill install ${link}`)).toContain('Installed skill web-search');
    expect(readdirSync(join(skillsDir(), 'web-search'))).toEqual(['SKILL.md']);
    expect(await slash('skill install https://example.invalid/elsewhere')).toMatch(/^Not a skill download link/);
    expect(await slash('skill install no-such-skill')).toMatch(/not_found/);
    expect(existsSync(join(skillsDir(), 'no-such-skill'))).toBe(false);
    expect(readdirSync(skillsDir())).toEqual(['web-search']);
  });
});
