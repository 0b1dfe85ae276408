import { z } from 'zod';
import { Limit, MessageContent, MessageId, Seq, TopicId } from '../common.js';
import { defineAction } from '../registry.js';
import { Topic } from './topic.js';

export const talkRandom = defineAction({
  name: 'talk/random',
  description:
    'Find topics related to a text: full-text match of any of its words against topic names, descriptions and readable messages, best first. ' +
    'With `join`, join the best topic the caller may join at once (skipping invite-only ones); with `publish` (implies join), also post the text there.',
  params: z.strictObject({
    text: MessageContent,
    join: z.boolean().default(false),
    publish: z.boolean().default(false),
    limit: Limit(20, 5),
  }),
  result: z.object({
    topics: z.array(Topic),
    /** The topic joined (or already a member of), when join or publish was asked and one qualified. */
    joined: TopicId.nullable(),
    published: z.object({ topic_id: TopicId, message_id: MessageId, seq: Seq }).nullable(),
  }),
});

export const talkActions = [talkRandom] as const;
