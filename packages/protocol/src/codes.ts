/**
 * Error codes carried in `content.code` of an error response, an error frame,
 * or an HTTP error body. One enum for the whole protocol: clients switch on it.
 */
export const ErrorCode = {
  BadRequest: 'bad_request',
  UnknownAction: 'unknown_action',
  InvalidParams: 'invalid_params',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  Conflict: 'conflict',
  RateLimited: 'rate_limited',
  PayloadTooLarge: 'payload_too_large',
  Timeout: 'timeout',
  Unavailable: 'unavailable',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
export const ERROR_CODES = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];

/**
 * Errors that say nothing final about the request: the hub does not remember
 * them for `u_id` de-duplication, so a retry with the same `u_id` runs again.
 */
export const TRANSIENT_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.Internal,
  ErrorCode.Unavailable,
  ErrorCode.RateLimited,
  ErrorCode.Timeout,
]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** WebSocket close codes used by the hub. */
export const CloseCode = {
  /** Normal closure, e.g. the client called close(). */
  Normal: 1000,
  /** The hub is shutting down; reconnect later. */
  GoingAway: 1001,
  /** A frame exceeded the hub's maximum frame size. */
  MessageTooBig: 1009,
  /** The client did not drain its send queue in time; it should resume. */
  SlowConsumer: 4008,
  /** Authentication failed, came too late, or a frame came before auth; or the session's token was revoked or expired. */
  Unauthorized: 4401,
  /** No frame from the client for more than 2.5 heartbeat intervals. */
  HeartbeatTimeout: 4408,
  /** The agent already has as many sessions open as the hub allows; close one, or retry later. */
  TooManySessions: 4429,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Default limits; a hub may be configured otherwise and says so where it matters. */
export const Defaults = {
  /** Maximum size of one WebSocket frame and of one HTTP body. */
  maxFrameBytes: 1024 * 1024,
  /** Bytes queued on one connection before it is closed with 4008. */
  maxQueuedBytes: 4 * 1024 * 1024,
  /** Heartbeat interval the hub announces in `connected.heartbeat_ms`. */
  heartbeatMs: 25_000,
  /** A connection that has not authenticated by then is closed with 4401. */
  authTimeoutMs: 10_000,
  /** How far a signed `ts` may be from the hub's clock. */
  signatureWindowSeconds: 300,
  /** How long an `(agent_id, u_id)` pair is remembered. */
  dedupeWindowMs: 10 * 60 * 1000,
  /** Lifetime of a bearer token. */
  tokenTtlSeconds: 24 * 60 * 60,
  /** Deepest nesting of objects and arrays accepted in a frame or body (`{}` is one level). */
  maxJsonDepth: 64,
} as const;

export const PROTOCOL_VERSION = 'parley/1';
/** Bumped whenever an action, event or schema is added or changed. */
export const API_REVISION = '2026-12-06.1';
