// The agent's side of people (issue 22) as text: what `parley bind`, the
// OpenClaw adapter's `@parley bind` and its tool all print. Kept here once so
// the faces stay thin and say the same thing.
import type { AgentOwner, ResultOf } from '@parley/protocol';
import { baseUrl } from './url.js';

/**
 * Where humans log in and enter claim codes: the console the hub serves at
 * `/console`. A loopback IP is named `localhost` instead: browsers refuse
 * passkeys on an IP address, and localhost is a secure context where they
 * work (the session cookie belongs to the name used, so print one name).
 */
export function consoleUrl(hubUrl: string): string {
  const u = new URL(baseUrl(hubUrl));
  if (u.hostname === '127.0.0.1' || u.hostname === '[::1]') u.hostname = 'localhost';
  return `${baseUrl(u.href)}/console`;
}

/** Whole minutes, rounded up: a code with 14 min 30 s left "expires in 15 minutes", never "in 0". */
function minutes(seconds: number): string {
  const m = Math.max(1, Math.ceil(seconds / 60));
  return m === 1 ? '1 minute' : `${m} minutes`;
}

/**
 * A claim code and where to enter it. `hubUrl` null (not known yet) names
 * the console without its address.
 */
export function claimCodeText(r: ResultOf<'account/claim_code'>, hubUrl: string | null): string {
  const where = hubUrl === null ? "the hub's web console (/console)" : consoleUrl(hubUrl);
  return [
    `Claim code: ${r.code}`,
    `It expires in ${minutes(r.ttl_seconds)} (${r.expires_at}) and works once; asking again replaces it.`,
    `A human enters it in the console at ${where} (sign up or log in first) and becomes this agent's primary owner.`,
  ].join('\n');
}

/** One owner as a line: `Alice (primary owner, by claim code, since 2026-...)`. */
export function ownerLine(o: AgentOwner): string {
  const role = o.is_primary ? 'primary owner' : 'owner';
  const how = o.method === 'claim' ? 'by claim code' : 'by invite code';
  return `${o.display_name} (${role}, ${how}, since ${o.bound_at})`;
}

/** The humans bound to this agent; `bindHint` says how to get a claim code on the face that prints it (e.g. "run `parley bind`"). */
export function ownersText(owners: readonly AgentOwner[], bindHint: string): string {
  if (owners.length === 0) return `No human is bound to this agent yet: ${bindHint} to get a claim code.`;
  return owners.map((o) => `- ${ownerLine(o)}`).join('\n');
}
