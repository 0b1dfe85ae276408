import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { migrateDatabase } from '@parley/hub';
import { createTestDatabase, type TestDatabase } from '@parley/hub/testing';
import type { ChildMessage, MemoryReport } from '../types.js';
import { CannotStart, hostServer } from './host.js';

/** The Redis the hubs share: the one the hub's cluster tests use (PARLEY_TEST_REDIS), default the local one. */
const REDIS = process.env.PARLEY_TEST_REDIS || 'redis://127.0.0.1:6379';
const HUBS = ['A', 'B'] as const;
const START_MS = 25_000;

/**
 * Parley as two hubs of one cluster, each in a process of its own: one
 * fresh PostgreSQL database (on PARLEY_TEST_PG, as `parley-pg`), migrated
 * once before the hubs start, as an operator runs `parley migrate` before a
 * rollout; one Redis under a key prefix of its own for this run. Clients
 * may connect to either hub (the port, then `peers`); the cross-hub
 * scenario puts a sender on one and its receiver on the other. This process
 * only sets up, relays and cleans up: memory and CPU figures are the two
 * hubs' together. The database is dropped when it stops; the hubs' Redis
 * keys go with their graceful close (presence, leases; rate limits are off).
 */
hostServer(async () => {
  await redisReachable(REDIS);
  const database = await createTestDatabase('parley_bench').catch((err: unknown) => {
    throw new CannotStart(`parley-cluster needs a PostgreSQL server where it may create a database: ${(err as Error).message}`, { cause: err });
  });
  const hubs: HubProcess[] = [];
  try {
    await migrateDatabase({ db: database.url });
    const options = { db: database.url, autoMigrate: false, redis: REDIS, redisPrefix: `parley-bench:${randomBytes(6).toString('hex')}:` };
    hubs.push(...HUBS.map((name) => new HubProcess(name, options)));
    await Promise.all(hubs.map((h) => h.ready));
  } catch (err) {
    await stopAll(hubs, database);
    throw err;
  }
  return {
    port: await hubs[0]!.ready,
    peers: await Promise.all(hubs.slice(1).map((h) => h.ready)),
    close: () => stopAll(hubs, database),
    cpu: async () => (await Promise.all(hubs.map((h) => h.ask('cpu')))).reduce((a: number, b) => a + Number(b), 0),
    memory: async () => {
      const each = (await Promise.all(hubs.map((h) => h.ask('mem')))) as MemoryReport[];
      return { rss: each.reduce((a, m) => a + m.rss, 0), heapUsed: each.reduce((a, m) => a + (m.heapUsed ?? 0), 0) };
    },
  };
});

async function stopAll(hubs: HubProcess[], database: TestDatabase): Promise<void> {
  try {
    await Promise.all(hubs.map((h) => h.stop()));
  } finally {
    await database.drop();
  }
}

/** One hub process (servers/cluster-hub.ts), spoken to as the orchestrator speaks to a server. */
class HubProcess {
  readonly ready: Promise<number>;
  private readonly child: ChildProcess;
  private readonly answers = new Map<number, (m: ChildMessage) => void>();
  private nextAsk = 1;

  constructor(
    readonly name: string,
    options: object,
  ) {
    // Profiled (`pnpm bench --profile`): each hub writes a profile of its own, named after it.
    const execArgv = process.execArgv.map((a) => (a.startsWith('--cpu-prof-name=') ? a.replace(/\.cpuprofile$/, `-hub${name}.cpuprofile`) : a));
    this.child = fork(fileURLToPath(new URL('./cluster-hub.js', import.meta.url)), [name, JSON.stringify(options)], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('error', () => {});
    this.child.on('message', (m: ChildMessage) => {
      if (m.type === 'answer') this.answers.get(m.id)?.(m);
    });
    this.ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`hub ${name}: not listening in ${START_MS / 1000} s`)), START_MS);
      const onMessage = (m: ChildMessage) => {
        if (m.type === 'ready') done(null, m.port);
        else if (m.type === 'failed') done(new Error(`hub ${name}: ${m.error}`));
      };
      const onExit = (code: number | null, signal: string | null) => done(new Error(`hub ${name}: exited at start (${signal ?? code})`));
      const done = (err: Error | null, port = 0) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (err) reject(err);
        else resolve(port);
      };
      this.child.on('message', onMessage);
      this.child.on('exit', onExit);
    });
    // Awaited by whoever needs it; a failed start must not also be an unhandled rejection.
    this.ready.catch(() => {});
  }

  ask(what: 'mem' | 'cpu'): Promise<unknown> {
    const id = this.nextAsk++;
    return new Promise((resolve, reject) => {
      this.answers.set(id, (m) => {
        this.answers.delete(id);
        if (m.type === 'answer' && m.error !== undefined) reject(new Error(`hub ${this.name}: ${m.error}`));
        else if (m.type === 'answer') resolve(m.value);
      });
      this.child.send({ type: 'ask', id, to: 'server', what });
    });
  }

  /** Graceful (the hub closes its sessions and leaves the cluster), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    const c = this.child;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    if (c.connected) c.send({ type: 'stop' });
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Fails within 5 s, naming where it looked, when nothing answers at the Redis URL's host and port. */
function redisReachable(url: string): Promise<void> {
  const u = new URL(url);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || 6379);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: 5000 });
    const fail = (why: string) => {
      socket.destroy();
      reject(new CannotStart(`parley-cluster needs a Redis: none is reachable at ${host}:${port} (${why}); start one, or point PARLEY_TEST_REDIS at one`));
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => fail('no answer in 5 s'));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  });
}
