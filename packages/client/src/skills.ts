// Skills from a Parley hub, read safely: the zip of a skill (skill/download,
// GET /v1/skills/<name>/download) unpacked in memory under the same path rules
// the hub publishes with, and the links and front matter the CLI and the
// OpenClaw adapter both read. No I/O here but fetch; writing to a disk is in
// skill-install.ts (Node).
import {
  MAX_SKILL_FILES,
  MAX_SKILL_TOTAL_BYTES,
  SKILL_NAME_RE,
  parseSemver,
  skillPathProblem,
  skillPathsProblem,
  type SkillDownloadFormat,
} from '@parley/protocol';
import { unzipSync } from 'fflate';

/** One file of an unpacked skill; `path` is relative to the skill's folder (SKILL.md included). */
export interface SkillEntry {
  readonly path: string;
  readonly data: Uint8Array;
}

export interface SkillArchive {
  /** The archive's one top folder (the skill's name in a Parley zip), or null when SKILL.md sits at the top. */
  readonly root: string | null;
  /** SKILL.md first, then the files in archive order. */
  readonly files: readonly SkillEntry[];
}

export interface UnzipLimits {
  /** Largest archive read. Default: a skill's bytes and room for zip headers. */
  readonly maxZipBytes: number;
  /** Most entries (folders included). */
  readonly maxEntries: number;
  /** Most bytes of all files, unpacked. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_UNZIP_LIMITS: UnzipLimits = {
  maxZipBytes: MAX_SKILL_TOTAL_BYTES + 256 * 1024,
  maxEntries: (MAX_SKILL_FILES + 1) * 4,
  maxTotalBytes: MAX_SKILL_TOTAL_BYTES,
};

/** A skill archive that cannot be unpacked safely; nothing of it is used. */
export class SkillArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SkillArchiveError';
  }
}

const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

let crcTable: Uint32Array | undefined;
function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface CentralEntry {
  name: string;
  crc: number;
  size: number;
  dir: boolean;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/**
 * The archive's central directory, checked before a byte is inflated: the
 * entry count, every name, the declared sizes against the bounds, and each
 * entry's kind (a symlink, a device or an encrypted entry refuses the whole
 * archive). fflate inflates afterwards, each output bounded by the size
 * declared here; the CRC and the length are then checked, so an entry that
 * lied about its size is refused too.
 */
function centralDirectory(zip: Uint8Array, limits: UnzipLimits): CentralEntry[] {
  let eocd = -1;
  for (let o = zip.length - 22; o >= Math.max(0, zip.length - 22 - 0xffff); o--) {
    if (u32(zip, o) === 0x06054b50) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) throw new SkillArchiveError('not a zip archive (no end of central directory)');
  const count = u16(zip, eocd + 10);
  const cdSize = u32(zip, eocd + 12);
  const cdOffset = u32(zip, eocd + 16);
  if (u16(zip, eocd + 4) !== 0 || u16(zip, eocd + 6) !== 0 || u16(zip, eocd + 8) !== count) throw new SkillArchiveError('multi-disk zip archives are not read');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new SkillArchiveError('zip64 archives are not read (a skill is small)');
  if (count > limits.maxEntries) throw new SkillArchiveError(`the archive has ${count} entries, more than ${limits.maxEntries}`);
  if (cdOffset + cdSize > eocd) throw new SkillArchiveError('the central directory runs past its end');
  const entries: CentralEntry[] = [];
  let total = 0;
  let o = cdOffset;
  for (let i = 0; i < count; i++) {
    if (o + 46 > eocd || u32(zip, o) !== 0x02014b50) throw new SkillArchiveError('a central directory entry is malformed');
    const madeBy = u16(zip, o + 4);
    const flags = u16(zip, o + 8);
    const method = u16(zip, o + 10);
    const crc = u32(zip, o + 16);
    const size = u32(zip, o + 24);
    const nameLen = u16(zip, o + 28);
    const next = o + 46 + nameLen + u16(zip, o + 30) + u16(zip, o + 32);
    if (next > eocd) throw new SkillArchiveError('a central directory entry runs past its end');
    const nameBytes = zip.subarray(o + 46, o + 46 + nameLen);
    // Names are UTF-8 when flagged; otherwise only ASCII is read the same by every tool.
    if (!(flags & 0x800) && nameBytes.some((b) => b >= 0x80)) throw new SkillArchiveError('an entry name is neither UTF-8 (flagged) nor ASCII');
    const name = new TextDecoder('utf-8', { fatal: true }).decode(nameBytes);
    if (flags & 1) throw new SkillArchiveError(`${name} is encrypted`);
    if (method !== 0 && method !== 8) throw new SkillArchiveError(`${name} uses compression method ${method} (only stored and deflate are read)`);
    if (madeBy >> 8 === 3) {
      const type = (u32(zip, o + 38) >>> 16) & S_IFMT;
      if (type === S_IFLNK) throw new SkillArchiveError(`${name} is a symbolic link; skills hold files only`);
      if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) throw new SkillArchiveError(`${name} is not a regular file`);
    }
    const dir = name.endsWith('/');
    if (dir && size !== 0) throw new SkillArchiveError(`${name} is a folder with contents`);
    total += size;
    if (total > limits.maxTotalBytes) throw new SkillArchiveError(`the archive unpacks to more than ${limits.maxTotalBytes} bytes`);
    entries.push({ name, crc, size, dir });
    o = next;
  }
  return entries;
}

/**
 * Unpacks a skill's zip in memory, safely: bounded in size and entries, no
 * symlinks, and every path relative and inside the skill's folder by the
 * protocol's rules (skillPathProblem), with no duplicates ignoring case. The
 * archive holds SKILL.md at its top or inside one top folder (a Parley zip:
 * `<name>/SKILL.md`). Throws SkillArchiveError, having used nothing, when any
 * entry breaks a rule.
 */
export function readSkillZip(zip: Uint8Array, limits: UnzipLimits = DEFAULT_UNZIP_LIMITS): SkillArchive {
  if (zip.length > limits.maxZipBytes) throw new SkillArchiveError(`the archive is ${zip.length} bytes, more than ${limits.maxZipBytes}`);
  const entries = centralDirectory(zip, limits);
  const files = entries.filter((e) => !e.dir);
  const tops = new Set(entries.map((e) => e.name.split('/')[0]!));
  const nested = tops.size === 1 && entries.every((e) => e.name.includes('/'));
  const root = nested ? [...tops][0]! : null;
  if (root !== null && (root === '.' || root === '..' || root === '' || root === '__proto__')) throw new SkillArchiveError(`the archive's top folder ${JSON.stringify(root)} is not a name`);
  const strip = (name: string) => (root === null ? name : name.slice(root.length + 1));
  const paths = files.map((e) => strip(e.name));
  if (!paths.includes('SKILL.md')) throw new SkillArchiveError(root === null ? 'the archive has no SKILL.md at its top' : `the archive has no ${root}/SKILL.md`);
  for (const e of entries) {
    const rel = strip(e.dir ? e.name.slice(0, -1) : e.name);
    if (e.dir && rel === '') continue;
    const problem = rel === 'SKILL.md' && !e.dir ? null : skillPathProblem(rel);
    if (problem) throw new SkillArchiveError(`${e.name}: ${problem}`);
  }
  const together = skillPathsProblem(paths.filter((p) => p !== 'SKILL.md'));
  if (together) throw new SkillArchiveError(together);
  if (paths.filter((p) => p === 'SKILL.md').length > 1) throw new SkillArchiveError('the archive has SKILL.md twice');

  const wanted = new Set(files.map((e) => e.name));
  let out: Record<string, Uint8Array>;
  try {
    out = unzipSync(zip, { filter: (f) => wanted.has(f.name) });
  } catch (err) {
    throw new SkillArchiveError(`the archive cannot be read: ${(err as Error).message}`);
  }
  const unpacked: SkillEntry[] = [];
  for (const e of files) {
    const data = Object.hasOwn(out, e.name) ? out[e.name]! : undefined;
    if (!data || data.length !== e.size || crc32(data) !== e.crc) throw new SkillArchiveError(`${e.name} does not match its size or checksum`);
    unpacked.push({ path: strip(e.name), data });
  }
  unpacked.sort((a, b) => (a.path === 'SKILL.md' ? -1 : b.path === 'SKILL.md' ? 1 : 0));
  return { root, files: unpacked };
}

/** What a skill link names: the hub's base URL, the skill, and optionally its version and format. */
export interface SkillLink {
  readonly base: string;
  readonly name: string;
  readonly version?: string;
  readonly format: SkillDownloadFormat;
  /** The link itself, normalised. */
  readonly url: string;
}

/**
 * Reads a skill download link: `http(s)://<hub>[/<prefix>]/v1/skills/<name>/download?format=raw|zip[&version=]`
 * (Juji's `/skills/<name>/download` too). Null when it is not one.
 */
export function parseSkillLink(text: string): SkillLink | null {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  const m = /^(.*?)(?:\/v1)?\/skills\/([^/]+)\/download\/?$/.exec(u.pathname);
  if (!m) return null;
  const name = decodeURIComponent(m[2]!);
  if (!SKILL_NAME_RE.test(name)) return null;
  const format = u.searchParams.get('format') ?? 'zip';
  if (format !== 'raw' && format !== 'zip') return null;
  const version = u.searchParams.get('version') ?? undefined;
  if (version !== undefined && !parseSemver(version)) return null;
  return { base: `${u.origin}${m[1]}`, name, format, url: u.toString(), ...(version !== undefined ? { version } : {}) };
}

/**
 * Fetches a skill link's body, at most `maxBytes` of it (a bigger answer is
 * refused as it streams, not after). No credentials are sent: skills are public.
 */
export async function fetchSkill(link: SkillLink, opts: { maxBytes?: number; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Uint8Array> {
  // A server that never finishes its answer must not hold the caller: the whole download has a deadline.
  const ac = new AbortController();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const timer = setTimeout(() => ac.abort(new Error(`${link.url} did not answer within ${timeoutMs} ms`)), timeoutMs);
  const outer = opts.signal;
  const onAbort = () => ac.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  try {
    return await download(link, opts.maxBytes ?? DEFAULT_UNZIP_LIMITS.maxZipBytes, ac.signal);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

async function download(link: SkillLink, max: number, signal: AbortSignal): Promise<Uint8Array> {
  const res = await fetch(link.url, { redirect: 'error', signal });
  if (!res.ok) {
    let why = `${res.status} ${res.statusText}`;
    // An error body is read only as far as a Parley error body goes.
    const body = await readAtMost(res, 4096).catch(() => null);
    try {
      const parsed = body ? (JSON.parse(new TextDecoder().decode(body)) as { error?: unknown }) : null;
      if (typeof parsed?.error === 'string') why = `${why}: ${parsed.error.slice(0, 300)}`;
    } catch {
      // not a Parley error body
    }
    throw new Error(`cannot download ${link.url}: ${why}`);
  }
  const data = await readAtMost(res, max);
  if (!data) throw new Error(`${link.url} answered more than ${max} bytes; a skill is smaller`);
  return data;
}

/** The body, or null once it passes `max` bytes (the rest is not read). */
async function readAtMost(res: Response, max: number): Promise<Uint8Array | null> {
  if (!res.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let n = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * `name`, `description` and `version` from a SKILL.md's YAML front matter (the
 * AgentSkills format: single-line `key: value` pairs between `---` lines),
 * quotes removed. Only those plain keys are read; anything else is left alone.
 */
export function skillFrontMatter(text: string): { name?: string; description?: string; version?: string } {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\s*(?:\r?\n|$)/.exec(text);
  if (!m) return {};
  const out: { name?: string; description?: string; version?: string } = {};
  for (const line of m[1]!.split(/\r?\n/)) {
    const kv = /^(name|description|version)\s*:\s*(.*)$/.exec(line);
    if (!kv) continue;
    let v = kv[2]!.trim();
    if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) v = v.slice(1, -1);
    if (v) out[kv[1] as 'name' | 'description' | 'version'] = v;
  }
  return out;
}
