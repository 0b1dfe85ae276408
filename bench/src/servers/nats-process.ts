import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface NatsServerProcess {
  port: number;
  /** nats-server's resident memory in bytes, from /proc: the Go process's own, not this wrapper's. */
  rss(): number;
  /** Stops nats-server (SIGTERM, SIGKILL after 5 s) and removes its store directory. */
  stop(): Promise<void>;
}

const STARTUP_MS = 15_000;

/**
 * Starts `binary` as a JetStream server on 127.0.0.1: file storage in a
 * fresh temporary directory, a port the kernel picks (`-p -1`; a NATS
 * service may already hold the default 4222), clients authenticated by
 * `token`. Resolves once the server logs that it is ready, with the port it
 * logged.
 */
export async function startNatsServer(binary: string, token: string): Promise<NatsServerProcess> {
  const storeDir = mkdtempSync(join(tmpdir(), 'jetstream-bench-'));
  const child = spawn(binary, ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', '-1', '--auth', token], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const removeStore = () => rmSync(storeDir, { recursive: true, force: true });
  // If this wrapper exits any other way (the orchestrator went away), nats-server must not outlive it.
  const onExit = () => {
    child.kill('SIGKILL');
    removeStore();
  };
  process.once('exit', onExit);

  const recent: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    let listening = 0;
    const fail = (why: string) => reject(new Error(`nats-server ${why}; its last lines:\n${recent.join('\n')}`));
    const timer = setTimeout(() => fail(`was not ready in ${STARTUP_MS / 1000} s`), STARTUP_MS);
    child.once('error', (err) => fail(`could not start (${err.message})`));
    child.once('exit', (code, signal) => fail(`exited at start (${signal ?? code})`));
    // nats-server logs to stderr; it names the client port, then says it is ready.
    createInterface({ input: child.stderr }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      listening ||= Number(/Listening for client connections on [^\s]+:(\d+)/.exec(line)?.[1] ?? 0);
      if (/\[FTL\]|\[ERR\]/.test(line)) console.error(`    nats-server: ${line}`);
      if (line.includes('Server is ready') && listening) {
        clearTimeout(timer);
        resolve(listening);
      }
    });
  }).catch((err: unknown) => {
    onExit();
    process.off('exit', onExit);
    throw err;
  });

  return {
    port,
    rss() {
      if (child.pid === undefined) throw new Error('nats-server has no pid');
      const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      if (kib === undefined) throw new Error(`no VmRSS for nats-server (pid ${child.pid})`);
      return Number(kib) * 1024;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(killer);
      }
      process.off('exit', onExit);
      removeStore();
    },
  };
}
