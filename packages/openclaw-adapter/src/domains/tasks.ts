import { parseReward } from '@parley/client';
import {
  parseStream,
  ReviewDecision,
  TaskPriority,
  TaskStatus,
  type EventDataOf,
  type ParamsOf,
  type PushFrame,
  type ResultOf,
  type Submission,
  type Task,
  type TimelineEntry,
} from '@parley/protocol';
import { agentOrMe, UsageError, type CommandRunContext, type CommandSpec, type ParsedArgs } from '../commands/spec.js';
import { op, pushHandler, type ParleyDomain, type PushFilterContext, type PushVerdict } from '../domain.js';
import { clip, indentBody, plural, preview } from '../format.js';

// ---- formatting ----

/** An agent as the reader knows it: "you" for this agent. */
export function who(id: string | null, selfId: string | null, none = '-'): string {
  if (id === null) return none;
  return id === selfId ? 'you' : id;
}

function statusText(t: Task): string {
  if (t.status === 'doing') return `doing ${t.progress}%`;
  if (t.status === 'todo' && !t.ready) return 'todo, waiting';
  return t.status;
}

/** One task on one line: `tsk_x "Fix login" (doing 40%, P1, runner you, needs code.review)`. */
export function taskLine(t: Task, selfId: string | null): string {
  const bits = [statusText(t), t.priority, t.runner_id ? `runner ${who(t.runner_id, selfId)}` : 'no runner'];
  if (t.capability) bits.push(`needs ${t.capability}`);
  if (t.deadline) bits.push(`due ${t.deadline}`);
  return `${t.task_id} "${t.title}" (${bits.join(', ')})`;
}

export function taskList(tasks: readonly Task[], next: string | null, selfId: string | null, more: string): string {
  if (tasks.length === 0) return 'No tasks.';
  const lines = [`${plural(tasks.length, 'task')}:`, ...tasks.map((t) => `- ${taskLine(t, selfId)}`)];
  if (next) lines.push(more.replace('{cursor}', next));
  return lines.join('\n');
}

export function taskDetail(t: Task, selfId: string | null): string {
  const progress = t.status === 'doing' || t.progress > 0 ? ` (${t.progress}%${t.progress_note ? `: ${t.progress_note}` : ''})` : '';
  const lines = [
    `Task ${t.task_id}: "${t.title}"`,
    `status: ${t.status}${progress}, priority ${t.priority}`,
    `owner: ${who(t.owner_id, selfId)}, runner: ${who(t.runner_id, selfId, 'nobody yet')}, reviewer: ${t.reviewer_id ? who(t.reviewer_id, selfId) : 'the owner'}`,
    `pipeline: ${t.pipeline_id}, topic: ${t.topic_id ?? '-'}, capability: ${t.capability ?? '-'}`,
    `deadline: ${t.deadline ?? '-'}, reward: ${t.reward ? `${t.reward.amount} ${t.reward.asset} (${t.reward.state}${t.reward.paid_to ? ` to ${t.reward.paid_to}` : ''})` : '-'}`,
  ];
  if (t.depends_on.length) lines.push(`waits for: ${t.depends_on.join(', ')} (${t.ready ? 'all done' : 'not all done yet'})`);
  if (t.description) lines.push(`description: ${indentBody(clip(t.description, 1500), '  ')}`);
  if (t.acceptance_criteria) lines.push(`acceptance criteria: ${indentBody(clip(t.acceptance_criteria, 1000), '  ')}`);
  for (const i of t.inputs) lines.push(`input from ${i.task_id} "${i.title}": ${i.output === null ? '-' : indentBody(clip(i.output, 500), '  ')}`);
  if (t.output !== null) lines.push(`output: ${indentBody(clip(t.output, 1500), '  ')}`);
  if (t.artifacts.length) lines.push(`artifacts: ${t.artifacts.join(' ')}`);
  if (t.review_comment) lines.push(`review comment: ${t.review_comment}`);
  lines.push(`created: ${t.created_at}, updated: ${t.updated_at}`);
  return lines.join('\n');
}

const DECIDED = { approve: 'Approved', reject: 'Rejected', block: 'Blocked' } as const;

function reviewText(t: Task, decision: (typeof ReviewDecision.options)[number], selfId: string | null): string {
  if (decision === 'reject') return `Rejected ${t.task_id}: back to todo for ${who(t.runner_id, selfId, 'its next runner')}, with your comment.`;
  return `${DECIDED[decision]} ${t.task_id}: ${t.status}.`;
}

function submittedText(t: Task): string {
  return t.status === 'done' ? `Submitted ${t.task_id}: done (the pipeline approves submissions itself).` : `Submitted ${t.task_id}: waiting for review.`;
}

function workText(w: Submission, i: number, selfId: string | null): string {
  const review = w.review
    ? `${DECIDED[w.review.decision].toLowerCase()} by ${who(w.review.by, selfId)} at ${w.review.at}${w.review.comment ? `: ${w.review.comment}` : ''}`
    : 'not reviewed yet';
  return [
    `#${i + 1} ${w.submitted_at} by ${who(w.runner_id, selfId)} (${review})`,
    `    ${indentBody(clip(w.output, 1000))}`,
    ...(w.artifacts.length ? [`    artifacts: ${w.artifacts.join(' ')}`] : []),
  ].join('\n');
}

function worksText(works: readonly Submission[], selfId: string | null): string {
  return works.length === 0 ? 'Nothing submitted yet.' : works.map((w, i) => workText(w, i, selfId)).join('\n');
}

function timelineText(entries: readonly TimelineEntry[], selfId: string | null): string {
  if (entries.length === 0) return 'Nothing happened yet.';
  return entries
    .map((e) => {
      const move = e.to_status !== null && e.from_status !== e.to_status ? ` (${e.from_status ?? '-'} -> ${e.to_status})` : '';
      return `- ${e.at} ${who(e.actor, selfId)}: ${e.kind}${move}${e.note ? `: ${preview(e.note, 120)}` : ''}`;
    })
    .join('\n');
}

function graphText(g: ResultOf<'task/graph'>, selfId: string | null): string {
  if (g.nodes.length === 0) return 'No tasks in this pipeline.';
  const after = (id: string) => g.edges.filter((e) => e.to === id).map((e) => e.from);
  return g.nodes
    .map((n) => {
      const waits = after(n.task_id);
      const bits = [n.status, n.ready ? 'ready' : 'waiting', n.runner_id ? `runner ${who(n.runner_id, selfId)}` : 'no runner'];
      return `- ${n.task_id} "${n.title}" (${bits.join(', ')})${waits.length ? ` after ${waits.join(', ')}` : ''}`;
    })
    .join('\n');
}

function depsText(t: Task, verb: string, on: string): string {
  return `${t.task_id} ${verb} ${on}; it waits for ${t.depends_on.length ? t.depends_on.join(', ') : 'nothing'} (ready: ${t.ready ? 'yes' : 'no'}).`;
}

// ---- pushes ----

/** What a task.updated says happened, in words. */
function changeText(d: EventDataOf<'task.updated'>, selfId: string | null): string {
  const t = d.task;
  const by = d.actor === 'hub' ? 'the hub' : who(d.actor, selfId);
  switch (d.change) {
    case 'created':
      return `created by ${by}${t.runner_id ? `, runner ${who(t.runner_id, selfId)}` : ''}`;
    case 'assigned':
      return `assigned to ${who(t.runner_id, selfId)} by ${by}`;
    case 'unassigned':
      return `taken off you by ${by}: you no longer run it`;
    case 'joined':
      return `taken by ${by}`;
    case 'started':
      return `started by ${by}`;
    case 'progress':
      return `${t.progress}%${t.progress_note ? `: ${t.progress_note}` : ''} (${by})`;
    case 'submitted':
      return `submitted by ${by}${t.status === 'done' ? ' and approved by the pipeline' : ''}:\n${indentBody(clip(t.output ?? '', 500), '  ')}`;
    case 'approved':
      return `approved by ${by}: done`;
    case 'rejected':
      return `rejected by ${by}, back to todo${t.review_comment ? `: ${t.review_comment}` : ''}`;
    case 'blocked':
      return `blocked by ${by}${d.note ? `: ${d.note}` : ''}`;
    case 'unblocked':
      return `unblocked by ${by}: back to todo${d.note ? ` (${d.note})` : ''}`;
    case 'cancelled':
      return `cancelled by ${by}${d.note ? `: ${d.note}` : ''}`;
    case 'updated':
      return `changed by ${by}`;
    case 'stale':
      return 'put back to todo by the hub: its runner stopped reporting';
    case 'dependencies':
      return `dependencies changed by ${by}: waits for ${t.depends_on.length ? t.depends_on.join(', ') : 'nothing'}`;
    default:
      return `${d.change} by ${by}`;
  }
}

/** What this agent may do next about a task it just heard of, as a command to type. */
function nextStep(t: Task, change: string, selfId: string | null): string | null {
  if (selfId === null) return null;
  const reviewer = t.reviewer_id ?? t.owner_id;
  if (t.status === 'review' && reviewer === selfId) {
    return `Review it: "/parley task review ${t.task_id} approve", or "... reject <comment>".`;
  }
  if (t.status === 'todo' && t.runner_id === selfId && change !== 'unassigned') {
    return t.ready ? `Start it: "/parley task run ${t.task_id}".` : 'It waits for its dependencies to be done.';
  }
  if (t.status === 'blocked' && t.owner_id === selfId) return `"/parley task unblock ${t.task_id}" puts it back.`;
  return null;
}

function describeUpdate(d: EventDataOf<'task.updated'>, selfId: string | null): string {
  const t = d.task;
  const move = d.from_status !== null && d.from_status !== t.status ? ` [${d.from_status} -> ${t.status}]` : '';
  const next = nextStep(t, d.change, selfId);
  return `Parley task ${t.task_id} "${t.title}": ${changeText(d, selfId)}${move}.${next ? `\n${next}` : ''}`;
}

/** Own changes are dropped; so is the topic copy of an update the agent also gets on its own stream; `topics` limits the rest. */
function classifyUpdate(d: EventDataOf<'task.updated'>, c: PushFilterContext, frame: PushFrame): PushVerdict {
  if (c.selfId !== null && d.actor === c.selfId) return 'own';
  const stream = parseStream(frame.stream);
  if (stream?.kind === 'topic') {
    const t = d.task;
    if (c.selfId !== null && [t.owner_id, t.runner_id, t.reviewer_id].includes(c.selfId)) return 'own';
    if (c.config.topics && !c.config.topics.includes(stream.id)) return 'skip';
  }
  return 'forward';
}

function describeReady(d: EventDataOf<'task.ready'>, selfId: string | null): string {
  const head = `Parley: task ${d.task_id} "${d.title}" (pipeline ${d.pipeline_id}) is ready: every task it waits for is done.`;
  if (d.runner_id !== null && d.runner_id === selfId) return `${head}\nStart it: "/parley task run ${d.task_id}".`;
  if (d.runner_id !== null) return `${head} Its runner is ${d.runner_id}.`;
  return (
    `${head}\nNobody runs it yet${d.capability ? ` (it needs ${d.capability})` : ''}: "/parley task join ${d.task_id}" takes it; ` +
    `its owner can name a runner with "/parley task assign ${d.task_id} <agent_id>".`
  );
}

function classifyReady(_d: EventDataOf<'task.ready'>, c: PushFilterContext, frame: PushFrame): PushVerdict {
  const stream = parseStream(frame.stream);
  if (stream?.kind === 'topic' && c.config.topics && !c.config.topics.includes(stream.id)) return 'skip';
  return 'forward';
}

// ---- commands ----

/**
 * `5:PLY` or `"5 PLY"`: the amount in the asset's smallest units, through the
 * client's parser (the CLI's too), so both faces read a reward the same way.
 */
export function parseTaskReward(text: string): { amount: string; asset: string } {
  try {
    const r = parseReward(text, '--reward');
    if (r.rest.length > 0) throw new TypeError(`--reward is one value, AMOUNT:SYMBOL or "AMOUNT SYMBOL", got "${text}"`);
    return { amount: r.amount, asset: r.asset };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

const taskArg = { name: 'task_id', kind: 'task' } as const;

/** A command that runs one action on one task and says what became of it. */
function oneTask(
  name: string,
  summary: string,
  action: 'task/get' | 'task/join' | 'task/start',
  text: (t: Task, ctx: CommandRunContext) => string,
  aliases?: readonly string[],
): CommandSpec {
  return {
    name,
    ...(aliases ? { aliases } : {}),
    summary,
    args: [taskArg],
    run: async (ctx, a) => text(await ctx.caller.call(action, { task_id: a.str('task_id') }), ctx),
  };
}

const PRIORITY_FLAG = { name: 'priority', help: 'P0 (urgent) to P3', value: { kind: 'choice', choices: TaskPriority.options } } as const;

function createParams(ctx: CommandRunContext, a: ParsedArgs): ParamsOf<'task/create'> {
  const description = a.optStr('description');
  const acceptance = a.optStr('acceptance');
  const runner = a.optStr('runner');
  const reviewer = a.optStr('reviewer');
  const pipeline = a.optStr('pipeline');
  const topic = a.optStr('topic');
  const capability = a.optStr('capability');
  const deadline = a.optStr('deadline');
  const reward = a.optStr('reward');
  return {
    title: a.str('title'),
    priority: (a.optStr('priority') ?? 'P2') as (typeof TaskPriority.options)[number],
    ...(description !== undefined ? { description } : {}),
    ...(acceptance !== undefined ? { acceptance_criteria: acceptance } : {}),
    ...(runner !== undefined ? { runner: agentOrMe(ctx, runner) } : {}),
    ...(reviewer !== undefined ? { reviewer: agentOrMe(ctx, reviewer) } : {}),
    ...(pipeline !== undefined ? { pipeline_id: pipeline } : {}),
    ...(topic !== undefined ? { topic_id: topic } : {}),
    ...(capability !== undefined ? { capability } : {}),
    ...(deadline !== undefined ? { deadline } : {}),
    ...(reward !== undefined ? { reward: parseTaskReward(reward) } : {}),
  };
}

function updateParams(ctx: CommandRunContext, a: ParsedArgs): ParamsOf<'task/update'> {
  // "" clears a field (null); a flag not given leaves it alone.
  const field = (flag: string): { value: string | null } | undefined => {
    const v = a.optStr(flag);
    return v === undefined ? undefined : { value: v === '' ? null : v };
  };
  const title = a.optStr('title');
  const priority = a.optStr('priority') as (typeof TaskPriority.options)[number] | undefined;
  const description = field('description');
  const acceptance = field('acceptance');
  const reviewer = field('reviewer');
  const capability = field('capability');
  const deadline = field('deadline');
  const topic = field('topic');
  const params: ParamsOf<'task/update'> = {
    task_id: a.str('task_id'),
    ...(title !== undefined ? { title } : {}),
    ...(priority !== undefined ? { priority } : {}),
    ...(description ? { description: description.value } : {}),
    ...(acceptance ? { acceptance_criteria: acceptance.value } : {}),
    ...(reviewer ? { reviewer: reviewer.value === null ? null : agentOrMe(ctx, reviewer.value) } : {}),
    ...(capability ? { capability: capability.value } : {}),
    ...(deadline ? { deadline: deadline.value } : {}),
    ...(topic ? { topic_id: topic.value } : {}),
  };
  if (Object.keys(params).length === 1) {
    throw new UsageError('nothing to change: give at least one of --title, --description, --acceptance, --priority, --reviewer, --capability, --deadline, --topic');
  }
  return params;
}

const taskCommand: CommandSpec = {
  name: 'task',
  aliases: ['tasks'],
  summary: 'tasks: list, create, take, run, report progress, submit, review, and their dependencies',
  subcommands: [
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'tasks, newest first; every filter given applies (--open: what you could take)',
      flags: [
        { name: 'status', help: 'only tasks in this status', value: { kind: 'choice', choices: TaskStatus.options } },
        { name: 'owner', help: 'owned by this agent ("me" for you)', value: { kind: 'agent', me: true, label: 'agent_id|me' } },
        { name: 'runner', help: 'run by this agent ("me" for you)', value: { kind: 'agent', me: true, label: 'agent_id|me' } },
        { name: 'pipeline', help: 'in this pipeline', value: { kind: 'pipeline' } },
        { name: 'capability', help: 'asking for this capability', value: { kind: 'capability', label: 'capability' } },
        { name: 'open', help: 'only tasks in todo that nobody runs and whose dependencies are done' },
        { name: 'limit', help: 'how many (1-200, default 20)', value: { kind: 'int', min: 1, max: 200 } },
        { name: 'cursor', help: 'the next page, as printed by the previous one', value: { kind: 'word', label: 'cursor' } },
      ],
      examples: ['task list --runner me --status doing', 'task ls --open --capability code.review'],
      run: async (ctx, a) => {
        const owner = a.optStr('owner');
        const runner = a.optStr('runner');
        const status = a.optStr('status') as (typeof TaskStatus.options)[number] | undefined;
        const pipeline = a.optStr('pipeline');
        const capability = a.optStr('capability');
        const cursor = a.optStr('cursor');
        const r = await ctx.caller.call('task/list', {
          limit: a.optInt('limit') ?? 20,
          ...(status ? { status } : {}),
          ...(owner ? { owner: agentOrMe(ctx, owner) } : {}),
          ...(runner ? { runner: agentOrMe(ctx, runner) } : {}),
          ...(pipeline ? { pipeline_id: pipeline } : {}),
          ...(capability ? { capability } : {}),
          ...(a.flag('open') ? { open: true } : {}),
          ...(cursor ? { cursor } : {}),
        });
        return taskList(r.tasks, r.next_cursor, ctx.format.selfId, `(more: "${ctx.prefix} task list --cursor {cursor}" with the same filters)`);
      },
    },
    {
      name: 'create',
      aliases: ['new'],
      summary: 'create a task; you own it (and review it, unless you name a reviewer)',
      args: [
        { name: 'title', kind: 'word' },
        { name: 'description', kind: 'text', optional: true },
      ],
      flags: [
        PRIORITY_FLAG,
        { name: 'acceptance', help: 'acceptance criteria', value: { kind: 'word', label: 'text' } },
        { name: 'runner', help: 'who runs it ("me" for you; or let someone take it)', value: { kind: 'agent', me: true, label: 'agent_id|me' } },
        { name: 'reviewer', help: 'who reviews it (default: you)', value: { kind: 'agent', me: true, label: 'agent_id|me' } },
        { name: 'pipeline', help: 'pipeline to put it in (default: your default pipeline)', value: { kind: 'pipeline' } },
        { name: 'topic', help: 'topic that follows it', value: { kind: 'topic' } },
        { name: 'capability', help: 'what a runner must advertise to take it', value: { kind: 'capability', label: 'capability' } },
        { name: 'deadline', help: 'a date, date-time, or duration from now', value: { kind: 'when' } },
        { name: 'reward', help: "what the runner earns, escrowed from your wallet: 5:PLY (the asset's smallest units)", value: { kind: 'word', label: 'amount:asset' } },
      ],
      examples: ['task create "Fix login failure" Investigate the 401s and submit a fix --priority P1', 'task new "Review the PR" --capability code.review --deadline 2d'],
      run: async (ctx, a) => {
        const t = await ctx.caller.call('task/create', createParams(ctx, a));
        const runner = t.runner_id
          ? `runner ${who(t.runner_id, ctx.format.selfId)}`
          : `nobody runs it yet: "${ctx.prefix} task assign ${t.task_id} <agent_id>", or someone takes it with "${ctx.prefix} task join ${t.task_id}"`;
        return `Created ${t.task_id} "${t.title}" (${t.priority}) in ${t.pipeline_id}; ${runner}.`;
      },
    },
    oneTask('detail', 'one task: status, people, dependencies, upstream outputs, latest output and review', 'task/get', (t, ctx) => taskDetail(t, ctx.format.selfId), ['info']),
    {
      name: 'update',
      summary: 'change a task (owner only; not once it is done or cancelled); "" clears a field',
      args: [taskArg],
      flags: [
        { name: 'title', help: 'new title', value: { kind: 'word', label: 'text' } },
        { name: 'description', help: 'new description', value: { kind: 'word', label: 'text', clearable: true } },
        { name: 'acceptance', help: 'new acceptance criteria', value: { kind: 'word', label: 'text', clearable: true } },
        PRIORITY_FLAG,
        { name: 'reviewer', help: 'new reviewer ("" for the owner)', value: { kind: 'agent', me: true, label: 'agent_id|me', clearable: true } },
        { name: 'capability', help: 'capability a runner must advertise', value: { kind: 'capability', label: 'capability', clearable: true } },
        { name: 'deadline', help: 'a date, date-time or duration from now', value: { kind: 'when', clearable: true } },
        { name: 'topic', help: 'topic that follows it', value: { kind: 'topic', clearable: true } },
      ],
      examples: ['task update tsk_... --priority P0 --deadline 1d'],
      run: async (ctx, a) => {
        const t = await ctx.caller.call('task/update', updateParams(ctx, a));
        return `Updated ${t.task_id}.\n${taskDetail(t, ctx.format.selfId)}`;
      },
    },
    {
      name: 'assign',
      summary: 'name (or replace) the runner of a task in todo or blocked (owner only)',
      args: [taskArg, { name: 'agent_id', kind: 'agent', me: true }],
      run: async (ctx, a) => {
        const t = await ctx.caller.call('task/assign', { task_id: a.str('task_id'), runner: agentOrMe(ctx, a.str('agent_id')) });
        return `Assigned ${t.task_id} to ${who(t.runner_id, ctx.format.selfId)}.`;
      },
    },
    oneTask(
      'join',
      'volunteer to run an open task (in todo, nobody running it)',
      'task/join',
      (t, ctx) => `You run ${t.task_id} now; "${ctx.prefix} task run ${t.task_id}" starts it.`,
      ['take'],
    ),
    oneTask(
      'run',
      'start a task you run: todo -> doing (refused while a dependency is not done)',
      'task/start',
      (t) => {
        const lines = [`Started ${t.task_id} "${t.title}": doing.`];
        if (t.review_comment) lines.push(`The last review said: ${t.review_comment}`);
        for (const i of t.inputs) lines.push(`Input from ${i.task_id} "${i.title}": ${indentBody(clip(i.output ?? '-', 1000), '  ')}`);
        return lines.join('\n');
      },
      ['start'],
    ),
    {
      name: 'progress',
      summary: 'report progress on a task you run (it also keeps it from going stale)',
      args: [taskArg, { name: 'percent', kind: 'percent' }, { name: 'note', kind: 'text', optional: true }],
      examples: ['task progress tsk_... 40% tests written'],
      run: async (ctx, a) => {
        const note = a.optStr('note');
        const t = await ctx.caller.call('task/progress', { task_id: a.str('task_id'), percent: a.int('percent'), ...(note ? { note } : {}) });
        return `${t.task_id}: ${t.progress}%${t.progress_note ? ` (${t.progress_note})` : ''}.`;
      },
    },
    {
      name: 'submit',
      summary: 'hand in your work: doing -> review (or done in an auto-review pipeline)',
      args: [taskArg, { name: 'output', kind: 'text' }],
      flags: [{ name: 'artifact', help: 'a URL of something produced (repeatable)', value: { kind: 'url', repeat: true } }],
      examples: ['task submit tsk_... Fixed in PR 12 --artifact https://example.com/pr/12'],
      run: async (ctx, a) => {
        const t = await ctx.caller.call('task/submit', { task_id: a.str('task_id'), output: a.str('output'), artifacts: a.list('artifact') });
        return submittedText(t);
      },
    },
    {
      name: 'review',
      summary: 'decide on a task in review (its reviewer, or the owner): approve -> done, reject -> todo for a re-run, block -> blocked',
      args: [taskArg, { name: 'decision', kind: 'choice', choices: ReviewDecision.options }, { name: 'comment', kind: 'text', optional: true }],
      examples: ['task review tsk_... approve', 'task review tsk_... reject the tests do not cover the 401 case'],
      run: async (ctx, a) => {
        const decision = a.str('decision') as (typeof ReviewDecision.options)[number];
        const comment = a.optStr('comment');
        if (decision !== 'approve' && !comment) throw new UsageError(`say why: a ${decision} needs a comment`);
        const t = await ctx.caller.call('task/review', { task_id: a.str('task_id'), decision, ...(comment ? { comment } : {}) });
        return reviewText(t, decision, ctx.format.selfId);
      },
    },
    {
      name: 'block',
      summary: 'mark a task in todo or doing as blocked, with the reason (runner or owner)',
      args: [taskArg, { name: 'reason', kind: 'text' }],
      run: async (ctx, a) => {
        const t = await ctx.caller.call('task/block', { task_id: a.str('task_id'), reason: a.str('reason') });
        return `Blocked ${t.task_id}.`;
      },
    },
    {
      name: 'unblock',
      summary: 'put a blocked task back to todo (owner only)',
      args: [taskArg, { name: 'note', kind: 'text', optional: true }],
      run: async (ctx, a) => {
        const note = a.optStr('note');
        const t = await ctx.caller.call('task/unblock', { task_id: a.str('task_id'), ...(note ? { note } : {}) });
        return `Unblocked ${t.task_id}: todo${t.runner_id ? ` for ${who(t.runner_id, ctx.format.selfId)}` : ''}.`;
      },
    },
    {
      name: 'cancel',
      summary: 'cancel a task that is not done (owner only); what depends on it stays held',
      args: [taskArg, { name: 'reason', kind: 'text', optional: true }],
      run: async (ctx, a) => {
        const reason = a.optStr('reason');
        const t = await ctx.caller.call('task/cancel', { task_id: a.str('task_id'), ...(reason ? { reason } : {}) });
        return `Cancelled ${t.task_id}.`;
      },
    },
    {
      name: 'works',
      summary: 'every submission of a task, oldest first, with its review',
      args: [taskArg],
      run: async (ctx, a) => worksText((await ctx.caller.call('task/works', { task_id: a.str('task_id') })).works, ctx.format.selfId),
    },
    {
      name: 'timeline',
      summary: 'what happened to a task, oldest first, and who did it',
      args: [taskArg],
      run: async (ctx, a) => timelineText((await ctx.caller.call('task/timeline', { task_id: a.str('task_id') })).entries, ctx.format.selfId),
    },
    {
      name: 'deps',
      aliases: ['dependencies'],
      summary: 'make a task wait for another (finish-to-start), or stop waiting',
      subcommands: [
        {
          name: 'add',
          aliases: ['new'],
          summary: '<task_id> waits until <depends_on> is done (a cycle is refused)',
          args: [taskArg, { name: 'depends_on', kind: 'task' }],
          run: async (ctx, a) => depsText(await ctx.caller.call('task/dependencies/add', { task_id: a.str('task_id'), depends_on: a.str('depends_on') }), 'now waits for', a.str('depends_on')),
        },
        {
          name: 'remove',
          aliases: ['rm'],
          summary: 'drop a dependency',
          args: [taskArg, { name: 'depends_on', kind: 'task' }],
          run: async (ctx, a) =>
            depsText(await ctx.caller.call('task/dependencies/remove', { task_id: a.str('task_id'), depends_on: a.str('depends_on') }), 'no longer waits for', a.str('depends_on')),
        },
      ],
    },
    {
      name: 'graph',
      summary: "a pipeline's tasks and what each waits for",
      args: [{ name: 'pipeline_id', kind: 'pipeline' }],
      run: async (ctx, a) => graphText(await ctx.caller.call('task/graph', { pipeline_id: a.str('pipeline_id') }), ctx.format.selfId),
    },
  ],
};

/** Tasks: creating, taking, running, submitting and reviewing work, with dependencies (WTT's task commands). */
export const tasksDomain: ParleyDomain = {
  id: 'tasks',
  tools: [
    {
      name: 'parley_tasks',
      label: 'Parley tasks',
      description:
        'Parley tasks (units of work between agents: todo -> doing -> review -> done; also blocked, cancelled). Find them (list with ' +
        'filters, open: what this agent could take; get), manage own ones (create, update, assign a runner, cancel, ' +
        'dependencies_add/remove, graph of a pipeline), work on them as the runner (join an open task, start, progress, submit ' +
        'output), review as the reviewer or owner (review approve|reject|block; reject and block need a comment), block/unblock, ' +
        'and read their history (works: submissions with reviews; timeline: every change).',
      ops: {
        list: op('task/list', 'tasks, newest first; filter by status, owner, runner, pipeline_id, capability, open', (r, _p, ctx) =>
          taskList(r.tasks, r.next_cursor, ctx.selfId, '(more: cursor {cursor})'),
        ),
        get: op('task/get', 'one task with its dependencies and their outputs', (r, _p, ctx) => taskDetail(r, ctx.selfId)),
        create: op('task/create', 'create a task (this agent owns it)', (r, _p, ctx) => `Created ${r.task_id}.\n${taskDetail(r, ctx.selfId)}`),
        update: op('task/update', "change a task's details (owner)", (r, _p, ctx) => `Updated ${r.task_id}.\n${taskDetail(r, ctx.selfId)}`),
        assign: op('task/assign', 'name the runner of a task in todo or blocked (owner)', (r, _p, ctx) => `Assigned ${r.task_id} to ${who(r.runner_id, ctx.selfId)}.`),
        join: op('task/join', 'volunteer as runner of an open task', (r) => `This agent runs ${r.task_id} now; start it with op start.`),
        start: op('task/start', 'the runner starts: todo -> doing (the result carries upstream outputs in inputs)', (r, _p, ctx) =>
          `Started ${r.task_id}.\n${taskDetail(r, ctx.selfId)}`,
        ),
        progress: op('task/progress', 'the runner reports percent (and a note) while doing', (r) => `${r.task_id}: ${r.progress}%${r.progress_note ? ` (${r.progress_note})` : ''}.`),
        submit: op('task/submit', 'the runner hands in output (and artifact URLs): doing -> review', (r) => submittedText(r)),
        review: op('task/review', 'reviewer or owner decides: approve, reject (back to todo), block', (r, p, ctx) => reviewText(r, p.decision, ctx.selfId)),
        block: op('task/block', 'mark a task blocked, with a reason (runner or owner)', (r) => `Blocked ${r.task_id}.`),
        unblock: op('task/unblock', 'put a blocked task back to todo (owner)', (r) => `Unblocked ${r.task_id}: todo.`),
        cancel: op('task/cancel', 'cancel a task that is not done (owner)', (r) => `Cancelled ${r.task_id}.`),
        works: op('task/works', 'every submission with its review', (r, _p, ctx) => worksText(r.works, ctx.selfId)),
        timeline: op('task/timeline', 'every change of a task and who made it', (r, _p, ctx) => timelineText(r.entries, ctx.selfId)),
        dependencies_add: op('task/dependencies/add', 'task_id waits until depends_on is done (owner of task_id)', (r, p) => depsText(r, 'now waits for', p.depends_on)),
        dependencies_remove: op('task/dependencies/remove', 'drop a dependency', (r, p) => depsText(r, 'no longer waits for', p.depends_on)),
        graph: op('task/graph', "a pipeline's tasks and dependencies", (r, _p, ctx) => graphText(r, ctx.selfId)),
      },
      fieldHints: {
        task_id: 'A task id (tsk_...)',
        title: 'What is to be done, in a few words',
        description: 'More about the task (null clears it on update)',
        acceptance_criteria: 'When the work counts as done (null clears it on update)',
        pipeline_id: 'A pipeline id (pip_...); on create, leave out for the default pipeline',
        topic_id: 'A topic that follows the task (top_...)',
        runner: 'The agent that does the work (agt_...)',
        reviewer: 'The agent that reviews (agt_...); leave out for the owner',
        owner: 'Only tasks owned by this agent (agt_...)',
        capability: 'A capability name such as code.review',
        open: 'Only tasks this agent could take: todo, nobody running them, dependencies done',
        deadline: 'ISO date-time with offset, e.g. 2026-12-01T17:00:00Z',
        depends_on: 'The task that must be done first (tsk_...)',
        output: 'The result of the work',
        artifacts: 'URLs of what was produced',
        percent: 'Progress, 0 to 100',
        comment: 'Why (needed to reject or block)',
        reason: 'Why it is blocked or cancelled',
        note: 'What is happening (progress) or what changed (unblock)',
        cursor: 'next_cursor of the previous page',
      },
    },
  ],
  commands: [taskCommand],
  pushes: [
    pushHandler({
      event: 'task.updated',
      label: 'task update',
      describe: (d, _f, ctx) => describeUpdate(d, ctx.selfId),
      classify: classifyUpdate,
    }),
    pushHandler({
      event: 'task.ready',
      label: 'ready task',
      describe: (d, _f, ctx) => describeReady(d, ctx.selfId),
      classify: classifyReady,
    }),
  ],
};
