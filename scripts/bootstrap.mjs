#!/usr/bin/env node
// One entry point for a fresh machine that has only Node >= 20 and npm.
// `npm start` and `npm test` both come through here: we find pnpm 10 (or fetch
// the pinned one through npx from the npm registry), install the workspace,
// build it, and then run the requested job. Nothing else needs to be set up.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';

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

if (job !== 'start' && job !== 'test') {
  console.error('usage: node scripts/bootstrap.mjs <start|test>');
  process.exit(2);
}

pnpm(['install', ...(process.env.CI ? ['--frozen-lockfile'] : [])]);
if (job === 'test') {
  const results = resultFiles();
  for (const f of results) rmSync(f, { force: true });
  // build first so every package's dist exists, then every check and test.
  const [cmd, pre] = pnpmCommand();
  const status = run(cmd, [...pre, 'exec', 'turbo', 'run', 'build', 'typecheck', 'lint', 'test', '--concurrency=1', '--output-logs=new-only']);
  summarise(resultFiles());
  process.exit(status);
} else {
  pnpm(['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
  process.exit(run(process.execPath, [resolve(root, 'scripts/demo.mjs'), ...process.argv.slice(3)]));
}

/** Each package's vitest writes a JSON report; add them up into one closing line. */
function resultFiles() {
  const out = [];
  for (const group of ['packages', 'apps', 'bench']) {
    const dir = resolve(root, group);
    if (!existsSync(dir)) continue;
    if (group === 'bench') {
      out.push(resolve(dir, '.vitest-results.json'));
      continue;
    }
    for (const name of readdirSync(dir)) out.push(resolve(dir, name, '.vitest-results.json'));
  }
  return out.filter((f) => existsSync(f));
}

function summarise(files) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const f of files) {
    const r = JSON.parse(readFileSync(f, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
  console.log(`\n[parley] ${files.length} test suites reported`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
}
