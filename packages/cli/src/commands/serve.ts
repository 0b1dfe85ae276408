import type { GovernanceConfig, HubOptions } from '@parley/hub';
import type { Command } from 'commander';
import { parseIntIn } from '../args.js';
import { CliError, ExitCode } from '../errors.js';
import type { Context } from '../context.js';

interface DbOptions {
  dataDir?: string;
  db?: string;
}

interface ServeOptions extends DbOptions {
  port?: string;
  host?: string;
  logLevel?: string;
  dbPoolSize?: string;
  migrate?: boolean;
  redis?: string;
  quorum?: string;
  votesToElect?: string;
  seats?: string;
  maxOpenProposals?: string;
  committeeReward?: string;
  serviceHost?: string[];
  servicePrivateAddresses?: boolean;
  juji?: boolean;
}

const DB_HELP = 'database: a PostgreSQL URL (postgres://user@host:5432/db) or a SQLite file (env PARLEY_DB; default <data-dir>/parley.db)';

export function registerServe(program: Command, ctx: Context): void {
  program
    .command('serve')
    .description('run a hub: embedded SQLite by default, PostgreSQL with --db postgres://... (Ctrl-C stops it gracefully)')
    .option('-p, --port <port>', 'port to listen on (env PARLEY_PORT, default 8787; 0 picks a free one)')
    .option('--host <host>', 'address to bind (env PARLEY_HOST, default 127.0.0.1)')
    .option('-d, --data-dir <dir>', 'where the SQLite database lives (env PARLEY_DATA_DIR, default ~/.parley/data)')
    .option('--db <url-or-file>', DB_HELP)
    .option('--db-pool-size <n>', 'PostgreSQL connections to keep open (env PARLEY_DB_POOL_SIZE, default 10)')
    .option('--migrate', 'bring the PostgreSQL schema up to date before starting (SQLite always is; env PARLEY_AUTO_MIGRATE=1)')
    .option('--redis <url>', 'one of several hubs: the Redis they share, redis://host:6379 (env PARLEY_REDIS; needs a PostgreSQL --db)')
    .option('--log-level <level>', 'pino log level (env PARLEY_LOG_LEVEL, default info)')
    .option(
      '--service-host <host...>',
      'hosts whose http(s) endpoints may back a service, *.example.com for subdomains (env PARLEY_SERVICE_HOSTS, comma-separated; default none)',
    )
    .option(
      '--service-private-addresses',
      'let those endpoints be private, loopback or link-local addresses too (env PARLEY_SERVICE_PRIVATE_ADDRESSES=1; default refused)',
    )
    .option('--juji', "also speak Juji's wire for Juji's own clients (docs/juji-compat.md; env PARLEY_JUJI=1; default off)")
    .option('--quorum <n>', 'community votes a proposal needs before more-for-than-against passes it (env PARLEY_GOV_QUORUM, default 3)')
    .option('--votes-to-elect <n>', 'supporting votes (and more for than against) that elect a committee candidate (env PARLEY_GOV_VOTES_TO_ELECT, default 3)')
    .option('--seats <n>', 'most active committee members (env PARLEY_GOV_SEATS, default 21)')
    .option('--max-open-proposals <n>', 'most open proposals and pending issuances per agent (env PARLEY_GOV_MAX_OPEN_PROPOSALS, default 20)')
    .option(
      '--committee-reward <amount:SYMBOL:period_ms>',
      'paid to every active member once per period from the community treasury, amount in smallest units, e.g. 10:PLY:86400000 (env PARLEY_COMMITTEE_REWARD; default none)',
    )
    .action(async (opts: ServeOptions) => {
      // Loaded here, not at the top: the hub (Fastify, SQLite) would add ~0.4 s to every other command.
      const { committeeReward, installSignalHandlers, resolveHubOptionsFromEnv, startHub } = await import('@parley/hub');
      const options: HubOptions = { ...resolveHubOptionsFromEnv(ctx.io.env), ...dbOptions(opts) };
      const governance = governanceOptions(opts, committeeReward);
      // Flags override the env's rules one by one, as the other flags do.
      if (Object.keys(governance).length > 0) options.governance = { ...options.governance, ...governance };
      if (opts.port !== undefined) options.port = parsePort(opts.port);
      if (opts.host !== undefined) options.host = opts.host;
      if (opts.logLevel !== undefined) options.logLevel = opts.logLevel;
      if (opts.dbPoolSize !== undefined) options.dbPoolSize = parseIntIn(opts.dbPoolSize, 1, 1000, '--db-pool-size');
      if (opts.migrate) options.autoMigrate = true;
      if (opts.redis !== undefined) options.redis = opts.redis;
      if (opts.serviceHost !== undefined) options.serviceHosts = opts.serviceHost;
      if (opts.servicePrivateAddresses) options.servicePrivateAddresses = true;
      if (opts.juji) options.juji = true;
      const hub = await startHub(options);
      const out = ctx.output();
      // Handlers first: whoever waits for the URL line may signal at once, and a SIGTERM before them would kill the hub unclosed.
      installSignalHandlers(hub, (msg) => out.info(msg));
      // The URL line is the one stable thing scripts (and our tests) wait for.
      out.result({ url: hub.url, epoch: hub.epoch, port: hub.port }, () => `parley hub listening on ${hub.url}`);
      // The process now lives until a signal arrives.
    });

  program
    .command('migrate')
    .description("bring a hub database's schema up to date (run once per upgrade on PostgreSQL, before starting the hubs)")
    .option('-d, --data-dir <dir>', 'where the SQLite database lives (env PARLEY_DATA_DIR, default ~/.parley/data)')
    .option('--db <url-or-file>', DB_HELP)
    .action(async (opts: DbOptions) => {
      const { migrateDatabase, resolveHubOptionsFromEnv } = await import('@parley/hub');
      const report = await migrateDatabase({ ...resolveHubOptionsFromEnv(ctx.io.env), ...dbOptions(opts) });
      ctx.output().result(report, () =>
        report.applied.length === 0
          ? `${report.db}: schema is current`
          : `${report.db}: applied ${report.applied.length} migration${report.applied.length === 1 ? '' : 's'} (${report.applied.join(', ')})`,
      );
    });
}

/** The governance flags given, checked here so a typo exits 2 before a hub starts. */
function governanceOptions(opts: ServeOptions, committeeReward: (text: string) => NonNullable<GovernanceConfig['committeeReward']>): Partial<GovernanceConfig> {
  const g: Partial<GovernanceConfig> = {};
  const MAX = 1_000_000;
  if (opts.quorum !== undefined) g.quorum = parseIntIn(opts.quorum, 1, MAX, '--quorum');
  if (opts.votesToElect !== undefined) g.votesToElect = parseIntIn(opts.votesToElect, 1, MAX, '--votes-to-elect');
  if (opts.seats !== undefined) g.seats = parseIntIn(opts.seats, 1, MAX, '--seats');
  if (opts.maxOpenProposals !== undefined) g.maxOpenProposals = parseIntIn(opts.maxOpenProposals, 1, MAX, '--max-open-proposals');
  if (opts.committeeReward !== undefined) {
    try {
      g.committeeReward = committeeReward(opts.committeeReward);
    } catch (err) {
      throw new CliError(`--committee-reward: ${(err as Error).message}`, ExitCode.Usage);
    }
  }
  return g;
}

function dbOptions(opts: DbOptions): HubOptions {
  const o: HubOptions = {};
  if (opts.dataDir !== undefined) o.dataDir = opts.dataDir;
  if (opts.db !== undefined) {
    if (opts.db === '') throw new CliError('--db needs a PostgreSQL URL or a SQLite file', ExitCode.Usage);
    o.db = opts.db;
  }
  return o;
}

/** `--port`: 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`--port must be an integer from 0 to 65535, got "${value}"`, ExitCode.Usage);
  }
  return port;
}
