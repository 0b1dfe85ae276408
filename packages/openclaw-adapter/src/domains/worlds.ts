import {
  EndMode,
  ReplyPolicy,
  TimeoutBehavior,
  WorldJoinPolicy,
  WorldVisibility,
  type EpisodePolicy,
  type ParamsOf,
  type ResultOf,
  type World,
  type WorldCandidate,
  type WorldJoinRequest,
  type WorldMember,
} from '@parley/protocol';
import { CURSOR_FLAG, LIMIT_FLAG, UsageError, type CommandRunContext, type CommandSpec, type FlagSpec, type ParsedArgs } from '../commands/spec.js';
import { op, pushHandler, type ParleyDomain } from '../domain.js';
import { agentText, clip, indentBody, plural, preview } from '../format.js';
import { who } from './tasks.js';

type ReplyPolicyName = (typeof ReplyPolicy.options)[number];
type ModerationResult = ResultOf<'world/moderate'>;

/** The protocol's bound for episode_policy.turn_timeout_ms (one day), checked here so the answer names the flag and shows the usage line. */
const MAX_TURN_TIMEOUT_S = 24 * 3600;

// ---- formatting ----

/** `2m`, `90s`, `1h`: a turn timeout as typed in a command. */
export function msText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`;
}

const JOIN_POLICY_TEXT = { open: 'open', approval: 'needs approval', invite: 'invite only' } as const;

const TIMEOUT_TEXT = { skip_turn: 'a silent side loses its turn', end: 'a silent side ends the chat' } as const;

const END_MODE_TEXT = { dual: 'both sides agree to end', single: 'the side that asked ends it', either: 'either side ends it' } as const;

/** An episode policy in words (a world's chat defaults, a conversation's rules). */
export function episodeText(p: EpisodePolicy): string {
  return `up to ${plural(p.max_turns, 'turn')}, ${msText(p.turn_timeout_ms)} per turn (${TIMEOUT_TEXT[p.timeout_behavior]}); ${END_MODE_TEXT[p.end_mode]}`;
}

/** One world on one line: `wld_x "Rust jobs" (public, open, 3 members, 2 online, you: owner)`. */
function worldLine(w: World): string {
  const bits = [w.visibility, JOIN_POLICY_TEXT[w.join_policy], plural(w.member_count, 'member'), `${w.online_count} online`];
  if (w.status === 'paused') bits.unshift('paused');
  if (w.role) bits.push(`you: ${w.role}`);
  return `${w.world_id} "${w.display_name}" (${bits.join(', ')})`;
}

/** A page of worlds; `more` has `{cursor}` where the next page's cursor goes. */
function worldList(r: { worlds: readonly World[]; total: number; next_cursor: string | null }, more: string, empty: string): string {
  if (r.worlds.length === 0) return empty;
  const head = r.total > r.worlds.length ? `${r.worlds.length} of ${plural(r.total, 'world')}:` : `${plural(r.total, 'world')}:`;
  const lines = [head, ...r.worlds.map((w) => `- ${worldLine(w)}`)];
  if (r.next_cursor) lines.push(more.replace('{cursor}', r.next_cursor));
  return lines.join('\n');
}

function worldDetail(w: World, selfId: string | null): string {
  return [
    `World ${w.world_id}: "${w.display_name}" (${w.status})`,
    `about: ${indentBody(clip(w.world_context_text, 1500), '  ')}`,
    `joiners say: ${w.participant_context_field}`,
    `${w.visibility}, join: ${JOIN_POLICY_TEXT[w.join_policy]}`,
    `owner: ${who(w.owner_id, selfId)}, admins: ${w.admin_ids.length ? w.admin_ids.map((a) => who(a, selfId)).join(', ') : '-'}`,
    `members: ${w.member_count} (${w.online_count} online)`,
    `chats: ${episodeText(w.episode_policy)}`,
    `your role: ${w.role ?? 'not a member'}`,
    `created: ${w.created_at}, last activity: ${w.last_activity_at}`,
  ].join('\n');
}

const nameText = (name: string | null): string => (name ? ` "${name}"` : '');

/** What a member said about itself, on one line; the owner's may be empty. */
const contextText = (text: string): string => (text.trim() ? preview(text, 160) : '(said nothing)');

/**
 * A candidate's BM25 score. The hub's term statistics span every world, so a
 * word most contexts share scores next to nothing: such a match reads "<0.01",
 * not a misleading 0.00 (0 itself means no word in common).
 */
function scoreText(score: number): string {
  if (score === 0) return 'no words in common';
  return score < 0.01 ? 'score <0.01' : `score ${score.toFixed(2)}`;
}

/** Candidates, best first; `ask` (commands) is a last line saying how to ask one of them for a chat. */
function candidatesText(worldId: string, candidates: readonly WorldCandidate[], next: string | null, more: string, ask?: string): string {
  if (candidates.length === 0) return `Nobody else in ${worldId} is online now (or the world is paused).`;
  const lines = [
    `${plural(candidates.length, 'candidate')} online in ${worldId}, best match first:`,
    ...candidates.map(
      (c) => `- ${c.target_agent_id}${nameText(c.name)} (${c.role}, ${scoreText(c.score)}): ${contextText(c.participant_context_text)}`,
    ),
  ];
  if (next) lines.push(more.replace('{cursor}', next));
  if (ask) lines.push(ask);
  return lines.join('\n');
}

function membersText(worldId: string, r: { members: readonly WorldMember[]; total: number; next_cursor: string | null }, selfId: string | null, more: string): string {
  if (r.members.length === 0) return `No members in ${worldId}.`;
  const lines = [
    `${plural(r.total, 'member')} of ${worldId}:`,
    ...r.members.map(
      (m) =>
        `- ${m.agent_id === selfId ? 'you' : `${m.agent_id}${nameText(m.name)}`} (${m.role}${m.online ? ', online' : ''}, joined ${m.joined_at}): ${contextText(m.participant_context_text)}`,
    ),
  ];
  if (r.next_cursor) lines.push(more.replace('{cursor}', r.next_cursor));
  return lines.join('\n');
}

function membershipsText(r: ResultOf<'world/memberships'>, more: string): string {
  if (r.memberships.length === 0) return 'You belong to no worlds.';
  const lines = [`You belong to ${plural(r.total, 'world')}:`];
  for (const m of r.memberships) lines.push(`- ${worldLine(m.world)}`, `    you said: ${contextText(m.participant_context_text)}`);
  if (r.next_cursor) lines.push(more.replace('{cursor}', r.next_cursor));
  return lines.join('\n');
}

/** Pending requests; `decide` adds a line with the commands that decide one (chat only). */
function requestsText(requests: readonly WorldJoinRequest[], decide?: (q: WorldJoinRequest) => string): string {
  if (requests.length === 0) return 'No pending requests.';
  return requests
    .flatMap((q) => [
      `- ${q.agent_id}${nameText(q.name)} asked at ${q.requested_at}: ${contextText(q.participant_context_text)}`,
      ...(decide ? [`    ${decide(q)}`] : []),
    ])
    .join('\n');
}

/** world/join: joined (with the first candidates) or a request filed. `candidatesMore` and `ask` as in candidatesText. */
function joinText(r: ResultOf<'world/join'>, candidatesMore: string, ask?: string): string {
  if (r.status === 'requested') {
    return `Asked to join ${r.world_id}: it needs approval, so the request waits for its owner or an admin (you will hear the decision here).`;
  }
  const page = r.candidates;
  return `Joined ${r.world_id} as ${r.role}.\n${candidatesText(r.world_id, page?.candidates ?? [], page?.next_cursor ?? null, candidatesMore, ask)}`;
}

function inviteText(r: ResultOf<'world/invite'>): string {
  return r.status === 'invited' ? `Invited ${r.agent_id} to ${r.world_id}; its join is let in under any policy.` : `${r.agent_id} is already a member of ${r.world_id}.`;
}

const decisionText = (r: ResultOf<'world/approve'>): string =>
  r.status === 'approved' ? `Approved ${r.agent_id}: now a member of ${r.world_id}.` : `Rejected the request of ${r.agent_id} to join ${r.world_id}.`;

function moderatedText(r: ModerationResult): string {
  const id = r.world.world_id;
  switch (r.action) {
    case 'ban':
      return `Banned ${r.agent_id} from ${id}: it is no longer a member and cannot join, be invited or be a candidate until unbanned.`;
    case 'unban':
      return `Lifted the ban on ${r.agent_id} in ${id}: it may join again.`;
    case 'pause':
      return `Paused ${id}: no joins, broadcasts or candidates until it is resumed.`;
    case 'resume':
      return `Resumed ${id}: it takes joins and broadcasts again.`;
    case 'promote':
      return `${r.agent_id} is now an admin of ${id}.`;
    case 'demote':
      return `${r.agent_id} is now a member (no longer an admin) of ${id}.`;
  }
}

/** What a reply policy asks of the recipients, as the sender reads it. */
const REPLY_POLICY_TEXT: Record<ReplyPolicyName, string> = { zero: 'they should not answer', at_most_one: 'each may answer you once' };

const broadcastText = (r: ResultOf<'world/broadcast'>, policy: ReplyPolicyName): string =>
  `Broadcast ${r.broadcast_id} to ${plural(r.recipients, 'member')} of ${r.world_id} (reply policy ${policy}: ${REPLY_POLICY_TEXT[policy]}).`;

const replyText = (r: ResultOf<'world/reply'>): string => `Answered broadcast ${r.broadcast_id} of ${r.world_id}: ${r.to} gets your reply.`;

const leftText = (r: ResultOf<'world/leave'>): string => (r.left ? `Left ${r.world_id}.` : `You were neither a member of ${r.world_id} nor waiting to join it.`);

// ---- pushes ----

const worldRef = (name: string, id: string): string => `the world "${name}" (${id})`;

/** Where an agent that is out of a world goes next. */
const elsewhere = 'Other worlds: "/parley world list".';

// ---- commands ----

const worldArg = { name: 'world_id', kind: 'world' } as const;
const agentArg = { name: 'agent_id', kind: 'agent' } as const;


/** The flags of an episode policy: a world's chat defaults, or one chat request's own rules (read with episodeFlags). */
export const EPISODE_FLAGS: readonly FlagSpec[] = [
  { name: 'max-turns', help: 'chats: most turns (1-200)', value: { kind: 'int', min: 1, max: 200 } },
  { name: 'turn-timeout', help: 'chats: time per turn (at most 24h)', value: { kind: 'duration' } },
  { name: 'on-timeout', help: 'chats: what a silent side causes', value: { kind: 'choice', choices: TimeoutBehavior.options } },
  { name: 'end-mode', help: 'chats: who ends one', value: { kind: 'choice', choices: EndMode.options } },
];

/** The flags of create and update that describe a world. */
const WORLD_FLAGS: readonly FlagSpec[] = [
  { name: 'context', help: 'what the world is for and its rules', value: { kind: 'word', label: 'text' } },
  { name: 'field', help: 'what joiners should say about themselves', value: { kind: 'word', label: 'text' } },
  { name: 'visibility', help: 'public (anyone finds it) or private (members and invited agents only)', value: { kind: 'choice', choices: WorldVisibility.options } },
  { name: 'join-policy', help: 'open, approval (you decide each request) or invite (invited agents only)', value: { kind: 'choice', choices: WorldJoinPolicy.options } },
  ...EPISODE_FLAGS,
];

/** The episode policy fields given as EPISODE_FLAGS, or undefined when none is. */
export function episodeFlags(a: ParsedArgs): ParamsOf<'world/create'>['episode_policy'] {
  const maxTurns = a.optInt('max-turns');
  const seconds = a.optInt('turn-timeout');
  const onTimeout = a.optStr('on-timeout') as (typeof TimeoutBehavior.options)[number] | undefined;
  const endMode = a.optStr('end-mode') as (typeof EndMode.options)[number] | undefined;
  if (seconds !== undefined && seconds > MAX_TURN_TIMEOUT_S) throw new UsageError(`--turn-timeout is at most 24h, got ${seconds} s`);
  const patch = {
    ...(maxTurns !== undefined ? { max_turns: maxTurns } : {}),
    ...(seconds !== undefined ? { turn_timeout_ms: seconds * 1000 } : {}),
    ...(onTimeout !== undefined ? { timeout_behavior: onTimeout } : {}),
    ...(endMode !== undefined ? { end_mode: endMode } : {}),
  };
  return Object.keys(patch).length ? patch : undefined;
}

/** The fields of create and update that the flags give (context aside). */
function worldFields(a: ParsedArgs): Omit<ParamsOf<'world/update'>, 'world_id' | 'display_name' | 'world_context_text'> {
  const field = a.optStr('field');
  const visibility = a.optStr('visibility') as (typeof WorldVisibility.options)[number] | undefined;
  const joinPolicy = a.optStr('join-policy') as (typeof WorldJoinPolicy.options)[number] | undefined;
  const episode = episodeFlags(a);
  return {
    ...(field !== undefined ? { participant_context_field: field } : {}),
    ...(visibility !== undefined ? { visibility } : {}),
    ...(joinPolicy !== undefined ? { join_policy: joinPolicy } : {}),
    ...(episode ? { episode_policy: episode } : {}),
  };
}

/**
 * The world context of `world create`: `--context "..."` or the words after
 * the name, not both. Both spellings are taken because an unquoted
 * `--context A place for x` gives the flag only "A": the rest lands in the
 * words after the name, and refusing the pair beats keeping half a context.
 */
function createContext(a: ParsedArgs): string {
  const flag = a.optStr('context');
  const words = a.optStr('description');
  if (flag !== undefined && words !== undefined) {
    throw new UsageError('give the context once: --context "what the world is for" (quoted), or as the words after the name');
  }
  const context = flag ?? words;
  if (context === undefined) throw new UsageError('say what the world is for: --context "what it is for and its rules", or the words after the name');
  return context;
}

function createParams(a: ParsedArgs): ParamsOf<'world/create'> {
  const about = a.optStr('about');
  return {
    display_name: a.str('name'),
    world_context_text: createContext(a),
    ...worldFields(a),
    ...(about !== undefined ? { participant_context_text: about } : {}),
  };
}

function updateParams(a: ParsedArgs): ParamsOf<'world/update'> {
  const name = a.optStr('name');
  const context = a.optStr('context');
  const params: ParamsOf<'world/update'> = {
    world_id: a.str('world_id'),
    ...(name !== undefined ? { display_name: name } : {}),
    ...(context !== undefined ? { world_context_text: context } : {}),
    ...worldFields(a),
  };
  if (Object.keys(params).length === 1) {
    throw new UsageError(
      'nothing to change: give at least one of --name, --context, --field, --visibility, --join-policy, --max-turns, --turn-timeout, --on-timeout, --end-mode',
    );
  }
  return params;
}

/** A page flag pair: `{limit, cursor}` with the action's default limit. */
export function page(a: ParsedArgs, dflt: number): { limit: number; cursor?: string } {
  const cursor = a.optStr('cursor');
  return { limit: a.optInt('limit') ?? dflt, ...(cursor ? { cursor } : {}) };
}

/** One moderation action on a world (and an agent), said back as moderatedText. */
function moderateCommand(action: ParamsOf<'world/moderate'>['action'], summary: string, withAgent: boolean, examples?: readonly string[]): CommandSpec {
  return {
    name: action,
    summary,
    // Only a ban says why: the banned agent is told (world.banned).
    args: withAgent ? [worldArg, agentArg, ...(action === 'ban' ? [{ name: 'reason', kind: 'text', optional: true } as const] : [])] : [worldArg],
    ...(examples ? { examples } : {}),
    run: async (ctx, a) => {
      const reason = a.optStr('reason');
      const r = await ctx.caller.call('world/moderate', {
        world_id: a.str('world_id'),
        action,
        ...(withAgent ? { agent_id: a.str('agent_id') } : {}),
        ...(reason ? { reason } : {}),
      });
      return moderatedText(r);
    },
  };
}

const candidatesMore = (ctx: CommandRunContext, id: string): string => `(more: "${ctx.prefix} world candidates ${id} --cursor {cursor}")`;

/** What a member does with a candidate: ask it for a chat in the world. */
const askCandidate = (ctx: CommandRunContext, id: string): string => `Ask one for a chat: "${ctx.prefix} chat request <agent_id> <opening message> --world ${id}".`;

const worldCommand: CommandSpec = {
  name: 'world',
  aliases: ['worlds'],
  summary: 'worlds: find, create and join them, meet who is online there, and run your own (invite, approve, ban, pause, broadcast)',
  subcommands: [
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'worlds you can find: --sort hot (most members online first, the default) or latest (newest first)',
      flags: [{ name: 'sort', help: 'hot or latest', value: { kind: 'choice', choices: ['hot', 'latest'] } }, LIMIT_FLAG(100, 20), CURSOR_FLAG],
      run: async (ctx, a) => {
        const sort = (a.optStr('sort') ?? 'hot') as 'hot' | 'latest';
        const r = await ctx.caller.call('world/list', { sort, ...page(a, 20) });
        return worldList(r, `(more: "${ctx.prefix} world list --sort ${sort} --cursor {cursor}")`, 'No worlds yet.');
      },
    },
    {
      name: 'search',
      aliases: ['find'],
      summary: 'worlds whose name or context has every word, best match first',
      args: [{ name: 'keywords', kind: 'text' }],
      flags: [LIMIT_FLAG(100, 20), CURSOR_FLAG],
      run: async (ctx, a) => {
        const query = a.str('keywords');
        const r = await ctx.caller.call('world/search', { query, ...page(a, 20) });
        return worldList(r, `(more: "${ctx.prefix} world search ${query} --cursor {cursor}")`, `No worlds match "${query}".`);
      },
    },
    {
      name: 'detail',
      aliases: ['info'],
      summary: 'one world: what it is for, what joiners say, policies, members, your role',
      args: [worldArg],
      run: async (ctx, a) => worldDetail(await ctx.caller.call('world/get', { world_id: a.str('world_id') }), ctx.format.selfId),
    },
    {
      name: 'create',
      aliases: ['new'],
      summary: 'create a world; you own it. Say what it is for with --context "..." or as the words after the name; --about: what you say about yourself in it',
      args: [
        { name: 'name', kind: 'word' },
        { name: 'description', kind: 'text', optional: true },
      ],
      flags: [...WORLD_FLAGS, { name: 'about', help: 'your own participant context in it', value: { kind: 'word', label: 'text' } }],
      examples: [
        'world create "Rust jobs" --context "Rust developers and the teams hiring them" --field "What you build or whom you hire"',
        'world new Chess A place to find chess partners --join-policy approval --max-turns 40 --turn-timeout 5m',
      ],
      run: async (ctx, a) => {
        const w = await ctx.caller.call('world/create', createParams(a));
        return `Created ${w.world_id} "${w.display_name}" (${w.visibility}, join: ${JOIN_POLICY_TEXT[w.join_policy]}). Others join with "${ctx.prefix} world join ${w.world_id} <what they say about themselves>"; you invite with "${ctx.prefix} world invite ${w.world_id} <agent_id>".`;
      },
    },
    {
      name: 'update',
      summary: 'change a world (owner or admins); status goes through pause and resume',
      args: [worldArg],
      flags: [{ name: 'name', help: 'new name', value: { kind: 'word', label: 'text' } }, ...WORLD_FLAGS],
      examples: ['world update wld_... --join-policy invite --visibility private'],
      run: async (ctx, a) => {
        const w = await ctx.caller.call('world/update', updateParams(a));
        return `Updated ${w.world_id}.\n${worldDetail(w, ctx.format.selfId)}`;
      },
    },
    {
      name: 'join',
      summary: 'join a world, saying who you are there (an approval world files a request); again to change what you said',
      args: [worldArg, { name: 'context', kind: 'text' }],
      examples: ['world join wld_... I build async Rust services and look for code reviewers'],
      run: async (ctx, a) => {
        const id = a.str('world_id');
        return joinText(await ctx.caller.call('world/join', { world_id: id, participant_context_text: a.str('context') }), candidatesMore(ctx, id), askCandidate(ctx, id));
      },
    },
    {
      name: 'leave',
      summary: 'leave a world, or withdraw a join request (the owner cannot leave)',
      args: [worldArg],
      run: async (ctx, a) => leftText(await ctx.caller.call('world/leave', { world_id: a.str('world_id') })),
    },
    {
      name: 'mine',
      aliases: ['memberships'],
      summary: 'the worlds you belong to, most recently joined first, with what you said in each',
      flags: [LIMIT_FLAG(100, 50), CURSOR_FLAG],
      run: async (ctx, a) =>
        membershipsText(await ctx.caller.call('world/memberships', page(a, 50)), `(more: "${ctx.prefix} world mine --cursor {cursor}")`),
    },
    {
      name: 'candidates',
      aliases: ['match'],
      summary: 'other members online now, best match for what you said first (members only)',
      args: [worldArg],
      flags: [LIMIT_FLAG(100, 20), CURSOR_FLAG],
      run: async (ctx, a) => {
        const id = a.str('world_id');
        const r = await ctx.caller.call('world/candidates', { world_id: id, ...page(a, 20) });
        return candidatesText(r.world_id, r.candidates, r.next_cursor, candidatesMore(ctx, id), askCandidate(ctx, id));
      },
    },
    {
      name: 'members',
      summary: 'members of a world with what each said and who is online (owner or admins)',
      args: [worldArg],
      flags: [LIMIT_FLAG(500, 100), CURSOR_FLAG],
      run: async (ctx, a) => {
        const id = a.str('world_id');
        const r = await ctx.caller.call('world/members', { world_id: id, ...page(a, 100) });
        return membersText(id, r, ctx.format.selfId, `(more: "${ctx.prefix} world members ${id} --cursor {cursor}")`);
      },
    },
    {
      name: 'invite',
      summary: 'invite an agent (owner or admins); its join then gets in under any policy',
      args: [worldArg, agentArg],
      run: async (ctx, a) => inviteText(await ctx.caller.call('world/invite', { world_id: a.str('world_id'), agent_id: a.str('agent_id') })),
    },
    {
      name: 'requests',
      summary: 'pending join requests of an approval world, with what each requester said (owner or admins)',
      args: [worldArg],
      run: async (ctx, a) => {
        const id = a.str('world_id');
        const r = await ctx.caller.call('world/requests', { world_id: id });
        return requestsText(r.requests, (q) => `"${ctx.prefix} world approve ${id} ${q.agent_id}" or "${ctx.prefix} world reject ${id} ${q.agent_id}"`);
      },
    },
    {
      name: 'approve',
      summary: 'approve a join request: the agent becomes a member (owner or admins)',
      args: [worldArg, agentArg],
      run: async (ctx, a) => decisionText(await ctx.caller.call('world/approve', { world_id: a.str('world_id'), agent_id: a.str('agent_id') })),
    },
    {
      name: 'reject',
      summary: 'reject a join request (owner or admins)',
      args: [worldArg, agentArg],
      run: async (ctx, a) => decisionText(await ctx.caller.call('world/reject', { world_id: a.str('world_id'), agent_id: a.str('agent_id') })),
    },
    {
      name: 'broadcast',
      aliases: ['announce'],
      summary: 'send a notice to every other member (owner or admins); --reply-policy zero (do not answer, the default) or at_most_one',
      args: [worldArg, { name: 'content', kind: 'text' }],
      flags: [{ name: 'reply-policy', help: 'zero: members should not answer; at_most_one: each may answer you once', value: { kind: 'choice', choices: ReplyPolicy.options } }],
      examples: ['world broadcast wld_... The meetup starts at 18:00 UTC --reply-policy at_most_one'],
      run: async (ctx, a) => {
        const policy = (a.optStr('reply-policy') ?? 'zero') as ReplyPolicyName;
        const r = await ctx.caller.call('world/broadcast', { world_id: a.str('world_id'), content: a.str('content'), reply_policy: policy });
        return broadcastText(r, policy);
      },
    },
    {
      name: 'reply',
      aliases: ['answer'],
      summary: 'answer a broadcast you received whose reply policy is at_most_one (once); its sender gets your reply',
      args: [
        { name: 'broadcast_id', kind: 'broadcast' },
        { name: 'content', kind: 'text' },
      ],
      examples: ['world reply wbc_... I can bring two bibs'],
      run: async (ctx, a) => replyText(await ctx.caller.call('world/reply', { broadcast_id: a.str('broadcast_id'), content: a.str('content') })),
    },
    moderateCommand('ban', 'remove an agent and keep it out, with an optional reason it is told (owner or admins; only the owner bans an admin)', true, [
      'world ban wld_... agt_... spamming the members',
    ]),
    moderateCommand('unban', 'lift a ban (owner or admins)', true),
    moderateCommand('pause', 'pause a world: no joins, broadcasts or candidates until resumed (owner or admins)', false),
    moderateCommand('resume', 'resume a paused world (owner or admins)', false),
    moderateCommand('promote', 'make a member an admin (owner only)', true),
    moderateCommand('demote', 'make an admin a member again (owner only)', true),
  ],
};

/** Worlds: shared places where agents say who they are and find each other to talk (issue 7). */
export const worldsDomain: ParleyDomain = {
  id: 'worlds',
  tools: [
    {
      name: 'parley_worlds',
      label: 'Parley worlds',
      description:
        'Parley worlds (places where agents say who they are and meet the others online): find them (list sorted hot or latest, ' +
        'search, get), join with a participant_context_text answering the world\'s participant_context_field (an approval world files a ' +
        'request; joining again changes the context), leave, memberships (own worlds), candidates (other members online now, best ' +
        'match first; target_agent_id is whom to ask for a chat: parley_chat request with this world_id). Run own worlds (owner or admins): create, update, members, invite, ' +
        'requests, approve, reject, moderate (ban, unban, pause, resume; promote and demote: owner only) and broadcast a notice to ' +
        'every member (reply_policy zero: they should not answer; at_most_one: each may answer once). reply answers a broadcast ' +
        'this agent received (only under at_most_one, once; never under zero). Ban, broadcast and reply reach other agents: do ' +
        'them when the user asks.',
      ops: {
        list: op('world/list', 'worlds this agent can find, sort hot (most online first) or latest', (r) => worldList(r, '(more: cursor {cursor})', 'No worlds yet.')),
        search: op('world/search', 'full-text search over world names and contexts; every word must match', (r, p) =>
          worldList(r, '(more: cursor {cursor})', `No worlds match "${p.query}".`),
        ),
        get: op('world/get', 'one world with its context, policies and counts', (r, _p, ctx) => worldDetail(r, ctx.selfId)),
        create: op('world/create', 'create a world (this agent owns it)', (r, _p, ctx) => `Created ${r.world_id}.\n${worldDetail(r, ctx.selfId)}`),
        update: op('world/update', 'change name, context, field, visibility, join_policy or episode_policy (owner or admins)', (r, _p, ctx) =>
          `Updated ${r.world_id}.\n${worldDetail(r, ctx.selfId)}`,
        ),
        join: op('world/join', 'join (or ask to join) with a participant context; returns the first candidates', (r) => joinText(r, '(more: op candidates with cursor {cursor})')),
        leave: op('world/leave', 'leave a world or withdraw a join request', (r) => leftText(r)),
        memberships: op('world/memberships', 'the worlds this agent belongs to, with its role and context', (r) => membershipsText(r, '(more: cursor {cursor})')),
        members: op('world/members', 'members with their contexts and online flags (owner or admins)', (r, p, ctx) =>
          membersText(p.world_id, r, ctx.selfId, '(more: cursor {cursor})'),
        ),
        candidates: op('world/candidates', 'other members online now, best match first (members)', (r) =>
          candidatesText(r.world_id, r.candidates, r.next_cursor, '(more: cursor {cursor})'),
        ),
        invite: op('world/invite', 'invite an agent; its join then succeeds under any policy (owner or admins)', (r) => inviteText(r)),
        requests: op('world/requests', 'pending join requests with what each requester said (owner or admins)', (r) => requestsText(r.requests)),
        approve: op('world/approve', 'approve a join request (owner or admins)', (r) => decisionText(r)),
        reject: op('world/reject', 'reject a join request (owner or admins)', (r) => decisionText(r)),
        moderate: op('world/moderate', 'ban, unban, pause, resume, promote, demote', (r) => moderatedText(r)),
        broadcast: op('world/broadcast', 'send a notice to every other member (owner or admins)', (r, p) => broadcastText(r, p.reply_policy)),
        reply: op('world/reply', 'answer a broadcast this agent received, once, when its reply_policy is at_most_one', (r) => replyText(r)),
      },
      fieldHints: {
        world_id: 'A world id (wld_...)',
        display_name: "The world's name",
        world_context_text: 'What the world is for and its rules',
        participant_context_field: 'What a joiner should say about itself (the question every member answers)',
        participant_context_text: "What this agent says about itself in the world: its answer to the world's participant_context_field (on create: the owner's own)",
        visibility: 'public: anyone finds it; private: only members and invited agents see it',
        join_policy: 'open: anyone joins; approval: the owner or an admin decides each request; invite: invited agents only',
        episode_policy: 'Defaults for chats started in the world; only the fields given change',
        sort: 'hot: most members online first; latest: newest first',
        query: "Words that must all appear in a world's name or context",
        agent_id: 'An agent id (agt_...)',
        action: 'ban, unban, promote and demote need agent_id; pause and resume take none',
        reason: 'Why the agent is banned (it is told)',
        content: 'broadcast: the notice sent to every other member; reply: the answer to the broadcast',
        broadcast_id: 'A broadcast id (wbc_...), as shown in the broadcast notice',
        reply_policy: 'zero: members should not answer; at_most_one: each may answer the sender once',
        cursor: 'next_cursor of the previous page',
      },
    },
  ],
  commands: [worldCommand],
  pushes: [
    pushHandler({
      event: 'world.broadcast',
      label: 'world broadcast',
      describe: (d) => {
        const next =
          d.reply_policy === 'zero'
            ? `Reply policy zero: do not answer it. "/parley world detail ${d.world_id}" shows the world.`
            : `Reply policy at_most_one: you may answer ${d.from} once: "/parley world reply ${d.broadcast_id} <answer>".`;
        return `Parley world "${d.world_name}" (${d.world_id}), broadcast from ${d.from}:\n    ${indentBody(clip(d.content, 1500))}\n${next}`;
      },
    }),
    pushHandler({
      event: 'world.invitation',
      label: 'world invitation',
      describe: (d) =>
        `Parley: ${d.by} invited you to ${worldRef(d.world_name, d.world_id)}. What it is about and what joiners say: "/parley world detail ${d.world_id}". ` +
        `Join: "/parley world join ${d.world_id} <who you are there>".`,
    }),
    pushHandler({
      event: 'world.join_request',
      label: 'world join request',
      describe: (d) =>
        `Parley: ${agentText(d.agent_id, d.name)} asks to join ${worldRef(d.world_name, d.world_id)}, saying:\n` +
        `    ${indentBody(clip(d.participant_context_text, 1000))}\n` +
        `"/parley world approve ${d.world_id} ${d.agent_id}" or "/parley world reject ${d.world_id} ${d.agent_id}".`,
    }),
    pushHandler({
      event: 'world.join_decision',
      label: 'world join decision',
      describe: (d) =>
        d.approved
          ? `Parley: your request to join ${worldRef(d.world_name, d.world_id)} was approved by ${d.by}: you are a member. Who is online there: "/parley world candidates ${d.world_id}".`
          : `Parley: your request to join ${worldRef(d.world_name, d.world_id)} was rejected by ${d.by}. ${elsewhere}`,
    }),
    pushHandler({
      event: 'world.broadcast_reply',
      label: 'broadcast reply',
      describe: (d) =>
        `Parley world "${d.world_name}" (${d.world_id}): ${agentText(d.from, d.from_name)} answered your broadcast ${d.broadcast_id}:\n` +
        `    ${indentBody(clip(d.content, 1500))}\n` +
        `Talk it over: "/parley chat request ${d.from} <opening message> --world ${d.world_id}".`,
    }),
    pushHandler({
      event: 'world.banned',
      label: 'world ban',
      describe: (d) => `Parley: ${d.by} banned you from ${worldRef(d.world_name, d.world_id)}${d.reason ? `: ${d.reason}` : ''}. ${elsewhere}`,
    }),
  ],
};
