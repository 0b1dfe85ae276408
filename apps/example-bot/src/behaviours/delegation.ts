import type { EventDataOf } from '@parley/client';
import { hasMovedOn } from '../work.js';
import type { Behaviour, BotContext } from './types.js';

type Request = EventDataOf<'delegate.request'>;
type Answer = { output: string } | { error: string };

const SERVICE_CALL = /^service:[^@]+@/;
/** delegate/respond takes an error of at most this many characters. */
const MAX_ERROR = 2000;

/**
 * Serves delegated requests: another agent calls `delegate/request` with a
 * capability the bot advertises, the hub pushes `delegate.request` to the
 * bot, and the bot answers with `delegate/respond`: the brain's output, or an
 * error when the brain cannot do it (or the bot does not offer that
 * capability). Never silence: the requester would wait for the deadline.
 *
 * Once only, also across restarts: the push is durable and replayed after a
 * restart if the bot had not taken it in, so before thinking the bot asks the
 * hub whether the request is still pending with it (a worker that went
 * offline loses its requests to another worker, or they fail). The answer
 * carries the idempotency key `respond:<request_id>`, and a hub that answers
 * "already answered" or "given to another worker" ends the job quietly.
 */
export const answerDelegations: Behaviour = {
  name: 'delegation',
  attach(ctx) {
    ctx.client.on('delegate.request', (r) => {
      // A call of one of its services (service:<name>@<version>; no capability has an "@"): services.ts answers those.
      if (SERVICE_CALL.test(r.capability)) return;
      const key = `respond:${r.request_id}`;
      // Worked out once; a retry (the hub was away) only sends it again.
      let answer: Answer | null | undefined;
      ctx.work(key, async (signal) => {
        try {
          if (answer === undefined) {
            const now = await ctx.client.delegate.get({ request_id: r.request_id }, { signal });
            if (now.state !== 'pending' || now.worker_id !== ctx.agentId) {
              ctx.log(`request ${r.request_id} is ${now.state === 'pending' ? 'with another worker' : `already ${now.state}`}: not answering it`);
              return;
            }
            answer = await decide(ctx, r, signal);
          }
          if (answer === null) {
            ctx.log(`request ${r.request_id} passed its deadline unanswered: the hub hands it on`);
            return;
          }
          await ctx.client.delegate.respond({ request_id: r.request_id, ...answer }, { idempotencyKey: key, signal });
          ctx.log(`${'output' in answer ? 'answered' : 'declined'} request ${r.request_id} (${r.capability}) from ${r.requester_id}`);
        } catch (err) {
          if (!hasMovedOn(err)) throw err;
          ctx.log(`request ${r.request_id} was no longer the bot's to answer (${err.message})`);
        }
      });
    });
  },
};

/** The answer to `r`, or null when its deadline passed while the brain was at it. */
async function decide(ctx: BotContext, r: Request, signal: AbortSignal): Promise<Answer | null> {
  if (!ctx.capabilities.includes(r.capability)) return { error: `${ctx.name} does not offer ${r.capability}` };
  // The brain stops at the deadline (after it the hub has handed the request to another worker, or failed it) or when the bot closes.
  const thinking = new AbortController();
  const stop = () => thinking.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(() => thinking.abort(new Error('deadline passed')), Math.max(0, Date.parse(r.deadline) - Date.now()));
  try {
    const text = typeof r.input === 'string' ? r.input : JSON.stringify(r.input);
    const output = await ctx.brain(
      { kind: 'delegation', capability: r.capability, text, from: r.requester_id, request: { request_id: r.request_id, input: r.input, deadline: r.deadline } },
      thinking.signal,
    );
    if (output === null || output.trim() === '') return { error: `${ctx.name} cannot do that (${r.capability})` };
    return { output };
  } catch (err) {
    if (signal.aborted) throw err;
    if (thinking.signal.aborted) return null;
    const why = err instanceof Error ? err.message : String(err);
    return { error: clip(`${ctx.name} failed: ${why || 'no reason given'}`, MAX_ERROR) };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}
