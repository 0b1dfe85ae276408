import type { Pipeline, RewardState, Submission, Task, TaskStatus, TimelineEntry } from '@parley/protocol';
import { iso } from '../../core/ids.js';
import type { PipelinesTable, TaskSubmissionsTable, TasksTable, TaskTimelineTable } from '../../store/schema.js';

/** Row -> wire shapes of the work domain. */

export interface Upstream {
  task_id: string;
  title: string;
  status: string;
  output: string | null;
  artifacts: string;
}

export function toTask(r: TasksTable, upstream: readonly Upstream[]): Task {
  return {
    task_id: r.task_id,
    title: r.title,
    description: r.description,
    acceptance_criteria: r.acceptance_criteria,
    priority: r.priority as Task['priority'],
    status: r.status as TaskStatus,
    owner_id: r.owner_id,
    runner_id: r.runner_id,
    reviewer_id: r.reviewer_id,
    pipeline_id: r.pipeline_id,
    topic_id: r.topic_id,
    capability: r.capability,
    deadline: r.deadline === null ? null : iso(Number(r.deadline)),
    reward: toReward(r),
    progress: Number(r.progress),
    progress_note: r.progress_note,
    output: r.output,
    artifacts: JSON.parse(r.artifacts) as string[],
    review_comment: r.review_comment,
    depends_on: upstream.map((u) => u.task_id),
    ready: upstream.every((u) => u.status === 'done'),
    inputs: upstream
      .filter((u) => u.status === 'done')
      .map((u) => ({ task_id: u.task_id, title: u.title, output: u.output, artifacts: JSON.parse(u.artifacts) as string[] })),
    created_at: iso(Number(r.created_at)),
    updated_at: iso(Number(r.updated_at)),
  };
}

/**
 * The reward as the task carries it. A ledger reward has its exact amount in
 * reward_units; one recorded before the ledger has only the old number, shown
 * as its decimal text (it never moved value, and has no transaction).
 */
function toReward(r: TasksTable): Task['reward'] {
  if (r.reward_asset === null) return null;
  const amount = r.reward_units ?? (r.reward_amount === null ? null : String(Number(r.reward_amount)));
  if (amount === null) return null;
  return { asset: r.reward_asset, amount, state: (r.reward_state ?? 'held') as RewardState, paid_to: r.reward_to, tx_id: r.reward_tx };
}

export function toEntry(r: TaskTimelineTable): TimelineEntry {
  return {
    at: iso(Number(r.at)),
    actor: r.actor,
    kind: r.kind,
    from_status: r.from_status as TaskStatus | null,
    to_status: r.to_status as TaskStatus | null,
    note: r.note,
  };
}

export function toSubmission(r: TaskSubmissionsTable): Submission {
  return {
    submission_id: r.submission_id,
    task_id: r.task_id,
    runner_id: r.runner_id,
    output: r.output,
    artifacts: JSON.parse(r.artifacts) as string[],
    submitted_at: iso(Number(r.submitted_at)),
    review:
      r.decision === null
        ? null
        : {
            decision: r.decision as 'approve' | 'reject' | 'block',
            comment: r.comment,
            by: r.reviewed_by ?? 'hub',
            at: iso(Number(r.reviewed_at)),
          },
  };
}

export const STATUSES: readonly TaskStatus[] = ['todo', 'doing', 'review', 'done', 'blocked', 'cancelled'];

export function toPipeline(r: PipelinesTable, counts: ReadonlyMap<string, number>): Pipeline {
  return {
    pipeline_id: r.pipeline_id,
    name: r.name,
    description: r.description,
    owner_id: r.owner_id,
    is_default: Number(r.is_default) === 1,
    auto_review: Number(r.auto_review) === 1,
    state: r.state as Pipeline['state'],
    counts: Object.fromEntries(STATUSES.map((s) => [s, counts.get(s) ?? 0])) as Pipeline['counts'],
    created_at: iso(Number(r.created_at)),
  };
}
