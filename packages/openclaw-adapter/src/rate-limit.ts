/** Time as the rate limiter sees it; tests pass their own. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A pending summary must not keep the gateway process alive.
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface RateLimitOptions {
  /** Tokens in a full bucket: how many items may go out at once. */
  burst: number;
  /** Refill rate. */
  perMinute: number;
}

/**
 * A token bucket that never drops silently. An item goes out at once while
 * there is a token; past that, items are held back together, and when the
 * next token is there they go out as one batch (`flush`), so the receiver
 * hears "N more in the last X s" instead of nothing. While a batch is
 * waiting, later items join it, so the order stays intact.
 */
export class CoalescingRateLimiter<T> {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #clock: Clock;
  readonly #send: (item: T) => void;
  readonly #flush: (items: T[], sinceMs: number, nowMs: number) => void;
  #tokens: number;
  #last: number;
  #pending: T[] = [];
  #since = 0;
  #timer: unknown = null;
  #stopped = false;

  constructor(
    options: RateLimitOptions,
    send: (item: T) => void,
    flush: (items: T[], sinceMs: number, nowMs: number) => void,
    clock: Clock = systemClock,
  ) {
    if (!(options.burst >= 1) || !(options.perMinute > 0)) throw new RangeError('rate limit needs burst >= 1 and perMinute > 0');
    this.#burst = options.burst;
    this.#perMs = options.perMinute / 60_000;
    this.#clock = clock;
    this.#send = send;
    this.#flush = flush;
    this.#tokens = options.burst;
    this.#last = clock.now();
  }

  /** Items waiting for the next summary. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Whole tokens left right now. */
  get tokens(): number {
    this.#refill();
    return Math.floor(this.#tokens);
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
  }

  /** 'sent' when the item went out now, 'held' when it waits for the next batch. */
  offer(item: T): 'sent' | 'held' {
    if (this.#stopped) return 'held';
    this.#refill();
    if (this.#pending.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#send(item);
      return 'sent';
    }
    if (this.#pending.length === 0) this.#since = this.#clock.now();
    this.#pending.push(item);
    this.#schedule();
    return 'held';
  }

  #schedule(): void {
    if (this.#timer !== null || this.#stopped) return;
    const wait = Math.max(1, Math.ceil((1 - this.#tokens) / this.#perMs));
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#tick();
    }, wait);
  }

  #tick(): void {
    if (this.#stopped || this.#pending.length === 0) return;
    this.#refill();
    if (this.#tokens < 1) {
      this.#schedule();
      return;
    }
    this.#tokens -= 1;
    const items = this.#pending;
    this.#pending = [];
    this.#flush(items, this.#since, this.#clock.now());
  }

  /** Stops the timer; returns what was still waiting (it is not sent). */
  stop(): T[] {
    this.#stopped = true;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    const left = this.#pending;
    this.#pending = [];
    return left;
  }
}
