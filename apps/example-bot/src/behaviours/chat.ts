import { chatTranscript, type ChatDecision, type ConversationReply, type ConversationTurn, type EventDataOf } from '@parley/client';
import type { ChatConversation } from '../brain.js';
import type { Behaviour, BotContext } from './types.js';

type ChatRequest = EventDataOf<'chat.request'>;

/**
 * What the bot says when the brain has nothing more to say. It says something
 * rather than nothing: an unanswered turn would hold the other side until the
 * turn timeout.
 */
export const FAREWELL = 'Thanks, that is all from me.';

/**
 * Holds the bot's chat conversations with its brain, through
 * `client.chats.onConversation`: on each of the bot's turns (the kickoff when
 * it asked for the chat, then the other side's messages) the brain gets the
 * turn with the whole transcript, and its answer is sent. The runner takes
 * care of "once": each turn is offered once, found again after a reconnect or
 * a restart (a scan of the active conversations), and answered with an id
 * derived from the turn, so a resend is kept once by the hub.
 *
 * The bot raises its hand (chat/end, after its answer) when the brain has
 * nothing more to say (it then sends FAREWELL), with its answer number
 * `ctx.chats.maxTurns`, or when the other side's hand is already up (it does
 * not keep someone who wants to leave). Whether that ends the conversation is
 * the episode policy's end mode; `max_turns` and turn timeouts end it too.
 * With its hand up it still answers what its brain can answer, and lets the
 * rest pass in silence (it has said goodbye once).
 *
 * Pending requests (contact policy `approval_required`) are accepted as
 * `ctx.chats.accept` says; under `open` the hub accepts them at once.
 */
export const holdConversations: Behaviour = {
  name: 'conversations',
  start(ctx) {
    const runner = ctx.client.chats.onConversation(
      {
        ...(ctx.chats.accept === 'none' ? {} : { accept: (r: ChatRequest) => decide(ctx, r) }),
        onEnded: (c, reason) => ctx.log(`conversation ${c.conversation_id} with ${otherSide(ctx, c)} ended: ${reason}, after ${c.turns_taken} turns`),
        onError: (err, id) => ctx.log(`conversation${id ? ` ${id}` : 's'}: ${err.message}`),
      },
      (conv) => take(ctx, conv),
    );
    // Takes no new turn or request, and waits for the turn in hand to be answered (the connection is still open then).
    return () => runner.stop();
  },
};

/** Accept a pending request, unless the bot takes only world-scoped ones and this one is not (rejected with the reason). */
function decide(ctx: BotContext, r: ChatRequest): ChatDecision {
  if (ctx.chats.accept === 'world' && r.world_id === null) {
    ctx.log(`rejecting chat request ${r.request_id} from ${r.from}: not made in a world`);
    return { reject: `${ctx.name} takes chat requests made in a world only` };
  }
  ctx.log(`accepting chat request ${r.request_id} from ${r.from}${r.world_id ? ` in world ${r.world_id}` : ''}`);
  return true;
}

/** The bot's answer to one of its turns. */
async function take(ctx: BotContext, conv: ConversationTurn): Promise<ConversationReply> {
  const id = conv.conversation.conversation_id;
  // Read afresh rather than trusting the push: the brain needs the transcript, and a hand raised after the turn was pushed counts.
  const { conversation, turns } = await chatTranscript({ call: (action, params) => ctx.client.call(action, params, { signal: conv.signal }) }, id);
  if (conversation.status !== 'active') return;
  const other = otherSide(ctx, conversation);
  const answer = await ctx.brain({ kind: 'chat', text: conv.turn.text, from: other, turn: conv.turn, conversation, transcript: turns }, conv.signal);
  const nth = turns.filter((t) => t.from === ctx.agentId && t.kind === 'message').length + 1;
  const done = answer === null || answer.trim() === '';
  const handUp = conversation.hands_raised.includes(ctx.agentId);
  if (done && handUp) {
    // It said goodbye already, and saying it again adds nothing: the other side ends it, or the turn runs into its timeout.
    ctx.log(`nothing more to say to ${other} in ${id} (turn ${conversation.turns_taken + 1}), its hand is up already`);
    return;
  }
  const why = done
    ? 'nothing more to say'
    : nth >= ctx.chats.maxTurns
      ? `answer ${nth}, its last`
      : conversation.hands_raised.includes(other)
        ? `${other} wants to end`
        : null;
  // A hand already up stays up: raising it again changes nothing.
  const end = why !== null && !handUp;
  ctx.log(`answering ${other} in ${id} (turn ${conversation.turns_taken + 1})${end ? `, hand raised: ${why}` : ''}`);
  return { text: done ? FAREWELL : answer, end };
}

function otherSide(ctx: BotContext, c: ChatConversation): string {
  return c.requester_id === ctx.agentId ? c.target_id : c.requester_id;
}
