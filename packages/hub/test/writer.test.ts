import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryStore } from './helpers.js';
import type { Store } from '../src/store/store.js';
import { BatchWriter } from '../src/store/writer.js';

// Group commit against real SQLite: batching, isolation of a failing job, order.
describe('BatchWriter', () => {
  let store: Store;
  beforeEach(async () => {
    store = await memoryStore();
  });
  afterEach(() => store.close());

  const put = (key: string) => (trx: Parameters<Parameters<BatchWriter['run']>[0]>[0]) =>
    trx.insertInto('meta').values({ key, value: 'v' }).execute().then(() => key);
  const keys = async () => (await store.db.selectFrom('meta').select('key').where('key', 'like', 'k%').orderBy('key').execute()).map((r) => r.key);

  it('commits writes submitted together in one transaction, acknowledging each after the commit', async () => {
    const w = new BatchWriter(store.db);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => w.run(put(`k${String(i).padStart(2, '0')}`))));
    expect(results).toHaveLength(50);
    expect(await keys()).toHaveLength(50);
    expect(w.stats).toEqual({ batches: 1, jobs: 50 });
  });

  it('rolls back a failing job alone; the rest of its batch commits', async () => {
    const w = new BatchWriter(store.db);
    const outcomes = await Promise.allSettled([
      w.run(put('k1')),
      w.run(async (trx) => {
        await put('k2')(trx);
        await put('k1')(trx); // duplicate key: this job fails after writing k2
      }),
      w.run(put('k3')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await keys()).toEqual(['k1', 'k3']);
  });

  it('a job that fails alone stores nothing and rejects', async () => {
    const w = new BatchWriter(store.db);
    await expect(
      w.run(async (trx) => {
        await put('k1')(trx);
        throw new Error('nope');
      }),
    ).rejects.toThrow('nope');
    expect(await keys()).toEqual([]);
  });

  it('runs afterCommit in submission order, before each caller continues, and survives a throwing hook', async () => {
    const errors: unknown[] = [];
    const w = new BatchWriter(store.db, (err) => errors.push(err));
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
    const w = new BatchWriter(store.db);
    let inner: Promise<string> | undefined;
    const first = w.run(async (trx) => {
      inner = w.run(put('k2'));
      return put('k1')(trx);
    });
    await first;
    await w.idle();
    await expect(inner).resolves.toBe('k2');
    expect(await keys()).toEqual(['k1', 'k2']);
    expect(w.stats.batches).toBe(2);
  });
});
