import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { parseSkillLink, skillFrontMatter, type SkillLink } from '@parley/client';
import { defaultOpenClawWorkspace, installSkillFromLink } from '@parley/client/node';
import {
  AgentId,
  MAX_SKILL_FILES,
  MAX_SKILL_TOTAL_BYTES,
  parseSemver,
  parseSkillRef,
  SKILL_NAME_RE,
  skillDownloadPath,
  type ParamsOf,
  type SkillSummary,
  type SkillVersion,
  type SkillVersionInfo,
} from '@parley/protocol';
import type { Command } from 'commander';
import { choice, parseLimit } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { preview, table } from '../output.js';
import { withClient } from '../session.js';

type PublishFile = NonNullable<ParamsOf<'skill/publish'>['files']>[number];

/**
 * `parley skill publish|list|get|versions|download|install`: the hub's skill
 * registry. Install downloads a skill's zip (from a Parley link, or by name
 * from the configured hub, over the public download route: no identity
 * needed) and unpacks it into an OpenClaw workspace's `skills/` folder with
 * the client's safe unzip.
 */
export function registerSkills(program: Command, ctx: Context): void {
  const skill = program.command('skill').alias('skills').description('the skill registry: publish, find, download and install skills (SKILL.md and files)');

  skill
    .command('publish')
    .description('publish a version of a skill: a folder holding SKILL.md (its other files go along), or a SKILL.md file')
    .argument('<path>', 'a skill folder or a SKILL.md')
    // Not --version: that is parley's own, read wherever it stands on the command line.
    .argument('[version]', 'the version, e.g. 1.0.0 (default: SKILL.md front matter `version`); published versions never change')
    .option('--name <name>', "the skill's name (default: SKILL.md front matter `name`)")
    .option('--description <text>', 'what it is for (default: SKILL.md front matter `description`)')
    .addHelpText('after', '\nExample:\n  parley skill publish ./skills/web-search 1.2.0')
    .action(async (path: string, version: string | undefined, opts: { name?: string; description?: string }) => {
      const params = await readSkillDir(path, { ...opts, ...(version !== undefined ? { version } : {}) });
      const r = await withClient(ctx.config(), (c) => c.skills.publish(params));
      ctx.output().result(r, () =>
        r.created
          ? `published ${r.skill.name}@${r.skill.version} (${r.skill.files.length} files besides SKILL.md, ${r.skill.bytes} bytes)`
          : `${r.skill.name}@${r.skill.version} was already published with these contents; nothing changed`,
      );
    });

  skill
    .command('list')
    .alias('search')
    .description('skills by name with their latest release; words given search names and descriptions')
    .argument('[words...]', 'search words (every one must match)')
    .option('--publisher <agent_id>', "one publisher's skills")
    .option('--limit <n>', 'at most this many (1-100)', (v) => parseLimit(v, 100))
    .option('--cursor <cursor>', 'the next page (next_cursor of the previous one)')
    .action(async (words: string[], opts: { publisher?: string; limit?: number; cursor?: string }) => {
      if (opts.publisher !== undefined && !AgentId.safeParse(opts.publisher).success) throw new CliError('--publisher must be an agent id (agt_...)', ExitCode.Usage);
      const q = words.join(' ').trim();
      const r = await withClient(ctx.config(), (c) =>
        c.skills.list({
          ...(q ? { q } : {}),
          ...(opts.publisher ? { publisher: opts.publisher } : {}),
          ...(opts.limit ? { limit: opts.limit } : {}),
          ...(opts.cursor ? { cursor: opts.cursor } : {}),
        }),
      );
      ctx.output().result(r, () => summariesText(r.skills, r.next_cursor));
    });

  skill
    .command('get')
    .alias('show')
    .description('one version of a skill with its SKILL.md (default: the latest release)')
    .argument('<name[@version]>', 'e.g. web-search or web-search@1.2.0')
    .action(async (ref: string) => {
      const r = await withClient(ctx.config(), (c) => c.skills.get(parseRef(ref)));
      ctx.output().result(r, () => versionText(r));
    });

  skill
    .command('versions')
    .description("a skill's versions, highest first")
    .argument('<name>', 'the skill name')
    .option('--limit <n>', 'at most this many (1-100)', (v) => parseLimit(v, 100))
    .option('--cursor <cursor>', 'the next page (next_cursor of the previous one)')
    .action(async (name: string, opts: { limit?: number; cursor?: string }) => {
      const r = await withClient(ctx.config(), (c) =>
        c.skills.versions({ name: parseName(name), ...(opts.limit ? { limit: opts.limit } : {}), ...(opts.cursor ? { cursor: opts.cursor } : {}) }),
      );
      ctx.output().result(r, () => versionsText(r.versions, r.next_cursor));
    });

  skill
    .command('download')
    .description('save a skill as its SKILL.md (raw) or as a zip')
    .argument('<name[@version]>', 'e.g. web-search or web-search@1.2.0')
    .option('--format <format>', 'raw (SKILL.md) or zip', (v: string) => choice(['raw', 'zip'] as const, v, '--format'), 'zip')
    .option('-o, --output <file>', 'where to save it (default: the name the hub gives, in the current folder; - for stdout)')
    .action(async (ref: string, opts: { format: 'raw' | 'zip'; output?: string }) => {
      const r = await withClient(ctx.config(), (c) => c.skills.download({ ...parseRef(ref), format: opts.format }));
      const data = Buffer.from(r.content, r.encoding === 'base64' ? 'base64' : 'utf8');
      if (opts.output === '-') {
        if (r.format !== 'raw') throw new CliError('a zip is not written to stdout; give a file with -o', ExitCode.Usage);
        ctx.io.writeOut(r.content);
        return;
      }
      const file = resolve(opts.output ?? r.filename);
      await writeFile(file, data);
      ctx.output().result({ ...r, content: undefined, file }, () => `saved ${r.name}@${r.version} (${r.format}, ${r.bytes} bytes) to ${file}`);
    });

  skill
    .command('install')
    .description("install a skill into an OpenClaw workspace's skills folder, from a Parley link or by name from the hub")
    .argument('<source>', 'a link (http(s)://<hub>/v1/skills/<name>/download?format=zip|raw) or name[@version]')
    .option('--workspace <dir>', 'the OpenClaw workspace (default: $OPENCLAW_WORKSPACE, else ~/.openclaw/workspace)')
    .addHelpText('after', '\nExamples:\n  parley skill install web-search@1.2.0\n  parley skill install "https://hub.example/v1/skills/web-search/download?format=zip"')
    .action(async (source: string, opts: { workspace?: string }) => {
      const link = sourceLink(source, ctx.config().urls[0]!);
      const workspace = opts.workspace ? resolve(opts.workspace) : defaultOpenClawWorkspace(ctx.io.env);
      let installed;
      try {
        installed = await installSkillFromLink(workspace, link);
      } catch (err) {
        throw new CliError(`cannot install ${link.name}: ${(err as Error).message}`, ExitCode.Failed);
      }
      ctx.output().result({ ...installed, source: link.url }, () =>
        `installed ${installed.name} into ${installed.dir} (${installed.files.length} files)${installed.replaced ? ', replacing the one there' : ''}`,
      );
    });
}

function parseName(name: string): string {
  if (!SKILL_NAME_RE.test(name)) throw new CliError(`not a skill name: "${name}" (lowercase letters, digits and dashes)`, ExitCode.Usage);
  return name;
}

function parseRef(ref: string): { name: string; version?: string } {
  const r = parseSkillRef(ref);
  if (!r) throw new CliError(`not a skill: "${ref}" (name or name@version, e.g. web-search@1.2.0)`, ExitCode.Usage);
  return r;
}

/** A link as given, or name[@version] on the hub's public download route. */
function sourceLink(source: string, hub: string): SkillLink {
  if (/^https?:\/\//i.test(source)) {
    const link = parseSkillLink(source);
    if (!link) throw new CliError(`not a skill download link: ${source} (http(s)://<hub>/v1/skills/<name>/download?format=zip|raw)`, ExitCode.Usage);
    return link;
  }
  const ref = parseRef(source);
  return parseSkillLink(`${hub.replace(/\/+$/, '')}${skillDownloadPath(ref.name, 'zip', ref.version)}`)!;
}

/** Text files go as UTF-8, anything else as base64. */
function fileOf(path: string, data: Buffer): PublishFile {
  try {
    return { path, content: new TextDecoder('utf-8', { fatal: true }).decode(data), encoding: 'utf8' };
  } catch {
    return { path, content: data.toString('base64'), encoding: 'base64' };
  }
}

/**
 * The publish params from a folder (SKILL.md and every other regular file
 * under it, hidden ones and symlinks left out) or a SKILL.md alone. Bounded
 * as the hub bounds a skill, so a wrong folder (a home directory) stops early.
 */
async function readSkillDir(path: string, opts: { version?: string; name?: string; description?: string }): Promise<ParamsOf<'skill/publish'>> {
  const at = resolve(path);
  const st = await lstat(at).catch(() => null);
  if (!st) throw new CliError(`no such file or folder: ${path}`, ExitCode.Usage);
  const dir = st.isDirectory() ? at : null;
  const skillMd = dir ? join(dir, 'SKILL.md') : at;
  if (!dir && basename(at).toLowerCase() !== 'skill.md') throw new CliError(`${path} is neither a folder nor a SKILL.md`, ExitCode.Usage);
  const content = await readFile(skillMd, 'utf8').catch(() => {
    throw new CliError(`no SKILL.md in ${path}`, ExitCode.Usage);
  });
  const files: PublishFile[] = [];
  let total = Buffer.byteLength(content);
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) {
        const rel = relative(dir!, full).split(sep).join('/');
        if (rel === 'SKILL.md') continue;
        if (files.length >= MAX_SKILL_FILES) throw new CliError(`${path} has more than ${MAX_SKILL_FILES} files besides SKILL.md`, ExitCode.Usage);
        const data = await readFile(full);
        total += data.length;
        if (total > MAX_SKILL_TOTAL_BYTES) throw new CliError(`${path} holds more than ${MAX_SKILL_TOTAL_BYTES} bytes; a skill is smaller`, ExitCode.Usage);
        files.push(fileOf(rel, data));
      }
    }
  };
  if (dir) await walk(dir);
  const front = skillFrontMatter(content);
  const name = opts.name ?? front.name;
  if (!name) throw new CliError('no skill name: give --name, or `name:` in the SKILL.md front matter', ExitCode.Usage);
  const version = opts.version ?? front.version;
  if (!version) throw new CliError('no version: give it after the path (parley skill publish <path> 1.0.0), or `version:` in the SKILL.md front matter', ExitCode.Usage);
  if (!parseSemver(version)) throw new CliError(`the version must be a semantic version (e.g. 1.2.0), got "${version}"`, ExitCode.Usage);
  const description = opts.description ?? front.description;
  if (!description) throw new CliError('no description: give --description, or `description:` in the SKILL.md front matter', ExitCode.Usage);
  return { name: parseName(name), version, description, content, files };
}

function summariesText(skills: readonly SkillSummary[], next: string | null): string {
  if (skills.length === 0) return 'no skills';
  const rows = skills.map((s) => [s.name, s.latest_version ?? '(prerelease)', String(s.versions), s.publisher_id, preview(s.description, 60)]);
  return table(['NAME', 'LATEST', 'VERSIONS', 'PUBLISHER', 'DESCRIPTION'], rows) + (next ? `\nmore: --cursor ${next}` : '');
}

function versionText(v: SkillVersion): string {
  const files = v.files.length ? `\nfiles: ${v.files.map((f) => `${f.path} (${f.bytes} B)`).join(', ')}` : '';
  return `${v.name}@${v.version}${v.prerelease ? ' (prerelease)' : ''} by ${v.publisher_id}, ${v.published_at}\n${v.description}${files}\nsha256 ${v.sha256}\n\n${v.content}`;
}

function versionsText(versions: readonly SkillVersionInfo[], next: string | null): string {
  if (versions.length === 0) return 'no versions';
  const rows = versions.map((v) => [v.version + (v.prerelease ? ' (pre)' : ''), v.published_at, String(v.bytes), preview(v.description, 50)]);
  return table(['VERSION', 'PUBLISHED', 'BYTES', 'DESCRIPTION'], rows) + (next ? `\nmore: --cursor ${next}` : '');
}
