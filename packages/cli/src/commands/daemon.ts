import { ParleyClient } from '@parley/client';
import { FileCursorStore } from '@parley/client/node';
import { isActionName } from '@parley/protocol';
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { cursorPath } from '../config.js';
import type { Context } from '../context.js';
import { requireIdentity } from '../session.js';

/**
 * Daemon mode (the Juji seed's): one long connection. Every push is printed
 * as a JSON line; every JSON line read on stdin, `{"id"?, "action", "params"?}`,
 * is run as a call and answered with a `result` line carrying the same id.
 * Cursors are kept in a file, so a restarted daemon resumes where it stopped.
 */
export function registerDaemon(program: Command, ctx: Context): void {
  program
    .command('daemon')
    .description('hold one connection: print pushes as JSON lines, run JSON lines from stdin as calls')
    .option('--exit-on-eof', 'exit once stdin ends and every call has been answered')
    .action(async (opts: { exitOnEof?: boolean }) => {
      const cfg = ctx.config();
      const out = ctx.output();
      const identity = await requireIdentity(cfg);
      const client = new ParleyClient({
        url: cfg.urls,
        identity,
        requestTimeoutMs: cfg.timeoutMs,
        cursorStore: new FileCursorStore(cursorPath(cfg, identity.agentId)),
      });

      client.on('push', (frame) => out.line(frame));
      client.on('state', (state) => out.line({ type: 'state', state, transport: client.transport }));
      client.on('gap', (gap) => out.line({ type: 'gap', ...gap }));
      client.on('error', (err: Error) => out.info(`parley daemon: ${err.message}`));

      let inflight = 0;
      let stdinDone = false;
      let stopping = false;
      const stop = async (code: number) => {
        if (stopping) return;
        stopping = true;
        await client.close();
        process.exit(code);
      };
      const maybeExit = () => {
        if (opts.exitOnEof && stdinDone && inflight === 0) void stop(0);
      };

      const rl = createInterface({ input: ctx.io.stdin, crlfDelay: Infinity });
      rl.on('line', (line) => {
        if (line.trim() === '') return;
        const req = parseLine(line);
        if ('error' in req) {
          out.line({ type: 'error', content: { error: req.error, code: 'bad_request' }, line: truncate(line) });
          return;
        }
        inflight++;
        client
          .call(req.action as never, req.params as never)
          .then(
            (content) => out.line({ type: 'result', id: req.id, action: req.action, status: 'success', content }),
            (err: Error & { code?: string; details?: unknown }) =>
              out.line({
                type: 'result',
                id: req.id,
                action: req.action,
                status: 'error',
                content: { error: err.message, code: err.code ?? 'internal', ...(err.details ? { details: err.details } : {}) },
              }),
          )
          .finally(() => {
            inflight--;
            maybeExit();
          });
      });
      rl.on('close', () => {
        stdinDone = true;
        maybeExit();
      });

      process.once('SIGINT', () => void stop(0));
      process.once('SIGTERM', () => void stop(0));

      // connect() keeps retrying in the background after a failure; calls made
      // before it succeeds wait in the client's offline queue.
      client.connect().catch((err: Error) => out.info(`parley daemon: ${err.message} (retrying)`));
    });
}

type DaemonRequest = { id: unknown; action: string; params: Record<string, unknown> } | { error: string };

function parseLine(line: string): DaemonRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { error: 'not JSON: each line must be {"id"?, "action", "params"?}' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'each line must be a JSON object {"id"?, "action", "params"?}' };
  }
  const { id = null, action, params = {} } = value as { id?: unknown; action?: unknown; params?: unknown };
  if (typeof action !== 'string' || !isActionName(action)) {
    return { error: `unknown action ${JSON.stringify(action)}` };
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return { error: '"params" must be a JSON object' };
  }
  return { id, action, params: params as Record<string, unknown> };
}

function truncate(s: string): string {
  return s.length > 200 ? s.slice(0, 200) + '…' : s;
}
