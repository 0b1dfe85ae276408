import { parseSkillLink } from '@parley/client';
import { installSkillFromLink, installSkillZip, type InstalledSkill } from '@parley/client/node';
import { parseSkillRef, type SkillSummary, type SkillVersion, type SkillVersionInfo } from '@parley/protocol';
import { op, type ParleyDomain } from '../domain.js';
import { CURSOR_FLAG, cursorOf, LIMIT_FLAG, UsageError, type CommandRunContext } from '../commands/spec.js';
import { plural, preview } from '../format.js';

/** The SKILL.md shown in a chat is cut here; the agent reads the whole with the tool. */
const CHAT_SKILL_CHARS = 4000;

function summaries(skills: readonly SkillSummary[], next: string | null, more: string): string {
  if (skills.length === 0) return 'No skills.';
  const lines = skills.map((s) => `- ${s.name} ${s.latest_version ?? '(prereleases only)'} (${plural(s.versions, 'version')}, by ${s.publisher_id}): ${preview(s.description, 100)}`);
  return lines.join('\n') + (next ? `\n${more.replace('{cursor}', next)}` : '');
}

function versionText(v: SkillVersion, maxChars = Infinity): string {
  const files = v.files.length ? `\nFiles: ${v.files.map((f) => `${f.path} (${f.bytes} bytes)`).join(', ')}` : '';
  const body = v.content.length > maxChars ? `${v.content.slice(0, maxChars)}\n… (${v.content.length - maxChars} more characters)` : v.content;
  return `Skill ${v.name}@${v.version}${v.prerelease ? ' (prerelease)' : ''} by ${v.publisher_id}, published ${v.published_at}: ${v.description}${files}\n\n${body}`;
}

function versionsText(versions: readonly SkillVersionInfo[], next: string | null, more: string): string {
  if (versions.length === 0) return 'No versions.';
  const lines = versions.map((v) => `- ${v.version}${v.prerelease ? ' (prerelease)' : ''}, ${v.published_at}, ${v.bytes} bytes: ${preview(v.description, 80)}`);
  return lines.join('\n') + (next ? `\n${more.replace('{cursor}', next)}` : '');
}

function refOf(text: string): { name: string; version?: string } {
  const ref = parseSkillRef(text);
  if (!ref) throw new UsageError(`not a skill: "${text}" (a name like web-search, or web-search@1.2.0)`);
  return ref;
}

/**
 * `/parley skill install`: the skill's zip, from the hub this agent is
 * connected to (skill/download) or from a Parley link, unpacked with the
 * client's safe unzip into the agent's workspace: `<workspace>/skills/<name>/`,
 * where OpenClaw looks first.
 */
async function install(ctx: CommandRunContext, source: string): Promise<string> {
  const workspace = ctx.host.workspaceDir?.() ?? null;
  if (!workspace) return 'No OpenClaw workspace is known yet (the Parley service has not started); try again in a moment.';
  let done: InstalledSkill;
  if (/^https?:\/\//i.test(source)) {
    const link = parseSkillLink(source);
    if (!link) throw new UsageError(`not a skill download link: ${source} (http(s)://<hub>/v1/skills/<name>/download?format=zip|raw)`);
    done = await installSkillFromLink(workspace, link);
  } else {
    const ref = refOf(source);
    const r = await ctx.caller.call('skill/download', { ...ref, format: 'zip' });
    done = await installSkillZip(workspace, r.name, Buffer.from(r.content, 'base64'));
  }
  return `Installed skill ${done.name} into ${done.dir} (${plural(done.files.length, 'file')})${done.replaced ? ', replacing the one there' : ''}. OpenClaw picks it up in the next session.`;
}


/** The hub's skill registry: find skills, read them, and install one into this agent's workspace. */
export const skillsDomain: ParleyDomain = {
  id: 'skills',
  tools: [
    {
      name: 'parley_skills',
      label: 'Parley skills',
      description:
        "The Parley hub's skill registry (SKILL.md packages that agents publish): list or search skills, read one version with its SKILL.md " +
        '(the latest release unless a version is given), list the versions of a skill, download one, publish a version of your own ' +
        '(published versions never change). Installing is the user\'s "/parley skill install <name>".',
      ops: {
        list: op('skill/list', 'skills by name with their latest release; q searches names and descriptions', (r) =>
          summaries(r.skills, r.next_cursor, '(more: call again with cursor {cursor})'),
        ),
        get: op('skill/get', 'one version of a skill with its SKILL.md', (r) => versionText(r)),
        versions: op('skill/versions', "a skill's versions, highest first", (r) => versionsText(r.versions, r.next_cursor, '(more: call again with cursor {cursor})')),
        download: op('skill/download', 'a version as its SKILL.md text (format raw) or a zip (base64 in the details)', (r) =>
          r.format === 'raw'
            ? `SKILL.md of ${r.name}@${r.version}:\n${r.content}`
            : `${r.filename}: a zip of ${r.bytes} bytes (base64 in the result details). To install it, the user runs "/parley skill install ${r.name}@${r.version}".`,
        ),
        publish: op('skill/publish', 'publish a version of a skill you publish (SKILL.md as content, other files beside it)', (r) =>
          r.created
            ? `Published ${r.skill.name}@${r.skill.version} (${plural(r.skill.files.length, 'file')} besides SKILL.md, ${r.skill.bytes} bytes).`
            : `${r.skill.name}@${r.skill.version} was already published with these contents; nothing changed.`,
        ),
      },
      fieldHints: { name: 'The skill name (lowercase letters, digits, dashes)', version: 'A semantic version, e.g. 1.2.0', q: 'Search words', publisher: 'An agent id (agt_...)', content: 'The SKILL.md text', files: 'Files beside SKILL.md: path, content, encoding (utf8 or base64)' },
    },
  ],
  commands: [
    {
      name: 'skill',
      aliases: ['skills'],
      summary: 'the skill registry: list [words], get <name[@version]>, versions <name>, install <name[@version]|link>',
      subcommands: [
        {
          name: 'list',
          aliases: ['ls', 'search'],
          summary: 'skills by name; words search names and descriptions',
          args: [{ name: 'q', kind: 'text', optional: true }],
          flags: [LIMIT_FLAG(100), CURSOR_FLAG],
          run: async (ctx, a) => {
            const q = a.optStr('q')?.trim();
            const r = await ctx.caller.call('skill/list', { ...(q ? { q } : {}), limit: a.optInt('limit') ?? 20, ...cursorOf(a) });
            return summaries(r.skills, r.next_cursor, `(more: "${ctx.prefix} skill list${q ? ` ${q}` : ''} --cursor {cursor}")`);
          },
        },
        {
          name: 'get',
          aliases: ['show'],
          summary: 'one version of a skill with its SKILL.md',
          args: [{ name: 'skill', kind: 'word' }],
          run: async (ctx, a) => versionText(await ctx.caller.call('skill/get', refOf(a.str('skill'))), CHAT_SKILL_CHARS),
        },
        {
          name: 'versions',
          summary: "a skill's versions, highest first",
          args: [{ name: 'name', kind: 'word' }],
          flags: [LIMIT_FLAG(100), CURSOR_FLAG],
          run: async (ctx, a) => {
            const { name } = refOf(a.str('name'));
            const r = await ctx.caller.call('skill/versions', { name, limit: a.optInt('limit') ?? 20, ...cursorOf(a) });
            return versionsText(r.versions, r.next_cursor, `(more: "${ctx.prefix} skill versions ${name} --cursor {cursor}")`);
          },
        },
        {
          name: 'install',
          aliases: ['add'],
          summary: "install a skill into this agent's workspace (skills/<name>/)",
          args: [{ name: 'source', kind: 'word' }],
          examples: ['skill install web-search', 'skill install web-search@1.2.0', 'skill install https://hub.example/v1/skills/web-search/download?format=zip'],
          run: (ctx, a) => install(ctx, a.str('source')),
        },
      ],
    },
  ],
};
