import type { PollResponse, RequestFrame, ResponseFrame } from '@parley/protocol';
import { ParleyError } from '../errors.js';
import type { AgentAuth } from '../auth.js';
import { httpError, type FetchLike } from '../registration.js';
import type { TimerSet } from '../timers.js';
import { httpUrl } from '../url.js';

/**
 * Where the HTTP fallback gets its bearer (auth.ts: a token minted with the
 * agent's key, or the one token credentials give).
 */
export type BearerSource = Pick<AgentAuth, 'bearer' | 'refreshBearer'>;

/** A network-level failure: the hub could not be reached over HTTP. */
export class HttpUnreachableError extends ParleyError {
  constructor(what: string, cause: unknown) {
    super('unavailable', `${what}: hub unreachable over HTTP`, undefined, { cause });
    this.name = 'HttpUnreachableError';
  }
}

export interface HttpSessionOptions {
  url: string;
  fetch: FetchLike;
  tokens: BearerSource;
  timers: TimerSet;
  /** Long-poll wait, seconds. */
  pollWaitSeconds: number;
  cursors: () => Record<string, number>;
  /** Every poll answer, in order; the client dedupes and delivers. */
  onPoll: (res: PollResponse) => void;
  /** The poll loop lost the hub, or the hub refused the credentials (a ParleyError `unauthorized`); the session is over. */
  onFailure: (err: Error) => void;
}

/**
 * The HTTP fallback: calls via POST /v1/rpc, pushes via a long-poll loop on
 * GET /v1/poll, acks via POST /v1/ack. Used when no WebSocket can be opened
 * (e.g. a proxy that refuses upgrades).
 */
export class HttpSession {
  readonly #opts: HttpSessionOptions;
  readonly #abort = new AbortController();
  #stopped = false;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(opts: HttpSessionOptions) {
    this.#opts = opts;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Authenticated request with one retry on 401 (the token may have expired or the hub lost it). */
  async #authed(path: string, init: RequestInit, what: string): Promise<Response> {
    const attempt = async (token: string): Promise<Response> => {
      try {
        return await this.#opts.fetch(httpUrl(this.#opts.url, path), {
          ...init,
          headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` },
        });
      } catch (err) {
        throw new HttpUnreachableError(what, err);
      }
    };
    let res = await attempt(await this.#tokenOrUnreachable(false));
    if (res.status === 401) {
      await res.body?.cancel().catch(() => undefined);
      res = await attempt(await this.#tokenOrUnreachable(true));
    }
    return res;
  }

  async #tokenOrUnreachable(refresh: boolean): Promise<string> {
    try {
      return await (refresh ? this.#opts.tokens.refreshBearer() : this.#opts.tokens.bearer());
    } catch (err) {
      if (err instanceof ParleyError && err.code === 'unavailable') throw new HttpUnreachableError('token request', err);
      throw err;
    }
  }

  /** One poll; `wait` 0 answers at once (used to establish the session and learn the epoch). */
  async poll(waitSeconds: number): Promise<PollResponse> {
    const q = new URLSearchParams({ cursors: JSON.stringify(this.#opts.cursors()), wait: String(waitSeconds) });
    // Bound the request: a long poll that outlives its wait by this much is on a dead connection.
    const timeout = new AbortController();
    const onStop = (): void => timeout.abort();
    this.#abort.signal.addEventListener('abort', onStop, { once: true });
    const timer = this.#opts.timers.setTimeout(() => timeout.abort(), waitSeconds * 1000 + 15_000);
    try {
      const res = await this.#authed(`/v1/poll?${q.toString()}`, { method: 'GET', signal: timeout.signal }, 'poll');
      if (!res.ok) throw await httpError(res, 'poll');
      return (await res.json()) as PollResponse;
    } catch (err) {
      if (err instanceof ParleyError) throw err;
      throw new HttpUnreachableError('poll', err);
    } finally {
      this.#opts.timers.clear(timer);
      this.#abort.signal.removeEventListener('abort', onStop);
    }
  }

  /** Runs until stop() or a failure (reported through onFailure). */
  startPolling(): void {
    const loop = async (): Promise<void> => {
      while (!this.#stopped) {
        let res: PollResponse;
        try {
          res = await this.poll(this.#opts.pollWaitSeconds);
        } catch (err) {
          if (this.#stopped) return;
          // Unreachable, or the credentials refused even after a fresh token: this session is over (the client reconnects with backoff, asking for a token again).
          if (err instanceof HttpUnreachableError || (err instanceof ParleyError && err.code === 'unauthorized')) {
            this.stop();
            this.#opts.onFailure(err);
            return;
          }
          // The hub answered with an error (e.g. rate_limited): wait a little and poll again rather than hammer it.
          await new Promise<void>((resolve) => {
            this.#retryTimer = this.#opts.timers.setTimeout(resolve, 1000);
          });
          continue;
        }
        if (this.#stopped) return;
        this.#opts.onPoll(res);
      }
    };
    void loop();
  }

  /** Sends one call; resolves with the response envelope. Throws HttpUnreachableError when the hub cannot be reached. */
  async rpc(frame: RequestFrame): Promise<ResponseFrame> {
    const res = await this.#authed(
      '/v1/rpc',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(frame) },
      'rpc',
    );
    if (res.status !== 200) throw await httpError(res, 'rpc');
    return (await res.json()) as ResponseFrame;
  }

  async ack(cursors: Record<string, number>): Promise<void> {
    const res = await this.#authed(
      '/v1/ack',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cursors }) },
      'ack',
    );
    await res.body?.cancel().catch(() => undefined);
    if (!res.ok && res.status !== 204) throw new ParleyError('bad_request', `ack failed with HTTP ${res.status}`);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#opts.timers.clear(this.#retryTimer);
    this.#retryTimer = null;
    this.#abort.abort();
  }
}
