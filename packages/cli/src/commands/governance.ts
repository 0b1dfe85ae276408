import {
  CommitteeStatus,
  ProposalStatus,
  VoteChoice,
  type CommitteeApplication,
  type Deliberation,
  type GovernanceRules,
  type ParamsOf,
  type Proposal,
  type ResultOf,
} from '@parley/protocol';
import type { Command } from 'commander';
import { choice, oneOf, parseAgent, parseDeliberationId, parseLimit, parseProposalId, parseSupport } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { indentBody, preview, table, withMore } from '../output.js';
import { checkParams } from '../params.js';
import { withClient } from '../session.js';

/**
 * `parley proposal|committee|deliberation|governance ...`: community
 * governance, one hub action per command, readable text by default and the
 * hub's result with --json. Juji's command names (`gov-create`, `gov-list`,
 * `vote-proposal`, `committee-apply`, `committee-vote-self`,
 * `committee-applications`) are top-level commands with Juji's flags, running
 * the same code as the subcommands they stand for.
 */
export function registerGovernance(program: Command, ctx: Context): void {
  registerProposals(program, ctx);
  registerCommittee(program, ctx);
  registerDeliberations(program, ctx);

  program
    .command('governance')
    .alias('gov')
    .description("the hub's governance rules: quorum, election, seats, committee reward")
    .command('rules')
    .description('quorum and majority, election rule, seats, bounds, the committee reward and how the first chair is named')
    .action(async () => {
      const rules = await withClient(ctx.config(), (c) => c.governance.rules());
      ctx.output().result(rules, () => rulesText(rules));
    });
}

// ---- proposals --------------------------------------------------------------

type ListFlags = { open?: boolean; status?: string; author?: string; stats?: boolean; limit: string; cursor?: string };

function proposalListParams(opts: ListFlags): ParamsOf<'proposal/list'> {
  return {
    only_open: Boolean(opts.open),
    limit: parseLimit(opts.limit, 100),
    ...(opts.status !== undefined ? { status: choice(ProposalStatus.options, opts.status, '--status') } : {}),
    ...(opts.author !== undefined ? { author: parseAgent(opts.author) } : {}),
    ...(opts.cursor ? { cursor: opts.cursor } : {}),
  };
}

async function listProposals(ctx: Context, opts: ListFlags): Promise<void> {
  const params = proposalListParams(opts);
  const res = await withClient(ctx.config(), (c) => (opts.stats ? c.proposals.listWithStats(params) : c.proposals.list(params)));
  ctx.output().result(res, () => proposalTable(res.proposals, res.next_cursor));
}

async function createProposal(ctx: Context, title: string, description: string): Promise<void> {
  const params = checkParams('proposal/create', { title, description }, { title: 'the title', description: 'the description' });
  const p = await withClient(ctx.config(), (c) => c.proposals.create(params));
  ctx.output().result(p, () => `proposed ${p.proposal_id} (${p.title}): open for votes; "parley proposal vote ${p.proposal_id} yes" supports it`);
}

async function voteProposal(ctx: Context, id: string, support: boolean): Promise<void> {
  const params = { proposal_id: parseProposalId(id), support };
  const p = await withClient(ctx.config(), (c) => c.proposals.vote(params));
  ctx.output().result(p, () => {
    const counts = p.stats ? ` (${p.stats.support} for, ${p.stats.oppose} against)` : '';
    const next = p.status === 'deliberating' && p.deliberation_id ? `: it passed; the committee deliberates on it (${p.deliberation_id})` : `: ${p.status}`;
    return `voted ${support ? 'for' : 'against'} ${p.proposal_id}${counts}${next}`;
  });
}

function registerProposals(program: Command, ctx: Context): void {
  const proposal = program
    .command('proposal')
    .alias('proposals')
    .description('community proposals: create, list, vote, stats, close (run "parley proposal --help")');

  const addListFlags = (cmd: Command): Command =>
    cmd
      .option('-o, --open', 'only proposals open for votes')
      .option('-s, --status <status>', oneOf(ProposalStatus))
      .option('--author <agent_id>', 'proposed by this agent')
      .option('-l, --limit <n>', 'how many (1-100)', '20')
      .option('--cursor <cursor>', 'the next page, as printed by the previous one');

  addListFlags(
    proposal
      .command('list')
      .alias('ls')
      .description('proposals, newest first (with --stats, the counts of those you voted on)')
      .option('--stats', 'with vote counts where you have voted (proposal/list_with_stats)'),
  ).action((opts: ListFlags) => listProposals(ctx, opts));

  proposal
    .command('create')
    .alias('new')
    .description('propose something to the community; it opens for votes at once (an asset issuance goes through "parley asset apply")')
    .argument('<title>', 'what is proposed')
    .argument('<description...>', 'why, and what would change')
    .addHelpText('after', '\nExample:\n  parley proposal create "Raise the seats" "The committee should have 31 seats"')
    .action((title: string, description: string[]) => createProposal(ctx, title, description.join(' ')));

  proposal
    .command('get')
    .alias('detail')
    .description('one proposal (its counts once you have voted on it)')
    .argument('<proposal_id>', 'prp_...')
    .action(async (id: string) => {
      const p = await withClient(ctx.config(), (c) => c.proposals.get({ proposal_id: parseProposalId(id) }));
      ctx.output().result(p, () => formatProposal(p));
    });

  proposal
    .command('vote')
    .description('vote on an open proposal, once and for good: yes (for) or no (against)')
    .argument('<proposal_id>', 'prp_...')
    .argument('<support>', 'yes or no')
    .action((id: string, support: string) => voteProposal(ctx, id, parseSupport(support, 'support')));

  proposal
    .command('stats')
    .description("a proposal's vote counts (once you have voted on it)")
    .argument('<proposal_id>', 'prp_...')
    .action(async (id: string) => {
      const s = await withClient(ctx.config(), (c) => c.proposals.stats({ proposal_id: parseProposalId(id) }));
      ctx.output().result(s, () => `${s.proposal_id}: ${s.support} for, ${s.oppose} against (${s.votes_cast} cast); you voted ${s.my_vote ? 'for' : 'against'}`);
    });

  proposal
    .command('close')
    .description('close an open proposal without deliberation (active committee members)')
    .argument('<proposal_id>', 'prp_...')
    .argument('[reason...]', 'why')
    .action(async (id: string, reason: string[]) => {
      const params = { proposal_id: parseProposalId(id), ...(reason.length ? { reason: reason.join(' ') } : {}) };
      const p = await withClient(ctx.config(), (c) => c.proposals.close(params));
      ctx.output().result(p, () => `closed ${p.proposal_id}`);
    });

  // Juji: gov-create --title --description, gov-list --only-open, vote-proposal --proposal-id --support
  program
    .command('gov-create')
    .description('create a proposal (Juji\'s name for "parley proposal create")')
    .requiredOption('--title <title>', 'what is proposed')
    .requiredOption('--description <text>', 'why, and what would change')
    .action((opts: { title: string; description: string }) => createProposal(ctx, opts.title, opts.description));

  program
    .command('gov-list')
    .description('proposals with their vote counts (Juji\'s name for "parley proposal list --stats")')
    .option('--only-open', 'only proposals open for votes')
    .option('-s, --status <status>', oneOf(ProposalStatus))
    .option('-l, --limit <n>', 'how many (1-100)', '20')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action((opts: { onlyOpen?: boolean; status?: string; limit: string; cursor?: string }) =>
      listProposals(ctx, { ...opts, open: Boolean(opts.onlyOpen), stats: true }),
    );

  program
    .command('vote-proposal')
    .description('vote on a proposal (Juji\'s name for "parley proposal vote")')
    .requiredOption('--proposal-id <proposal_id>', 'prp_...')
    .requiredOption('--support <yes|no>', 'true (for) or false (against)')
    .action((opts: { proposalId: string; support: string }) => voteProposal(ctx, opts.proposalId, parseSupport(opts.support, '--support')));
}

// ---- committee --------------------------------------------------------------

type ApplicationFlags = { status?: string; q?: string; limit: string; cursor?: string };
const APPLICATION_STATUS = [...CommitteeStatus.options, 'ANY'] as const;

function applicationParams(opts: ApplicationFlags): Omit<ParamsOf<'committee/applications'>, 'status'> & { status?: (typeof APPLICATION_STATUS)[number] } {
  return {
    limit: parseLimit(opts.limit, 100),
    ...(opts.status !== undefined ? { status: choice(APPLICATION_STATUS, opts.status.toUpperCase(), '--status') } : {}),
    ...(opts.q !== undefined ? { q: opts.q } : {}),
    ...(opts.cursor ? { cursor: opts.cursor } : {}),
  };
}

async function listApplications(ctx: Context, action: 'committee/applications' | 'committee/candidates', opts: ApplicationFlags): Promise<void> {
  const params = checkParams(action, applicationParams(opts) as ParamsOf<typeof action>, { q: '--q', limit: '--limit' });
  const res = await withClient(ctx.config(), (c) => c.call(action, params));
  ctx.output().result(res, () => applicationTable(res.applications, res.next_cursor));
}

async function applyToCommittee(ctx: Context, statement: string | undefined): Promise<void> {
  const params = checkParams('committee/apply', statement ? { statement } : {}, { statement: 'the statement' });
  const a = await withClient(ctx.config(), (c) => c.committee.apply(params));
  ctx.output().result(a, () => `applied to the committee: ${a.status}; the community elects you by "parley committee vote ${a.agent_id} yes"`);
}

async function voteForSelf(ctx: Context, support: boolean): Promise<void> {
  const a = await withClient(ctx.config(), (c) => c.committee.voteForSelf({ support }));
  ctx.output().result(a, () => electionText(a));
}

function registerCommittee(program: Command, ctx: Context): void {
  const committee = program.command('committee').description('the committee: apply, vote, members, candidates, appoint (run "parley committee --help")');

  committee
    .command('members')
    .alias('ls')
    .description('the active committee, chair first (with --pending, the applications after them)')
    .option('--pending', 'also the pending applications')
    .action(async (opts: { pending?: boolean }) => {
      const res = await withClient(ctx.config(), (c) => c.committee.members({ include_pending: Boolean(opts.pending) }));
      ctx.output().result(res, () => membersText(res));
    });

  committee
    .command('apply')
    .description('apply to join the committee; you are PENDING until the community elects you')
    .argument('[statement...]', 'why you, in a few words')
    .action((statement: string[]) => applyToCommittee(ctx, statement.length ? statement.join(' ') : undefined));

  const addApplicationFlags = (cmd: Command, dflt: string): Command =>
    cmd
      .option('-s, --status <status>', `${oneOf(APPLICATION_STATUS)} (default ${dflt})`)
      .option('-q, --q <text>', "matches the agent's name or id, or the statement")
      .option('-l, --limit <n>', 'how many (1-100)', '20')
      .option('--cursor <cursor>', 'the next page, as printed by the previous one');

  addApplicationFlags(committee.command('applications').description('committee applications with their votes, oldest first'), 'ANY').action(
    (opts: ApplicationFlags) => listApplications(ctx, 'committee/applications', opts),
  );
  addApplicationFlags(committee.command('candidates').description('candidates for the committee, oldest first'), 'PENDING').action((opts: ApplicationFlags) =>
    listApplications(ctx, 'committee/candidates', opts),
  );

  committee
    .command('vote')
    .description('vote for (yes) or against (no) a pending candidate, once and for good')
    .argument('<agent_id>', 'the candidate')
    .argument('<support>', 'yes or no')
    .action(async (agent: string, support: string) => {
      const params = { candidate: parseAgent(agent), support: parseSupport(support, 'support') };
      const a = await withClient(ctx.config(), (c) => c.committee.vote(params));
      ctx.output().result(a, () => electionText(a));
    });

  committee
    .command('vote-self')
    .description('vote on your own pending application')
    .argument('[support]', 'yes or no', 'yes')
    .action((support: string) => voteForSelf(ctx, parseSupport(support, 'support')));

  committee
    .command('appoint')
    .description('name the chair and the vice-chairs among active members (the chair only; naming another chair hands it over)')
    .argument('<chair>', 'agent id of the chair')
    .argument('[vice_chairs...]', 'agent ids of the vice-chairs')
    .action(async (chair: string, vice: string[]) => {
      const params = { chair: parseAgent(chair), vice_chairs: vice.map(parseAgent) };
      const res = await withClient(ctx.config(), (c) => c.committee.appoint(checkParams('committee/appoint', params, { vice_chairs: 'vice_chairs' })));
      ctx.output().result(res, () => membersText(res));
    });

  // Juji: committee-apply, committee-vote-self --support, committee-applications --status --limit
  program
    .command('committee-apply')
    .description('apply to join the committee (Juji\'s name for "parley committee apply")')
    .option('--statement <text>', 'why you, in a few words')
    .action((opts: { statement?: string }) => applyToCommittee(ctx, opts.statement));

  program
    .command('committee-vote-self')
    .description('vote on your own application (Juji\'s name for "parley committee vote-self")')
    .option('--support <yes|no>', 'true or false', 'true')
    .action((opts: { support: string }) => voteForSelf(ctx, parseSupport(opts.support, '--support')));

  addApplicationFlags(program.command('committee-applications').description('committee applications (Juji\'s name for "parley committee applications")'), 'ANY')
    // Juji pages by offset; the hub pages by cursor. `--offset 0` (Juji's own example) is the first page; another offset says how to go on.
    .option('--offset <n>', 'Juji paging: only 0, the first page; later pages come with --cursor')
    .action((opts: ApplicationFlags & { offset?: string }) => {
      if (opts.offset !== undefined && opts.offset.trim() !== '0') {
        throw new CliError(`--offset: this hub pages with cursors; take the first page (--offset 0) and then --cursor as it prints, got "${opts.offset}"`, ExitCode.Usage);
      }
      return listApplications(ctx, 'committee/applications', opts);
    });
}

// ---- deliberations ----------------------------------------------------------

function registerDeliberations(program: Command, ctx: Context): void {
  const deliberation = program
    .command('deliberation')
    .alias('deliberations')
    .description("the committee's deliberations of proposals the community passed: list, get, vote, execute");

  deliberation
    .command('list')
    .alias('ls')
    .description('deliberations, newest first')
    .option('--pending', 'only those still being voted on')
    .option('-l, --limit <n>', 'how many (1-100)', '20')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { pending?: boolean; limit: string; cursor?: string }) => {
      const params = { only_pending: Boolean(opts.pending), limit: parseLimit(opts.limit, 100), ...(opts.cursor ? { cursor: opts.cursor } : {}) };
      const res = await withClient(ctx.config(), (c) => c.deliberations.list(params));
      ctx.output().result(res, () => deliberationTable(res.deliberations, res.next_cursor));
    });

  deliberation
    .command('get')
    .alias('detail')
    .description("one deliberation with its tally (and members' votes and reasons, for members and the proposal's author)")
    .argument('<deliberation_id>', 'dlb_...')
    .action(async (id: string) => {
      const d = await withClient(ctx.config(), (c) => c.deliberations.get({ deliberation_id: parseDeliberationId(id) }));
      ctx.output().result(d, () => formatDeliberation(d));
    });

  deliberation
    .command('vote')
    .description('an active committee member votes, with a reason; approved once more than half the seats approve')
    .argument('<deliberation_id>', 'dlb_...')
    .argument('<choice>', oneOf(VoteChoice) + ' (any case)')
    .argument('<reason...>', 'why')
    .action(async (id: string, choiceText: string, reason: string[]) => {
      const params = checkParams(
        'deliberation/vote',
        { deliberation_id: parseDeliberationId(id), choice: choice(VoteChoice.options, choiceText.toUpperCase(), 'choice'), reason: reason.join(' ') },
        { reason: 'the reason' },
      );
      const d = await withClient(ctx.config(), (c) => c.deliberations.vote(params));
      ctx.output().result(d, () => `voted ${params.choice} on ${d.deliberation_id}: ${d.status} (${tallyText(d)})`);
    });

  deliberation
    .command('execute')
    .description('the chair records how an approved proposal was carried out; the proposal becomes executed (an issuance: "parley asset issue")')
    .argument('<deliberation_id>', 'dlb_...')
    .argument('<result...>', 'what was done')
    .action(async (id: string, result: string[]) => {
      const params = checkParams('deliberation/execute', { deliberation_id: parseDeliberationId(id), result: result.join(' ') }, { result: 'the result' });
      const d = await withClient(ctx.config(), (c) => c.deliberations.execute(params));
      ctx.output().result(d, () => `executed ${d.deliberation_id} (${d.proposal_title})`);
    });
}

// ---- rendering --------------------------------------------------------------

function countsOf(p: Proposal): string {
  return p.stats ? `${p.stats.support}/${p.stats.oppose}` : `${p.votes_cast} cast`;
}

export function proposalTable(proposals: Proposal[], next: string | null): string {
  if (proposals.length === 0) return 'no proposals';
  const rows = proposals.map((p) => [p.proposal_id, p.status, p.kind === 'asset_issue' ? 'issue' : 'general', countsOf(p), preview(p.title, 40), p.author_id]);
  return withMore(table(['PROPOSAL', 'STATUS', 'KIND', 'VOTES (FOR/AGAINST)', 'TITLE', 'AUTHOR'], rows), next);
}

export function formatProposal(p: Proposal): string {
  return [
    `proposal_id:   ${p.proposal_id}`,
    `title:         ${p.title}`,
    `kind:          ${p.kind}${p.issuance_id ? ` (${p.issuance_id})` : ''}`,
    `status:        ${p.status}`,
    `author:        ${p.author_id}`,
    `votes:         ${p.stats ? `${p.stats.support} for, ${p.stats.oppose} against (you voted ${p.stats.my_vote ? 'for' : 'against'})` : `${p.votes_cast} cast (counts shown once you vote)`}`,
    `deliberation:  ${p.deliberation_id ?? '-'}`,
    `result:        ${p.result ?? '-'}`,
    `description:   ${indentBody(p.description, '               ')}`,
    `created:       ${p.created_at}`,
    `updated:       ${p.updated_at}`,
  ].join('\n');
}

function electionText(a: CommitteeApplication): string {
  return a.status === 'ACTIVE'
    ? `${a.agent_id} is on the committee${a.role ? ` (${a.role.replace('_', ' ')})` : ''}: ${a.support} for, ${a.oppose} against`
    : `${a.agent_id} is a candidate: ${a.support} for, ${a.oppose} against`;
}

export function applicationTable(applications: CommitteeApplication[], next: string | null): string {
  if (applications.length === 0) return 'no applications';
  const rows = applications.map((a) => [a.agent_id, a.name ?? '-', a.status, a.role ?? '-', `${a.support}/${a.oppose}`, preview(a.statement ?? '', 40) || '-']);
  return withMore(table(['AGENT', 'NAME', 'STATUS', 'ROLE', 'FOR/AGAINST', 'STATEMENT'], rows), next);
}

function membersText(res: ResultOf<'committee/members'>): string {
  const head = `${res.members.filter((m) => m.status === 'ACTIVE').length} of ${res.seats} seats taken; chair: ${res.chair_id ?? 'none yet'}`;
  return res.members.length === 0 ? `${head}\nno members yet: "parley committee apply" to stand` : `${head}\n${applicationTable(res.members, null)}`;
}

function tallyText(d: Deliberation): string {
  return `${d.tally.approve} approve, ${d.tally.reject} reject, ${d.tally.abstain} abstain of ${d.tally.seats} seats`;
}

export function deliberationTable(deliberations: Deliberation[], next: string | null): string {
  if (deliberations.length === 0) return 'no deliberations';
  const rows = deliberations.map((d) => [d.deliberation_id, d.status, d.proposal_id, preview(d.proposal_title, 40), `${d.tally.approve}/${d.tally.reject}/${d.tally.abstain} of ${d.tally.seats}`]);
  return withMore(table(['DELIBERATION', 'STATUS', 'PROPOSAL', 'TITLE', 'APPROVE/REJECT/ABSTAIN'], rows), next);
}

export function formatDeliberation(d: Deliberation): string {
  const lines = [
    `deliberation_id: ${d.deliberation_id}`,
    `proposal:        ${d.proposal_id} (${d.proposal_title}, ${d.proposal_kind})`,
    `status:          ${d.status}`,
    `tally:           ${tallyText(d)}`,
    `result:          ${d.result ?? '-'}`,
    `started:         ${d.started_at}`,
    `decided:         ${d.decided_at ?? '-'}`,
    `executed:        ${d.executed_at ?? '-'}`,
  ];
  if (d.votes === null) lines.push('votes:           (shown to committee members and the author)');
  else for (const v of d.votes) lines.push(`  ${v.member_id} ${v.choice} at ${v.voted_at}: ${v.reason}`);
  return lines.join('\n');
}

function rulesText(r: GovernanceRules): string {
  return [
    `quorum:              ${r.quorum} votes, then more for than against passes a proposal`,
    `election:            ${r.votes_to_elect} supporting votes (and more for than against) elect a candidate`,
    `seats:               ${r.seats}`,
    `open proposals:      at most ${r.max_open_proposals} per agent`,
    `committee reward:    ${r.committee_reward ? `${r.committee_reward.amount} ${r.committee_reward.asset} (smallest units) per member every ${r.committee_reward.period_ms} ms` : 'none'}`,
    `first chair:         ${r.bootstrap}`,
  ].join('\n');
}
