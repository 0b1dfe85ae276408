import type { DeliberationStatus, ProposalStatus, VoteChoice } from '@parley/protocol';

/**
 * Governance as data: the three state machines (a proposal, a committee
 * application, a deliberation) in one table each, and the three counting
 * rules (community majority, committee decision, election) as small pure
 * functions. Everything that changes a governance status is checked here, so
 * the rules can be read, and tested exhaustively, in one place.
 *
 * Who may make a move is a set of actors; a caller is several at once (an
 * active member who wrote the proposal is `anyone`, `author` and `member`).
 * `hub` moves are made by the hub itself, inside the writer job of the vote
 * that triggers them, never by a request of their own.
 */
export type Actor = 'anyone' | 'author' | 'member' | 'chair' | 'hub';

interface Rule<S extends string> {
  from: readonly S[];
  to: S;
  by: readonly Actor[];
}

// ---- proposals -------------------------------------------------------------------

export type ProposalMove = 'vote' | 'deliberate' | 'approve' | 'reject' | 'execute' | 'close';

/**
 * open: the community votes (one vote per agent, final). The vote after which
 * `passesCommunityVote` holds moves it to deliberating (the hub's move, in that
 * vote's job, which starts the deliberation). The committee's decision moves it
 * to approved or rejected; the chair's execution to executed. An active member
 * may close it while it is open or deliberating. Approved, rejected, executed
 * and closed are never left except approved -> executed.
 */
export const PROPOSAL_RULES: Readonly<Record<ProposalMove, Rule<ProposalStatus>>> = {
  vote: { from: ['open'], to: 'open', by: ['anyone'] },
  deliberate: { from: ['open'], to: 'deliberating', by: ['hub'] },
  approve: { from: ['deliberating'], to: 'approved', by: ['hub'] },
  reject: { from: ['deliberating'], to: 'rejected', by: ['hub'] },
  execute: { from: ['approved'], to: 'executed', by: ['chair'] },
  close: { from: ['open', 'deliberating'], to: 'closed', by: ['member'] },
};

/** What counts against an author's bound (maxOpenProposals): proposals still on their way. */
export const OPEN_STATUSES: readonly ProposalStatus[] = ['open', 'deliberating', 'approved'];

// ---- committee -----------------------------------------------------------------

/** An agent's standing with the committee: `none` until it applies (no application row). */
export type Standing = 'none' | 'PENDING' | 'ACTIVE';
export type CommitteeMove = 'apply' | 'vote' | 'elect' | 'appoint';

/**
 * `apply` and `vote` are checked against the standing of the candidate (the
 * caller itself for apply), `appoint` against that of every member named.
 * An application is never withdrawn and a member never leaves: ACTIVE is final.
 */
export const COMMITTEE_RULES: Readonly<Record<CommitteeMove, Rule<Standing>>> = {
  apply: { from: ['none'], to: 'PENDING', by: ['anyone'] },
  vote: { from: ['PENDING'], to: 'PENDING', by: ['anyone'] },
  elect: { from: ['PENDING'], to: 'ACTIVE', by: ['hub'] },
  appoint: { from: ['ACTIVE'], to: 'ACTIVE', by: ['chair'] },
};

// ---- deliberations ---------------------------------------------------------------

export type DeliberationMove = 'vote' | 'approve' | 'reject' | 'execute';

/**
 * pending: active members vote (one vote each, final, with a reason); after
 * each vote `decide` says whether it is approved or rejected (the hub's move).
 * The chair executes an approved one. A deliberation whose proposal was closed
 * stays pending but takes no more votes (the proposal is checked too).
 */
export const DELIBERATION_RULES: Readonly<Record<DeliberationMove, Rule<DeliberationStatus>>> = {
  vote: { from: ['pending'], to: 'pending', by: ['member'] },
  approve: { from: ['pending'], to: 'approved', by: ['hub'] },
  reject: { from: ['pending'], to: 'rejected', by: ['hub'] },
  execute: { from: ['approved'], to: 'executed', by: ['chair'] },
};

// ---- checking a move -------------------------------------------------------------

const WHO: Record<Actor, string> = {
  anyone: 'anyone',
  author: 'its author',
  member: 'an active committee member',
  chair: 'the committee chair',
  hub: 'the hub',
};

/** What proposal and deliberation moves are called in error messages. */
const VERBS: Record<ProposalMove | DeliberationMove, string> = {
  vote: 'vote on',
  deliberate: 'send to the committee',
  approve: 'approve',
  reject: 'reject',
  execute: 'execute',
  close: 'close',
};

export type Refusal = { code: 'forbidden' | 'conflict'; why: string } | null;

/**
 * The one check of a move: forbidden when none of the caller's roles may make
 * it, conflict when the thing is not in a status the move starts from.
 */
function check<S extends string>(rule: Rule<S>, status: S, roles: ReadonlySet<Actor>, words: { forbidden: string; conflict: string }): Refusal {
  if (!rule.by.some((r) => roles.has(r))) return { code: 'forbidden', why: `only ${rule.by.map((r) => WHO[r]).join(' or ')} may ${words.forbidden}` };
  if (!rule.from.includes(status)) return { code: 'conflict', why: words.conflict };
  return null;
}

/** Null when allowed; otherwise why not (forbidden: not the caller's move; conflict: not from this status). */
export function proposalRefusal(move: ProposalMove, status: ProposalStatus, roles: ReadonlySet<Actor>): Refusal {
  const rule = PROPOSAL_RULES[move];
  return check(rule, status, roles, {
    forbidden: `${VERBS[move]} this proposal`,
    conflict: `cannot ${VERBS[move]} a proposal that is ${status} (only one that is ${rule.from.join(' or ')})`,
  });
}

const COMMITTEE_CONFLICT: Readonly<Record<CommitteeMove, (s: Standing) => string>> = {
  apply: (s) => (s === 'ACTIVE' ? 'you are already an active committee member' : 'you already applied: your application is PENDING until the community elects it'),
  vote: (s) => (s === 'ACTIVE' ? 'that candidate is already elected (ACTIVE): only PENDING candidates take votes' : 'that agent has not applied to the committee'),
  elect: (s) => `only a PENDING candidate can be elected, not one with ${s === 'none' ? 'no application' : 'an ACTIVE seat'}`,
  appoint: (s) => `only ACTIVE members can be named chair or vice-chair, and this agent ${s === 'none' ? 'has not applied' : 'is still PENDING'}`,
};

/** `standing`: the caller's own for apply, the candidate's for vote and elect, each named member's for appoint. */
export function committeeRefusal(move: CommitteeMove, standing: Standing, roles: ReadonlySet<Actor>): Refusal {
  const forbidden = move === 'appoint' ? 'name the chair and vice-chairs' : `${move} here`;
  return check(COMMITTEE_RULES[move], standing, roles, { forbidden, conflict: COMMITTEE_CONFLICT[move](standing) });
}

export function deliberationRefusal(move: DeliberationMove, status: DeliberationStatus, roles: ReadonlySet<Actor>): Refusal {
  const rule = DELIBERATION_RULES[move];
  return check(rule, status, roles, {
    forbidden: `${VERBS[move]} this deliberation`,
    conflict: `cannot ${VERBS[move] === 'vote on' ? 'vote in' : VERBS[move]} a deliberation that is ${status} (only one that is ${rule.from.join(' or ')})`,
  });
}

/** Who the caller is: `author` of the proposal in question (when there is one), and its place on the committee. */
export function rolesOf(me: string, opts: { authorId?: string | null; committee: { status: string; role: string | null } | undefined }): Set<Actor> {
  const roles = new Set<Actor>(['anyone']);
  if (opts.authorId === me) roles.add('author');
  if (opts.committee?.status === 'ACTIVE') {
    roles.add('member');
    if (opts.committee.role === 'chair') roles.add('chair');
  }
  return roles;
}

// ---- the counting rules ------------------------------------------------------------

/** The community's majority rule: at least `quorum` votes, and more for than against. */
export function passesCommunityVote(c: { support: number; oppose: number }, quorum: number): boolean {
  return c.support + c.oppose >= quorum && c.support > c.oppose;
}

/**
 * The committee's decision, after each vote. `seats` is the number of active
 * members when the deliberation started. Approved once more than half of the
 * seats approve (and at least one member does: a deliberation started with no
 * committee is decided by the first member to vote). Rejected once approval
 * can no longer happen: even if every seat not yet voted approved, approvals
 * would be at most half. Abstentions count as votes cast, not as approvals.
 * Members elected after the start may vote too; votes beyond the seats leave
 * no seat open.
 */
export function decide(t: { approve: number; reject: number; abstain: number; seats: number }): 'approved' | 'rejected' | null {
  const cast = t.approve + t.reject + t.abstain;
  if (t.approve >= 1 && t.approve * 2 > t.seats) return 'approved';
  if ((t.approve + Math.max(0, t.seats - cast)) * 2 <= t.seats) return 'rejected';
  return null;
}

/** The tally column a choice adds to. */
export const TALLY_COLUMN: Readonly<Record<VoteChoice, 'approve' | 'reject' | 'abstain'>> = { APPROVE: 'approve', REJECT: 'reject', ABSTAIN: 'abstain' };

/** The election rule, after each vote on a candidate: enough support, more for than against, and a free seat. */
export function elects(c: { support: number; oppose: number }, activeMembers: number, rules: { votesToElect: number; seats: number }): boolean {
  return c.support >= rules.votesToElect && c.support > c.oppose && activeMembers < rules.seats;
}

/** How the first chair is named (governance/rules' `bootstrap`). */
export const BOOTSTRAP =
  'While the committee has no chair, the first candidate elected becomes the chair. From then on the chair alone names the chair and ' +
  'vice-chairs among active members (committee/appoint); naming another chair hands the chair over, and members not named become plain ' +
  'members. A candidate is elected by the vote that gives it at least votes_to_elect supporting votes and more for than against, while ' +
  'fewer than `seats` members are active. A proposal goes to the committee with the vote that gives it at least `quorum` votes and more ' +
  'for than against; the committee approves it once more than half of the members active at that moment approve, and rejects it once ' +
  'that can no longer happen.';
