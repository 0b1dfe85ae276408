import type { Proposal, ProposalStatus } from '@parley/protocol';
import type { StagedPush } from '../../core/streams.js';
import type { Sql } from '../../store/sql.js';

/**
 * What the economy domain asks of governance, and how governance tells it that
 * an issuance proposal moved on. Every call runs inside the caller's writer
 * job (`tx`), so the two domains change together or not at all; neither
 * touches the other's tables.
 */
export interface GovernanceLink {
  /**
   * Opens an `asset_issue` proposal for an issuance application (asset/issuance/apply),
   * counting against the author's open-proposal bound; stages its proposal.created push.
   */
  openIssuanceProposal(
    tx: Sql,
    author: string,
    p: { title: string; description: string; issuance_id: string },
  ): Promise<{ proposal: Proposal; pushes: StagedPush[] }>;
  /** The deliberation, its status and its proposal (for asset/issue); null when there is none. */
  deliberationFor(
    tx: Sql,
    deliberationId: string,
  ): Promise<{ deliberation_id: string; status: string; proposal_id: string; proposal_kind: string; issuance_id: string | null } | null>;
  /**
   * Records the chair's execution of an approved deliberation (`result`), which
   * executes and closes its proposal; stages the proposal.status pushes.
   * Refuses (HubError) when `chairId` is not the chair or the deliberation is not approved.
   */
  execute(tx: Sql, deliberationId: string, chairId: string, result: string): Promise<StagedPush[]>;
  /** The current chair, or null before the first one. */
  chairId(tx: Sql): Promise<string | null>;
  /** ACTIVE committee members, by election. */
  activeMembers(tx: Sql): Promise<string[]>;
}

/**
 * Called by governance inside the writer job of every proposal status change
 * (`from` -> `proposal.status`); returns the pushes it staged there. The
 * economy uses it to follow its issuance applications (approved, rejected, closed).
 */
export type ProposalHook = (tx: Sql, proposal: Proposal, from: ProposalStatus) => Promise<StagedPush[]>;
