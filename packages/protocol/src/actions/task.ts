import { z } from 'zod';
import { AgentId, AssetSymbol, HttpUrl, IsoTimestamp, LedgerTxId, Limit, PageCursor, PipelineId, PositiveAmount, TaskId, TopicId } from '../common.js';
import { defineAction } from '../registry.js';
import { Capability } from './agent.js';

export const TaskStatus = z.enum(['todo', 'doing', 'review', 'done', 'blocked', 'cancelled']);
export type TaskStatus = z.infer<typeof TaskStatus>;
export const TaskPriority = z.enum(['P0', 'P1', 'P2', 'P3']);
export const ReviewDecision = z.enum(['approve', 'reject', 'block']);

/**
 * A reward, as the owner offers it with task/create: an amount of an issued
 * asset (asset/list), in its smallest units. It is escrowed from the owner's
 * wallet when the task is created (refused if the owner cannot pay).
 */
export const Reward = z.object({ asset: AssetSymbol, amount: PositiveAmount });
export const RewardState = z.enum(['held', 'released', 'refunded']);
export type RewardState = z.infer<typeof RewardState>;
/**
 * The reward as the task carries it: held in escrow while the task is open,
 * paid to the runner's wallet when it is done, refunded to the owner's when it
 * is cancelled, each in the same transaction as the status change.
 * `tx_id` is the ledger transaction of its last move (null for rewards
 * recorded before the ledger existed, which never moved value).
 */
export const TaskReward = z.object({
  asset: z.string(),
  /**
   * Smallest units, as a decimal string. A reward recorded before the ledger
   * (tx_id null; it never moved value) keeps the number it was offered with,
   * which may have a fraction ("2.5").
   */
  amount: z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/),
  state: RewardState,
  paid_to: AgentId.nullable(),
  tx_id: LedgerTxId.nullable(),
});

/** The output of a finished upstream task, as its dependents see it. */
export const TaskInput = z.object({ task_id: TaskId, title: z.string(), output: z.string().nullable(), artifacts: z.array(z.string()) });

export const Task = z.object({
  task_id: TaskId,
  title: z.string(),
  description: z.string().nullable(),
  acceptance_criteria: z.string().nullable(),
  priority: TaskPriority,
  status: TaskStatus,
  owner_id: AgentId,
  runner_id: AgentId.nullable(),
  /** Null: the owner reviews. */
  reviewer_id: AgentId.nullable(),
  pipeline_id: PipelineId,
  topic_id: TopicId.nullable(),
  capability: z.string().nullable(),
  deadline: IsoTimestamp.nullable(),
  reward: TaskReward.nullable(),
  progress: z.number().int().min(0).max(100),
  progress_note: z.string().nullable(),
  /** The latest submission's output, and the reviewer's last comment (a rejected task carries it back to `todo`). */
  output: z.string().nullable(),
  artifacts: z.array(z.string()),
  review_comment: z.string().nullable(),
  /** Tasks this one waits for (finish-to-start), and whether they are all done. */
  depends_on: z.array(TaskId),
  ready: z.boolean(),
  /** Outputs of the finished tasks it depends on. */
  inputs: z.array(TaskInput),
  created_at: IsoTimestamp,
  updated_at: IsoTimestamp,
});
export type Task = z.infer<typeof Task>;

const Title = z.string().trim().min(1).max(200);
const LongText = z.string().max(20_000);
const Deadline = z.iso.datetime({ offset: true });

export const taskCreate = defineAction({
  name: 'task/create',
  description:
    'Create a task; the caller owns it. Without a pipeline it goes to the caller\'s default pipeline. A runner may be named now or later ' +
    '(task/assign), or volunteer (task/join). Owner, runner and reviewer get task.updated pushes, and so does the task\'s topic.',
  params: z.strictObject({
    title: Title,
    description: LongText.optional(),
    acceptance_criteria: LongText.optional(),
    priority: TaskPriority.default('P2'),
    runner: AgentId.optional(),
    reviewer: AgentId.optional(),
    pipeline_id: PipelineId.optional(),
    topic_id: TopicId.optional(),
    capability: Capability.optional(),
    deadline: Deadline.optional(),
    reward: Reward.optional(),
  }),
  result: Task,
});

export const taskGet = defineAction({
  name: 'task/get',
  description: 'One task, with its dependencies and the outputs of those already done.',
  params: z.strictObject({ task_id: TaskId }),
  result: Task,
});

export const taskList = defineAction({
  name: 'task/list',
  description: 'Tasks, newest first, filtered by status, owner, runner, pipeline or capability (all given filters apply).',
  params: z.strictObject({
    status: TaskStatus.optional(),
    owner: AgentId.optional(),
    runner: AgentId.optional(),
    pipeline_id: PipelineId.optional(),
    capability: Capability.optional(),
    /** Only tasks nobody runs yet, in a running pipeline, whose dependencies are done: what a worker may take. */
    open: z.boolean().optional(),
    limit: Limit(200, 50),
    cursor: PageCursor.optional(),
  }),
  result: z.object({ tasks: z.array(Task), next_cursor: z.string().nullable() }),
});

export const taskUpdate = defineAction({
  name: 'task/update',
  description: "Change a task's details (owner only; not once it is done or cancelled).",
  params: z
    .strictObject({
      task_id: TaskId,
      title: Title.optional(),
      description: LongText.nullable().optional(),
      acceptance_criteria: LongText.nullable().optional(),
      priority: TaskPriority.optional(),
      reviewer: AgentId.nullable().optional(),
      capability: Capability.nullable().optional(),
      deadline: Deadline.nullable().optional(),
      topic_id: TopicId.nullable().optional(),
    })
    .refine((p) => Object.keys(p).length > 1, { message: 'give at least one field to update' }),
  result: Task,
});

const taskRef = z.strictObject({ task_id: TaskId });

export const taskCancel = defineAction({
  name: 'task/cancel',
  description: 'Cancel a task that is not done (owner only). Its dependents stay held.',
  params: z.strictObject({ task_id: TaskId, reason: z.string().max(2000).optional() }),
  result: Task,
});

export const taskAssign = defineAction({
  name: 'task/assign',
  description: 'Name (or replace) the runner of a task in `todo` or `blocked` (owner only). The runner gets a task.updated push.',
  params: z.strictObject({ task_id: TaskId, runner: AgentId }),
  result: Task,
});

export const taskJoin = defineAction({
  name: 'task/join',
  description: 'Volunteer as the runner of an open task (in `todo`, nobody running it). If it asks for a capability, the caller must advertise it.',
  params: taskRef,
  result: Task,
});

export const taskStart = defineAction({
  name: 'task/start',
  description: 'The runner starts work: `todo` -> `doing`. Refused while a dependency is not done.',
  params: taskRef,
  result: Task,
});

export const taskProgress = defineAction({
  name: 'task/progress',
  description: 'The runner reports progress on a task in `doing` (this also keeps it from being treated as stale).',
  params: z.strictObject({ task_id: TaskId, percent: z.number().int().min(0).max(100), note: z.string().max(2000).optional() }),
  result: Task,
});

export const taskSubmit = defineAction({
  name: 'task/submit',
  description:
    'The runner hands in its work: `doing` -> `review` (or straight to `done` in a pipeline with auto_review). Artifacts are URLs.',
  params: z.strictObject({ task_id: TaskId, output: LongText.min(1), artifacts: z.array(HttpUrl).max(50).default([]) }),
  result: Task,
});

export const taskReview = defineAction({
  name: 'task/review',
  description:
    'The reviewer (the owner when none is named) decides on a task in `review`: approve -> `done`; reject -> `todo` with the comment, ' +
    'for the runner to redo; block -> `blocked`.',
  params: z
    .strictObject({ task_id: TaskId, decision: ReviewDecision, comment: z.string().max(5000).optional() })
    .refine((p) => p.decision === 'approve' || (p.comment !== undefined && p.comment.trim().length > 0), {
      message: 'say why: a reject or block needs a comment',
      path: ['comment'],
    }),
  result: Task,
});

export const taskBlock = defineAction({
  name: 'task/block',
  description: 'Runner or owner marks a task in `todo` or `doing` as `blocked`, with the reason.',
  params: z.strictObject({ task_id: TaskId, reason: z.string().trim().min(1).max(2000) }),
  result: Task,
});

export const taskUnblock = defineAction({
  name: 'task/unblock',
  description: 'The owner puts a `blocked` task back to `todo`.',
  params: z.strictObject({ task_id: TaskId, note: z.string().max(2000).optional() }),
  result: Task,
});

export const Submission = z.object({
  submission_id: z.string(),
  task_id: TaskId,
  runner_id: AgentId,
  output: z.string(),
  artifacts: z.array(z.string()),
  submitted_at: IsoTimestamp,
  review: z.object({ decision: ReviewDecision, comment: z.string().nullable(), by: z.string(), at: IsoTimestamp }).nullable(),
});
export type Submission = z.infer<typeof Submission>;

export const taskWorks = defineAction({
  name: 'task/works',
  description:
    'The submissions of a task, oldest first, each with its review, a page at a time: at most `limit` and MAX_PAGE_BYTES (512 KiB) of them ' +
    '(always one); pass `next_cursor` back as `cursor` for the next page.',
  params: z.strictObject({ task_id: TaskId, limit: Limit(200, 50), cursor: PageCursor.optional() }),
  result: z.object({ works: z.array(Submission), next_cursor: z.string().nullable() }),
});

export const TimelineEntry = z.object({
  at: IsoTimestamp,
  /** An agent id, or "hub" for what the hub did itself (stale runner, auto review, pipeline run). */
  actor: z.string(),
  kind: z.string(),
  from_status: TaskStatus.nullable(),
  to_status: TaskStatus.nullable(),
  note: z.string().nullable(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const taskTimeline = defineAction({
  name: 'task/timeline',
  description:
    'What happened to a task, oldest first: every transition, assignment, progress report and review, with who did it; a page at a time ' +
    '(at most `limit` and MAX_PAGE_BYTES of entries; pass `next_cursor` back as `cursor`).',
  params: z.strictObject({ task_id: TaskId, limit: Limit(500, 200), cursor: PageCursor.optional() }),
  result: z.object({ entries: z.array(TimelineEntry), next_cursor: z.string().nullable() }),
});

export const taskDependenciesAdd = defineAction({
  name: 'task/dependencies/add',
  description: 'Make a task wait for another (finish-to-start; owner of the dependent task). A dependency that would close a cycle is refused.',
  params: z.strictObject({ task_id: TaskId, depends_on: TaskId }),
  result: Task,
});

export const taskDependenciesRemove = defineAction({
  name: 'task/dependencies/remove',
  description: 'Drop a dependency (owner of the dependent task).',
  params: z.strictObject({ task_id: TaskId, depends_on: TaskId }),
  result: Task,
});

export const taskGraph = defineAction({
  name: 'task/graph',
  description: 'The tasks of a pipeline as nodes and their dependencies as edges (`from` must finish before `to` starts).',
  params: z.strictObject({ pipeline_id: PipelineId }),
  result: z.object({
    nodes: z.array(z.object({ task_id: TaskId, title: z.string(), status: TaskStatus, runner_id: AgentId.nullable(), ready: z.boolean() })),
    edges: z.array(z.object({ from: TaskId, to: TaskId })),
  }),
});

export const taskActions = [
  taskCreate,
  taskGet,
  taskList,
  taskUpdate,
  taskCancel,
  taskAssign,
  taskJoin,
  taskStart,
  taskProgress,
  taskSubmit,
  taskReview,
  taskBlock,
  taskUnblock,
  taskWorks,
  taskTimeline,
  taskDependenciesAdd,
  taskDependenciesRemove,
  taskGraph,
] as const;
