import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Without nats-server, the smoke run (CI's) leaves jetstream out and says why,
// while a measuring run fails for it, as parley-pg does without PostgreSQL.
// PARLEY_BENCH_NATS_SERVER pointing nowhere stands in for a machine without it.
// Neither run measures anything: the one cell fails at server start, or none runs.
const pkg = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env, PARLEY_BENCH_NATS_SERVER: '/nonexistent/nats-server' };
const why = 'jetstream needs the nats-server binary: PARLEY_BENCH_NATS_SERVER=/nonexistent/nats-server is not an executable file';

type RunResult = { code: number; stdout: string; stderr: string };
function bench(args: string[]): Promise<RunResult> {
  return promisify(execFile)(process.execPath, ['dist/run.js', ...args], { cwd: pkg, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

describe('jetstream without nats-server', () => {
  it('is skipped, with the reason, in a smoke run', { timeout: 60_000 }, async () => {
    const r = await bench(['--smoke', '--scenario', 'connections', '--server', 'jetstream', '--out', 'nats-missing-smoke']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`skipping jetstream in this smoke run: ${why}`);
    const out = JSON.parse(readFileSync(`${pkg}results/nats-missing-smoke.json`, 'utf8')) as { rows: unknown[]; failures: unknown[]; skipped: unknown[] };
    expect(out.skipped).toEqual([{ server: 'jetstream', reason: why }]);
    expect(out.rows).toEqual([]);
    expect(out.failures).toEqual([]);
  });

  it('fails a measuring run with exit code 1 and the reason', { timeout: 60_000 }, async () => {
    const r = await bench(['--scenario', 'connections', '--server', 'jetstream', '--out', 'nats-missing-full']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAILED: connections/jetstream server start: ${why}`);
    const out = JSON.parse(readFileSync(`${pkg}results/nats-missing-full.json`, 'utf8')) as { failures: Array<{ server: string; error: string }> };
    expect(out.failures).toEqual([{ scenario: 'connections', server: 'jetstream', error: `connections/jetstream server start: ${why}` }]);
  });
});
