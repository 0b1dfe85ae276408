import { ReviewDecision, TaskPriority, TaskStatus, type ResultOf, type Submission, type Task, type TimelineEntry } from '@parley/protocol';
import { parseReward } from '@parley/client';
import type { Command } from 'commander';
import { choice, collect, oneOf, parseAgent, parseCapability, parseIntIn, parseLimit, parsePipelineId, parseTaskId, parseTopic, parseWhen } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { indentBody, preview, table } from '../output.js';
import { withClient } from '../session.js';
import { amountOf, assetDecimals } from './economy.js';

/**
 * `parley task ...`: the WTT task commands (`@wtt task list|create|detail|run|review ...`)
 * with their aliases, one hub action each. Tables and readable text by
 * default, the hub's result with --json.
 */
export function registerTasks(program: Command, ctx: Context): Command {
  const task = program
    .command('task')
    .alias('tasks')
    .description('tasks: create, take, run, submit, review (run "parley task --help")');

  task
    .command('list')
    .alias('ls')
    .description('tasks, newest first; every filter given applies')
    .option('-s, --status <status>', oneOf(TaskStatus))
    .option('--owner <agent_id>', 'owned by this agent ("me" for you)')
    .option('--runner <agent_id>', 'run by this agent ("me" for you)')
    .option('-p, --pipeline <pipeline_id>', 'in this pipeline')
    .option('-c, --capability <capability>', 'asking for this capability')
    .option('-o, --open', 'only tasks you could take: in todo, nobody running them, every dependency done')
    .option('-l, --limit <n>', 'how many (1-200)', '50')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { status?: string; owner?: string; runner?: string; pipeline?: string; capability?: string; open?: boolean; limit: string; cursor?: string }) => {
      const base = {
        limit: parseLimit(opts.limit),
        ...(opts.status !== undefined ? { status: choice(TaskStatus.options, opts.status, '--status') } : {}),
        ...(opts.pipeline !== undefined ? { pipeline_id: parsePipelineId(opts.pipeline) } : {}),
        ...(opts.capability !== undefined ? { capability: parseCapability(opts.capability) } : {}),
        ...(opts.open ? { open: true } : {}),
        ...(opts.cursor ? { cursor: opts.cursor } : {}),
      };
      // "me" needs the caller's id, known once the identity is loaded; a real id is checked before connecting.
      const owner = agentOrMe(opts.owner);
      const runner = agentOrMe(opts.runner);
      const res = await withClient(ctx.config(), (c) =>
        c.call('task/list', {
          ...base,
          ...(owner !== undefined ? { owner: owner === ME ? c.agentId : owner } : {}),
          ...(runner !== undefined ? { runner: runner === ME ? c.agentId : runner } : {}),
        }),
      );
      ctx.output().result(res, () => taskTable(res.tasks, res.next_cursor));
    });

  task
    .command('create')
    .alias('new')
    .description('create a task; you own it (and review it, unless you name a reviewer)')
    .argument('<title>', 'what is to be done')
    .argument('[description]', 'more about it')
    .option('-P, --priority <priority>', oneOf(TaskPriority), 'P2')
    .option('-a, --acceptance <text>', 'acceptance criteria')
    .option('-r, --runner <agent_id>', 'who runs it (or let someone take it)')
    .option('--reviewer <agent_id>', 'who reviews it (default: you)')
    .option('-p, --pipeline <pipeline_id>', 'pipeline to put it in (default: your default pipeline)')
    .option('-t, --topic <topic_id>', 'topic that follows it (its members see it and get its updates)')
    .option('-c, --capability <capability>', 'what a runner must advertise to take it')
    .option('-d, --deadline <when>', 'a date, date-time, or duration from now (2026-12-01, 2026-12-01T17:00:00Z, 3d)')
    .option('--reward <amount_asset...>', "what the runner earns, escrowed from your wallet now: \"5 PLY\" or 5:PLY, in the issued asset's smallest units")
    .addHelpText('after', '\nExamples:\n  parley task create "Fix login failure" "Investigate 401 and submit a fix" --priority P1\n  parley task new "Review the PR" --capability code.review --reward 5:PLY --deadline 2d')
    .action(
      async (
        title: string,
        description: string | undefined,
        opts: { priority: string; acceptance?: string; runner?: string; reviewer?: string; pipeline?: string; topic?: string; capability?: string; deadline?: string; reward?: string[] },
      ) => {
        const reward = opts.reward === undefined ? undefined : parseRewardFlag(opts.reward);
        // "--reward 5 USDC desc" would leave the description inside --reward's values: give it back.
        if (reward?.rest.length) {
          if (description !== undefined) throw new CliError('--reward takes two values, AMOUNT SYMBOL (or AMOUNT:SYMBOL)', ExitCode.Usage);
          description = reward.rest.join(' ');
        }
        const params = {
          title,
          priority: choice(TaskPriority.options, opts.priority, '--priority'),
          ...(description !== undefined ? { description } : {}),
          ...(opts.acceptance !== undefined ? { acceptance_criteria: opts.acceptance } : {}),
          ...(opts.runner !== undefined ? { runner: parseAgent(opts.runner) } : {}),
          ...(opts.reviewer !== undefined ? { reviewer: parseAgent(opts.reviewer) } : {}),
          ...(opts.pipeline !== undefined ? { pipeline_id: parsePipelineId(opts.pipeline) } : {}),
          ...(opts.topic !== undefined ? { topic_id: parseTopic(opts.topic) } : {}),
          ...(opts.capability !== undefined ? { capability: parseCapability(opts.capability) } : {}),
          ...(opts.deadline !== undefined ? { deadline: parseWhen(opts.deadline, '--deadline') } : {}),
          ...(reward ? { reward: { amount: reward.amount, asset: reward.asset } } : {}),
        };
        const { t, decimals } = await withClient(ctx.config(), async (c) => {
          const t = await c.call('task/create', params);
          return { t, decimals: await assetDecimals(c, t.reward ? [t.reward.asset] : []) };
        });
        const escrowed = t.reward ? `; ${amountOf(t.reward.amount, t.reward.asset, decimals)} escrowed from your wallet` : '';
        ctx.output().result(t, () => `created ${t.task_id} (${t.title}) in ${t.pipeline_id}${t.runner_id ? `, runner ${t.runner_id}` : ''}${escrowed}`);
      },
    );

  task
    .command('detail')
    .alias('info')
    .description('one task: status, people, dependencies and their outputs, latest output and review')
    .argument('<task_id>', 'tsk_...')
    .action(async (id: string) => {
      const { t, decimals } = await withClient(ctx.config(), async (c) => {
        const t = await c.call('task/get', { task_id: parseTaskId(id) });
        return { t, decimals: await assetDecimals(c, t.reward ? [t.reward.asset] : []) };
      });
      ctx.output().result(t, () => formatTask(t, decimals));
    });

  task
    .command('update')
    .description('change a task (owner only; not once it is done or cancelled); "" clears a field')
    .argument('<task_id>', 'tsk_...')
    .option('--title <title>', 'new title')
    .option('--description <text>', 'new description')
    .option('-a, --acceptance <text>', 'new acceptance criteria')
    .option('-P, --priority <priority>', oneOf(TaskPriority))
    .option('--reviewer <agent_id>', 'new reviewer ("" for you, the owner)')
    .option('-c, --capability <capability>', 'capability a runner must advertise')
    .option('-d, --deadline <when>', 'a date, date-time or duration from now')
    .option('-t, --topic <topic_id>', 'topic that follows it')
    .action(
      async (
        id: string,
        opts: { title?: string; description?: string; acceptance?: string; priority?: string; reviewer?: string; capability?: string; deadline?: string; topic?: string },
      ) => {
        // "" clears a field (null); a given value is checked like create's.
        const clear = <T>(v: string, parse: (s: string) => T): T | null => (v === '' ? null : parse(v));
        const params = {
          task_id: parseTaskId(id),
          ...(opts.title !== undefined ? { title: opts.title } : {}),
          ...(opts.description !== undefined ? { description: clear(opts.description, (x) => x) } : {}),
          ...(opts.acceptance !== undefined ? { acceptance_criteria: clear(opts.acceptance, (x) => x) } : {}),
          ...(opts.priority !== undefined ? { priority: choice(TaskPriority.options, opts.priority, '--priority') } : {}),
          ...(opts.reviewer !== undefined ? { reviewer: clear(opts.reviewer, parseAgent) } : {}),
          ...(opts.capability !== undefined ? { capability: clear(opts.capability, parseCapability) } : {}),
          ...(opts.deadline !== undefined ? { deadline: clear(opts.deadline, (x) => parseWhen(x, '--deadline')) } : {}),
          ...(opts.topic !== undefined ? { topic_id: clear(opts.topic, parseTopic) } : {}),
        };
        if (Object.keys(params).length === 1) {
          throw new CliError('nothing to change: give at least one of --title, --description, --acceptance, --priority, --reviewer, --capability, --deadline, --topic', ExitCode.Usage);
        }
        const t = await withClient(ctx.config(), (c) => c.call('task/update', params));
        ctx.output().result(t, () => `updated ${t.task_id}\n${formatTask(t)}`);
      },
    );

  task
    .command('assign')
    .description('name (or replace) the runner of a task in todo or blocked (owner only)')
    .argument('<task_id>', 'tsk_...')
    .argument('<agent_id>', 'agt_...')
    .action(async (id: string, agent: string) => {
      const params = { task_id: parseTaskId(id), runner: parseAgent(agent) };
      const t = await withClient(ctx.config(), (c) => c.call('task/assign', params));
      ctx.output().result(t, () => `assigned ${t.task_id} to ${t.runner_id ?? '-'}`);
    });

  task
    .command('join')
    .alias('take')
    .description('volunteer to run an open task (in todo, nobody running it)')
    .argument('<task_id>', 'tsk_...')
    .action(async (id: string) => {
      const t = await withClient(ctx.config(), (c) => c.call('task/join', { task_id: parseTaskId(id) }));
      ctx.output().result(t, () => `you run ${t.task_id} now; "parley task run ${t.task_id}" starts it`);
    });

  task
    .command('run')
    .alias('start')
    .description('start a task you run: todo -> doing (refused while a dependency is not done)')
    .argument('<task_id>', 'tsk_...')
    .action(async (id: string) => {
      const t = await withClient(ctx.config(), (c) => c.call('task/start', { task_id: parseTaskId(id) }));
      ctx.output().result(t, () => {
        const lines = [`started ${t.task_id} (${t.title}): doing`];
        // What a re-run needs to know, and what the upstream tasks produced.
        for (const i of t.inputs) lines.push(`input from ${i.task_id} (${i.title}): ${indentBody(i.output ?? '-')}`);
        return lines.join('\n');
      });
    });

  task
    .command('progress')
    .description('report progress on a task you run (it also keeps it from going stale)')
    .argument('<task_id>', 'tsk_...')
    .argument('<percent>', '0-100')
    .argument('[note...]', 'what is happening')
    .action(async (id: string, percent: string, note: string[]) => {
      const params = { task_id: parseTaskId(id), percent: parseIntIn(percent.replace(/%$/, ''), 0, 100, 'percent'), ...(note.length ? { note: note.join(' ') } : {}) };
      const t = await withClient(ctx.config(), (c) => c.call('task/progress', params));
      ctx.output().result(t, () => `${t.task_id}: ${t.progress}%${t.progress_note ? ` (${t.progress_note})` : ''}`);
    });

  task
    .command('submit')
    .description('hand in your work: doing -> review (or done in an auto-review pipeline); "-" reads the output from stdin')
    .argument('<task_id>', 'tsk_...')
    .argument('<output...>', 'the result')
    .option('--artifact <url>', 'a URL of something produced (repeatable)', collect)
    .action(async (id: string, words: string[], opts: { artifact?: string[] }) => {
      const taskId = parseTaskId(id);
      const output = words.length === 1 && words[0] === '-' ? (await ctx.readStdin()).replace(/\n$/, '') : words.join(' ');
      if (output.trim() === '') throw new CliError('the output is empty', ExitCode.Usage);
      const artifacts = (opts.artifact ?? []).map((a) => parseUrl(a, '--artifact'));
      const t = await withClient(ctx.config(), (c) => c.call('task/submit', { task_id: taskId, output, artifacts }));
      ctx.output().result(t, () => `submitted ${t.task_id}: ${t.status}${t.status === 'done' ? ' (approved by the pipeline)' : ''}`);
    });

  task
    .command('review')
    .description('decide on a task in review (its reviewer, or the owner): approve -> done, reject -> todo for a re-run, block -> blocked')
    .argument('<task_id>', 'tsk_...')
    .argument('<decision>', oneOf(ReviewDecision))
    .argument('[comment...]', 'why (required to reject or block)')
    .action(async (id: string, decisionText: string, comment: string[]) => {
      const decision = choice(ReviewDecision.options, decisionText, 'decision');
      const text = comment.join(' ').trim();
      if (decision !== 'approve' && text === '') throw new CliError(`say why: "parley task review ${id} ${decision} <comment>"`, ExitCode.Usage);
      const params = { task_id: parseTaskId(id), decision, ...(text ? { comment: text } : {}) };
      const t = await withClient(ctx.config(), (c) => c.call('task/review', params));
      ctx.output().result(t, () =>
        decision === 'reject' ? `rejected ${t.task_id}: back to todo for ${t.runner_id ?? 'its next runner'} with your comment` : `${DECIDED[decision]} ${t.task_id}: ${t.status}`,
      );
    });

  task
    .command('block')
    .description('mark a task in todo or doing as blocked, with the reason (runner or owner)')
    .argument('<task_id>', 'tsk_...')
    .argument('<reason...>', 'why')
    .action(async (id: string, reason: string[]) => {
      const t = await withClient(ctx.config(), (c) => c.call('task/block', { task_id: parseTaskId(id), reason: reason.join(' ') }));
      ctx.output().result(t, () => `blocked ${t.task_id}`);
    });

  task
    .command('unblock')
    .description('put a blocked task back to todo (owner only)')
    .argument('<task_id>', 'tsk_...')
    .argument('[note...]', 'what changed')
    .action(async (id: string, note: string[]) => {
      const params = { task_id: parseTaskId(id), ...(note.length ? { note: note.join(' ') } : {}) };
      const t = await withClient(ctx.config(), (c) => c.call('task/unblock', params));
      ctx.output().result(t, () => `unblocked ${t.task_id}: todo${t.runner_id ? ` for ${t.runner_id}` : ''}`);
    });

  task
    .command('cancel')
    .description('cancel a task that is not done (owner only); what depends on it stays held')
    .argument('<task_id>', 'tsk_...')
    .argument('[reason...]', 'why')
    .action(async (id: string, reason: string[]) => {
      const params = { task_id: parseTaskId(id), ...(reason.length ? { reason: reason.join(' ') } : {}) };
      const t = await withClient(ctx.config(), (c) => c.call('task/cancel', params));
      ctx.output().result(t, () => `cancelled ${t.task_id}`);
    });

  task
    .command('works')
    .description("every submission of a task, oldest first, with its review")
    .argument('<task_id>', 'tsk_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('task/works', { task_id: parseTaskId(id) }));
      ctx.output().result(res, () => (res.works.length === 0 ? 'nothing submitted yet' : res.works.map(formatWork).join('\n')));
    });

  task
    .command('timeline')
    .description('what happened to a task, oldest first, and who did it')
    .argument('<task_id>', 'tsk_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('task/timeline', { task_id: parseTaskId(id) }));
      ctx.output().result(res, () => timelineTable(res.entries));
    });

  const deps = task
    .command('deps')
    .alias('dependencies')
    .description('make a task wait for another (finish-to-start), or stop waiting: add, remove');
  for (const [name, action, done] of [
    ['add', 'task/dependencies/add', 'now waits for'],
    ['remove', 'task/dependencies/remove', 'no longer waits for'],
  ] as const) {
    deps
      .command(name)
      .alias(name === 'add' ? 'new' : 'rm')
      .description(name === 'add' ? '<task_id> waits until <depends_on> is done (a cycle is refused)' : 'drop a dependency')
      .argument('<task_id>', 'the waiting task, tsk_...')
      .argument('<depends_on>', 'the task it waits for, tsk_...')
      .action(async (id: string, on: string) => {
        const params = { task_id: parseTaskId(id), depends_on: parseTaskId(on) };
        const t = await withClient(ctx.config(), (c) => c.call(action, params));
        ctx.output().result(t, () => `${t.task_id} ${done} ${params.depends_on}; it waits for ${t.depends_on.length ? t.depends_on.join(', ') : 'nothing'} (ready: ${t.ready ? 'yes' : 'no'})`);
      });
  }

  task
    .command('graph')
    .description("a pipeline's tasks and what each waits for")
    .argument('<pipeline_id>', 'pip_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('task/graph', { pipeline_id: parsePipelineId(id) }));
      ctx.output().result(res, () => graphTable(res));
    });

  return task;
}

const ME = Symbol('me');

function agentOrMe(value: string | undefined): string | typeof ME | undefined {
  if (value === undefined) return undefined;
  return value === 'me' ? ME : parseAgent(value);
}

/**
 * `--reward 5 PLY` or `--reward 5:PLY`: the client's parser, one for every
 * face that takes a reward, with its errors as usage errors.
 * Values beyond the two are handed back (see task create).
 */
export function parseRewardFlag(values: string[]): ReturnType<typeof parseReward> {
  try {
    return parseReward(values, '--reward');
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.Usage);
  }
}

function parseUrl(value: string, flag: string): string {
  let ok = false;
  try {
    ok = ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new CliError(`${flag} must be an http(s) URL, got "${value}"`, ExitCode.Usage);
  return value;
}

function statusText(t: Task): string {
  if (t.status === 'doing') return `doing ${t.progress}%`;
  if (t.status === 'todo' && !t.ready) return 'todo (waiting)';
  return t.status;
}

export function taskTable(tasks: Task[], next: string | null): string {
  if (tasks.length === 0) return 'no tasks';
  const rows = tasks.map((t) => [t.task_id, statusText(t), t.priority, preview(t.title, 40), t.runner_id ?? '-', t.capability ?? '-']);
  const out = table(['TASK', 'STATUS', 'PRI', 'TITLE', 'RUNNER', 'CAPABILITY'], rows);
  return next ? `${out}\n(more: --cursor ${next})` : out;
}

/** `decimals`: of the reward's asset, when known (assetDecimals), to print the reward as people read it. */
export function formatTask(t: Task, decimals: ReadonlyMap<string, number> = new Map()): string {
  const lines = [
    `task_id:      ${t.task_id}`,
    `title:        ${t.title}`,
    `status:       ${t.status}${t.status === 'doing' || t.progress > 0 ? ` (${t.progress}%${t.progress_note ? `: ${t.progress_note}` : ''})` : ''}`,
    `priority:     ${t.priority}`,
    `owner:        ${t.owner_id}`,
    `runner:       ${t.runner_id ?? '-'}`,
    `reviewer:     ${t.reviewer_id ?? `${t.owner_id} (the owner)`}`,
    `pipeline:     ${t.pipeline_id}`,
    `topic:        ${t.topic_id ?? '-'}`,
    `capability:   ${t.capability ?? '-'}`,
    `deadline:     ${t.deadline ?? '-'}`,
    `reward:       ${t.reward ? `${amountOf(t.reward.amount, t.reward.asset, decimals)} (${t.reward.state}${t.reward.paid_to ? ` to ${t.reward.paid_to}` : ''})` : '-'}`,
    `waits for:    ${t.depends_on.length ? t.depends_on.join(', ') : '-'}${t.depends_on.length ? ` (ready: ${t.ready ? 'yes' : 'no'})` : ''}`,
    `description:  ${t.description === null ? '-' : indentBody(t.description, '              ')}`,
    `acceptance:   ${t.acceptance_criteria === null ? '-' : indentBody(t.acceptance_criteria, '              ')}`,
    `output:       ${t.output === null ? '-' : indentBody(t.output, '              ')}`,
    `artifacts:    ${t.artifacts.length ? t.artifacts.join(' ') : '-'}`,
    `review:       ${t.review_comment ?? '-'}`,
    `created:      ${t.created_at}`,
    `updated:      ${t.updated_at}`,
  ];
  for (const i of t.inputs) lines.push(`input ${i.task_id} (${i.title}): ${i.output === null ? '-' : preview(i.output, 80)}`);
  return lines.join('\n');
}

const DECIDED = { approve: 'approved', reject: 'rejected', block: 'blocked' } as const;

function formatWork(w: Submission, i: number): string {
  const review = w.review ? `${DECIDED[w.review.decision]} by ${w.review.by} at ${w.review.at}${w.review.comment ? `: ${w.review.comment}` : ''}` : 'not reviewed yet';
  return [
    `#${i + 1}  ${w.submitted_at}  by ${w.runner_id}  (${review})`,
    `    ${indentBody(w.output)}`,
    ...(w.artifacts.length ? [`    artifacts: ${w.artifacts.join(' ')}`] : []),
  ].join('\n');
}

function timelineTable(entries: TimelineEntry[]): string {
  if (entries.length === 0) return 'nothing happened yet';
  const rows = entries.map((e) => [
    e.at,
    e.actor,
    e.kind,
    e.from_status === e.to_status || e.to_status === null ? '' : `${e.from_status ?? '-'} -> ${e.to_status}`,
    e.note === null ? '' : preview(e.note, 60),
  ]);
  return table(['AT', 'BY', 'WHAT', 'STATUS', 'NOTE'], rows);
}

function graphTable(g: ResultOf<'task/graph'>): string {
  if (g.nodes.length === 0) return 'no tasks in this pipeline';
  const after = (id: string) => g.edges.filter((e) => e.to === id).map((e) => e.from);
  const rows = g.nodes.map((n) => [n.task_id, n.status, n.ready ? 'yes' : 'no', preview(n.title, 40), after(n.task_id).join(', ') || '-']);
  return table(['TASK', 'STATUS', 'READY', 'TITLE', 'AFTER'], rows);
}
