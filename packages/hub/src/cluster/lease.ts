import type { Logger } from 'pino';
import type { ClusterLink } from './link.js';
import { script } from './script.js';

const RENEW = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);
const RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * A lease in Redis: at most one hub holds it at a time, and a live hub takes
 * it over within `ttlMs` once its holder dies (or loses Redis). The hub that
 * holds the timer lease sweeps for deadlines nobody handled, returns stale
 * tasks and runs housekeeping.
 *
 * Redis rather than PostgreSQL: expiry is by the clock, however the holder
 * died (a PostgreSQL advisory lock lasts until the server notices the
 * connection is gone, which a half-open TCP connection can delay for
 * minutes), and renewing it costs the database nothing. Correctness never
 * depends on it: every timed change checks its row inside its own
 * serializable transaction, so two hubs that both believe they hold the
 * lease for a moment change the row once. The lease only keeps the sweeps
 * from being done N times.
 */
export class Lease {
  #held = false;
  /** Until when this hub may act as the holder: a renewal that hangs must not let it go on past the key's expiry. */
  #validUntil = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  #running: Promise<void> = Promise.resolve();
  readonly #key: string;

  constructor(
    private readonly link: ClusterLink,
    name: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {
    this.#key = link.key(`lease:${name}`);
  }

  get held(): boolean {
    return this.#held && Date.now() < this.#validUntil;
  }

  async start(): Promise<void> {
    await this.renew();
    this.#timer = setInterval(() => {
      this.#running = this.#running.then(() => this.renew());
    }, Math.max(50, Math.floor(this.ttlMs / 3)));
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
    if (this.#held) await RELEASE(this.link.cmd, [this.#key], [this.link.hubId]).catch(() => undefined);
    this.#held = false;
  }

  private async renew(): Promise<void> {
    const was = this.#held;
    // Counted from before the call: the key expires ttl after Redis ran it, which is no earlier than this.
    const started = Date.now();
    try {
      // Renewed if the key still names this hub (also after a renewal failed: it may not have expired yet), else taken if free.
      this.#held = Number(await RENEW(this.link.cmd, [this.#key], [this.link.hubId, this.ttlMs])) === 1;
      if (!this.#held) this.#held = (await this.link.cmd.set(this.#key, this.link.hubId, 'PX', this.ttlMs, 'NX')) === 'OK';
      // A margin for clocks that drift a little between here and Redis.
      if (this.#held) this.#validUntil = started + Math.floor(this.ttlMs * 0.9);
    } catch (err) {
      // Cannot tell: another hub may take it once it expires, so stop acting as its holder now.
      this.#held = false;
      this.log.warn({ err, lease: this.#key }, 'lease renewal failed');
    }
    if (this.#held !== was) this.log.info({ lease: this.#key, held: this.#held }, this.#held ? 'lease taken' : 'lease lost');
  }
}
