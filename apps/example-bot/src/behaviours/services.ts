import type { ServedService } from '@parley/client';
import type { Behaviour, BotContext, Stop } from './types.js';

/** What a call to one of the bot's services carries: the text to work on (bounded, as a delegated input is). */
const TEXT_INPUT = {
  type: 'object',
  properties: { text: { type: 'string', maxLength: 10_000 } },
  required: ['text'],
  additionalProperties: false,
} as const;

/** `text.reverse@1.0.0` -> name and version; null for anything else. */
export function parseServiceRef(ref: string): { name: string; version: string } | null {
  const at = ref.lastIndexOf('@');
  if (at <= 0 || at === ref.length - 1) return null;
  return { name: ref.slice(0, at), version: ref.slice(at + 1) };
}

/**
 * Serves the bot's `services` (e.g. `text.reverse@1.0.0`) in the hub's
 * service registry, each backed by the capability of its name: a call's
 * `{text}` goes to the brain as that capability's work (so text.reverse
 * reverses), and its answer comes back as `{text}`. The client's
 * `services.serve` registers the instance (again on each reconnect) and
 * answers each call once; the hub checks the input against the schema before
 * the bot hears of it. A brain with nothing to say, or one that throws,
 * answers the call with an error, never with silence.
 */
export const serveServices: Behaviour = {
  name: 'services',
  start(ctx) {
    const served: ServedService[] = [];
    for (const ref of ctx.services) {
      const parsed = parseServiceRef(ref);
      if (!parsed) throw new RangeError(`a service is <name>@<version>, e.g. text.reverse@1.0.0, not "${ref}"`);
      const { name, version } = parsed;
      served.push(
        ctx.client.services.serve(name, version, (input, call) => answer(ctx, name, input as { text: string }, call), {
          description: `${ctx.name}: ${name} of a text (backed by its ${name} capability)`,
          paramsSchema: TEXT_INPUT,
          onError: (err) => ctx.log(`service ${ref}: ${err.message}`),
        }),
      );
    }
    if (served.length === 0) return;
    // Registered before the bot says it is ready: a refusal (a bad name, the quota) stops the start.
    return Promise.all(served.map((s) => s.registered)).then(
      (): Stop => {
        ctx.log(`serving ${ctx.services.join(', ')}`);
        return async () => {
          await Promise.all(served.map((s) => s.stop()));
        };
      },
      async (err: unknown) => {
        await Promise.all(served.map((s) => s.stop()));
        throw err;
      },
    );
  },
};

async function answer(ctx: BotContext, name: string, input: { text: string }, call: { requestId: string; callerId: string; deadline: Date; signal: AbortSignal }): Promise<{ text: string }> {
  const output = await ctx.brain(
    {
      kind: 'delegation',
      capability: name,
      text: input.text,
      from: call.callerId,
      request: { request_id: call.requestId, input, deadline: call.deadline.toISOString() },
    },
    call.signal,
  );
  if (output === null || output.trim() === '') throw new Error(`${ctx.name} cannot do that (${name})`);
  ctx.log(`answered a call of ${name} from ${call.callerId}`);
  return { text: output };
}
