import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * WAL checkpoints off the event loop.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000 WAL
 * pages, on the committing connection: it copies the pages into the database
 * file and fsyncs both files. On the writer's connection that is the event
 * loop, stalled 4 to 30 ms every few hundred commits; in `pnpm bench` those
 * commits were three fifths of all time spent committing, and every p99.
 *
 * So the writer's connection never checkpoints. A worker thread, on its own
 * connection to the file, runs a PASSIVE checkpoint every `intervalMs`: it
 * copies what is committed while the writer goes on appending, and its
 * fsyncs block only that thread.
 *
 * A WAL only starts over from its beginning when a write transaction finds it
 * wholly copied, and under steady load the worker is always a few commits
 * behind, so alone it would let the file grow without end. When the worker
 * finds more than `catchUpPages` in the WAL it asks the writer to hold its
 * next batch (`beforeBatch`) while it copies the short tail; the writer's
 * next transaction then restarts the WAL, and `journal_size_limit` trims the
 * file. The event loop goes on reading requests meanwhile, which join that
 * next batch.
 *
 * If the worker cannot run (its thread fails to start, or a checkpoint fails
 * there), the writer's connection checkpoints automatically again, as SQLite
 * does by default: slower, never wrong.
 */
export interface CheckpointerOptions {
  /** How often the worker checkpoints (ms). */
  intervalMs?: number;
  /** WAL pages beyond which the writer holds a batch so that the worker can copy the rest. */
  catchUpPages?: number;
  /** The worker failed; the writer checkpoints by itself from now on. */
  onError?: (err: unknown) => void;
}

// The worker's source: CommonJS, run with `eval`, so it needs no file of its
// own beside the bundle (and runs the same under tsup's output and vitest).
// Messages in: 'drain' (the writer is holding; copy everything), 'close'.
// Messages out: 'catch-up' (please hold), 'drained'.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)')[0];
let asked = false;
const timer = setInterval(() => {
  if (asked) return;
  if (checkpoint().log >= workerData.catchUpPages) {
    asked = true;
    parentPort.postMessage('catch-up');
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'drain') {
    checkpoint();
    asked = false;
    parentPort.postMessage('drained');
  } else if (m === 'close') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

// 64 MiB of 4 KiB pages. A hold costs the same whatever the WAL's size (the
// worker copies only what came since its last run), so a larger bound means
// fewer holds: at 1 call in flight, 4,096 held a batch three times a second,
// often enough to show in the p99.
const DEFAULT_CATCH_UP_PAGES = 16384;
/** A writer holds at most this long for the worker's answer, then goes on (the next request tries again). */
const DRAIN_WAIT_MS = 1000;

export class Checkpointer {
  private worker: Worker | null;
  private readonly exited: Promise<void>;
  private catchUp = false;
  private drained: (() => void) | null = null;

  constructor(
    file: string,
    private readonly conn: BetterSqlite3.Database,
    private readonly options: CheckpointerOptions = {},
  ) {
    const catchUpPages = options.catchUpPages ?? DEFAULT_CATCH_UP_PAGES;
    conn.pragma('wal_autocheckpoint = 0');
    // A WAL that has grown past its bound shrinks back to it when it restarts.
    const pageSize = conn.pragma('page_size', { simple: true }) as number;
    conn.pragma(`journal_size_limit = ${catchUpPages * pageSize}`);
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, file, intervalMs: options.intervalMs ?? 100, catchUpPages },
    });
    // The hub's process must be free to exit with the worker still running.
    worker.unref();
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m) => {
      if (m === 'catch-up') this.catchUp = true;
      else if (m === 'drained') this.release();
    });
    worker.on('error', (err) => this.fallBack(err));
    worker.on('exit', () => this.release());
    this.worker = worker;
  }

  /**
   * Called by the writer before each batch, outside any transaction: nothing
   * unless the worker asked; then a promise that settles once the worker has
   * copied the whole WAL (so the batch restarts it).
   */
  beforeBatch(): Promise<void> | undefined {
    const worker = this.worker;
    if (!this.catchUp || !worker) return undefined;
    this.catchUp = false;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.release(), DRAIN_WAIT_MS);
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
      worker.postMessage('drain');
    });
  }

  /** Stops the worker (after the checkpoint it may be in) and closes its connection. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    // Referenced again: the process must wait for the worker to let go of the file.
    worker?.ref();
    worker?.postMessage('close');
    await this.exited;
  }

  private release(): void {
    const drained = this.drained;
    this.drained = null;
    drained?.();
  }

  private fallBack(err: unknown): void {
    if (!this.worker) return;
    this.worker = null;
    this.catchUp = false;
    this.release();
    try {
      this.conn.pragma('wal_autocheckpoint = 1000');
    } catch {
      // The connection is closing; nothing is left to checkpoint for.
    }
    this.options.onError?.(err);
  }
}
