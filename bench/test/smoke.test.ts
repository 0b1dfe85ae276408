import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PARLEYS, SCENARIOS, SERVERS } from '../src/types.js';
import { RATIO_KEY, type Row } from '../src/report.js';

// Keeps the harness working in CI at tiny sizes. Benchmarks are not tests:
// nothing here looks at a speed. It does check what must hold at any size:
// every scenario ran against every server, and Parley lost nothing in the storm.
const pkg = fileURLToPath(new URL('..', import.meta.url));

// parley-pg needs a PostgreSQL server (PARLEY_TEST_PG, default the local one), as
// the hub's own suites do; `npm test` with PARLEY_TEST_STORES=sqlite (a machine
// without one) leaves it out here too. Unset, it runs and an unreachable server fails.
const sqliteOnly = process.env.PARLEY_TEST_STORES !== undefined && !process.env.PARLEY_TEST_STORES.split(',').some((s) => s.trim() === 'postgres');
const servers = sqliteOnly ? SERVERS.filter((s) => s !== 'parley-pg') : [...SERVERS];
const parleys = PARLEYS.filter((p) => servers.includes(p));

describe('pnpm bench --smoke', () => {
  it('runs every scenario against every server and writes the results', { timeout: 300_000 }, async () => {
    await promisify(execFile)(process.execPath, ['dist/run.js', '--smoke', '--server', servers.join(','), '--out', 'smoke-test'], { cwd: pkg, maxBuffer: 1 << 24 });
    const out = JSON.parse(readFileSync(`${pkg}results/smoke-test.json`, 'utf8')) as {
      rows: Row[];
      failures: unknown[];
      meta: { mode: string };
    };
    expect(out.failures).toEqual([]);
    expect(out.meta.mode).toBe('smoke');
    expect(new Set(out.rows.map((r) => r.scenario))).toEqual(new Set(SCENARIOS));
    for (const row of out.rows) {
      for (const server of servers) expect(row.values, `${row.case} ${row.metric}`).toHaveProperty(server);
      const { socketio } = row.values;
      for (const p of parleys) {
        const parley = row.values[p];
        if (row.better !== 'zero' && typeof parley === 'number' && typeof socketio === 'number' && parley > 0 && socketio > 0) {
          const expected = row.better === 'higher' ? parley / socketio : socketio / parley;
          expect(row[RATIO_KEY[p]], `${p}: ${row.case} ${row.metric}`).toBeCloseTo(expected, 6);
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
  });
});
