/**
 * The rules of the skill registry that every side applies the same way: the
 * hub when it stores a skill, the CLI and the OpenClaw adapter when they
 * unpack one. Pure functions, no I/O (this package builds for any platform).
 */

/** A skill name: lowercase letters, digits and dashes, starting and ending with a letter or digit. */
export const SKILL_NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** Semantic Versioning 2.0.0, strictly (semver.org's own expression): major.minor.patch[-prerelease][+build]. */
export const SEMVER_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Longest version string, build metadata included. */
export const MAX_VERSION_CHARS = 128;
/** Longest SKILL.md, in UTF-8 bytes. */
export const MAX_SKILL_CONTENT_BYTES = 256 * 1024;
/** Most files a skill carries besides SKILL.md. */
export const MAX_SKILL_FILES = 64;
/**
 * Most bytes of a whole skill (SKILL.md plus every file, decoded). Chosen so
 * that a zip of it, base64 in a skill/download answer, stays inside the
 * default 1 MiB frame even when nothing compresses.
 */
export const MAX_SKILL_TOTAL_BYTES = 512 * 1024;
/** Longest file path in a skill, in characters. */
export const MAX_SKILL_PATH_CHARS = 255;
/** Deepest folder nesting of a file path. */
export const MAX_SKILL_PATH_DEPTH = 8;

export interface ParsedSemver {
  major: string;
  minor: string;
  patch: string;
  /** Dot-separated prerelease identifiers; empty for a release. */
  prerelease: string[];
  /** The build metadata, or null; it plays no part in precedence. */
  build: string | null;
}

export function parseSemver(version: string): ParsedSemver | null {
  if (version.length > MAX_VERSION_CHARS) return null;
  const m = SEMVER_RE.exec(version);
  if (!m) return null;
  return { major: m[1]!, minor: m[2]!, patch: m[3]!, prerelease: m[4] ? m[4].split('.') : [], build: m[5] ?? null };
}

/** The version without its build metadata: two versions that differ only in build have the same precedence, so they are one version. */
export function semverKey(version: string): string {
  const plus = version.indexOf('+');
  return plus < 0 ? version : version.slice(0, plus);
}

/** Numeric identifiers compared as numbers of any size (no leading zeros, so length first, then digits). */
function compareNumeric(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const NUMERIC = /^\d+$/;

/**
 * Semver 2.0.0 precedence (section 11): negative when `a` comes before `b`.
 * 1.9.0 < 1.10.0; 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-beta < 1.0.0; build metadata is ignored.
 * Both must be valid versions.
 */
export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) throw new Error(`not a semantic version: ${!x ? a : b}`);
  for (const k of ['major', 'minor', 'patch'] as const) {
    const c = compareNumeric(x[k], y[k]);
    if (c !== 0) return c;
  }
  // A prerelease comes before its release.
  if (x.prerelease.length === 0 && y.prerelease.length === 0) return 0;
  if (x.prerelease.length === 0) return 1;
  if (y.prerelease.length === 0) return -1;
  for (let i = 0; i < Math.min(x.prerelease.length, y.prerelease.length); i++) {
    const p = x.prerelease[i]!;
    const q = y.prerelease[i]!;
    const pn = NUMERIC.test(p);
    const qn = NUMERIC.test(q);
    if (pn && qn) {
      const c = compareNumeric(p, q);
      if (c !== 0) return c;
    } else if (pn !== qn) {
      // Numeric identifiers have lower precedence than alphanumeric ones.
      return pn ? -1 : 1;
    } else if (p !== q) {
      // ASCII order, as the spec says (not locale order).
      return p < q ? -1 : 1;
    }
  }
  return x.prerelease.length - y.prerelease.length;
}

export function isPrerelease(version: string): boolean {
  return (parseSemver(version)?.prerelease.length ?? 0) > 0;
}

/** Characters no file path of a skill may hold: controls, backslash, and what Windows refuses in a name. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const BAD_PATH_CHARS = /[\u0000-\u001f\u007f\\:*?"<>|]/;

/**
 * Why `path` cannot name a file of a skill, or null when it can. A path is
 * relative, `/`-separated, and stays inside the skill's folder wherever it
 * is unpacked: no leading `/`, no `.` or `..` segment, no empty segment, no
 * backslash or drive letter, no control characters. `SKILL.md` at the top is
 * the skill's content, not one of its files. `__proto__` is refused as a
 * segment: a JavaScript reader keying files by path would lose it.
 */
export function skillPathProblem(path: string): string | null {
  if (path.length === 0) return 'a file path must not be empty';
  if (path.length > MAX_SKILL_PATH_CHARS) return `a file path is at most ${MAX_SKILL_PATH_CHARS} characters`;
  if (BAD_PATH_CHARS.test(path)) return 'a file path must not hold backslashes, colons, control characters or any of * ? " < > |';
  if (path.startsWith('/')) return 'a file path must be relative (no leading /)';
  const parts = path.split('/');
  if (parts.length > MAX_SKILL_PATH_DEPTH) return `a file path is at most ${MAX_SKILL_PATH_DEPTH} segments deep`;
  for (const part of parts) {
    if (part === '') return 'a file path must not have empty segments (// or a trailing /)';
    if (part === '.' || part === '..') return 'a file path must not have . or .. segments';
    if (part === '__proto__') return 'a file path must not have a __proto__ segment';
    if (part.trim() !== part) return 'a file path segment must not start or end with spaces';
  }
  if (path.toLowerCase() === 'skill.md') return 'SKILL.md is the skill\'s content, not one of its files';
  return null;
}

/**
 * Why a set of paths cannot go together, or null: two paths that differ only
 * in case would be one file on a case-insensitive disk, and a path that is
 * also another's folder cannot be both.
 */
export function skillPathsProblem(paths: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const p of paths) {
    const key = p.toLowerCase();
    if (seen.has(key)) return `the file path ${p} is given twice (paths are compared ignoring case)`;
    seen.add(key);
  }
  for (const p of paths) {
    const parts = p.toLowerCase().split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      if (seen.has(folder) || folder === 'skill.md') return `the file path ${p} runs through ${parts.slice(0, i).join('/')}, which is a file`;
    }
  }
  return null;
}

/** A skill reference as typed: `name` or `name@version`. */
export function parseSkillRef(ref: string): { name: string; version?: string } | null {
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const version = at < 0 ? undefined : ref.slice(at + 1);
  if (!SKILL_NAME_RE.test(name)) return null;
  if (version !== undefined && !parseSemver(version)) return null;
  return version === undefined ? { name } : { name, version };
}

/** The hub's download path of a skill (no auth: skills are public). */
export function skillDownloadPath(name: string, format: 'raw' | 'zip', version?: string): string {
  const v = version === undefined ? '' : `&version=${encodeURIComponent(version)}`;
  return `/v1/skills/${encodeURIComponent(name)}/download?format=${format}${v}`;
}
