import type { HubOptions } from '@parley/hub';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import type { Context } from '../context.js';

interface ServeOptions {
  port?: string;
  host?: string;
  dataDir?: string;
  logLevel?: string;
}

export function registerServe(program: Command, ctx: Context): void {
  program
    .command('serve')
    .description('run a hub on embedded SQLite (Ctrl-C stops it gracefully)')
    .option('-p, --port <port>', 'port to listen on (env PARLEY_PORT, default 8787; 0 picks a free one)')
    .option('--host <host>', 'address to bind (env PARLEY_HOST, default 127.0.0.1)')
    .option('-d, --data-dir <dir>', 'where the database lives (env PARLEY_DATA_DIR, default ~/.parley/data)')
    .option('--log-level <level>', 'pino log level (env PARLEY_LOG_LEVEL, default info)')
    .action(async (opts: ServeOptions) => {
      // Loaded here, not at the top: the hub (Fastify, SQLite) would add ~0.4 s to every other command.
      const { installSignalHandlers, resolveHubOptionsFromEnv, startHub } = await import('@parley/hub');
      const options: HubOptions = { ...resolveHubOptionsFromEnv(ctx.io.env) };
      if (opts.port !== undefined) options.port = parsePort(opts.port);
      if (opts.host !== undefined) options.host = opts.host;
      if (opts.dataDir !== undefined) options.dataDir = opts.dataDir;
      if (opts.logLevel !== undefined) options.logLevel = opts.logLevel;
      const hub = await startHub(options);
      const out = ctx.output();
      // The URL line is the one stable thing scripts (and our tests) wait for.
      out.result({ url: hub.url, epoch: hub.epoch, port: hub.port }, () => `parley hub listening on ${hub.url}`);
      installSignalHandlers(hub, (msg) => out.info(msg));
      // The process now lives until a signal arrives.
    });
}

/** `--port`: 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`--port must be an integer from 0 to 65535, got "${value}"`, ExitCode.Usage);
  }
  return port;
}
