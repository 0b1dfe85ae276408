import { z } from 'zod';
import { Cursors, Limit, PageCursor } from '../common.js';
import { PushFrame } from '../frames.js';
import { defineAction } from '../registry.js';
import { TopicMessage } from './topic-messages.js';

export const inboxPoll = defineAction({
  name: 'inbox/poll',
  description:
    'What the caller has not read yet: pushes after its read cursors across every stream it may read (its agent stream and its topics), ' +
    'oldest first, at most `limit`. Moves the read cursors past what it returns (as an ack would), so the next poll continues from there. ' +
    'The caller\'s own topic messages are skipped (the cursor moves past them), so a page may hold fewer than `limit` while `has_more` is true. ' +
    '`cursors` are the new positions; `has_more` says unread pushes remain.',
  params: z.strictObject({ limit: Limit(500, 100) }),
  result: z.object({ pushes: z.array(PushFrame), cursors: Cursors, has_more: z.boolean() }),
});

export const FeedItem = TopicMessage.extend({ topic_name: z.string() });
export type FeedItem = z.infer<typeof FeedItem>;

export const inboxFeed = defineAction({
  name: 'inbox/feed',
  description: 'One feed of the messages of every topic the caller belongs to, newest first, paginated with `cursor`. Reading it moves no cursor.',
  params: z.strictObject({ limit: Limit(200, 50), cursor: PageCursor.optional() }),
  result: z.object({ items: z.array(FeedItem), next_cursor: z.string().nullable() }),
});

export const inboxActions = [inboxPoll, inboxFeed] as const;
