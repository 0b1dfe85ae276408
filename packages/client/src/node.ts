// Node-only helpers: identity files and a file cursor store. Import from "@parley/client/node".
import { mkdir, readFile, rename, writeFile, chmod, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createIdentity, parseIdentity, serializeIdentity, type Identity } from './identity.js';
import { parseSnapshot, type CursorSnapshot, type CursorStore } from './cursors.js';

export * from './index.js';
export { defaultOpenClawWorkspace, installSkillFiles, installSkillFromLink, installSkillZip, type InstalledSkill } from './skill-install.js';

/** Write `data` to `path` atomically: a reader sees the old file or the new one, never half of either. */
async function atomicWrite(path: string, data: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode });
    // writeFile's mode is filtered by the umask; the secret key file must be 0600 whatever the umask.
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Saves the identity as JSON with mode 0600 (parent directory created 0700). */
export async function saveIdentity(path: string, identity: Identity): Promise<void> {
  await atomicWrite(path, serializeIdentity(identity), 0o600);
}

/** Loads an identity file; throws a clear error when it is missing or corrupt. */
export async function loadIdentity(path: string): Promise<Identity> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no identity file at ${path}`, { cause: err });
    throw new Error(`cannot read identity file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return parseIdentity(text);
  } catch (err) {
    throw new Error(`identity file ${path} is corrupt: ${(err as Error).message}`, { cause: err });
  }
}

/** Loads the identity at `path`, or creates and saves a new one if there is no file yet. */
export async function loadOrCreateIdentity(path: string): Promise<Identity> {
  try {
    await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const identity = createIdentity();
    await saveIdentity(path, identity);
    return identity;
  }
  return loadIdentity(path);
}

/** Cursors in a JSON file, replaced atomically on every save, so resume survives a process restart. */
export class FileCursorStore implements CursorStore {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  async load(): Promise<CursorSnapshot | null> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      return parseSnapshot(JSON.parse(text));
    } catch {
      // A damaged cursor file costs a resume, not the client: start live.
      return null;
    }
  }

  async save(snapshot: CursorSnapshot): Promise<void> {
    await atomicWrite(this.#path, JSON.stringify(snapshot) + '\n', 0o600);
  }
}
