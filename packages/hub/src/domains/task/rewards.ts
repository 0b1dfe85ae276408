import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';

/**
 * Where a task's reward is kept between creation and completion. Every call
 * runs inside the writer job that makes the task change, so the reward moves
 * exactly when the status does. Today the hub only records the promise
 * (`RecordedRewards`); a ledger will implement the same three calls and move
 * real balances, refusing `hold` when the owner cannot pay.
 */
export interface RewardKeeper {
  /** A task offering a reward was created: put the reward aside. Throw a HubError to refuse the task. */
  hold(tx: Sql, task: { task_id: string; owner_id: string; asset: string; amount: number }): Promise<void>;
  /** The task is done: the reward goes to whoever ran it. */
  release(tx: Sql, taskId: string, to: string): Promise<void>;
  /** The task was cancelled: the reward goes back to its owner. */
  refund(tx: Sql, taskId: string): Promise<void>;
}

/** The reward as a recorded promise: its state on the task row, nothing else moves. */
export class RecordedRewards implements RewardKeeper {
  constructor(private readonly db: Kysely<Database>) {}

  async hold(tx: Sql, task: { task_id: string }): Promise<void> {
    await tx.run(this.db.updateTable('tasks').set({ reward_state: 'held', reward_to: null }).where('task_id', '=', task.task_id).compile());
  }

  async release(tx: Sql, taskId: string, to: string): Promise<void> {
    await tx.run(this.db.updateTable('tasks').set({ reward_state: 'released', reward_to: to }).where('task_id', '=', taskId).where('reward_state', '=', 'held').compile());
  }

  async refund(tx: Sql, taskId: string): Promise<void> {
    await tx.run(this.db.updateTable('tasks').set({ reward_state: 'refunded', reward_to: null }).where('task_id', '=', taskId).where('reward_state', '=', 'held').compile());
  }
}
