import { AckRequest, ErrorCode, PollQuery, RegisterRequest, RequestFrame, TokenRequest, buildCapabilities, type HttpErrorBody } from '@parley/protocol';
import type { z } from 'zod';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { tokenCredential, type Auth, type AuthedCallContext, type TokenInfo } from '../core/auth.js';
import type { AddressLimits } from '../core/rate-limit.js';
import type { Dispatcher } from '../core/dispatcher.js';
import { HubError, zodToContent } from '../core/errors.js';
import { pollPushes } from '../core/poll.js';
import { registerSkillDownloads, type SkillRegistry } from '../domains/skill/index.js';
import type { Streams } from '../core/streams.js';
import type { Metrics } from '../metrics.js';
import { addressKey, trustFunction, type TrustProxy } from './address.js';
import { registerConsole } from './console.js';
import { jsonTooDeep, tooDeepMessage } from './json.js';
import { writeRawError } from './raw-http.js';

export interface HttpDeps {
  maxFrameBytes: number;
  /** Bodies nesting objects and arrays deeper than this are refused with 400 before they are parsed. */
  maxJsonDepth: number;
  /** Per-address buckets, shared with the WebSocket edge. */
  addressLimits: AddressLimits;
  /** Who may name the client's address in X-Forwarded-For (request.ip). */
  trustProxy: TrustProxy;
  /** Long polls in flight per agent; one more is a 429. */
  maxLongPollsPerAgent: number;
  epoch: string;
  startedAt: number;
  auth: Auth;
  dispatcher: Dispatcher;
  streams: Streams;
  /** The web console's files (transport/console.ts); null: not built; false: not served. */
  consoleDir: string | null | false;
  /** The skill registry, for its public download route. */
  skills: SkillRegistry;
  metrics: Metrics;
  log: Logger;
  onPresence(agentId: string): void;
  /** Aborted when the hub shuts down: long polls answer at once. */
  shutdown: AbortSignal;
  isClosing(): boolean;
}

/** The HTTP status of an error code, on every HTTP edge (Parley's and Juji's): 500 for what has none of its own. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  invalid_params: 400,
  unknown_action: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  timeout: 504,
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/**
 * Every refusal that says how long to wait (`details.retry_after_ms`, a 429
 * or a busy hub's 503) also says it in Retry-After, in whole seconds and at
 * least 1, so that HTTP clients and proxies that know nothing of our body
 * back off too.
 */
export function sendError(reply: FastifyReply, code: ErrorCode, error: string, details?: Record<string, unknown>, status?: number) {
  const body: HttpErrorBody = details ? { error, code, details } : { error, code };
  const wait = details?.retry_after_ms;
  if (typeof wait === 'number' && Number.isFinite(wait) && wait >= 0) reply.header('retry-after', String(Math.max(1, Math.ceil(wait / 1000))));
  return reply.code(status ?? httpStatusOf(code)).send(body);
}

/** 429 with the wait in the body and in Retry-After. */
export function sendRateLimited(reply: FastifyReply, error: string, waitMs: number) {
  return sendError(reply, ErrorCode.RateLimited, error, { retry_after_ms: waitMs });
}

/** What a long poll refused by the per-agent cap is told to wait: about as long as a poll takes to come back when pushes flow. */
const LONG_POLL_RETRY_MS = 1000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A long poll waiting; `end` answers it 401 (its token was revoked or expired). */
interface WaitingPoll {
  tokenHash: string;
  end(reason: string): void;
}

/** Operations endpoints: a load balancer or scraper behind the same address as the clients must not be refused. */
const UNLIMITED_PATHS = new Set(['/healthz', '/metrics']);

/** HTTP edge: registration, the RPC/poll fallback, discovery and operations endpoints. */
export function buildHttp(d: HttpDeps): FastifyInstance {
  const app = Fastify({
    bodyLimit: d.maxFrameBytes,
    logger: false,
    forceCloseConnections: 'idle',
    // request.ip: the TCP peer, or what trusted proxies say in X-Forwarded-For (same rule as WebSocket upgrades).
    trustProxy: trustFunction(d.trustProxy),
    // Requests Node's parser refuses never reach a route; their answers get the same {error, code} body.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      if (err.code === 'HPE_HEADER_OVERFLOW') writeRawError(socket, 431, ErrorCode.PayloadTooLarge, 'request headers are too large');
      else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') writeRawError(socket, 408, ErrorCode.Timeout, 'request not received in time');
      else writeRawError(socket, 400, ErrorCode.BadRequest, 'malformed HTTP request');
    },
    // A path Fastify cannot decode (e.g. '/%zz').
    frameworkErrors: (err, _req, reply) => sendError(reply, ErrorCode.BadRequest, err.message),
  });

  app.addHook('onRequest', async (req, reply) => {
    if (d.isClosing()) return sendError(reply, ErrorCode.Unavailable, 'hub is shutting down');
    if (!UNLIMITED_PATHS.has(req.url.split('?', 1)[0]!)) {
      const wait = d.addressLimits.requests.take(addressKey(req.ip));
      if (wait > 0) return sendRateLimited(reply, 'too many requests from this address', wait);
    }
    d.metrics.httpInFlight.inc();
    reply.raw.once('close', () => d.metrics.httpInFlight.dec());
  });

  // During shutdown, do not keep connections alive: the server waits for them.
  app.addHook('onSend', async (_req, reply) => {
    if (d.isClosing()) reply.header('connection', 'close');
  });

  app.setErrorHandler((err: { statusCode?: number; message?: string }, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) return sendError(reply, ErrorCode.PayloadTooLarge, `body exceeds ${d.maxFrameBytes} bytes`);
    if (status >= 400 && status < 500) return sendError(reply, ErrorCode.BadRequest, err.message ?? 'bad request', undefined, status);
    d.log.error({ err }, 'http handler failed');
    return sendError(reply, ErrorCode.Internal, 'internal error');
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, ErrorCode.NotFound, 'no such endpoint'));

  // Fastify's own JSON parser (it refuses __proto__ and constructor keys), behind the depth check.
  const parseJsonBody = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (jsonTooDeep(body as string, d.maxJsonDepth)) {
      return done(Object.assign(new Error(tooDeepMessage(d.maxJsonDepth)), { statusCode: 400 }), undefined);
    }
    void parseJsonBody(req, body as string, done);
  });

  /** Bearer token -> its agent and expiry, or null with a 401 already sent. */
  const authenticate = async (req: FastifyRequest, reply: FastifyReply, envelopeToken?: unknown): Promise<TokenInfo | null> => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    // Juji-style clients may carry the token in the envelope instead of the header.
    const token = m ? m[1]! : typeof envelopeToken === 'string' && envelopeToken.length > 0 ? envelopeToken : null;
    const info = token ? await d.auth.checkToken(token) : null;
    if (!info) {
      await sendError(reply, ErrorCode.Unauthorized, token ? 'invalid, revoked or expired token' : 'missing bearer token');
      return null;
    }
    // A human's key acts as the agent but is not the agent being seen (last_seen_at is the agent's own).
    if (!info.key) d.onPresence(info.agentId);
    return info;
  };

  // Long polls in flight, by agent: the per-agent cap counts them, and a revoked token ends its own at once.
  const polls = new Map<string, Set<WaitingPoll>>();
  const stopRevocations = d.auth.onRevoked((agentId, hashes) => {
    for (const poll of polls.get(agentId) ?? []) if (hashes.has(poll.tokenHash)) poll.end('token revoked');
  });
  app.addHook('onClose', async () => stopRevocations());

  /** Validates an inbound body or query; on failure the 400 is already sent and null returned. */
  const parseOr400 = <T>(schema: z.ZodType<T>, value: unknown, reply: FastifyReply, what: string): T | null => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const c = zodToContent(ErrorCode.BadRequest, what, r.error);
    void sendError(reply, c.code, c.error, c.details);
    return null;
  };

  const hubErrorReply = (reply: FastifyReply, err: unknown) => {
    if (err instanceof HubError) return sendError(reply, err.code, err.message, err.details);
    throw err;
  };

  app.post('/v1/agents/register', async (req, reply) => {
    // Counted before the signature is checked: a refused attempt costs the hub as much as a good one.
    const wait = d.addressLimits.registrations.take(addressKey(req.ip));
    if (wait > 0) return sendRateLimited(reply, 'too many registrations from this address', wait);
    const body = parseOr400(RegisterRequest, req.body, reply, 'malformed register request');
    if (!body) return reply;
    try {
      return await d.auth.register(body);
    } catch (err) {
      return hubErrorReply(reply, err);
    }
  });

  app.post('/v1/agents/token', async (req, reply) => {
    const wait = d.addressLimits.tokens.take(addressKey(req.ip));
    if (wait > 0) return sendRateLimited(reply, 'too many token requests from this address', wait);
    const body = parseOr400(TokenRequest, req.body, reply, 'malformed token request');
    if (!body) return reply;
    try {
      return await d.auth.token(body);
    } catch (err) {
      return hubErrorReply(reply, err);
    }
  });

  app.post('/v1/rpc', async (req, reply) => {
    const token = await authenticate(req, reply, (req.body as { token?: unknown } | null)?.token);
    if (!token) return reply;
    const env = parseOr400(RequestFrame, req.body, reply, 'body is not a request envelope');
    if (!env) return reply;
    const ctx: AuthedCallContext = { agentId: token.agentId, transport: 'http', credential: tokenCredential(token) };
    return d.dispatcher.dispatch(ctx, env);
  });

  app.get('/v1/poll', async (req, reply) => {
    const token = await authenticate(req, reply);
    if (!token) return reply;
    const { agentId } = token;
    const q = parseOr400(PollQuery, req.query, reply, 'bad poll query');
    if (!q) return reply;
    let mine = polls.get(agentId);
    if ((mine?.size ?? 0) >= d.maxLongPollsPerAgent) {
      return sendRateLimited(reply, `too many long polls for this agent (at most ${d.maxLongPollsPerAgent})`, LONG_POLL_RETRY_MS);
    }
    if (!mine) polls.set(agentId, (mine = new Set()));
    // Ends the wait when the hub shuts down, the client goes away, or the token is revoked or expires.
    const ac = new AbortController();
    const abort = () => ac.abort();
    let ended: string | null = null;
    const poll: WaitingPoll = {
      tokenHash: token.tokenHash,
      end(reason) {
        ended ??= reason;
        ac.abort();
      },
    };
    mine.add(poll);
    const left = token.expiresAt - Date.now();
    const expiry = left <= (q.wait + 1) * 1000 ? setTimeout(() => poll.end('token expired'), Math.min(Math.max(0, left), MAX_TIMER_MS)) : null;
    d.shutdown.addEventListener('abort', abort);
    reply.raw.once('close', abort);
    d.metrics.longPolls.inc();
    try {
      const body = await pollPushes(d.streams, agentId, q, d.epoch, ac.signal);
      if (ended !== null) return await sendError(reply, ErrorCode.Unauthorized, ended);
      return reply.type('application/json; charset=utf-8').send(body);
    } finally {
      d.metrics.longPolls.dec();
      if (expiry) clearTimeout(expiry);
      mine.delete(poll);
      if (mine.size === 0 && polls.get(agentId) === mine) polls.delete(agentId);
      d.shutdown.removeEventListener('abort', abort);
      reply.raw.off('close', abort);
    }
  });

  app.post('/v1/ack', async (req, reply) => {
    const token = await authenticate(req, reply);
    if (!token) return reply;
    const body = parseOr400(AckRequest, req.body, reply, 'malformed ack');
    if (!body) return reply;
    await d.streams.ack(token.agentId, body.cursors);
    return reply.code(204).send();
  });

  // An upgrade request never gets here (the WebSocket edge takes it); a plain GET does.
  app.get('/v1/ws', async (_req, reply) => sendError(reply, ErrorCode.BadRequest, 'this endpoint needs a WebSocket upgrade', undefined, 426));

  app.get('/v1/capabilities', async () => buildCapabilities());

  registerSkillDownloads(app, d.skills);
  registerConsole(app, d.consoleDir);

  app.get('/healthz', async () => ({ status: 'ok', epoch: d.epoch, uptime_s: Math.floor((Date.now() - d.startedAt) / 1000) }));

  app.get('/metrics', async (_req, reply) => {
    const text = await d.metrics.registry.metrics();
    return reply.header('content-type', d.metrics.registry.contentType).send(text);
  });

  return app;
}
