import type { GovernanceRules } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { GovernanceConfig } from '../../config.js';
import type { Streams } from '../../core/streams.js';
import type { Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { Committee } from './committee.js';
import { GovernanceContext, type GovernancePeers } from './context.js';
import { Deliberations } from './deliberations.js';
import type { GovernanceLink, ProposalHook } from './link.js';
import { Notices } from './notices.js';
import { Proposals } from './proposals.js';
import { BOOTSTRAP } from './rules.js';

/**
 * Community governance (Juji): proposals and the community's vote, the
 * committee and its election, and the committee's deliberation. The rules are
 * in rules.ts; every change is checked and made in one writer job, with its
 * pushes (notices.ts) and the registered ProposalHooks' pushes, and the
 * request's answer. The economy domain reaches in only through `link()`.
 */
export class GovernanceService {
  readonly proposals: Proposals;
  readonly committee: Committee;
  readonly deliberations: Deliberations;
  private readonly ctx: GovernanceContext;

  constructor(opts: { db: Kysely<Database>; read: Sql; writer: Writer; streams: Streams; cfg: GovernanceConfig; peers: GovernancePeers }) {
    this.ctx = new GovernanceContext(opts.db, opts.read, opts.writer, opts.streams, opts.cfg, opts.peers, new Notices(opts.streams));
    this.proposals = new Proposals(this.ctx);
    this.committee = new Committee(this.ctx);
    this.deliberations = new Deliberations(this.ctx);
  }

  /** Called in the writer job of every proposal status change, in the order registered. */
  onProposalChange(hook: ProposalHook): void {
    this.ctx.hooks.push(hook);
  }

  rules(): GovernanceRules {
    const c = this.ctx.cfg;
    return {
      quorum: c.quorum,
      votes_to_elect: c.votesToElect,
      seats: c.seats,
      max_open_proposals: c.maxOpenProposals,
      committee_reward: c.committeeReward ? { asset: c.committeeReward.asset, amount: c.committeeReward.amount, period_ms: c.committeeReward.periodMs } : null,
      bootstrap: BOOTSTRAP,
    };
  }

  /** What the economy calls, each inside its own writer job (link.ts). */
  link(): GovernanceLink {
    const ctx = this.ctx;
    return {
      openIssuanceProposal: (tx, author, p) => this.proposals.open(tx, author, { kind: 'asset_issue', title: p.title, description: p.description, issuance_id: p.issuance_id }),
      deliberationFor: async (tx, deliberationId) => {
        const d = await ctx.deliberationRow(tx, deliberationId);
        if (!d) return null;
        const p = await ctx.proposal(tx, d.proposal_id);
        if (!p) return null;
        return { deliberation_id: d.deliberation_id, status: d.status, proposal_id: p.proposal_id, proposal_kind: p.kind, issuance_id: p.issuance_id };
      },
      execute: (tx, deliberationId, chairId, result) => this.deliberations.executeIn(tx, deliberationId, chairId, result, 'asset_issue'),
      chairId: (tx) => ctx.chairId(tx),
      activeMembers: (tx) => ctx.activeIds(tx),
    };
  }
}
