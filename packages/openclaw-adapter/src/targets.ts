// The Parley channel's target grammar. A target is a Parley id, optionally
// written "parley:<id>" (the gateway passes both forms), and its prefix says
// which action a text sent to it becomes:
//   agt_...  a direct message              p2p/send
//   top_...  a topic message               topic/publish (with reply_to: top_...#msg_...)
//   cnv_...  the agent's turn in a chat    chat/send
//   dlg_...  the answer to a delegation    delegate/respond
//   dlb_...  a committee member's vote     deliberation/vote ("APPROVE: reason")
// Inbound messages carry the target their reply goes to, so the agent's
// answer lands where the question came from; the shared `message` tool and
// the gateway's `send` reach any Parley target the same way.
import { answerId, deliberationVoteFromText, resendSafeId } from '@parley/client';
import { AgentId, ConversationId, DelegationId, DeliberationId, MessageId, TopicId, type ActionName, type ParamsOf, type ResultOf, type VoteChoice } from '@parley/protocol';
import { InvalidParamsError } from './errors.js';

export const CHANNEL_ID = 'parley';

export type ParleyTarget =
  | { kind: 'agent'; id: string }
  | { kind: 'topic'; id: string; replyTo?: string }
  | { kind: 'conversation'; id: string }
  | { kind: 'delegation'; id: string }
  | { kind: 'deliberation'; id: string };

const isTopicTarget = (t: string): boolean => {
  const [topic, message, ...rest] = t.split('#');
  return rest.length === 0 && TopicId.safeParse(topic).success && (message === undefined || MessageId.safeParse(message).success);
};
const PATTERNS: ReadonlyArray<[ParleyTarget['kind'], (t: string) => boolean]> = [
  ['agent', (t) => AgentId.safeParse(t).success],
  ['topic', isTopicTarget],
  ['conversation', (t) => ConversationId.safeParse(t).success],
  ['delegation', (t) => DelegationId.safeParse(t).success],
  ['deliberation', (t) => DeliberationId.safeParse(t).success],
];

/** "parley:agt_x" or "agt_x" as the canonical "agt_x"; undefined when it is no Parley target. */
export function normalizeTarget(raw: string): string | undefined {
  const t = raw.trim().replace(/^parley:/i, '');
  return PATTERNS.some(([, matches]) => matches(t)) ? t : undefined;
}

export function parseTarget(raw: string): ParleyTarget {
  const t = normalizeTarget(raw);
  if (t === undefined) {
    throw new InvalidParamsError(
      `"${raw}" is not a Parley target: an agent (agt_...), a topic (top_..., or top_...#msg_... to reply to a message), a chat (cnv_...), a delegated request (dlg_...) or a deliberation (dlb_...)`,
    );
  }
  const kind = PATTERNS.find(([, matches]) => matches(t))![0];
  if (kind === 'topic') {
    const [id, replyTo] = t.split('#') as [string, string | undefined];
    return replyTo ? { kind, id, replyTo } : { kind, id };
  }
  return { kind, id: t } as ParleyTarget;
}

/** Direct messages go to one agent; topics are group chats; a chat or a delegation is one conversation with one peer. */
export function targetChatType(raw: string): 'direct' | 'group' | undefined {
  const t = normalizeTarget(raw);
  if (t === undefined) return undefined;
  return t.startsWith('top_') ? 'group' : 'direct';
}

export interface TargetCaller {
  readonly selfId: string | null;
  call<A extends ActionName>(action: A, params: ParamsOf<A>, opts: { signal?: AbortSignal; idempotencyKey?: string }): Promise<ResultOf<A>>;
}

export interface SentToTarget {
  /** The id of what the send made: a message, a turn, the delegation. */
  messageId: string;
  /** True when the hub said it had this one already (a resend). */
  duplicate: boolean;
}

/** A delegation's output: the text as JSON when it is JSON, else the text itself. */
function outputOf(text: string): ParamsOf<'delegate/respond'>['output'] {
  const t = text.trim();
  if (/^[[{"]/.test(t) || /^(?:-?\d|true$|false$|null$)/.test(t)) {
    try {
      return JSON.parse(t) as ParamsOf<'delegate/respond'>['output'];
    } catch {
      // Not JSON after all: the words are the output.
    }
  }
  return text;
}

/**
 * A committee vote written as words: APPROVE, REJECT or ABSTAIN first (any
 * case), then the reason (`APPROVE: the supply is modest`), as the client
 * reads it for every face. Anything else is refused rather than guessed: the
 * vote is final.
 */
export function voteOf(text: string): { choice: VoteChoice; reason: string } {
  const vote = deliberationVoteFromText(text);
  if (!vote) throw new InvalidParamsError('a vote in a deliberation starts with APPROVE, REJECT or ABSTAIN, then the reason');
  return vote;
}

/**
 * Sends `text` to a Parley target as the agent. `key` makes it idempotent:
 * the same key again (a retry, a gateway restart) is answered from the hub's
 * record instead of acting twice. A chat turn gets the id the protocol asks
 * for: `turn` (the turns taken when the agent was asked) when it answers a
 * known turn, else derived from the transcript so a resend is recognised.
 */
export async function sendToTarget(
  caller: TargetCaller,
  raw: string,
  text: string,
  opts: { key?: string; turn?: number; signal?: AbortSignal } = {},
): Promise<SentToTarget> {
  const target = parseTarget(raw);
  const call = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.key ? { idempotencyKey: opts.key } : {}) };
  switch (target.kind) {
    case 'agent': {
      const r = await caller.call('p2p/send', { to: target.id, content: text, content_type: 'text' }, call);
      return { messageId: r.message_id, duplicate: false };
    }
    case 'topic': {
      const r = await caller.call('topic/publish', { topic_id: target.id, content: text, ...(target.replyTo ? { reply_to: target.replyTo } : {}) }, call);
      return { messageId: r.message_id, duplicate: false };
    }
    case 'conversation': {
      let clientMessageId: string;
      if (opts.turn !== undefined) clientMessageId = answerId(opts.turn);
      else {
        const t = await caller.call('chat/get', { conversation_id: target.id }, opts.signal ? { signal: opts.signal } : {});
        clientMessageId = resendSafeId(t.conversation, t.turns, caller.selfId ?? '', text);
      }
      const r = await caller.call('chat/send', { conversation_id: target.id, text, client_message_id: clientMessageId }, call);
      return { messageId: `${target.id}#${r.turn.turn}`, duplicate: r.duplicate };
    }
    case 'delegation': {
      const r = await caller.call('delegate/respond', { request_id: target.id, output: outputOf(text) }, call);
      return { messageId: r.request_id, duplicate: false };
    }
    case 'deliberation': {
      const r = await caller.call('deliberation/vote', { deliberation_id: target.id, ...voteOf(text) }, call);
      return { messageId: r.deliberation_id, duplicate: false };
    }
  }
}
