import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { RunningHub } from '../src/index.js';

/**
 * A hub in a child process (a script that starts one and prints `{url}` as
 * its first line), so a test can kill it with SIGKILL: no shutdown code
 * runs, exactly as in a crash.
 */
export class ChildHub {
  private constructor(
    readonly proc: ChildProcess,
    readonly url: string,
  ) {}

  static async spawn(script: string, args: string[]): Promise<ChildHub> {
    const proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: proc.stdout! });
    const exited = once(proc, 'exit').then(([code]) => {
      throw new Error(`hub child exited with ${String(code)} before listening`);
    });
    const first = (async () => {
      for await (const line of lines) return JSON.parse(line) as { url: string };
      throw new Error('hub child closed its output before listening');
    })();
    const { url } = await Promise.race([first, exited]);
    lines.close();
    return new ChildHub(proc, url);
  }

  /** As in a crash: no shutdown code runs, nothing is flushed. */
  async kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exit = once(this.proc, 'exit');
    this.proc.kill('SIGKILL');
    await exit;
  }

  /** Graceful stop (SIGTERM is not wired in the children; SIGKILL after the db is quiet is the same for reading it). */
  async stop(): Promise<void> {
    await this.kill();
  }

  /** What `register` and friends need from a hub. */
  get asHub(): RunningHub {
    return { url: this.url } as RunningHub;
  }
}
