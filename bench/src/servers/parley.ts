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
  const hub = await startHub({ host: '127.0.0.1', port: 0, dataDir, rateLimit: false, logLevel: 'warn' });
  return {
    port: hub.port,
    async close() {
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
