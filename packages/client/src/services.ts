// `client.services.serve(name, version, handler)`: a service instance in a few lines.
//
// Why this lives in the client: serving a service is more than one call. The
// agent registers its instance (again after every reconnect, which is an
// update, so a hub that lost nothing changes nothing), then answers the
// `delegate.request` pushes whose capability names this service
// (`service:<name>@<version>`) with delegate/respond, once each: replayed
// pushes after a reconnect must not run the handler twice, a request whose
// deadline passed is not worth running, and a handler that throws must still
// answer (with the error) so the caller is not left waiting for a timeout.
// The shape follows the task worker (worker.ts).
//
// This file must stay free of Node built-ins: it is part of the browser entry.
import { serviceCapability, type EventDataOf, type ServiceInstance } from '@parley/protocol';
import type { ParleyClient } from './client.js';
import type { DomainHelper } from './domains.js';
import { asError, isClosed, ParleyError } from './errors.js';

/** The second argument of a service handler. */
export interface ServiceCallContext {
  /** The delegated request the call arrived as. */
  readonly requestId: string;
  /** Who called. */
  readonly callerId: string;
  /** When the hub stops waiting for this instance (it then tries another, or fails the call). */
  readonly deadline: Date;
  /** Aborted at the deadline: the hub has handed the call on (or failed it), and the answer is dropped. stop() lets a running call finish. */
  readonly signal: AbortSignal;
  readonly client: ParleyClient;
}

/** Answers one call: any JSON value (undefined is sent as null). Throwing answers the call with the error's message. */
export type ServiceHandler = (input: unknown, ctx: ServiceCallContext) => unknown;

export interface ServeOptions {
  /** What the service does (service/register `description`). */
  description: string;
  /** JSON Schema of the input; the hub refuses calls whose input does not match. Default `{}` (anything). */
  paramsSchema?: Record<string, unknown>;
  /** Calls handled at once (default 8); one more is answered at once with a "busy" error rather than left to time out. */
  concurrency?: number;
  /** Aborting it stops serving, like `stop()`. */
  signal?: AbortSignal;
  /** Failures with nowhere else to go (a registration or an answer the hub refused). Default: the client's `error` event. */
  onError?: (err: Error, requestId: string | null) => void;
}

/** The handle `serve()` returns. */
export interface ServedService {
  readonly name: string;
  readonly version: string;
  /** Resolves with the instance once registered (rejects if the hub refuses the registration). */
  readonly registered: Promise<ServiceInstance>;
  /** Calls running now, by request id. */
  readonly active: readonly string[];
  /**
   * Stop answering and wait for running handlers to answer. With
   * `unregister`, also remove the instance from the registry (otherwise it
   * stays, offline while the agent is). Idempotent.
   */
  stop(options?: { unregister?: boolean }): Promise<void>;
}

export type Serve = (name: string, version: string, handler: ServiceHandler, options: ServeOptions) => ServedService;

/** `client.services`: one method per `service/...` action, plus `serve`. */
export type ServiceHelper = DomainHelper<'service'> & {
  /**
   * Register an instance of `name@version` and answer its calls:
   * `client.services.serve('text.reverse', '1.0.0', (input) => ..., { description: 'Reverses text' })`.
   */
  readonly serve: Serve;
};

/** Request ids remembered as answered (replays after a reconnect are skipped); oldest out first. */
const MAX_SEEN = 1000;
/** delegate/respond's bound on an error message. */
const MAX_ERROR = 2000;

export function startService(client: ParleyClient, name: string, version: string, handler: ServiceHandler, options: ServeOptions): ServedService {
  if (typeof handler !== 'function') throw new TypeError('services.serve needs a handler function');
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  return new Server(client, name, version, handler, options, concurrency);
}

class Server implements ServedService {
  readonly registered: Promise<ServiceInstance>;
  readonly #client: ParleyClient;
  readonly #handler: ServiceHandler;
  readonly #options: ServeOptions;
  readonly #concurrency: number;
  readonly #capability: string;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  readonly #seen = new Set<string>();
  #stopped: Promise<void> | null = null;

  constructor(
    client: ParleyClient,
    readonly name: string,
    readonly version: string,
    handler: ServiceHandler,
    options: ServeOptions,
    concurrency: number,
  ) {
    this.#client = client;
    this.#handler = handler;
    this.#options = options;
    this.#concurrency = concurrency;
    this.#capability = serviceCapability(name, version);
    let settle!: { resolve: (i: ServiceInstance) => void; reject: (e: Error) => void };
    this.registered = new Promise<ServiceInstance>((resolve, reject) => (settle = { resolve, reject }));
    // Nobody may be awaiting it: a refusal still goes to onError, not to an unhandled rejection.
    this.registered.catch(() => undefined);
    let first = true;
    this.#register = () => {
      this.#client
        .call('service/register', { name, version, description: options.description, params_schema: options.paramsSchema ?? {} })
        .then(
          (r) => {
            if (first) settle.resolve(r.instance);
            first = false;
          },
          (err: unknown) => {
            // Offline: the next 'connected' registers again.
            if (isClosed(err)) return;
            if (first) settle.reject(asError(err));
            first = false;
            this.#report(asError(err), null);
          },
        );
    };
    client.on('connected', this.#register);
    client.on('delegate.request', this.#onRequest);
    if (client.state === 'connected') this.#register();
    options.signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  readonly #register: () => void;

  get active(): readonly string[] {
    return [...this.#running.keys()];
  }

  stop(options: { unregister?: boolean } = {}): Promise<void> {
    this.#stopped ??= (async () => {
      this.#client.off('connected', this.#register);
      this.#client.off('delegate.request', this.#onRequest);
      await Promise.all([...this.#running.values()].map((r) => r.done));
      if (options.unregister) {
        await this.#client.call('service/unregister', { name: this.name, version: this.version }).catch((err: unknown) => this.#report(asError(err), null));
      }
    })();
    return this.#stopped;
  }

  readonly #onRequest = (data: EventDataOf<'delegate.request'>): void => {
    if (data.capability !== this.#capability || this.#stopped) return;
    if (this.#seen.has(data.request_id)) return;
    this.#seen.add(data.request_id);
    if (this.#seen.size > MAX_SEEN) this.#seen.delete(this.#seen.values().next().value!);
    const deadline = new Date(data.deadline);
    // A replayed request whose time is up was already failed over or failed by the hub.
    if (deadline.getTime() <= Date.now()) return;
    if (this.#running.size >= this.#concurrency) {
      this.#answer(data.request_id, { error: `busy: ${this.#running.size} calls of ${this.name}@${this.version} are running` });
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), deadline.getTime() - Date.now());
    const ctx: ServiceCallContext = { requestId: data.request_id, callerId: data.requester_id, deadline, signal: controller.signal, client: this.#client };
    const done = (async () => {
      let answer: { output: unknown } | { error: string };
      try {
        const output: unknown = await this.#handler(data.input, ctx);
        answer = { output: output === undefined ? null : output };
      } catch (err) {
        answer = { error: (asError(err).message || 'the service failed').slice(0, MAX_ERROR) };
      } finally {
        clearTimeout(timer);
      }
      if (!controller.signal.aborted) await this.#answer(data.request_id, answer);
    })().finally(() => this.#running.delete(data.request_id));
    this.#running.set(data.request_id, { controller, done });
  };

  async #answer(requestId: string, answer: { output: unknown } | { error: string }): Promise<void> {
    try {
      await this.#client.call('delegate/respond', { request_id: requestId, ...answer });
    } catch (err) {
      // Answered already or handed to another instance (the deadline passed on the hub's clock): nothing to do.
      if (err instanceof ParleyError && (err.code === 'conflict' || err.code === 'forbidden')) return;
      this.#report(asError(err), requestId);
    }
  }

  #report(err: Error, requestId: string | null): void {
    if (this.#options.onError) this.#options.onError(err, requestId);
    else this.#client.emit('error', err);
  }
}
