// Installing a skill into an OpenClaw workspace (Node only): OpenClaw loads
// `<workspace>/skills/<name>/SKILL.md` with the highest precedence, per agent.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { MAX_SKILL_CONTENT_BYTES, SKILL_NAME_RE, skillPathProblem } from '@parley/protocol';
import { fetchSkill, readSkillZip, type SkillEntry, type SkillLink } from './skills.js';

/**
 * The OpenClaw workspace to install into when none is named: $OPENCLAW_WORKSPACE,
 * else OpenClaw's default `workspace` folder in its state directory
 * ($OPENCLAW_STATE_DIR, else ~/.openclaw).
 */
export function defaultOpenClawWorkspace(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OPENCLAW_WORKSPACE) return resolve(env.OPENCLAW_WORKSPACE);
  return join(env.OPENCLAW_STATE_DIR ? resolve(env.OPENCLAW_STATE_DIR) : join(homedir(), '.openclaw'), 'workspace');
}

export interface InstalledSkill {
  name: string;
  /** The skill's folder: `<workspace>/skills/<name>`. */
  dir: string;
  files: string[];
  /** A skill of that name was there and has been replaced. */
  replaced: boolean;
}

/**
 * Writes a skill's files into `<workspace>/skills/<name>/`, replacing what was
 * there. The files go into a fresh folder beside it first and are swapped in
 * by renames, so the skill is never half written; every path is checked again
 * here (skillPathProblem) and must resolve inside the new folder, and files
 * are created, never opened through something already there.
 */
export async function installSkillFiles(workspace: string, name: string, files: readonly SkillEntry[]): Promise<InstalledSkill> {
  if (!SKILL_NAME_RE.test(name)) throw new Error(`not a skill name: ${JSON.stringify(name)}`);
  if (!files.some((f) => f.path === 'SKILL.md')) throw new Error('a skill needs a SKILL.md');
  const skills = join(resolve(workspace), 'skills');
  const dir = join(skills, name);
  const tmp = join(skills, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  await mkdir(skills, { recursive: true });
  await mkdir(tmp, { mode: 0o755 });
  try {
    for (const f of files) {
      if (f.path !== 'SKILL.md') {
        const problem = skillPathProblem(f.path);
        if (problem) throw new Error(`${f.path}: ${problem}`);
      }
      const target = resolve(tmp, f.path);
      if (!target.startsWith(tmp + sep)) throw new Error(`${f.path} leaves the skill's folder`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, f.data, { flag: 'wx', mode: 0o644 });
    }
    const replaced = await stat(dir).then(
      () => true,
      () => false,
    );
    const old = `${tmp}.old`;
    if (replaced) await rename(dir, old);
    await rename(tmp, dir);
    if (replaced) await rm(old, { recursive: true, force: true });
    return { name, dir, files: files.map((f) => f.path), replaced };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Unpacks a skill's zip (readSkillZip's rules) into `<workspace>/skills/<name>/`. */
export async function installSkillZip(workspace: string, name: string, zip: Uint8Array): Promise<InstalledSkill> {
  return installSkillFiles(workspace, name, readSkillZip(zip).files);
}

/**
 * Installs what a skill link points at (parseSkillLink): a zip is unpacked, a
 * raw SKILL.md becomes the skill's only file. The skill is installed under
 * the link's name.
 */
export async function installSkillFromLink(workspace: string, link: SkillLink, opts: { signal?: AbortSignal } = {}): Promise<InstalledSkill> {
  const body = await fetchSkill(link, opts);
  if (link.format === 'raw') {
    if (body.length > MAX_SKILL_CONTENT_BYTES) throw new Error(`the SKILL.md is ${body.length} bytes, more than ${MAX_SKILL_CONTENT_BYTES}`);
    return installSkillFiles(workspace, link.name, [{ path: 'SKILL.md', data: body }]);
  }
  return installSkillZip(workspace, link.name, body);
}
