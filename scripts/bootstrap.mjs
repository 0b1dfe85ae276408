#!/usr/bin/env node
// One entry point for a fresh machine that has only Node >= 20 and npm.
// `npm start` and `npm test` both come through here: we find pnpm 10 (or fetch
// the pinned one through npx from the npm registry), install the workspace,
// build it, and then run the requested job. Nothing else needs to be set up.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
const pinned = pkg.packageManager; // e.g. "pnpm@10.34.8"
const job = process.argv[2];

// turbo must not try to phone home from a sandbox or CI machine.
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { cwd: root, encoding: 'utf8' });
  if (probe.status === 0 && /^10\./.test(probe.stdout.trim())) return ['pnpm', []];
  // No pnpm 10 on this machine: use the pinned version from the npm registry.
  return ['npx', ['--yes', pinned]];
}

function pnpm(args) {
  const [cmd, pre] = pnpmCommand();
  const status = run(cmd, [...pre, ...args]);
  if (status !== 0) {
    console.error(`\n[parley] "pnpm ${args.join(' ')}" failed with exit code ${status}`);
    process.exit(status);
  }
}

// The stores the hub's, client's and CLI's suites run on: SQLite always;
// PostgreSQL too unless PARLEY_TEST_STORES=sqlite (a machine without one).
const stores = (process.env.PARLEY_TEST_STORES || 'sqlite,postgres').split(',').map((s) => s.trim());
if (!stores.includes('sqlite') || stores.some((s) => s !== 'sqlite' && s !== 'postgres')) {
  console.error(`PARLEY_TEST_STORES must be "sqlite" or "sqlite,postgres", got "${process.env.PARLEY_TEST_STORES}"`);
  process.exit(2);
}
const onPostgres = stores.includes('postgres');
const pgServer = process.env.PARLEY_TEST_PG || 'postgres://postgres@127.0.0.1:5432';
const redisServer = process.env.PARLEY_TEST_REDIS || 'redis://127.0.0.1:6379';

if (job === 'report') {
  // The closing report of the last `npm test` again, from the test reports and turbo summary it left.
  const mark = resolve(root, '.turbo', 'last-test-start');
  process.exit(report(0, existsSync(mark) ? Number(readFileSync(mark, 'utf8')) : 0, []));
}
if (job !== 'start' && job !== 'test') {
  console.error('usage: node scripts/bootstrap.mjs <start|test|report>');
  process.exit(2);
}

pnpm(['install', ...(process.env.CI ? ['--frozen-lockfile'] : [])]);
if (job === 'test') {
  for (const s of [...suites(), ...pgSuites()]) rmSync(s.report, { force: true });
  const started = Date.now();
  // For `bootstrap.mjs report`: which turbo runs belong to this test run.
  mkdirSync(resolve(root, '.turbo'), { recursive: true });
  writeFileSync(resolve(root, '.turbo', 'last-test-start'), String(started));
  // Build first so every package's dist exists, then every check and test.
  // --continue: a failing package does not stop the others' checks and tests
  // (only what depends on a failed task is skipped, e.g. a package's tests
  // after its build failed). --summarize leaves the outcome of every task in
  // .turbo/runs/, so the closing report can name what failed.
  const [cmd, pre] = pnpmCommand();
  const status = run(cmd, [
    ...pre,
    'exec',
    'turbo',
    'run',
    'build',
    'typecheck',
    'lint',
    'test',
    '--concurrency=1',
    '--continue=dependencies-successful',
    '--summarize',
    '--output-logs=new-only',
  ], { env: { ...env, PARLEY_TEST_STORE: 'sqlite' } });
  const notes = [];
  let pgStatus = 0;
  if (onPostgres) {
    // The same suites again on PostgreSQL: each test run makes its own database and drops it.
    const where = await reachable(pgServer, 5432);
    // The cluster tests (several hubs) run in this pass and need Redis too.
    const redis = await reachable(redisServer, 6379);
    if (!redis.ok) notes.push(`Redis is not reachable at ${redis.at} (${redis.why}): the cluster tests need it; start it, or point PARLEY_TEST_REDIS at one`);
    if (where.ok) {
      console.log(`\n[parley] the hub's, client's and CLI's tests again, on PostgreSQL at ${where.at}`);
      pgStatus = run(
        cmd,
        [...pre, 'exec', 'turbo', 'run', 'test', ...pgSuites().flatMap((s) => ['--filter', s.name]), '--concurrency=1', '--continue', '--summarize', '--output-logs=new-only'],
        { env: { ...env, PARLEY_TEST_STORE: 'postgres' } },
      );
    } else {
      notes.push(`PostgreSQL is not reachable at ${where.at} (${where.why}): start it, point PARLEY_TEST_PG at one, or run only on SQLite with PARLEY_TEST_STORES=sqlite`);
    }
  }
  process.exit(report(status || pgStatus, started, notes));
} else {
  pnpm(['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
  process.exit(run(process.execPath, [resolve(root, 'scripts/demo.mjs'), ...process.argv.slice(3)]));
}

/** Whether a TCP connection to the server `url` names (PostgreSQL, Redis) opens (within 5 s). */
function reachable(url, defaultPort) {
  const u = new URL(url);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || defaultPort);
  const at = `${host}:${port}`;
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 5000 });
    socket.once('connect', () => {
      socket.end();
      done({ ok: true, at });
    });
    socket.once('timeout', () => {
      socket.destroy();
      done({ ok: false, at, why: 'no answer in 5 s' });
    });
    socket.once('error', (err) => done({ ok: false, at, why: err.code ?? err.message }));
  });
}

/** The packages whose suites start hubs and so run on either store: they set up the test store (test/store-setup.ts). */
function pgSuites() {
  return suites()
    .filter((s) => existsSync(resolve(s.dir, 'test', 'store-setup.ts')))
    .map((s) => ({ ...s, label: `${s.name} on PostgreSQL`, report: resolve(s.dir, '.vitest-results.postgres.json') }));
}

/** Every test report `npm test` expects: each vitest suite on SQLite, and those that start hubs on PostgreSQL too. */
function expectedReports() {
  return [...suites(), ...(onPostgres ? pgSuites() : [])];
}

/** Every workspace package whose tests are vitest's: each writes a JSON report (vitest.shared.ts). */
function suites() {
  const out = [];
  // e2e/: the workspace packages among its folders (the web console's browser tests); its scripts are not packages.
  for (const group of ['packages', 'apps', 'bench', 'e2e']) {
    const base = resolve(root, group);
    if (!existsSync(base)) continue;
    const dirs = group === 'bench' ? [base] : readdirSync(base).map((name) => resolve(base, name));
    for (const dir of dirs) {
      const manifest = resolve(dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const { name, scripts } = JSON.parse(readFileSync(manifest, 'utf8'));
      if (/\bvitest\b/.test(scripts?.test ?? '')) out.push({ name, label: name, dir, report: resolve(dir, '.vitest-results.json') });
    }
  }
  return out;
}

/**
 * Adds up the packages' test reports into the closing line, which stays
 * exactly `N passed, N failed, N skipped` on a line of its own (CI greps it).
 * A package whose tests did not run, did not finish, or could not load a
 * test file has no honest count: it counts as one failure and is named
 * above the line. Returns the exit code: turbo's when it failed (a build,
 * typecheck or lint failure fails the run too, named from turbo's
 * summary), else 1 if anything failed.
 */
function report(turboStatus, since, notes) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const problems = [];
  const all = expectedReports();
  let reported = 0;
  for (const { label: name, report: file } of all) {
    if (!existsSync(file)) {
      failed += 1;
      problems.push(`${name}: no test report: its tests did not run or did not finish`);
      continue;
    }
    reported++;
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    if (r.numFailedTests > 0) problems.push(`${name}: ${r.numFailedTests} failed`);
    else if (r.success === false) {
      // No failed test, yet the run failed: a test file that did not load, or an error outside any test.
      const broken = (r.testResults ?? []).filter((t) => t.status === 'failed').length || 1;
      failed += broken;
      problems.push(`${name}: ${broken} test file${broken === 1 ? '' : 's'} failed to run`);
    }
  }
  // Test tasks are accounted for by their reports above; these are builds, typechecks and lints.
  for (const task of failedTasks(since).filter((t) => !t.endsWith('#test'))) problems.push(`${task}: failed or did not run`);
  console.log(`\n[parley] ${reported} of ${all.length} test suites reported results`);
  const twice = pgSuites().map((x) => x.name);
  if (twice.length > 0) console.log(`[parley] ${onPostgres ? 'on SQLite and on PostgreSQL' : 'on SQLite only (PARLEY_TEST_STORES=sqlite)'}: ${twice.join(', ')}`);
  for (const n of notes) console.log(`[parley] ${n}`);
  for (const p of problems) console.log(`[parley] ${p}`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (turboStatus !== 0) return turboStatus;
  return failed > 0 ? 1 : 0;
}

/** Tasks of the turbo runs started at `since` or later that did not exit 0, from their --summarize files. */
function failedTasks(since) {
  const dir = resolve(root, '.turbo', 'runs');
  if (!existsSync(dir)) return [];
  const runs = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => resolve(dir, f))
    .filter((f) => statSync(f).mtimeMs >= since)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const failed = new Set();
  for (const file of runs) {
    const summary = JSON.parse(readFileSync(file, 'utf8'));
    for (const t of summary.tasks ?? []) if (t.execution?.exitCode !== 0) failed.add(t.taskId);
  }
  return [...failed];
}
