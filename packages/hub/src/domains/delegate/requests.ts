import { agentStream, ErrorCode, type Delegation, type EventDataOf, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { OVERDUE_PAGE } from '../../core/deadlines.js';
import { conflict, forbidden, HubError, notFound } from '../../core/errors.js';
import { iso, newDelegationId } from '../../core/ids.js';
import type { Streams } from '../../core/streams.js';
import { detached, respond } from '../../core/unit.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database, DelegationsTable } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';
import type { AgentService } from '../agent/index.js';

/** Input and output of a delegated call, serialised as JSON. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Workers a request may go to: the first one, and one more after a failover. */
export const MAX_ATTEMPTS = 2;

/** What delegation needs from the agent domain: who advertises a capability, and who is online. */
export type WorkerLookup = Pick<AgentService, 'onlineWithCapability' | 'isOnline'>;

/**
 * Who may work on requests of the capabilities under a prefix, when another
 * domain decides it rather than agents' advertised capabilities (the service
 * registry: `service:<name>@<version>` goes to online holders of an instance).
 * Asked on every pick, the first one and a failover's alike, on whichever hub
 * does it: the answer must come from shared state, not from the request.
 * Null: not one of the route's capabilities after all (an advertised
 * capability that merely starts with the prefix), routed as usual.
 */
export type CapabilityRoute = (capability: string) => Promise<string[] | null>;

/** Why a failed delegation failed: its worker said so, it ran out of time, or its workers went offline. */
export type FailureKind = 'worker' | 'timeout' | 'offline';

const selectRequest = precompiled(1, (db, id: string) => db.selectFrom('delegations').selectAll().where('request_id', '=', id));
const pendingOf = precompiled(1, (db, worker: string) =>
  db.selectFrom('delegations').selectAll().where('worker_id', '=', worker).where('state', '=', 'pending'),
);
const pendingCount = precompiled(1, (db, worker: string) =>
  db
    .selectFrom('delegations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('worker_id', '=', worker)
    .where('state', '=', 'pending'),
);
const insertRequest = precompiled(
  9,
  (db, id: string, capability: string, requester: string, worker: string, tried: string, input: string, timeoutMs: number, createdAt: number, deadline: number) =>
    db.insertInto('delegations').values({
      request_id: id,
      capability,
      requester_id: requester,
      worker_id: worker,
      tried,
      state: 'pending',
      input,
      output: null,
      error: null,
      timeout_ms: timeoutMs,
      created_at: createdAt,
      deadline,
    }),
);
const reassign = precompiled(4, (db, id: string, worker: string, tried: string, deadline: number) =>
  db.updateTable('delegations').set({ worker_id: worker, tried, deadline }).where('request_id', '=', id),
);
const finish = precompiled(5, (db, id: string, state: string, worker: string | null, output: string | null, error: string | null) =>
  db.updateTable('delegations').set({ state, worker_id: worker, output, error }).where('request_id', '=', id),
);

/** The row changed since it was read (answered, failed over or failed by another path): this path lost. */
class Stale extends Error {}
/** The worker picked went offline before the job that hands it the request ran: pick again. */
class WorkerGone extends Error {}

type Why = 'offline' | 'timeout';

function triedOf(row: DelegationsTable): string[] {
  return JSON.parse(row.tried) as string[];
}

/** JSON text of an input or output; undefined (absent) and anything over 64 KiB are invalid_params. */
function payload(value: unknown, what: 'input' | 'output'): string {
  const text = value === undefined ? undefined : JSON.stringify(value);
  if (text === undefined) throw new HubError(ErrorCode.InvalidParams, `${what} is required: any JSON value`);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_PAYLOAD_BYTES) throw new HubError(ErrorCode.InvalidParams, `${what} is ${bytes} bytes as JSON; at most ${MAX_PAYLOAD_BYTES} are allowed`);
  return text;
}

/** How often settled() reads the row again when no push woke it. */
const SETTLE_RECHECK_MS = 2000;

/** Why `d` failed (null when it did not): one place that knows how fail() and respond() leave a row. */
export function failureOf(d: Delegation): FailureKind | null {
  if (d.state !== 'failed') return null;
  // A worker's own error keeps the worker; the hub's failures leave nobody holding the request.
  if (d.worker_id !== null) return 'worker';
  return d.error?.startsWith(TIMED_OUT) ? 'timeout' : 'offline';
}

const TIMED_OUT = 'timed out after';

export function toDelegation(r: DelegationsTable): Delegation {
  return {
    request_id: r.request_id,
    capability: r.capability,
    requester_id: r.requester_id,
    worker_id: r.worker_id,
    attempts: triedOf(r).length,
    state: r.state as Delegation['state'],
    input: JSON.parse(r.input) as unknown,
    output: r.output === null ? null : (JSON.parse(r.output) as unknown),
    error: r.error,
    created_at: iso(Number(r.created_at)),
    deadline: iso(Number(r.deadline)),
  };
}

function requestEvent(r: DelegationsTable): EventDataOf<'delegate.request'> {
  return {
    request_id: r.request_id,
    capability: r.capability,
    input: JSON.parse(r.input) as unknown,
    requester_id: r.requester_id,
    deadline: iso(Number(r.deadline)),
  };
}

/**
 * Capability routing: delegate/request, respond and get, with one failover.
 *
 * Every change of a request's state is one writer job that first checks the
 * row is still what the caller saw (inside the job, so a respond and a
 * failover cannot both win), and stores the push that announces it
 * (delegate.request to the new worker, delegate.result to the requester) in
 * the same transaction; delegate/request and delegate/respond record their
 * answer there too (core/unit.ts). Failovers, on a deadline or a worker going
 * offline, are the hub's own work: they run detached from any request.
 *
 * Deadlines: one timer per pending request, in memory, re-armed from the
 * table by start(). Going offline is reported by the session registry
 * (presenceChanged). stop() clears every timer and ignores later events (the
 * hub is closing: its own sockets closing are not workers leaving).
 */
export class DelegateService {
  private readonly timers = new Map<string, { timer: ReturnType<typeof setTimeout>; attempts: number }>();
  /** Failovers under way; close() waits for them before the store closes. */
  private readonly work = new Set<Promise<void>>();
  /** When each worker was last picked (a counter): among equally loaded workers the one picked longest ago goes first. */
  private readonly lastPicked = new Map<string, number>();
  private picks = 0;
  private stopped = false;
  private readonly routes = new Map<string, CapabilityRoute>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly streams: Streams,
    private readonly workers: WorkerLookup,
    private readonly log: Logger,
  ) {}

  async request(me: string, p: ParsedParamsOf<'delegate/request'>): Promise<ResultOf<'delegate/request'>> {
    const input = payload(p.input, 'input');
    const requestId = newDelegationId();
    const exclude = [me];
    while (true) {
      const worker = await this.pick(p.capability, exclude);
      if (worker === null) throw new HubError(ErrorCode.Unavailable, `no online agent offers ${p.capability}`);
      let row: DelegationsTable | undefined;
      try {
        await this.streams.append(
          agentStream(worker),
          'delegate.request',
          () => requestEvent(row!),
          async (tx, _seq, ts) => {
            if (!this.workers.isOnline(worker)) throw new WorkerGone();
            row = {
              request_id: requestId,
              capability: p.capability,
              requester_id: me,
              worker_id: worker,
              tried: JSON.stringify([worker]),
              state: 'pending',
              input,
              output: null,
              error: null,
              timeout_ms: p.timeout_ms,
              created_at: ts,
              deadline: ts + p.timeout_ms,
            };
            await tx.run(insertRequest(this.db, requestId, p.capability, me, worker, row.tried, input, p.timeout_ms, ts, row.deadline));
            await respond(tx, toDelegation(row));
          },
        );
      } catch (err) {
        if (err instanceof WorkerGone) {
          exclude.push(worker);
          continue;
        }
        throw err;
      }
      this.arm(row!);
      return toDelegation(row!);
    }
  }

  async respond(me: string, p: ParsedParamsOf<'delegate/respond'>): Promise<ResultOf<'delegate/respond'>> {
    const output = p.error === undefined ? payload(p.output, 'output') : null;
    const seen = await this.read.get(selectRequest(this.db, p.request_id));
    if (!seen) throw notFound('delegated request');
    if (!triedOf(seen).includes(me)) throw forbidden('only the worker of a delegated request answers it');
    let done: DelegationsTable | undefined;
    // The requester never changes, so its stream is known before the job; the state is checked inside it.
    await this.streams.append(
      agentStream(seen.requester_id),
      'delegate.result',
      () => toDelegation(done!),
      async (tx) => {
        const row = (await tx.get(selectRequest(this.db, p.request_id)))!;
        if (row.state !== 'pending') throw conflict(`the delegated request is already ${row.state}`);
        if (row.worker_id !== me) throw forbidden('the delegated request was given to another worker');
        const state = p.error === undefined ? 'done' : 'failed';
        const error = p.error ?? null;
        done = { ...row, state, output, error };
        await tx.run(finish(this.db, row.request_id, state, row.worker_id, output, error));
        await respond(tx, toDelegation(done));
      },
    );
    this.disarm(p.request_id);
    return toDelegation(done!);
  }

  async get(me: string, p: ParsedParamsOf<'delegate/get'>): Promise<ResultOf<'delegate/get'>> {
    const row = await this.read.get(selectRequest(this.db, p.request_id));
    // Anyone but its requester and its worker is told it does not exist.
    if (!row || (row.requester_id !== me && row.worker_id !== me)) throw notFound('delegated request');
    return toDelegation(row);
  }

  /**
   * Capabilities starting with `prefix` are routed by `route` instead of by
   * advertised capabilities. Such capabilities must be ones delegate/request
   * cannot ask for (the Capability schema refuses them), so only the domain
   * that added the route makes such requests (through request()).
   */
  addRoute(prefix: string, route: CapabilityRoute): void {
    this.routes.set(prefix, route);
  }

  /**
   * Waits until the delegated request is done or failed, at most `ms`, and
   * returns it as it is then (still pending if time ran out or `signal`
   * aborted). Reads the committed row, woken by pushes to the requester
   * (delegate.result is one): on any hub of a cluster, since the bus brings a
   * push to every hub where someone waits for its agent. It also looks again
   * every few seconds, so a missed wake-up only delays the answer.
   */
  async settled(requestId: string, requester: string, ms: number, signal?: AbortSignal): Promise<Delegation | null> {
    const until = Date.now() + ms;
    for (;;) {
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      signal?.addEventListener('abort', onAbort);
      try {
        // Waiting starts before the read, so a result committed in between still wakes it.
        const woke = this.streams.waitForPush(requester, Math.max(0, Math.min(until - Date.now(), SETTLE_RECHECK_MS)), stop.signal);
        const row = await this.read.get(selectRequest(this.db, requestId));
        if (!row) return null;
        if (row.state !== 'pending' || Date.now() >= until || signal?.aborted) return toDelegation(row);
        await woke;
      } finally {
        stop.abort();
        signal?.removeEventListener('abort', onAbort);
      }
    }
  }

  /** Re-arms the deadlines of pending requests; those that passed while the hub was down are handled now (failed over or failed). */
  async start(now = Date.now()): Promise<void> {
    const pending = await this.db.selectFrom('delegations').selectAll().where('state', '=', 'pending').orderBy('deadline').execute();
    for (const row of pending) {
      if (Number(row.deadline) <= now) await this.track(this.failover(row, 'timeout'));
      else this.arm(row);
    }
  }

  /**
   * Several hubs: pending requests whose deadline passed before `cutoff` and
   * that are still pending (the hub that armed the deadline died) fail over
   * now. Run by the hub holding the timer lease; failover() checks the row,
   * so one its own hub handled meanwhile is left alone.
   */
  async sweep(cutoff: number): Promise<number> {
    if (this.stopped) return 0;
    const rows = await this.db.selectFrom('delegations').selectAll().where('state', '=', 'pending').where('deadline', '<=', cutoff).orderBy('deadline').limit(OVERDUE_PAGE).execute();
    for (const row of rows) await this.track(this.failover(row, 'timeout'));
    return rows.length;
  }

  /** Told by the session registry; never throws and never waits. An agent whose last session closed loses its pending requests. */
  presenceChanged(agentId: string, online: boolean): void {
    if (this.stopped || online) return;
    // Back online later, it starts its turn afresh; meanwhile the map holds online workers only.
    this.lastPicked.delete(agentId);
    // Not part of whatever request closed the session: the failover is the hub's own work.
    void detached(() => this.track(this.failoverAll(agentId)));
  }

  /** Starts a failover of each pending request of a worker that went offline (tracked: close() waits for them). */
  private async failoverAll(agentId: string): Promise<void> {
    let pending: DelegationsTable[];
    try {
      pending = await this.read.all(pendingOf(this.db, agentId));
    } catch (err) {
      this.log.error({ err, agent_id: agentId }, 'delegation failover on offline failed');
      return;
    }
    for (const row of pending) void this.track(this.failover(row, 'offline'));
  }

  /** Hub shutdown: no timer fires from now on, and presence changes are ignored. Pending requests stay pending for the next start. */
  stop(): void {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Resolves once every failover under way has finished. */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.all([...this.work]);
  }

  // ---- routing ------------------------------------------------------------

  /**
   * An online agent advertising `capability`, not in `exclude`: the fewest
   * pending delegations first, then the one picked longest ago (so repeated
   * requests rotate among equally loaded workers), then by agent id.
   */
  private async pick(capability: string, exclude: readonly string[]): Promise<string | null> {
    const loads: Array<{ id: string; load: number }> = [];
    const route = [...this.routes].find(([prefix]) => capability.startsWith(prefix))?.[1];
    const routed = route ? await route(capability) : null;
    const candidates = routed ? routed.filter((id) => this.workers.isOnline(id)) : await this.workers.onlineWithCapability(capability);
    for (const id of candidates) {
      if (exclude.includes(id)) continue;
      loads.push({ id, load: Number((await this.read.get(pendingCount(this.db, id)))?.n ?? 0) });
    }
    // Chosen with no await in between: picks running at the same time see each other's turn.
    let best: { id: string; load: number; last: number } | null = null;
    for (const { id, load } of loads) {
      const last = this.lastPicked.get(id) ?? 0;
      if (!best || load < best.load || (load === best.load && last < best.last)) best = { id, load, last };
    }
    if (!best) return null;
    this.lastPicked.set(best.id, ++this.picks);
    return best.id;
  }

  // ---- failover -----------------------------------------------------------

  /**
   * The worker of `row` went offline or missed the deadline: hand the request
   * to another eligible worker (not the requester, not one tried before) if it
   * has had only one, else fail it. Does nothing if the row changed since it
   * was read (answered, or already moved by the other trigger).
   */
  private async failover(row: DelegationsTable, why: Why): Promise<void> {
    const tried = triedOf(row);
    const from = row.worker_id ?? 'unknown';
    let error: string;
    if (tried.length < MAX_ATTEMPTS) {
      const exclude = [row.requester_id, ...tried];
      while (true) {
        const next = await this.pick(row.capability, exclude);
        if (next === null) break;
        let moved: DelegationsTable | undefined;
        try {
          await this.streams.append(
            agentStream(next),
            'delegate.request',
            () => requestEvent(moved!),
            async (tx, _seq, ts) => {
              await this.assertUnchanged(tx, row);
              if (!this.workers.isOnline(next)) throw new WorkerGone();
              moved = { ...row, worker_id: next, tried: JSON.stringify([...tried, next]), deadline: ts + Number(row.timeout_ms) };
              await tx.run(reassign(this.db, row.request_id, next, moved.tried, moved.deadline));
            },
          );
        } catch (err) {
          if (err instanceof WorkerGone) {
            exclude.push(next);
            continue;
          }
          if (err instanceof Stale) return;
          throw err;
        }
        this.log.info({ request_id: row.request_id, from, to: next, why }, 'delegated request reassigned');
        this.arm(moved!);
        return;
      }
      error =
        why === 'offline'
          ? `worker ${from} went offline and no other agent offers ${row.capability}`
          : `${TIMED_OUT} ${Number(row.timeout_ms)} ms on worker ${from} and no other agent offers ${row.capability}`;
    } else {
      error =
        why === 'offline'
          ? `worker ${from} went offline and ${tried.length} workers have been tried`
          : `${TIMED_OUT} ${Number(row.timeout_ms)} ms on ${tried.length} workers`;
    }
    await this.fail(row, error);
  }

  /** Fails the request with nobody left to take it (worker_id null); the requester gets delegate.result. */
  private async fail(row: DelegationsTable, error: string): Promise<void> {
    let failed: DelegationsTable | undefined;
    try {
      await this.streams.append(
        agentStream(row.requester_id),
        'delegate.result',
        () => toDelegation(failed!),
        async (tx) => {
          await this.assertUnchanged(tx, row);
          failed = { ...row, state: 'failed', worker_id: null, error };
          await tx.run(finish(this.db, row.request_id, 'failed', null, null, error));
        },
      );
    } catch (err) {
      if (err instanceof Stale) return;
      throw err;
    }
    this.log.info({ request_id: row.request_id, error }, 'delegated request failed');
    this.disarm(row.request_id);
  }

  /** Inside a writer job: the request is still pending with the worker and the tries it had when `seen` was read. */
  private async assertUnchanged(tx: Sql, seen: DelegationsTable): Promise<void> {
    const now = await tx.get(selectRequest(this.db, seen.request_id));
    if (!now || now.state !== 'pending' || now.worker_id !== seen.worker_id || now.tried !== seen.tried) throw new Stale();
  }

  // ---- deadlines ----------------------------------------------------------

  private arm(row: DelegationsTable): void {
    if (this.stopped) return;
    const id = row.request_id;
    const attempts = triedOf(row).length;
    const existing = this.timers.get(id);
    // A later attempt's timer is never replaced by an earlier one's.
    if (existing) {
      if (existing.attempts > attempts) return;
      clearTimeout(existing.timer);
    }
    const worker = row.worker_id;
    const entry = {
      attempts,
      // Armed by delegate/request, it fires outside that request's unit: the timeout is not part of it.
      timer: detached(() =>
        setTimeout(() => {
          if (this.timers.get(id) === entry) this.timers.delete(id);
          if (!this.stopped) void this.track(this.expire(id, worker, attempts));
        }, Math.max(0, Number(row.deadline) - Date.now())),
      ),
    };
    // A pending deadline never keeps the process alive.
    entry.timer.unref();
    this.timers.set(id, entry);
  }

  private disarm(id: string): void {
    const existing = this.timers.get(id);
    if (!existing) return;
    clearTimeout(existing.timer);
    this.timers.delete(id);
  }

  private async expire(id: string, worker: string | null, attempts: number): Promise<void> {
    const row = await this.read.get(selectRequest(this.db, id));
    if (!row || row.state !== 'pending' || row.worker_id !== worker || triedOf(row).length !== attempts) return;
    await this.failover(row, 'timeout');
  }

  /** Keeps a background failover in `work` until it settles; its failure is logged, never thrown. */
  private track(p: Promise<void>): Promise<void> {
    const t: Promise<void> = p
      .catch((err: unknown) => this.log.error({ err }, 'delegation failover failed'))
      .finally(() => this.work.delete(t));
    this.work.add(t);
    return t;
  }
}
