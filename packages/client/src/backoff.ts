/** Reconnect delays: exponential growth, capped, with full jitter. */
export interface BackoffOptions {
  initialDelayMs: number;
  multiplier: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 2000, multiplier: 1.5, maxDelayMs: 30_000 };

/**
 * Delay before retry number `attempt` (0-based): uniform in
 * `[0, min(maxDelayMs, initialDelayMs * multiplier^attempt))`.
 * Full jitter (rather than +-x%) spreads a herd of clients that lost the same
 * hub over the whole window, so they do not come back in lockstep.
 * `random` is injectable so tests can pin the bounds.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = options.initialDelayMs * Math.pow(options.multiplier, Math.max(0, attempt));
  const cap = Math.min(options.maxDelayMs, Number.isFinite(exp) ? exp : options.maxDelayMs);
  return Math.floor(random() * cap);
}
