import { agentStream, MAX_PAGE_BYTES, topicStream, type ParsedParamsOf, type ResultOf, type Task, type TaskStatus } from '@parley/protocol';
import { sql as rawSql, type Kysely, type RawBuilder } from 'kysely';
import { HubError, conflict, forbidden, notFound } from '../../core/errors.js';
import { encodeCursor, newPipelineId, newSubmissionId, newTaskId, readCursor } from '../../core/ids.js';
import { boundedPage, newestFirst } from '../../core/paging.js';
import type { StagedPush, Streams } from '../../core/streams.js';
import { detached, respond } from '../../core/unit.js';
import type { Database, TaskSubmissionsTable, TaskTimelineTable, TasksTable } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import type { RewardKeeper, TaskRewardRef } from './rewards.js';
import { refusal, rolesOf, type Move } from './rules.js';
import { toEntry, toSubmission, toTask, type Upstream } from './rows.js';

/** What the work domain needs from the agent and topic domains. */
export interface WorkPeers {
  agentExists(agentId: string): Promise<boolean>;
  capabilitiesOf(agentId: string): Promise<string[]>;
  isOnline(agentId: string): boolean;
  /** Online agents advertising a capability (asked inside writer jobs: read in that job's `tx`). */
  onlineWith(capability: string, tx: Sql): Promise<string[]>;
  /** The caller's role in a topic (null: not a member); inside a writer job, pass its `tx`. */
  topicRole(topicId: string, agentId: string, tx?: Sql): Promise<string | null>;
  /** Topic ids the caller may see (a subquery). */
  visibleTopicIds(agentId: string): RawBuilder<unknown>;
}

/**
 * Called inside the writer job of every change, after its task.updated pushes
 * are staged, with the task as it is now and the status it had before (null:
 * just created); returns the pushes it staged there. Pipelines use it to
 * announce tasks that became ready and to finish pipelines, in the same
 * transaction as the change, so a crash cannot lose them.
 */
export type ChangeHook = (tx: Sql, task: Task, kind: string, from: TaskStatus | null) => Promise<StagedPush[]>;

/** A change as `change` makes it (see there). */
export interface ChangeOpts {
  move?: Move;
  /** Checks beyond the state machine, against the current row; throw to refuse. Run before the move's own check. */
  check?: (row: TasksTable, tx: Sql) => void | Promise<void>;
  patch: (row: TasksTable, now: number, tx: Sql) => Partial<TasksTable> | Promise<Partial<TasksTable>>;
  note?: string | null;
}

/** A change made inside a writer job: the task as changed, and the pushes staged for it. */
interface Changed {
  task: Task;
  pushes: StagedPush[];
}

const HUB = 'hub';

/** Makes sure the owner has its default pipeline, inside a writer job; returns its id. */
export async function ensureDefaultPipeline(db: Kysely<Database>, tx: Sql, ownerId: string, now: number): Promise<string> {
  const found = await tx.get(db.selectFrom('pipelines').select('pipeline_id').where('owner_id', '=', ownerId).where('is_default', '=', 1).compile());
  if (found) return found.pipeline_id;
  const pipelineId = newPipelineId();
  // Always running: a task outside any pipeline of its own is ready as soon as its dependencies are done.
  await tx.run(
    db
      .insertInto('pipelines')
      .values({ pipeline_id: pipelineId, name: 'default', description: null, owner_id: ownerId, is_default: 1, auto_review: 0, state: 'running', created_at: now })
      .compile(),
  );
  return pipelineId;
}

/**
 * Tasks: the lifecycle (rules.ts), who may see them, their timeline and
 * submissions, and the pushes every change sends. A state change is checked
 * and written in one writer job, against the row as it is at that moment, so
 * two racing moves cannot both win.
 */
export class TaskService {
  onChange: ChangeHook = async () => [];

  constructor(
    readonly db: Kysely<Database>,
    readonly writer: Writer,
    readonly streams: Streams,
    readonly peers: WorkPeers,
    /** Holds a task's reward until it is done or cancelled (the economy's ledger). */
    private readonly rewards: RewardKeeper,
  ) {}

  // ---- reading --------------------------------------------------------------

  /** Tasks linked to a private topic are seen by its members and the task's own people only. */
  private visibleFilter(me: string): RawBuilder<boolean> {
    return rawSql<boolean>`(topic_id is null or topic_id in (${this.peers.visibleTopicIds(me)}) or owner_id = ${me} or runner_id = ${me} or reviewer_id = ${me})`;
  }

  async row(me: string, taskId: string): Promise<TasksTable> {
    const row = await this.db.selectFrom('tasks').selectAll().where('task_id', '=', taskId).where(this.visibleFilter(me)).executeTakeFirst();
    if (!row) throw notFound('task');
    return row;
  }

  /** Every task of a pipeline the caller may see, oldest first. */
  inPipeline(me: string, pipelineId: string): Promise<TasksTable[]> {
    return this.db.selectFrom('tasks').selectAll().where('pipeline_id', '=', pipelineId).where(this.visibleFilter(me)).orderBy('created_at').orderBy('task_id').execute();
  }

  /** The tasks each of `taskIds` waits for, with what dependents see of them. */
  private upstreamQuery(taskIds: readonly string[]) {
    return this.db
      .selectFrom('task_dependencies as d')
      .innerJoin('tasks as u', 'u.task_id', 'd.depends_on')
      .select(['d.task_id as dependent', 'u.task_id', 'u.title', 'u.status', 'u.output', 'u.artifacts'])
      .where('d.task_id', 'in', [...taskIds])
      .orderBy('u.created_at');
  }

  async upstreamOf(taskIds: readonly string[]): Promise<Map<string, Upstream[]>> {
    return byDependent(taskIds, taskIds.length === 0 ? [] : await this.upstreamQuery(taskIds).execute());
  }

  async toTasks(rows: TasksTable[]): Promise<Task[]> {
    const up = await this.upstreamOf(rows.map((r) => r.task_id));
    return rows.map((r) => toTask(r, up.get(r.task_id) ?? []));
  }

  /** Inside a writer job: `toTasks` as that job's transaction sees it. */
  async tasksIn(tx: Sql, rows: TasksTable[]): Promise<Task[]> {
    const ids = rows.map((r) => r.task_id);
    const up = byDependent(ids, ids.length === 0 ? [] : await tx.all(this.upstreamQuery(ids).compile()));
    return rows.map((r) => toTask(r, up.get(r.task_id) ?? []));
  }

  /** Inside a writer job: the task as that job's transaction sees it. */
  private async taskIn(tx: Sql, taskId: string): Promise<Task> {
    const row = await tx.get(this.db.selectFrom('tasks').selectAll().where('task_id', '=', taskId).compile());
    if (!row) throw notFound('task');
    return (await this.tasksIn(tx, [row]))[0]!;
  }

  async get(me: string, taskId: string): Promise<Task> {
    return (await this.toTasks([await this.row(me, taskId)]))[0]!;
  }

  async list(me: string, p: ParsedParamsOf<'task/list'>): Promise<ResultOf<'task/list'>> {
    let q = this.db.selectFrom('tasks').selectAll().where(this.visibleFilter(me));
    if (p.status) q = q.where('status', '=', p.status);
    if (p.owner) q = q.where('owner_id', '=', p.owner);
    if (p.runner) q = q.where('runner_id', '=', p.runner);
    if (p.pipeline_id) q = q.where('pipeline_id', '=', p.pipeline_id);
    if (p.capability) q = q.where('capability', '=', p.capability);
    if (p.open) {
      // What a worker may take now: nobody runs it, its pipeline runs, and everything it waits for is done.
      q = q
        .where('status', '=', 'todo')
        .where('runner_id', 'is', null)
        .where('pipeline_id', 'in', (eb) => eb.selectFrom('pipelines').select('pipeline_id').where('state', '=', 'running'))
        .where(
          rawSql<boolean>`not exists (select 1 from task_dependencies d join tasks u on u.task_id = d.depends_on where d.task_id = tasks.task_id and u.status <> 'done')`,
        );
    }
    const { page, next_cursor } = await newestFirst(q, 'task_id', p.limit, p.cursor);
    return { tasks: await this.toTasks(page), next_cursor, };
  }

  /** A page of submissions, oldest first, bounded by count and bytes (each carries up to 20,000 characters of output and 50 URLs). */
  async works(me: string, p: ParsedParamsOf<'task/works'>): Promise<ResultOf<'task/works'>> {
    await this.row(me, p.task_id);
    const start = p.cursor ? readCursor(p.cursor, ['number', 'string']) : null;
    const page = await boundedPage(
      (last: TaskSubmissionsTable | undefined, n) => {
        let q = this.db.selectFrom('task_submissions').selectAll().where('task_id', '=', p.task_id);
        const from = last ? ([Number(last.submitted_at), last.submission_id] as const) : start;
        if (from) q = q.where((eb) => eb.or([eb('submitted_at', '>', from[0]), eb.and([eb('submitted_at', '=', from[0]), eb('submission_id', '>', from[1])])]));
        return q.orderBy('submitted_at').orderBy('submission_id').limit(n).execute();
      },
      (rows) => rows.map(toSubmission),
      { limit: p.limit, maxBytes: MAX_PAGE_BYTES },
    );
    const last = page.last;
    return { works: page.items, next_cursor: page.more && last ? encodeCursor([Number(last.submitted_at), last.submission_id]) : null };
  }

  /** A page of the timeline, oldest first, bounded by count and bytes. */
  async timeline(me: string, p: ParsedParamsOf<'task/timeline'>): Promise<ResultOf<'task/timeline'>> {
    await this.row(me, p.task_id);
    const start = p.cursor ? readCursor(p.cursor, ['number'])[0] : 0;
    const page = await boundedPage(
      (last: TaskTimelineTable | undefined, n) =>
        this.db
          .selectFrom('task_timeline')
          .selectAll()
          .where('task_id', '=', p.task_id)
          .where('n', '>', last ? Number(last.n) : start)
          .orderBy('n')
          .limit(n)
          .execute(),
      (rows) => rows.map(toEntry),
      { limit: p.limit, maxBytes: MAX_PAGE_BYTES },
    );
    return { entries: page.items, next_cursor: page.more && page.last ? encodeCursor([Number(page.last.n)]) : null };
  }

  // ---- writing --------------------------------------------------------------

  private async record(tx: Sql, taskId: string, at: number, actor: string, kind: string, from: string | null, to: string | null, note: string | null): Promise<void> {
    const n = Number((await tx.get(this.db.selectFrom('task_timeline').select((eb) => eb.fn.max('n').as('n')).where('task_id', '=', taskId).compile()))?.n ?? 0) + 1;
    await tx.run(this.db.insertInto('task_timeline').values({ task_id: taskId, n, at, actor, kind, from_status: from, to_status: to, note }).compile());
  }

  private async checkTopic(me: string, topicId: string): Promise<void> {
    if (!(await this.peers.topicRole(topicId, me))) throw forbidden('link a task only to a topic you belong to');
  }

  private async checkAgent(agentId: string, what: string): Promise<void> {
    if (!(await this.peers.agentExists(agentId))) throw notFound(what);
  }

  async create(me: string, p: ParsedParamsOf<'task/create'>): Promise<Task> {
    if (p.runner) await this.checkAgent(p.runner, 'runner agent');
    if (p.reviewer) await this.checkAgent(p.reviewer, 'reviewer agent');
    if (p.topic_id) await this.checkTopic(me, p.topic_id);
    const taskId = newTaskId();
    const now = Date.now();
    return this.commit(async (tx) => {
      let pipelineId: string;
      if (p.pipeline_id) {
        const pl = await tx.get(this.db.selectFrom('pipelines').select(['owner_id', 'state']).where('pipeline_id', '=', p.pipeline_id).compile());
        if (!pl) throw notFound('pipeline');
        if (pl.owner_id !== me) throw forbidden("only a pipeline's owner adds tasks to it");
        pipelineId = p.pipeline_id;
        // A finished pipeline with new work is running again (as with pipeline/add).
        if (pl.state === 'done') await tx.run(this.db.updateTable('pipelines').set({ state: 'running' }).where('pipeline_id', '=', pipelineId).compile());
      } else pipelineId = await ensureDefaultPipeline(this.db, tx, me, now);
      await this.insertTask(tx, me, taskId, pipelineId, now, p);
      const task = await this.taskIn(tx, taskId);
      return { task, pushes: [...(await this.stageUpdate(tx, task, 'created', me, null, null)), ...(await this.onChange(tx, task, 'created', null))] };
    });
  }

  /** Inside a writer job: one new task in `todo`, with its first timeline entry. */
  async insertTask(
    tx: Sql,
    owner: string,
    taskId: string,
    pipelineId: string,
    now: number,
    p: { title: string; description?: string | undefined; acceptance_criteria?: string | undefined; priority?: string; runner?: string | undefined; reviewer?: string | undefined; topic_id?: string | undefined; capability?: string | undefined; deadline?: string | undefined; reward?: { asset: string; amount: string } | undefined },
  ): Promise<void> {
    // The reward is escrowed first: an owner who cannot pay gets no task (the job rolls back).
    const held = p.reward ? await this.rewards.hold(tx, { task_id: taskId, owner_id: owner, asset: p.reward.asset, units: p.reward.amount }) : null;
    await tx.run(
      this.db
        .insertInto('tasks')
        .values({
          task_id: taskId,
          title: p.title,
          description: p.description ?? null,
          acceptance_criteria: p.acceptance_criteria ?? null,
          priority: p.priority ?? 'P2',
          status: 'todo',
          owner_id: owner,
          runner_id: p.runner ?? null,
          reviewer_id: p.reviewer ?? null,
          pipeline_id: pipelineId,
          topic_id: p.topic_id ?? null,
          capability: p.capability ?? null,
          deadline: p.deadline ? Date.parse(p.deadline) : null,
          reward_asset: p.reward?.asset ?? null,
          // Kept for readers of the old column; the exact amount is reward_units.
          reward_amount: p.reward ? Number(p.reward.amount) : null,
          reward_state: held?.state ?? null,
          reward_to: null,
          reward_units: p.reward?.amount ?? null,
          reward_tx: held?.txId ?? null,
          progress: 0,
          progress_note: null,
          output: null,
          artifacts: '[]',
          review_comment: null,
          created_at: now,
          updated_at: now,
          active_at: null,
        })
        .compile(),
    );
    await this.record(tx, taskId, now, owner, 'created', null, 'todo', p.runner ? `runner ${p.runner}` : null);
  }

  /**
   * The one way a task changes: in a writer job, read the row as it is now,
   * check the move (rules.ts) and any extra condition, write the patch and a
   * timeline entry, and stage the pushes that tell everyone concerned. The
   * task as changed is the request's answer.
   */
  change(actor: string, taskId: string, kind: string, opts: ChangeOpts): Promise<Task> {
    return this.commit((tx) => this.applyChange(tx, actor, taskId, kind, opts));
  }

  /**
   * Runs `work` (one or more changes) in one writer job: the changes, their
   * timeline entries and their pushes commit together with the request's
   * answer, the task as `work` leaves it. Nobody misses a change that happened.
   */
  private async commit(work: (tx: Sql) => Promise<Changed>): Promise<Task> {
    const done = await this.writer.run(
      async (tx) => {
        const { task, pushes } = await work(tx);
        return { task: await respond(tx, task), pushes };
      },
      (r) => this.streams.fanOut(r.pushes),
    );
    return done.task;
  }

  /** Inside a writer job: one change (see `change`), with its pushes staged. */
  private async applyChange(tx: Sql, actor: string, taskId: string, kind: string, opts: ChangeOpts): Promise<Changed> {
    const row = await tx.get(this.db.selectFrom('tasks').selectAll().where('task_id', '=', taskId).compile());
    if (!row) throw notFound('task');
    await opts.check?.(row, tx);
    if (opts.move) {
      const roles = actor === HUB ? new Set(['hub' as const]) : rolesOf(row, actor);
      const no = refusal(opts.move, row.status as TaskStatus, roles);
      if (no) throw no.code === 'forbidden' ? forbidden(no.why) : conflict(no.why);
    }
    const now = Date.now();
    const changed = await opts.patch(row, now, tx);
    const to = changed.status ?? row.status;
    const reward = await this.moveReward(tx, row, to, changed.runner_id ?? row.runner_id ?? row.owner_id, actor);
    const patch = { ...changed, ...reward.patch, updated_at: now };
    await tx.run(this.db.updateTable('tasks').set(patch).where('task_id', '=', taskId).compile());
    await this.record(tx, taskId, now, actor, kind, row.status, to, opts.note ?? null);
    const task = await this.taskIn(tx, taskId);
    return { task, pushes: [...(await this.stageChange(tx, row, task, kind, actor, opts.note ?? null)), ...reward.pushes] };
  }

  /**
   * Inside a change's writer job: a held reward moves with the status, to the
   * runner on done and back to the owner on cancel, and the row records where
   * it went. Rewards of tasks made before the ledger (no reward_units) never
   * held value: only their state changes, as it always did.
   */
  private async moveReward(tx: Sql, row: TasksTable, to: string, runner: string, actor: string): Promise<{ patch: Partial<TasksTable>; pushes: StagedPush[] }> {
    const none = { patch: {}, pushes: [] };
    if (row.reward_asset === null || (row.reward_state ?? 'held') !== 'held' || to === row.status) return none;
    if (to !== 'done' && to !== 'cancelled') return none;
    if (row.reward_units === null) return { patch: to === 'done' ? { reward_state: 'released', reward_to: runner } : { reward_state: 'refunded', reward_to: null }, pushes: [] };
    const ref: TaskRewardRef = { task_id: row.task_id, owner_id: row.owner_id, asset: row.reward_asset, units: row.reward_units };
    const moved = to === 'done' ? await this.rewards.release(tx, ref, runner, actor) : await this.rewards.refund(tx, ref, actor);
    return { patch: { reward_state: moved.state, reward_to: moved.paidTo, reward_tx: moved.txId }, pushes: moved.pushes };
  }

  /**
   * Inside the change's writer job, in this order: task.updated to the task's
   * people, what the change hook stages (task.ready), and "unassigned" to a
   * runner taken off the task (reassigned, or stale): it is no longer among
   * the task's people.
   */
  private async stageChange(tx: Sql, before: TasksTable, task: Task, kind: string, actor: string, note: string | null): Promise<StagedPush[]> {
    const from = before.status as TaskStatus;
    const pushes = [...(await this.stageUpdate(tx, task, kind, actor, from, note)), ...(await this.onChange(tx, task, kind, from))];
    if (before.runner_id !== null && before.runner_id !== task.runner_id) {
      pushes.push(await this.streams.stage(tx, agentStream(before.runner_id), 'task.updated', { task, change: 'unassigned', actor, from_status: from, note: null }));
    }
    return pushes;
  }

  /** Inside the change's writer job: task.updated to owner, runner and reviewer, and to the task's topic. */
  private async stageUpdate(tx: Sql, task: Task, change: string, actor: string, from: TaskStatus | null, note: string | null): Promise<StagedPush[]> {
    const people = new Set([task.owner_id, task.runner_id, task.reviewer_id].filter((x): x is string => x !== null));
    const streams = [...people].map(agentStream);
    if (task.topic_id) streams.push(topicStream(task.topic_id));
    const data = { task, change, actor, from_status: from, note };
    const pushes: StagedPush[] = [];
    for (const stream of streams) pushes.push(await this.streams.stage(tx, stream, 'task.updated', data));
    return pushes;
  }

  async update(me: string, p: ParsedParamsOf<'task/update'>): Promise<Task> {
    await this.row(me, p.task_id);
    if (p.reviewer) await this.checkAgent(p.reviewer, 'reviewer agent');
    if (p.topic_id) await this.checkTopic(me, p.topic_id);
    return this.change(me, p.task_id, 'updated', {
      check: (row) => {
        if (row.owner_id !== me) throw forbidden('only its owner may update this task');
        if (row.status === 'done' || row.status === 'cancelled') throw conflict(`cannot update a task that is ${row.status}`);
      },
      patch: () => {
        const s: Partial<TasksTable> = {};
        if (p.title !== undefined) s.title = p.title;
        if (p.description !== undefined) s.description = p.description;
        if (p.acceptance_criteria !== undefined) s.acceptance_criteria = p.acceptance_criteria;
        if (p.priority !== undefined) s.priority = p.priority;
        if (p.reviewer !== undefined) s.reviewer_id = p.reviewer;
        if (p.capability !== undefined) s.capability = p.capability;
        if (p.deadline !== undefined) s.deadline = p.deadline === null ? null : Date.parse(p.deadline);
        if (p.topic_id !== undefined) s.topic_id = p.topic_id;
        return s;
      },
    });
  }

  async cancel(me: string, p: ParsedParamsOf<'task/cancel'>): Promise<Task> {
    await this.row(me, p.task_id);
    return this.change(me, p.task_id, 'cancelled', { move: 'cancel', patch: () => ({ status: 'cancelled' }), note: p.reason ?? null });
  }

  async assign(me: string, p: ParsedParamsOf<'task/assign'>): Promise<Task> {
    await this.row(me, p.task_id);
    await this.checkAgent(p.runner, 'runner agent');
    // A replaced runner hears that it is off the task (stageChange).
    return this.change(me, p.task_id, 'assigned', {
      check: (row) => {
        if (row.owner_id !== me) throw forbidden('only its owner may assign this task');
        if (row.status !== 'todo' && row.status !== 'blocked') throw conflict(`cannot assign a task that is ${row.status} (only todo or blocked)`);
      },
      patch: () => ({ runner_id: p.runner }),
      note: `runner ${p.runner}`,
    });
  }

  async join(me: string, taskId: string): Promise<Task> {
    const row = await this.row(me, taskId);
    const caps = row.capability ? await this.peers.capabilitiesOf(me) : [];
    return this.change(me, taskId, 'joined', {
      check: async (cur, tx) => {
        // Volunteering is for work that can start: a waiting task is announced (task.ready) once it can.
        const waiting = await this.waitingIn(tx, taskId);
        if (waiting.length > 0) throw conflict(`cannot join yet: ${waitingOn(waiting)}`);
        if (cur.status !== 'todo') throw conflict(`cannot join a task that is ${cur.status}`);
        if (cur.runner_id === me) throw conflict('you already run this task');
        if (cur.runner_id !== null) throw conflict('someone already runs this task');
        if (cur.capability && !caps.includes(cur.capability)) throw forbidden(`this task needs the capability "${cur.capability}"; advertise it with agent/update`);
      },
      patch: () => ({ runner_id: me }),
    });
  }

  async start(me: string, taskId: string): Promise<Task> {
    await this.row(me, taskId);
    // review_comment stays: a re-run is started with the reviewer's reason in hand.
    return this.change(me, taskId, 'started', {
      move: 'start',
      check: async (_row, tx) => {
        const waiting = await this.waitingIn(tx, taskId);
        if (waiting.length > 0) throw conflict(waitingOn(waiting));
      },
      patch: (_r, now) => ({ status: 'doing', active_at: now }),
    });
  }

  /** Inside a writer job: the tasks `taskId` waits for that are not done yet. */
  private async waitingIn(tx: Sql, taskId: string): Promise<Upstream[]> {
    return (byDependent([taskId], await tx.all(this.upstreamQuery([taskId]).compile())).get(taskId) ?? []).filter((u) => u.status !== 'done');
  }

  async progress(me: string, p: ParsedParamsOf<'task/progress'>): Promise<Task> {
    await this.row(me, p.task_id);
    return this.change(me, p.task_id, 'progress', {
      check: (row) => {
        if (row.runner_id !== me) throw forbidden('only its runner may report progress on this task');
        if (row.status !== 'doing') throw conflict(`cannot report progress on a task that is ${row.status} (only doing)`);
      },
      patch: (_r, now) => ({ progress: p.percent, progress_note: p.note ?? null, active_at: now }),
      note: `${p.percent}%${p.note ? `: ${p.note}` : ''}`,
    });
  }

  async submit(me: string, p: ParsedParamsOf<'task/submit'>): Promise<Task> {
    await this.row(me, p.task_id);
    const submit: ChangeOpts = {
      move: 'submit',
      patch: async (_r, now, tx) => {
        await tx.run(
          this.db
            .insertInto('task_submissions')
            .values({ submission_id: newSubmissionId(), task_id: p.task_id, runner_id: me, output: p.output, artifacts: JSON.stringify(p.artifacts), submitted_at: now, decision: null, comment: null, reviewed_by: null, reviewed_at: null })
            .compile(),
        );
        return { status: 'review', output: p.output, artifacts: JSON.stringify(p.artifacts), progress: 100 };
      },
    };
    // An auto-reviewing pipeline approves in the same job: the answer is the task as approved.
    return this.commit(async (tx) => {
      const submitted = await this.applyChange(tx, me, p.task_id, 'submitted', submit);
      if (!(await this.autoReviews(tx, submitted.task.pipeline_id))) return submitted;
      const approved = await this.applyChange(tx, HUB, p.task_id, 'approved', this.decision(HUB, p.task_id, 'approve', 'approved by the pipeline (auto review)', 'auto_approve'));
      return { task: approved.task, pushes: [...submitted.pushes, ...approved.pushes] };
    });
  }

  /** Inside a writer job: whether the pipeline approves submissions itself. */
  private async autoReviews(tx: Sql, pipelineId: string): Promise<boolean> {
    const auto = await tx.get(this.db.selectFrom('pipelines').select('auto_review').where('pipeline_id', '=', pipelineId).compile());
    return Number(auto?.auto_review ?? 0) === 1;
  }

  async review(me: string, p: ParsedParamsOf<'task/review'>): Promise<Task> {
    await this.row(me, p.task_id);
    const move: Move = p.decision === 'approve' ? 'approve' : p.decision === 'reject' ? 'reject' : 'block_review';
    return this.change(me, p.task_id, decisionKind(p.decision), this.decision(me, p.task_id, p.decision, p.comment ?? null, move));
  }

  /** A review's change: the decision goes on the latest submission, and the task moves accordingly. */
  private decision(actor: string, taskId: string, decision: Decision, comment: string | null, move: Move): ChangeOpts {
    return {
      move,
      patch: async (_row, now, tx) => {
        // The review belongs to the latest submission.
        const latest = await tx.get(
          this.db.selectFrom('task_submissions').select('submission_id').where('task_id', '=', taskId).orderBy('submitted_at', 'desc').orderBy('submission_id', 'desc').limit(1).compile(),
        );
        if (latest) {
          await tx.run(
            this.db
              .updateTable('task_submissions')
              .set({ decision, comment, reviewed_by: actor, reviewed_at: now })
              .where('submission_id', '=', latest.submission_id)
              .compile(),
          );
        }
        // Rejected work goes back to its runner with the comment, to be done again.
        if (decision === 'reject') return { status: 'todo', review_comment: comment, progress: 0, progress_note: null };
        return { status: decision === 'approve' ? 'done' : 'blocked', review_comment: comment };
      },
      note: comment,
    };
  }

  async block(me: string, p: ParsedParamsOf<'task/block'>): Promise<Task> {
    await this.row(me, p.task_id);
    return this.change(me, p.task_id, 'blocked', { move: 'block', patch: () => ({ status: 'blocked' }), note: p.reason });
  }

  async unblock(me: string, p: ParsedParamsOf<'task/unblock'>): Promise<Task> {
    await this.row(me, p.task_id);
    return this.change(me, p.task_id, 'unblocked', { move: 'unblock', patch: () => ({ status: 'todo' }), note: p.note ?? null });
  }

  async addDependency(me: string, p: ParsedParamsOf<'task/dependencies/add'>): Promise<Task> {
    await this.row(me, p.task_id);
    await this.row(me, p.depends_on);
    if (p.task_id === p.depends_on) throw conflict('a task cannot depend on itself');
    return this.change(me, p.task_id, 'dependencies', {
      check: async (row, tx) => {
        if (row.owner_id !== me) throw forbidden("only its owner may change this task's dependencies");
        if (row.status === 'done' || row.status === 'cancelled') throw conflict(`cannot add a dependency to a task that is ${row.status}`);
        const cycle = await this.pathBetween(tx, p.depends_on, p.task_id);
        if (cycle) throw conflict(`that would make a cycle: ${[p.task_id, ...cycle].join(' -> ')}`);
      },
      patch: async (_row, _now, tx) => {
        await tx.run(
          this.db
            .insertInto('task_dependencies')
            .values({ task_id: p.task_id, depends_on: p.depends_on })
            .onConflict((oc) => oc.columns(['task_id', 'depends_on']).doNothing())
            .compile(),
        );
        return {};
      },
      note: `now waits for ${p.depends_on}`,
    });
  }

  /**
   * A dependency path from `from` to `to` (following "depends on" edges), if
   * there is one: adding to -> from would then close a cycle. Breadth-first,
   * inside the writer job, so no concurrent add can slip a cycle past it.
   */
  private async pathBetween(tx: Sql, from: string, to: string): Promise<string[] | null> {
    const prev = new Map<string, string | null>([[from, null]]);
    const queue = [from];
    while (queue.length > 0) {
      const cur = queue.shift()!;
      if (cur === to) {
        const path: string[] = [];
        for (let at: string | null = cur; at !== null; at = prev.get(at) ?? null) path.unshift(at);
        return path;
      }
      for (const r of await tx.all(this.db.selectFrom('task_dependencies').select('depends_on').where('task_id', '=', cur).compile())) {
        if (!prev.has(r.depends_on)) {
          prev.set(r.depends_on, cur);
          queue.push(r.depends_on);
        }
      }
    }
    return null;
  }

  async removeDependency(me: string, p: ParsedParamsOf<'task/dependencies/remove'>): Promise<Task> {
    await this.row(me, p.task_id);
    return this.change(me, p.task_id, 'dependencies', {
      check: (row) => {
        if (row.owner_id !== me) throw forbidden("only its owner may change this task's dependencies");
      },
      patch: async (_row, _now, tx) => {
        const n = await tx.run(this.db.deleteFrom('task_dependencies').where('task_id', '=', p.task_id).where('depends_on', '=', p.depends_on).compile());
        if (n === 0) throw notFound('dependency');
        return {};
      },
      note: `no longer waits for ${p.depends_on}`,
    });
  }

  // ---- the hub's own moves ---------------------------------------------------

  /**
   * Stale runners: a task in `doing` whose runner has been silent (no start or
   * progress) for `staleMs` while offline goes back to `todo`, without a
   * runner, and its owner is told (task.updated, change "stale").
   */
  async returnStale(staleMs: number, now = Date.now()): Promise<string[]> {
    // The hub's own sweep: never part of a request, whoever started the timer.
    return detached(() => this.sweepStale(staleMs, now));
  }

  private async sweepStale(staleMs: number, now: number): Promise<string[]> {
    const rows = await this.db.selectFrom('tasks').select(['task_id', 'runner_id']).where('status', '=', 'doing').where('active_at', '<', now - staleMs).execute();
    const returned: string[] = [];
    for (const r of rows) {
      if (r.runner_id && this.peers.isOnline(r.runner_id)) continue;
      try {
        // The runner that lost it hears too (stageChange): it is no longer on the task.
        await this.change(HUB, r.task_id, 'stale', {
          move: 'stale',
          // Checked again in the job: progress may have arrived since the scan.
          check: (cur) => {
            if (Number(cur.active_at ?? 0) >= now - staleMs) throw conflict('not stale any more');
          },
          patch: () => ({ status: 'todo', runner_id: null, progress: 0, progress_note: null }),
          note: `runner ${r.runner_id ?? '?'} went quiet for more than ${Math.round(staleMs / 1000)} s while offline`,
        });
        returned.push(r.task_id);
      } catch (err) {
        if (!(err instanceof HubError)) throw err;
      }
    }
    return returned;
  }
}

type Decision = 'approve' | 'reject' | 'block';

function decisionKind(decision: Decision): string {
  return decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'blocked';
}

function waitingOn(waiting: readonly Upstream[]): string {
  return `waiting on ${waiting.length} unfinished dependenc${waiting.length === 1 ? 'y' : 'ies'}: ${waiting.map((w) => `${w.task_id} (${w.status})`).join(', ')}`;
}

function byDependent(taskIds: readonly string[], rows: ReadonlyArray<Upstream & { dependent: string }>): Map<string, Upstream[]> {
  const out = new Map<string, Upstream[]>(taskIds.map((id) => [id, []]));
  for (const r of rows) out.get(r.dependent)?.push(r);
  return out;
}
