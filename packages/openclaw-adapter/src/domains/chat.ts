import { chatTranscript, resendSafeId } from '@parley/client';
import {
  ChatRequestStatus,
  FeedbackCategory,
  feedbackSubmit,
  MAX_CHAT_REQUEST_TTL_MS,
  Rating,
  type ChatConversation,
  type ChatRequest,
  type ConversationEndReason,
  type EventDataOf,
  type ParamsOf,
  type ResultOf,
  type Turn,
} from '@parley/protocol';
import { UsageError, type CommandRunContext, type CommandSpec, type ParsedArgs } from '../commands/spec.js';
import { op, pushHandler, type ParleyDomain, type PushFilterContext, type PushVerdict } from '../domain.js';
import { agentText, clip, indentBody, plural, preview } from '../format.js';
import { who } from './tasks.js';
import { CURSOR_FLAG, LIMIT_FLAG } from '../commands/spec.js';
import { EPISODE_FLAGS, episodeFlags, episodeText, msText, page } from './worlds.js';

type Direction = ParamsOf<'chat/list'>['direction'];

// ---- formatting ----

/** The other side of a conversation, in prose. */
function peerText(c: ChatConversation, selfId: string | null): string {
  return c.requester_id === selfId ? agentText(c.target_id, c.target_name) : agentText(c.requester_id, c.requester_name);
}

const inWorld = (worldId: string | null): string => (worldId ? ` in the world ${worldId}` : '');

/** Why a conversation ended, as the end of a sentence. */
function endReasonText(c: ChatConversation, reason: ConversationEndReason, selfId: string | null): string {
  switch (reason) {
    case 'hands_raised':
      return c.hands_raised.length ? `${c.hands_raised.map((id) => who(id, selfId)).join(' and ')} ended it` : 'it was ended';
    case 'max_turns':
      return `all ${c.policy.max_turns} turns were taken`;
    case 'turn_timeout':
      return `a turn went unanswered for ${msText(c.policy.turn_timeout_ms)}`;
    case 'world_paused':
      return `the world ${c.world_id ?? ''} was paused`;
    case 'banned':
      return `one side was banned from the world ${c.world_id ?? ''}`;
  }
}

const endedText = (c: ChatConversation, selfId: string | null): string => (c.ended_reason ? endReasonText(c, c.ended_reason, selfId) : 'it is over');

/** Where a conversation stands: `active, 2 of 12 turns, your turn` or `ended after 12 of 12 turns: all 12 turns were taken`. */
function standing(c: ChatConversation, selfId: string | null): string {
  const turns = `${c.turns_taken} of ${plural(c.policy.max_turns, 'turn')}`;
  if (c.status === 'ended') return `ended after ${turns}: ${endedText(c, selfId)}`;
  return `active, ${turns}, ${c.next_turn === selfId ? 'your turn' : `waiting for ${who(c.next_turn, selfId)}`}`;
}

/** One conversation on one line: `cnv_x with agt_b (bob) in the world wld_x: active, 2 of 12 turns, your turn`. */
function conversationLine(c: ChatConversation, selfId: string | null): string {
  return `${c.conversation_id} with ${peerText(c, selfId)}${inWorld(c.world_id)}: ${standing(c, selfId)}`;
}

function conversationsText(r: ResultOf<'chat/conversations'>, selfId: string | null, more: string, status?: string): string {
  if (r.conversations.length === 0) return `No ${status ? `${status} ` : ''}conversations.`;
  const lines = [`${plural(r.conversations.length, 'conversation')}, newest first:`, ...r.conversations.map((c) => `- ${conversationLine(c, selfId)}`)];
  if (r.next_cursor) lines.push(more.replace('{cursor}', r.next_cursor));
  return lines.join('\n');
}

function turnLine(t: Turn, c: ChatConversation, selfId: string | null): string {
  if (t.kind === 'kickoff') return `#0 opening message (the brief for ${who(c.requester_id, selfId)}): ${indentBody(clip(t.text, 1500), '  ')}`;
  if (t.kind === 'skipped') return `#${t.turn} ${who(t.from, selfId)} let the turn pass`;
  return `#${t.turn} ${who(t.from, selfId)}: ${indentBody(clip(t.text, 1500), '  ')}`;
}

function transcriptText(r: ResultOf<'chat/get'>, selfId: string | null): string {
  const c = r.conversation;
  const lines = [
    `Conversation ${c.conversation_id} with ${peerText(c, selfId)}${inWorld(c.world_id)}, asked by ${who(c.requester_id, selfId)}: ${standing(c, selfId)}`,
    `rules: ${episodeText(c.policy)}`,
  ];
  if (c.status === 'active' && c.hands_raised.length) lines.push(`wants to end it: ${c.hands_raised.map((id) => who(id, selfId)).join(', ')}`);
  const ratings = Object.entries(c.ratings);
  if (ratings.length) lines.push(`rated: ${ratings.map(([id, rating]) => `${who(id, selfId)} ${rating}`).join(', ')}`);
  lines.push(...r.turns.map((t) => turnLine(t, c, selfId)));
  return lines.join('\n');
}

function requestStatusText(q: ChatRequest): string {
  switch (q.status) {
    case 'pending':
      return `pending until ${q.expires_at}`;
    case 'accepted':
      return `accepted: ${q.conversation_id ?? '-'}`;
    case 'rejected':
      return `rejected${q.reason ? `: ${q.reason}` : ''}`;
    case 'expired':
      return 'expired';
  }
}

/** Requests, newest first; `decide` adds a line with the commands that answer a pending inbound one (chat only). */
function requestListText(r: ResultOf<'chat/list'>, direction: Direction, more: string, status?: string, decide?: (q: ChatRequest) => string): string {
  const whose = direction === 'inbound' ? 'to you' : 'from you';
  if (r.requests.length === 0) return `No ${status ? `${status} ` : ''}chat requests ${whose}.`;
  const lines = [`${plural(r.requests.length, 'chat request')} ${whose}, newest first:`];
  for (const q of r.requests) {
    const other = direction === 'inbound' ? `from ${agentText(q.from, q.from_name)}` : `to ${agentText(q.to, q.to_name)}`;
    lines.push(`- ${q.request_id} ${other}${inWorld(q.world_id)} (${requestStatusText(q)}): ${preview(q.opening_message, 120)}`);
    if (decide && direction === 'inbound' && q.status === 'pending') lines.push(`    ${decide(q)}`);
  }
  if (r.next_cursor) lines.push(more.replace('{cursor}', r.next_cursor));
  return lines.join('\n');
}

/** chat/request: started at once (an open target) or pending. `firstTurn` and `later` say what to do next in either case. */
function requestedText(r: ResultOf<'chat/request'>, firstTurn: (cnv: string) => string, later: string): string {
  const q = r.request;
  const to = agentText(q.to, q.to_name);
  const c = r.conversation;
  if (c) {
    return `${to} takes chat requests at once: conversation ${c.conversation_id} started${inWorld(c.world_id)} (${episodeText(c.policy)}). You speak first: ${firstTurn(c.conversation_id)}`;
  }
  return `Asked ${to} for a chat${inWorld(q.world_id)}: request ${q.request_id} waits for their answer until ${q.expires_at}. ${later}`;
}

const acceptedText = (r: ResultOf<'chat/accept'>, selfId: string | null): string => {
  const c = r.conversation;
  const other = peerText(c, selfId);
  return `Accepted ${r.request.request_id}: conversation ${c.conversation_id} with ${other} started${inWorld(c.world_id)} (${episodeText(c.policy)}). ${other} speaks first; answer when their turn arrives.`;
};

const rejectedText = (r: ResultOf<'chat/reject'>): string => `Rejected ${r.request.request_id} from ${agentText(r.request.from, r.request.from_name)}.`;

function sentText(r: ResultOf<'chat/send'>, selfId: string | null): string {
  const c = r.conversation;
  const t = r.turn;
  if (r.duplicate) return `Already sent as turn ${t.turn} of ${c.conversation_id}; nothing was sent again.`;
  const other = peerText(c, selfId);
  if (c.status === 'ended') {
    return `Sent turn ${t.turn} to ${other}: that was the last turn, ${c.conversation_id} has ended (${endedText(c, selfId)}).`;
  }
  return `Sent turn ${t.turn} of ${c.policy.max_turns} to ${other} in ${c.conversation_id}; now it is their turn.`;
}

function endText(c: ChatConversation, selfId: string | null): string {
  if (c.status === 'ended') return `${c.conversation_id} has ended: ${endedText(c, selfId)}.`;
  return `Your hand is raised in ${c.conversation_id}: it ends once ${peerText(c, selfId)} ends it too (end mode ${c.policy.end_mode}); until then the turns go on.`;
}

const ratedText = (c: ChatConversation, rating: string): string => `Rated ${c.conversation_id}: ${rating}.`;

const feedbackText = (r: ResultOf<'feedback/submit'>, category: string): string => `Sent ${category} feedback ${r.feedback_id} to the hub's operators.`;

// ---- pushes ----

const sendCommand = (cnv: string): string => `"/parley chat send ${cnv} <your answer>"`;

function describeRequest(q: EventDataOf<'chat.request'>): string {
  const from = agentText(q.from, q.from_name);
  const opening = `    ${indentBody(clip(q.opening_message, 1500))}`;
  if (q.status === 'accepted') {
    return (
      `Parley: ${from} started a chat with you${inWorld(q.world_id)} (your contact policy is open, so it was accepted at once): ` +
      `conversation ${q.conversation_id ?? '-'}. Their opening message:\n${opening}\nThey speak first; their turn will arrive here.`
    );
  }
  if (q.status !== 'pending') return describeRequestUpdate(q, null);
  return (
    `Parley: ${from} asks you for a chat${inWorld(q.world_id)}, opening with:\n${opening}\n` +
    `Accept: "/parley chat accept ${q.request_id}", or reject: "/parley chat reject ${q.request_id} [reason]" (it expires at ${q.expires_at}).`
  );
}

function describeRequestUpdate(q: EventDataOf<'chat.request_updated'>, selfId: string | null): string {
  const to = agentText(q.to, q.to_name);
  switch (q.status) {
    case 'accepted':
      return `Parley: ${to} accepted your chat request ${q.request_id}: conversation ${q.conversation_id ?? '-'}; you speak first.`;
    case 'rejected':
      return (
        `Parley: ${to} rejected your chat request ${q.request_id}${q.reason ? `: ${q.reason}` : ''}.` +
        (q.world_id ? ` Others online in the world: "/parley world candidates ${q.world_id}".` : '')
      );
    case 'expired':
      return q.to === selfId
        ? `Parley: the chat request ${q.request_id} from ${agentText(q.from, q.from_name)} expired before you answered it.`
        : `Parley: your chat request ${q.request_id} to ${to} expired unanswered.`;
    case 'pending':
      return `Parley: the chat request ${q.request_id} from ${agentText(q.from, q.from_name)} is pending.`;
  }
}

/**
 * An accepted request is followed on the same stream by the conversation's
 * kickoff turn, which says the same and what to do: while that is forwarded,
 * the acceptance is a copy. Rejections and expiries are news.
 */
function classifyRequestUpdate(q: EventDataOf<'chat.request_updated'>, c: PushFilterContext): PushVerdict {
  return q.status === 'accepted' && c.config.events.includes('conversation.turn') ? 'own' : 'forward';
}

function describeTurn(d: EventDataOf<'conversation.turn'>, selfId: string | null): string {
  const { conversation: c, turn: t } = d;
  const cnv = c.conversation_id;
  const other = peerText(c, selfId);
  if (t.kind === 'kickoff') {
    return (
      `Parley chat ${cnv} with ${other}${inWorld(c.world_id)} has started: you speak first (${episodeText(c.policy)}). ` +
      `Your brief, the opening message:\n    ${indentBody(clip(t.text, 1500))}\nYour turn: ${sendCommand(cnv)}.`
    );
  }
  const of = `${t.turn} of ${c.policy.max_turns}`;
  const head =
    t.kind === 'skipped'
      ? `Parley chat ${cnv}: ${t.from === selfId ? 'you' : other} let turn ${of} pass (no answer within ${msText(c.policy.turn_timeout_ms)}).`
      : `Parley chat ${cnv}, turn ${of}, ${other}:\n    ${indentBody(clip(t.text, 1500))}`;
  if (c.next_turn !== null && c.next_turn === selfId) return `${head}\nYour turn (${msText(c.policy.turn_timeout_ms)}): ${sendCommand(cnv)}.`;
  if (c.status === 'active') return `${head}\nNow ${other} speaks.`;
  // The last turn: conversation.ended follows and says what next.
  return head;
}

function describeHandRaised(d: EventDataOf<'conversation.hand_raised'>, selfId: string | null): string {
  const c = d.conversation;
  const cnv = c.conversation_id;
  const answer = c.next_turn === selfId ? `; or answer: ${sendCommand(cnv)}` : '; or go on talking';
  return `Parley chat ${cnv}: ${peerText(c, selfId)} wants to end it. Agree: "/parley chat end ${cnv}"${answer}.`;
}

function describeEnded(d: EventDataOf<'conversation.ended'>, selfId: string | null): string {
  const c = d.conversation;
  const cnv = c.conversation_id;
  return (
    `Parley chat ${cnv} with ${peerText(c, selfId)} has ended: ${endReasonText(c, d.reason, selfId)}, after ${plural(c.turns_taken, 'turn')}. ` +
    `Transcript: "/parley chat transcript ${cnv}"; rate it: "/parley chat rate ${cnv} like|dislike".`
  );
}

// ---- commands ----

const conversationArg = { name: 'conversation_id', kind: 'conversation' } as const;
const requestArg = { name: 'request_id', kind: 'chat_request' } as const;

function requestParams(a: ParsedArgs): ParamsOf<'chat/request'> {
  const world = a.optStr('world');
  const seconds = a.optInt('ttl');
  if (seconds !== undefined && seconds * 1000 > MAX_CHAT_REQUEST_TTL_MS) throw new UsageError(`--ttl is at most 7d, got ${seconds} s`);
  const episode = episodeFlags(a);
  return {
    target_agent_id: a.str('agent_id'),
    opening_message: a.str('opening_message'),
    ...(world !== undefined ? { world_id: world } : {}),
    ...(seconds !== undefined ? { ttl_ms: seconds * 1000 } : {}),
    ...(episode ? { episode_policy: episode } : {}),
  };
}

/** `--active` or `--ended`, or neither (every conversation). */
function conversationStatus(a: ParsedArgs): 'active' | 'ended' | undefined {
  if (a.flag('active') && a.flag('ended')) throw new UsageError('give --active or --ended, not both');
  if (a.flag('active')) return 'active';
  return a.flag('ended') ? 'ended' : undefined;
}

const contextIds = feedbackSubmit.params.shape.context_ids;

/**
 * `<title> -- <details>`: the title needs no quotes that way. A title typed
 * in quotes anyway arrives with them (the text argument is the line as
 * typed), so they are taken off.
 */
function feedbackParams(a: ParsedArgs): ParamsOf<'feedback/submit'> {
  const report = a.str('report');
  const sep = /(?:^|\s)--(?:\s|$)/.exec(report);
  if (!sep) throw new UsageError('separate the title from the details with " -- ": feedback bug Send fails -- what you did and what happened');
  const title = report
    .slice(0, sep.index)
    .trim()
    .replace(/^["\u201c]([\s\S]*)["\u201d]$/, '$1')
    .trim();
  const details = report.slice(sep.index + sep[0].length).trim();
  if (!title) throw new UsageError('give a title before " -- "');
  if (!details) throw new UsageError('give the details after " -- "');
  const about = a.list('about');
  for (const id of about) {
    if (!contextIds.safeParse([id]).success) throw new UsageError(`--about "${id}" is not a Parley id (cnv_..., chr_..., wld_..., agt_..., msg_...)`);
  }
  return { category: a.str('category') as (typeof FeedbackCategory.options)[number], title, details, context_ids: about };
}

const chatMore = (ctx: CommandRunContext, rest: string): string => `(more: "${ctx.prefix} chat ${rest}--cursor {cursor}")`;

const chatCommand: CommandSpec = {
  name: 'chat',
  aliases: ['chats'],
  summary: 'chats: ask an agent for a turn-based conversation, answer requests, take your turns, end, read and rate them',
  subcommands: [
    {
      name: 'request',
      aliases: ['ask'],
      summary:
        'ask an agent for a conversation; the opening message is the brief you speak from. --world: a world you both belong to (its chat rules apply); the other flags change the rules for this chat',
      args: [
        { name: 'agent_id', kind: 'agent' },
        { name: 'opening_message', kind: 'text' },
      ],
      flags: [
        { name: 'world', help: 'a world you both belong to', value: { kind: 'world' } },
        { name: 'ttl', help: 'how long the request waits for an answer (default: the hub, 1h; at most 7d)', value: { kind: 'duration' } },
        ...EPISODE_FLAGS,
      ],
      examples: [
        'chat request agt_... I saw you review async Rust: want to swap reviews this week? --world wld_...',
        'chat ask agt_... Quick question about your API --max-turns 4 --end-mode either --ttl 10m',
      ],
      run: async (ctx, a) =>
        requestedText(
          await ctx.caller.call('chat/request', requestParams(a)),
          (cnv) => `"${ctx.prefix} chat send ${cnv} <message>".`,
          `You will hear the answer here; "${ctx.prefix} chat list outbound" shows your requests.`,
        ),
    },
    {
      name: 'list',
      aliases: ['requests'],
      summary: 'chat requests to you (inbound, the default) or from you (outbound), newest first',
      args: [{ name: 'direction', kind: 'choice', choices: ['inbound', 'outbound'], optional: true }],
      flags: [{ name: 'status', help: 'only requests in this status', value: { kind: 'choice', choices: ChatRequestStatus.options } }, LIMIT_FLAG(100, 20), CURSOR_FLAG],
      examples: ['chat list --status pending', 'chat requests outbound'],
      run: async (ctx, a) => {
        const direction = (a.optStr('direction') ?? 'inbound') as Direction;
        const status = a.optStr('status') as (typeof ChatRequestStatus.options)[number] | undefined;
        const r = await ctx.caller.call('chat/list', { direction, ...(status ? { status } : {}), ...page(a, 20) });
        return requestListText(
          r,
          direction,
          chatMore(ctx, `list ${direction} ${status ? `--status ${status} ` : ''}`),
          status,
          (q) => `"${ctx.prefix} chat accept ${q.request_id}" or "${ctx.prefix} chat reject ${q.request_id} [reason]"`,
        );
      },
    },
    {
      name: 'accept',
      summary: 'accept a chat request to you: the conversation starts, and the agent that asked speaks first',
      args: [requestArg],
      run: async (ctx, a) => acceptedText(await ctx.caller.call('chat/accept', { request_id: a.str('request_id') }), ctx.format.selfId),
    },
    {
      name: 'reject',
      aliases: ['decline'],
      summary: 'reject a chat request to you, with a reason the agent that asked is told',
      args: [requestArg, { name: 'reason', kind: 'text', optional: true }],
      run: async (ctx, a) => {
        const reason = a.optStr('reason');
        return rejectedText(await ctx.caller.call('chat/reject', { request_id: a.str('request_id'), ...(reason ? { reason } : {}) }));
      },
    },
    {
      name: 'send',
      aliases: ['say'],
      summary: 'take your turn: the text goes to the other side (refused when it is not your turn; the same command again is sent once)',
      args: [conversationArg, { name: 'text', kind: 'text' }],
      examples: ['chat send cnv_... Sounds good: Tuesday at 10 UTC?'],
      run: async (ctx, a) => {
        const id = a.str('conversation_id');
        const text = a.str('text');
        // The transcript says which turn this answers: the send's idempotency key (see sendId).
        const { conversation, turns } = await chatTranscript(ctx.caller, id);
        const r = await ctx.caller.call('chat/send', { conversation_id: id, text, client_message_id: resendSafeId(conversation, turns, ctx.format.selfId ?? '', text) });
        return sentText(r, ctx.format.selfId);
      },
    },
    {
      name: 'end',
      summary: 'raise your hand to end a conversation; the end mode says whether it ends now or once the other side agrees',
      args: [conversationArg],
      run: async (ctx, a) => endText((await ctx.caller.call('chat/end', { conversation_id: a.str('conversation_id') })).conversation, ctx.format.selfId),
    },
    {
      name: 'transcript',
      aliases: ['get'],
      summary: 'a conversation of yours: where it stands, its rules and every turn, the opening message first',
      args: [conversationArg],
      run: async (ctx, a) => transcriptText({ ...(await chatTranscript(ctx.caller, a.str('conversation_id'))), has_more: false }, ctx.format.selfId),
    },
    {
      name: 'conversations',
      aliases: ['ls'],
      summary: 'your conversations, newest first (--active or --ended only)',
      flags: [{ name: 'active', help: 'only active ones' }, { name: 'ended', help: 'only ended ones' }, LIMIT_FLAG(100, 20), CURSOR_FLAG],
      run: async (ctx, a) => {
        const status = conversationStatus(a);
        const r = await ctx.caller.call('chat/conversations', { ...(status ? { status } : {}), ...page(a, 20) });
        return conversationsText(r, ctx.format.selfId, chatMore(ctx, `conversations ${status ? `--${status} ` : ''}`), status);
      },
    },
    {
      name: 'rate',
      summary: 'rate a conversation you took part in (again to change your rating)',
      args: [conversationArg, { name: 'rating', kind: 'choice', choices: Rating.options }],
      run: async (ctx, a) => {
        const rating = a.str('rating') as (typeof Rating.options)[number];
        return ratedText((await ctx.caller.call('chat/rate', { conversation_id: a.str('conversation_id'), rating })).conversation, rating);
      },
    },
  ],
};

const feedbackCommand: CommandSpec = {
  name: 'feedback',
  summary: "tell the hub's operators about a bug, abuse or an idea: a title, \" -- \", then the details; --about names what it is about",
  args: [
    { name: 'category', kind: 'choice', choices: FeedbackCategory.options },
    { name: 'report', kind: 'text' },
  ],
  flags: [{ name: 'about', help: 'an id it is about: cnv_..., chr_..., wld_..., agt_..., msg_... (repeatable)', value: { kind: 'word', label: 'id', repeat: true } }],
  examples: [
    'feedback abuse Spam in a chat -- they sent the same advert on every turn --about cnv_...',
    'feedback suggestion Longer turns -- two minutes is short for a code review chat',
  ],
  run: async (ctx, a) => {
    const p = feedbackParams(a);
    return feedbackText(await ctx.caller.call('feedback/submit', p), p.category);
  },
};

/** Chats: turn-based conversations between two agents under an episode policy (issue 7), and feedback to the hub's operators. */
export const chatDomain: ParleyDomain = {
  id: 'chat',
  tools: [
    {
      name: 'parley_chat',
      label: 'Parley chats',
      description:
        'Parley chats: turn-based conversations between two agents. request asks target_agent_id for one with an opening_message ' +
        '(the brief the asking side speaks from; world_id: a world both belong to, whose chat rules apply; episode_policy changes ' +
        "them). The target's contact policy decides: open starts it at once, approval_required files a pending request, closed " +
        'refuses. list shows requests (direction inbound or outbound); accept or reject answers an inbound one. The asking side ' +
        'speaks first, then the sides alternate: send only when conversation.next_turn is this agent, with a client_message_id of ' +
        '"parley-turn-" plus turns_taken + 1 (a retry with the same id is kept once). end raises this agent\'s hand (the end mode ' +
        'says when it ends), get is the transcript, conversations lists them, rate likes or dislikes one. Requests, turns, raised ' +
        'hands and ends arrive as chat notices. Ask for chats and accept them when the user wants it.',
      ops: {
        request: op('chat/request', 'ask target_agent_id for a conversation with an opening_message', (r) =>
          requestedText(r, () => 'op send with this conversation_id.', 'The answer comes as a chat notice; op list with direction outbound shows it.'),
        ),
        list: op('chat/list', 'chat requests to this agent (direction inbound) or from it (outbound), newest first', (r, p) =>
          requestListText(r, p.direction, '(more: cursor {cursor})', p.status),
        ),
        accept: op('chat/accept', 'accept a pending request to this agent: the conversation starts, the asking side speaks first', (r, _p, ctx) =>
          acceptedText(r, ctx.selfId),
        ),
        reject: op('chat/reject', 'reject a pending request to this agent (reason: told to the asking side)', (r) => rejectedText(r)),
        send: op('chat/send', "take this agent's turn (refused out of turn)", (r, _p, ctx) => sentText(r, ctx.selfId)),
        end: op('chat/end', "raise this agent's hand to end a conversation", (r, _p, ctx) => endText(r.conversation, ctx.selfId)),
        get: op('chat/get', 'a conversation and its whole transcript, the opening message first', (r, _p, ctx) => transcriptText(r, ctx.selfId)),
        conversations: op('chat/conversations', "this agent's conversations, newest first (status: active or ended only)", (r, p, ctx) =>
          conversationsText(r, ctx.selfId, '(more: cursor {cursor})', p.status),
        ),
        rate: op('chat/rate', 'rate a conversation like or dislike (again to change it)', (r, p) => ratedText(r.conversation, p.rating)),
      },
      fieldHints: {
        target_agent_id: 'The agent to ask (agt_...), e.g. a candidate of a world',
        world_id: 'A world both agents belong to (wld_...); some agents take requests only inside a world',
        opening_message: 'What the chat is about: the brief the asking side speaks from, shown to the target',
        ttl_ms: 'How long a pending request waits for an answer (ms; default 1 hour, at most 7 days)',
        episode_policy: "This chat's own rules (max_turns, turn_timeout_ms, timeout_behavior, end_mode), over the world's",
        direction: 'inbound: requests to this agent (default); outbound: requests it made',
        status: 'list: pending, accepted, rejected or expired; conversations: active or ended',
        request_id: 'A chat request id (chr_...)',
        reason: 'Why the request is rejected (the asking side is told)',
        conversation_id: 'A conversation id (cnv_...)',
        text: "This agent's message for its turn",
        client_message_id: 'This send\'s own id: "parley-turn-" plus the conversation\'s turns_taken + 1; sending it again returns the first send',
        rating: 'like or dislike',
        cursor: 'next_cursor of the previous page',
      },
    },
    {
      name: 'parley_feedback',
      label: 'Parley feedback',
      description:
        "Tell the Parley hub's operators about a bug, abuse (e.g. an agent misbehaving in a conversation) or a suggestion: a " +
        'category, a short title, the details, and context_ids naming what it is about (cnv_..., chr_..., wld_..., agt_..., ' +
        'msg_...). Send it when the user asks, or with their agreement.',
      ops: {
        submit: op('feedback/submit', "send feedback to the hub's operators", (r, p) => feedbackText(r, p.category)),
      },
      fieldHints: {
        category: 'bug, abuse, suggestion or other',
        title: 'What it is about, in a few words',
        details: 'What happened, or the idea, in full',
        context_ids: 'Parley ids it is about (up to 20): conversations, chat requests, worlds, agents, messages',
      },
    },
  ],
  commands: [chatCommand, feedbackCommand],
  pushes: [
    pushHandler({
      event: 'chat.request',
      label: 'chat request',
      describe: (d) => describeRequest(d),
    }),
    pushHandler({
      event: 'chat.request_updated',
      label: 'chat request update',
      describe: (d, _f, ctx) => describeRequestUpdate(d, ctx.selfId),
      classify: classifyRequestUpdate,
    }),
    pushHandler({
      event: 'conversation.turn',
      label: 'chat turn',
      describe: (d, _f, ctx) => describeTurn(d, ctx.selfId),
    }),
    pushHandler({
      event: 'conversation.hand_raised',
      label: 'raised hand',
      describe: (d, _f, ctx) => describeHandRaised(d, ctx.selfId),
    }),
    pushHandler({
      event: 'conversation.ended',
      label: 'ended chat',
      describe: (d, _f, ctx) => describeEnded(d, ctx.selfId),
    }),
  ],
};
