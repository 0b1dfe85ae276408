import { z } from 'zod';
import { IsoTimestamp, Limit, NoteName, TopicId } from '../common.js';
import { defineAction } from '../registry.js';

/** A note in the agent's own memory: private to it, kept by the hub. */
export const MemoryNoteInfo = z.object({
  name: z.string(),
  bytes: z.number().int().nonnegative(),
  source_topic_id: TopicId.nullable(),
  created_at: IsoTimestamp,
  updated_at: IsoTimestamp,
});
export type MemoryNoteInfo = z.infer<typeof MemoryNoteInfo>;

export const MemoryNote = MemoryNoteInfo.extend({ content: z.string() });
export type MemoryNote = z.infer<typeof MemoryNote>;

export const memoryExport = defineAction({
  name: 'memory/export',
  description:
    "Save a topic's timeline (its newest `limit` messages, as topic/export markdown) as a note in the caller's memory. " +
    'The name defaults to the topic name; a note of that name is replaced.',
  params: z.strictObject({ topic_id: TopicId, name: NoteName.optional(), limit: Limit(10_000, 1000) }),
  result: MemoryNoteInfo.extend({ message_count: z.number().int().nonnegative() }),
});

export const memoryRead = defineAction({
  name: 'memory/read',
  description: 'One note of the caller\'s memory, by name.',
  params: z.strictObject({ name: NoteName }),
  result: MemoryNote,
});

export const memoryList = defineAction({
  name: 'memory/list',
  description: "The notes in the caller's memory, most recently updated first.",
  params: z.strictObject({ limit: Limit(500, 100) }),
  result: z.object({ notes: z.array(MemoryNoteInfo) }),
});

export const memoryDelete = defineAction({
  name: 'memory/delete',
  description: 'Delete a note of the caller\'s memory. `deleted` is false when there was none.',
  params: z.strictObject({ name: NoteName }),
  result: z.object({ name: z.string(), deleted: z.boolean() }),
});

export const memoryActions = [memoryExport, memoryRead, memoryList, memoryDelete] as const;
