import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrationProvider } from '../src/store/migrations.js';
import { openStore } from '../src/store/open.js';
import { openPostgresStore, PgWriter } from '../src/store/postgres.js';
import { ftsQuery, messageHits, searchMessageTopics, searchTopics, type MatchMode } from '../src/store/search.js';
import type { Sql, Tx, WriteJob } from '../src/store/sql.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/store.js';
import { rankContexts, searchWorlds } from '../src/store/world-search.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';
import { pgStore } from './pg.js';

// The PostgreSQL store against a real server (src/testing.ts, test/pg.ts): its migrations,
// its writer (one transaction per job, several at once, retried after a lost
// race), the request unit's dedupe record, and full-text search giving what
// SQLite gives for the same rows.

describe('PostgreSQL store: opening and migrations', () => {
  let database: TestDatabase;
  let store: Store | undefined;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await database.drop();
  });

  it('says which server is not reachable', async () => {
    await expect(openPostgresStore('postgres://postgres@127.0.0.1:1/parley')).rejects.toThrow(/PostgreSQL is not reachable at 127\.0\.0\.1:1/);
  });

  it('openStore picks the store by its target', async () => {
    store = await openStore(database.url);
    expect(store.dialect).toBe('postgres');
    const lite = await openStore(':memory:');
    expect(lite.dialect).toBe('sqlite');
    await lite.close();
  });

  it('runs every migration, and running them again changes nothing', async () => {
    store = await openPostgresStore(database.url);
    await store.migrate();
    expect(await store.schemaStatus()).toEqual({ pending: [], unknown: [] });
    const applied = async () => (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store!.db)).rows.map((r) => r.name);
    const before = await applied();
    expect(before).toEqual(Object.keys(await migrationProvider.getMigrations()).sort());
    await store.migrate();
    expect(await applied()).toEqual(before);
    // The full-text tables of both dialects' search code.
    const tables = (await sql<{ t: string }>`select table_name as t from information_schema.tables where table_name like '%\_fts' order by t`.execute(store.db)).rows;
    expect(tables.map((r) => r.t)).toEqual(['articles_fts', 'topic_messages_fts', 'topics_fts', 'world_members_fts', 'worlds_fts']);
  });

  it('0003 indexes topics and messages written before it, and the triggers follow inserts, updates and deletes', async () => {
    store = await openPostgresStore(database.url);
    const db = store.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    const migrator = new Migrator({ db, provider: migrationProvider });
    expect((await migrator.migrateTo('0002_clustered_hot_tables')).error).toBeUndefined();
    await db.insertInto('topics').values({ topic_id: 'top_a', name: 'Lighthouse keepers', description: 'foggy nights', type: 'discussion', visibility: 'public', join_method: 'open', owner_id: 'x', created_at: 1 }).execute();
    await db.insertInto('topic_messages').values({ topic_id: 'top_a', seq: 1, message_id: 'msg_1', from_id: 'x', content: 'the lamp needs oil', content_type: 'text', semantic_type: null, reply_to: null, sent_at: 1 }).execute();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();

    const match = async (table: string, word: string) =>
      Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where doc @@ to_tsquery('parley_fts', ${word})`.execute(db)).rows[0]!.n);
    expect(await match('topics_fts', 'lighthouse')).toBe(1);
    expect(await match('topic_messages_fts', 'oil')).toBe(1);
    await db.updateTable('topics').set({ name: 'Harbour pilots' }).where('topic_id', '=', 'top_a').execute();
    expect(await match('topics_fts', 'lighthouse')).toBe(0);
    expect(await match('topics_fts', 'harbour')).toBe(1);
    await db.deleteFrom('topic_messages').where('topic_id', '=', 'top_a').execute();
    expect(await match('topic_messages_fts', 'oil')).toBe(0);

    await db.insertInto('worlds').values(world('wld_a', 'Harbour', 'boats and tides')).execute();
    await db.insertInto('world_members').values({ world_id: 'wld_a', agent_id: 'o', role: 'owner', participant_context_text: 'I sail dinghies', joined_at: 1 }).execute();
    expect(await match('worlds_fts', 'tides')).toBe(1);
    expect(await match('world_members_fts', 'dinghies')).toBe(1);
    await db.updateTable('worlds').set({ world_context_text: 'lighthouses' }).execute();
    await db.updateTable('world_members').set({ participant_context_text: 'I row' }).execute();
    expect(await match('worlds_fts', 'tides')).toBe(0);
    expect(await match('worlds_fts', 'lighthouses')).toBe(1);
    expect(await match('world_members_fts', 'dinghies')).toBe(0);
    await db.deleteFrom('world_members').execute();
    expect(await match('world_members_fts', 'row')).toBe(0);
  });

  it('bigint columns and counts come back as numbers, as on SQLite', async () => {
    store = await openPostgresStore(database.url);
    await store.migrate();
    await store.writer.run((tx) => tx.run(store!.db.insertInto('dedupe').values({ agent_id: 'a', u_id: 'u', response: '{}', created_at: 1_700_000_000_123 }).compile()));
    expect(await store.read.get(store.db.selectFrom('dedupe').select('created_at').compile())).toEqual({ created_at: 1_700_000_000_123 });
    const counted = await store.read.get(store.db.selectFrom('dedupe').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('created_at').as('s')]).compile());
    expect(counted).toEqual({ n: 1, s: 1_700_000_000_123 });
  });
});

describe('PgWriter', () => {
  let store: Store;
  const errors: unknown[] = [];
  const commits: number[] = [];
  beforeAll(async () => {
    store = await pgStore({ deferMs: 40, onHookError: (err) => errors.push(err), onCommit: (n) => commits.push(n) });
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await store.writer.idle();
    await store.writer.run((tx) => tx.run(store.db.deleteFrom('meta').compile()));
    errors.length = 0;
    commits.length = 0;
  });

  const put = (key: string, value = 'v') => async (tx: Sql) => {
    await tx.run(store.db.insertInto('meta').values({ key, value }).compile());
    return key;
  };
  const keys = async () => (await store.read.all(store.db.selectFrom('meta').select('key').where('key', 'like', 'k%').orderBy('key').compile())).map((r) => r.key);

  it('commits every job, each in its own transaction, acknowledging each after its commit', async () => {
    const w = store.writer;
    const before = w.stats;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => w.run(put(`k${String(i).padStart(2, '0')}`))));
    expect(results).toHaveLength(50);
    expect(await keys()).toHaveLength(50);
    expect(w.stats.jobs - before.jobs).toBe(50);
    expect(w.stats.batches - before.batches).toBe(50);
    expect(commits).toEqual(Array(50).fill(1));
  });

  it('a failing job is rolled back alone and its caller gets the error; the others commit', async () => {
    const w = store.writer;
    await w.run(put('k1'));
    const outcomes = await Promise.allSettled([
      w.run(async (tx) => {
        await put('k2')(tx);
        await put('k1')(tx); // duplicate key: this job fails after writing k2
      }),
      w.run(put('k3')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
    expect(await keys()).toEqual(['k1', 'k3']);
  });

  it('a job that throws stores nothing; one that swallows a failed statement still fails (PostgreSQL aborted its transaction)', async () => {
    const w = store.writer;
    await expect(
      w.run(async (tx) => {
        await put('k1')(tx);
        throw new Error('nope');
      }),
    ).rejects.toThrow('nope');
    await w.run(put('k2'));
    await expect(
      w.run(async (tx) => {
        await put('k3')(tx);
        await put('k2')(tx).catch(() => undefined);
        return 'done anyway';
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await keys()).toEqual(['k2']);
  });

  it('runs afterCommit before the caller continues, and survives a throwing hook', async () => {
    const seen: string[] = [];
    await Promise.all(
      ['k1', 'k2', 'k3'].map((k) =>
        store.writer
          .run(put(k), (v) => {
            seen.push(`hook ${v}`);
            if (v === 'k2') throw new Error('hook failed');
          })
          .then((v) => seen.push(`caller ${v}`)),
      ),
    );
    for (const k of ['k1', 'k2', 'k3']) expect(seen.indexOf(`hook ${k}`)).toBeLessThan(seen.indexOf(`caller ${k}`));
    expect(errors).toHaveLength(1);
  });

  it('reports the end of every transaction: after afterCommit when committed, at once when rolled back', async () => {
    const seen: string[] = [];
    await store.writer.run(
      async (tx) => {
        tx.onEnd(() => seen.push('end'));
        return put('k1')(tx);
      },
      () => seen.push('after commit'),
    );
    await store.writer
      .run(async (tx) => {
        tx.onEnd(() => seen.push('end of the failed one'));
        throw new Error('no');
      })
      .catch(() => seen.push('caller saw the failure'));
    expect(seen).toEqual(['after commit', 'end', 'end of the failed one', 'caller saw the failure']);
  });

  it('the read side sees a job only once it has committed, even while the job awaits mid-transaction', async () => {
    const seenInside: string[][] = [];
    await store.writer.run(async (tx) => {
      await put('k1')(tx);
      seenInside.push(await keys());
      seenInside.push((await store.db.selectFrom('meta').select('key').where('key', 'like', 'k%').execute()).map((r) => r.key));
      await put('k2')(tx);
      return null;
    });
    expect(seenInside).toEqual([[], []]);
    expect(await keys()).toEqual(['k1', 'k2']);
  });

  it('idle() waits for everything submitted, including jobs submitted by a running job', async () => {
    const w = store.writer;
    let inner: Promise<string> | undefined;
    const first = w.run(async (tx) => {
      inner = w.run(put('k2'));
      return put('k1')(tx);
    });
    await w.idle();
    await expect(first).resolves.toBe('k1');
    await expect(inner).resolves.toBe('k2');
    expect(await keys()).toEqual(['k1', 'k2']);
  });

  it('deferred writes wait for deferMs and share one transaction; one that fails is rolled back alone', async () => {
    const w = store.writer;
    const before = w.stats;
    const t0 = performance.now();
    const deferred = [
      w.defer(put('k1')),
      w.defer(async (tx) => {
        await put('k2')(tx);
        await put('k1')(tx); // fails inside its savepoint
      }),
      w.defer(put('k3')),
    ];
    await new Promise((r) => setTimeout(r, 5));
    expect(await keys()).toEqual([]); // still waiting for company
    const outcomes = await Promise.allSettled(deferred);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await keys()).toEqual(['k1', 'k3']);
    expect(w.stats.batches - before.batches).toBe(1);
    expect(w.stats.jobs - before.jobs).toBe(2);
  });

  it('idle() commits deferred writes at once', async () => {
    // A deferral far longer than the test: only idle() can have committed it.
    const slow = await pgStore({ deferMs: 600_000 });
    try {
      const deferred = slow.writer.defer((tx) => tx.run(slow.db.insertInto('meta').values({ key: 'k1', value: 'v' }).compile()));
      let settled = false;
      void deferred.then(() => (settled = true));
      await slow.writer.idle();
      await Promise.resolve();
      expect(settled).toBe(true);
      expect(await slow.read.get(slow.db.selectFrom('meta').select('key').where('key', '=', 'k1').compile())).toEqual({ key: 'k1' });
    } finally {
      await slow.close();
    }
  });

  it('a job that deadlocks with another is rolled back, runs again in a fresh transaction and commits once', async () => {
    await store.writer.run(async (tx) => {
      await put('ka', '0')(tx);
      await put('kb', '0')(tx);
    });
    const bump = (key: string) => store.db.updateTable('meta').set({ value: sql`(cast(value as integer) + 1)::text` }).where('key', '=', key).compile();
    const signal = () => {
      let open!: () => void;
      return { done: new Promise<void>((r) => (open = r)), open: () => open() };
    };
    const aLocked = signal();
    const bLocked = signal();
    let runs = 0;
    let ends = 0;
    const afterCommits: string[] = [];
    // Each locks one row, waits until the other holds the other row, then takes it: a real deadlock.
    // (A job should await only its statements; these wait for each other to force the collision.)
    const crossing = (first: string, second: string, mine: ReturnType<typeof signal>, theirs: ReturnType<typeof signal>): WriteJob<string> => async (tx: Tx) => {
      runs++;
      tx.onEnd(() => ends++);
      await tx.run(bump(first));
      mine.open();
      await theirs.done;
      await tx.run(bump(second));
      return first;
    };
    const t0 = performance.now();
    const results = await Promise.all([
      store.writer.run(crossing('ka', 'kb', aLocked, bLocked), (v) => afterCommits.push(v)),
      store.writer.run(crossing('kb', 'ka', bLocked, aLocked), (v) => afterCommits.push(v)),
    ]);
    expect(results).toEqual(['ka', 'kb']);
    // One of them ran again (more than once if its re-run also collided: under serializable, updating a row
    // the winner changed since the re-run's snapshot is a serialization failure, retried the same way).
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(ends).toBe(runs); // every rolled-back attempt's end was reported too
    expect(afterCommits.sort()).toEqual(['ka', 'kb']);
    // Both increments of both rows, each once.
    expect(await store.read.all(store.db.selectFrom('meta').select(['key', 'value']).where('key', 'in', ['ka', 'kb']).orderBy('key').compile())).toEqual([
      { key: 'ka', value: '2' },
      { key: 'kb', value: '2' },
    ]);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

// Jobs were written for SQLite's one writer at a time: read a row, decide, write it.
describe('PgWriter: a read-check-write of two jobs at once', () => {
  /** Two jobs claim the same row; both have read it before either writes. Which claims succeed? */
  const race = async (store: Store) => {
    await store.writer.run((tx) => tx.run(store.db.insertInto('meta').values({ key: 'claim', value: 'free' }).compile()));
    let reads = 0;
    let bothRead!: () => void;
    const together = new Promise<void>((r) => (bothRead = r));
    let runs = 0;
    const claim = (who: string) => async (tx: Sql) => {
      runs++;
      const row = await tx.get(store.db.selectFrom('meta').select('value').where('key', '=', 'claim').compile());
      if (++reads === 2) bothRead();
      await together;
      if (row?.value !== 'free') throw new Error(`taken by ${row?.value}`);
      await tx.run(store.db.updateTable('meta').set({ value: who }).where('key', '=', 'claim').compile());
      return who;
    };
    const outcomes = await Promise.allSettled([store.writer.run(claim('a')), store.writer.run(claim('b'))]);
    return { won: outcomes.filter((o) => o.status === 'fulfilled').length, runs };
  };

  it('serializable: the loser fails to serialize, runs again, and sees the winner', async () => {
    const store = await pgStore({ isolation: 'serializable' });
    try {
      expect(await race(store)).toEqual({ won: 1, runs: 3 });
    } finally {
      await store.close();
    }
  });

  it('serializable is the default: a check meant for one job lets only one through', async () => {
    const store = await pgStore();
    try {
      expect((await race(store)).won).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('many jobs on one hot row all commit exactly once: losers run again, and alone once they keep losing', async () => {
    const store = await pgStore({ poolSize: 10 });
    try {
      await store.writer.run((tx) => tx.run(store.db.insertInto('meta').values({ key: 'counter', value: '0' }).compile()));
      const bump = async (tx: Sql) => {
        const row = await tx.get(store.db.selectFrom('meta').select('value').where('key', '=', 'counter').compile());
        const next = Number(row!.value) + 1;
        await tx.run(store.db.updateTable('meta').set({ value: String(next) }).where('key', '=', 'counter').compile());
        return next;
      };
      const results = await Promise.all(Array.from({ length: 40 }, () => store.writer.run(bump)));
      // Every job saw a different count: none applied twice, none lost.
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const row = await store.read.get(store.db.selectFrom('meta').select('value').where('key', '=', 'counter').compile());
      expect(row?.value).toBe('40');
      expect((store.writer as PgWriter).retries).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  // The worker test that found it: a worker advertised a capability, then
  // listed open tasks (none ready yet), while a pipeline run that had read
  // the capabilities before the advertisement committed after the list: it
  // announced its tasks to no one, and the worker never heard of them.
  it('a read orders like a transaction: a job that read before a committed write, and wrote what a later read missed, runs again', async () => {
    const store = await pgStore();
    try {
      const meta = (key: string) => store.db.selectFrom('meta').select('value').where('key', '=', key).compile();
      const put = (key: string, value: string) => store.db.insertInto('meta').values({ key, value }).compile();
      let readCaps!: () => void;
      const capsRead = new Promise<void>((r) => (readCaps = r));
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const heardBy: Array<string | null> = [];
      // The pipeline run: reads who advertises the capability, then marks the tasks ready for them.
      const run = store.writer.run(async (tx) => {
        const cap = await tx.get(meta('cap'));
        heardBy.push(cap?.value ?? null);
        readCaps();
        await released;
        await tx.run(put('ready', 'yes'));
        return cap?.value ?? null;
      });
      await capsRead;
      // The advertisement commits, then the worker's scan finds nothing ready.
      await store.writer.run((tx) => tx.run(put('cap', 'worker')));
      expect(await store.read.get(meta('ready'))).toBeUndefined();
      release();
      // The run read before the advertisement and wrote what the scan missed: it runs again and hears of the worker.
      expect(await run).toBe('worker');
      expect(heardBy).toEqual([null, 'worker']);
    } finally {
      await store.close();
    }
  });

  it('read committed (why it is not the default): both win unless the job locks what it read (select ... for update)', async () => {
    const store = await pgStore({ isolation: 'read committed' });
    try {
      expect((await race(store)).won).toBe(2);
    } finally {
      await store.close();
    }
  });
});

describe('PgWriter: closed store', () => {
  it('rejects, instead of hanging, once the store is closed; close() ends the pool', async () => {
    const store = await pgStore();
    const { writer } = store;
    await store.close();
    await expect(writer.run(async () => 1)).rejects.toThrow();
    await expect(writer.idle()).resolves.toBeUndefined();
    await expect(store.read.all(store.db.selectFrom('meta').selectAll().compile())).rejects.toThrow();
  });
});

// test/unit.test.ts on PostgreSQL: the dedupe record commits with the effect, or not at all.
function world(world_id: string, display_name: string, world_context_text: string) {
  return {
    world_id, display_name, world_context_text, participant_context_field: 'who are you', visibility: 'public', join_policy: 'open', status: 'enabled',
    owner_id: 'o', max_turns: 12, turn_timeout_ms: 120000, timeout_behavior: 'skip_turn', end_mode: 'dual', created_at: 1, updated_at: 1, last_activity_at: 1,
  };
}

// The same rows, written through each store's writer, searched on each: what one finds the other finds.
describe('full-text search on both stores', () => {
  let pgs: Store;
  let lite: Store;
  const long =
    'a lot of words come first here so that the text is long, really quite long, past sixteen words for sure: then the saffron risotto, then many more words that go on and on after it, and on, and on, until the reader gives up';
  beforeAll(async () => {
    pgs = await pgStore();
    lite = openSqliteStore(':memory:');
    await lite.migrate();
    for (const store of [pgs, lite]) {
      const { db } = store;
      const topic = (topic_id: string, name: string, description: string | null) => ({ topic_id, name, description, type: 'discussion', visibility: 'public', join_method: 'open', owner_id: 'o', created_at: 1 });
      const message = (topic_id: string, seq: number, content: string, title: string | null = null) => ({
        topic_id, seq, message_id: `msg_${topic_id}_${seq}`, from_id: 'o', content, content_type: 'text', semantic_type: null, reply_to: null, sent_at: seq, title, blocks: null, via: null,
      });
      await store.writer.run(async (tx) => {
        await tx.run(db.insertInto('topics').values([topic('top_kitchen', 'kitchen', 'recipes'), topic('top_misc', 'misc', null), topic('top_cafe', 'Café society', 'coffee and talk')]).compile());
        await tx.run(
          db
            .insertInto('topic_messages')
            .values([
              message('top_kitchen', 1, 'The saffron risotto needs twenty minutes'),
              message('top_kitchen', 2, 'unrelated chatter'),
              message('top_misc', 1, 'mail bob@example.com about version 3.14, or the deploy-service'),
              message('top_misc', 2, long),
              message('top_misc', 3, 'nothing to see', 'Saffron prices'),
            ])
            .compile(),
        );
        await tx.run(db.insertInto('worlds').values([world('wld_stars', 'Stargazers', 'nebulae and telescope nights'), world('wld_sea', 'Harbour', 'boats and tides')]).compile());
        await tx.run(
          db
            .insertInto('world_members')
            .values([
              { world_id: 'wld_stars', agent_id: 'agt_a', role: 'owner', participant_context_text: 'I collect green tea from Japan, sencha and matcha.', joined_at: 1 },
              { world_id: 'wld_stars', agent_id: 'agt_b', role: 'member', participant_context_text: 'Matcha whisking and sencha brewing are my hobby.', joined_at: 2 },
              { world_id: 'wld_stars', agent_id: 'agt_c', role: 'member', participant_context_text: 'Black coffee, espresso machines.', joined_at: 3 },
            ])
            .compile(),
        );
      });
    }
  });
  afterAll(async () => {
    await pgs?.close();
    await lite?.close();
  });

  const both = async <T>(fn: (store: Store) => Promise<T>): Promise<{ pg: T; sqlite: T }> => ({ pg: await fn(pgs), sqlite: await fn(lite) });
  const match = (text: string, mode: MatchMode = 'all') => ftsQuery(text, mode)!;
  const all = sql`select topic_id from topics`;
  const topicIds = (text: string, mode?: MatchMode) => both(async (s) => (await searchTopics(s.db, match(text, mode), all, 10)).map((r) => r.topic_id));
  const messageTopicIds = (text: string, mode?: MatchMode) => both(async (s) => (await searchMessageTopics(s.db, match(text, mode), all, 10)).map((r) => r.topic_id));
  const hits = (text: string, topic: string) => both(async (s) => (await messageHits(s.db, match(text, 'all'), topic, 5)).map((h) => ({ seq: Number(h.seq), snippet: h.snippet })));

  it('topics by name or description, every word or any word', async () => {
    expect(await topicIds('recipes')).toEqual({ pg: ['top_kitchen'], sqlite: ['top_kitchen'] });
    expect(await topicIds('recipes misc')).toEqual({ pg: [], sqlite: [] });
    expect(await topicIds('recipes misc', 'any')).toEqual({ pg: ['top_misc', 'top_kitchen'], sqlite: ['top_misc', 'top_kitchen'] });
    // Accents fold both ways (unicode61 remove_diacritics / unaccent).
    expect(await topicIds('cafe')).toEqual({ pg: ['top_cafe'], sqlite: ['top_cafe'] });
    expect(await topicIds('CAFÉ')).toEqual({ pg: ['top_cafe'], sqlite: ['top_cafe'] });
  });

  it('messages: every word must match, a prefix of three or more letters matches, a title counts', async () => {
    expect(await messageTopicIds('saffron')).toEqual({ pg: ['top_misc', 'top_kitchen'], sqlite: ['top_misc', 'top_kitchen'] });
    expect(await messageTopicIds('saffron pancakes')).toEqual({ pg: [], sqlite: [] });
    expect(await messageTopicIds('risot')).toEqual({ pg: ['top_kitchen', 'top_misc'], sqlite: ['top_kitchen', 'top_misc'] });
    expect(await messageTopicIds('ri')).toEqual({ pg: [], sqlite: [] });
    // Words split at punctuation, as unicode61 splits them.
    for (const word of ['example', 'bob', '14', 'deploy', 'service']) expect(await messageTopicIds(word)).toEqual({ pg: ['top_misc'], sqlite: ['top_misc'] });
  });

  it('hits carry a snippet with the matched words marked, and … where the text goes on', async () => {
    const kitchen = await hits('saffron', 'top_kitchen');
    expect(kitchen.pg).toEqual([{ seq: 1, snippet: 'The [saffron] risotto needs twenty minutes' }]);
    expect(kitchen.pg).toEqual(kitchen.sqlite);
    const misc = await hits('saffron', 'top_misc');
    expect(misc.pg.map((h) => h.seq).sort()).toEqual(misc.sqlite.map((h) => h.seq).sort());
    // The title match is shown from the title.
    expect(misc.pg.find((h) => h.seq === 3)?.snippet).toBe('[Saffron] prices');
    expect(misc.sqlite.find((h) => h.seq === 3)?.snippet).toBe('[Saffron] prices');
    const inLong = misc.pg.find((h) => h.seq === 2)!.snippet;
    expect(inLong).toMatch(/^….*\[saffron\].*…$/);
    expect(misc.sqlite.find((h) => h.seq === 2)!.snippet).toMatch(/^….*\[saffron\].*…$/);
    expect(inLong.split(/\s+/).length).toBeLessThanOrEqual(17);
    expect(await hits('saffron', 'top_cafe')).toEqual({ pg: [], sqlite: [] });
  });

  it('worlds by name or context; every word must match', async () => {
    const worlds = (text: string) => both(async (s) => (await searchWorlds(s.db, match(text), s.db.selectFrom('worlds').select('world_id'))).map((r) => r.world_id));
    expect(await worlds('nebulae')).toEqual({ pg: ['wld_stars'], sqlite: ['wld_stars'] });
    expect(await worlds('telescope stargazers')).toEqual({ pg: ['wld_stars'], sqlite: ['wld_stars'] });
    expect(await worlds('comets gardening')).toEqual({ pg: [], sqlite: [] });
    const hidden = await searchWorlds(pgs.db, match('nebulae'), pgs.db.selectFrom('worlds').select('world_id').where('world_id', '=', 'wld_sea'));
    expect(hidden).toEqual([]);
  });

  it('participant contexts rank within one world, best match first, as a compiled query for either store', async () => {
    const ranked = await both(async (s) => {
      const rows = await s.read.all(rankContexts(s.db, ftsQuery('I collect green tea from Japan, sencha and matcha.', 'any', 32)!, 'wld_stars'));
      return rows.map((r) => ({ agent: r.agent_id, better: Number(r.rank) < 0 }));
    });
    expect(ranked.pg.map((r) => r.agent)).toEqual(ranked.sqlite.map((r) => r.agent));
    expect(ranked.pg.map((r) => r.agent)).toEqual(['agt_a', 'agt_b']);
    expect(ranked.pg.every((r) => r.better)).toBe(true);
  });
});
