import type { Logger } from 'pino';
import type { RateLimiter } from '../core/rate-limit.js';
import type { ClusterLink } from './link.js';
import { script } from './script.js';

/**
 * Takes `n` tokens from each named bucket at Redis's own clock (hubs' clocks
 * may differ) and returns what is left, possibly negative: a debt that
 * refills like any other. A bucket expires once it would be full again.
 */
const TAKE = script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 1, #ARGV, 4 do
  local key, n, rate, burst = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  local b = redis.call('HMGET', key, 't', 'a')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate) - n
  redis.call('HSET', key, 't', tostring(tokens), 'a', now)
  redis.call('PEXPIRE', key, math.ceil((burst - tokens) / rate * 1000) + 1000)
  table.insert(out, tostring(tokens))
end
return out
`);

interface Pending {
  id: string;
  limiter: RateLimiter;
  key: string;
  redisKey: string;
  /** Taken here and not yet sent. */
  count: number;
}

/**
 * Rate limits shared by every hub. A request is decided at once from the
 * hub's own bucket (no round trip on the request path); what each hub lets
 * through is sent to Redis in one script per flush (every `flushMs`), and
 * the answer, which counts every hub's requests, replaces the local bucket.
 * So N hubs together let through at most one flush interval's worth more
 * than the limit, and an agent spreading its calls over hubs is held to one
 * budget.
 */
export class SharedRateLimits {
  private readonly pending = new Map<string, Pending>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly link: ClusterLink,
    private readonly log: Logger,
    private readonly flushMs = 10,
  ) {}

  /** Shares `limiter`'s buckets under `name`. */
  attach(name: string, limiter: RateLimiter): void {
    if (!limiter.cfg) return;
    limiter.onTaken = (key) => {
      const id = `${name}\u0000${key}`;
      let p = this.pending.get(id);
      if (!p) this.pending.set(id, (p = { id, limiter, key, redisKey: this.link.key(`rl:${name}:${key}`), count: 0 }));
      p.count++;
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.flushing = this.flushing.then(() => this.flush());
      }, this.flushMs);
    };
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // What this hub let through since the last flush still counts for the others.
    this.flushing = this.flushing.then(() => this.flush());
    await this.flushing;
  }

  private async flush(): Promise<void> {
    const batch = [...this.pending.values()].filter((p) => p.count > 0);
    if (batch.length === 0) return;
    const args: Array<string | number> = [];
    for (const p of batch) {
      const cfg = p.limiter.cfg as { perSecond: number; burst: number };
      args.push(p.redisKey, p.count, cfg.perSecond, cfg.burst);
      p.count = 0;
    }
    try {
      const left = (await TAKE(this.link.cmd, [], args)) as string[];
      const now = Date.now();
      batch.forEach((p, i) => {
        // What the cluster has left, less what this hub let through since the flush went out.
        p.limiter.set(p.key, Number(left[i]) - p.count, now);
      });
    } catch (err) {
      // Redis away: each hub goes on with its own buckets, as one hub would; the counts go with the next flush.
      this.log.warn({ err }, 'shared rate limits: flush failed');
      batch.forEach((p, i) => (p.count += Number(args[i * 4 + 1])));
    }
    for (const p of batch) if (p.count === 0) this.pending.delete(p.id);
  }
}
