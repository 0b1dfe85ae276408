import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

/**
 * The closing report of `npm test` (scripts/bootstrap.mjs), checked here
 * with the other first-run checks: the repository root has no test suite
 * of its own. It runs the real script on a made-up workspace, through its
 * `report` job (the report of the last run, without running anything).
 */

const SCRIPT = fileURLToPath(new URL('../../../scripts/bootstrap.mjs', import.meta.url));

interface Pkg {
  dir: string;
  name: string;
  test?: string;
  /** The .vitest-results.json it left, if any. */
  results?: Record<string, unknown>;
  /** Its suite starts hubs (test/store-setup.ts), so it runs on PostgreSQL too; the report of that pass, if any. */
  onPostgres?: { results?: Record<string, unknown> };
}

function workspace(pkgs: Pkg[], turboTasks?: Array<{ taskId: string; exitCode?: number }>): string {
  const root = tempDir('bootstrap');
  mkdirSync(join(root, 'scripts'));
  copyFileSync(SCRIPT, join(root, 'scripts', 'bootstrap.mjs'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'ws', packageManager: 'pnpm@10.34.8' }));
  for (const p of pkgs) {
    mkdirSync(join(root, p.dir), { recursive: true });
    writeFileSync(join(root, p.dir, 'package.json'), JSON.stringify({ name: p.name, scripts: p.test ? { test: p.test } : {} }));
    if (p.results) writeFileSync(join(root, p.dir, '.vitest-results.json'), JSON.stringify(p.results));
    if (p.onPostgres) {
      mkdirSync(join(root, p.dir, 'test'));
      writeFileSync(join(root, p.dir, 'test', 'store-setup.ts'), '');
      if (p.onPostgres.results) writeFileSync(join(root, p.dir, '.vitest-results.postgres.json'), JSON.stringify(p.onPostgres.results));
    }
  }
  if (turboTasks) {
    mkdirSync(join(root, '.turbo', 'runs'), { recursive: true });
    const tasks = turboTasks.map((t) => ({ taskId: t.taskId, ...(t.exitCode === undefined ? {} : { execution: { exitCode: t.exitCode } }) }));
    writeFileSync(join(root, '.turbo', 'runs', 'run.json'), JSON.stringify({ tasks }));
  }
  return root;
}

function report(root: string, env: Record<string, string> = {}): { code: number | null; lines: string[] } {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'bootstrap.mjs'), 'report'], { encoding: 'utf8', env: { ...process.env, PARLEY_TEST_STORES: '', ...env } });
  return { code: r.status, lines: r.stdout.trim().split('\n') };
}

const ok = (passed: number, skipped = 0) => ({ success: true, numPassedTests: passed, numFailedTests: 0, numPendingTests: skipped, numTodoTests: 0, testResults: [] });

describe('npm test: the closing report', () => {
  it('all reported and green: the sums, exit 0', () => {
    const root = workspace([
      { dir: 'packages/a', name: '@x/a', test: 'vitest run', results: ok(10, 1) },
      { dir: 'apps/b', name: '@x/b', test: 'vitest run', results: ok(5) },
      { dir: 'packages/docs', name: '@x/docs' }, // no tests: not expected to report
    ]);
    const r = report(root);
    expect(r.lines.at(-1)).toBe('15 passed, 0 failed, 1 skipped');
    expect(r.code).toBe(0);
  });

  it('a package whose tests did not run or did not report counts as failed, by name, and the exit code says so', () => {
    const root = workspace([
      { dir: 'packages/cli', name: '@x/cli', test: 'vitest run', results: { ...ok(361), success: false, numFailedTests: 3 } },
      { dir: 'packages/adapter', name: '@x/adapter', test: 'vitest run' },
      { dir: 'apps/bot', name: '@x/bot', test: 'vitest run' },
    ]);
    const r = report(root);
    expect(r.lines.slice(-5)).toEqual([
      '[parley] 1 of 3 test suites reported results',
      '[parley] @x/adapter: no test report: its tests did not run or did not finish',
      '[parley] @x/cli: 3 failed',
      '[parley] @x/bot: no test report: its tests did not run or did not finish',
      '361 passed, 5 failed, 0 skipped',
    ]);
    expect(r.code).toBe(1);
  });

  it('a suite that starts hubs reports twice, SQLite and PostgreSQL: a missing PostgreSQL report fails the run unless PARLEY_TEST_STORES=sqlite', () => {
    const root = workspace([
      { dir: 'packages/hub', name: '@x/hub', test: 'vitest run', results: ok(10), onPostgres: {} },
      { dir: 'packages/client', name: '@x/client', test: 'vitest run', results: ok(4), onPostgres: { results: ok(4, 1) } },
      { dir: 'packages/protocol', name: '@x/protocol', test: 'vitest run', results: ok(3) },
    ]);
    const both = report(root);
    expect(both.lines.slice(-4)).toEqual([
      '[parley] 4 of 5 test suites reported results',
      '[parley] on SQLite and on PostgreSQL: @x/client, @x/hub',
      '[parley] @x/hub on PostgreSQL: no test report: its tests did not run or did not finish',
      '21 passed, 1 failed, 1 skipped',
    ]);
    expect(both.code).toBe(1);
    const sqliteOnly = report(root, { PARLEY_TEST_STORES: 'sqlite' });
    expect(sqliteOnly.lines.slice(-3)).toEqual([
      '[parley] 3 of 3 test suites reported results',
      '[parley] on SQLite only (PARLEY_TEST_STORES=sqlite): @x/client, @x/hub',
      '17 passed, 0 failed, 0 skipped',
    ]);
    expect(sqliteOnly.code).toBe(0);
  });

  it('a test file that could not load fails the run though no test failed; a failed build, typecheck or lint is named from turbo\'s summary', () => {
    const broken = { ...ok(7), success: false, testResults: [{ status: 'failed', message: 'SyntaxError' }, { status: 'passed' }] };
    const root = workspace(
      [{ dir: 'packages/hub', name: '@x/hub', test: 'vitest run', results: broken }, { dir: 'bench', name: '@x/bench', test: 'vitest run', results: ok(2) }],
      [{ taskId: '@x/hub#build', exitCode: 0 }, { taskId: '@x/hub#lint', exitCode: 1 }, { taskId: '@x/bench#typecheck' }, { taskId: '@x/hub#test', exitCode: 1 }],
    );
    const r = report(root);
    expect(r.lines.slice(-4)).toEqual([
      '[parley] @x/hub: 1 test file failed to run',
      '[parley] @x/hub#lint: failed or did not run',
      '[parley] @x/bench#typecheck: failed or did not run',
      '9 passed, 1 failed, 0 skipped',
    ]);
    expect(r.code).toBe(1);
  });
});
