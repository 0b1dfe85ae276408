import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Checkpointer } from '../src/store/checkpointer.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/store.js';

// The SQLite store's WAL checkpoints run in a worker thread (checkpointer.ts):
// the writer's connection never checkpoints on the event loop, the WAL still
// stays bounded under writes that never pause, and nothing is lost.

let dir: string;
let store: Store | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-ckpt-'));
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const walSize = (file: string) => {
  try {
    return statSync(file + '-wal').size;
  } catch {
    return 0;
  }
};

describe('SQLite WAL checkpoints', () => {
  it('keep the WAL bounded under writes that never pause, and lose nothing', async () => {
    const file = join(dir, 'hub.db');
    const catchUpPages = 64;
    store = openSqliteStore(file, { checkpoints: { intervalMs: 20, catchUpPages } });
    await store.migrate();
    const { db, writer } = store;
    const value = 'x'.repeat(1000);
    const rows = 20_000;
    let biggestWal = 0;
    // 100 jobs in flight at any time, so batches follow each other without a pause
    // (the worker never finds the WAL idle and wholly copied).
    let next = 0;
    const lane = async () => {
      while (next < rows) {
        const i = next++;
        await writer.run((tx) => tx.run(db.insertInto('meta').values({ key: `k${i}`, value }).compile()));
        if (i % 500 === 0) biggestWal = Math.max(biggestWal, walSize(file));
      }
    };
    await Promise.all(Array.from({ length: 100 }, lane));
    const written = rows * value.length;
    // About 20 MB went through the WAL. Without the writer's catch-up it would hold
    // all of it (27 MB measured); with it, what arrives in a few worker intervals.
    expect(written).toBeGreaterThan(19_000_000);
    expect(biggestWal).toBeLessThan(8 * 1024 * 1024);
    await store.close();
    store = undefined;

    const check = new BetterSqlite3(file, { readonly: true });
    try {
      expect(check.prepare("select count(*) as n from meta where key like 'k%'").get()).toEqual({ n: rows });
    } finally {
      check.close();
    }
  });

  it('the writer connection does not checkpoint by itself while the worker runs', async () => {
    const conn = new BetterSqlite3(join(dir, 'plain.db'));
    conn.pragma('journal_mode = WAL');
    const ckpt = new Checkpointer(join(dir, 'plain.db'), conn);
    try {
      expect(conn.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    } finally {
      await ckpt.close();
      conn.close();
    }
  });

  it('hands checkpoints back to the writer connection when the worker fails', async () => {
    const conn = new BetterSqlite3(join(dir, 'plain.db'));
    conn.pragma('journal_mode = WAL');
    // The worker cannot open a file in a folder that does not exist: it fails at start.
    let failed: (err: unknown) => void = () => undefined;
    const error = new Promise<unknown>((resolve) => (failed = resolve));
    const ckpt = new Checkpointer(join(dir, 'missing', 'plain.db'), conn, { onError: (err) => failed(err) });
    try {
      expect(String(await error)).toMatch(/unable to open database file|directory does not exist/i);
      expect(conn.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    } finally {
      await ckpt.close();
      conn.close();
    }
  });
});
