import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryStore } from './helpers.js';
import type { Store } from '../src/store/store.js';
import type { SyncSql } from '../src/store/sql.js';
import { BatchWriter } from '../src/store/writer.js';

// Group commit against real SQLite: batching, isolation of a failing job, order.
describe('BatchWriter', () => {
  let store: Store;
  beforeEach(async () => {
    store = await memoryStore();
  });
  afterEach(() => store.close());

  const put = (key: string) => (sql: SyncSql) => {
    sql.run(store.db.insertInto('meta').values({ key, value: 'v' }).compile());
    return key;
  };
  const keys = async () => (await store.db.selectFrom('meta').select('key').where('key', 'like', 'k%').orderBy('key').execute()).map((r) => r.key);

  it('commits writes submitted together in one transaction, acknowledging each after the commit', async () => {
    const w = new BatchWriter(store.db, store.sql);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => w.run(put(`k${String(i).padStart(2, '0')}`))));
    expect(results).toHaveLength(50);
    expect(await keys()).toHaveLength(50);
    expect(w.stats).toEqual({ batches: 1, jobs: 50 });
  });

  it('rolls back a failing job alone; the rest of its batch commits', async () => {
    const w = new BatchWriter(store.db, store.sql);
    const outcomes = await Promise.allSettled([
      w.run(put('k1')),
      w.run((sql) => {
        put('k2')(sql);
        put('k1')(sql); // duplicate key: this job fails after writing k2
      }),
      w.run(put('k3')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await keys()).toEqual(['k1', 'k3']);
  });

  it('a job that fails alone stores nothing and rejects', async () => {
    const w = new BatchWriter(store.db, store.sql);
    await expect(
      w.run((sql) => {
        put('k1')(sql);
        throw new Error('nope');
      }),
    ).rejects.toThrow('nope');
    expect(await keys()).toEqual([]);
  });

  it('runs afterCommit in submission order, before each caller continues, and survives a throwing hook', async () => {
    const errors: unknown[] = [];
    const w = new BatchWriter(store.db, store.sql, (err) => errors.push(err));
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
    const w = new BatchWriter(store.db, store.sql);
    let inner: Promise<string> | undefined;
    const first = w.run((sql) => {
      inner = w.run(put('k2'));
      return put('k1')(sql);
    });
    await first;
    await w.idle();
    await expect(inner).resolves.toBe('k2');
    expect(await keys()).toEqual(['k1', 'k2']);
    expect(w.stats.batches).toBe(2);
  });

  it('waits for a Kysely transaction that holds the connection, and never writes inside it', async () => {
    const w = new BatchWriter(store.db, store.sql);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const trx = store.db.transaction().execute(async (t) => {
      await t.insertInto('meta').values({ key: 'k0', value: 'v' }).execute();
      await held;
      order.push('kysely transaction done');
      throw new Error('roll back k0');
    });
    await new Promise((r) => setImmediate(r));
    const job = w.run(put('k1')).then(() => order.push('batch committed'));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]); // the batch is waiting for the connection
    release();
    await expect(trx).rejects.toThrow('roll back k0');
    await job;
    expect(order).toEqual(['kysely transaction done', 'batch committed']);
    expect(await keys()).toEqual(['k1']); // k0 rolled back with its transaction; k1 was not swept into it
  });

  it('a deferred write rides along with the next batch, or commits on its own after deferMs', async () => {
    const w = new BatchWriter(store.db, store.sql, undefined, undefined, 1024, 40);
    const rider = w.defer(put('k1'));
    await new Promise((r) => setTimeout(r, 5));
    expect(await keys()).toEqual([]); // waiting for company
    await Promise.all([rider, w.run(put('k2'))]);
    expect(w.stats).toEqual({ batches: 1, jobs: 2 });
    await w.idle(); // the writer has wound down: nothing for the next one to ride with

    const t0 = performance.now();
    await w.defer(put('k3'));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35); // alone: committed by its timer
    expect(await keys()).toEqual(['k1', 'k2', 'k3']);
    expect(w.stats.batches).toBe(2);
  });

  it('idle() commits deferred writes at once (shutdown does not wait for the timer)', async () => {
    const w = new BatchWriter(store.db, store.sql, undefined, undefined, 1024, 60_000);
    const deferred = w.defer(put('k1'));
    await w.idle();
    await expect(deferred).resolves.toBe('k1');
    expect(await keys()).toEqual(['k1']);
  });

  it('rejects, instead of hanging, when the database is already closed', async () => {
    const w = new BatchWriter(store.db, store.sql);
    await store.close();
    await expect(w.run(put('k1'))).rejects.toThrow();
    await expect(w.idle()).resolves.toBeUndefined();
  });
});
