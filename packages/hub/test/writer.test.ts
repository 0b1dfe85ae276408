import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { Sql } from '../src/store/sql.js';
import { openSqliteStore, type SqliteStoreOptions } from '../src/store/sqlite.js';
import type { Store } from '../src/store/store.js';

// Group commit against real SQLite: batching, isolation of a failing job, order,
// and a read side that never sees a transaction half done.
describe('BatchWriter', () => {
  let store: Store;
  const open = async (opts: SqliteStoreOptions = {}) => {
    store = openSqliteStore(':memory:', opts);
    await store.migrate();
    return store.writer;
  };
  afterEach(() => store.close());

  const put = (key: string) => async (tx: Sql) => {
    await tx.run(store.db.insertInto('meta').values({ key, value: 'v' }).compile());
    return key;
  };
  const keys = async () => (await store.db.selectFrom('meta').select('key').where('key', 'like', 'k%').orderBy('key').execute()).map((r) => r.key);

  it('commits writes submitted together in one transaction, acknowledging each after the commit', async () => {
    const w = await open();
    const before = w.stats.batches;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => w.run(put(`k${String(i).padStart(2, '0')}`))));
    expect(results).toHaveLength(50);
    expect(await keys()).toHaveLength(50);
    expect(w.stats.batches - before).toBe(1);
  });

  it('rolls back a failing job alone; the rest of its batch commits', async () => {
    const w = await open();
    const outcomes = await Promise.allSettled([
      w.run(put('k1')),
      w.run(async (tx) => {
        await put('k2')(tx);
        await put('k1')(tx); // duplicate key: this job fails after writing k2
      }),
      w.run(put('k3')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await keys()).toEqual(['k1', 'k3']);
  });

  it('a job that fails alone stores nothing and rejects', async () => {
    const w = await open();
    await expect(
      w.run(async (tx) => {
        await put('k1')(tx);
        throw new Error('nope');
      }),
    ).rejects.toThrow('nope');
    expect(await keys()).toEqual([]);
  });

  it('runs afterCommit in submission order, before each caller continues, and survives a throwing hook', async () => {
    const errors: unknown[] = [];
    const w = await open({ onHookError: (err) => errors.push(err) });
    const seen: string[] = [];
    const calls = ['k1', 'k2', 'k3', 'k4'].map((k) =>
      w
        .run(put(k), (v) => {
          seen.push(`hook ${v}`);
          if (v === 'k2') throw new Error('hook failed');
        })
        .then((v) => seen.push(`caller ${v}`)),
    );
    await Promise.all(calls);
    expect(seen.slice(0, 4)).toEqual(['hook k1', 'hook k2', 'hook k3', 'hook k4']);
    expect(seen.slice(4).sort()).toEqual(['caller k1', 'caller k2', 'caller k3', 'caller k4']);
    expect(errors).toHaveLength(1);
  });

  it('idle() waits for everything submitted; a job submitted during a batch goes into the next one', async () => {
    const w = await open();
    const before = w.stats.batches;
    let inner: Promise<string> | undefined;
    const first = w.run(async (tx) => {
      inner = w.run(put('k2'));
      return put('k1')(tx);
    });
    await first;
    await w.idle();
    await expect(inner).resolves.toBe('k2');
    expect(await keys()).toEqual(['k1', 'k2']);
    expect(w.stats.batches - before).toBe(2);
  });

  it('the read side sees a batch only once it has committed, even while a job awaits mid-transaction', async () => {
    const w = await open();
    const seenInside: Array<string[]> = [];
    let readsDuring: Promise<string[]> | undefined;
    await w.run(async (tx) => {
      await put('k1')(tx);
      // Another request's read, interleaved with this job between its statements.
      readsDuring = keys();
      seenInside.push(await readsDuring);
      await put('k2')(tx);
      return null;
    });
    expect(seenInside).toEqual([[]]);
    expect(await keys()).toEqual(['k1', 'k2']);
  });

  it('store.read (the hot reads) sees only committed data, on whichever connection it runs', async () => {
    const w = await open();
    const hot = async () => (await store.read.all(store.db.selectFrom('meta').select('key').where('key', 'like', 'k%').orderBy('key').compile())).map((r) => r.key);
    const seenInside: Array<string[]> = [];
    await w.run(async (tx) => {
      await put('k1')(tx);
      // Mid-transaction: the writer's connection holds k1 uncommitted; the read must not see it.
      seenInside.push(await hot());
      await put('k2')(tx);
      seenInside.push(await hot());
      return null;
    });
    expect(seenInside).toEqual([[], []]);
    // Between batches (no transaction open): committed data, both rows.
    expect(await hot()).toEqual(['k1', 'k2']);
    // A batch that fails leaves nothing a later read could see.
    await expect(
      w.run(async (tx) => {
        await put('k3')(tx);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await hot()).toEqual(['k1', 'k2']);
  });

  it('hot reads between batches share a snapshot that never holds up a batch nor outlives the turn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-writer-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'hub.db');
    store = openSqliteStore(file);
    await store.migrate();
    const w = store.writer;
    const hot = async () => (await store.read.all(store.db.selectFrom('meta').select('key').where('key', 'like', 'k%').orderBy('key').compile())).map((r) => r.key);
    await w.run(put('k1'));
    // Reads, then a batch, then reads again, all within one turn of the event loop.
    const [before, written] = await Promise.all([hot(), w.run(put('k2'))]);
    expect(before).toEqual(['k1']);
    expect(written).toBe('k2');
    expect(await hot()).toEqual(['k1', 'k2']);
    // The snapshot ends in the next check phase: then nothing reads from the WAL and another
    // connection can checkpoint all of it and reset it (TRUNCATE gives up at once on a reader).
    await new Promise<void>((r) => setImmediate(r));
    await new Promise<void>((r) => setImmediate(r));
    const other = new BetterSqlite3(file);
    try {
      other.pragma('busy_timeout = 0');
      expect(other.pragma('wal_checkpoint(TRUNCATE)')).toEqual([{ busy: 0, log: 0, checkpointed: 0 }]);
    } finally {
      other.close();
    }
    expect(await hot()).toEqual(['k1', 'k2']);
  });

  it('nothing but the writer can write: the read side refuses', async () => {
    await open();
    await expect(store.db.insertInto('meta').values({ key: 'k1', value: 'v' }).execute()).rejects.toThrow(/readonly|read-only/i);
    await expect(store.read.run(store.db.insertInto('meta').values({ key: 'k1', value: 'v' }).compile())).rejects.toThrow(/readonly|read-only/i);
    expect(await keys()).toEqual([]);
  });

  it('a deferred write rides along with the next batch, or commits on its own after deferMs', async () => {
    const w = await open({ deferMs: 40 });
    await w.idle();
    const before = w.stats.batches;
    const rider = w.defer(put('k1'));
    await new Promise((r) => setTimeout(r, 5));
    expect(await keys()).toEqual([]); // waiting for company
    await Promise.all([rider, w.run(put('k2'))]);
    expect(w.stats.batches - before).toBe(1);
    await w.idle(); // the writer has wound down: nothing for the next one to ride with

    const t0 = performance.now();
    await w.defer(put('k3'));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35); // alone: committed by its timer
    expect(await keys()).toEqual(['k1', 'k2', 'k3']);
    expect(w.stats.batches - before).toBe(2);
  });

  it('runAlone: maintenance commits in a transaction of its own, between the batches queued around it', async () => {
    const w = await open();
    await w.idle();
    const before = w.stats.batches;
    const seen: string[] = [];
    const outcomes = await Promise.allSettled([
      w.run(put('k1')),
      w.run(put('k2')),
      w.runAlone(async (tx) => {
        seen.push(...(await tx.all(store.db.selectFrom('meta').select('key').where('key', 'like', 'k%').orderBy('key').compile())).map((r) => r.key));
        await put('k3')(tx);
        throw new Error('maintenance failed');
      }),
      w.run(put('k4')),
      w.runAlone(put('k5')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    // k1+k2 | alone (rolled back, so not counted) | k4 | alone: shared with k4 it would be one commit fewer.
    expect(w.stats.batches - before).toBe(3);
    expect(seen).toEqual(['k1', 'k2']);
    expect(await keys()).toEqual(['k1', 'k2', 'k4', 'k5']);
  });

  it('idle() commits deferred writes at once (shutdown does not wait for the timer)', async () => {
    const w = await open({ deferMs: 60_000 });
    const deferred = w.defer(put('k1'));
    await w.idle();
    await expect(deferred).resolves.toBe('k1');
    expect(await keys()).toEqual(['k1']);
  });

  it('rejects, instead of hanging, when the database is already closed', async () => {
    const w = await open();
    await store.close();
    await expect(w.run(put('k1'))).rejects.toThrow();
    await expect(w.idle()).resolves.toBeUndefined();
  });
});
