import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { precompiled } from '../src/store/precompiled.js';
import { memoryStore } from './helpers.js';
import type { Store } from '../src/store/store.js';

describe('precompiled queries', () => {
  let store: Store;
  beforeEach(async () => {
    store = await memoryStore();
  });
  afterEach(() => store.close());

  it('compiles once and binds each call’s own arguments, fixed values kept', async () => {
    const put = precompiled(2, (db, key: string, value: string) =>
      db.insertInto('meta').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })),
    );
    const get = precompiled(1, (db, key: string) => db.selectFrom('meta').select(['key', 'value']).where('key', '=', key).limit(1));
    await store.writer.run(async (tx) => {
      await tx.run(put(store.db, 'a', '1'));
      await tx.run(put(store.db, 'b', '2'));
      await tx.run(put(store.db, 'a', '3'));
    });
    expect(await store.read.all(get(store.db, 'a'))).toEqual([{ key: 'a', value: '3' }]);
    // The same compiled query runs through Kysely too.
    expect((await store.db.executeQuery(get(store.db, 'b'))).rows).toEqual([{ key: 'b', value: '2' }]);
    expect(await store.read.get(get(store.db, 'zzz'))).toBeUndefined();
  });

  it('refuses, at first use, an argument the builder does not turn into a parameter', () => {
    const bad = precompiled(1, (db, column: string) => db.selectFrom('meta').select(sql.ref(column).as('x')));
    expect(() => bad(store.db, 'key')).toThrow(/argument 0 is not a parameter/);
  });
});
