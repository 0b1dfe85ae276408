import { ErrorCode, type MemoryNoteInfo, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import { sql as rawSql, type Kysely } from 'kysely';
import type { MemoryQuota } from '../../config.js';
import { HubError, notFound } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import { respond } from '../../core/unit.js';
import { utf8Slice } from '../../store/portable.js';
import type { Database, MemoryNotesTable } from '../../store/schema.js';
import type { Writer } from '../../store/sql.js';
import type { TopicMessages } from '../topic/index.js';

/** What memory needs from the topic domain. */
export type TimelineSource = Pick<TopicMessages, 'markdownWithin'>;

function info(r: Omit<MemoryNotesTable, 'agent_id' | 'content'>): MemoryNoteInfo {
  return {
    name: r.name,
    bytes: Number(r.bytes),
    source_topic_id: r.source_topic_id,
    created_at: iso(Number(r.created_at)),
    updated_at: iso(Number(r.updated_at)),
  };
}

const INFO_COLUMNS = ['name', 'bytes', 'source_topic_id', 'created_at', 'updated_at'] as const;

/**
 * An agent's memory (WTT's memory export/recall): named Markdown notes only
 * that agent can read. memory/export turns a topic's timeline into one.
 *
 * Bounded both ways. What an agent may keep is capped by its quota (notes,
 * bytes of all notes, bytes of one note), checked inside the same write
 * transaction as the note, so two racing exports cannot both squeeze under
 * it. What a call holds is capped too: export renders at most one note's
 * worth of a topic (it stops reading once the note is over), list never
 * reads the notes' text, and read returns a page of a note at a time.
 */
export class MemoryService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: Writer,
    private readonly timelines: TimelineSource,
    private readonly quota: MemoryQuota,
  ) {}

  async export(me: string, p: ParsedParamsOf<'memory/export'>): Promise<ResultOf<'memory/export'>> {
    const q = this.quota;
    const note = await this.timelines.markdownWithin(me, p.topic_id, p.limit, q.maxNoteBytes);
    if ('fits' in note) throw noteTooBig(q.maxNoteBytes, note.fits);
    const name = p.name ?? noteNameFor(note.topic.name, p.topic_id);
    const now = Date.now();
    return this.writer.run(async (tx) => {
      // Refusals throw before any write: the job rolls back and nothing is recorded.
      // The note of the same name, if any, is replaced: its room counts as free.
      const others = (await tx.get(
        this.db
          .selectFrom('memory_notes')
          .select((eb) => [eb.fn.countAll<number>().as('notes'), eb.fn.coalesce(eb.fn.sum<number>('bytes'), rawSql<number>`0`).as('bytes')])
          .where('agent_id', '=', me)
          .where('name', '!=', name)
          .compile(),
      ))!;
      const used = { notes: Number(others.notes), bytes: Number(others.bytes) };
      if (note.bytes > q.maxNoteBytes) throw noteTooBig(q.maxNoteBytes, null);
      if (used.notes + 1 > q.maxNotes) {
        throw conflictWith(`memory is full: ${used.notes} of ${q.maxNotes} notes; delete a note first`, { quota: 'notes', limit: q.maxNotes, used: used.notes, needed: 1 });
      }
      if (used.bytes + note.bytes > q.maxBytes) {
        throw conflictWith(
          `memory is full: ${used.bytes} of ${q.maxBytes} bytes used by other notes, and this note needs ${note.bytes}; delete notes or export fewer messages`,
          { quota: 'bytes', limit: q.maxBytes, used: used.bytes, needed: note.bytes },
        );
      }
      const existing = await tx.get(this.db.selectFrom('memory_notes').select('created_at').where('agent_id', '=', me).where('name', '=', name).compile());
      await tx.run(
        this.db
          .insertInto('memory_notes')
          .values({ agent_id: me, name, content: note.content, bytes: note.bytes, source_topic_id: p.topic_id, created_at: now, updated_at: now })
          .onConflict((oc) => oc.columns(['agent_id', 'name']).doUpdateSet({ content: note.content, bytes: note.bytes, source_topic_id: p.topic_id, updated_at: now }))
          .compile(),
      );
      const createdAt = existing ? Number(existing.created_at) : now;
      return await respond(tx, {
        ...info({ name, bytes: note.bytes, source_topic_id: p.topic_id, created_at: createdAt, updated_at: now }),
        message_count: note.messageCount,
      });
    });
  }

  /**
   * A page of a note: up to `max_bytes` of its text as sent, from a byte
   * offset. Only that slice of the text leaves the database.
   */
  async read(me: string, p: ParsedParamsOf<'memory/read'>): Promise<ResultOf<'memory/read'>> {
    // One query, so the slice and the size are of the same version of the note.
    const row = await this.db
      .selectFrom('memory_notes')
      .select([...INFO_COLUMNS, utf8Slice(this.db, rawSql.ref('content'), p.offset, p.max_bytes).as('chunk')])
      .where('agent_id', '=', me)
      .where('name', '=', p.name)
      .executeTakeFirst();
    if (!row) throw notFound('memory note');
    const size = Number(row.bytes);
    if (p.offset > size) throw new HubError(ErrorCode.InvalidParams, `offset ${p.offset} is past the end of the note (${size} bytes)`);
    const bytes = Buffer.from(row.chunk ?? new Uint8Array());
    if (bytes.length > 0 && (bytes[0]! & 0xc0) === 0x80) {
      throw new HubError(ErrorCode.InvalidParams, `offset ${p.offset} is inside a character: pass an offset a page gave (next_offset)`);
    }
    const whole = p.offset + bytes.length >= size ? bytes.length : lastCharBoundary(bytes);
    const content = fitEscaped(bytes.subarray(0, whole).toString('utf8'), p.max_bytes);
    const end = p.offset + Buffer.byteLength(content);
    return { ...info(row), content, offset: p.offset, next_offset: end < size ? end : null };
  }

  async list(me: string, p: ParsedParamsOf<'memory/list'>): Promise<ResultOf<'memory/list'>> {
    const rows = await this.db
      .selectFrom('memory_notes')
      .select(INFO_COLUMNS)
      .where('agent_id', '=', me)
      .orderBy('updated_at', 'desc')
      .orderBy('name')
      .limit(p.limit)
      .execute();
    return { notes: rows.map(info) };
  }

  async delete(me: string, name: string): Promise<ResultOf<'memory/delete'>> {
    return this.writer.run(async (tx) => {
      const n = await tx.run(this.db.deleteFrom('memory_notes').where('agent_id', '=', me).where('name', '=', name).compile());
      return await respond(tx, { name, deleted: n > 0 });
    });
  }
}

function noteTooBig(limit: number, fits: number | null): HubError {
  const hint = fits === null ? '' : fits === 0 ? '; not even the newest message fits' : `; the newest ${fits} message${fits === 1 ? '' : 's'} fit: export with limit ${fits}`;
  return new HubError(ErrorCode.PayloadTooLarge, `the note would be over ${limit} bytes, the most one note may hold${hint}`, {
    quota: 'note_bytes',
    limit,
    ...(fits === null ? {} : { messages_that_fit: fits }),
  });
}

function conflictWith(message: string, details: Record<string, unknown>): HubError {
  return new HubError(ErrorCode.Conflict, message, details);
}

/** Length of `bytes` cut back to the end of its last whole UTF-8 character. */
function lastCharBoundary(bytes: Buffer): number {
  // A character is at most 4 bytes: find the lead byte of the last one and see whether it is complete.
  for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 4; i--) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    const len = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return i + len <= bytes.length ? i + len : i;
  }
  return bytes.length;
}

/**
 * The longest prefix of `text` whose JSON string form (without quotes) is at
 * most `maxBytes`: what keeps a page within its bound when its text is full of
 * characters JSON escapes (a control character takes 6 bytes as sent).
 */
function fitEscaped(text: string, maxBytes: number): string {
  if (Buffer.byteLength(JSON.stringify(text)) - 2 <= maxBytes) return text;
  let used = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length;
    const cost = c === 0x22 || c === 0x5c || c === 0x08 || c === 0x0c || c === 0x0a || c === 0x0d || c === 0x09 ? 2 : c < 0x20 ? 6 : c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (used + cost > maxBytes) break;
    used += cost;
    i += pair ? 2 : 1;
  }
  return text.slice(0, i);
}

/** A topic name may hold characters a note name may not; fall back to the id. */
function noteNameFor(topicName: string, topicId: string): string {
  const cleaned = topicName.replace(/[^\p{L}\p{N} ._-]+/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 120);
  return /^[\p{L}\p{N}]/u.test(cleaned) ? cleaned : topicId;
}
