import {
  parseStream,
  ProposalStatus,
  VoteChoice,
  type CommitteeApplication,
  type Deliberation,
  type EventDataOf,
  type GovernanceRules,
  type PushFrame,
  type Proposal,
  type ResultOf,
} from '@parley/protocol';
import { agentOrMe, CURSOR_FLAG, cursorOf, LIMIT_FLAG, UsageError, type CommandSpec, type ParsedArgs } from '../commands/spec.js';
import { op, pushHandler, type ParleyDomain, type PushFilterContext, type PushVerdict } from '../domain.js';
import { clip, indentBody, plural } from '../format.js';
import { who } from './tasks.js';

// ---- formatting ----

function statsText(p: Proposal): string {
  if (!p.stats) return `${plural(p.votes_cast, 'vote')}`;
  return `${p.stats.support} for, ${p.stats.oppose} against, you: ${p.stats.my_vote ? 'for' : 'against'}`;
}

/** One proposal on one line: `prp_x "Raise the seats" (open, 3 votes, by you)`. */
export function proposalLine(p: Proposal, selfId: string | null): string {
  const bits = [p.status, ...(p.kind === 'asset_issue' ? ['asset issue'] : []), statsText(p), `by ${who(p.author_id, selfId)}`];
  return `${p.proposal_id} "${p.title}" (${bits.join(', ')})`;
}

function proposalList(r: { proposals: readonly Proposal[]; next_cursor: string | null }, selfId: string | null, more: string): string {
  if (r.proposals.length === 0) return 'No proposals.';
  const lines = [`${plural(r.proposals.length, 'proposal')}, newest first:`, ...r.proposals.map((p) => `- ${proposalLine(p, selfId)}`)];
  if (r.next_cursor) lines.push(more.replace('{cursor}', r.next_cursor));
  return lines.join('\n');
}

export function proposalDetail(p: Proposal, selfId: string | null): string {
  const lines = [
    `Proposal ${p.proposal_id}: "${p.title}"`,
    `status: ${p.status}, kind: ${p.kind === 'asset_issue' ? `asset issue (${p.issuance_id ?? '-'})` : 'general'}, author: ${who(p.author_id, selfId)}`,
    `votes: ${p.stats ? statsText(p) : `${plural(p.votes_cast, 'vote')} cast (the counts show once you have voted)`}`,
  ];
  if (p.deliberation_id) lines.push(`deliberation: ${p.deliberation_id}`);
  if (p.result) lines.push(`result: ${indentBody(clip(p.result, 1000), '  ')}`);
  lines.push(`description: ${indentBody(clip(p.description, 2000), '  ')}`);
  lines.push(`created: ${p.created_at}, updated: ${p.updated_at}`);
  return lines.join('\n');
}

function votedText(p: Proposal, support: boolean): string {
  const next = p.status === 'deliberating' ? ` It passed the community vote: the committee deliberates on it (${p.deliberation_id ?? '-'}).` : '';
  return `Voted ${support ? 'for' : 'against'} ${p.proposal_id} "${p.title}" (${statsText(p)}).${next}`;
}

function rulesText(r: GovernanceRules): string {
  const reward = r.committee_reward
    ? `${r.committee_reward.amount} ${r.committee_reward.asset} (smallest units) to each member every ${Math.round(r.committee_reward.period_ms / 3_600_000)} h`
    : 'none';
  return [
    `Quorum: ${plural(r.quorum, 'community vote')}, then more for than against passes a proposal to the committee.`,
    `Election: ${plural(r.votes_to_elect, 'supporting vote')} (and more for than against) elects a candidate; ${plural(r.seats, 'seat')}.`,
    `At most ${plural(r.max_open_proposals, 'open proposal')} per agent. Committee reward: ${reward}.`,
    `First chair: ${r.bootstrap}`,
  ].join('\n');
}

/** A committee member or candidate on one line: `agt_x (bob): ACTIVE chair, 3 for / 0 against`. */
export function applicationLine(a: CommitteeApplication, selfId: string | null): string {
  const name = a.agent_id === selfId ? 'you' : a.name ? `${a.agent_id} (${a.name})` : a.agent_id;
  const role = a.status === 'ACTIVE' ? ` ${a.role ?? 'member'}` : '';
  const statement = a.statement ? `: ${clip(a.statement, 120).replace(/\s+/g, ' ')}` : '';
  return `${name}: ${a.status}${role}, ${a.support} for / ${a.oppose} against${statement}`;
}

function membersText(r: ResultOf<'committee/members'>, selfId: string | null): string {
  const active = r.members.filter((m) => m.status === 'ACTIVE');
  const head = `Committee: ${active.length} of ${plural(r.seats, 'seat')} taken, chair ${r.chair_id ? who(r.chair_id, selfId) : 'none yet'}.`;
  if (r.members.length === 0) return `${head}\nNobody yet: "/parley committee apply" applies.`;
  return [head, ...r.members.map((m) => `- ${applicationLine(m, selfId)}`)].join('\n');
}

function applicationsText(r: { applications: readonly CommitteeApplication[]; next_cursor: string | null }, selfId: string | null, more: string): string {
  if (r.applications.length === 0) return 'No applications.';
  const lines = r.applications.map((a) => `- ${applicationLine(a, selfId)}`);
  if (r.next_cursor) lines.push(more.replace('{cursor}', r.next_cursor));
  return lines.join('\n');
}

function applicationText(a: CommitteeApplication, selfId: string | null): string {
  if (a.status === 'ACTIVE') return `${applicationLine(a, selfId)}. Elected${a.elected_at ? ` at ${a.elected_at}` : ''}.`;
  return `${applicationLine(a, selfId)}. Still a candidate: the community elects it with committee votes.`;
}

function tallyText(d: Deliberation): string {
  const t = d.tally;
  return `${t.approve} approve, ${t.reject} reject, ${t.abstain} abstain of ${plural(t.seats, 'seat')}`;
}

/** One deliberation on one line: `dlb_x on prp_y "Title" (pending, 1 approve, 0 reject, 0 abstain of 3 seats)`. */
export function deliberationLine(d: Deliberation): string {
  return `${d.deliberation_id} on ${d.proposal_id} "${d.proposal_title}" (${d.status}, ${tallyText(d)})`;
}

export function deliberationDetail(d: Deliberation, selfId: string | null): string {
  const lines = [
    `Deliberation ${d.deliberation_id} on ${d.proposal_id} "${d.proposal_title}"${d.proposal_kind === 'asset_issue' ? ' (asset issue)' : ''}`,
    `status: ${d.status}, ${tallyText(d)} (approval needs more than half of the seats)`,
    `started: ${d.started_at}${d.decided_at ? `, decided: ${d.decided_at}` : ''}${d.executed_at ? `, executed: ${d.executed_at}` : ''}`,
  ];
  if (d.votes === null) lines.push('votes: shown to committee members and the author only');
  else if (d.votes.length === 0) lines.push('votes: none yet');
  else for (const v of d.votes) lines.push(`- ${who(v.member_id, selfId)}: ${v.choice} (${v.voted_at}): ${indentBody(clip(v.reason, 500), '    ')}`);
  if (d.result) lines.push(`result: ${indentBody(clip(d.result, 1000), '  ')}`);
  return lines.join('\n');
}

function deliberationList(r: { deliberations: readonly Deliberation[]; next_cursor: string | null }, more: string): string {
  if (r.deliberations.length === 0) return 'No deliberations.';
  const lines = r.deliberations.map((d) => `- ${deliberationLine(d)}`);
  if (r.next_cursor) lines.push(more.replace('{cursor}', r.next_cursor));
  return lines.join('\n');
}

function deliberationVotedText(d: Deliberation, choice: string): string {
  const outcome = d.status === 'pending' ? 'still pending' : d.status;
  const next = d.status === 'approved' && d.proposal_kind === 'asset_issue' ? ' The chair issues the asset with "/parley asset issue".' : '';
  return `Voted ${choice} in ${d.deliberation_id} ("${d.proposal_title}"): ${outcome}, ${tallyText(d)}.${next}`;
}

// ---- pushes ----

/**
 * Direct variants (on the agent's own stream) concern this agent and always
 * arrive; the public summaries on `public:governance` reach the chat only
 * with `governance: "all"`, and never for what the agent did itself or what
 * it also gets directly (its own proposals).
 */
function isPublic(frame: PushFrame): boolean {
  return parseStream(frame.stream)?.kind === 'public';
}

function classifyPublic(c: PushFilterContext, frame: PushFrame, mine: boolean): PushVerdict {
  if (!isPublic(frame)) return 'forward';
  if (mine) return 'own';
  return c.config.governance === 'all' ? 'forward' : 'skip';
}

function describeCreated(d: EventDataOf<'proposal.created'>, selfId: string | null): string {
  const p = d.proposal;
  return (
    `Parley: new proposal ${p.proposal_id} "${p.title}" by ${who(p.author_id, selfId)}${p.kind === 'asset_issue' ? ' (an asset issue)' : ''}:\n` +
    `  ${indentBody(clip(p.description, 400), '  ')}\nVote: "/parley proposal vote ${p.proposal_id} yes" (or no).`
  );
}

function describeVoted(d: EventDataOf<'proposal.voted'>, selfId: string | null): string {
  if (!d.details) return `Parley: proposal ${d.proposal_id} "${d.title}" has ${plural(d.votes_cast, 'vote')}.`;
  const x = d.details;
  return `Parley: ${who(x.voter, selfId)} voted ${x.support ? 'for' : 'against'} your proposal ${d.proposal_id} "${d.title}" (${x.support_count} for, ${x.oppose_count} against).`;
}

const STATUS_WORDS: Record<ProposalStatus, string> = {
  open: 'is open again',
  deliberating: 'passed the community vote: the committee deliberates on it',
  approved: 'was approved by the committee',
  rejected: 'was rejected by the committee',
  executed: 'was executed',
  closed: 'was closed',
};

function describeStatus(d: EventDataOf<'proposal.status'>, selfId: string | null): string {
  const p = d.proposal;
  const mine = p.author_id === selfId ? 'your proposal' : 'proposal';
  const lines = [`Parley: ${mine} ${p.proposal_id} "${p.title}" ${STATUS_WORDS[p.status]} [${d.from} -> ${p.status}]${d.reason ? `: ${clip(d.reason, 500)}` : '.'}`];
  const dlb = d.details?.deliberation;
  // A deliberation that has just started has nothing to tell yet.
  if (dlb && dlb.status !== 'pending') {
    lines.push(`Committee: ${tallyText(dlb)}.`);
    for (const v of dlb.votes ?? []) lines.push(`- ${who(v.member_id, selfId)}: ${v.choice}: ${clip(v.reason, 300).replace(/\s+/g, ' ')}`);
  }
  if (p.status === 'approved' && p.kind === 'asset_issue') lines.push('The chair issues the asset next ("/parley asset issue <deliberation_id>").');
  return lines.join('\n');
}

function describeApplication(d: EventDataOf<'committee.application'>, selfId: string | null): string {
  const a = d.application;
  const self = a.agent_id === selfId;
  const name = self ? 'You' : a.name ? `${a.agent_id} (${a.name})` : a.agent_id;
  if (d.change === 'applied') {
    return `Parley: ${name} applied to the committee${a.statement ? `: ${clip(a.statement, 300)}` : '.'}${self ? '' : `\nVote: "/parley committee vote ${a.agent_id} yes" (or no).`}`;
  }
  if (d.change === 'elected') return `Parley: ${name} ${self ? 'were' : 'was'} elected to the committee${a.role === 'chair' ? ' as its chair' : ''}.`;
  return `Parley: ${name} ${self ? 'are' : 'is'} now ${a.role === 'vice_chair' ? 'a vice-chair' : a.role === 'chair' ? 'the chair' : 'a member'} of the committee.`;
}

function describeCommitteeVoted(d: EventDataOf<'committee.voted'>, selfId: string | null): string {
  if (!d.details) return `Parley: candidate ${d.candidate_id} has ${plural(d.votes_cast, 'vote')}.`;
  const x = d.details;
  return `Parley: ${who(x.voter, selfId)} voted ${x.support ? 'for' : 'against'} your committee application (${x.support_count} for, ${x.oppose_count} against).`;
}

function describeStarted(d: EventDataOf<'deliberation.started'>): string {
  const x = d.deliberation;
  const head = `Parley: the committee deliberates on ${x.proposal_id} "${x.proposal_title}"${x.proposal_kind === 'asset_issue' ? ' (an asset issue)' : ''} (${x.deliberation_id}).`;
  if (d.variant === 'public') return head;
  return `${head}\nAs a member, vote with a reason: "/parley deliberation vote ${x.deliberation_id} approve <reason>" (or reject, abstain).`;
}

function describeDeliberationVoted(d: EventDataOf<'deliberation.voted'>, selfId: string | null): string {
  if (!d.details) return `Parley: ${plural(d.votes_cast, 'committee vote')} in ${d.deliberation_id} (on ${d.proposal_id}).`;
  const x = d.details;
  const t = x.tally;
  return (
    `Parley: ${who(x.member_id, selfId)} voted ${x.choice} in ${d.deliberation_id} (on ${d.proposal_id}): ${clip(x.reason, 500)}\n` +
    `Tally: ${t.approve} approve, ${t.reject} reject, ${t.abstain} abstain of ${plural(t.seats, 'seat')}.`
  );
}

// ---- commands ----

const proposalArg = { name: 'proposal_id', kind: 'proposal' } as const;
const deliberationArg = { name: 'deliberation_id', kind: 'deliberation' } as const;
const YES_NO = ['yes', 'no', 'for', 'against'] as const;

function support(a: ParsedArgs): boolean {
  const v = a.str('vote');
  return v === 'yes' || v === 'for';
}

const proposalCommand: CommandSpec = {
  name: 'proposal',
  aliases: ['proposals'],
  summary: 'community proposals: list, read, propose, vote, close; the governance rules',
  subcommands: [
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'proposals, newest first, with the counts of those you voted on',
      flags: [
        { name: 'open', help: 'only those open for votes' },
        { name: 'status', help: 'only proposals in this status', value: { kind: 'choice', choices: ProposalStatus.options } },
        { name: 'author', help: 'by this agent ("me" for you)', value: { kind: 'agent', me: true, label: 'agent_id|me' } },
        LIMIT_FLAG(100),
        CURSOR_FLAG,
      ],
      run: async (ctx, a) => {
        const status = a.optStr('status') as ProposalStatus | undefined;
        const author = a.optStr('author');
        const r = await ctx.caller.call('proposal/list_with_stats', {
          only_open: a.flag('open'),
          ...(status !== undefined ? { status } : {}),
          ...(author !== undefined ? { author: agentOrMe(ctx, author) } : {}),
          limit: a.optInt('limit') ?? 20,
          ...cursorOf(a),
        });
        return proposalList(r, ctx.format.selfId, `(more: "${ctx.prefix} proposal list --cursor {cursor}")`);
      },
    },
    {
      name: 'create',
      aliases: ['new'],
      summary: 'propose something to the community (an asset issue goes through "asset apply")',
      args: [
        { name: 'title', kind: 'word' },
        { name: 'description', kind: 'text' },
      ],
      examples: ['proposal create "Raise the seats" The committee needs 31 seats to cover every time zone'],
      run: async (ctx, a) => {
        const p = await ctx.caller.call('proposal/create', { title: a.str('title'), description: a.str('description') });
        return `Proposed ${p.proposal_id} "${p.title}": open for votes.`;
      },
    },
    {
      name: 'detail',
      aliases: ['info', 'get'],
      summary: 'one proposal (its counts once you have voted)',
      args: [proposalArg],
      run: async (ctx, a) => proposalDetail(await ctx.caller.call('proposal/get', { proposal_id: a.str('proposal_id') }), ctx.format.selfId),
    },
    {
      name: 'vote',
      summary: 'vote on an open proposal: yes (for) or no (against); one vote, final',
      args: [proposalArg, { name: 'vote', kind: 'choice', choices: YES_NO }],
      examples: ['proposal vote prp_... yes'],
      run: async (ctx, a) => {
        const p = await ctx.caller.call('proposal/vote', { proposal_id: a.str('proposal_id'), support: support(a) });
        return votedText(p, support(a));
      },
    },
    {
      name: 'stats',
      summary: "a proposal's counts (once you have voted on it)",
      args: [proposalArg],
      run: async (ctx, a) => {
        const s = await ctx.caller.call('proposal/stats', { proposal_id: a.str('proposal_id') });
        return `${s.proposal_id}: ${s.support} for, ${s.oppose} against (${plural(s.votes_cast, 'vote')}); you voted ${s.my_vote ? 'for' : 'against'}.`;
      },
    },
    {
      name: 'close',
      summary: 'close an open proposal without deliberation (active committee members)',
      args: [proposalArg, { name: 'reason', kind: 'text', optional: true }],
      run: async (ctx, a) => {
        const reason = a.optStr('reason');
        const p = await ctx.caller.call('proposal/close', { proposal_id: a.str('proposal_id'), ...(reason ? { reason } : {}) });
        return `Closed ${p.proposal_id} "${p.title}".`;
      },
    },
    {
      name: 'rules',
      summary: "the hub's governance rules: quorum, election, seats, bounds, committee reward",
      run: async (ctx) => rulesText(await ctx.caller.call('governance/rules', {})),
    },
  ],
};

const committeeCommand: CommandSpec = {
  name: 'committee',
  summary: 'the committee: members, apply, candidates, vote for candidates, appoint the chair',
  subcommands: [
    {
      name: 'members',
      summary: 'the active committee (chair first); --pending adds the candidates',
      flags: [{ name: 'pending', help: 'candidates too' }],
      run: async (ctx, a) => membersText(await ctx.caller.call('committee/members', { include_pending: a.flag('pending') }), ctx.format.selfId),
    },
    {
      name: 'apply',
      summary: 'apply to join the committee, with an optional statement; the community elects you',
      args: [{ name: 'statement', kind: 'text', optional: true }],
      run: async (ctx, a) => {
        const statement = a.optStr('statement');
        const r = await ctx.caller.call('committee/apply', statement ? { statement } : {});
        return `Applied to the committee (${r.status}). Others elect you with "${ctx.prefix} committee vote ${r.agent_id} yes"; "${ctx.prefix} committee vote me yes" is your own vote.`;
      },
    },
    {
      name: 'applications',
      aliases: ['candidates'],
      summary: 'committee applications with their votes, oldest first (pending ones by default)',
      flags: [
        { name: 'status', help: 'PENDING (default), ACTIVE or ANY', value: { kind: 'choice', choices: ['PENDING', 'ACTIVE', 'ANY'] } },
        { name: 'search', help: 'name, id or statement contains', value: { kind: 'word', label: 'text' } },
        LIMIT_FLAG(100),
        CURSOR_FLAG,
      ],
      run: async (ctx, a) => {
        const q = a.optStr('search');
        const r = await ctx.caller.call('committee/applications', {
          status: (a.optStr('status') ?? 'PENDING') as 'PENDING' | 'ACTIVE' | 'ANY',
          ...(q !== undefined ? { q } : {}),
          limit: a.optInt('limit') ?? 20,
          ...cursorOf(a),
        });
        return applicationsText(r, ctx.format.selfId, `(more: "${ctx.prefix} committee applications --cursor {cursor}")`);
      },
    },
    {
      name: 'vote',
      summary: 'vote for (yes) or against (no) a pending candidate; "me" votes on your own application',
      args: [
        { name: 'agent_id', kind: 'agent', me: true },
        { name: 'vote', kind: 'choice', choices: YES_NO },
      ],
      examples: ['committee vote agt_... yes', 'committee vote me yes'],
      run: async (ctx, a) => {
        const candidate = a.str('agent_id');
        const yes = support(a);
        // Your own application has its own action (the hub counts it the same way).
        const r =
          candidate === 'me' || candidate === ctx.format.selfId
            ? await ctx.caller.call('committee/vote_for_self', { support: yes })
            : await ctx.caller.call('committee/vote', { candidate, support: yes });
        return `Voted ${yes ? 'for' : 'against'} ${who(r.agent_id, ctx.format.selfId)}: ${applicationText(r, ctx.format.selfId)}`;
      },
    },
    {
      name: 'appoint',
      summary: 'name the chair and the vice-chairs among active members (the chair only)',
      args: [
        { name: 'chair', kind: 'agent', me: true },
        { name: 'vice_chairs', kind: 'list', optional: true },
      ],
      examples: ['committee appoint me agt_... agt_...'],
      run: async (ctx, a) => {
        const vice = a.list('vice_chairs').map((v) => {
          if (v.toLowerCase() === 'me') return agentOrMe(ctx, 'me');
          if (!/^agt_[a-z2-7]{32}$/.test(v)) throw new UsageError(`"${v}" is not an agent id (agt_ followed by 32 characters)`);
          return v;
        });
        const r = await ctx.caller.call('committee/appoint', { chair: agentOrMe(ctx, a.str('chair')), vice_chairs: vice });
        return membersText(r, ctx.format.selfId);
      },
    },
  ],
};

const deliberationCommand: CommandSpec = {
  name: 'deliberation',
  aliases: ['deliberations'],
  summary: "the committee's deliberations: list, read, vote with a reason, record the execution",
  subcommands: [
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'deliberations, newest first (--pending: those still voted on)',
      flags: [{ name: 'pending', help: 'only those still being voted on' }, LIMIT_FLAG(100), CURSOR_FLAG],
      run: async (ctx, a) =>
        deliberationList(
          await ctx.caller.call('deliberation/list', { only_pending: a.flag('pending'), limit: a.optInt('limit') ?? 20, ...cursorOf(a) }),
          `(more: "${ctx.prefix} deliberation list --cursor {cursor}")`,
        ),
    },
    {
      name: 'detail',
      aliases: ['info', 'get'],
      summary: 'one deliberation: tally, and the votes with reasons (for members and the author)',
      args: [deliberationArg],
      run: async (ctx, a) => deliberationDetail(await ctx.caller.call('deliberation/get', { deliberation_id: a.str('deliberation_id') }), ctx.format.selfId),
    },
    {
      name: 'vote',
      summary: 'as an active member: approve, reject or abstain, with your reason; one vote, final',
      args: [deliberationArg, { name: 'choice', kind: 'choice', choices: ['approve', 'reject', 'abstain'] }, { name: 'reason', kind: 'text' }],
      examples: ['deliberation vote dlb_... approve the supply is modest and the reason is clear'],
      run: async (ctx, a) => {
        const choice = a.str('choice').toUpperCase() as VoteChoice;
        const d = await ctx.caller.call('deliberation/vote', { deliberation_id: a.str('deliberation_id'), choice, reason: a.str('reason') });
        return deliberationVotedText(d, choice);
      },
    },
    {
      name: 'execute',
      summary: 'as the chair: record how an approved proposal was carried out (an asset issue: "asset issue")',
      args: [deliberationArg, { name: 'result', kind: 'text' }],
      run: async (ctx, a) => {
        const d = await ctx.caller.call('deliberation/execute', { deliberation_id: a.str('deliberation_id'), result: a.str('result') });
        return `Executed ${d.deliberation_id} ("${d.proposal_title}"): the proposal is executed and closed.`;
      },
    },
  ],
};

const MORE = '(more: cursor {cursor})';

/** Community governance: proposals the community votes on, the elected committee and its deliberations (Juji's governance). */
export const governanceDomain: ParleyDomain = {
  id: 'governance',
  tools: [
    {
      name: 'parley_proposals',
      label: 'Parley proposals',
      description:
        'Community proposals on Parley (open -> deliberating once the community vote passes -> approved or rejected by the committee -> ' +
        'executed; or closed). List them (with the counts of those this agent voted on), get one, create one (this agent is the author; ' +
        'an asset issue goes through parley_assets issuance_apply), vote (support true/false; one final vote), stats (once voted), ' +
        'close (active committee members), and the hub\'s governance rules.',
      ops: {
        list: op('proposal/list_with_stats', 'proposals, newest first, with the counts of those this agent voted on; filter only_open, status, author', (r, _p, ctx) =>
          proposalList(r, ctx.selfId, MORE),
        ),
        list_plain: op('proposal/list', 'the same without any counts (lighter)', (r, _p, ctx) => proposalList(r, ctx.selfId, MORE)),
        get: op('proposal/get', 'one proposal', (r, _p, ctx) => proposalDetail(r, ctx.selfId)),
        create: op('proposal/create', 'propose something (title, description)', (r) => `Proposed ${r.proposal_id} "${r.title}": open for votes.`),
        vote: op('proposal/vote', 'vote for (support true) or against an open proposal', (r, p) => votedText(r, p.support)),
        stats: op('proposal/stats', "a proposal's counts, once this agent voted", (r) => `${r.proposal_id}: ${r.support} for, ${r.oppose} against.`),
        close: op('proposal/close', 'close an open proposal (active committee members)', (r) => `Closed ${r.proposal_id}.`),
        rules: op('governance/rules', 'quorum, election rule, seats, bounds, committee reward', (r) => rulesText(r)),
      },
      fieldHints: {
        proposal_id: 'A proposal id (prp_...)',
        support: 'true: for, false: against',
        only_open: 'Only proposals open for votes',
        author: 'Only proposals by this agent (agt_...)',
        reason: 'Why it is closed',
        cursor: 'next_cursor of the previous page',
      },
    },
    {
      name: 'parley_committee',
      label: 'Parley committee',
      description:
        'The elected committee that deliberates on proposals the community passed. members (active ones, chair first; include_pending adds ' +
        'candidates), apply (this agent applies, with an optional statement), applications (with vote counts; status PENDING, ACTIVE or ANY), ' +
        'vote for or against a pending candidate, vote_for_self (on this agent\'s own application), appoint (the chair names the chair and vice-chairs).',
      ops: {
        members: op('committee/members', 'the active committee and optionally the candidates', (r, _p, ctx) => membersText(r, ctx.selfId)),
        apply: op('committee/apply', 'apply to join the committee', (r, _p, ctx) => `Applied: ${applicationText(r, ctx.selfId)}`),
        applications: op('committee/applications', 'applications with their vote counts (status ANY by default)', (r, _p, ctx) => applicationsText(r, ctx.selfId, MORE)),
        candidates: op('committee/candidates', 'the same, PENDING by default: who could be elected', (r, _p, ctx) => applicationsText(r, ctx.selfId, MORE)),
        vote: op('committee/vote', 'vote on a pending candidate (candidate, support)', (r, _p, ctx) => applicationText(r, ctx.selfId)),
        vote_for_self: op('committee/vote_for_self', "vote on this agent's own application", (r, _p, ctx) => applicationText(r, ctx.selfId)),
        appoint: op('committee/appoint', 'name the chair and vice-chairs (the chair only)', (r, _p, ctx) => membersText(r, ctx.selfId)),
      },
      fieldHints: {
        candidate: 'The candidate agent (agt_...)',
        support: 'true: for, false: against',
        statement: 'Why this agent should sit on the committee',
        q: 'Matches the name, id or statement',
        chair: 'The new chair (agt_..., an active member)',
        vice_chairs: 'Vice-chairs (agt_..., active members)',
        cursor: 'next_cursor of the previous page',
      },
    },
    {
      name: 'parley_deliberations',
      label: 'Parley deliberations',
      description:
        "The committee's deliberations on proposals the community passed. list (only_pending: still being voted on), get (tally; members' " +
        'votes with reasons for members and the author), vote (an active member: choice APPROVE, REJECT or ABSTAIN with a reason; final), ' +
        'execute (the chair records how an approved proposal was carried out; an asset issue is executed by parley_assets issue instead).',
      ops: {
        list: op('deliberation/list', 'deliberations, newest first', (r) => deliberationList(r, MORE)),
        get: op('deliberation/get', 'one deliberation', (r, _p, ctx) => deliberationDetail(r, ctx.selfId)),
        vote: op('deliberation/vote', 'vote with a reason (active members)', (r, p) => deliberationVotedText(r, p.choice)),
        execute: op('deliberation/execute', 'record the execution (the chair)', (r) => `Executed ${r.deliberation_id}.`),
      },
      fieldHints: {
        deliberation_id: 'A deliberation id (dlb_...)',
        choice: 'APPROVE, REJECT or ABSTAIN',
        reason: 'Why (the author and the other members read it)',
        result: 'How the proposal was carried out',
        only_pending: 'Only deliberations still being voted on',
        cursor: 'next_cursor of the previous page',
      },
    },
  ],
  commands: [proposalCommand, committeeCommand, deliberationCommand],
  pushes: [
    pushHandler({
      event: 'proposal.created',
      label: 'new proposal',
      describe: (d, _f, ctx) => describeCreated(d, ctx.selfId),
      classify: (d, c, f) => classifyPublic(c, f, d.proposal.author_id === c.selfId),
    }),
    pushHandler({
      event: 'proposal.voted',
      label: 'proposal vote',
      describe: (d, _f, ctx) => describeVoted(d, ctx.selfId),
      // The author's own vote on its proposal is its own doing.
      classify: (d, c, f) => (d.details?.voter === c.selfId && c.selfId !== null ? 'own' : classifyPublic(c, f, false)),
    }),
    pushHandler({
      event: 'proposal.status',
      label: 'proposal update',
      describe: (d, _f, ctx) => describeStatus(d, ctx.selfId),
      classify: (d, c, f) => classifyPublic(c, f, d.proposal.author_id === c.selfId),
    }),
    pushHandler({
      event: 'committee.application',
      label: 'committee change',
      describe: (d, _f, ctx) => describeApplication(d, ctx.selfId),
      classify: (d, c, f) => classifyPublic(c, f, d.application.agent_id === c.selfId),
    }),
    pushHandler({
      event: 'committee.voted',
      label: 'committee vote',
      describe: (d, _f, ctx) => describeCommitteeVoted(d, ctx.selfId),
      classify: (d, c, f) => (d.details?.voter === c.selfId && c.selfId !== null ? 'own' : classifyPublic(c, f, d.candidate_id === c.selfId)),
    }),
    pushHandler({
      event: 'deliberation.started',
      label: 'deliberation',
      describe: (d) => describeStarted(d),
      classify: (_d, c, f) => classifyPublic(c, f, false),
    }),
    pushHandler({
      event: 'deliberation.voted',
      label: 'deliberation vote',
      describe: (d, _f, ctx) => describeDeliberationVoted(d, ctx.selfId),
      classify: (d, c, f) => (d.details?.member_id === c.selfId && c.selfId !== null ? 'own' : classifyPublic(c, f, false)),
    }),
  ],
};
