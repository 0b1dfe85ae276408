import { TaskStatus, type Pipeline, type ResultOf } from '@parley/protocol';
import type { Command } from 'commander';
import { collect, parseAgent, parseCapability, parseLimit, parsePipelineId, parseTaskId } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { table, withMore } from '../output.js';
import { withClient } from '../session.js';

/**
 * `parley pipeline|pipe ...`: WTT's pipeline commands. A pipeline groups
 * tasks; dependencies order them; `run` starts every task whose dependencies
 * are done, and the next ones follow as their upstream tasks finish.
 */
export function registerPipelines(program: Command, ctx: Context): Command {
  const pipeline = program
    .command('pipeline')
    .aliases(['pipe', 'pipelines'])
    .description('pipelines: group tasks into stages and run them (run "parley pipeline --help")');

  pipeline
    .command('list')
    .alias('ls')
    .description('pipelines, newest first, with task counts per status')
    .option('-m, --mine', 'only yours (your default pipeline included)')
    .option('-l, --limit <n>', 'how many (1-200)', '50')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { mine?: boolean; limit: string; cursor?: string }) => {
      const params = { mine: Boolean(opts.mine), limit: parseLimit(opts.limit), ...(opts.cursor ? { cursor: opts.cursor } : {}) };
      const res = await withClient(ctx.config(), (c) => c.call('pipeline/list', params));
      ctx.output().result(res, () => {
        if (res.pipelines.length === 0) return 'no pipelines';
        const rows = res.pipelines.map((p) => [p.pipeline_id, p.name + (p.is_default ? ' (default)' : ''), p.state, p.auto_review ? 'auto' : 'owner', countsText(p)]);
        const out = table(['PIPELINE', 'NAME', 'STATE', 'REVIEW', 'TASKS'], rows);
        return withMore(out, res.next_cursor);
      });
    });

  pipeline
    .command('create')
    .alias('new')
    .description('create a pipeline; you own it')
    .argument('<name>', 'pipeline name')
    .argument('[description]', 'what it is for')
    .option('--auto-review', 'approve submissions automatically (the next stage starts as soon as one is submitted)')
    .action(async (name: string, description: string | undefined, opts: { autoReview?: boolean }) => {
      const params = { name, auto_review: Boolean(opts.autoReview), ...(description !== undefined ? { description } : {}) };
      const p = await withClient(ctx.config(), (c) => c.call('pipeline/create', params));
      ctx.output().result(p, () => `created ${p.pipeline_id} (${p.name}); add stages with "parley pipeline add ${p.pipeline_id} <stage title>..."`);
    });

  pipeline
    .command('detail')
    .alias('info')
    .description('one pipeline, with its task counts')
    .argument('<pipeline_id>', 'pip_...')
    .action(async (id: string) => {
      const p = await withClient(ctx.config(), (c) => c.call('pipeline/get', { pipeline_id: parsePipelineId(id) }));
      ctx.output().result(p, () => formatPipeline(p));
    });

  pipeline
    .command('update')
    .description('rename a pipeline or switch auto review (owner only); "" clears the description')
    .argument('<pipeline_id>', 'pip_...')
    .option('-n, --name <name>', 'new name')
    .option('-d, --description <text>', 'new description')
    .option('--auto-review', 'approve submissions automatically')
    .option('--no-auto-review', 'the owner (or each task\'s reviewer) reviews')
    .action(async (id: string, opts: { name?: string; description?: string; autoReview?: boolean }) => {
      const params = {
        pipeline_id: parsePipelineId(id),
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.description !== undefined ? { description: opts.description === '' ? null : opts.description } : {}),
        ...(opts.autoReview !== undefined ? { auto_review: opts.autoReview } : {}),
      };
      if (Object.keys(params).length === 1) throw new CliError('nothing to change: give --name, --description, --auto-review or --no-auto-review', ExitCode.Usage);
      const p = await withClient(ctx.config(), (c) => c.call('pipeline/update', params));
      ctx.output().result(p, () => `updated ${p.pipeline_id}\n${formatPipeline(p)}`);
    });

  pipeline
    .command('delete')
    .alias('remove')
    .description("delete a pipeline (owner only; not your default one); its tasks move to your default pipeline (needs --yes)")
    .argument('<pipeline_id>', 'pip_...')
    .option('-y, --yes', 'really delete: without it nothing is deleted')
    .action(async (id: string, opts: { yes?: boolean }) => {
      const pipelineId = parsePipelineId(id);
      if (!opts.yes) {
        throw new CliError(`deleting ${pipelineId} moves its tasks to your default pipeline; run "parley pipeline delete ${pipelineId} --yes" to delete it`, ExitCode.Usage);
      }
      const res = await withClient(ctx.config(), (c) => c.call('pipeline/delete', { pipeline_id: pipelineId }));
      ctx.output().result(res, () => `deleted ${res.pipeline_id} (${res.moved_tasks} task${res.moved_tasks === 1 ? '' : 's'} moved to your default pipeline)`);
    });

  pipeline
    .command('add')
    .description('add stages (new tasks, each waiting for the one before) and/or existing tasks of yours to a pipeline (owner only)')
    .argument('<pipeline_id>', 'pip_...')
    .argument('[stages...]', 'stage titles, in order (the same as --stage)')
    .option('-s, --stage <title>', 'a stage (repeatable, in order)', collect)
    .option('--task <task_id>', 'an existing task to move in (repeatable)', collect)
    .option('-c, --capability <capability>', 'capability every new stage asks for')
    .option('-r, --runner <agent_id>', 'runner of every new stage')
    .option('--after-last', "the first new stage waits for the pipeline's last task")
    .addHelpText('after', '\nExamples:\n  parley pipeline add pip_... "Analysis" "Implementation" "Validation"\n  parley pipe add pip_... --task tsk_... --stage "Review" --capability code.review')
    .action(async (id: string, positional: string[], opts: { stage?: string[]; task?: string[]; capability?: string; runner?: string; afterLast?: boolean }) => {
      const titles = [...positional, ...(opts.stage ?? [])];
      const taskIds = (opts.task ?? []).map(parseTaskId);
      if (titles.length === 0 && taskIds.length === 0) throw new CliError('nothing to add: give stage titles (or --stage) and/or --task', ExitCode.Usage);
      if (titles.length === 0 && (opts.capability !== undefined || opts.runner !== undefined)) {
        throw new CliError('--capability and --runner apply to new stages; give at least one stage', ExitCode.Usage);
      }
      const capability = opts.capability === undefined ? {} : { capability: parseCapability(opts.capability) };
      const runner = opts.runner === undefined ? {} : { runner: parseAgent(opts.runner) };
      const params = {
        pipeline_id: parsePipelineId(id),
        after_last: Boolean(opts.afterLast),
        ...(taskIds.length ? { task_ids: taskIds } : {}),
        ...(titles.length ? { stages: titles.map((title) => ({ title, ...capability, ...runner })) } : {}),
      };
      const res = await withClient(ctx.config(), (c) => c.call('pipeline/add', params));
      ctx.output().result(res, () => `added to ${res.pipeline_id}: ${res.added.join(', ')}`);
    });

  pipeline
    .command('run')
    .description('run a pipeline (owner only): every task whose dependencies are done is announced; the rest follow as they finish')
    .argument('<pipeline_id>', 'pip_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('pipeline/run', { pipeline_id: parsePipelineId(id) }));
      ctx.output().result(res, () => `running ${res.pipeline.pipeline_id}\n${formatStatus(res)}`);
    });

  pipeline
    .command('status')
    .description('where a pipeline stands: state, counts, ready and held tasks')
    .argument('<pipeline_id>', 'pip_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('pipeline/status', { pipeline_id: parsePipelineId(id) }));
      ctx.output().result(res, () => formatStatus(res));
    });

  return pipeline;
}

/** `todo 2, doing 1, done 3`: the statuses that have tasks, in lifecycle order. */
function countsText(p: Pipeline): string {
  const parts = TaskStatus.options.filter((s) => (p.counts[s] ?? 0) > 0).map((s) => `${s} ${p.counts[s]}`);
  return parts.length ? parts.join(', ') : 'none';
}

function formatPipeline(p: Pipeline): string {
  return [
    `pipeline_id:  ${p.pipeline_id}`,
    `name:         ${p.name}${p.is_default ? ' (your default pipeline)' : ''}`,
    `description:  ${p.description ?? '-'}`,
    `owner:        ${p.owner_id}`,
    `state:        ${p.state}`,
    `review:       ${p.auto_review ? 'automatic' : 'by the owner or each task\'s reviewer'}`,
    `tasks:        ${countsText(p)}`,
    `created:      ${p.created_at}`,
  ].join('\n');
}

function formatStatus(s: ResultOf<'pipeline/status'>): string {
  return [
    `${s.pipeline.pipeline_id}  ${s.pipeline.name}  (${s.pipeline.state}${s.pipeline.auto_review ? ', auto review' : ''})`,
    `tasks:  ${countsText(s.pipeline)}`,
    `ready:  ${s.ready.length ? s.ready.join(', ') : '-'}`,
    `held:   ${s.held.length ? s.held.join(', ') : '-'}`,
  ].join('\n');
}
