import { CapabilitiesDocument, isActionName, type AgentProfile } from '@parley/protocol';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { withClient } from '../session.js';

/** whoami, capabilities and the generic `call`: thin wrappers over one action each. */
export function registerBasic(program: Command, ctx: Context): void {
  program
    .command('whoami')
    .description("show this agent's profile as the hub knows it")
    .action(async () => {
      const cfg = ctx.config();
      const me = await withClient(cfg, (c) => c.call('agent/whoami', {}));
      ctx.output().result(me, () => formatProfile(me));
    });

  program
    .command('capabilities')
    .description('list the actions and events the hub speaks (no identity needed)')
    .action(async () => {
      const cfg = ctx.config();
      const res = await firstAnswer(cfg.urls, '/v1/capabilities', cfg.timeoutMs);
      if (!res.ok) throw new CliError(`the hub answered ${res.status} for /v1/capabilities`, ExitCode.Failed);
      const doc = CapabilitiesDocument.parse(await res.json());
      ctx.output().result(doc, () =>
        [
          `${doc.protocol} (api ${doc.api_revision})`,
          'actions:',
          ...Object.entries(doc.actions).map(([name, a]) => `  ${name.padEnd(20)} ${a.description}`),
          'events:',
          ...Object.entries(doc.events).map(([name, e]) => `  ${name.padEnd(20)} ${e.description}`),
        ].join('\n'),
      );
    });

  program
    .command('call')
    .description('call any action, e.g. parley call topic/create \'{"name":"news"}\'')
    .argument('<action>', 'action name, see "parley capabilities"')
    .argument('[params]', 'params as a JSON object', '{}')
    .action(async (action: string, rawParams: string) => {
      const cfg = ctx.config();
      if (!isActionName(action)) {
        throw new CliError(`unknown action "${action}"; "parley capabilities" lists them`, ExitCode.Usage);
      }
      const params = parseJsonObject(rawParams, 'params');
      // The hub validates params against the schema; we only check it is an object.
      const result = await withClient(cfg, (c) => c.call(action, params as never));
      ctx.output().result(result, () => JSON.stringify(result, null, 2));
    });
}

export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${what} is not valid JSON: ${(err as Error).message}`, ExitCode.Usage);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(`${what} must be a JSON object`, ExitCode.Usage);
  }
  return value as Record<string, unknown>;
}

export function formatProfile(p: AgentProfile): string {
  return [
    `agent_id:       ${p.agent_id}`,
    `name:           ${p.name ?? '-'}`,
    `description:    ${p.description ?? '-'}`,
    `capabilities:   ${p.capabilities.length ? p.capabilities.join(', ') : '-'}`,
    `contact policy: ${p.contact_policy}${p.world_requests_only ? ' (world members only)' : ''}`,
    `online:         ${p.online ? 'yes' : 'no'}`,
    `registered:     ${p.created_at}`,
  ].join('\n');
}

/** GET `path` from the first hub of the list that answers (hubs of one list share their data); the last failure if none does. */
async function firstAnswer(urls: string[], path: string, timeoutMs: number): Promise<Response> {
  let failure: unknown = null;
  for (const url of urls) {
    try {
      return await fetch(`${url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      failure = err;
    }
  }
  throw failure;
}
