import { z } from 'zod';
import { IsoTimestamp, Limit, NoteName, PageBytes, TopicId } from '../common.js';
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

/** A note's text, or a page of it (memory/read). */
export const MemoryNote = MemoryNoteInfo.extend({
  content: z.string(),
  /** Where `content` starts in the note's text, in UTF-8 bytes. */
  offset: z.number().int().nonnegative(),
  /** The `offset` of the next page; null when `content` runs to the end. */
  next_offset: z.number().int().nonnegative().nullable(),
});
export type MemoryNote = z.infer<typeof MemoryNote>;

export const memoryExport = defineAction({
  name: 'memory/export',
  description:
    "Save a topic's timeline (its newest `limit` messages, as topic/export markdown) as a note in the caller's memory. " +
    'The name defaults to the topic name; a note of that name is replaced. Memory has per-agent quotas (notes, bytes of all notes, ' +
    'bytes of one note): a note over the per-note bound is payload_too_large (details.messages_that_fit says how many of the newest ' +
    'messages would fit); a note that would take the agent over its notes or bytes is conflict (details: quota, limit, used, needed).',
  params: z.strictObject({ topic_id: TopicId, name: NoteName.optional(), limit: Limit(10_000, 1000) }),
  result: MemoryNoteInfo.extend({ message_count: z.number().int().nonnegative() }),
});

export const memoryRead = defineAction({
  name: 'memory/read',
  description:
    "One note of the caller's memory, by name, a page at a time: `content` is the text from `offset` (UTF-8 bytes), at most `max_bytes` " +
    'of it as sent; read on from `next_offset` until it is null.',
  params: z.strictObject({ name: NoteName, offset: z.number().int().nonnegative().default(0), max_bytes: PageBytes }),
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
