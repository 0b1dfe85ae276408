import type { RequestFrame, ResponseFrame } from '@parley/protocol';
import { AbortError, ConnectionClosedError, OfflineQueueFullError, ParleyError, TimeoutError } from './errors.js';
import type { TimerSet } from './timers.js';

/**
 * Sends one request envelope on the current transport. Returns false when it
 * could not be handed over (socket closing): the call then stays queued.
 */
export type RequestSender = (frame: RequestFrame) => boolean;

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Used as the request's u_id instead of a fresh one. The hub answers a repeated
   * u_id with the first response for 10 minutes (across reconnects and hub
   * restarts), so a key derived from the work (e.g. `reply:<message_id>`) makes
   * a call safe to repeat after a crash. 1-128 characters.
   */
  idempotencyKey?: string;
}

interface Pending {
  readonly frame: RequestFrame;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  /** True once handed to the current transport; reset when it drops. */
  sent: boolean;
  timer: ReturnType<typeof setTimeout> | null;
  signal: AbortSignal | null;
  onAbort: (() => void) | null;
}

export interface RequestManagerOptions {
  agentId: string;
  timers: TimerSet;
  defaultTimeoutMs: number;
  /** Most calls that may wait unsent while no transport is up. */
  maxQueued: number;
  /** Called with every successful response before the caller sees it (cursor bookkeeping for topic/join). */
  onSuccess?: (action: string, params: unknown, result: unknown) => void;
}

let counter = 0;

/** Random, unique-per-process correlation id (the hub dedupes on it for 10 minutes). */
export function newUId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  const rnd = new Uint8Array(12);
  globalThis.crypto.getRandomValues(rnd);
  let hex = '';
  for (const b of rnd) hex += b.toString(16).padStart(2, '0');
  return `${Date.now().toString(36)}-${counter.toString(36)}-${hex}`;
}

/**
 * The one owner of request correlation: u_id generation, the pending map,
 * per-call timeouts, AbortSignal listeners and the offline queue. Every way a
 * call can end goes through `#settle`, so nothing is left behind.
 */
export class RequestManager {
  readonly #opts: RequestManagerOptions;
  /** Insertion order = call order, which is the order queued calls are (re)sent in. */
  readonly #pending = new Map<string, Pending>();
  #sender: RequestSender | null = null;
  #abortListeners = 0;

  constructor(opts: RequestManagerOptions) {
    this.#opts = opts;
  }

  /** Calls not yet settled (queued or in flight). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Calls waiting for a transport (never sent, or sent on a transport that dropped). */
  get queuedCount(): number {
    let n = 0;
    for (const p of this.#pending.values()) if (!p.sent) n++;
    return n;
  }

  /** AbortSignal listeners currently registered by this manager. */
  get abortListenerCount(): number {
    return this.#abortListeners;
  }

  call(action: string, params: unknown, opts: CallOptions = {}): Promise<unknown> {
    const signal = opts.signal ?? null;
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, signal.reason));
    if (!this.#sender && this.queuedCount >= this.#opts.maxQueued) {
      return Promise.reject(new OfflineQueueFullError(this.#opts.maxQueued));
    }
    const key = opts.idempotencyKey;
    if (key !== undefined) {
      if (key.length < 1 || key.length > 128) return Promise.reject(new TypeError('idempotencyKey must be 1-128 characters'));
      // One pending call per u_id: a second one would take over the first one's response.
      if (this.#pending.has(key)) return Promise.reject(new ParleyError('conflict', `a call with idempotency key "${key}" is already in flight`));
    }
    const frame: RequestFrame = { agent_id: this.#opts.agentId, u_id: key ?? newUId(), params: { action, params } };
    return new Promise<unknown>((resolve, reject) => {
      const p: Pending = { frame, resolve, reject, sent: false, timer: null, signal, onAbort: null };
      this.#pending.set(frame.u_id, p);
      const timeoutMs = opts.timeoutMs ?? this.#opts.defaultTimeoutMs;
      // The timeout covers time spent in the offline queue too: a caller wants an answer within it, wherever the call waits.
      p.timer = this.#opts.timers.setTimeout(() => {
        p.timer = null;
        this.#settle(frame.u_id, new TimeoutError(`${action} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      if (signal) {
        p.onAbort = () => this.#settle(frame.u_id, new AbortError(`${action} aborted`, signal.reason));
        signal.addEventListener('abort', p.onAbort, { once: true });
        this.#abortListeners++;
      }
      if (this.#sender) this.#send(p);
    });
  }

  /** Route a response envelope to its call. Returns false for an unknown u_id (late, or already settled). */
  handleResponse(frame: ResponseFrame): boolean {
    const p = this.#pending.get(frame.u_id);
    if (!p) return false;
    if (frame.status === 'success') {
      try {
        this.#opts.onSuccess?.(p.frame.params.action, p.frame.params.params, frame.content);
      } catch {
        // bookkeeping must never keep a caller from its result
      }
      this.#settle(frame.u_id, null, frame.content);
    } else {
      const c = frame.content;
      this.#settle(frame.u_id, new ParleyError(c.code, c.error, c.details));
    }
    return true;
  }

  /** Reject one call (e.g. an HTTP error that is not a response envelope). */
  fail(uId: string, err: Error): void {
    this.#settle(uId, err);
  }

  /** Put one call back in the queue, to be re-sent with the same u_id when a transport is up. */
  requeue(uId: string): void {
    const p = this.#pending.get(uId);
    if (p) p.sent = false;
  }

  /**
   * Switch transport. With a sender, every unsent call goes out now, in call
   * order, with its original u_id (the hub dedupes, so a call that did run
   * before the drop is answered from its first response). With null, calls in
   * flight are marked unsent: their responses may never come.
   */
  setSender(sender: RequestSender | null): void {
    this.#sender = sender;
    if (!sender) {
      for (const p of this.#pending.values()) p.sent = false;
      return;
    }
    for (const p of [...this.#pending.values()]) {
      if (this.#sender !== sender) break; // the sender failed and was replaced mid-flush
      if (!p.sent) this.#send(p);
    }
  }

  rejectAll(err: () => Error = () => new ConnectionClosedError()): void {
    for (const uId of [...this.#pending.keys()]) this.#settle(uId, err());
  }

  #send(p: Pending): void {
    const sender = this.#sender;
    if (!sender) return;
    p.sent = true;
    let ok = false;
    try {
      ok = sender(p.frame);
    } catch {
      ok = false;
    }
    if (!ok && this.#pending.get(p.frame.u_id) === p) p.sent = false;
  }

  /** The single exit of a call: clear its timer, drop its abort listener, forget it, settle it. */
  #settle(uId: string, err: Error | null, value?: unknown): void {
    const p = this.#pending.get(uId);
    if (!p) return;
    this.#pending.delete(uId);
    this.#opts.timers.clear(p.timer);
    p.timer = null;
    if (p.signal && p.onAbort) {
      p.signal.removeEventListener('abort', p.onAbort);
      this.#abortListeners--;
    }
    p.onAbort = null;
    if (err) p.reject(err);
    else p.resolve(value);
  }
}
