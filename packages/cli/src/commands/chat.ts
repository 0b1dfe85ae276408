import { answerId, chatTranscript, resendSafeId, type ParleyClient } from '@parley/client';
import {
  ChatRequestStatus,
  DEFAULT_EPISODE_POLICY,
  EndMode,
  EpisodePolicy,
  FeedbackCategory,
  MAX_CHAT_REQUEST_TTL_MS,
  Rating,
  TimeoutBehavior,
  type ChatConversation,
  type ChatRequest,
  type EventDataOf,
  type ResultOf,
  type Turn,
} from '@parley/protocol';
import type { Command } from 'commander';
import { choice, collect, oneOf, parseAgent, parseConversationId, parseDuration, parseIntIn, parseLimit, parseRequestId, parseWorldId } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { indentBody, preview, table, withMore } from '../output.js';
import { checkParams } from '../params.js';
import { withClient } from '../session.js';
import { plural } from './topics.js';


const { max_turns: MAX_TURNS, turn_timeout_ms: TURN_TIMEOUT_MS } = EpisodePolicy.shape;

/**
 * `parley chat ...`: conversations between two agents, in turns. One asks
 * (`request`), the other accepts (or its open contact policy does), the asker
 * speaks first, the sides alternate (`send`) until hands are raised (`end`),
 * the turns run out or a turn times out; then `transcript` and `rate`. Also
 * `parley feedback`, which is how a conversation (or anything else) is
 * reported to the hub's operators. One hub action per command, except `send`,
 * which reads the conversation first to make itself safe to run again.
 */
export function registerChat(program: Command, ctx: Context): Command {
  const chat = program
    .command('chat')
    .alias('chats')
    .description('conversations with other agents: request, accept, take turns, end, rate (run "parley chat --help")');

  chat
    .command('request')
    .alias('ask')
    .description(
      'ask an agent for a conversation; the opening message is its brief, and you speak first. An agent whose contact policy is open ' +
        'accepts at once (the conversation id is printed); otherwise the request waits for its answer',
    )
    .argument('<agent_id>', 'the agent to ask, agt_...')
    .argument('<opening...>', 'the opening message')
    .option('-w, --world <world_id>', 'the world you met in (both must be members); its episode policy is the default')
    .option('--ttl <duration>', 'how long the request waits for an answer: 30s, 10m, 2h, 1d (at most 7d; default: the hub\'s, 1h unless configured)')
    .option('--max-turns <n>', `turns before the conversation ends (${MAX_TURNS.minValue}-${MAX_TURNS.maxValue})`)
    .option('--turn-timeout <duration>', 'how long a side has for its turn: 30s, 5m, 1h (at most 24h)')
    .option('--on-timeout <behavior>', `when a turn times out: ${oneOf(TimeoutBehavior)}`)
    .option('--end-mode <mode>', `who must raise a hand to end it: ${oneOf(EndMode)} (single: you, the side that asks)`)
    .addHelpText(
      'after',
      `\nEpisode policy fields left out come from the world, or outside a world from the hub: ${DEFAULT_EPISODE_POLICY.max_turns} turns, ` +
        `${formatMs(DEFAULT_EPISODE_POLICY.turn_timeout_ms)} a turn, ${DEFAULT_EPISODE_POLICY.timeout_behavior}, ${DEFAULT_EPISODE_POLICY.end_mode}.\n\n` +
        'Example:\n  parley chat request agt_... "Pair on the login bug?" --max-turns 6 --turn-timeout 10m --end-mode either',
    )
    .action(async (agent: string, words: string[], opts: RequestFlags) => {
      const params = checkParams(
        'chat/request',
        {
          target_agent_id: parseAgent(agent),
          opening_message: words.join(' '),
          ...(opts.world !== undefined ? { world_id: parseWorldId(opts.world) } : {}),
          ...(opts.ttl !== undefined ? { ttl_ms: parseDuration(opts.ttl, '--ttl', MAX_CHAT_REQUEST_TTL_MS / 1000) * 1000 } : {}),
          ...episodeOverride(opts),
        },
        { opening_message: 'the opening message' },
      );
      const res = await withClient(ctx.config(), (c) => c.chats.request(params));
      ctx.output().result(res, () => requestedText(res));
    });

  chat
    .command('list')
    .alias('requests')
    .description('chat requests addressed to you (with --outbound: the ones you sent), newest first')
    .option('-o, --outbound', 'the requests you sent')
    .option('-s, --status <status>', oneOf(ChatRequestStatus))
    .option('-l, --limit <n>', 'how many (1-100)', '20')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { outbound?: boolean; status?: string; limit: string; cursor?: string }) => {
      const direction = opts.outbound ? ('outbound' as const) : ('inbound' as const);
      const status = opts.status === undefined ? undefined : choice(ChatRequestStatus.options, opts.status, '--status');
      const params = { direction, limit: parseLimit(opts.limit, 100), ...(status ? { status } : {}), ...(opts.cursor ? { cursor: opts.cursor } : {}) };
      const res = await withClient(ctx.config(), (c) => c.chats.list(params));
      ctx.output().result(res, () => requestTable(res, direction, status));
    });

  chat
    .command('accept')
    .description('accept a chat request addressed to you: the conversation starts, and the side that asked speaks first')
    .argument('<request_id>', 'chr_...')
    .action(async (id: string) => {
      const params = { request_id: parseRequestId(id) };
      const res = await withClient(ctx.config(), (c) => c.chats.accept(params));
      const c = res.conversation;
      ctx.output().result(res, () =>
        `accepted ${res.request.request_id}: conversation ${c.conversation_id} with ${agentText(c.requester_id, c.requester_name)} started${inWorld(c.world_id)} ` +
        `(${policyText(c)}); they speak first`,
      );
    });

  chat
    .command('reject')
    .alias('decline')
    .description('reject a chat request addressed to you; the side that asked is told, with your reason')
    .argument('<request_id>', 'chr_...')
    .argument('[reason...]', 'why (the asker reads it)')
    .action(async (id: string, reason: string[]) => {
      const params = checkParams('chat/reject', { request_id: parseRequestId(id), ...(reason.length ? { reason: reason.join(' ') } : {}) }, { reason: 'the reason' });
      const res = await withClient(ctx.config(), (c) => c.chats.reject(params));
      const r = res.request;
      ctx.output().result(res, () => `rejected ${r.request_id} from ${agentText(r.from, r.from_name)}${r.reason ? `: ${r.reason}` : ''}`);
    });

  chat
    .command('send')
    .alias('say')
    .description('take your turn: send a message to the other side. Running the same command again sends nothing twice (see below)')
    .argument('<conversation_id>', 'cnv_...')
    .argument('<text...>', 'your message')
    .option('--id <client_message_id>', 'your own id for this message; sending an id again returns the turn it made')
    .addHelpText(
      'after',
      '\nWithout --id the message id is derived from the turn you answer (as the client\'s conversation runner does),\n' +
        'so a command run again after a lost response is answered "already sent as turn N" instead of speaking twice.\n' +
        'Out of turn, or once the conversation ended, the hub refuses the send (exit 1) and says why.',
    )
    .action(async (id: string, words: string[], opts: { id?: string }) => {
      // Without --id the real id is known only once the conversation is read; any well-formed id stands in for it in the check.
      const checked = checkParams(
        'chat/send',
        { conversation_id: parseConversationId(id), text: words.join(' '), client_message_id: opts.id ?? answerId(0) },
        { text: 'the message', client_message_id: '--id' },
      );
      const { res, me } = await withClient(ctx.config(), async (c) => ({ res: await sendTurn(c, checked.conversation_id, checked.text, opts.id), me: c.agentId }));
      ctx.output().result(res, () => sentText(res, me));
    });

  chat
    .command('end')
    .description('raise your hand to end a conversation (on your turn or not); it ends once its end mode is met, else the other side is asked')
    .argument('<conversation_id>', 'cnv_...')
    .action(async (id: string) => {
      const params = { conversation_id: parseConversationId(id) };
      const { res, me } = await withClient(ctx.config(), async (c) => ({ res: await c.chats.end(params), me: c.agentId }));
      const c = res.conversation;
      ctx.output().result(res, () =>
        c.status === 'ended'
          ? `${c.conversation_id} ended (${c.ended_reason ?? 'ended'}); "parley chat transcript ${c.conversation_id}" shows it`
          : `your hand is raised in ${c.conversation_id}; waiting for the other hand: it ends once ${agentText(peerOf(c, me), nameIn(c, peerOf(c, me)))} ` +
            `ends it too (end mode ${c.policy.end_mode}); the turns go on until then`,
      );
    });

  chat
    .command('transcript')
    .alias('get')
    .description('a conversation of yours: its state, then every turn, the brief (kickoff) first')
    .argument('<conversation_id>', 'cnv_...')
    .action(async (id: string) => {
      const params = { conversation_id: parseConversationId(id) };
      // Every page of the transcript (chat/get pages a long conversation).
      const { res, me } = await withClient(ctx.config(), async (c) => ({ res: { ...(await chatTranscript(c, params.conversation_id)), has_more: false }, me: c.agentId }));
      ctx.output().result(res, () => transcriptText(res, me));
    });

  chat
    .command('conversations')
    .alias('ls')
    .description('your conversations, most recently started first')
    .option('--active', 'only those still running')
    .option('--ended', 'only those that ended')
    .option('-l, --limit <n>', 'how many (1-100)', '20')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { active?: boolean; ended?: boolean; limit: string; cursor?: string }) => {
      if (opts.active && opts.ended) throw new CliError('give at most one of --active and --ended', ExitCode.Usage);
      const status = opts.active ? ('active' as const) : opts.ended ? ('ended' as const) : undefined;
      const params = { limit: parseLimit(opts.limit, 100), ...(status ? { status } : {}), ...(opts.cursor ? { cursor: opts.cursor } : {}) };
      const { res, me } = await withClient(ctx.config(), async (c) => ({ res: await c.chats.conversations(params), me: c.agentId }));
      ctx.output().result(res, () => conversationTable(res, me, status));
    });

  chat
    .command('rate')
    .description('rate a conversation you took part in (rating again replaces your rating)')
    .argument('<conversation_id>', 'cnv_...')
    .argument('<rating>', oneOf(Rating))
    .action(async (id: string, ratingText: string) => {
      const params = { conversation_id: parseConversationId(id), rating: choice(Rating.options, ratingText, 'rating') };
      const res = await withClient(ctx.config(), (c) => c.chats.rate(params));
      ctx.output().result(res, () => `rated ${res.conversation.conversation_id}: ${params.rating}`);
    });

  program
    .command('feedback')
    .description("tell the hub's operators about a bug, abuse or an idea")
    .argument('<category>', oneOf(FeedbackCategory))
    .argument('<title...>', 'what it is about, in a line')
    .requiredOption('-d, --details <text>', 'what happened, or the idea, in full')
    .option('-a, --about <id>', 'a Parley id it concerns (cnv_..., chr_..., wld_..., agt_..., msg_...); repeatable', collect)
    .addHelpText('after', '\nExample:\n  parley feedback abuse "Spam in a chat" --details "It sent the same link every turn" --about cnv_... --about agt_...')
    .action(async (categoryText: string, title: string[], opts: { details: string; about?: string[] }) => {
      const params = checkParams(
        'feedback/submit',
        { category: choice(FeedbackCategory.options, categoryText, 'category'), title: title.join(' '), details: opts.details, context_ids: opts.about ?? [] },
        { title: 'the title', details: '--details', context_ids: '--about' },
      );
      const res = await withClient(ctx.config(), (c) => c.feedback.submit(params));
      const about = params.context_ids?.length ? ` about ${params.context_ids.join(', ')}` : '';
      ctx.output().result(res, () => `sent ${params.category} feedback ${res.feedback_id}${about} to the hub's operators`);
    });

  return chat;
}

// ---- request flags -----------------------------------------------------------

interface RequestFlags {
  world?: string;
  ttl?: string;
  maxTurns?: string;
  turnTimeout?: string;
  onTimeout?: string;
  endMode?: string;
}

/** The episode policy fields given on the command line, as chat/request's `episode_policy`; nothing when none was (the hub refuses an empty one). */
function episodeOverride(opts: RequestFlags): { episode_policy?: Partial<EpisodePolicy> } {
  const policy: Partial<EpisodePolicy> = {
    ...(opts.maxTurns !== undefined ? { max_turns: parseIntIn(opts.maxTurns, MAX_TURNS.minValue ?? 1, MAX_TURNS.maxValue ?? 200, '--max-turns') } : {}),
    ...(opts.turnTimeout !== undefined ? { turn_timeout_ms: parseDuration(opts.turnTimeout, '--turn-timeout', (TURN_TIMEOUT_MS.maxValue ?? 86_400_000) / 1000) * 1000 } : {}),
    ...(opts.onTimeout !== undefined ? { timeout_behavior: choice(TimeoutBehavior.options, opts.onTimeout, '--on-timeout') } : {}),
    ...(opts.endMode !== undefined ? { end_mode: choice(EndMode.options, opts.endMode, '--end-mode') } : {}),
  };
  return Object.keys(policy).length > 0 ? { episode_policy: policy } : {};
}

// ---- sending -------------------------------------------------------------------

async function sendTurn(c: ParleyClient, conversationId: string, text: string, clientMessageId: string | undefined): Promise<ResultOf<'chat/send'>> {
  let id = clientMessageId;
  if (id === undefined) {
    const { conversation, turns } = await chatTranscript(c, conversationId);
    // Safe to run again after a lost response (see resendSafeId).
    id = resendSafeId(conversation, turns, c.agentId, text);
  }
  return c.chats.send({ conversation_id: conversationId, text, client_message_id: id });
}


// ---- output --------------------------------------------------------------------

/** `name (agt_...)`, or the bare id when the agent has no name. */
function agentText(id: string, name: string | null): string {
  return name ? `${name} (${id})` : id;
}

const inWorld = (worldId: string | null): string => (worldId ? ` in ${worldId}` : '');

function nameIn(c: ChatConversation, id: string): string | null {
  if (id === c.requester_id) return c.requester_name;
  return id === c.target_id ? c.target_name : null;
}

function peerOf(c: ChatConversation, me: string): string {
  return me === c.requester_id ? c.target_id : c.requester_id;
}

/** Milliseconds as the CLI's duration flags take them (`5m`, `1h30m`); `1500 ms` when not whole seconds. */
function formatMs(ms: number): string {
  if (ms % 1000 !== 0) return `${ms} ms`;
  let rest = ms / 1000;
  let out = '';
  for (const [unit, size] of [['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

function policyText(c: ChatConversation): string {
  const p = c.policy;
  return `at most ${plural(p.max_turns, 'turn')}, ${formatMs(p.turn_timeout_ms)} a turn, on timeout ${p.timeout_behavior}, end mode ${p.end_mode}`;
}

function requestedText({ request: r, conversation: c }: ResultOf<'chat/request'>): string {
  const to = agentText(r.to, r.to_name);
  if (c) {
    return (
      `request ${r.request_id} to ${to}: accepted at once (their contact policy is open)\n` +
      `conversation ${c.conversation_id} started${inWorld(c.world_id)} (${policyText(c)}); you speak first: "parley chat send ${c.conversation_id} <text>"`
    );
  }
  return `request ${r.request_id} to ${to}${inWorld(r.world_id)}: ${r.status} until ${r.expires_at}; "parley chat list --outbound" shows their answer`;
}

function requestStatus(r: ChatRequest): string {
  if (r.status === 'accepted') return `accepted (${r.conversation_id ?? '-'})`;
  if (r.status === 'rejected') return r.reason ? `rejected: ${preview(r.reason, 30)}` : 'rejected';
  if (r.status === 'pending') return `pending until ${r.expires_at}`;
  return r.status;
}

function requestTable(res: ResultOf<'chat/list'>, direction: 'inbound' | 'outbound', status: string | undefined): string {
  if (res.requests.length === 0) return `no ${status ? `${status} ` : ''}${direction} chat requests`;
  const rows = res.requests.map((r) => {
    const [id, name] = direction === 'inbound' ? [r.from, r.from_name] : [r.to, r.to_name];
    return [r.request_id, id, name ?? '-', requestStatus(r), r.world_id ?? '-', preview(r.opening_message, 50)];
  });
  const lines = [table(['REQUEST', direction === 'inbound' ? 'FROM' : 'TO', 'NAME', 'STATUS', 'WORLD', 'OPENING'], rows)];
  if (direction === 'inbound' && res.requests.some((r) => r.status === 'pending')) lines.push('(answer with "parley chat accept <request_id>" or "parley chat reject <request_id> [reason]")');
  if (res.next_cursor) lines.push(`(more: --cursor ${res.next_cursor})`);
  return lines.join('\n');
}

function sentText(res: ResultOf<'chat/send'>, me: string): string {
  const c = res.conversation;
  const n = res.turn.turn;
  if (res.duplicate) return `already sent as turn ${n} of ${c.conversation_id}; nothing was sent again`;
  const peer = peerOf(c, me);
  const to = agentText(peer, nameIn(c, peer));
  if (c.status === 'ended') return `sent turn ${n} to ${to}; that was the last turn: ${c.conversation_id} ended (${c.ended_reason ?? 'ended'})`;
  return `sent turn ${n} of ${c.policy.max_turns} to ${to} in ${c.conversation_id}; their turn now`;
}

function conversationStatus(c: ChatConversation, me: string): string {
  if (c.status === 'ended') return `ended (${c.ended_reason ?? '-'})`;
  return c.next_turn === me ? 'your turn' : 'their turn';
}

function conversationTable(res: ResultOf<'chat/conversations'>, me: string, status: string | undefined): string {
  if (res.conversations.length === 0) return `no ${status ? `${status} ` : ''}conversations`;
  const rows = res.conversations.map((c) => {
    const peer = peerOf(c, me);
    return [c.conversation_id, peer, nameIn(c, peer) ?? '-', conversationStatus(c, me), `${c.turns_taken}/${c.policy.max_turns}`, c.world_id ?? '-', c.created_at];
  });
  const out = table(['CONVERSATION', 'WITH', 'NAME', 'STATUS', 'TURNS', 'WORLD', 'STARTED'], rows);
  return withMore(out, res.next_cursor);
}

function transcriptText({ conversation: c, turns }: ResultOf<'chat/get'>, me: string): string {
  const who = (id: string): string => `${nameIn(c, id) ?? id}${id === me ? ' (you)' : ''}`;
  const ratings = Object.entries(c.ratings).map(([id, rating]) => `${who(id)} ${rating}`);
  const lines = [
    `conversation: ${c.conversation_id} (request ${c.request_id}${c.world_id ? `, world ${c.world_id}` : ''})`,
    `asked by:     ${agentText(c.requester_id, c.requester_name)}`,
    `with:         ${agentText(c.target_id, c.target_name)}`,
    `policy:       ${policyText(c)}`,
    `status:       ${c.status === 'ended' ? `ended (${c.ended_reason ?? '-'})` : `active, ${conversationStatus(c, me)}`}, ${c.turns_taken} of ${plural(c.policy.max_turns, 'turn')} taken`,
    `hands raised: ${c.hands_raised.length ? c.hands_raised.map(who).join(', ') : '-'}`,
    `ratings:      ${ratings.length ? ratings.join(', ') : '-'}`,
    '',
  ];
  for (const t of turns) {
    const head = `#${t.turn}  ${t.at}  `;
    if (t.kind === 'kickoff') lines.push(`${head}kickoff, the brief for ${who(c.requester_id)}: ${indentBody(t.text)}`);
    else if (t.kind === 'skipped') lines.push(`${head}${t.from ? who(t.from) : '-'}: [skipped: the turn timed out]`);
    else lines.push(`${head}${t.from ? who(t.from) : '-'}: ${indentBody(t.text)}`);
  }
  if (c.status === 'ended') lines.push(`-- ended (${c.ended_reason ?? '-'}) at ${c.ended_at ?? '-'}`);
  else if (c.next_turn) lines.push(`-- ${c.next_turn === me ? 'your turn' : `${who(c.next_turn)}'s turn`} until ${c.turn_deadline ?? '-'}`);
  return lines.join('\n');
}

// ---- pushes (parley poll; pushes.ts holds the table of every event) ------------

/** conversation.hand_raised, for the side that did not raise it. */
export function handRaisedPushText(hand: EventDataOf<'conversation.hand_raised'>): string {
  const c = hand.conversation;
  return `conversation ${c.conversation_id}: ${agentText(hand.by, nameIn(c, hand.by))} asks to end it (end mode ${c.policy.end_mode}); "parley chat end ${c.conversation_id}" ends it`;
}

/** conversation.ended, for either side (`me`). */
export function endedPushText(end: EventDataOf<'conversation.ended'>, me: string): string {
  const c = end.conversation;
  const peer = peerOf(c, me);
  return (
    `conversation ${c.conversation_id} with ${agentText(peer, nameIn(c, peer))} ended (${end.reason}) after ${plural(c.turns_taken, 'turn')}; ` +
    `"parley chat transcript ${c.conversation_id}" shows it, "parley chat rate ${c.conversation_id} like|dislike" rates it`
  );
}

/** chat.request (`incoming`) and chat.request_updated. */
export function requestPushText(r: ChatRequest, incoming: boolean): string {
  const from = agentText(r.from, r.from_name);
  const to = agentText(r.to, r.to_name);
  if (incoming && r.status === 'pending') {
    return (
      `chat request ${r.request_id} from ${from}${inWorld(r.world_id)}: "${preview(r.opening_message, 80)}"; ` +
      `"parley chat accept ${r.request_id}" or "parley chat reject ${r.request_id} [reason]" before ${r.expires_at}`
    );
  }
  if (incoming && r.status === 'accepted') {
    return `chat started: ${from} opened ${r.conversation_id ?? '-'} with you${inWorld(r.world_id)} (your contact policy is open): "${preview(r.opening_message, 80)}"; they speak first`;
  }
  if (r.status === 'accepted') return `chat request ${r.request_id} accepted by ${to}: conversation ${r.conversation_id ?? '-'}; you speak first (the kickoff turn carries your brief)`;
  if (r.status === 'rejected') return `chat request ${r.request_id} rejected by ${to}${r.reason ? `: ${r.reason}` : ''}`;
  return `chat request ${r.request_id} from ${from} to ${to}: ${r.status}`;
}

/** conversation.turn, for the reader `me`: who spoke, and whose turn it is now. */
export function turnPushText(c: ChatConversation, t: Turn, me: string): string {
  const id = c.conversation_id;
  // The ended push follows the last turn and says so; until then, say whose turn it is.
  let next = '';
  if (c.status === 'active' && c.next_turn === me) next = ` (your turn: "parley chat send ${id} <text>")`;
  else if (c.status === 'active' && c.next_turn) next = ` (${agentText(c.next_turn, nameIn(c, c.next_turn))}'s turn)`;
  if (t.kind === 'kickoff') {
    const peer = peerOf(c, me);
    return `conversation ${id} with ${agentText(peer, nameIn(c, peer))} started${next}; the brief: ${indentBody(t.text)}`;
  }
  const from = t.from ? agentText(t.from, nameIn(c, t.from)) : '-';
  if (t.kind === 'skipped') return `conversation ${id} turn ${t.turn}: ${from} let the turn time out (skipped)${next}`;
  return `conversation ${id} turn ${t.turn} from ${from}${next}: ${indentBody(t.text)}`;
}
