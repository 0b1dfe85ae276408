import { describe, expect, it } from 'vitest';
import {
  actions,
  compareSemver,
  MAX_SKILL_TOTAL_BYTES,
  parseSemver,
  parseSkillRef,
  semverKey,
  skillDownloadPath,
  skillPathProblem,
  skillPathsProblem,
  utf8Bytes,
} from '../src/index.js';

describe('semver', () => {
  it('precedence follows semver 2.0.0 section 11, the spec example in order', () => {
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) expect(Math.sign(compareSemver(ordered[i]!, ordered[j]!)), `${ordered[i]} vs ${ordered[j]}`).toBe(Math.sign(i - j));
    }
    expect(compareSemver('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareSemver('2.0.0', '10.0.0')).toBeLessThan(0);
    expect(compareSemver('1.0.0+a', '1.0.0+b')).toBe(0);
    expect(compareSemver('99999999999999999999.0.0', '99999999999999999998.9.9')).toBeGreaterThan(0);
    expect(semverKey('1.2.3-rc.1+build.7')).toBe('1.2.3-rc.1');
  });

  it('accepts strict semver only', () => {
    for (const ok of ['0.0.0', '1.2.3', '1.2.3-0', '1.2.3-alpha-1.x', '1.2.3+build.01', '10.20.30-rc.1+sha.abc']) expect(parseSemver(ok), ok).not.toBeNull();
    for (const bad of ['1', '1.2', 'v1.2.3', '01.2.3', '1.02.3', '1.2.3-01', '1.2.3-', '1.2.3+', '1.2.3-a..b', ' 1.2.3', '1.2.3\n', 'x'.repeat(200)]) {
      expect(parseSemver(bad), bad).toBeNull();
    }
  });
});

describe('skill file paths', () => {
  it('keep a file inside its skill folder', () => {
    for (const ok of ['scripts/run.py', 'README.md', 'a/b/c.txt', 'notes with spaces.md', 'docs/SKILL.md']) expect(skillPathProblem(ok), ok).toBeNull();
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', 'a/./b', 'a//b', 'a/', 'a\\b', 'C:/x', 'c:x', 'a\u0000b', 'SKILL.md', 'skill.md', '__proto__', 'a/__proto__/b', ' a', 'x'.repeat(256), 'a/b/c/d/e/f/g/h/i']) {
      expect(skillPathProblem(bad), JSON.stringify(bad)).not.toBeNull();
    }
  });

  it('refuse duplicates ignoring case, and a file used as a folder', () => {
    expect(skillPathsProblem(['a.md', 'b/a.md'])).toBeNull();
    expect(skillPathsProblem(['a.md', 'A.md'])).toMatch(/twice/);
    expect(skillPathsProblem(['a', 'a/b'])).toMatch(/which is a file/);
  });
});

describe('skill/publish params', () => {
  const params = actions['skill/publish'].params;
  const base = { name: 'web-search', version: '1.0.0', description: 'Search the web', content: '# Web search\n' };

  it('takes a good skill and defaults the files', () => {
    expect(params.parse(base).files).toEqual([]);
    const withFiles = params.parse({ ...base, files: [{ path: 'scripts/a.py', content: 'print(1)' }, { path: 'b.bin', content: 'AAEC', encoding: 'base64' }] });
    expect(withFiles.files.map((f) => f.encoding)).toEqual(['utf8', 'base64']);
  });

  it('refuses bad names, versions, paths, encodings and sizes', () => {
    for (const name of ['Web', 'web_search', '-web', 'web-', '', 'a'.repeat(65), 'wéb']) expect(params.safeParse({ ...base, name }).success, name).toBe(false);
    for (const version of ['1.0', 'v1.0.0', '1.0.0.0', 'latest']) expect(params.safeParse({ ...base, version }).success, version).toBe(false);
    expect(params.safeParse({ ...base, files: [{ path: '../evil', content: 'x' }] }).success).toBe(false);
    expect(params.safeParse({ ...base, files: [{ path: 'a', content: 'x' }, { path: 'A', content: 'y' }] }).success).toBe(false);
    expect(params.safeParse({ ...base, files: [{ path: 'a', content: 'not base64!', encoding: 'base64' }] }).success).toBe(false);
    expect(params.safeParse({ ...base, files: [{ path: 'a', content: 'x', mode: 0o777 }] }).success).toBe(false);
    const half = 'x'.repeat(MAX_SKILL_TOTAL_BYTES / 2);
    expect(params.safeParse({ ...base, files: [{ path: 'a', content: half }, { path: 'b', content: half }] }).success).toBe(false);
    expect(params.safeParse({ ...base, content: 'é'.repeat(200 * 1024) }).success).toBe(false);
    expect(params.safeParse({ ...base, files: Array.from({ length: 65 }, (_, i) => ({ path: `f${i}`, content: 'x' })) }).success).toBe(false);
  });

  it('counts UTF-8 bytes as Node does', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', 'a😀b\u0800', '\ud800x']) expect(utf8Bytes(s), s).toBe(new TextEncoder().encode(s).length);
  });
});

describe('skill references and download paths', () => {
  it('read name[@version]', () => {
    expect(parseSkillRef('web-search')).toEqual({ name: 'web-search' });
    expect(parseSkillRef('web-search@1.2.0-rc.1')).toEqual({ name: 'web-search', version: '1.2.0-rc.1' });
    expect(parseSkillRef('Web')).toBeNull();
    expect(parseSkillRef('web@1.2')).toBeNull();
    expect(skillDownloadPath('web-search', 'zip', '1.0.0+b')).toBe('/v1/skills/web-search/download?format=zip&version=1.0.0%2Bb');
  });
});
