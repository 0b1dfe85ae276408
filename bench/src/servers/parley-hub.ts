import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub, type HubOptions } from '@parley/hub';
import { createTestDatabase } from '@parley/hub/testing';
import { CannotStart, hostServer } from './host.js';

export type ParleyStore = 'sqlite' | 'postgres';

/** PostgreSQL connections the hub keeps: its own default, or PARLEY_DB_POOL_SIZE (the hub's variable) to try others. */
export const PG_POOL_SIZE = Number(process.env.PARLEY_DB_POOL_SIZE || 10);

/**
 * Where the hub keeps its data for one bench server process, and how to
 * clean it up: a SQLite file (WAL) in a temporary directory, or a PostgreSQL
 * database made for this process on PARLEY_TEST_PG (default the local server)
 * and dropped when it stops.
 */
async function openStore(store: ParleyStore): Promise<{ options: HubOptions; remove(): Promise<void> }> {
  if (store === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
    return { options: { dataDir }, remove: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  // An unreachable server fails within 5 s, with a message naming host, port and PARLEY_TEST_PG.
  const database = await createTestDatabase('parley_bench').catch((err: unknown) => {
    throw new CannotStart(`parley-pg needs a PostgreSQL server where it may create a database: ${(err as Error).message}`, { cause: err });
  });
  return { options: { db: database.url, autoMigrate: true, dbPoolSize: PG_POOL_SIZE }, remove: () => database.drop() };
}

/**
 * The hub as shipped, on any store, one hub or several: durable pushes,
 * default heartbeat, queue bounds and retention. One change: the rate limits
 * are off, because at their defaults (200 calls/s per agent) the
 * one-connection scenarios would measure the limiter, not the hub.
 */
export const BENCH_HUB_OPTIONS: HubOptions = {
  host: '127.0.0.1',
  port: 0,
  rateLimit: false,
  addressRateLimit: false,
  registerRateLimit: false,
  tokenRateLimit: false,
  logLevel: 'warn',
};

/** One hub on `store`, in this process. */
export function hostParley(store: ParleyStore): void {
  hostServer(async () => {
    const data = await openStore(store);
    const hub = await startHub({ ...data.options, ...BENCH_HUB_OPTIONS }).catch(async (err: unknown) => {
      await data.remove();
      throw err;
    });
    return {
      port: hub.port,
      async close() {
        try {
          console.error(`    hub: ${await writeDiagnostics(hub.url, store === 'postgres' ? { pgPool: PG_POOL_SIZE } : {})}`);
        } finally {
          await hub.close();
          await data.remove();
        }
      },
    };
  });
}

/**
 * For the profile reader: how well group commit batched and, on PostgreSQL
 * (`pgPool`: where writes run concurrently on the pool), how many
 * transactions lost to a concurrent one and ran again; for a hub of a
 * cluster, also how many pushes the bus lost or delayed past its gap wait
 * (read from the database instead) and how many of its publishes or fills
 * failed.
 */
export async function writeDiagnostics(hubUrl: string, { pgPool, cluster = false }: { pgPool?: number; cluster?: boolean }): Promise<string> {
  const text = await (await fetch(`${hubUrl}/metrics`)).text();
  const count = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const commits = count('parley_write_commits_total');
  const jobs = count('parley_write_jobs_total');
  const parts = [`${jobs} writes in ${commits} commits (${(jobs / commits).toFixed(1)} per commit)`];
  if (pgPool !== undefined) parts.push(`${count('parley_write_retries_total')} retries after a conflict (pool of ${pgPool})`);
  if (cluster) parts.push(`${count('parley_bus_gap_fills_total')} pushes filled from the database, ${count('parley_bus_errors_total')} bus errors`);
  return parts.join(', ');
}
