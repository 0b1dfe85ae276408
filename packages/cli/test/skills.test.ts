import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSkillZip } from '@parley/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCli } from './agents.js';
import { LiveProcess, runCli, startTestHub, tempDir } from './helpers.js';

/**
 * The skill registry through the CLI: publish a skill folder (name and
 * description from its front matter, a binary file along), read it back,
 * download it, and install it into an OpenClaw workspace from a Parley link
 * and by name, on a real hub.
 */

let hub: LiveProcess;
let url: string;
const homes = { alice: tempDir('alice'), bob: tempDir('bob') };
type Who = keyof typeof homes;
const cli = agentCli(homes, () => url);
const { ok, json, fails } = cli;
const BINARY = Buffer.from([0, 159, 146, 150, 255]);

function skillFolder(version: string): string {
  const dir = join(tempDir('skill'), 'web-search');
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  writeFileSync(join(dir, 'SKILL.md'), `---\nname: web-search\ndescription: "Search the web, politely"\n---\n\n# Web search ${version}\n`);
  writeFileSync(join(dir, 'scripts', 'search.py'), 'print("searching")\n');
  writeFileSync(join(dir, 'logo.bin'), BINARY);
  // Hidden files stay home.
  writeFileSync(join(dir, '.env'), 'SECRET=1\n');
  return dir;
}

beforeAll(async () => {
  ({ hub, url } = await startTestHub());
  for (const who of Object.keys(homes) as Who[]) await json(['register', '--name', who], who);
});

afterAll(async () => {
  expect(await hub.stop('SIGTERM')).toBe(0);
});

describe('parley skill', () => {
  it('publishes a folder: name and description from the front matter, files along, hidden ones left out; again is a no-op', async () => {
    const dir = skillFolder('1.0.0');
    expect(await ok(['skill', 'publish', dir, '1.0.0'], 'alice')).toBe('published web-search@1.0.0 (2 files besides SKILL.md, ' + (readFileSync(join(dir, 'SKILL.md')).length + 19 + BINARY.length) + ' bytes)\n');
    expect(await ok(['skill', 'publish', dir, '1.0.0'], 'alice')).toBe('web-search@1.0.0 was already published with these contents; nothing changed\n');
    const got = await json<{ files: Array<{ path: string }>; description: string; content: string }>(['skill', 'get', 'web-search'], 'bob');
    expect(got.files.map((f) => f.path).sort()).toEqual(['logo.bin', 'scripts/search.py']);
    expect(got.description).toBe('Search the web, politely');
    // A second version from SKILL.md alone, with flags over the front matter.
    const two = skillFolder('1.10.0');
    await ok(['skill', 'publish', join(two, 'SKILL.md'), '1.10.0', '--description', 'Search, faster'], 'alice');
    // The version from the front matter when none is given; none at all is a usage error.
    const noted = join(tempDir('noted'), 'SKILL.md');
    writeFileSync(noted, '---\nname: noted\ndescription: Notes\nversion: 0.3.0\n---\n# Notes\n');
    expect(await ok(['skill', 'publish', noted], 'bob')).toBe(`published noted@0.3.0 (0 files besides SKILL.md, ${readFileSync(noted).length} bytes)\n`);
    expect(await fails(['skill', 'publish', join(dir, 'SKILL.md')], 'alice', 2)).toMatch(/no version/);
    // Only alice publishes web-search.
    expect(await fails(['skill', 'publish', two, '2.0.0'], 'bob', 1)).toMatch(/only that agent publishes/);
    expect(await fails(['skill', 'publish', two, 'one'], 'alice', 2)).toMatch(/must be a semantic version/);
    expect(await fails(['skill', 'publish', two, '1.0.0', '--name', 'Bad_Name'], 'alice', 2)).toMatch(/not a skill name/);
  });

  it('lists, searches, shows versions and gets a version', async () => {
    const list = await ok(['skill', 'list'], 'bob');
    expect(list).toMatch(/^NAME\s+LATEST\s+VERSIONS\s+PUBLISHER\s+DESCRIPTION\n[- ]+\nnoted\s+0\.3\.0\s+1\s+agt_\w+\s+Notes\nweb-search\s+1\.10\.0\s+2\s+agt_\w+\s+Search, faster\n$/m);
    expect(await ok(['skill', 'search', 'politely'], 'bob')).toBe('no skills\n');
    expect(await ok(['skill', 'search', 'faster'], 'bob')).toContain('web-search');
    expect(await ok(['skill', 'versions', 'web-search'], 'bob')).toMatch(/^VERSION\s+PUBLISHED\s+BYTES\s+DESCRIPTION\n[- ]+\n1\.10\.0 .*\n1\.0\.0 /m);
    expect(await ok(['skill', 'get', 'web-search@1.0.0'], 'bob')).toMatch(/^web-search@1\.0\.0 by agt_\w+, .*\nSearch the web, politely\nfiles: .*\n.*\n\n---\nname: web-search/);
    expect(await fails(['skill', 'get', 'web-search@9.0.0'], 'bob', 1)).toMatch(/not found/);
    expect(await fails(['skill', 'get', 'web search'], 'bob', 2)).toMatch(/not a skill/);
  });

  it('downloads raw and zip', async () => {
    const dir = tempDir('dl');
    const raw = join(dir, 'SKILL.md');
    await ok(['skill', 'download', 'web-search@1.0.0', '--format', 'raw', '-o', raw], 'bob');
    expect(readFileSync(raw, 'utf8')).toContain('# Web search 1.0.0');
    expect(await ok(['skill', 'download', 'web-search', '--format', 'raw', '-o', '-'], 'bob')).toContain('# Web search 1.10.0');
    const zip = join(dir, 'ws.zip');
    await ok(['skill', 'download', 'web-search@1.0.0', '-o', zip], 'bob');
    const archive = readSkillZip(readFileSync(zip));
    expect(archive.root).toBe('web-search');
    expect(archive.files.map((f) => f.path).sort()).toEqual(['SKILL.md', 'logo.bin', 'scripts/search.py']);
    expect(Buffer.from(archive.files.find((f) => f.path === 'logo.bin')!.data)).toEqual(BINARY);
    expect(await fails(['skill', 'download', 'web-search', '--format', 'tar'], 'bob', 2)).toMatch(/--format must be one of raw, zip/);
  });

  it('installs into an OpenClaw workspace from a Parley link (zip or raw) and by name', async () => {
    const ws = tempDir('ws');
    const link = `${url}/v1/skills/web-search/download?format=zip&version=1.0.0`;
    expect(await ok(['skill', 'install', link, '--workspace', ws], 'bob')).toBe(`installed web-search into ${join(ws, 'skills', 'web-search')} (3 files)\n`);
    expect(readdirSync(join(ws, 'skills', 'web-search')).sort()).toEqual(['SKILL.md', 'logo.bin', 'scripts']);
    expect(readFileSync(join(ws, 'skills', 'web-search', 'logo.bin'))).toEqual(BINARY);
    // By name: the latest release from the configured hub, replacing the install.
    expect(await ok(['skill', 'install', 'web-search', '--workspace', ws], 'bob')).toMatch(/installed web-search .*, replacing the one there\n$/);
    expect(readFileSync(join(ws, 'skills', 'web-search', 'SKILL.md'), 'utf8')).toContain('# Web search 1.10.0');
    // A raw link installs SKILL.md alone; OPENCLAW_WORKSPACE names the workspace when --workspace does not.
    const other = tempDir('ws2');
    const viaEnv = await runCli(['skill', 'install', `${url}/v1/skills/web-search/download?format=raw`], { PARLEY_HOME: homes.bob, PARLEY_URL: url, OPENCLAW_WORKSPACE: other });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(readdirSync(join(other, 'skills', 'web-search'))).toEqual(['SKILL.md']);
    expect(await fails(['skill', 'install', 'https://example.invalid/not/a/skill', '--workspace', ws], 'bob', 2)).toMatch(/not a skill download link/);
    expect(await fails(['skill', 'install', 'no-such-skill', '--workspace', ws], 'bob', 1)).toMatch(/cannot install no-such-skill: .*404/);
    expect(readdirSync(join(ws, 'skills'))).toEqual(['web-search']);
  });
});
