import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@parley/hub/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { LiveProcess, runCli, spawnCli, tempDir } from './helpers.js';

/**
 * What an operator runs on an upgrade: `parley migrate` once, then the hubs,
 * which refuse a schema they were not migrated to, and a database that is not
 * there, each with one line saying what to do. PostgreSQL cases need a server
 * whatever PARLEY_TEST_STORE says (a database of their own each, from
 * @parley/hub/testing); the SQLite one a temp dir.
 */

const PASSWORD = 'pw-must-not-leak-41c9';
const databases: TestDatabase[] = [];
const dirs: string[] = [];

/** A fresh PostgreSQL database's URL, with a password (the server trusts us and never asks for it). */
async function freshDb(): Promise<{ url: string; shown: string }> {
  const database = await createTestDatabase('parley_cli');
  databases.push(database);
  const u = new URL(database.url);
  u.password = PASSWORD;
  const url = u.toString();
  return { url, shown: url.replace(`:${PASSWORD}@`, ':***@') };
}

afterAll(async () => {
  for (const database of databases) await database.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Report {
  db: string;
  dialect: string;
  applied: string[];
}

describe('parley migrate', () => {
  it('applies every migration to a fresh PostgreSQL database, then says the schema is current; --json gives the report', async () => {
    const { url, shown } = await freshDb();
    const first = await runCli(['migrate', '--db', url], {});
    expect(first.code, first.stderr).toBe(0);
    const m = /^(.*): applied (\d+) migrations \((.*)\)\n$/.exec(first.stdout);
    expect(m, first.stdout).not.toBeNull();
    const [, where, count, names] = m!;
    expect(where).toBe(shown);
    const applied = names!.split(', ');
    expect(applied).toHaveLength(Number(count));
    expect(applied[0]).toBe('0001_core');
    expect(applied).toEqual([...applied].sort());

    const again = await runCli(['migrate', '--db', url], {});
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`${shown}: schema is current\n`);
    expect(first.stdout + first.stderr + again.stdout + again.stderr).not.toContain(PASSWORD);

    const other = await freshDb();
    const json = await runCli(['migrate', '--db', other.url, '--json'], {});
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout) as Report).toEqual({ db: other.shown, dialect: 'postgres', applied });
    const jsonAgain = await runCli(['migrate', '--db', other.url, '--json'], {});
    expect(JSON.parse(jsonAgain.stdout) as Report).toEqual({ db: other.shown, dialect: 'postgres', applied: [] });
  });

  it('migrates the SQLite database in a --data-dir', async () => {
    const dir = tempDir('migrate');
    dirs.push(dir);
    const file = join(dir, 'parley.db');
    const first = await runCli(['migrate', '--data-dir', dir, '--json'], {});
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as Report;
    expect(report).toMatchObject({ db: file, dialect: 'sqlite' });
    expect(report.applied[0]).toBe('0001_core');

    const again = await runCli(['migrate', '--data-dir', dir], {});
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`${file}: schema is current\n`);
  });

  it('says which server is not reachable, in one line, without the password', async () => {
    const r = await runCli(['migrate', '--db', `postgres://parley:${PASSWORD}@127.0.0.1:1/parley`], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^parley: PostgreSQL is not reachable at 127\.0\.0\.1:1: [^\n]*\n$/);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });
});

// As processes: the exit code and the output are what a shell or a service manager sees.
describe('parley serve on PostgreSQL', () => {
  it('refuses a database `parley migrate` has not brought up to date, and starts once it has', async () => {
    const { url, shown } = await freshDb();
    const refused = await spawnCli(['serve', '--db', url, '--port', '0'], {});
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^parley: the database at ${escapeRegExp(shown)} is on an older schema \\(\\d+ migrations pending: 0001_core, [^\\n]*\\); run \`parley migrate --db <url>\` once, then start the hubs\\n$`));
    expect(refused.stdout + refused.stderr).not.toContain(PASSWORD);

    expect((await runCli(['migrate', '--db', url], {})).code).toBe(0);
    const hub = new LiveProcess(['serve', '--db', url, '--port', '0', '--log-level', 'silent'], {});
    try {
      await hub.waitFor((l) => l.startsWith('parley hub listening on '), 20_000, 'the hub to listen');
    } finally {
      expect(await hub.stop('SIGTERM')).toBe(0);
    }
  });

  it('an unreachable server ends the process with one line naming host:port, no stack trace, no password', async () => {
    const r = await spawnCli(['serve', '--db', `postgres://parley:${PASSWORD}@127.0.0.1:1/parley`, '--port', '0'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^parley: PostgreSQL is not reachable at 127\.0\.0\.1:1: [^\n]*\n$/);
    expect(r.stdout).toBe('');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });
});

describe('parley serve as one of several hubs (--redis)', () => {
  it('refuses SQLite: several hubs need one PostgreSQL', async () => {
    const dir = tempDir('redis');
    try {
      const r = await spawnCli(['serve', '--data-dir', dir, '--redis', 'redis://127.0.0.1:6379', '--port', '0'], {});
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^parley: several hubs \(redis is set\) need one PostgreSQL database they share: [^\n]*\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unreachable Redis ends the process with one line naming host:port', async () => {
    const { url } = await freshDb();
    expect((await runCli(['migrate', '--db', url], {})).code).toBe(0);
    const r = await spawnCli(['serve', '--db', url, '--redis', 'redis://127.0.0.1:1', '--port', '0'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^parley: Redis is not reachable at 127\.0\.0\.1:1 [^\n]*\n$/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
