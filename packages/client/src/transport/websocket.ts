import { CloseCode, parseServerFrame, type AuthFrame, type ConnectedFrame, type ServerFrame } from '@parley/protocol';
import type { AuthAnswer } from '../auth.js';
import type { TimerSet } from '../timers.js';
import type { WebSocketConstructorLike, WebSocketLike } from '../types.js';

const OPEN = 1;
const CONNECTING = 0;

export interface WsCloseInfo {
  code: number;
  reason: string;
  /** The socket opened (the upgrade worked). False means "could not reach a WebSocket endpoint". */
  opened: boolean;
  /** `connected` was received. */
  authenticated: boolean;
}

export interface WsHandlers {
  onOpen(): void;
  /** Called synchronously, before any frame that follows `connected` is dispatched. */
  onConnected(frame: ConnectedFrame): void;
  /** Every frame after `connected`. */
  onFrame(frame: ServerFrame): void;
  /** Called once when the connection ends for any reason other than our own close(). */
  onClose(info: WsCloseInfo): void;
}

export interface WsConnectionOptions {
  WebSocket: WebSocketConstructorLike;
  url: string;
  /** The answer to the hub's challenge (auth.ts: signed with the key, or the token). */
  authenticate: (nonce: string) => Promise<AuthAnswer>;
  /** Cursors to resume from, read when the challenge arrives (so the freshest ones are sent). */
  resume: () => Record<string, number> | undefined;
  timers: TimerSet;
  /** Give up if `connected` has not arrived this long after the socket was created. */
  handshakeTimeoutMs: number;
}

/** Client-side code for "we gave up on this socket": no pong, or no handshake in time. */
export const CLIENT_HEARTBEAT_TIMEOUT = CloseCode.HeartbeatTimeout;
const noop = (): void => {};

function decode(data: unknown): string | null {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data as Uint8Array);
  return null;
}

/**
 * One WebSocket session: challenge -> auth -> connected, then frames and
 * heartbeat. Written against the browser WebSocket interface so the native
 * WebSocket and `ws` both fit. Handlers run synchronously from socket events,
 * so replayed pushes can never overtake the `connected` frame.
 */
export class WebSocketConnection {
  readonly #opts: WsConnectionOptions;
  readonly #handlers: WsHandlers;
  readonly #socket: WebSocketLike;
  #opened = false;
  #authenticated = false;
  #done = false;
  #handshakeTimer: ReturnType<typeof setTimeout> | null = null;
  #heartbeatTimer: ReturnType<typeof setTimeout> | null = null;
  #heardSincePing = true;

  constructor(opts: WsConnectionOptions, handlers: WsHandlers) {
    this.#opts = opts;
    this.#handlers = handlers;
    this.#socket = new opts.WebSocket(opts.url);
    this.#socket.onopen = () => {
      this.#opened = true;
      this.#handlers.onOpen();
    };
    this.#socket.onmessage = (ev) => this.#onMessage(ev.data);
    this.#socket.onclose = (ev) => this.#finish(ev.code, ev.reason || '');
    // The browser gives no detail here and `onclose` always follows; the handler must exist because `ws` throws on an unhandled 'error'.
    this.#socket.onerror = noop;
    this.#handshakeTimer = opts.timers.setTimeout(() => {
      this.#handshakeTimer = null;
      this.#abort(CLIENT_HEARTBEAT_TIMEOUT, 'handshake timed out');
    }, opts.handshakeTimeoutMs);
  }

  get authenticated(): boolean {
    return this.#authenticated;
  }

  /** Sends a JSON frame; false when the socket is not open. */
  send(frame: object): boolean {
    if (this.#done || this.#socket.readyState !== OPEN) return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Ping every `intervalMs`; when a whole interval passes with no frame at all
   * from the hub (pong or anything else), the connection is dead: give up on it.
   */
  startHeartbeat(intervalMs: number): void {
    const tick = (): void => {
      this.#heartbeatTimer = null;
      if (this.#done) return;
      if (!this.#heardSincePing) {
        this.#abort(CLIENT_HEARTBEAT_TIMEOUT, 'no pong from hub');
        return;
      }
      this.#heardSincePing = false;
      this.send({ type: 'ping' });
      this.#heartbeatTimer = this.#opts.timers.setTimeout(tick, intervalMs);
    };
    this.#heartbeatTimer = this.#opts.timers.setTimeout(tick, intervalMs);
  }

  /**
   * Our own close: no onClose callback. Resolves once the socket is closed,
   * or after a short grace period in which case the TCP connection is cut.
   */
  close(code = 1000, reason = 'client closed'): Promise<void> {
    const wasDone = this.#done;
    this.#done = true;
    this.#clearTimers();
    const socket = this.#socket;
    if (wasDone && socket.readyState === 3) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let grace: ReturnType<typeof setTimeout> | null = null;
      const finish = (): void => {
        this.#opts.timers.clear(grace);
        socket.onclose = noop;
        resolve();
      };
      socket.onopen = noop;
      socket.onmessage = noop;
      socket.onclose = finish;
      if (socket.readyState === 3) return finish();
      grace = this.#opts.timers.setTimeout(() => {
        socket.terminate?.();
        finish();
      }, 1000);
      try {
        if (socket.readyState === CONNECTING && socket.terminate) socket.terminate();
        else socket.close(code, reason);
      } catch {
        finish();
      }
    });
  }

  #onMessage(data: unknown): void {
    if (this.#done) return;
    this.#heardSincePing = true;
    const text = decode(data);
    if (text === null) return;
    if (text === 'pong') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    const frame = parseServerFrame(value);
    if (!frame) return;
    if (!this.#authenticated) {
      if ('type' in frame && frame.type === 'challenge') {
        void this.#answerChallenge(frame.nonce);
      } else if ('type' in frame && frame.type === 'connected') {
        this.#authenticated = true;
        this.#opts.timers.clear(this.#handshakeTimer);
        this.#handshakeTimer = null;
        this.#handlers.onConnected(frame);
      }
      return;
    }
    this.#handlers.onFrame(frame);
  }

  async #answerChallenge(nonce: string): Promise<void> {
    let answer: AuthAnswer;
    try {
      answer = await this.#opts.authenticate(nonce);
    } catch (err) {
      // Nothing to answer with (token credentials whose token() failed): this attempt is over, as if the hub had refused it.
      this.#abort(4401, `no credentials to authenticate with: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    // The socket may have closed (or timed out) while signing.
    if (this.#done) return;
    const auth: AuthFrame = { ...answer };
    const resume = this.#opts.resume();
    if (resume) auth.resume = resume;
    this.send(auth);
  }

  /** We decided the connection is dead: report it as closed now, do not wait for the socket. */
  #abort(code: number, reason: string): void {
    if (this.#done) return;
    const info: WsCloseInfo = { code, reason, opened: this.#opened, authenticated: this.#authenticated };
    void this.close(1000, reason);
    this.#handlers.onClose(info);
  }

  #finish(code: number, reason: string): void {
    if (this.#done) return;
    this.#done = true;
    this.#clearTimers();
    this.#socket.onopen = noop;
    this.#socket.onmessage = noop;
    this.#socket.onclose = noop;
    this.#handlers.onClose({ code, reason, opened: this.#opened, authenticated: this.#authenticated });
  }

  #clearTimers(): void {
    this.#opts.timers.clear(this.#handshakeTimer);
    this.#opts.timers.clear(this.#heartbeatTimer);
    this.#handshakeTimer = null;
    this.#heartbeatTimer = null;
  }
}

let wsFallback: Promise<WebSocketConstructorLike> | null = null;

/**
 * The WebSocket implementation: an explicit override, the runtime's own
 * (browsers, Node 22+), else the `ws` package, imported lazily so that
 * browser bundles never need it.
 */
export function resolveWebSocket(override: WebSocketConstructorLike | undefined): Promise<WebSocketConstructorLike> {
  if (override) return Promise.resolve(override);
  const native = (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (typeof native === 'function') return Promise.resolve(native);
  wsFallback ??= import('ws').then((m) => {
    const mod = m as unknown as { default?: unknown; WebSocket?: unknown };
    const ctor = (mod.WebSocket ?? mod.default) as WebSocketConstructorLike | undefined;
    if (typeof ctor !== 'function') throw new Error('no WebSocket implementation found: pass options.WebSocket');
    return ctor;
  });
  return wsFallback;
}
