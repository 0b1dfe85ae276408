/**
 * A token bucket per key (an agent, an address), in memory: a burst of `burst` requests, refilled at
 * `perSecond`. Several hubs share their buckets through Redis (cluster/rate-limit.ts): each decides
 * at once from its own copy, tells Redis what it let through, and takes back what the cluster counted.
 */
export interface RateLimitConfig {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Told of every request let through (shared limits). */
  onTaken: ((key: string) => void) | null = null;

  constructor(readonly cfg: RateLimitConfig | false) {}

  /** Sets a bucket to what the cluster has left in it (shared limits); negative is a debt. */
  set(key: string, tokens: number, now = Date.now()): void {
    if (!this.cfg) return;
    this.buckets.set(key, { tokens: Math.min(this.cfg.burst, tokens), at: now });
  }

  /** Returns 0 when allowed, else the milliseconds until one token is available. */
  take(key: string, now = Date.now()): number {
    if (!this.cfg) return 0;
    const { perSecond, burst } = this.cfg;
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.onTaken?.(key);
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - b.tokens) / perSecond) * 1000));
  }

  /** Forget full buckets so idle agents do not pile up. */
  sweep(now = Date.now()): void {
    if (!this.cfg) return;
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.cfg.perSecond >= this.cfg.burst) this.buckets.delete(k);
    }
  }
}

/**
 * The per-address buckets, shared by the HTTP and WebSocket edges so that one
 * address has one budget whichever way it comes in. The per-agent bucket
 * alone let an address spread its load over fresh agents (20 of them pushed
 * 8,000 calls through in one burst) and register or mint without end.
 */
export interface AddressLimitsConfig {
  addressRateLimit: RateLimitConfig | false;
  registerRateLimit: RateLimitConfig | false;
  tokenRateLimit: RateLimitConfig | false;
  loginRateLimit: RateLimitConfig | false;
  signupRateLimit: RateLimitConfig | false;
  codeRateLimit: RateLimitConfig | false;
}

export class AddressLimits {
  /** Every HTTP request but /healthz and /metrics, every upgrade, every request frame. */
  readonly requests: RateLimiter;
  /** `POST /v1/agents/register`. */
  readonly registrations: RateLimiter;
  /** `POST /v1/agents/token`. */
  readonly tokens: RateLimiter;
  /** `POST /v1/account/login`, every attempt (a good password too: it cost the hub a KDF run). */
  readonly logins: RateLimiter;
  /** `POST /v1/account/signup`. */
  readonly signups: RateLimiter;
  /** Claim and invite code attempts, keyed by the human and, separately, by the address. */
  readonly codes: RateLimiter;

  constructor(cfg: AddressLimitsConfig) {
    this.requests = new RateLimiter(cfg.addressRateLimit);
    this.registrations = new RateLimiter(cfg.registerRateLimit);
    this.tokens = new RateLimiter(cfg.tokenRateLimit);
    this.logins = new RateLimiter(cfg.loginRateLimit);
    this.signups = new RateLimiter(cfg.signupRateLimit);
    this.codes = new RateLimiter(cfg.codeRateLimit);
  }

  sweep(now = Date.now()): void {
    for (const l of [this.requests, this.registrations, this.tokens, this.logins, this.signups, this.codes]) l.sweep(now);
  }
}
