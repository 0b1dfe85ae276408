import { detached } from './unit.js';

/**
 * Several hubs: overdue rows the timer-lease holder handles per sweep of a
 * table (deadlines whose hub died); the next sweep takes the rest.
 */
export const OVERDUE_PAGE = 200;

/**
 * One timer per key, for state that changes when a moment passes (a chat
 * request's expiry, a conversation's turn deadline). The table row is the
 * truth: a timer only says "look again at this row now", so the callback must
 * check that the row still is what it was armed for, and a timer that fires
 * late or for a row that moved on does nothing. That is what makes it safe to
 * re-arm everything from the tables after a restart and never to cancel a
 * timer inside a transaction that might roll back.
 */
export class Deadlines {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #work = new Set<Promise<void>>();
  #stopped = false;

  constructor(private readonly onError: (err: unknown, key: string) => void) {}

  /** Runs `fire` at `at` (epoch ms), replacing any timer of the same key. */
  arm(key: string, at: number, fire: () => Promise<void>): void {
    this.disarm(key);
    if (this.#stopped) return;
    // setTimeout overflows past 2^31-1 ms (~24.8 days); a longer wait is re-armed when the first one ends.
    const delay = Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1);
    // Detached: a deadline armed by a request fires long after it, and is not part of it (core/unit.ts).
    const timer = detached(() => setTimeout(() => {
      if (this.#timers.get(key) !== timer) return;
      this.#timers.delete(key);
      if (Date.now() < at) return this.arm(key, at, fire);
      const run = fire()
        .catch((err: unknown) => this.onError(err, key))
        .finally(() => this.#work.delete(run));
      this.#work.add(run);
    }, delay));
    timer.unref();
    this.#timers.set(key, timer);
  }

  disarm(key: string): void {
    const timer = this.#timers.get(key);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(key);
  }

  /** Hub shutdown: nothing fires from now on. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Resolves once the callbacks already running have finished. */
  async idle(): Promise<void> {
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }
}
