// What the end-to-end checks in this folder share: running commands with
// their output kept for the failure message, background processes that are
// always stopped, free ports, polling with a deadline, and step timing.
// These checks drive real installs and real servers, so every wait is
// generous: they must pass on a busy 2-core machine.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const started = Date.now();
let stepStarted = started;
let stepName = '';

/** Logs the end of the previous step and the start of the next, with times. */
export function step(name) {
  const now = Date.now();
  if (stepName) console.log(`[e2e]   done in ${((now - stepStarted) / 1000).toFixed(1)} s`);
  stepName = name;
  stepStarted = now;
  if (name) console.log(`[e2e] ${name}`);
}

export function finish(what) {
  step('');
  console.log(`[e2e] ${what}: passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(cmd, args, { cwd = repoRoot, env = process.env, timeoutMs = 15 * 60_000, quiet = false } = {}) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error || r.status !== 0) {
    throw new Error(`"${cmd} ${args.join(' ')}" in ${cwd} failed (${r.error?.message ?? `exit ${r.status}`}):\n${out.slice(-6000)}`);
  }
  if (!quiet && out.trim()) console.log(out.trim().split('\n').slice(-8).map((l) => `    ${l}`).join('\n'));
  return r.stdout ?? '';
}

const children = new Set();

/** Starts a long-running process with its output in `logFile`; stopped at exit at the latest. */
export function background(cmd, args, { cwd = repoRoot, env = process.env, logFile }) {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  // Its own process group: a server that re-executes itself or starts
  // workers (the OpenClaw gateway does both) is stopped as a whole.
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  children.add(child);
  const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return {
    child,
    exited,
    log: () => readFileSync(logFile, 'utf8'),
    /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) {
        signalGroup(child, 'SIGKILL');
        return exited;
      }
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      const how = await exited;
      clearTimeout(timer);
      // Whatever of the group outlived its leader.
      signalGroup(child, 'SIGKILL');
      return how;
    },
  };
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function killAll() {
  for (const c of children) signalGroup(c, 'SIGKILL');
}
process.once('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => done(port));
    });
  });
}

/** Polls `probe` until it returns a truthy value; fails after `timeoutMs` naming `what`. */
export async function waitFor(what, probe, { timeoutMs = 120_000, intervalMs = 250, detail } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${last.message})` : ''}${detail ? `\n${detail()}` : ''}`);
}

/** pnpm 10 as bootstrap.mjs finds it: on PATH, or the pinned version through npx. */
export function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && /^10\./.test(probe.stdout.trim())) return ['pnpm', []];
  const pinned = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')).packageManager;
  return ['npx', ['--yes', pinned]];
}

export function assert(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
}

/** Runs `main`, prints a failure with its cause chain, and sets the exit code. */
export async function main(what, fn) {
  try {
    await fn();
    finish(what);
  } catch (err) {
    console.error(`\n[e2e] ${what}: FAILED${stepName ? ` in step "${stepName}"` : ''}\n${err?.stack ?? err}`);
    process.exitCode = 1;
  } finally {
    killAll();
    // Open clients and timers of a failed check must not keep the process alive.
    process.exit(process.exitCode ?? 0);
  }
}

/**
 * fetch that tries again when the connection fails before an answer: a
 * server may close an idle keep-alive socket just as it is reused.
 */
export async function fetchRetry(url, init, attempts = 3) {
  for (let i = 1; ; i++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (i >= attempts) throw new Error(`${init?.method ?? 'GET'} ${url}: ${err.message} (${err.cause?.message ?? err.cause?.code ?? 'no cause'})`);
      await new Promise((r) => setTimeout(r, 200 * i));
    }
  }
}
