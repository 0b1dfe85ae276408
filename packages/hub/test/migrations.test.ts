import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { toTask } from '../src/domains/task/rows.js';
import { migrationProvider } from '../src/store/migrations.js';
import type { Database } from '../src/store/schema.js';

describe('migrations', () => {
  let db: Kysely<Database> | undefined;
  afterEach(() => db?.destroy());

  it('0002 turns the hot tables into WITHOUT ROWID tables and keeps every row', async () => {
    const sqlite = new BetterSqlite3(':memory:');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const migrator = new Migrator({ db, provider: migrationProvider });
    expect((await migrator.migrateTo('0001_core')).error).toBeUndefined();
    // A data set written before 0002.
    await db.insertInto('dedupe').values({ agent_id: 'a', u_id: 'u1', response: '{}', created_at: 1 }).execute();
    await db.insertInto('streams').values({ stream: 'agent:a', head: 2, pruned_through: 0 }).execute();
    await db.insertInto('pushes').values([
      { stream: 'agent:a', seq: 1, event: 'p2p.message', data: '{"n":1}', ts: 10 },
      { stream: 'agent:a', seq: 2, event: 'p2p.message', data: '{"n":2}', ts: 11 },
    ]).execute();
    await db.insertInto('read_cursors').values({ agent_id: 'a', stream: 'agent:a', seq: 1 }).execute();
    await db
      .insertInto('p2p_messages')
      .values({ message_id: 'm1', from_id: 'b', to_id: 'a', content: 'hi', content_type: 'text', sent_at: 10 })
      .execute();

    const { error, results } = await migrator.migrateToLatest();
    expect(error).toBeUndefined();
    expect(results?.map((r) => [r.migrationName, r.status])).toContainEqual(['0002_clustered_hot_tables', 'Success']);

    const shapes = sqlite.prepare("select name, sql from sqlite_schema where type = 'table'").all() as Array<{ name: string; sql: string }>;
    // FTS5's own shadow tables (migration 0003) are WITHOUT ROWID too; they are not ours.
    const withoutRowid = shapes.filter((t) => /without rowid\s*$/i.test(t.sql) && !t.name.includes('_fts_')).map((t) => t.name).sort();
    expect(withoutRowid).toEqual(['dedupe', 'p2p_messages', 'pushes', 'read_cursors', 'streams']);
    expect(shapes.some((t) => t.name.endsWith('_next'))).toBe(false);
    const indexes = (sqlite.prepare("select name from sqlite_schema where type = 'index' and name not like 'sqlite_%'").all() as Array<{ name: string }>).map((i) => i.name);
    expect(indexes).toEqual(expect.arrayContaining(['dedupe_created', 'pushes_ts', 'p2p_pair']));

    expect(await db.selectFrom('dedupe').selectAll().execute()).toEqual([{ agent_id: 'a', u_id: 'u1', response: '{}', created_at: 1 }]);
    expect(await db.selectFrom('streams').selectAll().execute()).toEqual([{ stream: 'agent:a', head: 2, pruned_through: 0 }]);
    expect((await db.selectFrom('pushes').select(['seq', 'data']).orderBy('seq').execute())).toEqual([
      { seq: 1, data: '{"n":1}' },
      { seq: 2, data: '{"n":2}' },
    ]);
    expect(await db.selectFrom('read_cursors').selectAll().execute()).toEqual([{ agent_id: 'a', stream: 'agent:a', seq: 1 }]);
    expect(await db.selectFrom('p2p_messages').select(['message_id', 'content']).execute()).toEqual([{ message_id: 'm1', content: 'hi' }]);
    // The keys still hold.
    await expect(db.insertInto('pushes').values({ stream: 'agent:a', seq: 2, event: 'x', data: '{}', ts: 12 }).execute()).rejects.toThrow(/UNIQUE/);
  });

  it('0003 indexes topics and messages written before it, and keeps the index in step afterwards', async () => {
    const sqlite = new BetterSqlite3(':memory:');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const migrator = new Migrator({ db, provider: migrationProvider });
    expect((await migrator.migrateTo('0002_clustered_hot_tables')).error).toBeUndefined();
    const old = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await old.insertInto('topics').values({ topic_id: 'top_a', name: 'Lighthouse keepers', description: 'foggy nights', type: 'discussion', visibility: 'public', join_method: 'open', owner_id: 'x', created_at: 1 }).execute();
    await old.insertInto('topic_messages').values({ topic_id: 'top_a', seq: 1, message_id: 'msg_1', from_id: 'x', content: 'the lamp needs oil', content_type: 'text', semantic_type: null, reply_to: null, sent_at: 1 }).execute();
    await old.insertInto('p2p_messages').values({ message_id: 'msg_2', from_id: 'b', to_id: 'a', content: 'hi', content_type: 'text', sent_at: 10 }).execute();

    const { error, results } = await migrator.migrateToLatest();
    expect(error).toBeUndefined();
    expect(results?.map((r) => [r.migrationName, r.status])).toContainEqual(['0003_messaging', 'Success']);
    const match = (table: string, q: string) => sqlite.prepare(`select rowid from ${table} where ${table} match ?`).all(q).length;
    expect(match('topics_fts', 'lighthouse')).toBe(1);
    expect(match('topic_messages_fts', 'oil')).toBe(1);
    // Rows from before the migration get the new columns as null (old direct messages count as read).
    expect(await db.selectFrom('p2p_messages').select(['message_id', 'seq']).execute()).toEqual([{ message_id: 'msg_2', seq: null }]);
    expect(await db.selectFrom('topic_messages').select(['title', 'blocks']).execute()).toEqual([{ title: null, blocks: null }]);

    // The triggers follow updates and deletes.
    await db.updateTable('topics').set({ name: 'Harbour pilots' }).where('topic_id', '=', 'top_a').execute();
    expect(match('topics_fts', 'lighthouse')).toBe(0);
    expect(match('topics_fts', 'harbour')).toBe(1);
    await db.deleteFrom('topic_messages').where('topic_id', '=', 'top_a').execute();
    expect(match('topic_messages_fts', 'oil')).toBe(0);
    // FTS5 checks its own index against the content table.
    sqlite.prepare("insert into topics_fts(topics_fts) values ('integrity-check')").run();
    sqlite.prepare("insert into topic_messages_fts(topic_messages_fts) values ('integrity-check')").run();
  });

  it('0005 and 0006: default pipelines made before run, and rewards of earlier tasks get the state their status implies', async () => {
    const sqlite = new BetterSqlite3(':memory:');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const migrator = new Migrator({ db, provider: migrationProvider });
    expect((await migrator.migrateTo('0004_work')).error).toBeUndefined();
    const old = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    const pipeline = (id: string, isDefault: number) => ({ pipeline_id: id, name: id, description: null, owner_id: 'o', is_default: isDefault, auto_review: 0, state: 'idle', created_at: 1 });
    await old.insertInto('pipelines').values([pipeline('pip_def', 1), pipeline('pip_own', 0)]).execute();
    const task = (id: string, status: string, reward: boolean) => ({
      task_id: id, title: id, description: null, acceptance_criteria: null, priority: 'P2', status, owner_id: 'o', runner_id: 'r', reviewer_id: null,
      pipeline_id: 'pip_own', topic_id: null, capability: null, deadline: null, reward_asset: reward ? 'PLY' : null, reward_amount: reward ? 3 : null,
      progress: 0, progress_note: null, output: null, artifacts: '[]', review_comment: null, created_at: 1, updated_at: 1, active_at: null,
    });
    await old.insertInto('tasks').values([task('tsk_open', 'doing', true), task('tsk_done', 'done', true), task('tsk_gone', 'cancelled', true), task('tsk_none', 'done', false)]).execute();

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await db.selectFrom('pipelines').select(['pipeline_id', 'state']).orderBy('pipeline_id').execute()).toEqual([
      { pipeline_id: 'pip_def', state: 'running' },
      { pipeline_id: 'pip_own', state: 'idle' },
    ]);
    // 0013 gives them no exact amount and no ledger transaction: they were promises, and stay state-only (TaskService.moveReward).
    expect(await db.selectFrom('tasks').select(['task_id', 'reward_state', 'reward_to', 'reward_units', 'reward_tx']).orderBy('task_id').execute()).toEqual([
      { task_id: 'tsk_done', reward_state: 'released', reward_to: 'r', reward_units: null, reward_tx: null },
      { task_id: 'tsk_gone', reward_state: 'refunded', reward_to: null, reward_units: null, reward_tx: null },
      { task_id: 'tsk_none', reward_state: null, reward_to: null, reward_units: null, reward_tx: null },
      { task_id: 'tsk_open', reward_state: 'held', reward_to: null, reward_units: null, reward_tx: null },
    ]);
    // On the wire the old number reads as its decimal text, with no transaction.
    const open = await db.selectFrom('tasks').selectAll().where('task_id', '=', 'tsk_open').executeTakeFirstOrThrow();
    expect(toTask(open, []).reward).toEqual({ asset: 'PLY', amount: '3', state: 'held', paid_to: null, tx_id: null });
  });
  it('0007 keeps the world and participant-context indexes in step with their tables', async () => {
    const sqlite = new BetterSqlite3(':memory:');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const migrator = new Migrator({ db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    expect(error).toBeUndefined();
    expect(results?.map((r) => [r.migrationName, r.status])).toContainEqual(['0007_worlds', 'Success']);
    await db
      .insertInto('worlds')
      .values({
        world_id: 'wld_a', display_name: 'Harbour', world_context_text: 'boats and tides', participant_context_field: 'who are you',
        visibility: 'public', join_policy: 'open', status: 'enabled', owner_id: 'o', max_turns: 12, turn_timeout_ms: 120000,
        timeout_behavior: 'skip_turn', end_mode: 'dual', created_at: 1, updated_at: 1, last_activity_at: 1,
      })
      .execute();
    await db.insertInto('world_members').values({ world_id: 'wld_a', agent_id: 'o', role: 'owner', participant_context_text: 'I sail dinghies', joined_at: 1 }).execute();
    const match = (table: string, q: string) => sqlite.prepare(`select rowid from ${table} where ${table} match ?`).all(q).length;
    expect(match('worlds_fts', 'tides')).toBe(1);
    expect(match('world_members_fts', 'dinghies')).toBe(1);
    await db.updateTable('worlds').set({ world_context_text: 'lighthouses' }).execute();
    await db.updateTable('world_members').set({ participant_context_text: 'I row' }).execute();
    expect(match('worlds_fts', 'tides')).toBe(0);
    expect(match('worlds_fts', 'lighthouses')).toBe(1);
    expect(match('world_members_fts', 'dinghies')).toBe(0);
    await db.deleteFrom('world_members').execute();
    expect(match('world_members_fts', 'row')).toBe(0);
    sqlite.prepare("insert into worlds_fts(worlds_fts) values ('integrity-check')").run();
    sqlite.prepare("insert into world_members_fts(world_members_fts) values ('integrity-check')").run();
  });

  it('0008: existing agents take chat requests from anywhere, and the pair indexes allow one open request and one active conversation', async () => {
    const sqlite = new BetterSqlite3(':memory:');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const migrator = new Migrator({ db, provider: migrationProvider });
    expect((await migrator.migrateTo('0007_worlds')).error).toBeUndefined();
    const old = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await old
      .insertInto('agents')
      .values({ agent_id: 'agt_a', public_key: 'k', name: 'A', description: null, contact_policy: 'approval_required', created_at: 1, last_seen_at: null })
      .execute();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await db.selectFrom('agents').select(['contact_policy', 'world_requests_only']).execute()).toEqual([
      { contact_policy: 'approval_required', world_requests_only: 0 },
    ]);
    const request = (id: string, status: string) => ({
      request_id: id, from_id: 'a', to_id: 'b', pair_key: 'a b', world_id: null, opening_message: 'hi', policy: '{}', status,
      conversation_id: null, reason: null, created_at: 1, expires_at: 2, decided_at: null,
    });
    await db.insertInto('chat_requests').values([request('chr_1', 'pending'), request('chr_2', 'expired'), request('chr_3', 'expired')]).execute();
    await expect(db.insertInto('chat_requests').values(request('chr_4', 'pending')).execute()).rejects.toThrow(/UNIQUE/);
    const turn = { conversation_id: 'cnv_1', kind: 'message', from_id: 'a', text: 'x', at: 1 };
    await db.insertInto('conversation_turns').values([{ ...turn, turn: 1, client_message_id: 'm1' }, { ...turn, turn: 2, client_message_id: null }, { ...turn, turn: 3, client_message_id: null }]).execute();
    await expect(db.insertInto('conversation_turns').values({ ...turn, turn: 4, client_message_id: 'm1' }).execute()).rejects.toThrow(/UNIQUE/);
  });
});
