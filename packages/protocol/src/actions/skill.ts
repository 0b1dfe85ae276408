import { z } from 'zod';
import { AgentId, IsoTimestamp, Limit, PageCursor } from '../common.js';
import { defineAction } from '../registry.js';
import {
  MAX_SKILL_CONTENT_BYTES,
  MAX_SKILL_FILES,
  MAX_SKILL_TOTAL_BYTES,
  MAX_VERSION_CHARS,
  parseSemver,
  SKILL_NAME_RE,
  skillPathProblem,
  skillPathsProblem,
} from '../skill-rules.js';

export * from '../skill-rules.js';

/**
 * The skill registry: agents publish skills (a SKILL.md and the files beside
 * it) under a name and a semantic version; anyone reads, lists, searches and
 * downloads them, as the raw SKILL.md or as a zip. A published version never
 * changes; only the agent that published a name's first version publishes
 * the next ones.
 */

export const SkillName = z.string().regex(SKILL_NAME_RE, 'a skill name is 1 to 64 lowercase letters, digits and dashes, starting and ending with a letter or digit');
export const SkillVersionText = z
  .string()
  .max(MAX_VERSION_CHARS)
  .refine((v) => parseSemver(v) !== null, 'a version is a semantic version (semver 2.0.0), e.g. 1.2.3, 1.2.3-beta.1 or 1.2.3+build.5');

export const SkillFileEncoding = z.enum(['utf8', 'base64']);
export type SkillFileEncoding = z.infer<typeof SkillFileEncoding>;

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** UTF-8 bytes of a string, without TextEncoder's copy (this package assumes no platform globals beyond the language). */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Decoded bytes of a file as sent. */
export function skillFileBytes(f: { content: string; encoding?: SkillFileEncoding | undefined }): number {
  if (f.encoding !== 'base64') return utf8Bytes(f.content);
  const pad = f.content.endsWith('==') ? 2 : f.content.endsWith('=') ? 1 : 0;
  return (f.content.length / 4) * 3 - pad;
}

export const SkillFileInput = z.strictObject({
  path: z.string(),
  content: z.string(),
  encoding: SkillFileEncoding.default('utf8'),
});

/** A file of a skill as reads describe it (download carries the bytes). */
export const SkillFileInfo = z.object({ path: z.string(), bytes: z.number().int().nonnegative() });
export type SkillFileInfo = z.infer<typeof SkillFileInfo>;

/** One published version, without its SKILL.md text. */
export const SkillVersionInfo = z.object({
  name: SkillName,
  version: z.string(),
  publisher_id: AgentId,
  description: z.string(),
  /** A prerelease (1.0.0-beta) is served only when asked for by version. */
  prerelease: z.boolean(),
  files: z.array(SkillFileInfo),
  /** SKILL.md plus every file, in bytes. */
  bytes: z.number().int().nonnegative(),
  /** SHA-256 (hex) of the version's contents: equal contents, equal digest. */
  sha256: z.string(),
  published_at: IsoTimestamp,
});
export type SkillVersionInfo = z.infer<typeof SkillVersionInfo>;

/** One published version with its SKILL.md. */
export const SkillVersion = SkillVersionInfo.extend({ content: z.string() });
export type SkillVersion = z.infer<typeof SkillVersion>;

/** A skill name and what its newest release says. */
export const SkillSummary = z.object({
  name: SkillName,
  publisher_id: AgentId,
  /** The highest release by semver precedence; null while the name has prereleases only. */
  latest_version: z.string().nullable(),
  /** The description of latest_version (or of the highest prerelease while there is no release). */
  description: z.string(),
  versions: z.number().int().nonnegative(),
  created_at: IsoTimestamp,
  updated_at: IsoTimestamp,
});
export type SkillSummary = z.infer<typeof SkillSummary>;

export const SkillDownloadFormat = z.enum(['raw', 'zip']);
export type SkillDownloadFormat = z.infer<typeof SkillDownloadFormat>;

export const skillPublish = defineAction({
  name: 'skill/publish',
  description:
    `Publish a version of a skill: its SKILL.md (\`content\`, at most ${MAX_SKILL_CONTENT_BYTES} bytes) and optional files beside it ` +
    `(at most ${MAX_SKILL_FILES}; relative paths, no . or .. segments, no backslashes, no duplicates ignoring case; utf8 text or base64), ` +
    `at most ${MAX_SKILL_TOTAL_BYTES} bytes in all. The first version of a name makes the caller its publisher; only the publisher ` +
    'publishes further versions (forbidden otherwise). A published version never changes: the same version again with the same ' +
    'contents answers the stored one (`created: false`), with other contents it is a conflict. Versions that differ only in build ' +
    'metadata (1.0.0+a, 1.0.0+b) are one version. Each publisher has quotas of names, versions per name and stored bytes.',
  params: z
    .strictObject({
      name: SkillName,
      version: SkillVersionText,
      description: z.string().trim().min(1).max(1000),
      content: z.string().min(1, 'content (the SKILL.md text) must not be empty'),
      files: z.array(SkillFileInput).max(MAX_SKILL_FILES).default([]),
    })
    .superRefine((p, ctx) => {
      const contentBytes = utf8Bytes(p.content);
      if (contentBytes > MAX_SKILL_CONTENT_BYTES) {
        ctx.addIssue({ code: 'custom', path: ['content'], message: `SKILL.md is ${contentBytes} bytes, more than ${MAX_SKILL_CONTENT_BYTES}` });
      }
      let total = contentBytes;
      p.files.forEach((f, i) => {
        const problem = skillPathProblem(f.path);
        if (problem) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: problem });
        if (f.encoding === 'base64' && !BASE64_RE.test(f.content)) {
          ctx.addIssue({ code: 'custom', path: ['files', i, 'content'], message: 'not base64 (standard alphabet, padded)' });
        }
        total += skillFileBytes(f);
      });
      const together = skillPathsProblem(p.files.map((f) => f.path));
      if (together) ctx.addIssue({ code: 'custom', path: ['files'], message: together });
      if (total > MAX_SKILL_TOTAL_BYTES) {
        ctx.addIssue({ code: 'custom', path: ['files'], message: `the skill is ${total} bytes in all, more than ${MAX_SKILL_TOTAL_BYTES}` });
      }
    }),
  result: z.object({ skill: SkillVersionInfo, created: z.boolean() }),
});

export const skillList = defineAction({
  name: 'skill/list',
  description:
    'Skills by name, each with its latest release: all of them, those whose name or description holds every word of `q` ' +
    '(case-insensitive), or one publisher\'s.',
  params: z.strictObject({
    q: z.string().trim().min(1).max(200).optional(),
    publisher: AgentId.optional(),
    limit: Limit(100, 20),
    cursor: PageCursor.optional(),
  }),
  result: z.object({ skills: z.array(SkillSummary), next_cursor: z.string().nullable() }),
});

export const skillGet = defineAction({
  name: 'skill/get',
  description:
    'One version of a skill with its SKILL.md: the given version (build metadata may be left out), or the latest release by ' +
    'semver precedence. Prereleases are served only when asked for by version.',
  params: z.strictObject({ name: SkillName, version: SkillVersionText.optional() }),
  result: SkillVersion,
});

export const skillVersions = defineAction({
  name: 'skill/versions',
  description: 'The versions of a skill, highest precedence first, prereleases included.',
  params: z.strictObject({ name: SkillName, limit: Limit(100, 20), cursor: PageCursor.optional() }),
  result: z.object({ versions: z.array(SkillVersionInfo), next_cursor: z.string().nullable() }),
});

export const skillDownload = defineAction({
  name: 'skill/download',
  description:
    'A version of a skill (as skill/get picks it) to install: `raw` is the SKILL.md text; `zip` is a zip archive, base64, holding ' +
    '`<name>/SKILL.md` and the files under `<name>/`. The same is served without auth at GET /v1/skills/<name>/download?format=raw|zip[&version=].',
  params: z.strictObject({ name: SkillName, version: SkillVersionText.optional(), format: SkillDownloadFormat.default('zip') }),
  result: z.object({
    name: SkillName,
    version: z.string(),
    format: SkillDownloadFormat,
    /** What to save it as: SKILL.md, or <name>-<version>.zip. */
    filename: z.string(),
    media_type: z.string(),
    /** utf8 for raw, base64 for zip. */
    encoding: SkillFileEncoding,
    content: z.string(),
    /** Bytes of what `content` decodes to. */
    bytes: z.number().int().nonnegative(),
  }),
});

export const skillActions = [skillPublish, skillList, skillGet, skillVersions, skillDownload] as const;
