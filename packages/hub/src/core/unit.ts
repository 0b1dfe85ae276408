import { AsyncLocalStorage } from 'node:async_hooks';
import type { Sql } from '../store/sql.js';

/**
 * One request as a unit of work. The dispatcher opens a unit around every
 * request it runs; the writer carries it into the request's transaction, and
 * `respond` writes the request's dedupe record there, beside the effect and
 * the pushes it stages. So a retry after a crash finds either nothing (the
 * effect did not commit either, and runs now) or the first response (and the
 * effect is not applied again) -- never an effect without its record.
 */
export interface RequestUnit {
  readonly agentId: string;
  readonly uId: string;
  /** Writes the dedupe record of `content` (a success) in `tx`'s transaction; returns the envelope text. */
  readonly record: (tx: Sql, content: unknown) => Promise<string>;
  /** Writer jobs of this request that committed: 0 means the request changed nothing. */
  commits: number;
  /** The envelope recorded by a job that has not committed yet (cleared if it rolls back). */
  staged: string | null;
  /** The envelope whose record committed with the effect. */
  recorded: string | null;
  /** A record of this request was already there when this run tried to write its own (it rolled back). */
  answeredElsewhere: boolean;
}

const current = new AsyncLocalStorage<RequestUnit>();

export function runInUnit<T>(unit: RequestUnit, fn: () => Promise<T>): Promise<T> {
  return current.run(unit, fn);
}

/** The unit of the request whose code is running, if any (the writer captures it when a job is queued). */
export function currentUnit(): RequestUnit | undefined {
  return current.getStore();
}

/**
 * Work a request starts but does not wait for (a follow-up announcement, a
 * timer): it is not part of the request's unit, so its writes neither count
 * as the request's nor can record its response.
 */
export function detached<T>(fn: () => T): T {
  return current.exit(fn);
}

/**
 * Runs a writer job with its own request's unit current, or none. Never the
 * unit of whatever request happened to start the writer's loop: a job of a
 * timer must not record its answer as that request's.
 */
export function runJobInUnit<T>(unit: RequestUnit | undefined, fn: () => Promise<T>): Promise<T> {
  return unit ? current.run(unit, fn) : current.exit(fn);
}

/**
 * Inside a writer job: `result` is this request's answer, and its dedupe
 * record commits in this job's transaction. Call it in the job that makes the
 * request's effect, as the last thing that can fail; return what it returns.
 * Outside a request (a deadline firing, housekeeping) it only returns `result`.
 */
export async function respond<R>(tx: Sql, result: R): Promise<R> {
  const unit = current.getStore();
  if (unit) unit.staged = await unit.record(tx, result);
  return result;
}
