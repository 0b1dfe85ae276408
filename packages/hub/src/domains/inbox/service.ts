import type { ParsedParamsOf, PushFrame, ResultOf } from '@parley/protocol';
import type { StoredPush, Streams } from '../../core/streams.js';
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
    const unread: StoredPush[][] = [];
    for (const stream of await this.streams.access.readable(me)) {
      const cursor = await this.streams.getReadCursor(me, stream);
      positions[stream] = cursor;
      // One more than a page: a stream with more than `limit` unread shows there is more.
      const page = await this.streams.read(stream, cursor, p.limit + 1);
      if (page.length > 0) unread.push(page);
    }
    const { taken, more } = mergeOldestFirst(unread, p.limit);
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

/**
 * Up to `limit` pushes from per-stream runs (each in seq order), oldest first.
 * A merge, not a sort: whatever the timestamps say, each stream contributes a
 * gap-free prefix of its run, so moving its cursor to the last one taken skips nothing.
 */
function mergeOldestFirst(runs: StoredPush[][], limit: number): { taken: StoredPush[]; more: boolean } {
  const cursors = runs.map((run) => ({ run, next: 0 }));
  const taken: StoredPush[] = [];
  while (taken.length < limit) {
    let best: { run: StoredPush[]; next: number } | undefined;
    let bestPush: StoredPush | undefined;
    for (const c of cursors) {
      const head = c.run[c.next];
      if (!head) continue;
      // Ties by stream name, so the order is the same on every call.
      if (!bestPush || head.ts < bestPush.ts || (head.ts === bestPush.ts && head.stream < bestPush.stream)) {
        best = c;
        bestPush = head;
      }
    }
    if (!best || !bestPush) break;
    taken.push(bestPush);
    best.next++;
  }
  return { taken, more: cursors.some((c) => c.next < c.run.length) };
}
