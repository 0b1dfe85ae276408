import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SCENARIOS, SERVERS } from '../src/types.js';
import type { Row } from '../src/report.js';

// Keeps the harness working in CI at tiny sizes. Benchmarks are not tests:
// nothing here looks at a speed. It does check what must hold at any size:
// every scenario ran against every server, and Parley lost nothing in the storm.
const pkg = fileURLToPath(new URL('..', import.meta.url));

describe('pnpm bench --smoke', () => {
  it('runs every scenario against every server and writes the results', { timeout: 300_000 }, async () => {
    await promisify(execFile)(process.execPath, ['dist/run.js', '--smoke', '--out', 'smoke-test'], { cwd: pkg, maxBuffer: 1 << 24 });
    const out = JSON.parse(readFileSync(`${pkg}results/smoke-test.json`, 'utf8')) as {
      rows: Row[];
      failures: unknown[];
      meta: { mode: string };
    };
    expect(out.failures).toEqual([]);
    expect(out.meta.mode).toBe('smoke');
    expect(new Set(out.rows.map((r) => r.scenario))).toEqual(new Set(SCENARIOS));
    for (const row of out.rows) {
      for (const server of SERVERS) expect(row.values, `${row.case} ${row.metric}`).toHaveProperty(server);
      const { parley, socketio } = row.values;
      if (row.better !== 'zero' && typeof parley === 'number' && typeof socketio === 'number' && parley > 0 && socketio > 0) {
        const expected = row.better === 'higher' ? parley / socketio : socketio / parley;
        expect(row.ratio).toBeCloseTo(expected, 6);
      }
    }
    const storm = (metric: string) => out.rows.find((r) => r.scenario === 'storm' && r.metric === metric)!;
    expect(storm('messages lost').values.parley).toBe(0);
    expect(storm('duplicates delivered').values.parley).toBe(0);
    expect(storm('time until all have all').values.parley).toBeGreaterThan(0);
    const reqres = out.rows.filter((r) => r.scenario === 'reqres' && r.metric === 'throughput');
    expect(reqres.length).toBeGreaterThanOrEqual(3);
    for (const r of reqres) expect(r.values.parley).toBeGreaterThan(0);
  });
});
