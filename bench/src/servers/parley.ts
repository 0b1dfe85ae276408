import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub } from '@parley/hub';
import { hostServer } from './host.js';

// The hub as shipped: embedded SQLite in a real file (WAL), durable pushes,
// default heartbeat, queue bounds and retention. One change: the per-agent rate
// limit is off, because at its default (200 calls/s per agent) the
// one-connection scenarios would measure the limiter, not the hub.
hostServer(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const hub = await startHub({ host: '127.0.0.1', port: 0, dataDir, rateLimit: false, addressRateLimit: false, registerRateLimit: false, tokenRateLimit: false, logLevel: 'warn' });
  return {
    port: hub.port,
    async close() {
      // Diagnostics for the profile reader: how well group commit batched.
      const text = await (await fetch(`${hub.url}/metrics`)).text();
      const count = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      const commits = count('parley_write_commits_total');
      const jobs = count('parley_write_jobs_total');
      console.error(`    hub: ${jobs} writes in ${commits} commits (${(jobs / commits).toFixed(1)} per commit)`);
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
