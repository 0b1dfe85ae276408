import type { ParsedParamsOf, ResultOf } from '@parley/protocol';
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

  async poll(_me: string, _p: ParsedParamsOf<'inbox/poll'>): Promise<ResultOf<'inbox/poll'>> {
    throw new Error('not implemented yet');
  }

  feed(me: string, p: ParsedParamsOf<'inbox/feed'>): Promise<ResultOf<'inbox/feed'>> {
    return this.topics.feed(me, p);
  }
}
