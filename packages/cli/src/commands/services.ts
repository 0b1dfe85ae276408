import type { Service, ServiceCallResult, ServiceInstance } from '@parley/protocol';
import type { Command } from 'commander';
import { parseAgent, parseJson, parseLimit } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { preview, table } from '../output.js';
import { withClient } from '../session.js';

/** service/call's timeout_ms bounds (per instance; a failover may take a second one). */
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 120_000;
/** Past twice the instance timeout (one failover), the hub's own slack and the way back. */
const CALL_SLACK_MS = 10_000;

/**
 * `parley service ...`: Juji's service registry. Register an instance of a
 * named, versioned service (answered by your agent: run something that
 * answers its calls, e.g. the example bot or client.services.serve; or by an
 * http(s) endpoint the hub calls, where its operator allows that host), list
 * and read services, and call one, waiting for its answer.
 */
export function registerServices(program: Command, ctx: Context): Command {
  const service = program.command('service').description('the service registry: register, list and call named, versioned services (run "parley service --help")');

  service
    .command('register')
    .description('register (or update) your instance of <name>@<version>')
    .argument('<name>', 'e.g. text.reverse')
    .argument('<version>', 'a semantic version, e.g. 1.0.0')
    .requiredOption('-d, --description <text>', 'what the service does')
    .option('-s, --schema <json>', 'JSON Schema of the input ("-" reads it from stdin; default {}: anything)')
    .option('-e, --endpoint <url>', "an http(s) URL the hub POSTs calls to (only hosts the hub's operator allows)")
    .addHelpText(
      'after',
      '\nWithout --endpoint, calls reach your agent as delegate.request pushes (capability service:<name>@<version>):\n' +
        'something connected as you must answer them (client.services.serve does).\n\n' +
        'Example:\n  parley service register text.reverse 1.0.0 -d "Reverses text" -s \'{"type":"object","required":["text"]}\'',
    )
    .action(async (name: string, version: string, opts: { description: string; schema?: string; endpoint?: string }) => {
      const schema = opts.schema === undefined ? {} : parseJson(opts.schema === '-' ? await ctx.readStdin() : opts.schema, '--schema');
      if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) throw new CliError('--schema must be a JSON object (a JSON Schema)', ExitCode.Usage);
      const params = { name, version, description: opts.description, params_schema: schema as Record<string, unknown>, ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) };
      const res = await withClient(ctx.config(), (c) => c.call('service/register', params));
      ctx.output().result(res, () => `registered your instance of ${label(res.service)} (${res.service.instances} instance${res.service.instances === 1 ? '' : 's'}, ${res.service.online} online)`);
    });

  service
    .command('unregister')
    .description('remove your instance of <name>@<version>')
    .argument('<name>')
    .argument('<version>')
    .action(async (name: string, version: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('service/unregister', { name, version }));
      ctx.output().result(res, () => (res.removed ? `unregistered your instance of ${name}@${version}` : `you held no instance of ${name}@${version}`));
    });

  service
    .command('list')
    .alias('ls')
    .description('services by name and version, with how many instances are online')
    .option('-n, --name <name>', 'only this name (every version)')
    .option('-o, --owner <agent_id>', 'services this agent holds an instance of')
    .option('-q, --query <words>', 'words in the name or description')
    .option('-l, --limit <n>', 'services per page (1-50)', '20')
    .option('-c, --cursor <cursor>', 'next_cursor of the previous page')
    .action(async (opts: { name?: string; owner?: string; query?: string; limit: string; cursor?: string }) => {
      const params = {
        limit: parseLimit(opts.limit, 50),
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.owner ? { owner: parseAgent(opts.owner) } : {}),
        ...(opts.query ? { q: opts.query } : {}),
        ...(opts.cursor ? { cursor: opts.cursor } : {}),
      };
      const res = await withClient(ctx.config(), (c) => c.call('service/list', params));
      ctx.output().result(res, () => {
        if (res.services.length === 0) return 'no services';
        const rows = table(
          ['SERVICE', 'ONLINE', 'DESCRIPTION'],
          res.services.map((s) => [label(s), `${s.online}/${s.instances}`, preview(s.description, 60)]),
        );
        return res.next_cursor ? `${rows}\nmore: --cursor ${res.next_cursor}` : rows;
      });
    });

  service
    .command('get')
    .description('a service with its instances (without a version: the highest)')
    .argument('<name>')
    .argument('[version]')
    .action(async (name: string, version: string | undefined) => {
      const res = await withClient(ctx.config(), (c) => c.call('service/get', { name, ...(version ? { version } : {}) }));
      ctx.output().result(res, () => formatService(res.service, res.instances));
    });

  service
    .command('call')
    .description('call a service and wait for its answer (the global --timeout is each instance\'s deadline)')
    .argument('<name[@version]>', 'the service, and a version of it (default: the highest), e.g. text.reverse@1.0.0')
    .argument('<json-input>', 'the input, as JSON ("-" reads it from stdin)')
    .addHelpText(
      'after',
      '\nAn instance has --timeout ms (default 30000, at most 120000) to answer; one that drops or misses it hands the call to one other.\n' +
        'Prints the output (with --json: the whole result). Exits 1 when the call failed (the message says why), 3 when it timed out.\n\n' +
        'Example:\n  parley service call text.reverse \'{"text":"hello"}\'',
    )
    .action(async (target: string, input: string) => {
      const cfg = ctx.config();
      const at = target.lastIndexOf('@');
      const [name, version] = at > 0 ? [target.slice(0, at), target.slice(at + 1)] : [target, undefined];
      if (cfg.timeoutMs < MIN_TIMEOUT_MS || cfg.timeoutMs > MAX_TIMEOUT_MS) {
        throw new CliError(`--timeout must be from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS} ms for a service call, got ${cfg.timeoutMs}`, ExitCode.Usage);
      }
      const params = {
        name,
        ...(version ? { version } : {}),
        input: parseJson(input === '-' ? await ctx.readStdin() : input, 'the input'),
        timeout_ms: cfg.timeoutMs,
      };
      // A timeout (the hub's or ours) exits 3, as every timed-out command does (errors.ts).
      const res = await withClient(cfg, (c) => c.call('service/call', params, { timeoutMs: 2 * cfg.timeoutMs + CALL_SLACK_MS }));
      ctx.output().result(res, () => formatCall(res));
    });

  return service;
}

function label(s: Pick<Service, 'name' | 'version'>): string {
  return `${s.name}@${s.version}`;
}

function formatService(s: Service, instances: ServiceInstance[]): string {
  const lines = [
    `${label(s)}: ${s.description}`,
    `  defined by ${s.created_by} on ${s.created_at}; ${s.online} of ${s.instances} instance${s.instances === 1 ? '' : 's'} online`,
    `  input schema: ${JSON.stringify(s.params_schema)}`,
  ];
  if (instances.length > 0) {
    lines.push(
      table(
        ['OWNER', 'ONLINE', 'SERVED BY'],
        instances.map((i) => [i.owner_id, i.online ? 'yes' : 'no', i.endpoint ?? 'its agent']),
      ),
    );
  }
  return lines.join('\n');
}

/** The output as it is: text printed raw, anything else as JSON. */
function formatCall(r: ServiceCallResult): string {
  return typeof r.output === 'string' ? r.output : JSON.stringify(r.output, null, 2);
}
