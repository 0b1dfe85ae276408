import type { DeliberationStatus, ProposalStatus } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import {
  COMMITTEE_RULES,
  committeeRefusal,
  decide,
  DELIBERATION_RULES,
  deliberationRefusal,
  elects,
  passesCommunityVote,
  PROPOSAL_RULES,
  proposalRefusal,
  rolesOf,
  type Actor,
  type CommitteeMove,
  type DeliberationMove,
  type ProposalMove,
  type Standing,
} from '../src/domains/governance/rules.js';
import { type Frame, type TestAgent, ok, register, rpc, startTestHub } from './helpers.js';

/** Registers agents by name, in order. */
const agents = <const N extends readonly string[]>(hub: RunningHub, names: N) => Promise.all(names.map((n) => register(hub, n))) as Promise<{ -readonly [K in keyof N]: TestAgent }>;
const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const outcome = (f: Frame) => (f.status === 'error' ? (f.content as { code: string }).code : 'success');
const errorText = (f: Frame) => (f.status === 'error' ? (f.content as { error: string }).error : '');

const ACTORS: Actor[] = ['anyone', 'author', 'member', 'chair', 'hub'];
const PROPOSAL_STATUSES: ProposalStatus[] = ['open', 'deliberating', 'approved', 'rejected', 'executed', 'closed'];
const DELIBERATION_STATUSES: DeliberationStatus[] = ['pending', 'approved', 'rejected', 'executed'];
const STANDINGS: Standing[] = ['none', 'PENDING', 'ACTIVE'];

interface P {
  proposal_id: string;
  title: string;
  status: ProposalStatus;
  votes_cast: number;
  stats: { support: number; oppose: number; my_vote: boolean } | null;
  deliberation_id: string | null;
  result: string | null;
  author_id: string;
  kind: string;
}
interface D {
  deliberation_id: string;
  proposal_id: string;
  status: DeliberationStatus;
  tally: { approve: number; reject: number; abstain: number; seats: number };
  votes: Array<{ member_id: string; choice: string; reason: string }> | null;
  result: string | null;
}
interface App {
  agent_id: string;
  name: string | null;
  status: 'PENDING' | 'ACTIVE';
  role: string | null;
  support: number;
  oppose: number;
  statement: string | null;
}
interface Members {
  members: App[];
  chair_id: string | null;
  seats: number;
}

describe('governance rules (the tables)', () => {
  /** Every move from every status by every single actor: allowed exactly when the table says, and refused with the right code. */
  function walk<S extends string, M extends string>(rules: Readonly<Record<M, { from: readonly S[]; by: readonly Actor[] }>>, statuses: S[], refusal: (m: M, s: S, r: Set<Actor>) => unknown) {
    for (const [move, rule] of Object.entries(rules) as Array<[M, { from: readonly S[]; by: readonly Actor[] }]>) {
      for (const status of statuses) {
        for (const actor of ACTORS) {
          const no = refusal(move, status, new Set([actor])) as { code: string; why: string } | null;
          const allowed = rule.by.includes(actor) && rule.from.includes(status);
          expect(no === null, `${move} from ${status} by ${actor}`).toBe(allowed);
          if (!rule.by.includes(actor)) expect(no?.code).toBe('forbidden');
          else if (!rule.from.includes(status)) expect(no?.code).toBe('conflict');
          if (no) expect(no.why.length).toBeGreaterThan(10);
        }
      }
    }
  }

  it('proposals: each move only from its statuses and by its actors', () => {
    walk<ProposalStatus, ProposalMove>(PROPOSAL_RULES, PROPOSAL_STATUSES, proposalRefusal);
    // Rejected, executed and closed are final; approved only goes on to executed.
    const leaving = (s: ProposalStatus) => Object.values(PROPOSAL_RULES).filter((r) => r.from.includes(s));
    for (const s of ['rejected', 'executed', 'closed'] as const) expect(leaving(s)).toEqual([]);
    expect(leaving('approved').map((r) => r.to)).toEqual(['executed']);
    // Nobody but the hub moves a proposal into or out of the committee's hands.
    for (const m of ['deliberate', 'approve', 'reject'] as const) expect(PROPOSAL_RULES[m].by).toEqual(['hub']);
  });

  it('committee: apply once, votes only on PENDING candidates, the hub elects, the chair appoints', () => {
    walk<Standing, CommitteeMove>(COMMITTEE_RULES, STANDINGS, committeeRefusal);
    expect(Object.values(COMMITTEE_RULES).filter((r) => r.from.includes('ACTIVE')).map((r) => r.to)).toEqual(['ACTIVE']);
  });

  it('deliberations: members vote while pending, the chair executes an approved one', () => {
    walk<DeliberationStatus, DeliberationMove>(DELIBERATION_RULES, DELIBERATION_STATUSES, deliberationRefusal);
    for (const s of ['rejected', 'executed'] as const) expect(Object.values(DELIBERATION_RULES).filter((r) => r.from.includes(s))).toEqual([]);
  });

  it('the roles of a caller', () => {
    expect([...rolesOf('a', { authorId: 'a', committee: undefined })].sort()).toEqual(['anyone', 'author']);
    expect([...rolesOf('a', { authorId: 'b', committee: { status: 'PENDING', role: null } })]).toEqual(['anyone']);
    expect([...rolesOf('a', { committee: { status: 'ACTIVE', role: 'vice_chair' } })].sort()).toEqual(['anyone', 'member']);
    expect([...rolesOf('a', { authorId: 'a', committee: { status: 'ACTIVE', role: 'chair' } })].sort()).toEqual(['anyone', 'author', 'chair', 'member']);
  });

  it('the majority rule, the election rule and the deliberation decision', () => {
    expect(passesCommunityVote({ support: 2, oppose: 0 }, 3)).toBe(false);
    expect(passesCommunityVote({ support: 2, oppose: 1 }, 3)).toBe(true);
    expect(passesCommunityVote({ support: 2, oppose: 2 }, 3)).toBe(false);
    expect(elects({ support: 2, oppose: 1 }, 0, { votesToElect: 2, seats: 1 })).toBe(true);
    expect(elects({ support: 2, oppose: 2 }, 0, { votesToElect: 2, seats: 1 })).toBe(false);
    expect(elects({ support: 2, oppose: 0 }, 1, { votesToElect: 2, seats: 1 })).toBe(false);
    const t = (approve: number, reject: number, abstain: number, seats: number) => decide({ approve, reject, abstain, seats });
    // Three seats: two approvals carry it; two votes that are not approvals sink it.
    expect(t(1, 0, 0, 3)).toBeNull();
    expect(t(2, 0, 0, 3)).toBe('approved');
    expect(t(1, 1, 0, 3)).toBeNull();
    expect(t(0, 2, 0, 3)).toBe('rejected');
    expect(t(0, 1, 1, 3)).toBe('rejected');
    expect(t(0, 0, 2, 3)).toBe('rejected');
    expect(t(1, 0, 1, 3)).toBeNull();
    expect(t(2, 1, 0, 3)).toBe('approved');
    // Four seats: half is not more than half.
    expect(t(2, 0, 0, 4)).toBeNull();
    expect(t(2, 2, 0, 4)).toBe('rejected');
    expect(t(3, 0, 0, 4)).toBe('approved');
    expect(t(1, 1, 0, 4)).toBeNull();
    expect(t(0, 0, 2, 4)).toBe('rejected');
    // No seats (no committee when it started): the first member to vote decides.
    expect(t(0, 0, 0, 0)).toBe('rejected');
    expect(t(1, 0, 0, 0)).toBe('approved');
    expect(t(0, 0, 1, 0)).toBe('rejected');
    // Votes beyond the seats (members elected since) leave no seat open.
    expect(t(1, 1, 1, 2)).toBe('rejected');
    expect(t(2, 1, 0, 2)).toBe('approved');
  });
});

/**
 * Every role against every move of the tables, on a live hub: the caller is
 * the author, a plain agent, a PENDING candidate, an ACTIVE member or the
 * chair. A move the table refuses is tried on a proposal in that status and
 * must be refused with the table's code; a move it allows is made on a fresh
 * proposal brought to that status, and must land where the table says.
 */
describe('governance state machine per role, against a hub', () => {
  let hub: RunningHub;
  let author: TestAgent, plain: TestAgent, candidate: TestAgent, member: TestAgent, member2: TestAgent, chair: TestAgent;
  let voters: TestAgent[];
  type Role = 'author' | 'plain' | 'candidate' | 'member' | 'chair';
  const ROLE_ACTORS: Record<Role, Actor[]> = {
    author: ['anyone', 'author'],
    plain: ['anyone'],
    candidate: ['anyone'],
    member: ['anyone', 'member'],
    chair: ['anyone', 'member', 'chair'],
  };
  const who = (r: Role) => ({ author, plain, candidate, member, chair })[r];

  beforeAll(async () => {
    hub = await startTestHub({ governance: { quorum: 3, votesToElect: 1, seats: 5, maxOpenProposals: 100 } });
    [author, plain, candidate, member, member2, chair] = (await agents(hub, ['author', 'plain', 'candidate', 'member', 'member2', 'chair']));
    voters = await Promise.all([1, 2, 3].map((i) => register(hub, `voter${i}`)));
    // The first elected is the chair; then two members; the candidate stays PENDING (nobody votes for it).
    for (const a of [chair, member, member2]) {
      ok(await call(hub, a, 'committee/apply', { statement: `I am ${a.agentId}` }));
      ok(await call(hub, a, 'committee/vote_for_self', { support: true }));
    }
    ok(await call(hub, candidate, 'committee/apply', {}));
    const m = ok<Members>(await call(hub, plain, 'committee/members', { include_pending: true }));
    expect(m.chair_id).toBe(chair.agentId);
    expect(m.members.map((x) => [x.agent_id, x.status, x.role])).toEqual([
      [chair.agentId, 'ACTIVE', 'chair'],
      [member.agentId, 'ACTIVE', 'member'],
      [member2.agentId, 'ACTIVE', 'member'],
      [candidate.agentId, 'PENDING', null],
    ]);
  });
  afterAll(() => hub.close());

  /** A proposal by `author` brought to `status` (closed ones are closed while deliberating, so they have a deliberation). */
  async function proposalIn(status: ProposalStatus): Promise<P> {
    const p = ok<P>(await call(hub, author, 'proposal/create', { title: `to ${status}`, description: 'walk' }));
    if (status === 'open') return p;
    let cur = p;
    for (const v of voters) cur = ok<P>(await call(hub, v, 'proposal/vote', { proposal_id: p.proposal_id, support: true }));
    expect(cur.status).toBe('deliberating');
    const did = cur.deliberation_id!;
    if (status === 'closed') return ok<P>(await call(hub, member2, 'proposal/close', { proposal_id: p.proposal_id, reason: 'walk' }));
    if (status === 'approved' || status === 'executed') {
      ok(await call(hub, member, 'deliberation/vote', { deliberation_id: did, choice: 'APPROVE', reason: 'good' }));
      ok(await call(hub, member2, 'deliberation/vote', { deliberation_id: did, choice: 'APPROVE', reason: 'good' }));
    }
    if (status === 'rejected') {
      ok(await call(hub, member, 'deliberation/vote', { deliberation_id: did, choice: 'REJECT', reason: 'bad' }));
      ok(await call(hub, member2, 'deliberation/vote', { deliberation_id: did, choice: 'REJECT', reason: 'bad' }));
    }
    if (status === 'executed') ok(await call(hub, chair, 'deliberation/execute', { deliberation_id: did, result: 'done' }));
    const got = ok<P>(await call(hub, author, 'proposal/get', { proposal_id: p.proposal_id }));
    expect(got.status).toBe(status);
    return got;
  }

  const ROLES: Role[] = ['author', 'plain', 'candidate', 'member', 'chair'];

  it('proposal/vote and proposal/close by each role from each status', async () => {
    for (const status of PROPOSAL_STATUSES) {
      const shared = await proposalIn(status);
      for (const role of ROLES) {
        const roles = new Set(ROLE_ACTORS[role]);
        // Votes against: they never carry a proposal, so the shared one stays where it is.
        const noVote = proposalRefusal('vote', status, roles);
        const v = await call(hub, who(role), 'proposal/vote', { proposal_id: shared.proposal_id, support: false });
        expect(outcome(v), `vote on ${status} by ${role}`).toBe(noVote?.code ?? 'success');
        if (noVote) expect(errorText(v)).toBe(noVote.why);

        const noClose = proposalRefusal('close', status, roles);
        if (noClose) {
          const c = await call(hub, who(role), 'proposal/close', { proposal_id: shared.proposal_id });
          expect(outcome(c), `close ${status} by ${role}`).toBe(noClose.code);
          expect(errorText(c)).toBe(noClose.why);
        } else {
          const fresh = await proposalIn(status);
          const c = ok<P>(await call(hub, who(role), 'proposal/close', { proposal_id: fresh.proposal_id, reason: `closed by ${role}` }));
          expect(c).toMatchObject({ status: PROPOSAL_RULES.close.to, result: `closed by ${role}` });
        }
      }
    }
  });

  it('deliberation/vote and deliberation/execute by each role from each deliberation status', async () => {
    const byStatus: Record<DeliberationStatus, ProposalStatus> = { pending: 'deliberating', approved: 'approved', rejected: 'rejected', executed: 'executed' };
    for (const dstatus of DELIBERATION_STATUSES) {
      const shared = await proposalIn(byStatus[dstatus]);
      for (const role of ROLES) {
        const roles = new Set(ROLE_ACTORS[role]);
        const noVote = deliberationRefusal('vote', dstatus, roles);
        if (noVote) {
          const v = await call(hub, who(role), 'deliberation/vote', { deliberation_id: shared.deliberation_id, choice: 'ABSTAIN', reason: 'walk' });
          expect(outcome(v), `deliberation vote in ${dstatus} by ${role}`).toBe(noVote.code);
          expect(errorText(v)).toBe(noVote.why);
        } else {
          const fresh = await proposalIn(byStatus[dstatus]);
          const d = ok<D>(await call(hub, who(role), 'deliberation/vote', { deliberation_id: fresh.deliberation_id, choice: 'APPROVE', reason: `${role} agrees` }));
          expect(d.tally).toEqual({ approve: 1, reject: 0, abstain: 0, seats: 3 });
          expect(d.status).toBe('pending');
        }
        const noExec = deliberationRefusal('execute', dstatus, roles);
        if (noExec) {
          const e = await call(hub, who(role), 'deliberation/execute', { deliberation_id: shared.deliberation_id, result: 'walk' });
          expect(outcome(e), `execute ${dstatus} by ${role}`).toBe(noExec.code);
          expect(errorText(e)).toBe(noExec.why);
        } else {
          const fresh = await proposalIn(byStatus[dstatus]);
          expect(ok<D>(await call(hub, who(role), 'deliberation/execute', { deliberation_id: fresh.deliberation_id, result: 'shipped' }))).toMatchObject({
            status: 'executed',
            result: 'shipped',
          });
          expect(ok<P>(await call(hub, plain, 'proposal/get', { proposal_id: fresh.proposal_id }))).toMatchObject({ status: 'executed', result: 'shipped' });
        }
      }
    }
  });

  it('committee/apply, committee/vote and committee/appoint by each role', async () => {
    const standing: Record<Role, Standing> = { author: 'none', plain: 'none', candidate: 'PENDING', member: 'ACTIVE', chair: 'ACTIVE' };
    for (const role of ROLES) {
      const roles = new Set(ROLE_ACTORS[role]);
      // Applying again is refused for a candidate and a member; the others' applications are made last (they change the standing).
      const noApply = committeeRefusal('apply', standing[role], roles);
      if (noApply) {
        const a = await call(hub, who(role), 'committee/apply', {});
        expect(outcome(a), `apply by ${role}`).toBe(noApply.code);
        expect(errorText(a)).toBe(noApply.why);
      }
      // Votes on each kind of candidate: none (never applied) is not found, ACTIVE is a conflict.
      const onMember = await call(hub, who(role), 'committee/vote', { candidate: member2.agentId, support: false });
      expect(outcome(onMember)).toBe(committeeRefusal('vote', 'ACTIVE', roles)!.code);
      expect(outcome(await call(hub, who(role), 'committee/vote', { candidate: voters[0]!.agentId, support: true }))).toBe('not_found');
      // Appointing: only the chair; tried by the others with a valid list, so only the role decides.
      if (role !== 'chair') {
        const ap = await call(hub, who(role), 'committee/appoint', { chair: chair.agentId, vice_chairs: [] });
        expect(outcome(ap), `appoint by ${role}`).toBe('forbidden');
        expect(errorText(ap)).toBe(committeeRefusal('appoint', 'ACTIVE', roles)!.why);
      }
    }
    // The chair may name only ACTIVE members: a PENDING one or an agent with no application is a conflict.
    const chairRoles = new Set(ROLE_ACTORS.chair);
    const pending = await call(hub, chair, 'committee/appoint', { chair: chair.agentId, vice_chairs: [candidate.agentId] });
    expect([outcome(pending), errorText(pending)]).toEqual(['conflict', committeeRefusal('appoint', 'PENDING', chairRoles)!.why]);
    const never = await call(hub, chair, 'committee/appoint', { chair: plain.agentId, vice_chairs: [] });
    expect([outcome(never), errorText(never)]).toEqual(['conflict', committeeRefusal('appoint', 'none', chairRoles)!.why]);
    // A vote against a PENDING candidate by anyone is counted and leaves it PENDING.
    expect(ok<App>(await call(hub, plain, 'committee/vote', { candidate: candidate.agentId, support: false }))).toMatchObject({ status: 'PENDING', support: 0, oppose: 1 });
    // Applications by those without one (the table's allowed moves) last.
    for (const role of ['author', 'plain'] as const) {
      expect(committeeRefusal('apply', 'none', new Set(ROLE_ACTORS[role]))).toBeNull();
      expect(ok<App>(await call(hub, who(role), 'committee/apply', {}))).toMatchObject({ status: 'PENDING', role: null, name: role });
    }
  });
});

describe('proposals, the community vote, and the committee deliberation', () => {
  let hub: RunningHub;
  let author: TestAgent, x: TestAgent, y: TestAgent, z: TestAgent, chair: TestAgent, m2: TestAgent, m3: TestAgent, outsider: TestAgent;

  beforeAll(async () => {
    hub = await startTestHub({ governance: { quorum: 3, votesToElect: 1, seats: 5, maxOpenProposals: 2 } });
    [author, x, y, z, chair, m2, m3, outsider] = (await agents(hub, ['author', 'x', 'y', 'z', 'chair', 'm2', 'm3', 'outsider']));
    for (const a of [chair, m2, m3]) {
      ok(await call(hub, a, 'committee/apply', {}));
      ok(await call(hub, a, 'committee/vote_for_self', { support: true }));
    }
  });
  afterAll(() => hub.close());

  const create = (title: string) => call(hub, author, 'proposal/create', { title, description: `about ${title}` });
  const get = async (a: TestAgent, id: string) => ok<P>(await call(hub, a, 'proposal/get', { proposal_id: id }));

  it('counts are shown only to those who voted; one vote each; the vote that passes the majority rule starts the deliberation', async () => {
    const p = ok<P>(await create('first'));
    expect(p).toMatchObject({ status: 'open', votes_cast: 0, stats: null, kind: 'general', author_id: author.agentId, deliberation_id: null });
    const st = await call(hub, author, 'proposal/stats', { proposal_id: p.proposal_id });
    expect([outcome(st), errorText(st)]).toEqual(['forbidden', 'vote on this proposal first: its counts are shown only to those who voted']);

    expect(ok<P>(await call(hub, x, 'proposal/vote', { proposal_id: p.proposal_id, support: true }))).toMatchObject({
      status: 'open',
      votes_cast: 1,
      stats: { support: 1, oppose: 0, my_vote: true },
    });
    // The voter is always the caller, and a vote is final.
    const again = await call(hub, x, 'proposal/vote', { proposal_id: p.proposal_id, support: false });
    expect([outcome(again), errorText(again)]).toEqual(['conflict', 'you already voted on this proposal (for); a vote is final']);
    expect(await get(author, p.proposal_id)).toMatchObject({ votes_cast: 1, stats: null });
    expect(ok(await call(hub, x, 'proposal/stats', { proposal_id: p.proposal_id }))).toEqual({ proposal_id: p.proposal_id, votes_cast: 1, support: 1, oppose: 0, my_vote: true });

    // 1 for, 1 against: two votes, under the quorum of three and no majority.
    expect(ok<P>(await call(hub, y, 'proposal/vote', { proposal_id: p.proposal_id, support: false }))).toMatchObject({ status: 'open', stats: { support: 1, oppose: 1, my_vote: false } });
    // The author may vote on its own proposal like anyone; 2 for, 1 against with quorum 3 passes.
    const passed = ok<P>(await call(hub, author, 'proposal/vote', { proposal_id: p.proposal_id, support: true }));
    expect(passed).toMatchObject({ status: 'deliberating', votes_cast: 3, stats: { support: 2, oppose: 1, my_vote: true } });
    expect(passed.deliberation_id).toMatch(/^dlb_/);
    // No more community votes.
    expect(outcome(await call(hub, z, 'proposal/vote', { proposal_id: p.proposal_id, support: true }))).toBe('conflict');

    const d = ok<D>(await call(hub, chair, 'deliberation/get', { deliberation_id: passed.deliberation_id }));
    expect(d).toMatchObject({ proposal_id: p.proposal_id, status: 'pending', tally: { approve: 0, reject: 0, abstain: 0, seats: 3 }, votes: [] });
  });

  it('a tie at the quorum does not pass; more for than against does, on the vote that makes it so', async () => {
    const p = ok<P>(await create('tie'));
    for (const [a, s] of [[x, true], [y, false], [z, false], [outsider, true]] as const) {
      expect(ok<P>(await call(hub, a, 'proposal/vote', { proposal_id: p.proposal_id, support: s })).status).toBe('open');
    }
    expect(ok<P>(await call(hub, m2, 'proposal/vote', { proposal_id: p.proposal_id, support: true })).status).toBe('deliberating');
    // Two deliberating proposals by this author: the bound of two is reached.
    const third = await create('third');
    expect(outcome(third)).toBe('conflict');
    expect((third.content as { details: unknown }).details).toEqual({ limit: 2, open: 2 });
    expect(errorText(third)).toContain('max_open_proposals');
    // Closing one frees a place.
    ok(await call(hub, chair, 'proposal/close', { proposal_id: p.proposal_id, reason: 'duplicate' }));
    const freed = ok<P>(await create('third'));
    ok(await call(hub, chair, 'proposal/close', { proposal_id: freed.proposal_id }));
  });

  it('approval: more than half of the seats; votes with reasons shown to members and the author only; then the chair executes', async () => {
    const p = await passedProposal('approve me');
    const did = p.deliberation_id!;
    // Not a member: refused, whoever wrote the proposal.
    expect(outcome(await call(hub, author, 'deliberation/vote', { deliberation_id: did, choice: 'APPROVE', reason: 'mine' }))).toBe('forbidden');
    expect(outcome(await call(hub, outsider, 'deliberation/vote', { deliberation_id: did, choice: 'APPROVE', reason: 'x' }))).toBe('forbidden');
    let d = ok<D>(await call(hub, chair, 'deliberation/vote', { deliberation_id: did, choice: 'APPROVE', reason: 'sound plan' }));
    expect(d).toMatchObject({ status: 'pending', tally: { approve: 1, reject: 0, abstain: 0, seats: 3 } });
    const twice = await call(hub, chair, 'deliberation/vote', { deliberation_id: did, choice: 'REJECT', reason: 'changed my mind' });
    expect([outcome(twice), errorText(twice)]).toEqual(['conflict', 'you already voted in this deliberation (APPROVE); a vote is final']);
    d = ok<D>(await call(hub, m2, 'deliberation/vote', { deliberation_id: did, choice: 'ABSTAIN', reason: 'conflict of interest' }));
    expect(d.status).toBe('pending');
    d = ok<D>(await call(hub, m3, 'deliberation/vote', { deliberation_id: did, choice: 'APPROVE', reason: 'agreed' }));
    expect(d).toMatchObject({ status: 'approved', tally: { approve: 2, reject: 0, abstain: 1, seats: 3 } });
    expect(await get(outsider, p.proposal_id)).toMatchObject({ status: 'approved' });

    const seenBy = async (a: TestAgent) => ok<D>(await call(hub, a, 'deliberation/get', { deliberation_id: did })).votes;
    expect((await seenBy(author))?.map((v) => [v.member_id, v.choice, v.reason])).toEqual([
      [chair.agentId, 'APPROVE', 'sound plan'],
      [m2.agentId, 'ABSTAIN', 'conflict of interest'],
      [m3.agentId, 'APPROVE', 'agreed'],
    ]);
    expect(await seenBy(m2)).toHaveLength(3);
    expect(await seenBy(outsider)).toBeNull();
    const listed = ok<{ deliberations: D[] }>(await call(hub, outsider, 'deliberation/list', {})).deliberations.find((x) => x.deliberation_id === did);
    expect(listed?.votes).toBeNull();

    // Too late to vote; only the chair executes.
    expect(outcome(await call(hub, outsider, 'deliberation/vote', { deliberation_id: did, choice: 'APPROVE', reason: 'x' }))).toBe('forbidden');
    expect(outcome(await call(hub, m2, 'deliberation/vote', { deliberation_id: did, choice: 'APPROVE', reason: 'x' }))).toBe('conflict');
    expect(outcome(await call(hub, m2, 'deliberation/execute', { deliberation_id: did, result: 'done' }))).toBe('forbidden');
    expect(outcome(await call(hub, author, 'deliberation/execute', { deliberation_id: did, result: 'done' }))).toBe('forbidden');
    const ex = ok<D>(await call(hub, chair, 'deliberation/execute', { deliberation_id: did, result: 'rolled out on Monday' }));
    expect(ex).toMatchObject({ status: 'executed', result: 'rolled out on Monday' });
    expect(await get(author, p.proposal_id)).toMatchObject({ status: 'executed', result: 'rolled out on Monday' });
    expect(outcome(await call(hub, chair, 'deliberation/execute', { deliberation_id: did, result: 'again' }))).toBe('conflict');
    expect(outcome(await call(hub, chair, 'proposal/close', { proposal_id: p.proposal_id }))).toBe('conflict');
  });

  /** A proposal by `author` that passed the community vote (x, y, z for). */
  async function passedProposal(title: string): Promise<P> {
    const p = ok<P>(await create(title));
    let cur = p;
    for (const v of [x, y, z]) cur = ok<P>(await call(hub, v, 'proposal/vote', { proposal_id: p.proposal_id, support: true }));
    expect(cur.status).toBe('deliberating');
    return cur;
  }

  it('rejection: once approval can no longer happen (two rejections of three seats, or a rejection and an abstention)', async () => {
    const a = await passedProposal('reject me');
    ok(await call(hub, m2, 'deliberation/vote', { deliberation_id: a.deliberation_id, choice: 'REJECT', reason: 'too costly' }));
    const d = ok<D>(await call(hub, m3, 'deliberation/vote', { deliberation_id: a.deliberation_id, choice: 'REJECT', reason: 'agree, too costly' }));
    expect(d).toMatchObject({ status: 'rejected', tally: { approve: 0, reject: 2, abstain: 0, seats: 3 } });
    expect(await get(author, a.proposal_id)).toMatchObject({ status: 'rejected' });
    expect(outcome(await call(hub, chair, 'deliberation/execute', { deliberation_id: a.deliberation_id, result: 'x' }))).toBe('conflict');

    const b = await passedProposal('abstain on me');
    ok(await call(hub, chair, 'deliberation/vote', { deliberation_id: b.deliberation_id, choice: 'APPROVE', reason: 'yes' }));
    ok(await call(hub, m2, 'deliberation/vote', { deliberation_id: b.deliberation_id, choice: 'ABSTAIN', reason: 'no view' }));
    // approve 1, abstain 1, one seat left: (1 + 1) * 2 > 3, still open; the last REJECT closes it.
    const last = ok<D>(await call(hub, m3, 'deliberation/vote', { deliberation_id: b.deliberation_id, choice: 'REJECT', reason: 'no' }));
    expect(last).toMatchObject({ status: 'rejected', tally: { approve: 1, reject: 1, abstain: 1, seats: 3 } });
  });

  it('close: active members only, from open or deliberating, with the reason; a closed deliberation takes no votes', async () => {
    const p = await passedProposal('close me');
    const byAuthor = await call(hub, author, 'proposal/close', { proposal_id: p.proposal_id });
    expect([outcome(byAuthor), errorText(byAuthor)]).toEqual(['forbidden', 'only an active committee member may close this proposal']);
    const closed = ok<P>(await call(hub, m3, 'proposal/close', { proposal_id: p.proposal_id, reason: 'superseded by a later proposal' }));
    expect(closed).toMatchObject({ status: 'closed', result: 'superseded by a later proposal' });
    const v = await call(hub, m2, 'deliberation/vote', { deliberation_id: p.deliberation_id, choice: 'APPROVE', reason: 'late' });
    expect([outcome(v), errorText(v)]).toEqual(['conflict', 'its proposal is closed: the deliberation takes no more votes']);
    const pending = ok<{ deliberations: D[] }>(await call(hub, m2, 'deliberation/list', { only_pending: true, limit: 100 })).deliberations;
    expect(pending.some((d) => d.deliberation_id === p.deliberation_id)).toBe(false);
    expect(outcome(await call(hub, m3, 'proposal/close', { proposal_id: p.proposal_id }))).toBe('conflict');
  });

  it('governance/rules states the rules', async () => {
    const r = ok<Record<string, unknown>>(await call(hub, outsider, 'governance/rules', {}));
    expect(r).toMatchObject({ quorum: 3, votes_to_elect: 1, seats: 5, max_open_proposals: 2, committee_reward: null });
    expect(r.bootstrap).toContain('first candidate elected becomes the chair');
  });
});

describe('the committee: election, the bootstrap chair, appointment and hand-over', () => {
  let hub: RunningHub;
  let a: TestAgent, b: TestAgent, c: TestAgent, d: TestAgent, e: TestAgent, f: TestAgent;

  beforeAll(async () => {
    hub = await startTestHub({ governance: { votesToElect: 2, seats: 3 } });
    [a, b, c, d, e, f] = (await agents(hub, ['ann', 'bob', 'cy', 'dee', 'eve', 'fay']));
  });
  afterAll(() => hub.close());

  const members = async (includePending = false) => ok<Members>(await call(hub, f, 'committee/members', { include_pending: includePending }));

  it('elects at votes_to_elect with more for than against, the first as chair, while seats are free', async () => {
    expect(await members()).toEqual({ members: [], chair_id: null, seats: 3 });
    expect(ok<App>(await call(hub, a, 'committee/apply', { statement: 'I will serve' }))).toMatchObject({ agent_id: a.agentId, name: 'ann', status: 'PENDING', statement: 'I will serve' });
    const again = await call(hub, a, 'committee/apply', {});
    expect([outcome(again), errorText(again)]).toEqual(['conflict', 'you already applied: your application is PENDING until the community elects it']);
    expect(ok<App>(await call(hub, b, 'committee/vote', { candidate: a.agentId, support: true }))).toMatchObject({ status: 'PENDING', support: 1 });
    expect(outcome(await call(hub, b, 'committee/vote', { candidate: a.agentId, support: true }))).toBe('conflict');
    // The second supporting vote (votes_to_elect 2) elects; with no chair yet, as the chair.
    expect(ok<App>(await call(hub, a, 'committee/vote_for_self', { support: true }))).toMatchObject({ status: 'ACTIVE', role: 'chair', support: 2 });
    expect(outcome(await call(hub, c, 'committee/vote', { candidate: a.agentId, support: true }))).toBe('conflict');
    expect(outcome(await call(hub, a, 'committee/apply', {}))).toBe('conflict');

    // c: 2 for and 1 against is elected, as a plain member (there is a chair).
    ok(await call(hub, c, 'committee/apply', {}));
    ok(await call(hub, d, 'committee/vote', { candidate: c.agentId, support: false }));
    ok(await call(hub, c, 'committee/vote_for_self', { support: true }));
    expect(outcome(await call(hub, c, 'committee/vote_for_self', { support: true }))).toBe('conflict');
    expect(ok<App>(await call(hub, b, 'committee/vote', { candidate: c.agentId, support: true }))).toMatchObject({ status: 'ACTIVE', role: 'member', support: 2, oppose: 1 });

    // d: 2 for, 2 against stays PENDING (not more for than against); a third for elects it.
    ok(await call(hub, d, 'committee/apply', {}));
    for (const [v, s] of [[a, false], [b, false], [c, true], [d, true]] as const) ok(await call(hub, v, 'committee/vote', { candidate: d.agentId, support: s }));
    expect(ok<App>(await call(hub, e, 'committee/vote', { candidate: d.agentId, support: true }))).toMatchObject({ status: 'ACTIVE', role: 'member' });

    // Three seats taken: e gathers the votes but stays PENDING.
    ok(await call(hub, e, 'committee/apply', { statement: 'next in line' }));
    ok(await call(hub, e, 'committee/vote_for_self', { support: true }));
    expect(ok<App>(await call(hub, f, 'committee/vote', { candidate: e.agentId, support: true }))).toMatchObject({ status: 'PENDING', support: 2 });

    const m = await members(true);
    expect(m.chair_id).toBe(a.agentId);
    expect(m.members.map((x) => [x.name, x.status, x.role])).toEqual([
      ['ann', 'ACTIVE', 'chair'],
      ['cy', 'ACTIVE', 'member'],
      ['dee', 'ACTIVE', 'member'],
      ['eve', 'PENDING', null],
    ]);
    expect((await members()).members).toHaveLength(3);
  });

  it('only the chair appoints; names must be ACTIVE and distinct; naming another chair hands it over', async () => {
    expect(outcome(await call(hub, c, 'committee/appoint', { chair: c.agentId }))).toBe('forbidden');
    expect(outcome(await call(hub, a, 'committee/appoint', { chair: a.agentId, vice_chairs: [a.agentId] }))).toBe('invalid_params');
    expect(outcome(await call(hub, a, 'committee/appoint', { chair: a.agentId, vice_chairs: [c.agentId, c.agentId] }))).toBe('invalid_params');
    expect(outcome(await call(hub, a, 'committee/appoint', { chair: a.agentId, vice_chairs: [e.agentId] }))).toBe('conflict');
    // Refused calls changed nothing.
    expect((await members()).members.map((x) => x.role)).toEqual(['chair', 'member', 'member']);

    let m = ok<Members>(await call(hub, a, 'committee/appoint', { chair: a.agentId, vice_chairs: [d.agentId] }));
    expect(m.members.map((x) => [x.name, x.role])).toEqual([
      ['ann', 'chair'],
      ['dee', 'vice_chair'],
      ['cy', 'member'],
    ]);
    // Hand-over: c becomes chair, a and d (not named) plain members.
    m = ok<Members>(await call(hub, a, 'committee/appoint', { chair: c.agentId }));
    expect(m.chair_id).toBe(c.agentId);
    expect(m.members.map((x) => [x.name, x.role])).toEqual([
      ['cy', 'chair'],
      ['ann', 'member'],
      ['dee', 'member'],
    ]);
    expect(outcome(await call(hub, a, 'committee/appoint', { chair: a.agentId }))).toBe('forbidden');
    expect(ok<Members>(await call(hub, c, 'committee/appoint', { chair: c.agentId, vice_chairs: [a.agentId, d.agentId] })).members.map((x) => x.role)).toEqual([
      'chair',
      'vice_chair',
      'vice_chair',
    ]);
  });
});

describe('bounded reads, paging and search', () => {
  let hub: RunningHub;
  let p1: TestAgent, p2: TestAgent, m: TestAgent;
  const names = ['Zed Percent', 'Idalinde', 'Oleg', 'Pia', 'Quinn'];
  let applicants: TestAgent[];

  beforeAll(async () => {
    hub = await startTestHub({ governance: { quorum: 1, votesToElect: 1, maxOpenProposals: 50 } });
    [p1, p2, m] = (await agents(hub, ['p1', 'p2', 'member']));
    applicants = [];
    for (const n of names) applicants.push(await register(hub, n));
    const statements = ['raise it 50%', 'raise it 500', 'back\\slash', 'plain', null];
    for (const [i, a] of applicants.entries()) ok(await call(hub, a, 'committee/apply', statements[i] === null ? {} : { statement: statements[i] }));
  });
  afterAll(() => hub.close());

  const pages = async <T>(who: TestAgent, action: string, params: Record<string, unknown>, key: string): Promise<T[][]> => {
    const out: T[][] = [];
    let cursor: string | null | undefined;
    do {
      const r = ok<Record<string, unknown>>(await call(hub, who, action, { ...params, ...(cursor ? { cursor } : {}) }));
      out.push(r[key] as T[]);
      cursor = r.next_cursor as string | null;
    } while (cursor && out.length < 50);
    return out;
  };

  it('proposals page newest first, filter by status and author, and show counts only with stats and only where voted', async () => {
    const made: P[] = [];
    for (let i = 0; i < 5; i++) made.push(ok<P>(await call(hub, i % 2 ? p2 : p1, 'proposal/create', { title: `p${i}`, description: 'd'.repeat(100) })));
    // p4 is voted on by p1 (passes at once with quorum 1).
    ok(await call(hub, p1, 'proposal/vote', { proposal_id: made[4]!.proposal_id, support: true }));
    const all = await pages<P>(p1, 'proposal/list_with_stats', { limit: 2 }, 'proposals');
    expect(all.map((pg) => pg.length)).toEqual([2, 2, 1]);
    expect(all.flat().map((p) => p.proposal_id)).toEqual(made.map((p) => p.proposal_id).reverse());
    expect(all.flat().map((p) => p.stats !== null)).toEqual([true, false, false, false, false]);
    const plain = await pages<P>(p1, 'proposal/list', { limit: 3 }, 'proposals');
    expect(plain.flat().every((p) => p.stats === null)).toBe(true);
    expect(plain.flat()).toHaveLength(5);
    const open = ok<{ proposals: P[] }>(await call(hub, p2, 'proposal/list', { only_open: true })).proposals;
    expect(open.map((p) => p.title)).toEqual(['p3', 'p2', 'p1', 'p0']);
    expect(ok<{ proposals: P[] }>(await call(hub, p2, 'proposal/list', { status: 'deliberating' })).proposals.map((p) => p.title)).toEqual(['p4']);
    expect(ok<{ proposals: P[] }>(await call(hub, p2, 'proposal/list', { author: p2.agentId })).proposals.map((p) => p.title)).toEqual(['p3', 'p1']);
  });

  it('applications page oldest first, by status, and q searches names, ids and statements with wildcards taken literally', async () => {
    const all = await pages<App>(m, 'committee/applications', { limit: 2 }, 'applications');
    expect(all.map((pg) => pg.length)).toEqual([2, 2, 1]);
    expect(all.flat().map((x) => x.name)).toEqual(names);
    const q = async (text: string, action = 'committee/candidates') =>
      ok<{ applications: App[] }>(await call(hub, m, action, { q: text })).applications.map((x) => x.name);
    expect(await q('IDALIN')).toEqual(['Idalinde']);
    expect(await q('PERCENT')).toEqual(['Zed Percent']);
    expect(await q('50%')).toEqual(['Zed Percent']);
    expect(await q('50')).toEqual(['Zed Percent', 'Idalinde']);
    expect(await q('%')).toEqual(['Zed Percent']);
    expect(await q('\\')).toEqual(['Oleg']);
    expect(await q(applicants[3]!.agentId.slice(4, 20))).toEqual(['Pia']);
    // Elect Quinn: the status filters follow.
    ok(await call(hub, applicants[4]!, 'committee/vote_for_self', { support: true }));
    expect(ok<{ applications: App[] }>(await call(hub, m, 'committee/candidates', {})).applications.map((x) => x.name)).toEqual(names.slice(0, 4));
    expect(ok<{ applications: App[] }>(await call(hub, m, 'committee/applications', { status: 'ACTIVE' })).applications.map((x) => x.name)).toEqual(['Quinn']);
    expect(await q('quinn', 'committee/applications')).toEqual(['Quinn']);
    expect(await q('quinn')).toEqual([]);
  });

  it('deliberations page newest first; only_pending keeps those still voting', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = ok<P>(await call(hub, p2, 'proposal/create', { title: `d${i}`, description: 'x' }));
      ids.push(ok<P>(await call(hub, m, 'proposal/vote', { proposal_id: p.proposal_id, support: true })).deliberation_id!);
    }
    // Quinn (the only member, the chair) decides the middle one.
    ok(await call(hub, applicants[4]!, 'deliberation/vote', { deliberation_id: ids[1], choice: 'APPROVE', reason: 'yes' }));
    const all = await pages<D>(m, 'deliberation/list', { limit: 2 }, 'deliberations');
    const flat = all.flat().map((d) => d.deliberation_id);
    expect(flat.slice(0, 3)).toEqual([...ids].reverse());
    expect(new Set(flat).size).toBe(flat.length);
    const pending = ok<{ deliberations: D[] }>(await call(hub, m, 'deliberation/list', { only_pending: true, limit: 100 })).deliberations.map((d) => d.deliberation_id);
    expect(pending).toContain(ids[0]);
    expect(pending).toContain(ids[2]);
    expect(pending).not.toContain(ids[1]);
  });

  it('refuses bad params and bad cursors, changing nothing; nobody can act as another agent', async () => {
    const before = ok<{ proposals: P[] }>(await call(hub, p1, 'proposal/list', { limit: 100 })).proposals.length;
    const bad: Array<[string, unknown, string]> = [
      ['proposal/create', { title: '', description: 'x' }, 'invalid_params'],
      ['proposal/create', { title: '   ', description: 'x' }, 'invalid_params'],
      ['proposal/create', { title: 'x'.repeat(201), description: 'x' }, 'invalid_params'],
      ['proposal/create', { title: 'x', description: 'x', author_id: m.agentId }, 'invalid_params'],
      ['proposal/create', { title: 'x', description: 'x', kind: 'asset_issue' }, 'invalid_params'],
      ['proposal/vote', { proposal_id: 'nope', support: true }, 'invalid_params'],
      ['proposal/vote', { proposal_id: 'prp_missing', support: 'yes' }, 'invalid_params'],
      ['proposal/vote', { proposal_id: 'prp_missing', support: true }, 'not_found'],
      ['proposal/vote', { proposal_id: 'prp_missing', support: true, voter_id: m.agentId }, 'invalid_params'],
      ['proposal/get', { proposal_id: 'prp_missing' }, 'not_found'],
      ['proposal/stats', { proposal_id: 'prp_missing' }, 'not_found'],
      ['proposal/close', { proposal_id: 'prp_missing' }, 'not_found'],
      ['proposal/list', { limit: 0 }, 'invalid_params'],
      ['proposal/list', { limit: 101 }, 'invalid_params'],
      ['proposal/list', { cursor: 'not-ours' }, 'invalid_params'],
      ['proposal/list', { status: 'pending' }, 'invalid_params'],
      ['committee/apply', { agent_id: m.agentId }, 'invalid_params'],
      ['committee/apply', { statement: 'x'.repeat(2001) }, 'invalid_params'],
      ['committee/vote', { candidate: 'agt_x', support: true }, 'invalid_params'],
      ['committee/vote', { candidate: applicants[0]!.agentId, support: true, voter: m.agentId }, 'invalid_params'],
      ['committee/vote_for_self', { support: true, agent_id: applicants[0]!.agentId }, 'invalid_params'],
      ['committee/applications', { status: 'DONE' }, 'invalid_params'],
      ['committee/applications', { q: '' }, 'invalid_params'],
      ['committee/applications', { cursor: Buffer.from('[1]').toString('base64url') }, 'invalid_params'],
      ['committee/appoint', { chair: m.agentId, vice_chairs: Array(11).fill(m.agentId) }, 'invalid_params'],
      ['deliberation/vote', { deliberation_id: 'dlb_missing', choice: 'MAYBE', reason: 'x' }, 'invalid_params'],
      ['deliberation/vote', { deliberation_id: 'dlb_missing', choice: 'APPROVE', reason: ' ' }, 'invalid_params'],
      ['deliberation/vote', { deliberation_id: 'dlb_missing', choice: 'APPROVE', reason: 'x' }, 'not_found'],
      ['deliberation/get', { deliberation_id: 'dlb_missing' }, 'not_found'],
      ['deliberation/execute', { deliberation_id: 'dlb_missing', result: '' }, 'invalid_params'],
      ['deliberation/list', { cursor: 'x' }, 'invalid_params'],
      ['governance/rules', { quorum: 1 }, 'invalid_params'],
    ];
    for (const [action, params, code] of bad) expect(outcome(await call(hub, p1, action, params)), `${action} ${JSON.stringify(params)}`).toBe(code);
    expect(ok<{ proposals: P[] }>(await call(hub, p1, 'proposal/list', { limit: 100 })).proposals.length).toBe(before);
    expect(ok<{ applications: App[] }>(await call(hub, m, 'committee/applications', { q: 'p1' })).applications).toEqual([]);
    // An envelope naming another agent than the one authenticated is refused outright.
    const forged = await rpc(hub, { ...p1, agentId: m.agentId }, 'proposal/create', { title: 'forged', description: 'x' });
    expect(forged.status === 401 || outcome(forged.body) === 'forbidden').toBe(true);
  });
});
