import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { resolveHubOptionsFromEnv, type RunningHub } from '../src/index.js';
import { migrationProvider } from '../src/store/migrations.js';
import type { Database } from '../src/store/schema.js';
import { type Frame, type TestAgent, ok, register, rpc, startTestHub } from './helpers.js';

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const errorOf = (f: Frame) => (f.status === 'error' ? (f.content as { code: string; error: string; details?: Record<string, unknown> }) : null);

type NoteInfo = { name: string; bytes: number; message_count: number };
type NotePage = { name: string; bytes: number; content: string; offset: number; next_offset: number | null };

describe('memory quotas and bounded memory reads', () => {
  let hub: RunningHub;
  let me: TestAgent;
  let topic: string;
  const quota = { maxNotes: 3, maxBytes: 40_000, maxNoteBytes: 16_000 };
  /** How many of the topic's newest messages fit in one note (the first test finds out). */
  let fits = 0;

  beforeAll(async () => {
    hub = await startTestHub({ memoryQuota: quota });
    me = await register(hub, 'Keeper');
    topic = ok<{ topic_id: string }>(await call(hub, me, 'topic/create', { name: 'log' })).topic_id;
    // 20 messages of about 1,000 bytes each: 20 KB of Markdown, over one note's 16,000.
    for (let i = 1; i <= 20; i++) ok(await call(hub, me, 'topic/publish', { topic_id: topic, content: `entry ${i} ${'é'.repeat(480)}` }));
  }, 60_000);
  afterAll(() => hub.close());

  async function readAll(name: string, maxBytes?: number): Promise<{ text: string; pages: NotePage[] }> {
    const pages: NotePage[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page: NotePage = ok<NotePage>(await call(hub, me, 'memory/read', { name, offset, ...(maxBytes ? { max_bytes: maxBytes } : {}) }));
      expect(page.offset).toBe(offset);
      pages.push(page);
      offset = page.next_offset;
    }
    return { text: pages.map((p) => p.content).join(''), pages };
  }

  it('refuses a note over the per-note bound, saying how many of the newest messages fit', async () => {
    const refused = errorOf(await call(hub, me, 'memory/export', { topic_id: topic, name: 'all' }));
    expect(refused?.code).toBe('payload_too_large');
    expect(refused?.error).toContain('16000 bytes');
    fits = refused?.details?.messages_that_fit as number;
    expect(refused?.details).toMatchObject({ quota: 'note_bytes', limit: 16_000 });
    expect(fits).toBeGreaterThan(5);
    expect(fits).toBeLessThan(20);
    const saved = ok<NoteInfo>(await call(hub, me, 'memory/export', { topic_id: topic, name: 'all', limit: fits }));
    expect(saved.message_count).toBe(fits);
    expect(saved.bytes).toBeLessThanOrEqual(16_000);
    expect(errorOf(await call(hub, me, 'memory/export', { topic_id: topic, name: 'more', limit: fits + 1 }))?.code).toBe('payload_too_large');
    expect(ok<{ notes: NoteInfo[] }>(await call(hub, me, 'memory/list', {})).notes.map((n) => n.name)).toEqual(['all']);
  });

  it('refuses a note past the count and byte quotas with the limit and usage; replacing a note reuses its room', async () => {
    // 'all' holds almost 16,000 bytes, 'second' about 11,000: a third like 'all' goes over 40,000.
    const used = ok<NoteInfo>(await call(hub, me, 'memory/read', { name: 'all' })).bytes;
    ok(await call(hub, me, 'memory/export', { topic_id: topic, name: 'second', limit: 10 }));
    const second = ok<NoteInfo>(await call(hub, me, 'memory/read', { name: 'second' })).bytes;
    const full = errorOf(await call(hub, me, 'memory/export', { topic_id: topic, name: 'third', limit: fits }));
    expect(full?.code).toBe('conflict');
    expect(full?.details).toMatchObject({ quota: 'bytes', limit: 40_000, used: used + second });
    expect(full?.error).toMatch(/^memory is full: \d+ of 40000 bytes/);
    // Replacing 'second' by a bigger one counts only the new size against the quota (old and new together would be over).
    ok(await call(hub, me, 'memory/export', { topic_id: topic, name: 'second', limit: fits }));
    ok(await call(hub, me, 'memory/export', { topic_id: topic, name: 'third', limit: 1 }));
    const count = errorOf(await call(hub, me, 'memory/export', { topic_id: topic, name: 'fourth', limit: 1 }));
    expect(count?.code).toBe('conflict');
    expect(count?.details).toEqual({ quota: 'notes', limit: 3, used: 3, needed: 1 });
    // Deleting frees room.
    expect(ok<{ deleted: boolean }>(await call(hub, me, 'memory/delete', { name: 'third' })).deleted).toBe(true);
    ok(await call(hub, me, 'memory/export', { topic_id: topic, name: 'fourth', limit: 1 }));
    // Another agent has its own quota.
    const other = await register(hub);
    ok(await call(hub, other, 'memory/export', { topic_id: topic, name: 'mine', limit: 1 }));
  });

  it('checks the quota inside the write: of racing exports, only those that fit are kept', async () => {
    const racer = await register(hub);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call(hub, racer, 'memory/export', { topic_id: topic, name: `race ${i}`, limit: 1 })),
    );
    expect(results.filter((r) => r.status === 'success')).toHaveLength(3);
    expect(results.filter((r) => errorOf(r)?.code === 'conflict')).toHaveLength(3);
    expect(ok<{ notes: NoteInfo[] }>(await call(hub, racer, 'memory/list', {})).notes).toHaveLength(3);
  });

  it('memory/read returns a note a page at a time, cut between characters, within max_bytes as sent', async () => {
    const whole = ok<NotePage>(await call(hub, me, 'memory/read', { name: 'all' }));
    expect(whole).toMatchObject({ offset: 0, next_offset: null });
    expect(Buffer.byteLength(whole.content)).toBe(whole.bytes);
    const { text, pages } = await readAll('all', 1024);
    expect(text).toBe(whole.content);
    expect(pages.length).toBeGreaterThan(10);
    for (const p of pages) expect(Buffer.byteLength(JSON.stringify(p.content)) - 2).toBeLessThanOrEqual(1024);
    // An offset inside a two-byte character is refused; past the end too.
    const inside = Buffer.from(whole.content).indexOf(Buffer.from('é')) + 1;
    expect(errorOf(await call(hub, me, 'memory/read', { name: 'all', offset: inside }))?.code).toBe('invalid_params');
    expect(errorOf(await call(hub, me, 'memory/read', { name: 'all', offset: whole.bytes + 1 }))?.code).toBe('invalid_params');
    expect(ok<NotePage>(await call(hub, me, 'memory/read', { name: 'all', offset: whole.bytes }))).toMatchObject({ content: '', next_offset: null });
  });

  it('a page full of characters JSON escapes still stays within max_bytes as sent', async () => {
    const t = ok<{ topic_id: string }>(await call(hub, me, 'topic/create', { name: 'controls' })).topic_id;
    ok(await call(hub, me, 'topic/publish', { topic_id: t, content: '\u0001\u0002"\\'.repeat(1000) }));
    ok(await call(hub, me, 'memory/delete', { name: 'second' }));
    ok(await call(hub, me, 'memory/export', { topic_id: t, name: 'controls' }));
    const { text, pages } = await readAll('controls', 1024);
    expect(text).toContain('\u0001\u0002"\\'.repeat(1000));
    for (const p of pages) expect(Buffer.byteLength(JSON.stringify(p.content)) - 2).toBeLessThanOrEqual(1024);
  });
});

describe('memory quota configuration and storage', () => {
  it('reads PARLEY_MEMORY_* variables, and options left out keep their defaults', () => {
    expect(resolveHubOptionsFromEnv({ PARLEY_MEMORY_MAX_NOTES: '5', PARLEY_MEMORY_MAX_NOTE_BYTES: '2048' })).toEqual({
      memoryQuota: { maxNotes: 5, maxBytes: undefined, maxNoteBytes: 2048 },
    });
    expect(() => resolveHubOptionsFromEnv({ PARLEY_MEMORY_MAX_BYTES: 'lots' })).toThrow(/PARLEY_MEMORY_MAX_BYTES/);
    expect(resolveConfig({ memoryQuota: { maxNotes: 5 } }).memoryQuota).toEqual({ maxNotes: 5, maxBytes: 16 * 1024 * 1024, maxNoteBytes: 1024 * 1024 });
  });

  it('0009: notes stored before it get their size in bytes', async () => {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    const migrator = new Migrator({ db, provider: migrationProvider });
    expect((await migrator.migrateTo('0008_chat')).error).toBeUndefined();
    const old = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await old.insertInto('memory_notes').values({ agent_id: 'agt_a', name: 'n', content: 'café 🎉', source_topic_id: null, created_at: 1, updated_at: 1 }).execute();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await db.selectFrom('memory_notes').select('bytes').execute()).toEqual([{ bytes: Buffer.byteLength('café 🎉') }]);
    await db.destroy();
  });
});
