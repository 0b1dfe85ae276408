import { z } from 'zod';
import { AgentId, checkContentType, ContentType, IsoTimestamp, Limit, MAX_CONTENT_CHARS, MessageContent, MessageId, PageBytes, PageCursor, Seq, TopicId } from '../common.js';
import { defineAction } from '../registry.js';
import { Topic } from './topic.js';

export const TopicMessage = z.object({
  message_id: MessageId,
  topic_id: TopicId,
  seq: Seq,
  from: AgentId,
  content: z.string(),
  content_type: ContentType,
  semantic_type: z.string().nullable(),
  reply_to: MessageId.nullable(),
  /** Rich messages only: the title and the markdown blocks `content` was composed from. */
  title: z.string().nullable(),
  blocks: z.array(z.string()).nullable(),
  /** Set when a manager published it on the sender's behalf (delegate/publish_as): the manager's id. */
  via: AgentId.nullable(),
  sent_at: IsoTimestamp,
});
export type TopicMessage = z.infer<typeof TopicMessage>;

const MAX_BLOCKS = 50;

/** How a rich message's plain `content` is made: what a client without rich rendering shows. */
export function composeRichContent(title: string, blocks: readonly string[]): string {
  return [`# ${title}`, ...blocks].join('\n\n');
}

export const topicPublish = defineAction({
  name: 'topic/publish',
  description:
    'Publish to a topic. Members publish to discussion, collaborative and p2p topics; only the owner and admins to broadcast topics. ' +
    'Members get a topic.message push on the topic stream. The rich form gives `title` and markdown `blocks` instead of `content`; ' +
    'the hub composes `content` from them (content_type markdown).',
  params: z
    .strictObject({
      topic_id: TopicId,
      content: MessageContent.optional(),
      content_type: ContentType.optional(),
      semantic_type: z.string().min(1).max(64).optional(),
      reply_to: MessageId.optional(),
      title: z.string().trim().min(1).max(200).optional(),
      blocks: z.array(z.string().min(1).max(MAX_CONTENT_CHARS)).min(1).max(MAX_BLOCKS).optional(),
    })
    .superRefine((p, ctx) => {
      const rich = p.title !== undefined || p.blocks !== undefined;
      if (rich) {
        if (p.title === undefined || p.blocks === undefined) ctx.addIssue({ code: 'custom', path: ['title'], message: 'a rich message needs both title and blocks' });
        if (p.content !== undefined) ctx.addIssue({ code: 'custom', path: ['content'], message: 'give content or title + blocks, not both' });
        if (p.content_type !== undefined && p.content_type !== 'markdown')
          ctx.addIssue({ code: 'custom', path: ['content_type'], message: 'a rich message is markdown' });
        else if (p.title !== undefined && p.blocks !== undefined && composeRichContent(p.title, p.blocks).length > MAX_CONTENT_CHARS)
          ctx.addIssue({ code: 'custom', path: ['blocks'], message: `a rich message is at most ${MAX_CONTENT_CHARS} characters in all` });
      } else if (p.content === undefined) ctx.addIssue({ code: 'custom', path: ['content'], message: 'content is required' });
      checkContentType({ content: p.content, content_type: p.content_type ?? 'text' }, ctx);
    }),
  result: z.object({ message_id: MessageId, seq: Seq }),
});

export const topicHistory = defineAction({
  name: 'topic/history',
  description:
    'Messages of a topic, oldest first. Public topics are readable by anyone not barred, private ones by members. ' +
    'Without a cursor: the newest page. `before` (a seq) pages back, `after` (a seq) pages forward; `has_more` says whether ' +
    'more lie in that direction. A page holds at most `limit` messages and stops before MAX_PAGE_BYTES (512 KiB) of them as sent, ' +
    'but always holds one.',
  params: z
    .strictObject({
      topic_id: TopicId,
      before: Seq.min(1).optional(),
      after: Seq.optional(),
      limit: Limit(200, 50),
    })
    .refine((p) => p.before === undefined || p.after === undefined, { message: 'give before or after, not both' }),
  result: z.object({ messages: z.array(TopicMessage), has_more: z.boolean() }),
});

export const ExportFormat = z.enum(['json', 'markdown']);

export const topicExport = defineAction({
  name: 'topic/export',
  description:
    'A topic and its newest `limit` messages as one document, a page at a time: `json` (JSON text of {topic, messages, exported_at}, ' +
    'messages as topic/history returns them) or `markdown`. The `content`s of the pages, in order, concatenated, are the whole document. ' +
    'Pass `next_cursor` back as `cursor` (same topic_id and format) until it is null. A page holds at most `max_bytes` of content ' +
    '(as sent) and 500 messages, or a single message when one alone is bigger. The first page fixes what the export covers: ' +
    '`message_count` messages, `truncated` when older ones were left out; messages published meanwhile are not in it.',
  params: z.strictObject({
    topic_id: TopicId,
    format: ExportFormat.default('markdown'),
    limit: Limit(10_000, 1000),
    /** The previous page's `next_cursor`; `limit` is then ignored. */
    cursor: PageCursor.optional(),
    max_bytes: PageBytes,
  }),
  result: z.object({
    topic_id: TopicId,
    format: ExportFormat,
    filename: z.string(),
    /** This page's part of the document. */
    content: z.string(),
    /** Messages in the whole export. */
    message_count: z.number().int().nonnegative(),
    truncated: z.boolean(),
    /** Null on the last page. */
    next_cursor: z.string().nullable(),
  }),
});

/** The JSON export document (what `content` holds for format `json`). */
export const TopicExportDocument = z.object({ topic: Topic, messages: z.array(TopicMessage), exported_at: IsoTimestamp });
export type TopicExportDocument = z.infer<typeof TopicExportDocument>;

export const SearchQuery = z.string().trim().min(1).max(200);

export const TopicSearchMatch = z.object({
  message_id: MessageId,
  seq: Seq,
  from: AgentId,
  /** The matching passage, matched words between [ and ]. */
  snippet: z.string(),
  sent_at: IsoTimestamp,
});

export const topicSearch = defineAction({
  name: 'topic/search',
  description:
    'Full-text search: every word of `query` must match a topic\'s name or description, or a message in it. Messages are searched only in ' +
    'topics the caller may read. Private topics of others never appear. Best matches first.',
  params: z.strictObject({
    query: SearchQuery,
    limit: Limit(50, 20),
    /** Matching messages shown per topic. */
    matches_per_topic: z.number().int().min(0).max(20).default(3),
  }),
  result: z.object({
    results: z.array(z.object({ topic: Topic, matches: z.array(TopicSearchMatch) })),
  }),
});

export const topicMessageActions = [topicPublish, topicHistory, topicExport, topicSearch] as const;
