import { TaskStatus, type ParamsOf, type Pipeline, type ResultOf } from '@parley/protocol';
import { UsageError, type CommandSpec } from '../commands/spec.js';
import { op, type ParleyDomain } from '../domain.js';
import { who } from './tasks.js';

/** `todo 2, doing 1, done 3`: the statuses that have tasks, in lifecycle order. */
function countsText(p: Pipeline): string {
  const parts = TaskStatus.options.filter((s) => (p.counts[s] ?? 0) > 0).map((s) => `${s} ${p.counts[s]}`);
  return parts.length ? parts.join(', ') : 'no tasks';
}

function pipelineLine(p: Pipeline, selfId: string | null): string {
  const bits = [p.state, p.auto_review ? 'auto review' : 'reviewed', countsText(p)];
  if (p.owner_id !== selfId) bits.push(`owner ${p.owner_id}`);
  return `${p.pipeline_id} "${p.name}"${p.is_default ? ' (default)' : ''} (${bits.join(', ')})`;
}

function pipelineList(list: readonly Pipeline[], next: string | null, selfId: string | null, more: string): string {
  if (list.length === 0) return 'No pipelines.';
  const lines = list.map((p) => `- ${pipelineLine(p, selfId)}`);
  if (next) lines.push(more.replace('{cursor}', next));
  return lines.join('\n');
}

function pipelineDetail(p: Pipeline, selfId: string | null): string {
  return [
    `Pipeline ${p.pipeline_id}: "${p.name}"${p.is_default ? ' (the default pipeline of its owner)' : ''}`,
    `description: ${p.description ?? '-'}`,
    `owner: ${who(p.owner_id, selfId)}, state: ${p.state}`,
    `review: ${p.auto_review ? 'automatic (submissions are approved at once)' : "by the owner or each task's reviewer"}`,
    `tasks: ${countsText(p)}`,
    `created: ${p.created_at}`,
  ].join('\n');
}

function statusText(s: ResultOf<'pipeline/status'>): string {
  const p = s.pipeline;
  return [
    `Pipeline ${p.pipeline_id} "${p.name}": ${p.state}${p.auto_review ? ', auto review' : ''}`,
    `tasks: ${countsText(p)}`,
    `ready: ${s.ready.length ? s.ready.join(', ') : '-'}`,
    `held: ${s.held.length ? `${s.held.join(', ')} (a task they wait for was rejected, blocked or cancelled)` : '-'}`,
  ].join('\n');
}

const deletedText = (r: ResultOf<'pipeline/delete'>): string =>
  `Deleted ${r.pipeline_id}; ${r.moved_tasks} task${r.moved_tasks === 1 ? '' : 's'} moved to the owner's default pipeline.`;

const pipelineArg = { name: 'pipeline_id', kind: 'pipeline' } as const;

const pipelineCommand: CommandSpec = {
  name: 'pipeline',
  aliases: ['pipe', 'pipelines'],
  summary: 'pipelines: group tasks into stages and run them',
  subcommands: [
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'pipelines, newest first, with task counts (--mine: only yours)',
      flags: [
        { name: 'mine', help: 'only yours (your default pipeline included)' },
        { name: 'limit', help: 'how many (1-200, default 20)', value: { kind: 'int', min: 1, max: 200 } },
        { name: 'cursor', help: 'the next page, as printed by the previous one', value: { kind: 'word', label: 'cursor' } },
      ],
      run: async (ctx, a) => {
        const cursor = a.optStr('cursor');
        const r = await ctx.caller.call('pipeline/list', { mine: a.flag('mine'), limit: a.optInt('limit') ?? 20, ...(cursor ? { cursor } : {}) });
        return pipelineList(r.pipelines, r.next_cursor, ctx.format.selfId, `(more: "${ctx.prefix} pipeline list --cursor {cursor}")`);
      },
    },
    {
      name: 'create',
      aliases: ['new'],
      summary: 'create a pipeline; you own it (--auto-review: submissions are approved at once)',
      args: [
        { name: 'name', kind: 'word' },
        { name: 'description', kind: 'text', optional: true },
      ],
      flags: [{ name: 'auto-review', help: 'approve submissions automatically' }],
      examples: ['pipeline create release "Ship v2" --auto-review'],
      run: async (ctx, a) => {
        const description = a.optStr('description');
        const p = await ctx.caller.call('pipeline/create', { name: a.str('name'), auto_review: a.flag('auto-review'), ...(description ? { description } : {}) });
        return `Created ${p.pipeline_id} "${p.name}". Add stages with "${ctx.prefix} pipeline add ${p.pipeline_id} <stage title>...", then "${ctx.prefix} pipeline run ${p.pipeline_id}".`;
      },
    },
    {
      name: 'detail',
      aliases: ['info'],
      summary: 'one pipeline, with its task counts',
      args: [pipelineArg],
      run: async (ctx, a) => pipelineDetail(await ctx.caller.call('pipeline/get', { pipeline_id: a.str('pipeline_id') }), ctx.format.selfId),
    },
    {
      name: 'update',
      summary: 'rename a pipeline, change its description ("" clears it) or switch auto review (owner only)',
      args: [pipelineArg],
      flags: [
        { name: 'name', help: 'new name', value: { kind: 'word', label: 'text' } },
        { name: 'description', help: 'new description', value: { kind: 'word', label: 'text', clearable: true } },
        { name: 'auto-review', help: 'approve submissions automatically' },
        { name: 'no-auto-review', help: "the owner (or each task's reviewer) reviews" },
      ],
      run: async (ctx, a) => {
        if (a.flag('auto-review') && a.flag('no-auto-review')) throw new UsageError('give --auto-review or --no-auto-review, not both');
        const name = a.optStr('name');
        const description = a.optStr('description');
        const auto = a.flag('auto-review') ? true : a.flag('no-auto-review') ? false : undefined;
        const params: ParamsOf<'pipeline/update'> = {
          pipeline_id: a.str('pipeline_id'),
          ...(name !== undefined ? { name } : {}),
          ...(description !== undefined ? { description: description === '' ? null : description } : {}),
          ...(auto !== undefined ? { auto_review: auto } : {}),
        };
        if (Object.keys(params).length === 1) throw new UsageError('nothing to change: give --name, --description, --auto-review or --no-auto-review');
        const p = await ctx.caller.call('pipeline/update', params);
        return `Updated ${p.pipeline_id}.\n${pipelineDetail(p, ctx.format.selfId)}`;
      },
    },
    {
      name: 'delete',
      aliases: ['remove'],
      summary: 'delete a pipeline (owner only; not your default one); its tasks move to your default pipeline (needs --yes)',
      args: [pipelineArg],
      flags: [{ name: 'yes', aliases: ['-y'], help: 'really delete' }],
      run: async (ctx, a) => {
        const id = a.str('pipeline_id');
        if (!a.flag('yes')) return `Deleting ${id} moves its tasks to your default pipeline. To delete it, say "${ctx.prefix} pipeline delete ${id} --yes".`;
        return deletedText(await ctx.caller.call('pipeline/delete', { pipeline_id: id }));
      },
    },
    {
      name: 'add',
      summary: 'add stages (new tasks, each waiting for the one before) and/or existing tasks of yours (owner only)',
      args: [pipelineArg, { name: 'stages', kind: 'list', optional: true }],
      flags: [
        { name: 'stage', help: 'a stage title (repeatable, in order; after the positional ones)', value: { kind: 'word', label: 'title', repeat: true } },
        { name: 'task', help: 'an existing task to move in (repeatable)', value: { kind: 'task', repeat: true } },
        { name: 'capability', help: 'capability every new stage asks for', value: { kind: 'capability', label: 'capability' } },
        { name: 'runner', help: 'runner of every new stage', value: { kind: 'agent' } },
        { name: 'after-last', help: "the first new stage waits for the pipeline's last task" },
      ],
      examples: ['pipeline add pip_... Analysis Implementation "Final review"', 'pipe add pip_... --task tsk_... --stage Review --capability code.review'],
      run: async (ctx, a) => {
        const titles = [...a.list('stages'), ...a.list('stage')];
        const taskIds = a.list('task');
        const capability = a.optStr('capability');
        const runner = a.optStr('runner');
        if (titles.length === 0 && taskIds.length === 0) throw new UsageError('nothing to add: give stage titles (or --stage) and/or --task');
        if (titles.length === 0 && (capability !== undefined || runner !== undefined)) {
          throw new UsageError('--capability and --runner apply to new stages; give at least one stage');
        }
        const r = await ctx.caller.call('pipeline/add', {
          pipeline_id: a.str('pipeline_id'),
          after_last: a.flag('after-last'),
          ...(taskIds.length ? { task_ids: taskIds } : {}),
          ...(titles.length ? { stages: titles.map((title) => ({ title, ...(capability ? { capability } : {}), ...(runner ? { runner } : {}) })) } : {}),
        });
        return `Added to ${r.pipeline_id}: ${r.added.join(', ')}.`;
      },
    },
    {
      name: 'run',
      summary: 'run a pipeline (owner only): every task whose dependencies are done is announced; the rest follow as they finish',
      args: [pipelineArg],
      run: async (ctx, a) => `Running.\n${statusText(await ctx.caller.call('pipeline/run', { pipeline_id: a.str('pipeline_id') }))}`,
    },
    {
      name: 'status',
      summary: 'where a pipeline stands: state, counts, ready and held tasks',
      args: [pipelineArg],
      run: async (ctx, a) => statusText(await ctx.caller.call('pipeline/status', { pipeline_id: a.str('pipeline_id') })),
    },
  ],
};

/** Pipelines: tasks grouped into stages and run in dependency order (WTT's pipe commands). */
export const pipelinesDomain: ParleyDomain = {
  id: 'pipelines',
  tools: [
    {
      name: 'parley_pipelines',
      label: 'Parley pipelines',
      description:
        'Parley pipelines (groups of tasks run in dependency order): list (mine: own ones), get, create (auto_review: submissions are ' +
        'approved at once), update, delete (owner; tasks move to the default pipeline: confirm with the user first), add stages (new ' +
        'tasks, each waiting for the one before) and/or existing task_ids, run (announces every ready task; the rest follow as their ' +
        'upstream tasks are done), and status (counts, ready and held tasks). Task dependencies and the graph are in parley_tasks.',
      ops: {
        list: op('pipeline/list', 'pipelines, newest first, with task counts', (r, _p, ctx) => pipelineList(r.pipelines, r.next_cursor, ctx.selfId, '(more: cursor {cursor})')),
        get: op('pipeline/get', 'one pipeline with task counts per status', (r, _p, ctx) => pipelineDetail(r, ctx.selfId)),
        create: op('pipeline/create', 'create a pipeline (this agent owns it)', (r, _p, ctx) => `Created ${r.pipeline_id}.\n${pipelineDetail(r, ctx.selfId)}`),
        update: op('pipeline/update', 'rename, describe or switch auto_review (owner)', (r, _p, ctx) => `Updated ${r.pipeline_id}.\n${pipelineDetail(r, ctx.selfId)}`),
        delete: op('pipeline/delete', 'delete a pipeline (owner; not the default one)', (r) => deletedText(r)),
        add: op('pipeline/add', 'add stages (title, description, capability, runner) and/or existing task_ids (owner)', (r) => `Added to ${r.pipeline_id}: ${r.added.join(', ')}.`),
        run: op('pipeline/run', 'run it: ready tasks are announced (owner)', (r) => `Running.\n${statusText(r)}`),
        status: op('pipeline/status', 'state, counts, ready and held tasks', (r) => statusText(r)),
      },
      fieldHints: {
        pipeline_id: 'A pipeline id (pip_...)',
        task_ids: 'Existing tasks of this agent to move in (tsk_...)',
        stages: 'New tasks in order; each waits for the one before',
        after_last: "The first new stage waits for the pipeline's last task",
        mine: "Only this agent's own pipelines",
        cursor: 'next_cursor of the previous page',
      },
    },
  ],
  commands: [pipelineCommand],
};
