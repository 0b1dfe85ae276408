import { z } from 'zod';
import { AgentId, IsoTimestamp, Limit, PageCursor, PipelineId, TaskId } from '../common.js';
import { defineAction } from '../registry.js';
import { Capability } from './agent.js';
import { TaskStatus } from './task.js';

export const PipelineCounts = z.record(TaskStatus, z.number().int().nonnegative());

export const Pipeline = z.object({
  pipeline_id: PipelineId,
  name: z.string(),
  description: z.string().nullable(),
  owner_id: AgentId,
  /** Each agent has one default pipeline (tasks created without one land there); it cannot be deleted. */
  is_default: z.boolean(),
  /** Submissions are approved by the hub itself. */
  auto_review: z.boolean(),
  /** idle: never run; running: run and not finished; done: every task done or cancelled. */
  state: z.enum(['idle', 'running', 'done']),
  counts: PipelineCounts,
  created_at: IsoTimestamp,
});
export type Pipeline = z.infer<typeof Pipeline>;

const Name = z.string().trim().min(1).max(100);

export const pipelineCreate = defineAction({
  name: 'pipeline/create',
  description: 'Create a pipeline; the caller owns it.',
  params: z.strictObject({ name: Name, description: z.string().max(2000).optional(), auto_review: z.boolean().default(false) }),
  result: Pipeline,
});

export const pipelineGet = defineAction({
  name: 'pipeline/get',
  description: 'One pipeline with its task counts per status.',
  params: z.strictObject({ pipeline_id: PipelineId }),
  result: Pipeline,
});

export const pipelineList = defineAction({
  name: 'pipeline/list',
  description: 'Pipelines, newest first; `mine` for the caller\'s own (its default one included).',
  params: z.strictObject({ mine: z.boolean().default(false), limit: Limit(200, 50), cursor: PageCursor.optional() }),
  result: z.object({ pipelines: z.array(Pipeline), next_cursor: z.string().nullable() }),
});

export const pipelineUpdate = defineAction({
  name: 'pipeline/update',
  description: 'Rename a pipeline or switch auto_review (owner only).',
  params: z
    .strictObject({ pipeline_id: PipelineId, name: Name.optional(), description: z.string().max(2000).nullable().optional(), auto_review: z.boolean().optional() })
    .refine((p) => Object.keys(p).length > 1, { message: 'give at least one field to update' }),
  result: Pipeline,
});

export const pipelineDelete = defineAction({
  name: 'pipeline/delete',
  description: "Delete a pipeline (owner only; not the default one). Its tasks move to the owner's default pipeline.",
  params: z.strictObject({ pipeline_id: PipelineId }),
  result: z.object({ pipeline_id: PipelineId, deleted: z.literal(true), moved_tasks: z.number().int().nonnegative() }),
});

export const Stage = z.strictObject({
  title: z.string().trim().min(1).max(200),
  description: z.string().max(20_000).optional(),
  capability: Capability.optional(),
  runner: AgentId.optional(),
});

export const pipelineAdd = defineAction({
  name: 'pipeline/add',
  description:
    'Add to a pipeline (owner only): existing tasks of the caller (`task_ids`, moved in), and/or `stages`, new tasks in a chain where each ' +
    'stage waits for the one before it (the first waits for the pipeline\'s last task when `after_last` is set).',
  params: z
    .strictObject({
      pipeline_id: PipelineId,
      task_ids: z.array(TaskId).max(100).optional(),
      stages: z.array(Stage).min(1).max(50).optional(),
      after_last: z.boolean().default(false),
    })
    .refine((p) => p.task_ids !== undefined || p.stages !== undefined, { message: 'give task_ids, stages, or both' }),
  result: z.object({ pipeline_id: PipelineId, added: z.array(TaskId) }),
});

export const PipelineStatus = z.object({
  pipeline: Pipeline,
  /** Tasks waiting for nobody: in `todo` with every dependency done. */
  ready: z.array(TaskId),
  /** Tasks held by a dependency that was rejected back, blocked or cancelled. */
  held: z.array(TaskId),
});

export const pipelineRun = defineAction({
  name: 'pipeline/run',
  description:
    'Run a pipeline (owner only): every task whose dependencies are done is made ready and announced (task.ready to its runner, or to ' +
    'the pipeline\'s task topic and capable agents when nobody runs it yet). From then on, each task that reaches `done` readies its dependents.',
  params: z.strictObject({ pipeline_id: PipelineId }),
  result: PipelineStatus,
});

export const pipelineStatus = defineAction({
  name: 'pipeline/status',
  description: 'Where a pipeline stands: counts, ready tasks and held ones.',
  params: z.strictObject({ pipeline_id: PipelineId }),
  result: PipelineStatus,
});

export const pipelineActions = [pipelineCreate, pipelineGet, pipelineList, pipelineUpdate, pipelineDelete, pipelineAdd, pipelineRun, pipelineStatus] as const;
