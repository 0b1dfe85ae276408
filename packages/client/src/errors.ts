import type { ErrorCode } from '@parley/protocol';

/** Codes the client itself produces, next to the wire `ErrorCode`s from the hub. */
export type ClientErrorCode = 'timeout' | 'aborted' | 'connection_closed' | 'queue_full';

/**
 * Every error the client rejects with. `code` is the wire `ErrorCode` when the
 * hub answered with an error, or a `ClientErrorCode` when the client gave up.
 */
export class ParleyError extends Error {
  readonly code: ErrorCode | ClientErrorCode | (string & Record<never, never>);
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ParleyError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

/** The call did not get a response within its timeout (queue time included). */
export class TimeoutError extends ParleyError {
  constructor(message = 'request timed out') {
    super('timeout', message);
    this.name = 'TimeoutError';
  }
}

/** The caller's AbortSignal fired before the response arrived. */
export class AbortError extends ParleyError {
  constructor(message = 'request aborted', cause?: unknown) {
    super('aborted', message, undefined, cause === undefined ? undefined : { cause });
    this.name = 'AbortError';
  }
}

/** The client was closed (or never connected and gave up) while the call was pending. */
export class ConnectionClosedError extends ParleyError {
  constructor(message = 'connection closed') {
    super('connection_closed', message);
    this.name = 'ConnectionClosedError';
  }
}

/** The bounded offline queue was full when a call was made while not connected. */
export class OfflineQueueFullError extends ParleyError {
  constructor(size: number) {
    super('queue_full', `offline queue is full (${size} calls waiting)`);
    this.name = 'OfflineQueueFullError';
  }
}

// ---- for the client's own runners (task worker, conversation runner) ----------------

/** Hub answers that mean "not yours (any more)": someone else won, it moved on, or it is gone. */
const REFUSED = new Set(['conflict', 'forbidden', 'not_found']);

export const isRefusal = (err: unknown): boolean => err instanceof ParleyError && REFUSED.has(err.code);
/** The client was closed under a runner: nothing more can happen, and it is not news. */
export const isClosed = (err: unknown): boolean => err instanceof ParleyError && err.code === 'connection_closed';
export const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
