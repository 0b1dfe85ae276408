// Reads that come a page at a time, followed to the end in one place, so
// every face (the CLI, the OpenClaw adapter, an app) pages the same way and
// none of them holds a whole document unless it chooses to.
import type { ActionName, ChatConversation, ParamsOf, ResultOf, Turn } from '@parley/protocol';

/** What the paging helpers need: a ParleyClient, or anything else with its `call` (the OpenClaw adapter's caller). */
export interface ActionCaller {
  call<A extends ActionName>(action: A, params: ParamsOf<A>): Promise<ResultOf<A>>;
}

export type TopicExportPage = ResultOf<'topic/export'>;
export type NotePage = ResultOf<'memory/read'>;

/**
 * Every page of a topic export, in order, following `next_cursor`. The
 * pages' `content`s concatenated are the whole document (Markdown or JSON),
 * so a caller can write each page as it comes; the first page's `filename`,
 * `message_count` and `truncated` hold for the whole export. A hub that
 * answers in one piece (no `next_cursor`) gives one page.
 *
 *   for await (const page of topicExportPages(client, { topic_id, format: 'json' })) await write(page.content);
 */
export async function* topicExportPages(caller: ActionCaller, params: Omit<ParamsOf<'topic/export'>, 'cursor'>): AsyncGenerator<TopicExportPage, void, undefined> {
  let cursor: string | null | undefined;
  do {
    const page: TopicExportPage = await caller.call('topic/export', cursor ? { ...params, cursor } : params);
    yield page;
    cursor = page.next_cursor;
  } while (cursor);
}

/** A memory note a page at a time, from `offset` (UTF-8 bytes; default the start) to its end. */
export async function* notePages(caller: ActionCaller, params: ParamsOf<'memory/read'>): AsyncGenerator<NotePage, void, undefined> {
  let offset: number | null | undefined = params.offset ?? 0;
  do {
    const page: NotePage = await caller.call('memory/read', { ...params, offset });
    yield page;
    offset = page.next_offset;
  } while (typeof offset === 'number');
}

/**
 * A conversation with its whole transcript, kickoff first, following
 * chat/get's pages (a long conversation is more than one page). The
 * conversation is as the last page saw it.
 */
export async function chatTranscript(caller: ActionCaller, conversationId: string): Promise<{ conversation: ChatConversation; turns: Turn[] }> {
  let page = await caller.call('chat/get', { conversation_id: conversationId });
  const turns = [...page.turns];
  while (page.has_more && turns.length > 0) {
    page = await caller.call('chat/get', { conversation_id: conversationId, after: turns[turns.length - 1]!.turn });
    turns.push(...page.turns);
  }
  return { conversation: page.conversation, turns };
}

/**
 * The start of a paged text, up to `maxChars` characters: what a chat can
 * show. Stops asking for pages once it has them. `first` is the first page
 * (for its metadata); `complete` says the text is all there is.
 */
export async function textHead<P extends { content: string }>(
  pages: AsyncIterable<P>,
  maxChars: number,
): Promise<{ first: P | undefined; text: string; complete: boolean }> {
  let first: P | undefined;
  let text = '';
  for await (const page of pages) {
    first ??= page;
    text += page.content;
    // Leaving the loop ends the generator: no further page is asked for.
    if (text.length > maxChars) return { first, text: text.slice(0, maxChars), complete: false };
  }
  return { first, text, complete: true };
}
