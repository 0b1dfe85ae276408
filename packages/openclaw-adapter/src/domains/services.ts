import type { Service, ServiceCallResult, ServiceInstance } from '@parley/protocol';
import { CURSOR_FLAG, LIMIT_FLAG, UsageError, type ParsedArgs } from '../commands/spec.js';
import { op, type ParleyDomain } from '../domain.js';
import { indentBody, plural, preview } from '../format.js';
import { payloadText } from './delegate.js';

/** service/call's bound on timeout_ms, in seconds. */
const MAX_TIMEOUT_S = 120;
/**
 * A call may take two instances' timeouts (one failover): 10 s each keeps
 * that inside the connection's default request timeout (30 s).
 */
const DEFAULT_TIMEOUT_S = 10;

function label(s: Pick<Service, 'name' | 'version'>): string {
  return `${s.name}@${s.version}`;
}

function listText(services: readonly Service[], next: string | null, more: string): string {
  if (services.length === 0) return 'No services.';
  const lines = services.map((s) => `- ${label(s)} (${s.online} of ${plural(s.instances, 'instance')} online): ${preview(s.description, 100)}`);
  return lines.join('\n') + (next ? `\n${more.replace('{cursor}', next)}` : '');
}

function serviceText(s: Service, instances: readonly ServiceInstance[]): string {
  const lines = [
    `Service ${label(s)}: ${s.description}`,
    `Defined by ${s.created_by}; ${s.online} of ${plural(s.instances, 'instance')} online.`,
    `Input schema: ${preview(JSON.stringify(s.params_schema), 1500)}`,
    ...instances.map((i) => `- ${i.owner_id}: ${i.online ? 'online' : 'offline'}, served by ${i.endpoint ?? 'its agent'}`),
  ];
  return lines.join('\n');
}

function callText(r: ServiceCallResult): string {
  const attempts = r.attempts > 1 ? ` after ${r.attempts} tries` : '';
  return `${label(r)} answered (by ${r.served_by}${attempts}, ${r.duration_ms} ms):\n  ${indentBody(payloadText(r.output, 4000), '  ')}`;
}

/** `text.reverse` or `text.reverse@1.0.0`. */
function refOf(a: ParsedArgs): { name: string; version?: string } {
  const text = a.str('service');
  const at = text.lastIndexOf('@');
  if (at === 0) throw new UsageError(`not a service: "${text}" (a name like text.reverse, or text.reverse@1.0.0)`);
  return at > 0 ? { name: text.slice(0, at), version: text.slice(at + 1) } : { name: text };
}


/** The hub's service registry: find services, read one, call one and get its answer. */
export const servicesDomain: ParleyDomain = {
  id: 'services',
  tools: [
    {
      name: 'parley_services',
      label: 'Parley services',
      description:
        "The Parley hub's service registry: named, versioned services that agents serve. list (q searches names and descriptions; " +
        'each with how many instances are online), get one with its input schema (the highest version unless `version` is given), and ' +
        'call one: `input` must match its schema; the answer comes back in the same call (an instance has timeout_ms to answer, then ' +
        'one other instance is tried). register makes this agent serve a service (its calls arrive as delegated requests with ' +
        'capability service:<name>@<version>, answered like any other; only when the user asks), unregister stops that.',
      ops: {
        list: op('service/list', 'services by name and version, with online counts', (r) => listText(r.services, r.next_cursor, '(more: call again with cursor {cursor})')),
        get: op('service/get', 'one service with its input schema and instances', (r) => serviceText(r.service, r.instances)),
        call: op('service/call', 'call a service with `input` and get its output', (r) => callText(r)),
        register: op('service/register', 'serve name@version from this agent (description, params_schema)', (r) =>
          `This agent now serves ${label(r.service)} (${r.service.online} of ${plural(r.service.instances, 'instance')} online). Its calls arrive as delegated requests (capability service:${label(r.service)}).`,
        ),
        unregister: op('service/unregister', "stop serving name@version", (r) =>
          r.removed ? `This agent no longer serves ${r.name}@${r.version}.` : `This agent did not serve ${r.name}@${r.version}.`,
        ),
      },
      fieldHints: {
        name: 'A service name such as text.reverse',
        version: 'A semantic version such as 1.0.0 (default: the highest)',
        input: "What the service gets: JSON matching its input schema (op get shows it)",
        timeout_ms: 'How long one instance has to answer (ms)',
        owner: 'Only services this agent (agt_...) serves',
        q: 'Words in the name or description',
        description: 'What the service does',
        params_schema: 'A JSON Schema (object) the input of a call must match',
        endpoint: "An http(s) URL the hub calls instead (only hosts the hub's operator allows)",
      },
    },
  ],
  commands: [
    {
      name: 'service',
      aliases: ['services'],
      summary: 'the service registry: find, read and call services other agents serve',
      subcommands: [
        {
          name: 'list',
          aliases: ['ls', 'search'],
          summary: 'services (words search names and descriptions)',
          args: [{ name: 'query', kind: 'text', optional: true }],
          flags: [LIMIT_FLAG(50), CURSOR_FLAG],
          examples: ['service list', 'service list reverse text'],
          run: async (ctx, a) => {
            const q = a.optStr('query');
            const cursor = a.optStr('cursor');
            const r = await ctx.caller.call('service/list', { limit: a.optInt('limit') ?? 20, ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) });
            return listText(r.services, r.next_cursor, `(more: "${ctx.prefix} service list${q ? ` ${q}` : ''} --cursor {cursor}")`);
          },
        },
        {
          name: 'get',
          summary: 'a service with its input schema and instances',
          args: [{ name: 'service', kind: 'word' }],
          examples: ['service get text.reverse', 'service get text.reverse@1.0.0'],
          run: async (ctx, a) => {
            const r = await ctx.caller.call('service/get', refOf(a));
            return serviceText(r.service, r.instances);
          },
        },
        {
          name: 'call',
          summary: 'call a service with a JSON input and show its answer',
          args: [
            { name: 'service', kind: 'word' },
            { name: 'input', kind: 'json' },
          ],
          flags: [{ name: 'timeout', help: 'how long one instance has (default 10s, at most 2m)', value: { kind: 'duration' } }],
          examples: ['service call text.reverse {"text": "hello"}', 'service call text.reverse@1.0.0 {"text": "hello"} --timeout 30s'],
          run: async (ctx, a) => {
            const seconds = a.optInt('timeout') ?? DEFAULT_TIMEOUT_S;
            if (seconds > MAX_TIMEOUT_S) throw new UsageError(`--timeout is at most 2m, got ${seconds} s`);
            const r = await ctx.caller.call('service/call', { ...refOf(a), input: a.json('input'), timeout_ms: seconds * 1000 });
            return callText(r);
          },
        },
      ],
    },
  ],
};
