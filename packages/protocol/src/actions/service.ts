import { z } from 'zod';
import { AgentId, DelegationId, HttpUrl, IsoTimestamp, PageCursor } from '../common.js';
import { defineAction } from '../registry.js';

/**
 * The service registry (Juji's /service): agents register named, versioned
 * services and answer calls to them. A service `name@version` is one
 * definition (description and params schema) with any number of instances,
 * each held by the agent that registered it; a call goes to an online
 * instance. An instance is served either by its agent over its own
 * connection (the call reaches it as a `delegate.request` push whose
 * capability is `service:<name>@<version>`, answered with delegate/respond)
 * or, only where the hub's operator allows the endpoint's host, by the hub
 * POSTing the input to the instance's http(s) `endpoint`.
 */

/** Lowercase letters, digits, dots, dashes and underscores, as Juji's service names. */
export const ServiceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a service name is 1-64 lowercase letters, digits, ".", "-" or "_", starting with a letter or digit');

/** Semantic version 2.0.0 (`1.2.3`, `1.0.0-beta.1`, `1.0.0+build`), at most 64 characters. */
export const SemVer = z
  .string()
  .max(64)
  .regex(
    /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/,
    'a version is a semantic version such as 1.2.3',
  );

/**
 * A JSON Schema (draft 2020-12 / draft-07 keywords) for a call's `input`. The
 * hub bounds it (size and nesting, see docs/protocol.md) and refuses
 * `pattern` and `patternProperties`: a regular expression could stall it.
 */
export const ParamsSchema = z.record(z.string(), z.unknown());

/** The capability of the delegate.request a service call arrives as: `service:<name>@<version>`. */
export function serviceCapability(name: string, version: string): string {
  return `service:${name}@${version}`;
}

/** `{name, version}` of a service call's capability, or null when `capability` is not one. */
export function parseServiceCapability(capability: string): { name: string; version: string } | null {
  const m = /^service:([a-z0-9][a-z0-9._-]{0,63})@(.+)$/.exec(capability);
  if (!m || !SemVer.safeParse(m[2]).success) return null;
  return { name: m[1]!, version: m[2]! };
}

export const Service = z.object({
  name: ServiceName,
  version: SemVer,
  description: z.string(),
  params_schema: ParamsSchema,
  /** Who registered the first instance (the definition stays while any instance does). */
  created_by: AgentId,
  /** Instances registered. */
  instances: z.number().int().nonnegative(),
  /** Of those, the ones a call could reach now (agent online, or an endpoint the hub may call). */
  online: z.number().int().nonnegative(),
  created_at: IsoTimestamp,
  updated_at: IsoTimestamp,
});
export type Service = z.infer<typeof Service>;

export const ServiceInstance = z.object({
  name: ServiceName,
  version: SemVer,
  owner_id: AgentId,
  /** Set when the hub serves this instance by POSTing to an http(s) URL. */
  endpoint: z.string().nullable(),
  online: z.boolean(),
  created_at: IsoTimestamp,
  updated_at: IsoTimestamp,
});
export type ServiceInstance = z.infer<typeof ServiceInstance>;

const Description = z.string().trim().min(1).max(2000);

export const serviceRegister = defineAction({
  name: 'service/register',
  description:
    'Register an instance of `name@version`, held by the caller (registering it again updates it). The first instance defines the ' +
    "service's description and params_schema; a later instance must bring the same params_schema (conflict otherwise: publish a new " +
    'version), and may change the definition only while it is the only instance. `endpoint`: the hub POSTs calls there instead of ' +
    "sending them to the caller, allowed only for hosts the hub's operator lists. Instances per agent and per service are bounded.",
  params: z.strictObject({
    name: ServiceName,
    version: SemVer,
    description: Description,
    params_schema: ParamsSchema.default({}),
    endpoint: HttpUrl.optional(),
  }),
  result: z.object({ service: Service, instance: ServiceInstance }),
});

export const serviceUnregister = defineAction({
  name: 'service/unregister',
  description: "Remove the caller's instance of `name@version` (the service goes with its last instance). `removed` is false when there was none.",
  params: z.strictObject({ name: ServiceName, version: SemVer }),
  result: z.object({ name: ServiceName, version: SemVer, removed: z.boolean() }),
});

export const serviceList = defineAction({
  name: 'service/list',
  description:
    'Services by name, then version, each with its instance and online counts. `name`: that name only; `owner`: services the agent ' +
    'holds an instance of; `q`: words in the name or description.',
  params: z.strictObject({
    name: ServiceName.optional(),
    owner: AgentId.optional(),
    q: z.string().trim().min(1).max(100).optional(),
    limit: z.number().int().min(1).max(50).default(20),
    cursor: PageCursor.optional(),
  }),
  result: z.object({ services: z.array(Service), next_cursor: z.string().nullable() }),
});

export const serviceGet = defineAction({
  name: 'service/get',
  description: 'One service with its instances; without `version`, the highest version (semver order) of that name.',
  params: z.strictObject({ name: ServiceName, version: SemVer.optional() }),
  result: z.object({ service: Service, instances: z.array(ServiceInstance) }),
});

export const ServiceCallResult = z.object({
  name: ServiceName,
  version: SemVer,
  output: z.unknown(),
  /** The agent whose instance answered. */
  served_by: AgentId,
  /** `agent`: over the agent's connection (then `request_id` names the delegated request); `endpoint`: by the hub over HTTP. */
  via: z.enum(['agent', 'endpoint']),
  request_id: DelegationId.nullable(),
  /** Instances tried (2 after a failover). */
  attempts: z.number().int().positive(),
  duration_ms: z.number().int().nonnegative(),
});
export type ServiceCallResult = z.infer<typeof ServiceCallResult>;

export const serviceCall = defineAction({
  name: 'service/call',
  description:
    'Call a service and wait for its answer (synchronous, like Juji\'s POST /service/call). `input` must validate against its ' +
    'params_schema (invalid_params otherwise); it goes to an online instance (never the caller\'s own), the least busy first. ' +
    'Each instance gets `timeout_ms`; one that goes offline or misses it hands the call to one other instance, so a call waits at ' +
    'most twice `timeout_ms`. Errors: not_found (no such service), unavailable (no instance online), timeout, conflict (the ' +
    "service answered with an error: `details.service_error`). Without `version`, the highest version is called.",
  params: z.strictObject({
    name: ServiceName,
    version: SemVer.optional(),
    input: z.unknown(),
    // 10 s: a call that fails over after a timeout (2 x 10 s, and the hub's slack) still fits a client's default 30 s request timeout.
    timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
  }),
  result: ServiceCallResult,
});

export const serviceActions = [serviceRegister, serviceUnregister, serviceList, serviceGet, serviceCall] as const;
