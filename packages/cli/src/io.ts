import { Readable } from 'node:stream';

/**
 * Everything a one-shot command touches outside itself: the environment it
 * reads its defaults from, the two output streams and stdin. One seam, so
 * that `runParley` (main.ts) runs the same way under the `parley` binary and
 * inside a test process, where many commands run at once with different
 * homes and hubs. The long-running commands (serve, daemon, demo) also own
 * process signals and the exit, so tests run those as real processes.
 */
export interface CliIO {
  readonly env: NodeJS.ProcessEnv;
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** Resolves once stdout can take more (what was written has drained): backpressure for output written page by page. */
  drainOut?(): Promise<void>;
  /** Read for `-` in place of an argument, and by the daemon. */
  readonly stdin: NodeJS.ReadableStream;
}

export function processIO(): CliIO {
  return {
    env: process.env,
    writeOut: (text) => void process.stdout.write(text),
    writeErr: (text) => void process.stderr.write(text),
    drainOut: () => (process.stdout.writableNeedDrain ? new Promise((resolve) => process.stdout.once('drain', () => resolve())) : Promise.resolve()),
    stdin: process.stdin,
  };
}

/** An IO that collects output in memory: for running commands in-process (tests, embedding). */
export function memoryIO(env: NodeJS.ProcessEnv, input = ''): CliIO & { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    env,
    writeOut: (text) => void (out += text),
    writeErr: (text) => void (err += text),
    stdin: Readable.from([Buffer.from(input)]),
    stdout: () => out,
    stderr: () => err,
  };
}

/** All of a stream as text: for `-` in place of an argument (long outputs, JSON from a pipe). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
