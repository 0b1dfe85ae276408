import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { memoryIO } from '../src/io.js';
import { testDb, testStore } from '@parley/hub/testing';
import { runParley } from '../src/main.js';

/** The `parley` file npm and pnpm link (bin/parley.js, which loads dist/bin.js). */
export const BIN = fileURLToPath(new URL('../bin/parley.js', import.meta.url));

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `parley-cli-${prefix}-`));
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `parley <args>` to completion, in this process: the same runParley
 * the binary runs (bin.ts is runParley plus process.exitCode), with the env,
 * stdin and output of this one command. A new node process per command cost
 * most of this suite's time (~0.4 s of CPU each, hundreds of commands);
 * what a process adds (the bin file, exit codes as the shell sees them,
 * signals) is tested with spawnCli and LiveProcess.
 */
export async function runCli(args: string[], env: Record<string, string>, input?: string, timeoutMs = 20_000): Promise<RunResult> {
  const io = memoryIO({ ...process.env, ...env }, input ?? '');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`parley ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${io.stdout()}\nstderr: ${io.stderr()}`)),
      timeoutMs,
    );
  });
  try {
    const code = await Promise.race([runParley(args, io), timeout]);
    return { code, stdout: io.stdout(), stderr: io.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A usage error (exit 2) is one line that ends by pointing at the help of
 * the command it is about: checks that, and returns the line without that
 * ending, so tests can compare the message itself.
 */
export function withoutHelpHint(stderr: string): string {
  const m = /^(.*) \(see `parley( [a-z][a-z0-9-]*)* --help`\)\n$/.exec(stderr);
  expect(m, `a usage error ends with (see \`parley ... --help\`): ${stderr}`).not.toBeNull();
  return `${m![1]}\n`;
}

/** Run `parley <args>` as a separate process, as a user would from a shell. */
export function spawnCli(args: string[], env: Record<string, string>, input?: string, timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`parley ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** A long-running `parley` process whose stdout lines we can wait for. */
export class LiveProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  stderr = '';
  private waiters: Array<{ pred: (line: string) => boolean; resolve: (line: string) => void }> = [];
  private buf = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    this.child.stdout.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => {
          if (!w.pred(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Resolves with the first line (already seen or future) matching `pred`. */
  waitFor(pred: (line: string) => boolean, timeoutMs = 15_000, what = 'a matching line'): Promise<string> {
    const seen = this.lines.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out waiting for ${what}\nstdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`));
      }, timeoutMs);
      this.waiters.push({
        pred,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  /** JSON lines of stdout that parse, for daemon output. */
  json(): Array<Record<string, unknown>> {
    return this.lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  write(line: string): void {
    this.child.stdin.write(line + '\n');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export function isJsonLine(pred: (v: Record<string, unknown>) => boolean): (line: string) => boolean {
  return (line) => {
    try {
      return pred(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return false;
    }
  };
}

/** `parley serve` on a free port in a temp dir; resolves once it listens. */
/** `flags`: more `parley serve` flags, e.g. the governance rules (test/economy.ts GOVERNANCE_FLAGS). */
export async function startTestHub(flags: string[] = []): Promise<{ hub: LiveProcess; url: string }> {
  const dir = tempDir('hub');
  // On the suite's store (PARLEY_TEST_STORE=postgres: --db with a schema of its own, migrated at start).
  const store = testStore() === 'postgres' ? ['--db', testDb(dir), '--migrate'] : ['--data-dir', dir];
  const hub = new LiveProcess(['serve', '--port', '0', ...store, '--log-level', 'silent', ...flags], {});
  const line = await hub.waitFor((l) => l.startsWith('parley hub listening on '), 20_000, 'the hub to listen');
  return { hub, url: line.slice('parley hub listening on '.length).trim() };
}
