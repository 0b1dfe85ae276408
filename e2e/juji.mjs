#!/usr/bin/env node
// Juji's own kind of client against a Parley hub with the Juji edge on: a
// `parley serve --juji` on a free port and a fresh SQLite data folder, and the
// Python client in e2e/juji/ (written from Juji's description of its wire,
// using only Debian's python3-websocket, python3-nacl and python3-requests)
// registers, connects with the signature, calls actions, receives a push, and
// checks the refusals: a replayed (agent, ts), an unsigned connection (4401), a
// REST write without a Parley bearer token (401). Needs a build (`pnpm build`).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { background, freePort, main, repoRoot, run, step, waitFor } from './lib.mjs';

const CLI = join(repoRoot, 'packages/cli/bin/parley.js');
// Debian's interpreter: the python3 first on PATH (pyenv, a venv) may not see Debian's packages.
const PYTHON = process.env.PARLEY_E2E_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const work = mkdtempSync(join(tmpdir(), 'parley-juji-'));

await main('juji client', async () => {
  step('starting a hub with the Juji edge');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const hub = background(process.execPath, [CLI, 'serve', '--juji', '--port', String(port), '--data-dir', join(work, 'data'), '--log-level', 'warn'], {
    env: { ...process.env, PARLEY_DB: '', PARLEY_REDIS: '' },
    logFile: join(work, 'hub.log'),
  });
  try {
    await waitFor('the hub', async () => (await fetch(`${url}/healthz`)).ok, { timeoutMs: 60_000, detail: () => hub.log() });
    step('running the Python Juji client');
    run(PYTHON, [join(repoRoot, 'e2e/juji/run_checks.py')], { env: { ...process.env, JUJI_BASE_URL: url }, timeoutMs: 5 * 60_000 });
  } finally {
    await hub.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
