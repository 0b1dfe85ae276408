import {
  ErrorCode,
  RequestFrame,
  UId,
  actions,
  isActionName,
  type ActionName,
  type ErrorContent,
  type ParsedParamsOf,
  type ResponseFrame,
  type ResultOf,
} from '@parley/protocol';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { Sql } from '../store/sql.js';
import { credentialOf } from './auth.js';
import type { Dedupe, UnitTrail } from './dedupe.js';
import { HubError, zodToContent } from './errors.js';
import type { RateLimiter } from './rate-limit.js';

/** Who is calling; identity comes only from the connection or the bearer token. */
export interface CallContext {
  agentId: string;
  transport: 'ws' | 'http';
}

/** A call made as an agent with a human's key of a binding (an API key or console token). */
export interface KeyCall {
  bindingId: string;
  keyId: string;
  agentId: string;
  /** A real action name, or 'unknown'. */
  action: string;
  uId: string;
}

/**
 * Where calls made with a human's key are recorded (the account domain's
 * binding activity). A call that changed something is recorded in the
 * transaction of its effect and its dedupe record, so the entry exists
 * exactly when the effect does; a read or a refusal after it is answered.
 */
export interface CallRecorder {
  /** Inside the effect's writer job. */
  withEffect(tx: Sql, call: KeyCall, status: 'success'): Promise<void>;
  /** After the answer; must not throw (it writes on its own). */
  afterAnswer(call: KeyCall, status: string): void;
}

export type Handler<A extends ActionName> = (params: ParsedParamsOf<A>, ctx: CallContext) => Promise<ResultOf<A>>;
export type HandlerMap = { [A in ActionName]: Handler<A> };

/** Outcome of a raw inbound value: a response envelope, or an error with no usable u_id. */
export type DispatchOutcome = { kind: 'response'; frame: ResponseFrame } | { kind: 'error'; content: ErrorContent };

export class Dispatcher {
  private readonly inflight = new Set<Promise<unknown>>();
  private closing = false;
  /** Records calls made with humans' keys; null: none are (no account domain). */
  recorder: CallRecorder | null = null;

  constructor(
    private readonly handlers: HandlerMap,
    private readonly dedupe: Dedupe,
    private readonly limiter: RateLimiter,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** Validates a decoded request value (already known not to be a control frame) and runs it. */
  async dispatchValue(ctx: CallContext, value: unknown): Promise<DispatchOutcome> {
    const parsed = RequestFrame.safeParse(value);
    if (!parsed.success) {
      const content = zodToContent(ErrorCode.BadRequest, 'not a request envelope', parsed.error);
      const uId = usableUId(value);
      if (uId === null) return { kind: 'error', content };
      const agentId = (value as { agent_id?: unknown }).agent_id;
      return {
        kind: 'response',
        frame: { agent_id: typeof agentId === 'string' ? agentId : ctx.agentId, u_id: uId, status: 'error', content },
      };
    }
    return { kind: 'response', frame: await this.dispatch(ctx, parsed.data) };
  }

  /** Never rejects: whatever goes wrong, the caller gets a response envelope. */
  dispatch(ctx: CallContext, req: RequestFrame): Promise<ResponseFrame> {
    const p = this.dispatchInner(ctx, req).catch((err: unknown): ResponseFrame => {
      this.log.error({ err, agent_id: ctx.agentId, u_id: req.u_id }, 'dispatch failed');
      return { agent_id: req.agent_id, u_id: req.u_id, status: 'error', content: { error: 'internal error', code: ErrorCode.Internal } };
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }

  private async dispatchInner(ctx: CallContext, req: RequestFrame): Promise<ResponseFrame> {
    const call = this.keyCallOf(ctx, req);
    const fail = (content: ErrorContent): ResponseFrame => {
      if (call) this.recorder!.afterAnswer(call, content.code);
      return { agent_id: req.agent_id, u_id: req.u_id, status: 'error', content };
    };
    if (req.agent_id !== ctx.agentId) {
      this.metrics.requests.inc({ action: label(req.params.action), status: ErrorCode.Forbidden });
      return fail({ error: 'agent_id is not the authenticated agent', code: ErrorCode.Forbidden });
    }
    // WebSocket frames arriving during shutdown are refused; an HTTP request the
    // server already accepted runs (the HTTP server waits for it before the db closes).
    if (this.closing && ctx.transport === 'ws') return fail({ error: 'hub is shutting down', code: ErrorCode.Unavailable });
    const wait = this.limiter.take(ctx.agentId);
    if (wait > 0) {
      this.metrics.requests.inc({ action: label(req.params.action), status: ErrorCode.RateLimited });
      return fail({ error: 'rate limit exceeded', code: ErrorCode.RateLimited, details: { retry_after_ms: wait } });
    }
    return this.dedupe.run(ctx.agentId, req.u_id, () => this.execute(ctx, req), call ? this.trailOf(call) : undefined);
  }

  /** The call as its binding records it, when it was made with a human's key. */
  private keyCallOf(ctx: CallContext, req: RequestFrame): KeyCall | null {
    const credential = credentialOf(ctx);
    if (!this.recorder || credential?.kind !== 'key') return null;
    return { bindingId: credential.bindingId, keyId: credential.keyId, agentId: ctx.agentId, action: label(req.params.action), uId: req.u_id };
  }

  private trailOf(call: KeyCall): UnitTrail {
    const recorder = this.recorder!;
    return {
      withRecord: (tx) => recorder.withEffect(tx, call, 'success'),
      unrecorded: (frame) => recorder.afterAnswer(call, frame.status === 'success' ? 'success' : frame.content.code),
    };
  }

  private async execute(ctx: CallContext, req: RequestFrame): Promise<ResponseFrame> {
    const name = req.params.action;
    const started = process.hrtime.bigint();
    let frame: ResponseFrame;
    try {
      frame = { agent_id: req.agent_id, u_id: req.u_id, status: 'success', content: await this.run(ctx, name, req.params.params) };
    } catch (err) {
      let content: ErrorContent;
      if (err instanceof HubError) content = err.toContent();
      else {
        this.log.error({ err, action: name, agent_id: ctx.agentId, u_id: req.u_id }, 'handler failed');
        content = { error: 'internal error', code: ErrorCode.Internal };
      }
      frame = { agent_id: req.agent_id, u_id: req.u_id, status: 'error', content };
    }
    const action = label(name);
    this.metrics.requests.inc({ action, status: frame.status === 'success' ? 'success' : frame.content.code });
    this.metrics.duration.observe({ action }, Number(process.hrtime.bigint() - started) / 1e9);
    return frame;
  }

  private async run(ctx: CallContext, name: string, rawParams: unknown): Promise<unknown> {
    if (!isActionName(name)) throw new HubError(ErrorCode.UnknownAction, `unknown action "${name}"`);
    const parsed = actions[name].params.safeParse(rawParams ?? {});
    if (!parsed.success) {
      const c = zodToContent(ErrorCode.InvalidParams, `invalid params for ${name}`, parsed.error);
      throw new HubError(c.code, c.error, c.details);
    }
    // The map is keyed by the same registry, so the handler's params type matches the schema.
    const handler = this.handlers[name] as Handler<ActionName> | undefined;
    // Only when the protocol package is newer than this hub build (the type of `handlers` covers every action).
    if (!handler) throw new HubError(ErrorCode.UnknownAction, `this hub does not implement "${name}" yet`);
    return handler(parsed.data as ParsedParamsOf<ActionName>, ctx);
  }

  /** Stop taking new calls and wait (bounded) for the running ones. */
  async drain(timeoutMs: number): Promise<void> {
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inflight]),
      new Promise((r) => (timer = setTimeout(r, timeoutMs))),
    ]);
    clearTimeout(timer);
  }
}

/** Metric label: real action names only, so junk input cannot blow up label cardinality. */
function label(name: string): string {
  return isActionName(name) ? name : 'unknown';
}

export function usableUId(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = UId.safeParse((value as { u_id?: unknown }).u_id);
  return r.success ? r.data : null;
}
