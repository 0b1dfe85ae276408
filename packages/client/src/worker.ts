// `client.tasks.work(capability, handler)`: a task worker in a few lines.
//
// Why this lives in the client and not in every bot: taking a task safely is
// more than one call. A worker has to find work it may take (a list when it
// starts and after every reconnect, because pushes sent while it was away
// were not for it, plus `task.ready` and `task.updated` pushes while it runs),
// claim it without fighting other workers (task/join is the hub's lock: the
// loser gets `conflict` and simply moves on), start it, report progress, and
// hand in the result, or block the task with the error so its owner sees why
// nothing came. Getting the edges right (the same task offered twice while it
// runs, a task rejected back while its run is still finishing, a task
// cancelled under a running handler, stop() while handlers run) is the point
// of having one implementation.
//
// This file must stay free of Node built-ins: it is part of the browser entry
// (test/bundle.test.ts).
import type { EventDataOf, Task } from '@parley/protocol';
import type { ParleyClient } from './client.js';
import type { DomainHelper } from './domains.js';
import { asError, isClosed, isRefusal, ParleyError } from './errors.js';

/** What a handler returns: the output text, or the output with artifact URLs. */
export type TaskResult = string | { output: string; artifacts?: readonly string[] };

/** The second argument of a task handler. */
export interface TaskContext {
  /**
   * Report progress (`task/progress`; it also keeps the task from being
   * treated as stale). `percent` is rounded to an integer; the hub takes 0-100.
   * Resolves with the updated task.
   */
  progress(percent: number, note?: string): Promise<Task>;
  /**
   * Aborted when the task stops being this worker's to finish while the
   * handler runs: cancelled, blocked or reassigned by its owner, or put back
   * by the hub as stale. Whatever the handler then returns or throws is
   * dropped (nothing is submitted or blocked).
   */
  readonly signal: AbortSignal;
  /** The client the worker runs on, for any other call the handler needs. */
  readonly client: ParleyClient;
}

/**
 * Does one task. `task` is the started task (status `doing`); its `inputs`
 * carry the outputs of the upstream tasks it depends on, and `review_comment`
 * the reviewer's reason when the task was rejected back for a re-run (the hub
 * clears it on task/start; the worker passes on the one the task had before).
 * Throwing blocks the task with the error's message.
 */
export type TaskHandler = (task: Task, ctx: TaskContext) => TaskResult | Promise<TaskResult>;

export interface TaskWorkerOptions {
  /**
   * Take only tasks that ask for this capability (and, by default, advertise
   * it on the agent's profile). Without it the worker takes any task it may:
   * open tasks of any capability the agent advertises, and tasks assigned to it.
   */
  capability?: string;
  /** How many tasks run at once (default 1). The worker never claims more than it can run. */
  concurrency?: number;
  /** Aborting it stops the worker, like `stop()`. */
  signal?: AbortSignal;
  /**
   * Add `capability` to the agent's advertised capabilities when it is missing
   * (default true). The hub only lets an agent join a task whose capability it
   * advertises, and only announces such tasks to agents that advertise it.
   * Note that advertising a capability also makes the agent a candidate for
   * `delegate/request` with that capability.
   */
  advertise?: boolean;
  /**
   * Look for open tasks every this many ms while connected (default 30000;
   * 0: only on connect and when a slot frees). A safety net: the hub
   * announces every task of a running pipeline (an agent's default pipeline
   * always runs) that becomes ready, but a push can be missed by a worker
   * that advertised its capability after the announcement.
   */
  rescanMs?: number;
  /**
   * Failures the worker cannot hand to a task: a list that failed, a submit
   * or block the hub refused, a handler that ran on after its task was taken
   * away. Default: the client's `error` event.
   */
  onError?: (err: Error, taskId: string | null) => void;
}

/** The handle `work()` returns. */
export interface TaskWorker {
  /**
   * Stop taking tasks and wait until every running handler has finished and
   * its result was submitted (or its task blocked). Idempotent.
   */
  stop(): Promise<void>;
  /** Ids of the tasks this worker is claiming or running now. */
  readonly active: readonly string[];
}

export interface TaskWork {
  (capability: string, handler: TaskHandler): TaskWorker;
  (options: TaskWorkerOptions, handler: TaskHandler): TaskWorker;
}

/** `client.tasks`: one method per `task/...` action, plus `work`. */
export type TaskHelper = DomainHelper<'task'> & {
  /**
   * Run `handler` for each task this agent may take, as tasks come:
   * `client.tasks.work('code.review', async (task, ctx) => { ...; return 'LGTM'; })`.
   * See TaskWorkerOptions, and the client README's "Task workers".
   */
  readonly work: TaskWork;
};

/** Open tasks looked at per scan: pages of PAGE, at most MAX_PAGES. Enough to fill any sane concurrency; the next scan sees the rest. */
const PAGE = 100;
const MAX_PAGES = 5;
/** The protocol's bounds: task/block's reason, task/submit's output. */
const MAX_REASON = 2000;
const DEFAULT_RESCAN_MS = 30_000;
/** Refused tasks remembered (see Worker.#refused). */
const MAX_REFUSED = 1000;

/**
 * Advertising reads the profile and writes it back; two workers of one
 * client starting together would each drop the other's capability. One
 * chain per client makes those read-modify-writes take turns.
 */
const advertising = new WeakMap<ParleyClient, Promise<void>>();

interface Run {
  readonly controller: AbortController;
  /** 'claiming' until task/start succeeded, then 'running' until the handler settled, then 'finishing'. */
  phase: 'claiming' | 'running' | 'finishing';
  done: Promise<void>;
}

export function startTaskWorker(client: ParleyClient, spec: string | TaskWorkerOptions, handler: TaskHandler): TaskWorker {
  const options: TaskWorkerOptions = typeof spec === 'string' ? { capability: spec } : spec;
  if (typeof handler !== 'function') throw new TypeError('tasks.work needs a handler function');
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  const rescanMs = options.rescanMs ?? DEFAULT_RESCAN_MS;
  if (!Number.isFinite(rescanMs) || rescanMs < 0) throw new RangeError(`rescanMs must be >= 0, got ${rescanMs}`);
  return new Worker(client, options, concurrency, rescanMs, handler);
}

class Worker implements TaskWorker {
  readonly #client: ParleyClient;
  readonly #tasks: DomainHelper<'task'>;
  readonly #me: string;
  readonly #capability: string | undefined;
  readonly #concurrency: number;
  readonly #rescanMs: number;
  readonly #advertise: boolean;
  readonly #handler: TaskHandler;
  readonly #report: (err: Error, taskId: string | null) => void;
  readonly #signal: AbortSignal | undefined;

  /** Candidates waiting for a free slot, in arrival order, with the latest snapshot seen (null: fetch it first). */
  readonly #queue = new Map<string, Task | null>();
  /** Claimed or running, by task id: the guard against running one task twice at once. */
  readonly #active = new Map<string, Run>();
  /**
   * Tasks offered again while their run was still active (e.g. rejected back
   * to `todo` before our run had finished). Looked at again once it ends,
   * instead of being lost or run twice.
   */
  readonly #again = new Set<string>();
  /**
   * Tasks the hub refused to let us take, with the state they were in then
   * (stateKey). Without this a scan would offer the same unjoinable task
   * forever; a task that changes gets another try. Bounded, oldest dropped.
   */
  readonly #refused = new Map<string, string>();
  #stopped = false;
  #stopping: Promise<void> | null = null;
  #advertised: Promise<void> | null = null;
  #scan: Promise<void> | null = null;
  #scanAgain = false;
  /** Tasks this agent left in `doing` (an earlier process crashed or was killed), found by the first scan: run again without a new start. */
  readonly #leftDoing = new Set<string>();
  #leftDoingChecked = false;
  #rescanTimer: ReturnType<typeof setTimeout> | null = null;

  readonly #onConnected = (): void => this.#requestScan();
  readonly #onReady = (data: EventDataOf<'task.ready'>): void => {
    if (!this.#matches(data.capability)) return;
    if (data.runner_id !== null && data.runner_id !== this.#me) return;
    this.#offer(data.task_id, null);
  };
  readonly #onUpdated = (data: EventDataOf<'task.updated'>): void => {
    const task = data.task;
    const run = this.#active.get(task.task_id);
    // Possibly taken away under a running handler (cancelled, blocked, reassigned, stale). Possibly: see #confirmLoss.
    if (run && run.phase === 'running' && !this.#stillOurs(task)) void this.#confirmLoss(task.task_id, run, `${data.change} by ${data.actor}`);
    // Our own join says nothing new (the run that joined is under way or over); without this every task would be looked at once more.
    if (data.change === 'joined' && data.actor === this.#me) return;
    // Assigned to us, rejected back to us, unblocked, or open again: a candidate. Otherwise it left the queue's interest.
    if (this.#isCandidate(task)) this.#offer(task.task_id, task);
    else this.#queue.delete(task.task_id);
  };
  readonly #onAbort = (): void => void this.stop();

  constructor(client: ParleyClient, options: TaskWorkerOptions, concurrency: number, rescanMs: number, handler: TaskHandler) {
    this.#client = client;
    this.#tasks = client.tasks;
    this.#me = client.agentId;
    this.#capability = options.capability;
    this.#concurrency = concurrency;
    this.#rescanMs = rescanMs;
    this.#advertise = options.advertise ?? true;
    this.#handler = handler;
    this.#report =
      options.onError ??
      ((err, taskId) => {
        const msg = `task worker${taskId ? ` (${taskId})` : ''}: ${err.message}`;
        client.emit('error', err instanceof ParleyError ? new ParleyError(err.code, msg, err.details, { cause: err }) : new Error(msg, { cause: err }));
      });
    this.#signal = options.signal;

    if (this.#signal?.aborted) {
      this.#stopped = true;
      this.#stopping = Promise.resolve();
      return;
    }
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    // Pushes first, then the scan: a task announced between the list and the subscription cannot slip through.
    client.on('connected', this.#onConnected);
    client.on('task.ready', this.#onReady);
    client.on('task.updated', this.#onUpdated);
    // Not connected yet: the 'connected' event starts the first scan.
    if (client.state === 'connected') this.#requestScan();
  }

  get active(): readonly string[] {
    return [...this.#active.keys()];
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      this.#signal?.removeEventListener('abort', this.#onAbort);
      this.#client.off('connected', this.#onConnected);
      this.#client.off('task.ready', this.#onReady);
      this.#client.off('task.updated', this.#onUpdated);
      if (this.#rescanTimer !== null) clearTimeout(this.#rescanTimer);
      this.#rescanTimer = null;
      this.#queue.clear();
      this.#again.clear();
      // A scan in flight only offers (and offers are refused now); running tasks finish and submit.
      while (this.#active.size > 0 || this.#scan) {
        await Promise.allSettled([...[...this.#active.values()].map((r) => r.done), this.#scan]);
      }
    })();
    return this.#stopping;
  }

  // ---- finding work ------------------------------------------------------------

  #matches(capability: string | null): boolean {
    return this.#capability === undefined || capability === this.#capability;
  }

  #stillOurs(task: Task): boolean {
    return task.status === 'doing' && task.runner_id === this.#me;
  }

  /**
   * A push says the running task is no longer ours. Pushes and responses are
   * not ordered against each other, so it may be an old one (the `joined`
   * push of our own join, arriving after task/start answered): ask the hub
   * before aborting a handler that is doing fine.
   */
  async #confirmLoss(taskId: string, run: Run, why: string): Promise<void> {
    let gone: boolean;
    try {
      gone = !this.#stillOurs(await this.#tasks.get({ task_id: taskId }));
    } catch (err) {
      gone = err instanceof ParleyError && err.code === 'not_found';
    }
    if (gone && run.phase === 'running') run.controller.abort(new ParleyError('conflict', `task ${taskId} is no longer this worker's (${why})`));
  }

  /** A task this worker may take now: waiting in `todo`, every dependency done, nobody else running it. */
  #isCandidate(task: Task): boolean {
    return task.status === 'todo' && task.ready && (task.runner_id === null || task.runner_id === this.#me) && this.#matches(task.capability);
  }

  #offer(taskId: string, task: Task | null): void {
    if (this.#stopped) return;
    // Refused before in this very state (e.g. it needs a capability we do not advertise): do not ask again until it changes.
    if (task !== null && this.#refused.get(taskId) === stateKey(task)) return;
    if (this.#active.has(taskId)) {
      this.#again.add(taskId);
      return;
    }
    // A newer snapshot replaces an older one; a bare id (task.ready) does not erase a snapshot we already hold.
    if (task !== null || !this.#queue.has(taskId)) this.#queue.set(taskId, task);
    this.#pump();
  }

  /** Start queued candidates while there are free slots. */
  #pump(): void {
    while (!this.#stopped && this.#active.size < this.#concurrency && this.#queue.size > 0) {
      const [taskId, task] = this.#queue.entries().next().value as [string, Task | null];
      this.#queue.delete(taskId);
      const run: Run = { controller: new AbortController(), phase: 'claiming', done: Promise.resolve() };
      this.#active.set(taskId, run);
      run.done = this.#run(taskId, task, run)
        .catch((err: unknown) => {
          if (!isClosed(err)) this.#report(asError(err), taskId);
        })
        .finally(() => {
          this.#active.delete(taskId);
          if (this.#again.delete(taskId)) this.#offer(taskId, null);
          // Did work and has a free slot with nothing queued: look for more now rather than at the next rescan.
          // (Only after work: after a refusal this would list the same refused task again at once.)
          if (this.#queue.size === 0 && run.phase !== 'claiming') this.#requestScan();
          else this.#pump();
        });
    }
  }

  /**
   * One scan: tasks assigned to this agent that wait in `todo` (assigned
   * while the worker was away, or rejected back to it), then open tasks.
   * Coalesced: a scan asked for while one runs happens once, after it.
   */
  #requestScan(): void {
    if (this.#stopped) return;
    if (this.#scan) {
      this.#scanAgain = true;
      return;
    }
    if (this.#rescanTimer !== null) clearTimeout(this.#rescanTimer);
    this.#rescanTimer = null;
    this.#scan = this.#scanOnce()
      .catch((err: unknown) => {
        // Offline or closed: the next 'connected' scans again.
        if (!isClosed(err) && this.#client.state === 'connected') this.#report(asError(err), null);
      })
      .finally(() => {
        this.#scan = null;
        if (this.#stopped) return;
        if (this.#scanAgain) {
          this.#scanAgain = false;
          this.#requestScan();
        } else if (this.#rescanMs > 0 && this.#client.state === 'connected') {
          this.#rescanTimer = setTimeout(() => {
            this.#rescanTimer = null;
            this.#requestScan();
          }, this.#rescanMs);
          // The connection is what keeps a process alive, not this timer (a worker left running on a closed client must not hold Node open).
          (this.#rescanTimer as { unref?: () => void }).unref?.();
        }
      });
  }

  async #scanOnce(): Promise<void> {
    await this.#ensureAdvertised();
    const capability = this.#capability === undefined ? {} : { capability: this.#capability };
    // Once per worker: the hub returns a task in `doing` to `todo` only while its runner stays offline, so a
    // restarted worker that is online again must pick up what it left unfinished itself.
    if (!this.#leftDoingChecked) {
      const left = await this.#tasks.list({ runner: this.#me, status: 'doing', limit: PAGE, ...capability });
      this.#leftDoingChecked = true;
      for (const t of left.tasks) {
        if (!this.#matches(t.capability) || this.#active.has(t.task_id)) continue;
        this.#leftDoing.add(t.task_id);
        this.#offer(t.task_id, t);
      }
    }
    const mine = await this.#tasks.list({ runner: this.#me, status: 'todo', limit: PAGE, ...capability });
    for (const t of mine.tasks) if (this.#isCandidate(t)) this.#offer(t.task_id, t);
    let cursor: string | null = null;
    for (let page = 0; page < MAX_PAGES && !this.#stopped; page++) {
      // Stop paging once there is more queued than free slots can take: the rest is for the next scan.
      if (this.#queue.size >= this.#concurrency) break;
      const res = await this.#tasks.list({ open: true, limit: PAGE, ...capability, ...(cursor ? { cursor } : {}) });
      for (const t of res.tasks) if (this.#isCandidate(t)) this.#offer(t.task_id, t);
      cursor = res.next_cursor;
      if (!cursor) break;
    }
  }

  /** Once per worker (retried on the next scan if it failed). */
  #ensureAdvertised(): Promise<void> {
    const capability = this.#capability;
    if (!this.#advertise || capability === undefined) return Promise.resolve();
    this.#advertised ??= (async () => {
      const previous = advertising.get(this.#client) ?? Promise.resolve();
      const mine = previous.then(async () => {
        const me = await this.#client.agents.whoami();
        if (!me.capabilities.includes(capability)) await this.#client.agents.update({ capabilities: [...me.capabilities, capability] });
      });
      advertising.set(this.#client, mine.catch(() => undefined));
      try {
        await mine;
      } catch (err) {
        this.#advertised = null;
        throw err;
      }
    })();
    return this.#advertised;
  }

  // ---- doing one task ----------------------------------------------------------

  async #run(taskId: string, snapshot: Task | null, run: Run): Promise<void> {
    let task: Task | null = snapshot;
    try {
      task ??= await this.#tasks.get({ task_id: taskId });
      // Left in `doing` by an earlier run of this agent and still so: run it again as it is.
      const leftDoing = this.#leftDoing.delete(taskId) && task.status === 'doing' && task.runner_id === this.#me;
      // Stopping: claim nothing new. (A task already joined is started and run below: stop() waits for it.)
      if (this.#stopped || !(leftDoing || this.#isCandidate(task))) return;
      if (!leftDoing) {
        // Nobody runs it: volunteer. The hub lets one joiner win; losing that race is normal, not an error.
        if (task.runner_id === null) task = await this.#tasks.join({ task_id: taskId });
        // The started task keeps review_comment: a re-run of rejected work has the reviewer's reason.
        task = await this.#tasks.start({ task_id: taskId });
      }
    } catch (err) {
      // Taken by another worker, not ready after all, cancelled, gone: skip quietly. It comes back by push or scan if it becomes ours.
      if (isRefusal(err)) {
        if (task) this.#remember(taskId, stateKey(task));
        return;
      }
      throw err;
    }
    run.phase = 'running';
    const { signal } = run.controller;
    const ctx: TaskContext = {
      progress: (percent, note) =>
        this.#tasks.progress({ task_id: taskId, percent: Math.round(percent), ...(note === undefined ? {} : { note }) }),
      signal,
      client: this.#client,
    };

    let outcome: { ok: true; value: TaskResult } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await this.#handler(task, ctx) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    run.phase = 'finishing';
    if (signal.aborted) {
      // The task is no longer ours (its owner cancelled, blocked or reassigned it): submitting or blocking would only be refused.
      return;
    }
    if (!outcome.ok) {
      await this.#block(taskId, errorText(outcome.error));
      return;
    }
    const result = toSubmission(outcome.value);
    if (typeof result === 'string') {
      await this.#block(taskId, result);
      return;
    }
    try {
      await this.#tasks.submit({ task_id: taskId, ...result });
    } catch (err) {
      // The hub refused the shape (an artifact that is not a URL, an output too long): that is the handler's failure, and the owner should see it.
      if (err instanceof ParleyError && err.code === 'invalid_params') {
        await this.#block(taskId, `the hub refused the result: ${err.message}`);
        return;
      }
      throw err;
    }
  }

  #remember(taskId: string, key: string): void {
    this.#refused.delete(taskId);
    this.#refused.set(taskId, key);
    if (this.#refused.size > MAX_REFUSED) this.#refused.delete(this.#refused.keys().next().value as string);
  }

  async #block(taskId: string, reason: string): Promise<void> {
    try {
      await this.#tasks.block({ task_id: taskId, reason: clip(reason, MAX_REASON) });
    } catch (err) {
      // Refused: the task moved on meanwhile (cancelled, say). The handler's failure still deserves to be seen.
      if (isRefusal(err)) this.#report(new Error(`could not block the task after its handler failed (${reason}): ${asError(err).message}`), taskId);
      else throw err;
    }
  }
}

/** A handler's return value as task/submit params, or the reason it is not one. */
function toSubmission(value: unknown): { output: string; artifacts: string[] } | string {
  if (typeof value === 'string') return value.trim() === '' ? 'the handler returned an empty output' : { output: value, artifacts: [] };
  if (typeof value === 'object' && value !== null && typeof (value as { output?: unknown }).output === 'string') {
    const { output, artifacts = [] } = value as { output: string; artifacts?: unknown };
    if (output.trim() === '') return 'the handler returned an empty output';
    if (!Array.isArray(artifacts) || !artifacts.every((a) => typeof a === 'string')) return 'the handler returned artifacts that are not a list of URLs';
    return { output, artifacts: [...(artifacts as string[])] };
  }
  return `the handler returned ${value === null ? 'null' : typeof value}, not a string or { output, artifacts? }`;
}

/** What a refusal depends on: the task's last change, and whether its dependencies are done (which does not touch updated_at). */
function stateKey(task: Task): string {
  return `${task.updated_at}|${task.ready}`;
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return text.trim() === '' ? 'the handler failed without a message' : text;
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}
