import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HUB_COUNTS, PARLEYS, PEERS, SCENARIOS, SERVERS, runsOn, type ServerKind } from '../src/types.js';
import { RATIO_KEYS, type Row } from '../src/report.js';
import { findNatsServer, natsMissing } from '../src/servers/nats-binary.js';

// Keeps the harness working in CI at tiny sizes. Benchmarks are not tests:
// nothing here looks at a speed. It does check what must hold at any size:
// every scenario ran against every server, Parley lost nothing in the storm,
// and the durable peers really are durable.
const pkg = fileURLToPath(new URL('..', import.meta.url));

// parley-pg needs a PostgreSQL server (PARLEY_TEST_PG, default the local one), as
// the hub's own suites do, and parley-cluster needs it and a Redis (PARLEY_TEST_REDIS),
// as the hub's cluster tests do; `npm test` with PARLEY_TEST_STORES=sqlite (a machine
// without them) leaves both out here too. Unset, they run and an unreachable server fails.
const sqliteOnly = process.env.PARLEY_TEST_STORES !== undefined && !process.env.PARLEY_TEST_STORES.split(',').some((s) => s.trim() === 'postgres');
const servers = sqliteOnly ? SERVERS.filter((s) => s !== 'parley-pg' && s !== 'parley-cluster') : [...SERVERS];
// Without the nats-server binary the smoke run leaves jetstream out, saying why.
const natsHere = findNatsServer() !== null;
const ran: ServerKind[] = natsHere ? servers : servers.filter((s) => s !== 'jetstream');
const parleys = PARLEYS.filter((p) => ran.includes(p));
const hubCounts = HUB_COUNTS.filter((s) => ran.includes(s));

/** nats-server processes started by the bench (their store is a jetstream-bench- directory), and those directories. */
function natsLeftovers(): { processes: string[]; dirs: string[] } {
  const processes: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes('nats-server') && cmd.includes('jetstream-bench-')) processes.push(`${pid} ${cmd}`);
    } catch {
      // the process ended while we looked
    }
  }
  return { processes, dirs: readdirSync(tmpdir()).filter((d) => d.startsWith('jetstream-bench-') || d.startsWith('socketio-sqlite-bench-')) };
}

describe('pnpm bench --smoke', () => {
  it('runs every scenario against every server and writes the results', { timeout: 300_000 }, async () => {
    const before = natsLeftovers();
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['dist/run.js', '--smoke', '--server', servers.join(','), '--out', 'smoke-test'], {
      cwd: pkg,
      maxBuffer: 1 << 24,
    });
    const out = JSON.parse(readFileSync(`${pkg}results/smoke-test.json`, 'utf8')) as {
      rows: Row[];
      failures: unknown[];
      skipped: Array<{ server: string; reason: string }>;
      meta: { mode: string };
    };
    expect(out.failures).toEqual([]);
    expect(out.meta.mode).toBe('smoke');
    expect(out.skipped).toEqual(natsHere ? [] : [{ server: 'jetstream', reason: natsMissing() }]);
    if (!natsHere) expect(stdout).toContain(`skipping jetstream in this smoke run: ${natsMissing()}`);
    expect(new Set(out.rows.map((r) => r.scenario))).toEqual(new Set(SCENARIOS.filter((sc) => ran.some((s) => runsOn(sc, s)))));
    for (const row of out.rows) {
      for (const server of ran) {
        if (runsOn(row.scenario, server)) expect(row.values, `${row.case} ${row.metric}`).toHaveProperty(server);
        else expect(row.values, `${row.case} ${row.metric}`).not.toHaveProperty(server);
      }
      for (const p of parleys) {
        for (const peer of PEERS) {
          const [parley, other] = [row.values[p], row.values[peer]];
          if (row.better !== 'zero' && typeof parley === 'number' && typeof other === 'number' && parley > 0 && other > 0) {
            const expected = row.better === 'higher' ? parley / other : other / parley;
            expect(row[RATIO_KEYS[p][peer]], `${p} vs ${peer}: ${row.case} ${row.metric}`).toBeCloseTo(expected, 6);
          }
        }
      }
    }
    // Every store: nothing lost or twice in the storm, and every request/response case measured.
    const storm = (metric: string) => out.rows.find((r) => r.scenario === 'storm' && r.metric === metric)!;
    const reqres = out.rows.filter((r) => r.scenario === 'reqres' && r.metric === 'throughput');
    expect(reqres.length).toBeGreaterThanOrEqual(3);
    for (const p of parleys) {
      expect(storm('messages lost').values[p]).toBe(0);
      expect(storm('duplicates delivered').values[p]).toBe(0);
      expect(storm('time until all have all').values[p]).toBeGreaterThan(0);
      for (const r of reqres) expect(r.values[p]).toBeGreaterThan(0);
    }
    // Across hubs: one hub and two both delivered every case's messages and measured their CPU; the ratio is two ÷ one.
    const crosshub = out.rows.filter((r) => r.scenario === 'crosshub');
    expect(crosshub.length).toBe(hubCounts.length > 0 ? 4 * 3 : 0);
    for (const row of crosshub) {
      for (const s of hubCounts) expect(row.values[s], `${s}: ${row.case} ${row.metric}`).toBeGreaterThan(0);
      if (hubCounts.length === 2) expect(row.ratioHubs).toBeCloseTo(row.values['parley-cluster']! / row.values['parley-pg']!, 6);
    }
    // Socket.IO + SQLite wrote its messages (each server process says how many it stored when it stops).
    const stored = [...stderr.matchAll(/socket\.io \+ sqlite: (\d+) messages stored/g)].map((m) => Number(m[1]));
    expect(stored.length).toBe(SCENARIOS.filter((sc) => runsOn(sc, 'socketio-sqlite')).length);
    expect(Math.max(...stored)).toBeGreaterThan(0);
    if (natsHere) {
      // JetStream's durable consumers resume: nothing lost in the storm (duplicates are allowed: at-least-once).
      expect(storm('messages lost').values.jetstream).toBe(0);
      expect(storm('time until all have all').values.jetstream).toBeGreaterThan(0);
      // Its memory is nats-server's RSS; a Go program has no JavaScript heap to report.
      const connections = (metric: string) => out.rows.find((r) => r.scenario === 'connections' && r.metric === metric)!;
      expect(connections('memory per connection').values.jetstream).toEqual(expect.any(Number));
      expect(connections('heap per connection').values.jetstream).toBeNull();
      expect(connections('heap per connection').notApplicable?.jetstream).toMatch(/not a Node process/);
    }
    // Nothing the run started is left: no nats-server child, no store directory.
    const after = natsLeftovers();
    expect(after.processes.filter((p) => !before.processes.includes(p))).toEqual([]);
    expect(after.dirs.filter((d) => !before.dirs.includes(d))).toEqual([]);
  });
});
