import { SqliteAdapter, sql, type CreateTableBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * Migrations live in code (not files on disk) so they ship inside the bundled
 * dist. Append new versions; never edit a released one. Column types are the
 * portable subset (text, integer/bigint) that SQLite and PostgreSQL share.
 */
const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('agents')
        .addColumn('agent_id', 'text', (c) => c.primaryKey())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('description', 'text')
        .addColumn('contact_policy', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint')
        .execute();
      await db.schema.createIndex('agents_created').on('agents').columns(['created_at', 'agent_id']).execute();

      await db.schema
        .createTable('agent_capabilities')
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('capability', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('agent_capabilities_pk', ['agent_id', 'capability'])
        .execute();
      await db.schema.createIndex('agent_capabilities_cap').on('agent_capabilities').column('capability').execute();

      await db.schema
        .createTable('tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('used_signatures')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('dedupe')
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('u_id', 'text', (c) => c.notNull())
        .addColumn('response', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('dedupe_pk', ['agent_id', 'u_id'])
        .execute();
      await db.schema.createIndex('dedupe_created').on('dedupe').column('created_at').execute();

      await db.schema
        .createTable('streams')
        .addColumn('stream', 'text', (c) => c.primaryKey())
        .addColumn('head', 'bigint', (c) => c.notNull())
        .addColumn('pruned_through', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('pushes')
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pushes_pk', ['stream', 'seq'])
        .execute();
      await db.schema.createIndex('pushes_ts').on('pushes').column('ts').execute();

      await db.schema
        .createTable('read_cursors')
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('read_cursors_pk', ['agent_id', 'stream'])
        .execute();

      await db.schema
        .createTable('p2p_messages')
        .addColumn('message_id', 'text', (c) => c.primaryKey())
        .addColumn('from_id', 'text', (c) => c.notNull())
        .addColumn('to_id', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('p2p_pair').on('p2p_messages').columns(['from_id', 'to_id', 'message_id']).execute();

      await db.schema
        .createTable('topics')
        .addColumn('topic_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('join_method', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('topics_created').on('topics').columns(['created_at', 'topic_id']).execute();

      await db.schema
        .createTable('topic_members')
        .addColumn('topic_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('joined_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('topic_members_pk', ['topic_id', 'agent_id'])
        .execute();
      await db.schema.createIndex('topic_members_agent').on('topic_members').column('agent_id').execute();

      await db.schema
        .createTable('topic_messages')
        .addColumn('topic_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull().unique())
        .addColumn('from_id', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('semantic_type', 'text')
        .addColumn('reply_to', 'text')
        .addColumn('sent_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('topic_messages_pk', ['topic_id', 'seq'])
        .execute();
    },
  },

  // SQLite only. The tables every message writes become WITHOUT ROWID: the
  // primary key is the table, instead of a rowid table plus a separate index
  // for the key. Every commit then writes one b-tree page fewer per table; a
  // commit costs about two write() calls per page (measured in issue 3: about
  // 140 µs per commit, most of the hub's time under load). PostgreSQL has no
  // rowid; nothing to do there.
  '0002_clustered_hot_tables': {
    async up(outer: Kysely<unknown>) {
      if (!(outer.getExecutor().adapter instanceof SqliteAdapter)) return;
      // Kysely does not wrap SQLite migrations in a transaction (it assumes no
      // transactional DDL); SQLite has it, so all or nothing. This runs before
      // the hub starts, so the group-commit writer is not running yet.
      await outer.transaction().execute(async (db) => {
        await rebuild(db, 'dedupe', (t) =>
          t
            .addColumn('agent_id', 'text', (c) => c.notNull())
            .addColumn('u_id', 'text', (c) => c.notNull())
            .addColumn('response', 'text', (c) => c.notNull())
            .addColumn('created_at', 'bigint', (c) => c.notNull())
            .addPrimaryKeyConstraint('dedupe_pk', ['agent_id', 'u_id']),
        );
        await db.schema.createIndex('dedupe_created').on('dedupe').column('created_at').execute();
        await rebuild(db, 'streams', (t) =>
          t
            .addColumn('stream', 'text', (c) => c.primaryKey())
            .addColumn('head', 'bigint', (c) => c.notNull())
            .addColumn('pruned_through', 'bigint', (c) => c.notNull()),
        );
        await rebuild(db, 'pushes', (t) =>
          t
            .addColumn('stream', 'text', (c) => c.notNull())
            .addColumn('seq', 'bigint', (c) => c.notNull())
            .addColumn('event', 'text', (c) => c.notNull())
            .addColumn('data', 'text', (c) => c.notNull())
            .addColumn('ts', 'bigint', (c) => c.notNull())
            .addPrimaryKeyConstraint('pushes_pk', ['stream', 'seq']),
        );
        await db.schema.createIndex('pushes_ts').on('pushes').column('ts').execute();
        await rebuild(db, 'read_cursors', (t) =>
          t
            .addColumn('agent_id', 'text', (c) => c.notNull())
            .addColumn('stream', 'text', (c) => c.notNull())
            .addColumn('seq', 'bigint', (c) => c.notNull())
            .addPrimaryKeyConstraint('read_cursors_pk', ['agent_id', 'stream']),
        );
        await rebuild(db, 'p2p_messages', (t) =>
          t
            .addColumn('message_id', 'text', (c) => c.primaryKey())
            .addColumn('from_id', 'text', (c) => c.notNull())
            .addColumn('to_id', 'text', (c) => c.notNull())
            .addColumn('content', 'text', (c) => c.notNull())
            .addColumn('content_type', 'text', (c) => c.notNull())
            .addColumn('sent_at', 'bigint', (c) => c.notNull()),
        );
        await db.schema.createIndex('p2p_pair').on('p2p_messages').columns(['from_id', 'to_id', 'message_id']).execute();
      });
    },
  },

  // Issue 4, messaging complete: roles, invitations, join requests, blacklist,
  // rich messages, notification settings, memory notes, the recipient seq of a
  // direct message (unread counts), and full-text search.
  '0003_messaging': {
    async up(outer: Kysely<unknown>) {
      const sqlite = outer.getExecutor().adapter instanceof SqliteAdapter;
      // SQLite has transactional DDL and Kysely does not wrap its migrations: all or nothing.
      await atomically(outer, async (db) => {
        await db.schema.alterTable('topic_messages').addColumn('title', 'text').execute();
        await db.schema.alterTable('topic_messages').addColumn('blocks', 'text').execute();
        // The seq of the p2p.message push in the recipient's agent stream: compared
        // with its read cursor, it says which messages are unread.
        await db.schema.alterTable('p2p_messages').addColumn('seq', 'bigint').execute();
        await db.schema.createIndex('p2p_to').on('p2p_messages').columns(['to_id', 'from_id', 'seq']).execute();

        await db.schema
          .createTable('topic_invites')
          .addColumn('topic_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('by_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('topic_invites_pk', ['topic_id', 'agent_id'])
          .execute();
        await db.schema
          .createTable('topic_join_requests')
          .addColumn('topic_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('topic_join_requests_pk', ['topic_id', 'agent_id'])
          .execute();
        await db.schema
          .createTable('topic_blacklist')
          .addColumn('topic_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('by_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint')
          .addPrimaryKeyConstraint('topic_blacklist_pk', ['topic_id', 'agent_id'])
          .execute();

        // scope is 'topic:<id>' or 'event:<name>'; looked up by scope on every topic push (the index covers that query).
        await db.schema
          .createTable('notification_settings')
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('notification_settings_pk', ['agent_id', 'scope'])
          .execute();
        await db.schema.createIndex('notification_settings_scope').on('notification_settings').columns(['scope', 'enabled', 'agent_id']).execute();

        await db.schema
          .createTable('memory_notes')
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('source_topic_id', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('memory_notes_pk', ['agent_id', 'name'])
          .execute();

        // Full text: SQLite FTS5 external-content tables kept in step by
        // triggers (so every write path, including deletes, updates them).
        // PostgreSQL gets the same shape from tsvector tables (pgFullText);
        // the queries live behind store/search.ts for that reason.
        if (sqlite) {
          await sql`create virtual table topics_fts using fts5(name, description, content='topics', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')`.execute(db);
          await sql`create trigger topics_fts_ai after insert on topics begin
              insert into topics_fts(rowid, name, description) values (new.rowid, new.name, new.description); end`.execute(db);
          await sql`create trigger topics_fts_ad after delete on topics begin
              insert into topics_fts(topics_fts, rowid, name, description) values ('delete', old.rowid, old.name, old.description); end`.execute(db);
          await sql`create trigger topics_fts_au after update of name, description on topics begin
              insert into topics_fts(topics_fts, rowid, name, description) values ('delete', old.rowid, old.name, old.description);
              insert into topics_fts(rowid, name, description) values (new.rowid, new.name, new.description); end`.execute(db);
          await sql`insert into topics_fts(topics_fts) values ('rebuild')`.execute(db);

          await sql`create virtual table topic_messages_fts using fts5(title, content, content='topic_messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')`.execute(db);
          await sql`create trigger topic_messages_fts_ai after insert on topic_messages begin
              insert into topic_messages_fts(rowid, title, content) values (new.rowid, new.title, new.content); end`.execute(db);
          await sql`create trigger topic_messages_fts_ad after delete on topic_messages begin
              insert into topic_messages_fts(topic_messages_fts, rowid, title, content) values ('delete', old.rowid, old.title, old.content); end`.execute(db);
          await sql`insert into topic_messages_fts(topic_messages_fts) values ('rebuild')`.execute(db);
        } else {
          await pgSearchConfig(db);
          await pgFullText(db, { table: 'topics', key: [['topic_id', 'text']], columns: [['name', 'A'], ['description', 'B']] });
          await pgFullText(db, { table: 'topic_messages', key: [['topic_id', 'text'], ['seq', 'bigint']], columns: [['title', 'A'], ['content', 'B']] });
        }
      });
    },
  },

  // Issue 6, work orchestration: tasks with their timeline, submissions and
  // dependencies, pipelines, delegated requests and act-as grants; and `via`
  // on messages sent by a manager on another agent's behalf.
  '0004_work': {
    async up(outer: Kysely<unknown>) {
      await atomically(outer, async (db) => {
        await db.schema.alterTable('topic_messages').addColumn('via', 'text').execute();
        await db.schema.alterTable('p2p_messages').addColumn('via', 'text').execute();

        await db.schema
          .createTable('pipelines')
          .addColumn('pipeline_id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('owner_id', 'text', (c) => c.notNull())
          .addColumn('is_default', 'integer', (c) => c.notNull())
          .addColumn('auto_review', 'integer', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('pipelines_owner').on('pipelines').columns(['owner_id', 'is_default']).execute();
        await db.schema.createIndex('pipelines_created').on('pipelines').columns(['created_at', 'pipeline_id']).execute();

        await db.schema
          .createTable('tasks')
          .addColumn('task_id', 'text', (c) => c.primaryKey())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('acceptance_criteria', 'text')
          .addColumn('priority', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('owner_id', 'text', (c) => c.notNull())
          .addColumn('runner_id', 'text')
          .addColumn('reviewer_id', 'text')
          .addColumn('pipeline_id', 'text', (c) => c.notNull())
          .addColumn('topic_id', 'text')
          .addColumn('capability', 'text')
          .addColumn('deadline', 'bigint')
          .addColumn('reward_asset', 'text')
          .addColumn('reward_amount', 'double precision')
          .addColumn('progress', 'integer', (c) => c.notNull())
          .addColumn('progress_note', 'text')
          .addColumn('output', 'text')
          .addColumn('artifacts', 'text', (c) => c.notNull())
          .addColumn('review_comment', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          // Last sign of life from the runner (start or progress): what staleness is measured from.
          .addColumn('active_at', 'bigint')
          .execute();
        await db.schema.createIndex('tasks_created').on('tasks').columns(['created_at', 'task_id']).execute();
        await db.schema.createIndex('tasks_pipeline').on('tasks').columns(['pipeline_id', 'status']).execute();
        await db.schema.createIndex('tasks_owner').on('tasks').column('owner_id').execute();
        await db.schema.createIndex('tasks_runner').on('tasks').column('runner_id').execute();
        await db.schema.createIndex('tasks_status').on('tasks').columns(['status', 'active_at']).execute();

        await db.schema
          .createTable('task_dependencies')
          .addColumn('task_id', 'text', (c) => c.notNull())
          .addColumn('depends_on', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('task_dependencies_pk', ['task_id', 'depends_on'])
          .execute();
        await db.schema.createIndex('task_dependencies_upstream').on('task_dependencies').column('depends_on').execute();

        await db.schema
          .createTable('task_timeline')
          .addColumn('task_id', 'text', (c) => c.notNull())
          .addColumn('n', 'integer', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('from_status', 'text')
          .addColumn('to_status', 'text')
          .addColumn('note', 'text')
          .addPrimaryKeyConstraint('task_timeline_pk', ['task_id', 'n'])
          .execute();

        await db.schema
          .createTable('task_submissions')
          .addColumn('submission_id', 'text', (c) => c.primaryKey())
          .addColumn('task_id', 'text', (c) => c.notNull())
          .addColumn('runner_id', 'text', (c) => c.notNull())
          .addColumn('output', 'text', (c) => c.notNull())
          .addColumn('artifacts', 'text', (c) => c.notNull())
          .addColumn('submitted_at', 'bigint', (c) => c.notNull())
          .addColumn('decision', 'text')
          .addColumn('comment', 'text')
          .addColumn('reviewed_by', 'text')
          .addColumn('reviewed_at', 'bigint')
          .execute();
        await db.schema.createIndex('task_submissions_task').on('task_submissions').columns(['task_id', 'submitted_at']).execute();

        await db.schema
          .createTable('delegations')
          .addColumn('request_id', 'text', (c) => c.primaryKey())
          .addColumn('capability', 'text', (c) => c.notNull())
          .addColumn('requester_id', 'text', (c) => c.notNull())
          .addColumn('worker_id', 'text')
          // JSON array of every worker tried, so a retry never goes back to one.
          .addColumn('tried', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('input', 'text', (c) => c.notNull())
          .addColumn('output', 'text')
          .addColumn('error', 'text')
          .addColumn('timeout_ms', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('deadline', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('delegations_worker').on('delegations').columns(['worker_id', 'state']).execute();
        await db.schema.createIndex('delegations_state').on('delegations').columns(['state', 'deadline']).execute();

        await db.schema
          .createTable('delegate_grants')
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('manager_id', 'text', (c) => c.notNull())
          .addColumn('can_publish', 'integer', (c) => c.notNull())
          .addColumn('can_p2p', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('delegate_grants_pk', ['agent_id', 'manager_id'])
          .execute();
        await db.schema.createIndex('delegate_grants_manager').on('delegate_grants').column('manager_id').execute();
      });
    },
  },

  // A default pipeline is always running (tasks outside a pipeline of their
  // own are announced as soon as they can start); those made before were idle.
  '0005_default_pipelines_run': {
    async up(outer: Kysely<unknown>) {
      await atomically(outer, async (db) => {
        await sql`update pipelines set state = 'running' where is_default = 1`.execute(db);
      });
    },
  },

  // Task rewards get a state (held, released to the runner, refunded) kept by
  // the RewardKeeper; rewards of tasks made before start from their status.
  '0006_task_reward_state': {
    async up(outer: Kysely<unknown>) {
      await atomically(outer, async (db) => {
        await db.schema.alterTable('tasks').addColumn('reward_state', 'text').execute();
        await db.schema.alterTable('tasks').addColumn('reward_to', 'text').execute();
        await sql`update tasks set reward_state = case status when 'done' then 'released' when 'cancelled' then 'refunded' else 'held' end,
          reward_to = case status when 'done' then runner_id else null end
          where reward_asset is not null`.execute(db);
      });
    },
  },
  // Issue 7, worlds: the world with its episode policy defaults, members with
  // their participant contexts, join requests, invitations, bans and
  // broadcasts. Two full-text indexes: worlds (name and context, for
  // world/search) and member contexts (bm25 ranking of world/candidates).
  '0007_worlds': {
    async up(outer: Kysely<unknown>) {
      const sqlite = outer.getExecutor().adapter instanceof SqliteAdapter;
      await atomically(outer, async (db) => {
        // Rowid tables (not WITHOUT ROWID): the FTS5 external-content indexes address rows by rowid.
        await db.schema
          .createTable('worlds')
          .addColumn('world_id', 'text', (c) => c.primaryKey())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('world_context_text', 'text', (c) => c.notNull())
          .addColumn('participant_context_field', 'text', (c) => c.notNull())
          .addColumn('visibility', 'text', (c) => c.notNull())
          .addColumn('join_policy', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('owner_id', 'text', (c) => c.notNull())
          .addColumn('max_turns', 'integer', (c) => c.notNull())
          .addColumn('turn_timeout_ms', 'integer', (c) => c.notNull())
          .addColumn('timeout_behavior', 'text', (c) => c.notNull())
          .addColumn('end_mode', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('last_activity_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('worlds_created').on('worlds').columns(['created_at', 'world_id']).execute();

        await db.schema
          .createTable('world_members')
          .addColumn('world_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('participant_context_text', 'text', (c) => c.notNull())
          .addColumn('joined_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('world_members_pk', ['world_id', 'agent_id'])
          .execute();
        await db.schema.createIndex('world_members_agent').on('world_members').columns(['agent_id', 'joined_at']).execute();

        await db.schema
          .createTable('world_join_requests')
          .addColumn('world_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('participant_context_text', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('world_join_requests_pk', ['world_id', 'agent_id'])
          .execute();
        await db.schema
          .createTable('world_invites')
          .addColumn('world_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('by_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('world_invites_pk', ['world_id', 'agent_id'])
          .execute();
        await db.schema
          .createTable('world_bans')
          .addColumn('world_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('by_id', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('world_bans_pk', ['world_id', 'agent_id'])
          .execute();
        // Kept for the chat domain: an `at_most_one` reply is checked against the broadcast it answers.
        await db.schema
          .createTable('world_broadcasts')
          .addColumn('broadcast_id', 'text', (c) => c.primaryKey())
          .addColumn('world_id', 'text', (c) => c.notNull())
          .addColumn('from_id', 'text', (c) => c.notNull())
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('reply_policy', 'text', (c) => c.notNull())
          .addColumn('recipients', 'integer', (c) => c.notNull())
          .addColumn('sent_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('world_broadcasts_world').on('world_broadcasts').columns(['world_id', 'sent_at']).execute();

        if (sqlite) {
          await sql`create virtual table worlds_fts using fts5(display_name, world_context_text, content='worlds', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')`.execute(db);
          await sql`create trigger worlds_fts_ai after insert on worlds begin
              insert into worlds_fts(rowid, display_name, world_context_text) values (new.rowid, new.display_name, new.world_context_text); end`.execute(db);
          await sql`create trigger worlds_fts_ad after delete on worlds begin
              insert into worlds_fts(worlds_fts, rowid, display_name, world_context_text) values ('delete', old.rowid, old.display_name, old.world_context_text); end`.execute(db);
          await sql`create trigger worlds_fts_au after update of display_name, world_context_text on worlds begin
              insert into worlds_fts(worlds_fts, rowid, display_name, world_context_text) values ('delete', old.rowid, old.display_name, old.world_context_text);
              insert into worlds_fts(rowid, display_name, world_context_text) values (new.rowid, new.display_name, new.world_context_text); end`.execute(db);

          await sql`create virtual table world_members_fts using fts5(participant_context_text, content='world_members', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')`.execute(db);
          await sql`create trigger world_members_fts_ai after insert on world_members begin
              insert into world_members_fts(rowid, participant_context_text) values (new.rowid, new.participant_context_text); end`.execute(db);
          await sql`create trigger world_members_fts_ad after delete on world_members begin
              insert into world_members_fts(world_members_fts, rowid, participant_context_text) values ('delete', old.rowid, old.participant_context_text); end`.execute(db);
          await sql`create trigger world_members_fts_au after update of participant_context_text on world_members begin
              insert into world_members_fts(world_members_fts, rowid, participant_context_text) values ('delete', old.rowid, old.participant_context_text);
              insert into world_members_fts(rowid, participant_context_text) values (new.rowid, new.participant_context_text); end`.execute(db);
        } else {
          await pgFullText(db, { table: 'worlds', key: [['world_id', 'text']], columns: [['display_name', 'A'], ['world_context_text', 'B']] });
          await pgFullText(db, { table: 'world_members', key: [['world_id', 'text'], ['agent_id', 'text']], columns: [['participant_context_text', 'D']] });
        }
      });
    },
  },
  '0008_chat': {
    async up(outer: Kysely<unknown>) {
      await atomically(outer, async (db) => {
        await db.schema.alterTable('agents').addColumn('world_requests_only', 'integer', (c) => c.notNull().defaultTo(0)).execute();

        // `pair_key` is the two agent ids in sorted order: "one open request or conversation per pair" is then a
        // partial unique index, so a race between two requests (either direction) cannot open two.
        await db.schema
          .createTable('chat_requests')
          .addColumn('request_id', 'text', (c) => c.primaryKey())
          .addColumn('from_id', 'text', (c) => c.notNull())
          .addColumn('to_id', 'text', (c) => c.notNull())
          .addColumn('pair_key', 'text', (c) => c.notNull())
          .addColumn('world_id', 'text')
          .addColumn('opening_message', 'text', (c) => c.notNull())
          .addColumn('policy', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('conversation_id', 'text')
          .addColumn('reason', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('decided_at', 'bigint')
          .execute();
        await db.schema.createIndex('chat_requests_to').on('chat_requests').columns(['to_id', 'created_at']).execute();
        await db.schema.createIndex('chat_requests_from').on('chat_requests').columns(['from_id', 'created_at']).execute();
        await db.schema.createIndex('chat_requests_pending').on('chat_requests').column('pair_key').unique().where(sql.ref('status'), '=', 'pending').execute();
        await db.schema.createIndex('chat_requests_expiry').on('chat_requests').columns(['status', 'expires_at']).execute();

        await db.schema
          .createTable('conversations')
          .addColumn('conversation_id', 'text', (c) => c.primaryKey())
          .addColumn('request_id', 'text', (c) => c.notNull())
          .addColumn('world_id', 'text')
          .addColumn('requester_id', 'text', (c) => c.notNull())
          .addColumn('target_id', 'text', (c) => c.notNull())
          .addColumn('pair_key', 'text', (c) => c.notNull())
          .addColumn('opening_message', 'text', (c) => c.notNull())
          .addColumn('max_turns', 'integer', (c) => c.notNull())
          .addColumn('turn_timeout_ms', 'integer', (c) => c.notNull())
          .addColumn('timeout_behavior', 'text', (c) => c.notNull())
          .addColumn('end_mode', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('turns_taken', 'integer', (c) => c.notNull())
          .addColumn('next_turn', 'text')
          .addColumn('turn_deadline', 'bigint')
          .addColumn('requester_hand', 'integer', (c) => c.notNull())
          .addColumn('target_hand', 'integer', (c) => c.notNull())
          .addColumn('ended_reason', 'text')
          .addColumn('ended_at', 'bigint')
          .addColumn('requester_rating', 'text')
          .addColumn('target_rating', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('conversations_requester').on('conversations').columns(['requester_id', 'created_at']).execute();
        await db.schema.createIndex('conversations_target').on('conversations').columns(['target_id', 'created_at']).execute();
        await db.schema.createIndex('conversations_active').on('conversations').column('pair_key').unique().where(sql.ref('status'), '=', 'active').execute();
        await db.schema.createIndex('conversations_world').on('conversations').columns(['world_id', 'status']).execute();

        await db.schema
          .createTable('conversation_turns')
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('turn', 'integer', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('from_id', 'text')
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('client_message_id', 'text')
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('conversation_turns_pk', ['conversation_id', 'turn'])
          .execute();
        // A resent client_message_id finds its first turn here; the unique index also stops two racing copies.
        await db.schema
          .createIndex('conversation_turns_client_id')
          .on('conversation_turns')
          .columns(['conversation_id', 'from_id', 'client_message_id'])
          .unique()
          .where(sql.ref('client_message_id'), 'is not', null)
          .execute();

        await db.schema
          .createTable('world_broadcast_replies')
          .addColumn('broadcast_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('world_broadcast_replies_pk', ['broadcast_id', 'agent_id'])
          .execute();

        await db.schema
          .createTable('feedback')
          .addColumn('feedback_id', 'text', (c) => c.primaryKey())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('category', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('details', 'text', (c) => c.notNull())
          .addColumn('context_ids', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('feedback_created').on('feedback').columns(['created_at', 'feedback_id']).execute();
      });
    },
  },
  '0009_tokens_by_agent': {
    // Minting retires an agent's oldest tokens past a cap, and logout revokes all of them: both look tokens up by agent.
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('tokens_agent').on('tokens').columns(['agent_id', 'created_at']).execute();
    },
  },

  // Issue 15: memory quotas. A note's size in UTF-8 bytes is kept beside it,
  // so the quota check inside the write and memory/list sum and show sizes
  // without reading every note's text.
  '0010_memory_note_bytes': {
    async up(outer: Kysely<unknown>) {
      const sqlite = outer.getExecutor().adapter instanceof SqliteAdapter;
      await atomically(outer, async (db) => {
        await db.schema.alterTable('memory_notes').addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
        await sql`update memory_notes set bytes = ${sqlite ? sql`length(cast(content as blob))` : sql`octet_length(content)`}`.execute(db);
      });
    },
  },

  // Issue 19: with several hubs, the hub holding the timer lease looks for
  // turn deadlines that passed unhandled (their hub died): by status and time.
  '0011_conversation_deadlines': {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('conversations_deadline').on('conversations').columns(['status', 'turn_deadline']).execute();
    },
  },

  // Issue 20, governance: proposals and their community votes, the committee
  // (applications and members are one row per agent) and its votes, and the
  // committee's deliberations with each member's vote and reason.
  '0012_governance': {
    async up(outer: Kysely<unknown>) {
      await atomically(outer, async (db) => {
        await db.schema
          .createTable('proposals')
          .addColumn('proposal_id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('author_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('support', 'integer', (c) => c.notNull())
          .addColumn('oppose', 'integer', (c) => c.notNull())
          .addColumn('issuance_id', 'text')
          .addColumn('deliberation_id', 'text')
          .addColumn('result', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        // Newest first, overall and by status; an author's open proposals are counted against a bound.
        await db.schema.createIndex('proposals_created').on('proposals').columns(['created_at', 'proposal_id']).execute();
        await db.schema.createIndex('proposals_status').on('proposals').columns(['status', 'created_at', 'proposal_id']).execute();
        await db.schema.createIndex('proposals_author').on('proposals').columns(['author_id', 'status']).execute();

        await db.schema
          .createTable('proposal_votes')
          .addColumn('proposal_id', 'text', (c) => c.notNull())
          .addColumn('voter_id', 'text', (c) => c.notNull())
          .addColumn('support', 'integer', (c) => c.notNull())
          .addColumn('voted_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('proposal_votes_pk', ['proposal_id', 'voter_id'])
          .execute();

        await db.schema
          .createTable('committee')
          .addColumn('agent_id', 'text', (c) => c.primaryKey())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('role', 'text')
          .addColumn('statement', 'text')
          .addColumn('support', 'integer', (c) => c.notNull())
          .addColumn('oppose', 'integer', (c) => c.notNull())
          .addColumn('applied_at', 'bigint', (c) => c.notNull())
          .addColumn('elected_at', 'bigint')
          .execute();
        await db.schema.createIndex('committee_status').on('committee').columns(['status', 'applied_at', 'agent_id']).execute();

        await db.schema
          .createTable('committee_votes')
          .addColumn('candidate_id', 'text', (c) => c.notNull())
          .addColumn('voter_id', 'text', (c) => c.notNull())
          .addColumn('support', 'integer', (c) => c.notNull())
          .addColumn('voted_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('committee_votes_pk', ['candidate_id', 'voter_id'])
          .execute();

        await db.schema
          .createTable('deliberations')
          .addColumn('deliberation_id', 'text', (c) => c.primaryKey())
          .addColumn('proposal_id', 'text', (c) => c.notNull().unique())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('seats', 'integer', (c) => c.notNull())
          .addColumn('approve', 'integer', (c) => c.notNull())
          .addColumn('reject', 'integer', (c) => c.notNull())
          .addColumn('abstain', 'integer', (c) => c.notNull())
          .addColumn('result', 'text')
          .addColumn('executed_by', 'text')
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('decided_at', 'bigint')
          .addColumn('executed_at', 'bigint')
          .execute();
        await db.schema.createIndex('deliberations_started').on('deliberations').columns(['started_at', 'deliberation_id']).execute();
        await db.schema.createIndex('deliberations_status').on('deliberations').columns(['status', 'started_at', 'deliberation_id']).execute();

        await db.schema
          .createTable('deliberation_votes')
          .addColumn('deliberation_id', 'text', (c) => c.notNull())
          .addColumn('member_id', 'text', (c) => c.notNull())
          .addColumn('choice', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('voted_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('deliberation_votes_pk', ['deliberation_id', 'member_id'])
          .execute();
      });
    },
  },

  // Issue 20, economy: issuance applications and issued assets, a wallet per
  // agent (its transfer nonce), a double-entry ledger (transactions and their
  // entries; amounts are integers as decimal text, so no dialect's integer
  // width or float bounds them) with the balance of every account beside it,
  // and one row per committee reward period (paid once, whatever restarts).
  // Tasks get their reward's exact amount and the ledger transaction of its
  // last move.
  '0013_economy': {
    async up(outer: Kysely<unknown>) {
      await atomically(outer, async (db) => {
        await db.schema
          .createTable('asset_issuances')
          .addColumn('issuance_id', 'text', (c) => c.primaryKey())
          .addColumn('applicant_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('symbol', 'text', (c) => c.notNull())
          .addColumn('total_supply', 'text', (c) => c.notNull())
          .addColumn('decimals', 'integer', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('to_treasury', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('proposal_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('issued_at', 'bigint')
          .execute();
        await db.schema.createIndex('asset_issuances_created').on('asset_issuances').columns(['created_at', 'issuance_id']).execute();
        await db.schema.createIndex('asset_issuances_symbol').on('asset_issuances').columns(['symbol', 'status']).execute();
        await db.schema.createIndex('asset_issuances_applicant').on('asset_issuances').columns(['applicant_id', 'status']).execute();
        await db.schema.createIndex('asset_issuances_proposal').on('asset_issuances').column('proposal_id').execute();

        await db.schema
          .createTable('assets')
          .addColumn('symbol', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('decimals', 'integer', (c) => c.notNull())
          .addColumn('total_supply', 'text', (c) => c.notNull())
          .addColumn('issuer_id', 'text')
          .addColumn('issuance_id', 'text', (c) => c.notNull().unique())
          .addColumn('tx_id', 'text', (c) => c.notNull())
          .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
          .addColumn('issued_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('wallets')
          .addColumn('address', 'text', (c) => c.primaryKey())
          .addColumn('agent_id', 'text', (c) => c.notNull().unique())
          .addColumn('last_nonce', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('balances')
          .addColumn('account', 'text', (c) => c.notNull())
          .addColumn('asset', 'text', (c) => c.notNull())
          .addColumn('amount', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('balances_pk', ['account', 'asset'])
          .execute();

        await db.schema
          .createTable('ledger_txs')
          .addColumn('tx_id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('asset', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('memo', 'text')
          .addColumn('ref', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('ledger_entries')
          .addColumn('tx_id', 'text', (c) => c.notNull())
          .addColumn('n', 'integer', (c) => c.notNull())
          .addColumn('account', 'text', (c) => c.notNull())
          .addColumn('asset', 'text', (c) => c.notNull())
          .addColumn('amount', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('ledger_entries_pk', ['tx_id', 'n'])
          .execute();
        // An account's transactions, newest first (tx ids are time-ordered).
        await db.schema.createIndex('ledger_entries_account').on('ledger_entries').columns(['account', 'tx_id']).execute();

        await db.schema
          .createTable('reward_periods')
          .addColumn('period', 'bigint', (c) => c.primaryKey())
          .addColumn('asset', 'text', (c) => c.notNull())
          .addColumn('amount', 'text', (c) => c.notNull())
          .addColumn('members', 'integer', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('paid_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema.alterTable('tasks').addColumn('reward_units', 'text').execute();
        await db.schema.alterTable('tasks').addColumn('reward_tx', 'text').execute();
      });
    },
  },

  // Issue 21, content: articles (title, Markdown body, tags as JSON beside
  // them; `bytes` and `excerpt` kept at write time so quota checks, lists and
  // pushes never read a body), one row per tag for the tag filter, and full
  // text over title and body, as 0003 and 0007 do it on each store.
  '0014_content': {
    async up(outer: Kysely<unknown>) {
      const sqlite = outer.getExecutor().adapter instanceof SqliteAdapter;
      await atomically(outer, async (db) => {
        // A rowid table (not WITHOUT ROWID): the FTS5 external-content index addresses rows by rowid.
        await db.schema
          .createTable('articles')
          .addColumn('content_id', 'text', (c) => c.primaryKey())
          .addColumn('author_id', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('visibility', 'text', (c) => c.notNull())
          .addColumn('excerpt', 'text', (c) => c.notNull())
          .addColumn('bytes', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('published_at', 'bigint')
          .execute();
        // Newest first, overall and by author; an author's count and bytes (the quota) read the author index alone.
        await db.schema.createIndex('articles_created').on('articles').columns(['created_at', 'content_id']).execute();
        await db.schema.createIndex('articles_author').on('articles').columns(['author_id', 'created_at', 'content_id']).execute();

        await db.schema
          .createTable('article_tags')
          .addColumn('tag', 'text', (c) => c.notNull())
          .addColumn('content_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('article_tags_pk', ['tag', 'content_id'])
          .execute();
        await db.schema.createIndex('article_tags_content').on('article_tags').column('content_id').execute();

        if (sqlite) {
          await sql`create virtual table articles_fts using fts5(title, body, content='articles', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')`.execute(db);
          await sql`create trigger articles_fts_ai after insert on articles begin
              insert into articles_fts(rowid, title, body) values (new.rowid, new.title, new.body); end`.execute(db);
          await sql`create trigger articles_fts_ad after delete on articles begin
              insert into articles_fts(articles_fts, rowid, title, body) values ('delete', old.rowid, old.title, old.body); end`.execute(db);
          await sql`create trigger articles_fts_au after update of title, body on articles begin
              insert into articles_fts(articles_fts, rowid, title, body) values ('delete', old.rowid, old.title, old.body);
              insert into articles_fts(rowid, title, body) values (new.rowid, new.title, new.body); end`.execute(db);
        } else {
          await pgFullText(db, { table: 'articles', key: [['content_id', 'text']], columns: [['title', 'A'], ['body', 'B']] });
        }
      });
    },
  },

  // Issue 21, skill registry: a row per name (its publisher, latest release,
  // counts for the quotas) and a row per published version, SKILL.md and
  // files inline (a skill is at most MAX_SKILL_TOTAL_BYTES). Versions are
  // keyed without build metadata, so 1.0.0+a and 1.0.0+b cannot both exist.
  '0015_skills': {
    async up(outer: Kysely<unknown>) {
      await atomically(outer, async (db) => {
        await db.schema
          .createTable('skills')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('publisher_id', 'text', (c) => c.notNull())
          .addColumn('latest_version', 'text')
          .addColumn('top_version', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('versions', 'integer', (c) => c.notNull())
          .addColumn('bytes', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('skills_publisher').on('skills').columns(['publisher_id', 'name']).execute();

        await db.schema
          .createTable('skill_versions')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('version_key', 'text', (c) => c.notNull())
          .addColumn('version', 'text', (c) => c.notNull())
          .addColumn('publisher_id', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('files', 'text', (c) => c.notNull())
          .addColumn('file_list', 'text', (c) => c.notNull())
          .addColumn('bytes', 'integer', (c) => c.notNull())
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('prerelease', 'integer', (c) => c.notNull())
          .addColumn('published_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('skill_versions_pk', ['name', 'version_key'])
          .execute();
      });
    },
  },

  // The service registry (issue 21): definitions by name@version and the instances agents hold.
  '0016_services': {
    async up(outer: Kysely<unknown>) {
      await atomically(outer, async (db) => {
        await db.schema
          .createTable('services')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('version', 'text', (c) => c.notNull())
          .addColumn('version_key', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('params_schema', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('services_pk', ['name', 'version'])
          .execute();
        await db.schema.createIndex('services_version_key').on('services').columns(['name', 'version_key']).execute();

        await db.schema
          .createTable('service_instances')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('version', 'text', (c) => c.notNull())
          .addColumn('owner_id', 'text', (c) => c.notNull())
          .addColumn('endpoint', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('service_instances_pk', ['name', 'version', 'owner_id'])
          .execute();
        await db.schema.createIndex('service_instances_owner').on('service_instances').columns(['owner_id', 'name', 'version']).execute();
      });
    },
  },
  '0017_juji_aliases': {
    async up(outer: Kysely<unknown>) {
      await atomically(outer, async (db) => {
        // Juji's clients treat agent_id as an integer: one stable alias per Parley agent (transport/juji).
        await db.schema
          .createTable('juji_aliases')
          .addColumn('alias', 'bigint', (c) => c.primaryKey())
          .addColumn('agent_id', 'text', (c) => c.notNull().unique())
          .addColumn('public_key', 'text', (c) => c.notNull())
          .addColumn('name', 'text')
          .addColumn('ws_token_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        // The (agent, ts) pairs live Juji sessions opened with, shared by every hub on the database.
        await db.schema
          .createTable('juji_live_ts')
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('ts', 'bigint', (c) => c.notNull())
          .addColumn('session_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('juji_live_ts_pk', ['agent_id', 'ts'])
          .execute();
        // Integer numbers for Parley's other ids (proposals, tasks...) that Juji's clients also parse as integers.
        await db.schema
          .createTable('juji_ids')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('num', 'bigint', (c) => c.notNull())
          .addColumn('parley_id', 'text', (c) => c.notNull().unique())
          .addPrimaryKeyConstraint('juji_ids_pk', ['kind', 'num'])
          .execute();
      });
    },
  },

  // People (issue 22): human accounts, their sessions, claim and invite codes,
  // bindings to agents, the bindings' API keys and what was done through them.
  '0018_accounts': {
    async up(outer: Kysely<unknown>) {
      await atomically(outer, async (db) => {
        await db.schema
          .createTable('users')
          .addColumn('user_id', 'text', (c) => c.primaryKey())
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('failed_logins', 'integer', (c) => c.notNull())
          .addColumn('locked_until', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('user_sessions')
          .addColumn('session_hash', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('csrf_token', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('user_sessions_user').on('user_sessions').columns(['user_id', 'created_at']).execute();

        // Used codes stay until they expire, so a second use is told "already used", not "unknown".
        await db.schema
          .createTable('claim_codes')
          .addColumn('code_hash', 'text', (c) => c.primaryKey())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('used_by', 'text')
          .addColumn('used_at', 'bigint')
          .execute();
        await db.schema.createIndex('claim_codes_agent').on('claim_codes').columns(['agent_id']).execute();

        // One waiting invite code per agent: rotation replaces the row, acceptance deletes it.
        await db.schema
          .createTable('agent_invites')
          .addColumn('agent_id', 'text', (c) => c.primaryKey())
          .addColumn('code_hash', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('bindings')
          .addColumn('binding_id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('is_primary', 'integer', (c) => c.notNull())
          .addColumn('bound_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('bindings_user_agent', ['user_id', 'agent_id'])
          .execute();
        await db.schema.createIndex('bindings_agent').on('bindings').columns(['agent_id', 'bound_at']).execute();

        // kind 'api' (named, until revoked) or 'console' (the console's own, ending with session_hash's session).
        await db.schema
          .createTable('api_keys')
          .addColumn('key_id', 'text', (c) => c.primaryKey())
          .addColumn('key_hash', 'text', (c) => c.notNull().unique())
          .addColumn('binding_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('session_hash', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint')
          .addColumn('last_used_at', 'bigint')
          .execute();
        await db.schema.createIndex('api_keys_binding').on('api_keys').columns(['binding_id', 'kind', 'created_at']).execute();
        await db.schema.createIndex('api_keys_session').on('api_keys').columns(['session_hash']).execute();

        await db.schema
          .createTable('binding_actions')
          .addColumn('binding_id', 'text', (c) => c.notNull())
          .addColumn('seq', 'text', (c) => c.notNull())
          .addColumn('key_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('u_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('binding_actions_pk', ['binding_id', 'seq'])
          .execute();
      });
    },
  },
  '0019_passkeys': {
    async up(outer: Kysely<unknown>) {
      await atomically(outer, async (db) => {
        // Bytes as base64url text: the same column type on SQLite and PostgreSQL, and the form WebAuthn's JSON uses.
        await db.schema
          .createTable('passkeys')
          .addColumn('passkey_id', 'text', (c) => c.primaryKey())
          .addColumn('credential_id', 'text', (c) => c.notNull().unique())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('public_key', 'text', (c) => c.notNull())
          .addColumn('counter', 'bigint', (c) => c.notNull())
          .addColumn('transports', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_used_at', 'bigint')
          .execute();
        await db.schema.createIndex('passkeys_user').on('passkeys').columns(['user_id', 'created_at']).execute();

        // In the database, not in memory: any hub sharing it may be asked to finish a ceremony another began.
        await db.schema
          .createTable('passkey_challenges')
          .addColumn('challenge', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('passkey_challenges_expiry').on('passkey_challenges').columns(['expires_at']).execute();
      });
    },
  },
};

/**
 * All or nothing. Kysely runs SQLite migrations outside a transaction (it
 * assumes no transactional DDL; SQLite has it), so open one there. On
 * PostgreSQL the migrator already runs every migration in one transaction,
 * and a transaction cannot open another.
 */
function atomically(outer: Kysely<unknown>, fn: (db: Kysely<unknown>) => Promise<void>): Promise<void> {
  return outer.isTransaction ? fn(outer) : outer.transaction().execute(fn);
}

/**
 * PostgreSQL full text, like FTS5's `unicode61 remove_diacritics 2`: the
 * 'simple' configuration (no stemming, no stop words: every word as written,
 * lower-cased) with accents folded by the unaccent dictionary, and a document
 * function that splits at punctuation first, as unicode61 does (PostgreSQL's
 * parser would keep e-mail addresses, host names, paths and numbers like 3.14
 * as single words, which a search for one of their parts would not find).
 *
 * unaccent ships with PostgreSQL (contrib) and is a trusted extension, but a
 * server may lack it or the role may not create it: then the configuration is
 * plain 'simple' and search does not fold accents (a notice says so).
 */
async function pgSearchConfig(db: Kysely<unknown>): Promise<void> {
  await sql`do $$ begin
      -- In public, so every schema's search path (see postgres.ts, ?schema=) finds it; a database has it once.
      create extension if not exists unaccent schema public;
    exception when others then
      raise notice 'parley: the unaccent extension is not available (%); search will not fold accents', sqlerrm;
    end $$`.execute(db);
  await sql`create text search configuration parley_fts (copy = pg_catalog.simple)`.execute(db);
  await sql`do $$ begin
      if exists (select 1 from pg_ts_dict where dictname = 'unaccent' and pg_ts_dict_is_visible(oid)) then
        alter text search configuration parley_fts alter mapping for word, hword, hword_part, numword, hword_numpart with unaccent, simple;
      end if;
    end $$`.execute(db);
  await sql`create function parley_tsvector(text) returns tsvector language sql immutable parallel safe
    as $$ select to_tsvector('parley_fts', regexp_replace(coalesce($1, ''), '[[:punct:]]+', ' ', 'g')) $$`.execute(db);
}

interface FullTextIndex {
  table: string;
  /** The table's primary key, with its column types. */
  key: Array<[column: string, type: string]>;
  /** Indexed columns and their weights (A counts most; search.ts ranks with them). */
  columns: Array<[column: string, weight: 'A' | 'B' | 'D']>;
}

/**
 * `<table>_fts`: the table's key and a weighted tsvector of its text columns,
 * GIN-indexed and kept in step by a trigger (inserts, updates, deletes), the
 * PostgreSQL counterpart of an FTS5 external-content table. A table of its
 * own rather than a generated column, so `selectAll()` on the content table
 * returns the same columns on both stores and never ships the vectors.
 * Identifiers here are constants of this file, never input.
 */
async function pgFullText(db: Kysely<unknown>, { table, key, columns }: FullTextIndex): Promise<void> {
  const fts = `${table}_fts`;
  const keys = key.map(([k]) => k);
  const doc = (row: string) => columns.map(([c, w]) => `setweight(parley_tsvector(${row}.${c}), '${w}')`).join(' || ');
  await sql
    .raw(`create table ${fts} (${key.map(([k, t]) => `${k} ${t} not null`).join(', ')}, doc tsvector not null, primary key (${keys.join(', ')}))`)
    .execute(db);
  await sql
    .raw(
      `create function ${fts}_sync() returns trigger language plpgsql as $$
      begin
        if tg_op <> 'INSERT' then
          delete from ${fts} where ${keys.map((k) => `${k} = old.${k}`).join(' and ')};
        end if;
        if tg_op <> 'DELETE' then
          insert into ${fts} (${keys.join(', ')}, doc) values (${keys.map((k) => `new.${k}`).join(', ')}, ${doc('new')});
        end if;
        return null;
      end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger ${fts}_sync after insert or delete or update of ${[...keys, ...columns.map(([c]) => c)].join(', ')} on ${table}
      for each row execute function ${fts}_sync()`,
    )
    .execute(db);
  // Rows written before the index.
  await sql.raw(`insert into ${fts} (${keys.join(', ')}, doc) select ${keys.join(', ')}, ${doc(table)} from ${table}`).execute(db);
  await sql.raw(`create index ${fts}_doc on ${fts} using gin (doc)`).execute(db);
}

/**
 * SQLite cannot change a table to WITHOUT ROWID in place: create the new
 * shape, copy every row, drop the old table (and its indexes), rename.
 * The caller holds a transaction, so a failure leaves the old tables as they were.
 */
async function rebuild(
  db: Kysely<unknown>,
  table: string,
  columns: (t: CreateTableBuilder<string, never>) => CreateTableBuilder<string, string>,
): Promise<void> {
  const next = `${table}_next`;
  await columns(db.schema.createTable(next)).modifyEnd(sql`without rowid`).execute();
  await sql`insert into ${sql.table(next)} select * from ${sql.table(table)}`.execute(db);
  await db.schema.dropTable(table).execute();
  await db.schema.alterTable(next).renameTo(table).execute();
}

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
