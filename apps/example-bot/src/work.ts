import { ParleyError } from '@parley/client';

/** Errors that say "not now" rather than "never": the hub is away or busy. */
const TRANSIENT = new Set(['timeout', 'unavailable', 'connection_closed', 'queue_full', 'rate_limited', 'internal']);

export function isTransient(err: unknown): boolean {
  if (err instanceof ParleyError) return TRANSIENT.has(err.code);
  // fetch and socket failures surface as plain errors (TypeError: fetch failed).
  return err instanceof TypeError || (err instanceof Error && /ECONNREFUSED|ECONNRESET|socket|network/i.test(err.message));
}

/**
 * The hub's answers meaning "that is not yours to finish any more": the task
 * or request was cancelled, handed to someone else, already answered, or is
 * gone. Work that meets one has nothing left to do; it is not a failure.
 */
const MOVED_ON = new Set(['conflict', 'forbidden', 'not_found']);

export function hasMovedOn(err: unknown): err is ParleyError {
  return err instanceof ParleyError && MOVED_ON.has(err.code);
}

interface Job {
  key: string;
  run: (signal: AbortSignal) => Promise<void>;
  attempt: number;
}

/**
 * Runs each piece of work to completion, once. A job that fails for a passing
 * reason (hub restarting, rate limit) is retried with backoff; one that fails
 * for good (forbidden, not found) is logged and dropped. Keys make repeats
 * harmless: a job already queued or running under the same key is not queued
 * again, and the key doubles as the hub request's idempotency key, so a reply
 * that did reach the hub before a crash is not sent twice.
 */
export class WorkQueue {
  readonly #active = new Map<string, Job>();
  readonly #abort = new AbortController();
  readonly #idleWaiters: Array<() => void> = [];
  #done = 0;

  constructor(
    private readonly log: (line: string) => void,
    private readonly retryDelayMs = (attempt: number) => Math.min(200 * 2 ** attempt, 5000),
  ) {}

  get completed(): number {
    return this.#done;
  }

  add(key: string, run: (signal: AbortSignal) => Promise<void>): void {
    if (this.#abort.signal.aborted || this.#active.has(key)) return;
    const job: Job = { key, run, attempt: 0 };
    this.#active.set(key, job);
    void this.#run(job);
  }

  /** Resolves when no work is queued or running. */
  idle(): Promise<void> {
    if (this.#active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): void {
    this.#abort.abort();
    this.#active.clear();
    this.#settle();
  }

  async #run(job: Job): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        await job.run(signal);
        this.#done++;
        break;
      } catch (err) {
        if (signal.aborted) break;
        if (!isTransient(err)) {
          this.log(`gave up on ${job.key}: ${err instanceof Error ? err.message : String(err)}`);
          break;
        }
        await new Promise((r) => setTimeout(r, this.retryDelayMs(job.attempt++)));
      }
    }
    this.#active.delete(job.key);
    this.#settle();
  }

  #settle(): void {
    if (this.#active.size > 0) return;
    for (const w of this.#idleWaiters.splice(0)) w();
  }
}
