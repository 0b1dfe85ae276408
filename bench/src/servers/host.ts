import { answerAsks, toParent } from '../ipc.js';
import type { MemoryReport, ParentMessage } from '../types.js';

/** A server that cannot start for a reason its message explains (no database server): reported without a stack. */
export class CannotStart extends Error {}

export interface StartedServer {
  port: number;
  /** Further hubs of the same service (a cluster): their ports. Clients may connect to any of them. */
  peers?: number[];
  close(): Promise<void>;
  /**
   * The memory of the process that serves the clients, when that is not this
   * Node process (a wrapper around a native server). Default: this process,
   * after a full GC.
   */
  memory?(): Promise<MemoryReport>;
  /**
   * CPU time (user + system, µs) the processes that serve the clients have
   * used since they started, when that is not this Node process alone (a
   * wrapper around several hubs). Default: this process.
   */
  cpu?(): Promise<number>;
}

/**
 * Runs one server under the orchestrator: reports its port, answers memory
 * questions (after a full GC, so the figure is live memory, not garbage the
 * collector has not reached yet) and stops on request.
 */
export function hostServer(start: () => Promise<StartedServer>): void {
  start().then(
    (server) => {
      answerAsks({
        mem: () => (server.memory ? server.memory() : measureMemory()),
        cpu: () => (server.cpu ? server.cpu() : Promise.resolve(ownCpu())),
      });
      process.on('message', (m: ParentMessage) => {
        if (m.type !== 'stop') return;
        void server.close().finally(() => process.exit(0));
      });
      // An orphaned server (orchestrator killed) must not linger.
      process.on('disconnect', () => process.exit(0));
      toParent({ type: 'ready', port: server.port, ...(server.peers ? { peers: server.peers } : {}) });
    },
    (err: unknown) => {
      const error = err instanceof CannotStart ? err.message : err instanceof Error ? err.stack ?? err.message : String(err);
      toParent({ type: 'failed', error });
      process.exit(1);
    },
  );
}

/** This process's CPU time so far, user + system, in µs. */
export function ownCpu(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

export async function measureMemory(): Promise<MemoryReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    // Twice, with a turn of the event loop between: weak callbacks and
    // finalizers run in between and free more on the second pass.
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}
