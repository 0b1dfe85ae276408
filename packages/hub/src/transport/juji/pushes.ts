import type { JujiAliases } from './aliases.js';
import { toAliases } from './translate.js';

/** Parley's governance events; the rest (content, tasks, assets...) are Juji's community notices. */
const GOVERNANCE = /^(proposal|committee|deliberation)\./;

/**
 * A Parley push frame as Juji's notification frame: `governance/notification`
 * with `topic`, `variant` (public or direct), `event` and `data`, or
 * `juji/notification` with `topic`, `event` and `data`. Agent ids become
 * aliases. Null for frames that are not pushes (nothing else goes to a sink).
 */
export async function jujiPush(aliases: JujiAliases, frame: string): Promise<string | null> {
  let push: { type?: unknown; stream?: unknown; seq?: unknown; event?: unknown; data?: unknown; ts?: unknown };
  try {
    push = JSON.parse(frame) as typeof push;
  } catch {
    return null;
  }
  if (push.type !== 'push' || typeof push.event !== 'string' || typeof push.stream !== 'string') return null;
  const data = await toAliases(aliases, push.data ?? null);
  const variantOf = (data as { variant?: unknown } | null)?.variant;
  const variant = variantOf === 'public' || variantOf === 'direct' ? variantOf : push.stream.startsWith('agent:') ? 'direct' : 'public';
  const type = GOVERNANCE.test(push.event) ? 'governance/notification' : 'juji/notification';
  return JSON.stringify({ type, topic: push.event, variant, event: push.event, data, ts: push.ts });
}
