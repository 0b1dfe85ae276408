import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startHub, type HubOptions, type RunningHub } from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing.js';
import { ChildHub } from '../child-hub.js';

const CHILD = fileURLToPath(new URL('./hub-child.mjs', import.meta.url));

/** The machine's Redis (CI starts it); PARLEY_TEST_REDIS points elsewhere. */
export const TEST_REDIS = process.env.PARLEY_TEST_REDIS || 'redis://127.0.0.1:6379';

/**
 * Several hubs on one fresh PostgreSQL database and one Redis key prefix of
 * their own (so test files and runs sharing the Redis never meet), in this
 * process or as child processes that can be killed.
 */
export class TestCluster {
  readonly hubs: RunningHub[] = [];
  readonly children: ChildHub[] = [];
  private constructor(
    readonly db: TestDatabase,
    readonly prefix: string,
    private readonly base: HubOptions,
  ) {}

  static async create(base: HubOptions = {}): Promise<TestCluster> {
    const db = await createTestDatabase('parley_cluster');
    return new TestCluster(db, `ptest:${randomBytes(6).toString('hex')}:`, base);
  }

  options(extra: HubOptions = {}): HubOptions {
    return {
      port: 0,
      db: this.db.url,
      autoMigrate: true,
      dbPoolSize: 4,
      redis: TEST_REDIS,
      redisPrefix: this.prefix,
      rateLimit: false,
      addressRateLimit: false,
      logLevel: process.env.HUB_LOG ?? 'silent',
      clusterTtlMs: 1500,
      timerGraceMs: 600,
      busGapMs: 100,
      ...this.base,
      ...extra,
    };
  }

  /** One more hub in this process. */
  async start(extra: HubOptions = {}): Promise<RunningHub> {
    const hub = await startHub(this.options(extra));
    this.hubs.push(hub);
    return hub;
  }

  /** One more hub in a child process. */
  async spawn(extra: HubOptions = {}): Promise<ChildHub> {
    const { logger: _ignored, ...opts } = this.options(extra);
    const child = await ChildHub.spawn(CHILD, [JSON.stringify(opts)]);
    this.children.push(child);
    return child;
  }

  async redis<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
    const r = new Redis(TEST_REDIS, { lazyConnect: true });
    await r.connect();
    try {
      return await fn(r);
    } finally {
      r.disconnect();
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.children.map((c) => c.kill()));
    await Promise.allSettled(this.hubs.map((h) => h.close()));
    await this.redis(async (r) => {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await r.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      if (keys.length > 0) await r.del(...keys);
    }).catch(() => undefined);
    await this.db.drop();
  }
}
