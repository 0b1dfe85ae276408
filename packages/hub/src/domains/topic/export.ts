import { type ParsedParamsOf, type ResultOf, type Topic, type TopicMessage } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { ErrorCode } from '@parley/protocol';
import { HubError } from '../../core/errors.js';
import { encodeCursor, iso, readCursor } from '../../core/ids.js';
import { boundedPage, wireBytes } from '../../core/paging.js';
import type { Database, TopicMessagesTable } from '../../store/schema.js';
import type { AgentDirectory } from './service.js';
import { exportFilename, markdownHeader, markdownSection } from './markdown.js';
import { toMessage } from './rows.js';

/** Messages per page of topic/export, whatever their size. */
export const EXPORT_PAGE_MESSAGES = 500;

type Format = 'json' | 'markdown';

/**
 * Where an export stands between pages; the cursor carries it, so the hub
 * keeps no state between pages. The range is fixed by the first page: the
 * newest `limit` messages then (`after` < seq <= `through`), so messages
 * published meanwhile do not shift it, and every page shows the same count
 * and `exported_at`.
 */
interface ExportState {
  topicId: string;
  format: Format;
  /** Seq of the last message already exported (the range's start before the first). */
  after: number;
  through: number;
  exportedAt: number;
  total: number;
  truncated: boolean;
  /** Messages already exported: the JSON form separates all but the first with a comma. */
  done: number;
}

const badCursor = (why: string) => new HubError(ErrorCode.InvalidParams, why);

/** What a piece of `content` adds to the response: its JSON-escaped UTF-8 bytes, without the quotes. */
const contentBytes = (s: string): number => wireBytes(s) - 2;

function writeState(s: ExportState): string {
  return encodeCursor(['x1', s.topicId, s.format, s.after, s.through, s.exportedAt, s.total, s.truncated ? 1 : 0, s.done]);
}

function readState(cursor: string, topicId: string, format: Format): ExportState {
  const [tag, t, f, after, through, exportedAt, total, truncated, done] = readCursor(cursor, [
    'string', 'string', 'string', 'number', 'number', 'number', 'number', 'number', 'number',
  ] as const);
  if (tag !== 'x1' || (f !== 'json' && f !== 'markdown')) throw badCursor('bad cursor: pass next_cursor from the previous page unchanged');
  if (t !== topicId || f !== format) throw badCursor(`this cursor continues the ${f} export of ${t}: give that topic_id and format with it`);
  return { topicId: t, format: f, after, through, exportedAt, total, truncated: truncated === 1, done };
}

/**
 * The pieces of the two export documents. Concatenated in order (head, one
 * piece per message, tail) they are the whole document; for JSON exactly
 * `JSON.stringify({topic, messages, exported_at}, null, 2)`. JSON strings hold
 * no raw newline, so re-indenting a nested value is a plain replace.
 */
const pieces = {
  json: {
    head: (topic: Topic) => `{\n  "topic": ${indent(JSON.stringify(topic, null, 2), '  ')},\n  "messages": [`,
    message: (m: TopicMessage, first: boolean) => `${first ? '\n' : ',\n'}    ${indent(JSON.stringify(m, null, 2), '    ')}`,
    tail: (total: number, exportedAt: string) => `${total === 0 ? ']' : '\n  ]'},\n  "exported_at": ${JSON.stringify(exportedAt)}\n}`,
  },
} as const;

function indent(json: string, by: string): string {
  return json.replace(/\n/g, `\n${by}`);
}

type MessageRow = TopicMessagesTable;

/**
 * Topic exports a page at a time, with bounded memory: rows are read in
 * keyset chunks (core/paging.ts), and no page holds more than
 * `max_bytes` (at most MAX_PAGE_BYTES) of content, or one message when a
 * single one is bigger. The whole document is never built on the hub.
 */
export class TopicExporter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly agents: Pick<AgentDirectory, 'namesOf'>,
  ) {}

  /**
   * One page of topic/export. The caller has checked that `me` may read the
   * topic (on every page, so an agent barred mid-export gets no more).
   */
  async page(topic: Topic, p: ParsedParamsOf<'topic/export'>): Promise<ResultOf<'topic/export'>> {
    const first = p.cursor === undefined;
    const state = first ? await this.start(topic.topic_id, p.format, p.limit) : readState(p.cursor!, topic.topic_id, p.format);
    const exportedAt = iso(state.exportedAt);
    const head = !first ? '' : p.format === 'json' ? pieces.json.head(topic) : markdownHeader(topic, state.total, exportedAt, state.truncated);
    // Chunks are rendered in order, and a chunk is read only once the one before was all taken.
    let rendered = state.done;
    const page = await boundedPage(
      (last: MessageRow | undefined, n) => this.rows(topic.topic_id, last ? Number(last.seq) : state.after, state.through, n),
      async (rows) => {
        const out = await this.render(rows, p.format, rendered === 0);
        rendered += rows.length;
        return out;
      },
      { limit: EXPORT_PAGE_MESSAGES, maxBytes: p.max_bytes, size: contentBytes, used: contentBytes(head) },
    );
    const finished = !page.more;
    const tail = finished && p.format === 'json' ? pieces.json.tail(state.total, exportedAt) : '';
    const next = { ...state, after: page.last ? Number(page.last.seq) : state.after, done: state.done + page.items.length };
    return {
      topic_id: topic.topic_id,
      format: p.format,
      filename: exportFilename(topic, p.format),
      content: head + page.items.join('') + tail,
      message_count: state.total,
      truncated: state.truncated,
      next_cursor: finished ? null : writeState(next),
    };
  }

  /** Fixes the range of a new export: the newest `limit` messages now. */
  private async start(topicId: string, format: Format, limit: number): Promise<ExportState> {
    const newest = await this.db.selectFrom('topic_messages').select('seq').where('topic_id', '=', topicId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const through = newest ? Number(newest.seq) : 0;
    // The message just older than the range, if any: the range starts after it. Walks the index only.
    const before = await this.db
      .selectFrom('topic_messages')
      .select('seq')
      .where('topic_id', '=', topicId)
      .orderBy('seq', 'desc')
      .limit(1)
      .offset(limit)
      .executeTakeFirst();
    const after = before ? Number(before.seq) : 0;
    const counted = await this.db
      .selectFrom('topic_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('topic_id', '=', topicId)
      .where('seq', '>', after)
      .where('seq', '<=', through)
      .executeTakeFirstOrThrow();
    return { topicId, format, after, through, exportedAt: Date.now(), total: Number(counted.n), truncated: before !== undefined, done: 0 };
  }

  /** Up to `n` messages after `after`, up to `through`, oldest first. */
  private rows(topicId: string, after: number, through: number, n: number): Promise<MessageRow[]> {
    return this.db
      .selectFrom('topic_messages')
      .selectAll()
      .where('topic_id', '=', topicId)
      .where('seq', '>', after)
      .where('seq', '<=', through)
      .orderBy('seq', 'asc')
      .limit(n)
      .execute();
  }

  /** `first`: the chunk starts the export's messages (the JSON form puts no comma before the first). */
  private async render(rows: MessageRow[], format: Format, first: boolean): Promise<string[]> {
    const messages = rows.map(toMessage);
    if (format === 'json') return messages.map((m, i) => pieces.json.message(m, first && i === 0));
    const names = await this.agents.namesOf(messages.map((m) => m.from));
    return messages.map((m) => markdownSection(m, names));
  }

  /**
   * The Markdown export of a topic's newest `limit` messages, as memory/export
   * saves it, if it fits in `maxBytes` (UTF-8). Read newest first and given up
   * as soon as it is over, so it never holds more than about `maxBytes`.
   * When it does not fit, `fits` is how many of the newest messages would.
   */
  async markdownWithin(
    topic: Topic,
    limit: number,
    maxBytes: number,
  ): Promise<{ content: string; messageCount: number; bytes: number } | { fits: number }> {
    const exportedAt = iso(Date.now());
    // Room for the longest header this export can have, so the bound holds whatever the count turns out to be.
    const headerRoom = Buffer.byteLength(markdownHeader(topic, limit, exportedAt, true));
    const page = await boundedPage(
      (last: MessageRow | undefined, n) => {
        let q = this.db.selectFrom('topic_messages').selectAll().where('topic_id', '=', topic.topic_id);
        if (last) q = q.where('seq', '<', Number(last.seq));
        return q.orderBy('seq', 'desc').limit(n).execute();
      },
      (rows) => this.render(rows, 'markdown', false),
      { limit, maxBytes, size: (s) => Buffer.byteLength(s), used: headerRoom },
    );
    // Stopped short of `limit` with messages left: the bytes ran out.
    if (page.more && page.items.length < limit) return { fits: page.items.length };
    const content = markdownHeader(topic, page.items.length, exportedAt, page.more) + page.items.reverse().join('');
    return { content, messageCount: page.items.length, bytes: Buffer.byteLength(content) };
  }
}
