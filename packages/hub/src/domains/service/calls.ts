import { ErrorCode, serviceCapability, type Delegation, type ParsedParamsOf, type ServiceCallResult } from '@parley/protocol';
import type { Logger } from 'pino';
import { HubError } from '../../core/errors.js';
import { detached, respond } from '../../core/unit.js';
import type { Writer } from '../../store/sql.js';
import type { ServiceInstancesTable } from '../../store/schema.js';
import type { FailureKind } from '../delegate/index.js';
import type { Egress } from './egress.js';
import type { Presence } from './rows.js';
import type { ServiceRegistry } from './registry.js';
import type { InputValidators } from './schemas.js';

/** What a service call needs from the delegate domain (domains/delegate/requests.ts). */
export interface Delegations {
  request(me: string, p: { capability: string; input: unknown; timeout_ms: number }): Promise<Delegation>;
  settled(requestId: string, requester: string, ms: number, signal?: AbortSignal): Promise<Delegation | null>;
  failureOf(d: Delegation): FailureKind | null;
  readonly maxAttempts: number;
  readonly maxPayloadBytes: number;
}

/**
 * Beyond its instances' deadlines, how long a call waits for the delegate
 * domain to settle it: a deadline fires on its hub's timer, or on the lease
 * holder's sweep when that hub died (timerGraceMs later).
 */
const SETTLE_SLACK_MS = 5000;
/**
 * Calls one agent may have waiting on this hub at once. A waiting call is
 * cheap (a timer and a closure) but lasts up to four minutes; without a
 * bound, the rate limit alone would let one agent pile up tens of thousands.
 */
export const MAX_CALLS_IN_FLIGHT = 32;

/**
 * service/call: validate the input against the service's schema, then reach an
 * instance. Instances served by their agents get the call through the
 * delegate domain (one delegated request with capability
 * `service:<name>@<version>`, routed to online holders, failed over once, its
 * deadlines kept by that domain across restarts and hubs), and the call waits
 * for the request's durable result. When no such agent is online, instances
 * with an endpoint the operator allows are called over HTTP (egress.ts), one
 * more on failure.
 *
 * The delegated request is the hub's own work (detached from the call's unit
 * of work): the call records one thing, its answer, once it has it, so a
 * retry with the same u_id gets that answer instead of calling again.
 */
export class ServiceCalls {
  private readonly stopping = new AbortController();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly registry: ServiceRegistry,
    private readonly delegations: Delegations,
    private readonly validators: InputValidators,
    private readonly egress: Egress,
    private readonly presence: Presence,
    private readonly writer: Writer,
    private readonly log: Logger,
  ) {}

  async call(me: string, p: ParsedParamsOf<'service/call'>): Promise<ServiceCallResult> {
    const running = this.inFlight.get(me) ?? 0;
    if (running >= MAX_CALLS_IN_FLIGHT) {
      throw new HubError(ErrorCode.RateLimited, `you have ${running} service calls waiting for answers, the most at once: wait for one to end`);
    }
    this.inFlight.set(me, running + 1);
    try {
      return await this.run(me, p);
    } finally {
      const left = (this.inFlight.get(me) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(me);
      else this.inFlight.set(me, left);
    }
  }

  private async run(me: string, p: ParsedParamsOf<'service/call'>): Promise<ServiceCallResult> {
    const { def, instances } = await this.registry.resolve(p.name, p.version);
    const label = `${def.name}@${def.version}`;
    const text = p.input === undefined ? undefined : JSON.stringify(p.input);
    if (text === undefined) throw new HubError(ErrorCode.InvalidParams, 'input is required: any JSON value the service takes');
    const bytes = Buffer.byteLength(text);
    if (bytes > this.delegations.maxPayloadBytes) {
      throw new HubError(ErrorCode.InvalidParams, `input is ${bytes} bytes as JSON; at most ${this.delegations.maxPayloadBytes} are allowed`);
    }
    this.validators.check(def.params_schema, p.input, label);
    const started = Date.now();
    // Never the caller's own instance: a call is to someone else (as a delegated request is).
    const agents = instances.filter((i) => i.endpoint === null && i.owner_id !== me && this.presence.reachable(i));
    const endpoints = instances.filter((i) => i.endpoint !== null && this.presence.reachable(i));
    let result: Omit<ServiceCallResult, 'duration_ms'> | null = null;
    if (agents.length > 0) result = await this.viaAgent(me, def.name, def.version, p.input, p.timeout_ms);
    if (result === null && endpoints.length > 0) result = await this.viaEndpoint(def.name, def.version, endpoints, p.input, p.timeout_ms);
    if (result === null) {
      const own = instances.some((i) => i.owner_id === me) ? ' (your own instance is not called)' : '';
      throw new HubError(ErrorCode.Unavailable, `no instance of ${label} is online${own}`);
    }
    const answer: ServiceCallResult = { ...result, duration_ms: Date.now() - started };
    // The call's one write: its answer, for a retry with the same u_id.
    return this.writer.run((tx) => respond(tx, answer));
  }

  /** Null when every holder went offline before the request could be handed over. */
  private async viaAgent(me: string, name: string, version: string, input: unknown, timeoutMs: number): Promise<Omit<ServiceCallResult, 'duration_ms'> | null> {
    const label = `${name}@${version}`;
    let started: Delegation;
    try {
      started = await detached(() => this.delegations.request(me, { capability: serviceCapability(name, version), input, timeout_ms: timeoutMs }));
    } catch (err) {
      if (err instanceof HubError && err.code === ErrorCode.Unavailable) return null;
      throw err;
    }
    const wait = timeoutMs * this.delegations.maxAttempts + SETTLE_SLACK_MS;
    const d = (await this.delegations.settled(started.request_id, me, wait, this.stopping.signal)) ?? started;
    const details = { request_id: d.request_id };
    if (d.state === 'done') {
      return { name, version, output: d.output, served_by: d.worker_id!, via: 'agent', request_id: d.request_id, attempts: d.attempts };
    }
    if (d.state === 'pending') {
      if (this.stopping.signal.aborted) throw new HubError(ErrorCode.Unavailable, 'the hub is shutting down; the call goes on and its result arrives as delegate.result', details);
      throw new HubError(ErrorCode.Timeout, `${label} did not answer within ${wait} ms; its result will arrive as delegate.result`, details);
    }
    const kind = this.delegations.failureOf(d);
    if (kind === 'worker') {
      throw new HubError(ErrorCode.Conflict, `${label} answered with an error: ${d.error ?? ''}`, { ...details, served_by: d.worker_id, service_error: d.error });
    }
    if (kind === 'timeout') throw new HubError(ErrorCode.Timeout, `${label} did not answer: ${d.error ?? ''}`, details);
    throw new HubError(ErrorCode.Unavailable, `no instance of ${label} is online: ${d.error ?? ''}`, details);
  }

  /** The first endpoint that answers, of at most maxAttempts tried; its last failure when none does. */
  private async viaEndpoint(
    name: string,
    version: string,
    endpoints: ServiceInstancesTable[],
    input: unknown,
    timeoutMs: number,
  ): Promise<Omit<ServiceCallResult, 'duration_ms'>> {
    // A different first endpoint each time, so one slow host does not take every call's first try.
    const start = Math.floor(Math.random() * endpoints.length);
    const order = [...endpoints.slice(start), ...endpoints.slice(0, start)].slice(0, this.delegations.maxAttempts);
    let last: unknown;
    for (let i = 0; i < order.length; i++) {
      const inst = order[i]!;
      try {
        const output = await this.egress.call(inst.endpoint!, input, timeoutMs);
        return { name, version, output, served_by: inst.owner_id, via: 'endpoint', request_id: null, attempts: i + 1 };
      } catch (err) {
        this.log.info({ err, service: `${name}@${version}`, owner: inst.owner_id }, 'service endpoint call failed');
        last = err;
      }
    }
    throw last;
  }

  /** Hub shutdown: calls waiting for an answer stop waiting (their requests stay with the delegate domain). */
  stop(): void {
    this.stopping.abort();
  }
}
