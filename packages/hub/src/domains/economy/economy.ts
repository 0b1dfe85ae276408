import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { GovernanceConfig } from '../../config.js';
import type { Streams } from '../../core/streams.js';
import type { Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { auditLedger, type LedgerAudit } from './audit.js';
import { CommitteeReward } from './committee-reward.js';
import { Issuances, type GovernanceRef } from './issuance.js';
import { Ledger } from './ledger.js';
import { LedgerRewards } from './task-rewards.js';
import { Transfers } from './transfers.js';
import { Wallets, type EconomyPeers } from './wallets.js';

export interface EconomyDeps {
  db: Kysely<Database>;
  read: Sql;
  writer: Writer;
  streams: Streams;
  /** The agent domain's keys. */
  agents: EconomyPeers;
  /** Governance, asked when first needed (the hub may make it after the economy). */
  governance: GovernanceRef;
  rules: GovernanceConfig;
  log: Logger;
}

/**
 * The economy domain, put together: the ledger and wallets underneath, and
 * what uses them (issuance through governance, transfers and reads, task
 * rewards, the committee's periodic reward).
 */
export class Economy {
  readonly ledger: Ledger;
  readonly wallets: Wallets;
  readonly issuances: Issuances;
  readonly transfers: Transfers;
  /** The task domain's RewardKeeper. */
  readonly taskRewards: LedgerRewards;
  readonly committeeReward: CommitteeReward;

  constructor(private readonly deps: EconomyDeps) {
    const { db, read, writer, streams } = deps;
    this.ledger = new Ledger(db, read);
    this.wallets = new Wallets(db, read, deps.agents);
    this.issuances = new Issuances(db, writer, streams, deps.governance, this.wallets, this.ledger, deps.rules.maxOpenProposals);
    this.transfers = new Transfers(db, read, writer, streams, deps.agents, this.wallets, this.ledger);
    this.taskRewards = new LedgerRewards(this.ledger, this.wallets, streams);
    this.committeeReward = new CommitteeReward(db, read, writer, streams, deps.governance, this.wallets, this.ledger, deps.rules.committeeReward, deps.log);
  }

  /** For governance's onProposalChange: issuance applications follow their proposals. */
  get proposalHook() {
    return this.issuances.proposalHook;
  }

  /** Starts the committee reward's timer on the hub holding the timer lease (`owner`). */
  start(owner: () => boolean): void {
    this.committeeReward.start(owner);
  }

  stop(): void {
    this.committeeReward.stop();
  }

  idle(): Promise<void> {
    return this.committeeReward.idle();
  }

  /** The ledger recomputed from its entries (audit.ts), as the read side sees it. */
  audit(): Promise<LedgerAudit> {
    return auditLedger(this.deps.db, this.deps.read);
  }
}
