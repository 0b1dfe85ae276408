import { agentStream } from '@parley/protocol';
import type { Streams } from '../../core/streams.js';
import type { Sql } from '../../store/sql.js';
import type { RewardKeeper, RewardMove, TaskRewardRef } from '../task/rewards.js';
import { escrowAccount, walletAccount } from './accounts.js';
import type { Ledger } from './ledger.js';
import type { Wallets } from './wallets.js';

/**
 * Task rewards on the ledger: held in `escrow:<task_id>` from the owner's
 * wallet when the task is created, released to the runner's wallet when it is
 * done, refunded to the owner's when it is cancelled. Each call is one ledger
 * transaction in the task change's writer job; whoever is paid hears it
 * (reward.paid). The task service records the outcome on its own row.
 */
export class LedgerRewards implements RewardKeeper {
  constructor(
    private readonly ledger: Ledger,
    private readonly wallets: Wallets,
    private readonly streams: Streams,
  ) {}

  async hold(tx: Sql, r: TaskRewardRef): Promise<RewardMove> {
    const from = walletAccount(await this.wallets.addressOf(r.owner_id));
    const amount = BigInt(r.units);
    // An unknown asset is not_found, an owner who cannot pay a conflict: the task is then not created.
    const held = await this.ledger.post(tx, {
      kind: 'escrow',
      asset: r.asset,
      actor: r.owner_id,
      memo: `reward of ${r.task_id}`,
      ref: r.task_id,
      entries: [
        { account: from, amount: -amount },
        { account: escrowAccount(r.task_id), amount },
      ],
    });
    return { state: 'held', paidTo: null, txId: held.tx_id, pushes: [] };
  }

  async release(tx: Sql, r: TaskRewardRef, to: string, actor: string): Promise<RewardMove> {
    const paid = await this.payOut(tx, r, 'release', to, actor);
    const push = await this.streams.stage(tx, agentStream(to), 'reward.paid', { kind: 'task', tx: paid, task_id: r.task_id, period: null });
    return { state: 'released', paidTo: to, txId: paid.tx_id, pushes: [push] };
  }

  async refund(tx: Sql, r: TaskRewardRef, actor: string): Promise<RewardMove> {
    const paid = await this.payOut(tx, r, 'refund', r.owner_id, actor);
    const push = await this.streams.stage(tx, agentStream(r.owner_id), 'reward.paid', { kind: 'task_refund', tx: paid, task_id: r.task_id, period: null });
    return { state: 'refunded', paidTo: null, txId: paid.tx_id, pushes: [push] };
  }

  /** The whole escrow to one agent's wallet (its row made if it had none). */
  private async payOut(tx: Sql, r: TaskRewardRef, kind: 'release' | 'refund', to: string, actor: string) {
    const amount = BigInt(r.units);
    return this.ledger.post(tx, {
      kind,
      asset: r.asset,
      actor,
      memo: kind === 'release' ? `reward of ${r.task_id}` : `reward of ${r.task_id}, refunded`,
      ref: r.task_id,
      entries: [
        { account: escrowAccount(r.task_id), amount: -amount },
        { account: walletAccount(await this.wallets.open(tx, to)), amount },
      ],
    });
  }
}
