import type { VoteChoice } from '@parley/protocol';

/** deliberation/vote takes a reason of at most this many characters. */
export const MAX_VOTE_REASON = 2000;

const YES = new Set(['yes', 'y', 'for', 'support', 'true', 'approve']);
const NO = new Set(['no', 'n', 'against', 'oppose', 'false', 'reject']);

/**
 * A yes or no on a proposal, written as words (a human's command, a model's
 * answer): the first word says it (yes, for, support / no, against, oppose).
 * Null when it says neither: a vote is final, and a muddled answer is no
 * reason to cast one. One reading for every face (the adapter, the bot).
 */
export function supportFromText(text: string | null): boolean | null {
  const m = text === null ? null : /^\s*\**\s*([A-Za-z]+)/.exec(text);
  if (!m) return null;
  const word = m[1]!.toLowerCase();
  if (YES.has(word)) return true;
  if (NO.has(word)) return false;
  return null;
}

/**
 * A committee member's vote in a deliberation, written as words: APPROVE,
 * REJECT or ABSTAIN first (any case, markdown bold allowed), then the reason
 * (`APPROVE: the supply is modest`). Null when it starts with none of them.
 * The hub wants a reason: a choice with none gets `fallback` (or a plain
 * one), and a long one is clipped to what deliberation/vote takes.
 */
export function deliberationVoteFromText(text: string | null, fallback?: string): { choice: VoteChoice; reason: string } | null {
  const m = text === null ? null : /^\s*\**\s*(approve|reject|abstain)\b\**[\s:.,;—–-]*([\s\S]*)$/i.exec(text);
  if (!m) return null;
  const choice = m[1]!.toUpperCase() as VoteChoice;
  const reason = m[2]!.trim() || fallback || `${choice.toLowerCase()}, no reason given`;
  return { choice, reason: reason.length > MAX_VOTE_REASON ? `${reason.slice(0, MAX_VOTE_REASON - 1)}…` : reason };
}
