import { topicExportPages } from '@parley/client';
import { ExportFormat, type TopicMessage } from '@parley/protocol';
import { op, pushHandler, type ParleyDomain, type PushFilterContext } from '../domain.js';
import { CHAT_DOC_PAGE_BYTES, chatHead, clip, indentBody, messageLine, plural } from '../format.js';

function historyText(messages: readonly TopicMessage[], hasMore: boolean, forward: boolean): string {
  if (messages.length === 0) return 'No messages.';
  const lines = messages.map(messageLine);
  if (hasMore) {
    lines.push(forward ? `(newer messages exist: after ${messages[messages.length - 1]!.seq})` : `(older messages exist: before ${messages[0]!.seq})`);
  }
  return lines.join('\n');
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a message mentions the agent: "@<agent_id>" or "@<name>", any case, as a whole word. */
export function mentions(content: string, selfId: string | null, selfName: string | null): boolean {
  const names = [selfId, selfName].filter((n): n is string => typeof n === 'string' && n.trim() !== '');
  return names.some((n) => new RegExp(`(^|[^\\w@])@${escapeRe(n.trim())}(?![\\w-])`, 'i').test(content));
}

function classifyTopicMessage(d: TopicMessage, c: PushFilterContext) {
  if (c.selfId !== null && d.from === c.selfId) return 'own' as const;
  if (c.config.topics && !c.config.topics.includes(d.topic_id)) return 'skip' as const;
  if (c.config.topicMessages === 'mentions' && !mentions(d.content, c.selfId, c.selfName)) return 'skip' as const;
  return 'forward' as const;
}

/** A topic's messages: publishing (plain and rich), history and export. */
export const messagesDomain: ParleyDomain = {
  id: 'messages',
  tools: [
    {
      name: 'parley_publish',
      label: 'Parley publish',
      description:
        'Publish a message to a Parley topic this agent belongs to. Plain: content (+ content_type text|markdown|json|link|image|file). ' +
        'Rich: title + markdown blocks instead of content. Optional semantic_type (e.g. question, answer, status) and reply_to (a message id).',
      ops: {
        publish: op('topic/publish', 'publish a message', (r, p) => `Published ${r.message_id} (seq ${r.seq}) to ${p.topic_id}.`),
      },
      fieldHints: {
        topic_id: 'The topic to publish to (top_...)',
        content: 'The message text (leave out for a rich message)',
        title: 'Rich message: its title (needs blocks)',
        blocks: 'Rich message: markdown blocks (needs title)',
        reply_to: 'The message this answers (msg_...)',
      },
    },
    {
      name: 'parley_history',
      label: 'Parley topic history',
      description:
        "A topic's messages, oldest first (history: the newest page, or before/after a seq), or the whole topic as one document " +
        '(export: markdown or json, newest `limit` messages).',
      ops: {
        history: op('topic/history', "a page of a topic's messages", (r, p) => historyText(r.messages, r.has_more, p.after !== undefined)),
        export: op('topic/export', 'the topic and its newest messages as one markdown or json document, a page at a time', (r) =>
          `${r.filename} (${plural(r.message_count, 'message')}${r.truncated ? ', older ones left out' : ''}):\n${r.content}` +
          (r.next_cursor ? `\n(the document goes on: export again with cursor "${r.next_cursor}")` : ''),
        ),
      },
      fieldHints: {
        topic_id: 'A topic id (top_...)',
        before: 'Only messages before this seq (page back)',
        after: 'Only messages after this seq (page forward)',
      },
    },
  ],
  commands: [
    {
      name: 'publish',
      aliases: ['post', 'send'],
      summary: 'publish a message to a topic you belong to',
      args: [
        { name: 'topic_id', kind: 'topic' },
        { name: 'content', kind: 'text' },
      ],
      examples: ['publish top_abc "build is green"'],
      run: async (ctx, a) => {
        const r = await ctx.caller.call('topic/publish', { topic_id: a.str('topic_id'), content: a.str('content') });
        return `Published ${r.message_id} (seq ${r.seq}).`;
      },
    },
    {
      name: 'rich',
      summary: 'publish a rich message: a title and a markdown body',
      args: [
        { name: 'topic_id', kind: 'topic' },
        { name: 'title', kind: 'word' },
        { name: 'content', kind: 'text' },
      ],
      examples: ['rich top_abc "Weekly report" "**Done:** search"'],
      run: async (ctx, a) => {
        const r = await ctx.caller.call('topic/publish', { topic_id: a.str('topic_id'), title: a.str('title'), blocks: [a.str('content')] });
        return `Published ${r.message_id} (seq ${r.seq}).`;
      },
    },
    {
      name: 'history',
      aliases: ['messages'],
      summary: "a topic's latest messages",
      args: [
        { name: 'topic_id', kind: 'topic' },
        { name: 'limit', kind: 'int', min: 1, max: 200, optional: true },
      ],
      run: async (ctx, a) => {
        const r = await ctx.caller.call('topic/history', { topic_id: a.str('topic_id'), limit: a.optInt('limit') ?? 20 });
        return historyText(r.messages, r.has_more, false);
      },
    },
    {
      name: 'export',
      summary: 'a topic and its messages as one document',
      args: [
        { name: 'topic_id', kind: 'topic' },
        { name: 'format', kind: 'choice', choices: ExportFormat.options, optional: true },
      ],
      run: async (ctx, a) => {
        const format = (a.optStr('format') ?? 'markdown') as (typeof ExportFormat.options)[number];
        // The hub sends the document in pages: only those the chat shows are fetched.
        const { first: r, text } = await chatHead(topicExportPages(ctx.caller, { topic_id: a.str('topic_id'), format, limit: 200, max_bytes: CHAT_DOC_PAGE_BYTES }));
        return `${r.filename} (${plural(r.message_count, 'message')}${r.truncated ? ', older ones left out' : ''}):\n${text}`;
      },
    },
  ],
  pushes: [
    pushHandler({
      event: 'topic.message',
      label: 'topic message',
      describe: (d) =>
        `Parley topic ${d.topic_id} #${d.seq}, ${d.from}${d.semantic_type ? ` [${d.semantic_type}]` : ''}:\n${indentBody(clip(d.content, 500), '  ')}`,
      classify: classifyTopicMessage,
    }),
  ],
};
