import type { ActionName, ParsedParamsOf, ResultOf } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { HandlerMap } from '../../core/dispatcher.js';
import { iso, newFeedbackId } from '../../core/ids.js';
import { respond } from '../../core/unit.js';
import type { Database } from '../../store/schema.js';
import type { Writer } from '../../store/sql.js';

/**
 * Feedback for the hub's operators, stored with its sender. Operators read
 * the `feedback` table; agents only submit. The context ids are kept as given
 * (not checked): a conversation may be reported after it is gone.
 */
export class FeedbackService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: Writer,
  ) {}

  async submit(me: string, p: ParsedParamsOf<'feedback/submit'>): Promise<ResultOf<'feedback/submit'>> {
    const feedbackId = newFeedbackId();
    const now = Date.now();
    return this.writer.run(async (tx) => {
      await tx.run(
        this.db
          .insertInto('feedback')
          .values({
            feedback_id: feedbackId,
            agent_id: me,
            category: p.category,
            title: p.title,
            details: p.details,
            context_ids: JSON.stringify([...new Set(p.context_ids)]),
            created_at: now,
          })
          .compile(),
      );
      return await respond(tx, { feedback_id: feedbackId, submitted_at: iso(now) });
    });
  }
}

export function feedbackHandlers(feedback: FeedbackService): Pick<HandlerMap, Extract<ActionName, `feedback/${string}`>> {
  return { 'feedback/submit': (p, ctx) => feedback.submit(ctx.agentId, p) };
}
