import { MAX_PAGE_BYTES, type ParsedParamsOf, type PushFrame, type ResultOf } from '@parley/protocol';
import { readAcross } from '../../core/poll.js';
import type { Streams } from '../../core/streams.js';
import type { TopicService } from '../topic/index.js';

/** What the inbox needs from the topic domain. */
export type FeedSource = Pick<TopicService, 'feed'>;

/** inbox/poll (unread pushes across the agent's streams) and inbox/feed (its topics' messages). */
export class InboxService {
  constructor(
    private readonly streams: Streams,
    private readonly topics: FeedSource,
  ) {}

  /** `has_more` may come with fewer than `limit` pushes: the caller's own messages count toward the page but are left out. */
  async poll(me: string, p: ParsedParamsOf<'inbox/poll'>): Promise<ResultOf<'inbox/poll'>> {
    const positions: Record<string, number> = {};
    for (const stream of await this.streams.access.readable(me)) positions[stream] = await this.streams.getReadCursor(me, stream);
    // At most `limit` pushes and MAX_PAGE_BYTES of them, oldest first across the streams (core/poll.ts).
    const { pushes: taken, more } = await readAcross(this.streams, Object.entries(positions), p.limit, MAX_PAGE_BYTES);
    const moved: Record<string, number> = {};
    for (const push of taken) moved[push.stream] = push.seq;
    // Committed before answering: a poll that returned pushes never hands them out again.
    if (taken.length > 0) await this.streams.ack(me, moved);
    // The caller's own topic messages are not news to it: the cursor moves past them, they are not returned.
    const frames = taken.map((push) => JSON.parse(push.frame) as PushFrame).filter((f) => !(f.event === 'topic.message' && (f.data as { from?: unknown }).from === me));
    return {
      pushes: frames,
      cursors: { ...positions, ...moved },
      has_more: more,
    };
  }

  feed(me: string, p: ParsedParamsOf<'inbox/feed'>): Promise<ResultOf<'inbox/feed'>> {
    return this.topics.feed(me, p);
  }
}
