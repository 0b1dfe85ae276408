import type { RewardState } from '@parley/protocol';
import type { StagedPush } from '../../core/streams.js';
import type { Sql } from '../../store/sql.js';

/** A task's reward as the keeper is handed it: what the task row says. */
export interface TaskRewardRef {
  task_id: string;
  owner_id: string;
  asset: string;
  /** The amount in smallest units, decimal text. */
  units: string;
}

/**
 * What a keeper did with a reward: the state and payee the task records, the
 * ledger transaction that moved it, and the pushes it staged. The task
 * service writes these on its own row; the keeper never touches the tasks
 * table.
 */
export interface RewardMove {
  state: RewardState;
  paidTo: string | null;
  txId: string;
  pushes: StagedPush[];
}

/**
 * Where a task's reward is kept between creation and completion (the
 * economy's ledger). Every call runs inside the writer job that makes the
 * task change, so the reward moves exactly when the status does, and a
 * refusal (a HubError) undoes the change: the task is then not created.
 */
export interface RewardKeeper {
  /** A task offering a reward is being created: put the reward aside from its owner. */
  hold(tx: Sql, reward: TaskRewardRef): Promise<RewardMove>;
  /** The task is done: the reward goes to whoever ran it. `actor` made the move (or "hub"). */
  release(tx: Sql, reward: TaskRewardRef, to: string, actor: string): Promise<RewardMove>;
  /** The task was cancelled: the reward goes back to its owner. */
  refund(tx: Sql, reward: TaskRewardRef, actor: string): Promise<RewardMove>;
}
