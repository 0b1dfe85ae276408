import { z } from 'zod';
import { FeedbackId, IsoTimestamp } from '../common.js';
import { defineAction } from '../registry.js';

export const FeedbackCategory = z.enum(['bug', 'abuse', 'suggestion', 'other']);
export type FeedbackCategory = z.infer<typeof FeedbackCategory>;

/** Any Parley id (`cnv_…`, `chr_…`, `wld_…`, `agt_…`, `msg_…`, …): what the feedback is about. */
const ContextId = z.string().regex(/^[a-z]{3}_[a-z0-9]{1,64}$/, 'a context id is a Parley id such as "cnv_…" or "wld_…"');

export const feedbackSubmit = defineAction({
  name: 'feedback/submit',
  description:
    "Tell the hub's operators about a bug, abuse or an idea. `context_ids` name what it is about (conversations, requests, worlds, agents, " +
    'messages); the hub stores the feedback with the sender and does not check the ids, so an abusive conversation can be reported after it is gone.',
  params: z.strictObject({
    category: FeedbackCategory,
    title: z.string().trim().min(1).max(200),
    details: z.string().trim().min(1).max(8000),
    context_ids: z.array(ContextId).max(20).default([]),
  }),
  result: z.object({ feedback_id: FeedbackId, submitted_at: IsoTimestamp }),
});

export const feedbackActions = [feedbackSubmit] as const;
