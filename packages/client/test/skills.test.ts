import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { fetchSkill, parseSkillLink, readSkillZip, SkillArchiveError, skillFrontMatter } from '../src/index.js';
import { defaultOpenClawWorkspace, installSkillFiles, installSkillZip } from '../src/node.js';

const md = strToU8('---\nname: demo\ndescription: "A demo skill"\n---\n# Demo\n');
const zip = (tree: Zippable) => zipSync(tree);
const refused = (z: Uint8Array, why: RegExp) => expect(() => readSkillZip(z)).toThrow(why);

/** The central directory's first "uncompressed size" field set to `size` (a lying archive). */
function lieAboutSize(z: Uint8Array, size: number): Uint8Array {
  const out = z.slice();
  for (let o = out.length - 22; o >= 0; o--) {
    if (out[o] === 0x50 && out[o + 1] === 0x4b && out[o + 2] === 0x01 && out[o + 3] === 0x02) {
      new DataView(out.buffer, out.byteOffset).setUint32(o + 24, size, true);
      return out;
    }
  }
  throw new Error('no central directory entry');
}

describe('readSkillZip', () => {
  it('reads a Parley zip (<name>/SKILL.md) and one with SKILL.md at the top', () => {
    const a = readSkillZip(zip({ 'demo/SKILL.md': md, 'demo/scripts/run.py': strToU8('print(1)'), 'demo/empty/': new Uint8Array() }));
    expect(a.root).toBe('demo');
    expect(a.files.map((f) => f.path)).toEqual(['SKILL.md', 'scripts/run.py']);
    const b = readSkillZip(zip({ 'SKILL.md': md, 'notes.txt': strToU8('x') }));
    expect(b.root).toBeNull();
    expect(b.files.map((f) => f.path)).toEqual(['SKILL.md', 'notes.txt']);
  });

  it('refuses path traversal, absolute paths, backslashes and duplicates (zip-slip)', () => {
    refused(zip({ 'demo/SKILL.md': md, 'demo/../../evil.sh': strToU8('x') }), /\.\. segments/);
    refused(zip({ 'SKILL.md': md, '../evil.sh': strToU8('x') }), /\.\. segments/);
    refused(zip({ 'SKILL.md': md, '/etc/evil': strToU8('x') }), /relative|empty segments/);
    refused(zip({ 'SKILL.md': md, 'a\\..\\evil': strToU8('x') }), /backslash/);
    refused(zip({ 'SKILL.md': md, 'a.txt': strToU8('x'), 'A.txt': strToU8('y') }), /twice/);
    refused(zip({ 'SKILL.md': md, 'C:/evil': strToU8('x') }), /colons/);
  });

  it('refuses symlinks and other non-files', () => {
    const link: Zippable = { 'demo/SKILL.md': md, 'demo/link': [strToU8('/etc/passwd'), { os: 3, attrs: (0o120777 << 16) >>> 0 }] };
    refused(zip(link), /symbolic link/);
    const fifo: Zippable = { 'demo/SKILL.md': md, 'demo/fifo': [new Uint8Array(), { os: 3, attrs: (0o010644 << 16) >>> 0 }] };
    refused(zip(fifo), /not a regular file/);
    // A regular file with Unix attributes is fine.
    expect(readSkillZip(zip({ 'demo/SKILL.md': [md, { os: 3, attrs: (0o100644 << 16) >>> 0 }] })).files).toHaveLength(1);
  });

  it('bounds entries and unpacked bytes, and refuses an entry that lies about its size', () => {
    const many: Zippable = { 'SKILL.md': md };
    for (let i = 0; i < 300; i++) many[`f${i}.txt`] = strToU8('x');
    refused(zip(many), /entries, more than/);
    // A bomb: 600 KiB of zeros deflates to almost nothing.
    refused(zip({ 'SKILL.md': md, 'zeros.bin': new Uint8Array(600 * 1024) }), /unpacks to more than/);
    expect(() => readSkillZip(zip({ 'SKILL.md': md }), { maxZipBytes: 10, maxEntries: 10, maxTotalBytes: 10 })).toThrow(/bytes, more than 10/);
    // Declared smaller than it is: the output is cut at the declared size, and the checksum gives it away.
    const honest = zip({ 'SKILL.md': md, 'big.txt': new Uint8Array(5000).fill(65) });
    refused(lieAboutSize(honest, 10), /size or checksum/);
  });

  it('needs a SKILL.md and a zip', () => {
    refused(zip({ 'demo/readme.txt': strToU8('x') }), /no demo\/SKILL.md/);
    refused(zip({ 'readme.txt': strToU8('x') }), /no SKILL.md/);
    refused(strToU8('this is not a zip at all, just text'), /not a zip/);
    expect(() => readSkillZip(new Uint8Array(0))).toThrow(SkillArchiveError);
  });
});

describe('skill links and front matter', () => {
  it('reads Parley and Juji download links', () => {
    expect(parseSkillLink('https://hub.example/v1/skills/web-search/download?format=raw&version=1.2.0')).toMatchObject({
      base: 'https://hub.example',
      name: 'web-search',
      format: 'raw',
      version: '1.2.0',
    });
    expect(parseSkillLink('http://127.0.0.1:8787/prefix/v1/skills/demo/download')).toMatchObject({ base: 'http://127.0.0.1:8787/prefix', format: 'zip' });
    expect(parseSkillLink('https://juji.example/skills/juji/download?format=zip')).toMatchObject({ name: 'juji', format: 'zip' });
    for (const bad of ['ftp://x/v1/skills/a/download', 'https://x/v1/skills/A/download', 'https://x/v1/skills/a/download?format=tar', 'https://x/v1/skills/a', 'web-search', 'https://x/v1/skills/a/download?version=1.2']) {
      expect(parseSkillLink(bad), bad).toBeNull();
    }
  });

  it('reads name and description from front matter', () => {
    expect(skillFrontMatter('---\nname: demo\ndescription: "A demo skill"\nversion: \'1.2.0\'\nuser-invocable: false\n---\n# x')).toEqual({ name: 'demo', description: 'A demo skill', version: '1.2.0' });
    expect(skillFrontMatter('# no front matter')).toEqual({});
  });
});

describe('installing into a workspace', () => {
  const dirs: string[] = [];
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'parley-skill-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes <workspace>/skills/<name>/ and replaces an older install whole', async () => {
    const ws = temp();
    const first = await installSkillZip(ws, 'demo', zip({ 'demo/SKILL.md': md, 'demo/old.txt': strToU8('old'), 'demo/sub/a.txt': strToU8('a') }));
    expect(first).toMatchObject({ name: 'demo', dir: join(ws, 'skills', 'demo'), replaced: false });
    expect(readFileSync(join(ws, 'skills', 'demo', 'sub', 'a.txt'), 'utf8')).toBe('a');
    const second = await installSkillZip(ws, 'demo', zip({ 'demo/SKILL.md': md, 'demo/new.txt': strToU8('new') }));
    expect(second.replaced).toBe(true);
    expect(readdirSync(join(ws, 'skills', 'demo')).sort()).toEqual(['SKILL.md', 'new.txt']);
    // No temporary folders left behind.
    expect(readdirSync(join(ws, 'skills'))).toEqual(['demo']);
  });

  it('refuses bad names and paths and leaves the workspace as it was', async () => {
    const ws = temp();
    mkdirSync(join(ws, 'skills', 'demo'), { recursive: true });
    writeFileSync(join(ws, 'skills', 'demo', 'SKILL.md'), 'kept');
    await expect(installSkillFiles(ws, '../evil', [{ path: 'SKILL.md', data: md }])).rejects.toThrow(/not a skill name/);
    await expect(installSkillFiles(ws, 'demo', [{ path: 'SKILL.md', data: md }, { path: '../../x', data: md }])).rejects.toThrow(/\.\. segments/);
    await expect(installSkillZip(ws, 'demo', zip({ 'demo/SKILL.md': md, 'demo/l': [md, { os: 3, attrs: (0o120777 << 16) >>> 0 }] }))).rejects.toThrow(/symbolic link/);
    expect(readFileSync(join(ws, 'skills', 'demo', 'SKILL.md'), 'utf8')).toBe('kept');
    expect(readdirSync(join(ws, 'skills'))).toEqual(['demo']);
    expect(existsSync(join(ws, 'x'))).toBe(false);
    expect(lstatSync(join(ws, 'skills', 'demo', 'SKILL.md')).isFile()).toBe(true);
  });

  it('finds the OpenClaw workspace from the environment', () => {
    expect(defaultOpenClawWorkspace({ OPENCLAW_WORKSPACE: '/w' })).toBe('/w');
    expect(defaultOpenClawWorkspace({ OPENCLAW_STATE_DIR: '/state' })).toBe(join('/state', 'workspace'));
    expect(defaultOpenClawWorkspace({})).toMatch(/\.openclaw[/\\]workspace$/);
  });
});

describe('fetchSkill against a hostile server', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/v1/skills/huge/')) {
        // Endless: the client stops reading past its bound.
        res.writeHead(200, { 'content-type': 'application/zip' });
        const chunk = Buffer.alloc(64 * 1024, 1);
        const pump = () => {
          while (res.write(chunk)) {
            /* fill the socket */
          }
        };
        res.on('drain', pump);
        pump();
        req.on('close', () => res.destroy());
      } else if (req.url?.startsWith('/v1/skills/slow/')) {
        res.writeHead(200);
        res.write('x');
        req.on('close', () => res.destroy());
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'skill gone not found', code: 'not_found' }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('stops at the byte bound, at the deadline, and reports an error body briefly', async () => {
    await expect(fetchSkill(parseSkillLink(`${base}/v1/skills/huge/download`)!, { maxBytes: 200_000 })).rejects.toThrow(/more than 200000 bytes/);
    await expect(fetchSkill(parseSkillLink(`${base}/v1/skills/slow/download`)!, { timeoutMs: 300 })).rejects.toThrow();
    await expect(fetchSkill(parseSkillLink(`${base}/v1/skills/gone/download`)!)).rejects.toThrow(/404 Not Found: skill gone not found/);
  });
});
