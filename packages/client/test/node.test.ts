import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdentity } from '../src/identity.js';
import { FileCursorStore, loadIdentity, loadOrCreateIdentity, saveIdentity } from '../src/node.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-client-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('node helpers', () => {
  it('saveIdentity writes 0600 in a 0700 parent; loadIdentity round-trips', async () => {
    const id = createIdentity();
    const path = join(dir, 'nested', 'identity.json');
    await saveIdentity(path, id);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700);
    expect(await loadIdentity(path)).toEqual(id);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(id);
  });

  it('0600 holds even with a permissive umask and when overwriting', async () => {
    const path = join(dir, 'id.json');
    await writeFile(path, 'old', { mode: 0o644 });
    const old = process.umask(0);
    try {
      await saveIdentity(path, createIdentity());
    } finally {
      process.umask(old);
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('loadIdentity gives a clear error for a missing or corrupt file', async () => {
    await expect(loadIdentity(join(dir, 'nope.json'))).rejects.toThrow(/no identity file/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"secretKey": "zz"}');
    await expect(loadIdentity(bad)).rejects.toThrow(/corrupt/);
    await writeFile(bad, 'not json at all');
    await expect(loadIdentity(bad)).rejects.toThrow(/corrupt/);
  });

  it('loadOrCreateIdentity creates once, then loads the same identity', async () => {
    const path = join(dir, 'a', 'id.json');
    const first = await loadOrCreateIdentity(path);
    const second = await loadOrCreateIdentity(path);
    expect(second).toEqual(first);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('FileCursorStore round-trips, starts empty, leaves no temp files', async () => {
    const path = join(dir, 'state', 'cursors.json');
    const store = new FileCursorStore(path);
    expect(await store.load()).toBeNull();
    await store.save({ epoch: 'e1', cursors: { 'agent:x': 5 } });
    await Promise.all([1, 2, 3, 4, 5].map((n) => store.save({ epoch: 'e1', cursors: { 'agent:x': n } })));
    await store.save({ epoch: 'e1', cursors: { 'agent:x': 9, 'topic:top_a': 2 } });
    expect(await new FileCursorStore(path).load()).toEqual({ epoch: 'e1', cursors: { 'agent:x': 9, 'topic:top_a': 2 } });
    expect(await readdir(join(dir, 'state'))).toEqual(['cursors.json']);
    await writeFile(path, '{broken');
    expect(await store.load()).toBeNull();
  });
});
