import { agentStream, topicStream, type ParsedParamsOf, type Pipeline, type ResultOf, type Task, type TaskStatus } from '@parley/protocol';
import { newestFirst } from '../../core/paging.js';
import { conflict, forbidden, notFound } from '../../core/errors.js';
import { newPipelineId, newTaskId } from '../../core/ids.js';
import type { StagedPush } from '../../core/streams.js';
import { detached } from '../../core/unit.js';
import type { PipelinesTable, TasksTable } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';
import { toPipeline } from './rows.js';
import { ensureDefaultPipeline, type TaskService } from './service.js';

type Status = ResultOf<'pipeline/status'>;

/**
 * Pipelines group tasks; dependencies between tasks (finish-to-start) say
 * the order. Running a pipeline announces every task whose dependencies are
 * done, and from then on every task of a running pipeline that becomes ready
 * is announced (task.ready): dependents of a task that reached `done`, a
 * task created or added, one whose last open dependency was removed, one
 * unblocked, rejected back to `todo` or returned by a stale runner. An
 * agent's default pipeline is always running. A rejected, blocked or
 * cancelled task is simply not done, so whatever waits for it stays held.
 *
 * Every write, with the announcements and the pipeline state it leads to, is
 * one writer job (the task's change job, through TaskService.onChange), so a
 * crash cannot keep a change and lose what follows from it.
 */
export class PipelineService {
  constructor(private readonly tasks: TaskService) {
    tasks.onChange = (tx, task, kind, from) => this.afterChange(tx, task, kind, from);
  }

  private get db() {
    return this.tasks.db;
  }

  /** Inside the change's writer job. */
  private async afterChange(tx: Sql, task: Task, kind: string, from: TaskStatus | null): Promise<StagedPush[]> {
    if (task.status === 'done' && from !== 'done') return this.afterDone(tx, task);
    // Cancelling the last open task finishes the pipeline too.
    if (task.status === 'cancelled' && from !== 'cancelled') {
      await this.settle(tx, task.pipeline_id);
      return [];
    }
    // Became ready now: it was not todo before, or it is new, or a dependency just went away.
    const becameReady = from !== 'todo' || kind === 'created' || kind === 'dependencies';
    if (task.status === 'todo' && task.ready && becameReady) return this.announceReady(tx, [task.task_id]);
    return [];
  }

  /** A task reached done: announce the dependents it freed (those in running pipelines), and maybe finish its pipeline. */
  private async afterDone(tx: Sql, task: Task): Promise<StagedPush[]> {
    const dependents = await tx.all(this.db.selectFrom('task_dependencies').select('task_id').where('depends_on', '=', task.task_id).compile());
    const pushes = await this.announceReady(tx, dependents.map((d) => d.task_id));
    await this.settle(tx, task.pipeline_id);
    return pushes;
  }

  /** Inside a writer job: announces those of the given tasks that are todo, ready, and in a running pipeline. */
  private async announceReady(tx: Sql, taskIds: readonly string[]): Promise<StagedPush[]> {
    if (taskIds.length === 0) return [];
    const rows = await tx.all(
      this.db
        .selectFrom('tasks')
        .innerJoin('pipelines', 'pipelines.pipeline_id', 'tasks.pipeline_id')
        .selectAll('tasks')
        .where('tasks.task_id', 'in', [...taskIds])
        .where('tasks.status', '=', 'todo')
        .where('pipelines.state', '=', 'running')
        .compile(),
    );
    const tasks = await this.tasks.tasksIn(tx, rows);
    const pushes: StagedPush[] = [];
    for (const [i, t] of tasks.entries()) if (t.ready) pushes.push(...(await this.announce(tx, rows[i]!)));
    return pushes;
  }

  /**
   * task.ready for a task whose dependencies are done: to its runner; when
   * nobody runs it, to online agents that advertise its capability, to its
   * topic, or else to its owner.
   */
  private async announce(tx: Sql, t: TasksTable): Promise<StagedPush[]> {
    const data = { task_id: t.task_id, title: t.title, pipeline_id: t.pipeline_id, capability: t.capability, runner_id: t.runner_id };
    const streams = new Set<string>();
    if (t.runner_id) streams.add(agentStream(t.runner_id));
    else {
      if (t.capability) {
        // A task linked to a private topic is announced only to those who may see it (its members).
        const topic = t.topic_id ? await tx.get(this.db.selectFrom('topics').select('visibility').where('topic_id', '=', t.topic_id).compile()) : undefined;
        const mayHear = async (a: string) => topic?.visibility !== 'private' || (await this.tasks.peers.topicRole(t.topic_id!, a, tx)) !== null;
        for (const a of await this.tasks.peers.onlineWith(t.capability, tx)) if (await mayHear(a)) streams.add(agentStream(a));
      }
      if (t.topic_id) streams.add(topicStream(t.topic_id));
      if (streams.size === 0) streams.add(agentStream(t.owner_id));
    }
    const pushes: StagedPush[] = [];
    for (const s of streams) pushes.push(await this.tasks.streams.stage(tx, s, 'task.ready', data));
    return pushes;
  }

  // ---- reading ------------------------------------------------------------

  private countsQuery(ids: readonly string[]) {
    return this.db
      .selectFrom('tasks')
      .select(['pipeline_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('pipeline_id', 'in', [...ids])
      .groupBy(['pipeline_id', 'status']);
  }

  private tasksQuery(pipelineId: string) {
    return this.db.selectFrom('tasks').selectAll().where('pipeline_id', '=', pipelineId).orderBy('created_at').orderBy('task_id');
  }

  private async toPipelines(rows: PipelinesTable[]): Promise<Pipeline[]> {
    const ids = rows.map((r) => r.pipeline_id);
    const counts = byPipeline(ids, ids.length === 0 ? [] : await this.countsQuery(ids).execute());
    return rows.map((r) => toPipeline(r, counts.get(r.pipeline_id)!));
  }

  private async row(pipelineId: string): Promise<PipelinesTable> {
    const row = await this.db.selectFrom('pipelines').selectAll().where('pipeline_id', '=', pipelineId).executeTakeFirst();
    if (!row) throw notFound('pipeline');
    return row;
  }

  private async owned(me: string, pipelineId: string): Promise<PipelinesTable> {
    const row = await this.row(pipelineId);
    if (row.owner_id !== me) throw forbidden('only the owner of the pipeline may do this');
    return row;
  }

  async get(pipelineId: string): Promise<Pipeline> {
    return (await this.toPipelines([await this.row(pipelineId)]))[0]!;
  }

  async status(pipelineId: string): Promise<Status> {
    const pipeline = await this.get(pipelineId);
    return statusOf(pipeline, await this.tasks.toTasks(await this.tasksQuery(pipelineId).execute()));
  }

  /** Inside a writer job: `get` as that job's transaction sees it. */
  private async pipelineIn(tx: Sql, pipelineId: string): Promise<Pipeline> {
    const row = await tx.get(this.db.selectFrom('pipelines').selectAll().where('pipeline_id', '=', pipelineId).compile());
    if (!row) throw notFound('pipeline');
    return toPipeline(row, byPipeline([pipelineId], await tx.all(this.countsQuery([pipelineId]).compile())).get(pipelineId)!);
  }

  /** Inside a writer job: `status` as that job's transaction sees it. */
  private async statusIn(tx: Sql, pipelineId: string): Promise<Status> {
    const pipeline = await this.pipelineIn(tx, pipelineId);
    return statusOf(pipeline, await this.tasks.tasksIn(tx, await tx.all(this.tasksQuery(pipelineId).compile())));
  }

  async list(me: string, p: ParsedParamsOf<'pipeline/list'>): Promise<ResultOf<'pipeline/list'>> {
    // Everyone has a default pipeline, listed from the start (not only once a task needed it).
    const hasDefault = await this.db.selectFrom('pipelines').select('pipeline_id').where('owner_id', '=', me).where('is_default', '=', 1).executeTakeFirst();
    // Not this read's effect: making it is idempotent (done again by whatever needs it first), so it is no part of the request.
    if (!hasDefault) await detached(() => this.tasks.writer.run((tx) => ensureDefaultPipeline(this.db, tx, me, Date.now())));
    let q = this.db.selectFrom('pipelines').selectAll();
    if (p.mine) q = q.where('owner_id', '=', me);
    const { page, next_cursor } = await newestFirst(q, 'pipeline_id', p.limit, p.cursor);
    return {
      pipelines: await this.toPipelines(page),
      next_cursor,
    };
  }

  async graph(me: string, pipelineId: string): Promise<ResultOf<'task/graph'>> {
    await this.row(pipelineId);
    const all = await this.tasks.toTasks(await this.tasks.inPipeline(me, pipelineId));
    return {
      nodes: all.map((t) => ({ task_id: t.task_id, title: t.title, status: t.status, runner_id: t.runner_id, ready: t.ready })),
      // Only edges between tasks the caller can see.
      edges: all.flatMap((t) => t.depends_on.filter((d) => all.some((x) => x.task_id === d)).map((d) => ({ from: d, to: t.task_id }))),
    };
  }

  /** pipeline/status as the caller may see it: ready and held list only tasks it may see (counts are totals). */
  async statusFor(me: string, pipelineId: string): Promise<Status> {
    const s = await this.status(pipelineId);
    const visible = new Set((await this.tasks.inPipeline(me, pipelineId)).map((t) => t.task_id));
    return { pipeline: s.pipeline, ready: s.ready.filter((id) => visible.has(id)), held: s.held.filter((id) => visible.has(id)) };
  }

  // ---- writing --------------------------------------------------------------

  /** One writer job: `work`'s writes and pushes, with its result recorded as the request's answer. */
  private commit<R>(work: (tx: Sql) => Promise<{ result: R; pushes?: StagedPush[] }>): Promise<R> {
    return this.tasks.streams.commitChange(work);
  }

  create(me: string, p: ParsedParamsOf<'pipeline/create'>): Promise<Pipeline> {
    const pipelineId = newPipelineId();
    return this.commit(async (tx) => {
      await tx.run(
        this.db
          .insertInto('pipelines')
          .values({ pipeline_id: pipelineId, name: p.name, description: p.description ?? null, owner_id: me, is_default: 0, auto_review: p.auto_review ? 1 : 0, state: 'idle', created_at: Date.now() })
          .compile(),
      );
      return { result: await this.pipelineIn(tx, pipelineId) };
    });
  }

  async update(me: string, p: ParsedParamsOf<'pipeline/update'>): Promise<Pipeline> {
    await this.owned(me, p.pipeline_id);
    const set: Partial<PipelinesTable> = {};
    if (p.name !== undefined) set.name = p.name;
    if (p.description !== undefined) set.description = p.description;
    if (p.auto_review !== undefined) set.auto_review = p.auto_review ? 1 : 0;
    return this.commit(async (tx) => {
      await tx.run(this.db.updateTable('pipelines').set(set).where('pipeline_id', '=', p.pipeline_id).compile());
      return { result: await this.pipelineIn(tx, p.pipeline_id) };
    });
  }

  async delete(me: string, pipelineId: string): Promise<ResultOf<'pipeline/delete'>> {
    const row = await this.owned(me, pipelineId);
    if (Number(row.is_default) === 1) throw conflict('the default pipeline cannot be deleted');
    // Moving the tasks and deleting the pipeline is one transaction: no task is ever left without one.
    return this.commit(async (tx) => {
      const target = await ensureDefaultPipeline(this.db, tx, me, Date.now());
      const moved = (await tx.all(this.db.selectFrom('tasks').select('task_id').where('pipeline_id', '=', pipelineId).compile())).map((r) => r.task_id);
      await tx.run(this.db.updateTable('tasks').set({ pipeline_id: target }).where('pipeline_id', '=', pipelineId).compile());
      await tx.run(this.db.deleteFrom('pipelines').where('pipeline_id', '=', pipelineId).compile());
      // The default pipeline is always running: moved tasks that can start are announced (again, if the old one ran).
      return { result: { pipeline_id: pipelineId, deleted: true, moved_tasks: moved.length }, pushes: await this.announceReady(tx, moved) };
    });
  }

  async add(me: string, p: ParsedParamsOf<'pipeline/add'>): Promise<ResultOf<'pipeline/add'>> {
    const pipeline = await this.owned(me, p.pipeline_id);
    for (const id of p.task_ids ?? []) {
      const t = await this.tasks.row(me, id);
      if (t.owner_id !== me) throw forbidden(`you do not own ${id}: only a task's owner moves it into a pipeline`);
    }
    return this.commit(async (tx) => {
      const added = await this.addIn(tx, me, pipeline.pipeline_id, p);
      // In a running pipeline, whatever was added and can start is announced (an idle one waits for pipeline/run).
      return { result: { pipeline_id: p.pipeline_id, added }, pushes: await this.announceReady(tx, added) };
    });
  }

  /** Inside pipeline/add's writer job: moves the tasks, creates the stages; returns the ids of both. */
  private async addIn(tx: Sql, me: string, pipelineId: string, p: ParsedParamsOf<'pipeline/add'>): Promise<string[]> {
    const added: string[] = [];
    const now = Date.now();
    for (const id of p.task_ids ?? []) {
      await tx.run(this.db.updateTable('tasks').set({ pipeline_id: pipelineId, updated_at: now }).where('task_id', '=', id).compile());
      added.push(id);
    }
    // Each stage waits for the one before it; the first for the pipeline's newest task when asked.
    let previous: string | null = p.after_last
      ? ((await tx.get(this.db.selectFrom('tasks').select('task_id').where('pipeline_id', '=', pipelineId).orderBy('created_at', 'desc').orderBy('task_id', 'desc').limit(1).compile()))
          ?.task_id ?? null)
      : null;
    for (const stage of p.stages ?? []) {
      const taskId = newTaskId();
      await this.tasks.insertTask(tx, me, taskId, pipelineId, now, stage);
      if (previous) await tx.run(this.db.insertInto('task_dependencies').values({ task_id: taskId, depends_on: previous }).compile());
      previous = taskId;
      added.push(taskId);
    }
    // A finished pipeline with new work is running again.
    await tx.run(this.db.updateTable('pipelines').set({ state: 'running' }).where('pipeline_id', '=', pipelineId).where('state', '=', 'done').compile());
    return added;
  }

  async run(me: string, pipelineId: string): Promise<Status> {
    await this.owned(me, pipelineId);
    return this.commit(async (tx) => {
      await tx.run(this.db.updateTable('pipelines').set({ state: 'running' }).where('pipeline_id', '=', pipelineId).where('state', '<>', 'running').compile());
      const status = await this.statusIn(tx, pipelineId);
      const pushes = await this.announceReady(tx, status.ready);
      // Announcing changes no task, so the status just read is still current unless it finishes the pipeline.
      return { result: (await this.settle(tx, pipelineId)) ? await this.statusIn(tx, pipelineId) : status, pushes };
    });
  }

  /** Inside a writer job: marks the pipeline done when every task is done or cancelled; says whether it did. */
  private async settle(tx: Sql, pipelineId: string): Promise<boolean> {
    const { state, is_default, counts } = await this.pipelineIn(tx, pipelineId);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const finished = counts.done + counts.cancelled;
    // The default pipeline never finishes: it takes whatever task comes next.
    if (state === 'running' && !is_default && total > 0 && finished === total) {
      await tx.run(this.db.updateTable('pipelines').set({ state: 'done' }).where('pipeline_id', '=', pipelineId).compile());
      return true;
    }
    return false;
  }
}

/** ready and held, from a pipeline's tasks. */
function statusOf(pipeline: Pipeline, tasks: Task[]): Status {
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  // Holding its dependents: blocked, cancelled, or rejected back to todo (it carries the reviewer's comment).
  const holds = (id: string) => {
    const d = byId.get(id);
    return d !== undefined && (d.status === 'blocked' || d.status === 'cancelled' || (d.status === 'todo' && d.review_comment !== null));
  };
  const ready = tasks.filter((t) => t.status === 'todo' && t.ready).map((t) => t.task_id);
  const held = tasks.filter((t) => t.status === 'todo' && !t.ready && t.depends_on.some(holds)).map((t) => t.task_id);
  return { pipeline, ready, held };
}

function byPipeline(ids: readonly string[], rows: ReadonlyArray<{ pipeline_id: string; status: string; n: number }>): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>(ids.map((id) => [id, new Map()]));
  for (const r of rows) out.get(r.pipeline_id)!.set(r.status, Number(r.n));
  return out;
}
