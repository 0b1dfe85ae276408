import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { resolveHubOptionsFromEnv, type RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, ok, register, rpc, startTestHub, uid } from './helpers.js';

type Info = { name: string; version: string; publisher_id: string; description: string; prerelease: boolean; files: Array<{ path: string; bytes: number }>; bytes: number; sha256: string };
type Version = Info & { content: string };
type Summary = { name: string; publisher_id: string; latest_version: string | null; description: string; versions: number };
type Download = { name: string; version: string; format: string; filename: string; media_type: string; encoding: string; content: string; bytes: number };

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown, uId?: string): Promise<Frame> => (await rpc(hub, a, action, params, uId)).body;
const errorOf = (f: Frame) => (f.status === 'error' ? (f.content as { code: string; error: string; details?: Record<string, unknown> }) : null);

const skill = (name: string, version: string, extra: Record<string, unknown> = {}) => ({
  name,
  version,
  description: `The ${name} skill`,
  content: `---\nname: ${name}\ndescription: The ${name} skill\n---\n\n# ${name} ${version}\n`,
  ...extra,
});

const BINARY = Buffer.from([0, 1, 2, 250, 255, 10, 13]);

describe('skill registry', () => {
  let hub: RunningHub;
  let alice: TestAgent;
  let bob: TestAgent;

  beforeAll(async () => {
    hub = await startTestHub({ skillQuota: { maxNames: 4, maxVersions: 6, maxBytes: 200_000 } });
    alice = await register(hub, 'Alice');
    bob = await register(hub, 'Bob');
  }, 60_000);
  afterAll(() => hub.close());

  it('publishes a skill with files; get answers it with its SKILL.md, and the digest names its contents', async () => {
    const files = [
      { path: 'scripts/run.py', content: 'print("hi")\n' },
      { path: 'assets/blob.bin', content: BINARY.toString('base64'), encoding: 'base64' },
    ];
    const r = ok<{ skill: Info; created: boolean }>(await call(hub, alice, 'skill/publish', skill('web-search', '1.0.0', { files })));
    expect(r.created).toBe(true);
    expect(r.skill).toMatchObject({ name: 'web-search', version: '1.0.0', publisher_id: alice.agentId, prerelease: false });
    expect(r.skill.files).toEqual([
      { path: 'scripts/run.py', bytes: 12 },
      { path: 'assets/blob.bin', bytes: BINARY.length },
    ]);
    expect(r.skill.sha256).toMatch(/^[0-9a-f]{64}$/);
    const got = ok<Version>(await call(hub, bob, 'skill/get', { name: 'web-search' }));
    expect(got.version).toBe('1.0.0');
    expect(got.content).toContain('# web-search 1.0.0');
    expect(got.sha256).toBe(r.skill.sha256);
  });

  it('versions are immutable: the same version again with the same contents is the stored one, with other contents a conflict', async () => {
    const files = [
      // The same files in another order and another encoding: the same contents.
      { path: 'assets/blob.bin', content: BINARY.toString('base64'), encoding: 'base64' },
      { path: 'scripts/run.py', content: Buffer.from('print("hi")\n').toString('base64'), encoding: 'base64' },
    ];
    const again = ok<{ skill: Info; created: boolean }>(await call(hub, alice, 'skill/publish', skill('web-search', '1.0.0', { files })));
    expect(again.created).toBe(false);
    const changed = errorOf(await call(hub, alice, 'skill/publish', skill('web-search', '1.0.0', { content: '# other' })));
    expect(changed?.code).toBe('conflict');
    expect(changed?.error).toMatch(/never change/);
    // Build metadata does not make another version.
    const build = errorOf(await call(hub, alice, 'skill/publish', skill('web-search', '1.0.0+build.2', { files })));
    expect(build?.code).toBe('conflict');
    expect(build?.error).toMatch(/build metadata/);
    const v = ok<{ versions: Info[] }>(await call(hub, alice, 'skill/versions', { name: 'web-search' }));
    expect(v.versions.map((x) => x.version)).toEqual(['1.0.0']);
    expect(ok<Version>(await call(hub, bob, 'skill/get', { name: 'web-search', version: '1.0.0' })).content).toContain('# web-search 1.0.0');
  });

  it('only the publisher publishes new versions of a name', async () => {
    const refused = errorOf(await call(hub, bob, 'skill/publish', skill('web-search', '2.0.0')));
    expect(refused?.code).toBe('forbidden');
    expect(refused?.error).toContain(alice.agentId);
    expect(ok<{ skills: Summary[] }>(await call(hub, bob, 'skill/list', { q: 'web-search' })).skills[0]!.latest_version).toBe('1.0.0');
  });

  it('latest follows semver precedence: 1.10.0 > 1.9.0, a prerelease below its release and served only by version', async () => {
    for (const v of ['1.9.0', '1.10.0', '2.0.0-rc.1']) ok(await call(hub, alice, 'skill/publish', skill('web-search', v, { description: `web search ${v}` })));
    let latest = ok<Version>(await call(hub, bob, 'skill/get', { name: 'web-search' }));
    expect(latest.version).toBe('1.10.0');
    expect(ok<Version>(await call(hub, bob, 'skill/get', { name: 'web-search', version: '2.0.0-rc.1' })).prerelease).toBe(true);
    // An older version published later does not become the latest.
    ok(await call(hub, alice, 'skill/publish', skill('web-search', '1.2.0')));
    latest = ok<Version>(await call(hub, bob, 'skill/get', { name: 'web-search' }));
    expect(latest.version).toBe('1.10.0');
    const summary = ok<{ skills: Summary[] }>(await call(hub, bob, 'skill/list', { q: 'web-search' })).skills[0]!;
    expect(summary).toMatchObject({ latest_version: '1.10.0', description: 'web search 1.10.0', versions: 5 });
    // Versions, highest first, a page at a time.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { versions: Info[]; next_cursor: string | null } = ok(await call(hub, bob, 'skill/versions', { name: 'web-search', limit: 2, ...(cursor ? { cursor } : {}) }));
      expect(page.versions.length).toBeLessThanOrEqual(2);
      seen.push(...page.versions.map((x) => x.version));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['2.0.0-rc.1', '1.10.0', '1.9.0', '1.2.0', '1.0.0']);
    expect(errorOf(await call(hub, bob, 'skill/get', { name: 'web-search', version: '3.0.0' }))?.code).toBe('not_found');
    expect(errorOf(await call(hub, bob, 'skill/get', { name: 'no-such-skill' }))?.code).toBe('not_found');
  });

  it('a name with prereleases only has no latest: get without a version says to ask by version', async () => {
    ok(await call(hub, bob, 'skill/publish', skill('beta-tool', '0.1.0-alpha.1', { description: 'Early days tool' })));
    const e = errorOf(await call(hub, alice, 'skill/get', { name: 'beta-tool' }));
    expect(e?.code).toBe('not_found');
    expect(e?.error).toMatch(/prereleases only/);
    const s = ok<{ skills: Summary[] }>(await call(hub, alice, 'skill/list', { publisher: bob.agentId })).skills;
    expect(s).toEqual([expect.objectContaining({ name: 'beta-tool', latest_version: null, description: 'Early days tool', versions: 1 })]);
  });

  it('lists by name a page at a time, searches name and description by every word, and filters by publisher', async () => {
    ok(await call(hub, alice, 'skill/publish', skill('pdf-reader', '1.0.0', { description: 'Read PDF files and tables' })));
    ok(await call(hub, alice, 'skill/publish', skill('csv-tools', '0.2.0', { description: 'Tables in CSV: 100% plain_text' })));
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { skills: Summary[]; next_cursor: string | null } = ok(await call(hub, bob, 'skill/list', { limit: 2, ...(cursor ? { cursor } : {}) }));
      names.push(...page.skills.map((s) => s.name));
      cursor = page.next_cursor;
    } while (cursor);
    expect(names).toEqual(['beta-tool', 'csv-tools', 'pdf-reader', 'web-search']);
    const search = async (q: string) => ok<{ skills: Summary[] }>(await call(hub, bob, 'skill/list', { q })).skills.map((s) => s.name);
    expect(await search('tables')).toEqual(['csv-tools', 'pdf-reader']);
    expect(await search('TABLES pdf')).toEqual(['pdf-reader']);
    expect(await search('reader')).toEqual(['pdf-reader']);
    // LIKE's wildcards are text here.
    expect(await search('100%')).toEqual(['csv-tools']);
    expect(await search('_')).toEqual(['csv-tools']);
    expect(await search('%')).toEqual(['csv-tools']);
    expect(await search('nothing-matches-this')).toEqual([]);
    expect(ok<{ skills: Summary[] }>(await call(hub, bob, 'skill/list', { publisher: alice.agentId })).skills.map((s) => s.name)).toEqual(['csv-tools', 'pdf-reader', 'web-search']);
    expect(errorOf(await call(hub, bob, 'skill/list', { cursor: 'not-a-cursor' }))?.code).toBe('invalid_params');
  });

  it('downloads raw and zip through the action, and the zip holds <name>/SKILL.md and the files', async () => {
    const raw = ok<Download>(await call(hub, bob, 'skill/download', { name: 'web-search', version: '1.0.0', format: 'raw' }));
    expect(raw).toMatchObject({ format: 'raw', filename: 'SKILL.md', encoding: 'utf8', media_type: 'text/markdown; charset=utf-8' });
    expect(raw.content).toContain('# web-search 1.0.0');
    const zip = ok<Download>(await call(hub, bob, 'skill/download', { name: 'web-search', version: '1.0.0' }));
    expect(zip).toMatchObject({ format: 'zip', filename: 'web-search-1.0.0.zip', encoding: 'base64', media_type: 'application/zip' });
    const bytes = Buffer.from(zip.content, 'base64');
    expect(bytes.length).toBe(zip.bytes);
    const files = unzipSync(bytes);
    expect(Object.keys(files).sort()).toEqual(['web-search/SKILL.md', 'web-search/assets/blob.bin', 'web-search/scripts/run.py']);
    expect(strFromU8(files['web-search/SKILL.md']!)).toBe(raw.content);
    expect(Buffer.from(files['web-search/assets/blob.bin']!)).toEqual(BINARY);
    expect(strFromU8(files['web-search/scripts/run.py']!)).toBe('print("hi")\n');
    // The same version zips to the same bytes.
    expect(ok<Download>(await call(hub, alice, 'skill/download', { name: 'web-search', version: '1.0.0' })).content).toBe(zip.content);
    // Without a version: the latest release.
    expect(ok<Download>(await call(hub, bob, 'skill/download', { name: 'web-search', format: 'raw' })).version).toBe('1.10.0');
  });

  it('serves the same over HTTP without auth, with content types and Content-Disposition; bad requests are 400 and unknown skills 404', async () => {
    const raw = await fetch(`${hub.url}/v1/skills/web-search/download?format=raw&version=1.0.0`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(raw.headers.get('content-disposition')).toBe('attachment; filename="SKILL.md"');
    expect(await raw.text()).toContain('# web-search 1.0.0');
    const zip = await fetch(`${hub.url}/v1/skills/web-search/download?format=zip&version=${encodeURIComponent('1.0.0')}`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    expect(zip.headers.get('content-disposition')).toBe('attachment; filename="web-search-1.0.0.zip"');
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    expect(Buffer.from(files['web-search/assets/blob.bin']!)).toEqual(BINARY);
    // format defaults to zip; the latest release without a version
    const latest = await fetch(`${hub.url}/v1/skills/web-search/download`);
    expect(latest.headers.get('x-parley-skill-version')).toBe('1.10.0');
    expect(Object.keys(unzipSync(new Uint8Array(await latest.arrayBuffer())))).toEqual(['web-search/SKILL.md']);
    for (const path of [
      '/v1/skills/Web-Search/download',
      '/v1/skills/..%2F..%2Fetc/download',
      '/v1/skills/web-search/download?format=tar',
      '/v1/skills/web-search/download?format=raw&format=zip',
      '/v1/skills/web-search/download?version=latest',
    ]) {
      const res = await fetch(`${hub.url}${path}`);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { code: string }).code, path).toBe('bad_request');
    }
    const missing = await fetch(`${hub.url}/v1/skills/no-such-skill/download?format=raw`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('not_found');
    expect((await fetch(`${hub.url}/v1/skills/web-search/download?version=9.9.9`)).status).toBe(404);
  });

  it('refuses bad names, versions and paths, and changes nothing', async () => {
    const before = ok<{ skills: Summary[] }>(await call(hub, bob, 'skill/list', { limit: 100 }));
    const bad: Array<Record<string, unknown>> = [
      skill('Bad-Name', '1.0.0'),
      skill('bad_name', '1.0.0'),
      skill('fine', '1.0'),
      skill('fine', 'v1.0.0'),
      skill('fine', '1.0.0', { files: [{ path: '../escape.sh', content: 'x' }] }),
      skill('fine', '1.0.0', { files: [{ path: '/etc/passwd', content: 'x' }] }),
      skill('fine', '1.0.0', { files: [{ path: 'a\\b', content: 'x' }] }),
      skill('fine', '1.0.0', { files: [{ path: 'a.md', content: 'x' }, { path: 'A.md', content: 'y' }] }),
      skill('fine', '1.0.0', { files: [{ path: 'SKILL.md', content: 'x' }] }),
      skill('fine', '1.0.0', { files: [{ path: 'x.bin', content: '%%%', encoding: 'base64' }] }),
      skill('fine', '1.0.0', { files: [{ path: 'big', content: 'x'.repeat(600 * 1024) }] }),
      skill('fine', '1.0.0', { content: '' }),
      { ...skill('fine', '1.0.0'), owner: alice.agentId },
    ];
    for (const params of bad) {
      const e = errorOf(await call(hub, bob, 'skill/publish', params));
      expect(['invalid_params', 'payload_too_large'], JSON.stringify(params).slice(0, 120)).toContain(e?.code);
    }
    expect(ok<{ skills: Summary[] }>(await call(hub, bob, 'skill/list', { limit: 100 }))).toEqual(before);
    expect(errorOf(await call(hub, bob, 'skill/get', { name: 'fine' }))?.code).toBe('not_found');
  });

  it('concurrent publishes: one first publisher of a new name; one stored version of the same contents', async () => {
    const [a, b] = await Promise.all([call(hub, alice, 'skill/publish', skill('race-name', '1.0.0')), call(hub, bob, 'skill/publish', skill('race-name', '1.0.0'))]);
    const outcomes = [a, b].map((f) => (f.status === 'success' ? 'ok' : errorOf(f)!.code)).sort();
    expect(outcomes).toEqual(['forbidden', 'ok']);
    const same = await Promise.all([1, 2, 3].map(() => call(hub, bob, 'skill/publish', skill('race-same', '1.0.0'))));
    const created = same.map((f) => ok<{ created: boolean }>(f).created).sort();
    expect(created).toEqual([false, false, true]);
    expect(ok<{ versions: Info[] }>(await call(hub, bob, 'skill/versions', { name: 'race-same' })).versions).toHaveLength(1);
    expect(ok<{ skills: Summary[] }>(await call(hub, bob, 'skill/list', { q: 'race-same' })).skills[0]!.versions).toBe(1);
  });

  it('a retried request (same u_id) answers the first response and publishes once', async () => {
    const u = uid();
    const first = ok<{ skill: Info; created: boolean }>(await call(hub, bob, 'skill/publish', skill('retry-me', '1.0.0'), u));
    const second = ok<{ skill: Info; created: boolean }>(await call(hub, bob, 'skill/publish', skill('retry-me', '1.0.0'), u));
    expect(second).toEqual(first);
    expect(second.created).toBe(true);
  });
});

describe('skill quotas', () => {
  let hub: RunningHub;
  let me: TestAgent;

  beforeAll(async () => {
    hub = await startTestHub({ skillQuota: { maxNames: 2, maxVersions: 3, maxBytes: 10_000 } });
    me = await register(hub, 'Prolific');
  }, 60_000);
  afterAll(() => hub.close());

  it('bounds names per publisher, versions per name and stored bytes, saying which and changing nothing', async () => {
    ok(await call(hub, me, 'skill/publish', skill('one', '1.0.0')));
    ok(await call(hub, me, 'skill/publish', skill('two', '1.0.0')));
    const names = errorOf(await call(hub, me, 'skill/publish', skill('three', '1.0.0')));
    expect(names?.code).toBe('conflict');
    expect(names?.details).toMatchObject({ quota: 'names', limit: 2, used: 2, needed: 1 });
    ok(await call(hub, me, 'skill/publish', skill('one', '1.1.0')));
    ok(await call(hub, me, 'skill/publish', skill('one', '1.2.0')));
    const versions = errorOf(await call(hub, me, 'skill/publish', skill('one', '1.3.0')));
    expect(versions?.details).toMatchObject({ quota: 'versions', limit: 3, used: 3 });
    const bytes = errorOf(await call(hub, me, 'skill/publish', skill('two', '2.0.0', { files: [{ path: 'big.txt', content: 'x'.repeat(9_900) }] })));
    expect(bytes?.code).toBe('conflict');
    expect(bytes?.details).toMatchObject({ quota: 'bytes', limit: 10_000 });
    // An identical re-publish is not new storage: allowed at the quota.
    expect(ok<{ created: boolean }>(await call(hub, me, 'skill/publish', skill('one', '1.2.0'))).created).toBe(false);
    const list = ok<{ skills: Summary[] }>(await call(hub, me, 'skill/list', {})).skills;
    expect(list.map((s) => [s.name, s.latest_version, s.versions])).toEqual([
      ['one', '1.2.0', 3],
      ['two', '1.0.0', 1],
    ]);
    expect(errorOf(await call(hub, me, 'skill/get', { name: 'three' }))?.code).toBe('not_found');
  });
});

describe('skill quota settings', () => {
  it('come from the environment, each alone keeping the other defaults', () => {
    expect(resolveConfig({}).skillQuota).toEqual({ maxNames: 100, maxVersions: 200, maxBytes: 64 * 1024 * 1024 });
    const o = resolveHubOptionsFromEnv({ PARLEY_SKILL_MAX_NAMES: '3', PARLEY_SKILL_MAX_BYTES: '5000' });
    expect(resolveConfig(o).skillQuota).toEqual({ maxNames: 3, maxVersions: 200, maxBytes: 5000 });
    expect(() => resolveHubOptionsFromEnv({ PARLEY_SKILL_MAX_VERSIONS: 'many' })).toThrow(/PARLEY_SKILL_MAX_VERSIONS/);
  });
});

describe("Juji's skill link", () => {
  it('is served at /skills/<name>/download only when the hub speaks Juji', async () => {
    const plain = await startTestHub();
    const juji = await startTestHub({ juji: true });
    try {
      for (const h of [plain, juji]) {
        const me = await register(h, 'Publisher');
        ok(await call(h, me, 'skill/publish', skill('juji', '1.0.0')));
      }
      expect((await fetch(`${plain.url}/skills/juji/download?format=raw`)).status).toBe(404);
      const raw = await fetch(`${juji.url}/skills/juji/download?format=raw`);
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
      expect(await raw.text()).toContain('# juji 1.0.0');
      const zip = await fetch(`${juji.url}/skills/juji/download?format=zip`);
      expect(Object.keys(unzipSync(new Uint8Array(await zip.arrayBuffer())))).toEqual(['juji/SKILL.md']);
      expect((await fetch(`${juji.url}/skills/Juji/download`)).status).toBe(400);
    } finally {
      await plain.close();
      await juji.close();
    }
  });
});
