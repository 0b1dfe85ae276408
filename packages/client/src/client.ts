import { EventEmitter } from 'eventemitter3';
import {
  Defaults,
  type ActionName,
  type ConnectedFrame,
  type ParamsOf,
  type PollResponse,
  type PushFrame,
  type RequestFrame,
  type ResultOf,
  type ServerFrame,
} from '@parley/protocol';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { CursorBook, MemoryCursorStore, type CursorStore } from './cursors.js';
import { buildDomainHelpers, domainProperties, type DomainHelpers } from './domains.js';
import { ConnectionClosedError, ParleyError } from './errors.js';
import { agentAuth, type AgentAuth } from './auth.js';
import { resolveFetch, type FetchLike } from './registration.js';
import { RequestManager, type CallOptions } from './requests.js';
import { TimerSet } from './timers.js';
import { HttpSession, HttpUnreachableError } from './transport/http.js';
import { resolveWebSocket, WebSocketConnection, type WsCloseInfo } from './transport/websocket.js';
import type {
  ClientStats,
  ConnectionState,
  GapReason,
  ParleyClientEvents,
  ParleyClientOptions,
  TransportKind,
  WebSocketConstructorLike,
} from './types.js';
import { hubUrlList, wsUrl } from './url.js';
import { startService, type Serve, type ServeOptions, type ServiceHandler, type ServiceHelper } from './services.js';
import { startTaskWorker, type TaskHandler, type TaskHelper, type TaskWork, type TaskWorkerOptions } from './worker.js';
import { startConversations, type ChatHelper, type ConversationHandler, type ConversationOptions, type OnConversation } from './chats.js';
import { pickNonce, sendTransfer, type TransferRequest } from './economy.js';
import { signAsync } from './signing.js';

const ACK_BATCH = 100;
const ACK_INTERVAL_MS = 1000;
const POLL_WAIT_SECONDS = 25;
/** The hub closes unauthenticated sockets after 10 s; wait a little longer before giving up ourselves. */
const HANDSHAKE_TIMEOUT_MS = Defaults.authTimeoutMs + 5000;

type AttemptResult = { ok: true } | { ok: false; info: WsCloseInfo };

/**
 * The domain helpers as the client exposes them: the generated ones, with
 * `tasks` carrying the task worker (`client.tasks.work`, worker.ts) next to
 * the `task/...` methods, and `chats` the conversation runner
 * (`client.chats.onConversation`, chats.ts) next to the `chat/...` methods.
 */
export type ClientHelpers = Omit<DomainHelpers, 'tasks' | 'chats' | 'services'> & {
  readonly tasks: TaskHelper;
  readonly chats: ChatHelper;
  /** With `serve` (services.ts) next to the `service/...` methods. */
  readonly services: ServiceHelper;
};

/**
 * The typed domain helpers (`client.topics.publish(...)`, see domains.ts) are
 * part of the client's type through this merge; the class installs them as
 * lazy getters. If a protocol domain ever took the name of a client member,
 * this merge would stop compiling, which is the point.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- its members are the getters the static block installs
export interface ParleyClient extends ClientHelpers {}

/**
 * A Parley agent's connection to a hub: typed calls, typed pushes with
 * resume, reconnect with backoff, and an HTTP fallback.
 *
 * Lifecycle: connect() starts a loop that keeps the client connected until
 * close(). Each attempt tries the WebSocket, then (if the WebSocket could not
 * even be opened) the HTTP fallback; a failed attempt waits a backoff delay.
 *
 * Hubs: the client talks to one hub at a time, `url`. With several URLs (hubs
 * sharing one database), every reconnect attempt moves to the next one, round
 * robin, and resumes from the same cursors; `url` is the only place the hub in
 * use is kept, so sockets, HTTP calls and tokens all follow it.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class ParleyClient extends EventEmitter<ParleyClientEvents> {
  readonly agentId: string;
  /** The hubs, checked and normalised at construction; never empty. */
  readonly #urls: readonly string[];
  /** Index in #urls of the hub in use (or tried next). */
  #urlIndex = 0;
  /** Key or token: the one place that knows how this client authenticates (auth.ts). */
  readonly #auth: AgentAuth;
  readonly #store: CursorStore;
  readonly #backoff: BackoffOptions;
  readonly #reconnectEnabled: boolean;
  readonly #transports: TransportKind[];
  readonly #heartbeatMs: number | undefined;
  readonly #autoAck: boolean;
  readonly #wsOverride: WebSocketConstructorLike | undefined;
  readonly #fetch: FetchLike | null;
  readonly #timers = new TimerSet();
  readonly #requests: RequestManager;
  readonly #cursors = new CursorBook();

  #state: ConnectionState = 'disconnected';
  #transport: TransportKind | null = null;
  #closed = false;
  /** True while a connect attempt runs or a reconnect is scheduled: the loop is alive. */
  #running = false;
  #attempt = 0;
  #probeAttempt = 0;
  #cursorsLoaded = false;
  #ws: WebSocketConnection | null = null;
  #http: HttpSession | null = null;
  #probe: WebSocketConnection | null = null;
  #pendingSocket: WebSocketConnection | null = null;
  /** An HTTP session being established (its first poll in flight), so close() can stop it too. */
  #pendingHttp: HttpSession | null = null;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #probeTimer: ReturnType<typeof setTimeout> | null = null;
  #ackTimer: ReturnType<typeof setTimeout> | null = null;
  #pendingAcks = new Map<string, number>();
  #pendingAckCount = 0;
  #waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  #saving: Promise<void> | null = null;
  #saveAgain = false;
  #domains: DomainHelpers | null = null;
  /** The last transfer nonce this client signed (see economy.ts pickNonce). */
  #lastNonce = 0;

  static {
    // One getter per protocol domain on the prototype; the helper objects themselves are built on first use, once per client.
    for (const property of domainProperties()) {
      if (property in ParleyClient.prototype) continue; // never shadow a client member (the interface merge above refuses it at compile time)
      Object.defineProperty(ParleyClient.prototype, property, {
        configurable: true,
        enumerable: false,
        get(this: ParleyClient): unknown {
          this.#domains ??= buildDomainHelpers((action, params, options) => this.call(action, params as ParamsOf<typeof action>, options), {
            tasks: { work: ((spec: string | TaskWorkerOptions, handler: TaskHandler) => startTaskWorker(this, spec, handler)) as TaskWork },
            services: {
              serve: ((name: string, version: string, handler: ServiceHandler, options: ServeOptions) =>
                startService(this, name, version, handler, options)) as Serve,
            },
            chats: {
              onConversation: ((spec: ConversationHandler | ConversationOptions, handler?: ConversationHandler) =>
                startConversations(this, spec, handler)) as OnConversation,
            },
          });
          return (this.#domains as Readonly<Record<string, unknown>>)[property];
        },
      });
    }
  }

  constructor(options: ParleyClientOptions) {
    super();
    this.#urls = hubUrlList(options.url);
    this.#store = options.cursorStore ?? new MemoryCursorStore();
    const r = options.reconnect ?? {};
    this.#backoff = {
      initialDelayMs: r.initialDelayMs ?? DEFAULT_BACKOFF.initialDelayMs,
      multiplier: r.multiplier ?? DEFAULT_BACKOFF.multiplier,
      maxDelayMs: r.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
    };
    this.#reconnectEnabled = r.enabled ?? true;
    this.#transports = options.transports ?? ['websocket', 'http'];
    if (this.#transports.length === 0) throw new TypeError('transports must name at least one transport');
    this.#heartbeatMs = options.heartbeatMs;
    this.#autoAck = options.autoAck ?? true;
    this.#wsOverride = options.WebSocket;
    this.#fetch = this.#transports.includes('http') ? resolveFetch(options.fetch) : null;
    this.#auth = agentAuth(options, () => this.url, this.#fetch);
    this.agentId = this.#auth.agentId;
    this.#requests = new RequestManager({
      agentId: this.agentId,
      timers: this.#timers,
      defaultTimeoutMs: options.requestTimeoutMs ?? 30_000,
      maxQueued: options.offlineQueueSize ?? 100,
      onSuccess: (action, params, result) => this.#afterSuccess(action, params, result),
    });
  }

  /** Base URL of the hub in use, or the one the next attempt goes to (see ParleyClientOptions.url). */
  get url(): string {
    return this.#urls[this.#urlIndex]!;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get transport(): TransportKind | null {
    return this.#transport;
  }

  /** The hub epoch the current cursors belong to (null before the first connect). */
  get epoch(): string | null {
    return this.#cursors.epoch;
  }

  /** Last delivered seq per stream. */
  get cursors(): Record<string, number> {
    return this.#cursors.resume() ?? {};
  }

  /** Counters for tests and diagnostics: after close() every one of them is 0. */
  get stats(): ClientStats {
    return {
      pendingCalls: this.#requests.pendingCount,
      queuedCalls: this.#requests.queuedCount,
      abortListeners: this.#requests.abortListenerCount,
      activeTimers: this.#timers.size,
    };
  }

  /**
   * Resolves once connected over either transport, then keeps the connection
   * up in the background. While the hub is unreachable it keeps retrying; it
   * rejects only on close() (or when reconnect is disabled and the attempt fails).
   */
  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new ConnectionClosedError('client is closed'));
    if (this.#state === 'connected') return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (!this.#running) {
      this.#running = true;
      void this.#connectAttempt();
    }
    return p;
  }

  /** Stops everything: pending calls reject with ConnectionClosedError, timers and sockets are released. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flushAcks();
    this.#closed = true;
    this.#running = false;
    const sockets = [this.#ws, this.#probe, this.#pendingSocket].filter((s): s is WebSocketConnection => s !== null);
    this.#ws = this.#probe = this.#pendingSocket = null;
    this.#http?.stop();
    this.#pendingHttp?.stop();
    this.#http = this.#pendingHttp = null;
    this.#transport = null;
    this.#timers.clear(this.#reconnectTimer);
    this.#timers.clear(this.#probeTimer);
    this.#timers.clear(this.#ackTimer);
    this.#reconnectTimer = this.#probeTimer = this.#ackTimer = null;
    this.#requests.setSender(null);
    this.#requests.rejectAll(() => new ConnectionClosedError());
    for (const w of this.#waiters.splice(0)) w.reject(new ConnectionClosedError('client closed before it connected'));
    const wasConnected = this.#state === 'connected';
    this.#setState('disconnected');
    if (wasConnected) this.emit('disconnected', { code: 1000, reason: 'client closed' });
    await Promise.all(sockets.map((s) => s.close(1000, 'client closed')));
    await this.#saving;
    // Anything still registered now is a bug; clearing keeps close() honest about "no timers left".
    this.#timers.clearAll();
  }

  /**
   * Revokes bearer tokens on the hub (`agent/logout`), then closes the client.
   *
   * This client's WebSocket is authenticated by signature, which revocation
   * does not touch; what there is to revoke are tokens: by default the one this
   * client minted for its HTTP fallback (none if it never used HTTP:
   * `revoked: 0` without asking the hub), the one named in `token` (e.g. one
   * printed by `parley register`), or with `all: true` every token of the
   * agent, wherever it was minted: HTTP sessions and token-authenticated
   * sockets using them end (401, close 4401). If the hub cannot be asked, the
   * error is thrown and the client stays open.
   */
  async logout(opts: { all?: boolean; token?: string } = {}): Promise<{ revoked: number }> {
    if (this.#closed) throw new ConnectionClosedError('client is closed');
    const own = this.#auth.mintedToken;
    const params = opts.all ? { all: true } : opts.token !== undefined ? { token: opts.token } : own !== null ? { token: own } : null;
    const result = params ? await this.call('agent/logout', params) : { revoked: 0 };
    await this.close();
    return result;
  }

  call<A extends ActionName>(action: A, params: ParamsOf<A>, opts?: CallOptions): Promise<ResultOf<A>> {
    if (this.#closed) return Promise.reject(new ConnectionClosedError('client is closed'));
    return this.#requests.call(action, params, opts) as Promise<ResultOf<A>>;
  }

  /**
   * Send an amount of an asset from this agent's wallet, signed with its key
   * (asset/transfer): `to` is an agent id or a wallet address, `amount` is in
   * smallest units (parseAmount converts a display amount). The key stays in
   * the client: the signer handed to sendTransfer only signs.
   */
  transfer(req: TransferRequest): Promise<ResultOf<'asset/transfer'>> {
    if (this.#closed) return Promise.reject(new ConnectionClosedError('client is closed'));
    const identity = this.#auth.identity;
    // The hub checks the signature against the agent's key; a token (an API key, the console's) is not that key.
    if (!identity) return Promise.reject(new TypeError('transfer() signs with the agent\'s key, and a client with token credentials has none: the agent itself must send it'));
    return sendTransfer(this, {
      agentId: this.agentId,
      sign: (message) => signAsync(identity, message),
      nextNonce: (lastAccepted) => (this.#lastNonce = pickNonce(lastAccepted, this.#lastNonce)),
    }, req);
  }

  /** Moves the hub's server-side read cursor (sent batched). With autoAck (default) delivered pushes are acked for you. */
  ack(stream: string, seq: number): void {
    if (this.#closed) return;
    const prev = this.#pendingAcks.get(stream);
    if (prev === undefined || seq > prev) this.#pendingAcks.set(stream, seq);
    this.#pendingAckCount++;
    if (this.#pendingAckCount >= ACK_BATCH) this.#flushAcks();
    else this.#ackTimer ??= this.#timers.setTimeout(() => {
      this.#ackTimer = null;
      this.#flushAcks();
    }, ACK_INTERVAL_MS);
  }

  // ---- connection loop ------------------------------------------------------

  async #connectAttempt(): Promise<void> {
    this.#reconnectTimer = null;
    if (this.#closed) return;
    this.#setState('connecting');
    await this.#loadCursorsOnce();
    if (this.#closed) return;
    if (!(await this.#beginAttempt())) {
      if (this.#closed) return;
      this.#setState('disconnected');
      this.#scheduleReconnect();
      return;
    }
    if (this.#closed) return;

    let failure: WsCloseInfo | null = null;
    let tryHttp = this.#transports.includes('http');
    if (this.#transports.includes('websocket')) {
      const r = await this.#tryWebSocket();
      if (this.#closed || r.ok) return;
      failure = r.info;
      // Fall back only when no WebSocket could be opened at all; a socket that opened and then failed (auth, hub shutting down) says the WebSocket path works.
      tryHttp &&= !r.info.opened;
      if (r.info.code === 4401) this.emit('error', new ParleyError('unauthorized', `hub refused authentication: ${r.info.reason || 'close 4401'}`));
    }
    if (tryHttp) {
      const ok = await this.#tryHttp();
      if (this.#closed || ok) return;
    }
    this.#setState('disconnected');
    // Not a 'disconnected' event: nothing was connected. Say why the attempt failed (4401 was reported above).
    if (failure && failure.code !== 4401) {
      this.emit('error', new ParleyError('unavailable', `could not connect to ${this.url}: ${failure.reason || `close ${failure.code}`}`));
    }
    this.#scheduleReconnect();
  }

  /**
   * Token credentials get a fresh token here, before every attempt (after a
   * 4401 or a revoked key, the next attempt must not reuse the refused token).
   * A failure (the token function threw) is reported and fails the attempt.
   */
  async #beginAttempt(): Promise<boolean> {
    try {
      await this.#auth.beginAttempt();
      return true;
    } catch (err) {
      if (!this.#closed) this.emit('error', new ParleyError('unauthorized', `no token to connect with: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err }));
      return false;
    }
  }

  /** What every socket of this client (the main one and the probe back from HTTP) is opened with. */
  #socketOptions(ctor: WebSocketConstructorLike): ConstructorParameters<typeof WebSocketConnection>[0] {
    return {
      WebSocket: ctor,
      url: wsUrl(this.url),
      authenticate: (nonce) => this.#auth.answer(nonce),
      resume: () => this.#cursors.resume(),
      timers: this.#timers,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    };
  }

  #tryWebSocket(): Promise<AttemptResult> {
    return new Promise<AttemptResult>((resolve) => {
      resolveWebSocket(this.#wsOverride).then(
        (ctor) => {
          if (this.#closed) return resolve({ ok: false, info: { code: 1000, reason: 'closed', opened: false, authenticated: false } });
          const conn: WebSocketConnection = new WebSocketConnection(
            this.#socketOptions(ctor),
            {
              onOpen: () => this.#setState('authenticating'),
              onConnected: (frame) => {
                this.#pendingSocket = null;
                this.#adoptWebSocket(conn, frame);
                resolve({ ok: true });
              },
              onFrame: (frame) => this.#onFrame(frame),
              onClose: (info) => {
                if (this.#pendingSocket === conn) {
                  this.#pendingSocket = null;
                  resolve({ ok: false, info });
                } else if (this.#ws === conn) {
                  this.#lostConnection(info.code, info.reason);
                }
              },
            },
          );
          this.#pendingSocket = conn;
        },
        (err: unknown) => {
          this.emit('error', err instanceof Error ? err : new Error(String(err)));
          resolve({ ok: false, info: { code: 1006, reason: 'no WebSocket implementation', opened: false, authenticated: false } });
        },
      );
    });
  }

  /** Connected over WebSocket (first connect, reconnect, or return from the HTTP fallback). */
  #adoptWebSocket(conn: WebSocketConnection, frame: ConnectedFrame): void {
    if (this.#http) {
      this.#http.stop();
      this.#http = null;
    }
    this.#timers.clear(this.#probeTimer);
    this.#probeTimer = null;
    this.#ws = conn;
    this.#transport = 'websocket';
    this.#attempt = 0;
    this.#probeAttempt = 0;
    // After an epoch change the resume we sent was made of stale cursors: the hub's gap flags for them repeat the 'epoch' gaps already reported.
    if (!this.#applyEpoch(frame.epoch)) {
      for (const [stream, report] of Object.entries(frame.resumed)) {
        if (report.gap) this.#emitGap(stream, this.#gapReason(stream, report.replayed));
      }
    }
    this.#adoptStartingPoints(frame);
    conn.startHeartbeat(this.#heartbeatMs ?? frame.heartbeat_ms);
    this.#becomeConnected(frame);
    this.#requests.setSender((req) => conn.send(req));
    this.#flushAcks();
  }

  async #tryHttp(): Promise<boolean> {
    const session = this.#newHttpSession();
    this.#pendingHttp = session;
    let first: PollResponse;
    try {
      first = await session.poll(0);
    } catch (err) {
      if (this.#pendingHttp === session) this.#pendingHttp = null;
      session.stop();
      if (!this.#closed) this.emit('error', err instanceof Error ? err : new Error(String(err)));
      return false;
    }
    if (this.#pendingHttp === session) this.#pendingHttp = null;
    if (this.#closed) {
      session.stop();
      return false;
    }
    this.#http = session;
    this.#transport = 'http';
    this.#attempt = 0;
    this.#applyEpoch(first.epoch);
    const frame: ConnectedFrame = {
      type: 'connected',
      agent_id: this.agentId,
      session_id: 'http',
      epoch: first.epoch,
      heartbeat_ms: this.#heartbeatMs ?? Defaults.heartbeatMs,
      resumed: {},
    };
    this.#becomeConnected(frame);
    this.#requests.setSender((req) => {
      void this.#sendHttp(session, req);
      return true;
    });
    this.#onPoll(first);
    this.#flushAcks();
    if (this.#http === session) {
      session.startPolling();
      if (this.#transports.includes('websocket')) this.#scheduleProbe();
    }
    return true;
  }

  #newHttpSession(): HttpSession {
    if (!this.#fetch) throw new Error('http transport not configured');
    const session: HttpSession = new HttpSession({
      url: this.url,
      fetch: this.#fetch,
      tokens: this.#auth,
      timers: this.#timers,
      pollWaitSeconds: POLL_WAIT_SECONDS,
      cursors: () => this.#cursors.resume() ?? {},
      onPoll: (res) => {
        if (this.#http === session) this.#onPoll(res);
      },
      onFailure: (err) => {
        if (this.#http !== session) return;
        // Refused credentials end the session as a 4401 close does (#lostConnection reports that); anything else is the hub gone.
        if (err instanceof ParleyError && err.code === 'unauthorized') return this.#lostConnection(4401, err.message);
        this.emit('error', err);
        this.#lostConnection(1006, err.message);
      },
    });
    return session;
  }

  async #sendHttp(session: HttpSession, req: RequestFrame): Promise<void> {
    try {
      const res = await session.rpc(req);
      this.#requests.handleResponse(res);
    } catch (err) {
      if (err instanceof HttpUnreachableError) {
        // Same as a dropped socket: keep the call (same u_id) for the next transport.
        this.#requests.requeue(req.u_id);
        if (this.#http === session) {
          session.stop();
          this.#lostConnection(1006, err.message);
        } else if (this.#state === 'connected') {
          this.#requests.setSender(this.#currentSender());
        }
      } else {
        this.#requests.fail(req.u_id, err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  #currentSender(): ((req: RequestFrame) => boolean) | null {
    const ws = this.#ws;
    if (ws) return (req) => ws.send(req);
    const http = this.#http;
    if (http) return (req) => {
      void this.#sendHttp(http, req);
      return true;
    };
    return null;
  }

  /** While on HTTP, keep trying the WebSocket in the background; switch back as soon as one authenticates. */
  #scheduleProbe(): void {
    if (this.#closed || this.#probeTimer || this.#probe) return;
    const delay = backoffDelay(this.#probeAttempt++, this.#backoff);
    this.#probeTimer = this.#timers.setTimeout(() => {
      this.#probeTimer = null;
      void this.#runProbe();
    }, delay);
  }

  async #runProbe(): Promise<void> {
    if (this.#closed || !this.#http) return;
    let ctor: WebSocketConstructorLike;
    try {
      ctor = await resolveWebSocket(this.#wsOverride);
    } catch {
      return;
    }
    if (this.#closed || !this.#http) return;
    // A new HTTP session started while we waited schedules its own probe: this one is not needed then.
    const http = this.#http;
    if (!(await this.#beginAttempt())) {
      if (this.#http === http) this.#scheduleProbe();
      return;
    }
    if (this.#closed || this.#http !== http) return;
    const conn: WebSocketConnection = new WebSocketConnection(
      this.#socketOptions(ctor),
      {
        onOpen: () => undefined,
        onConnected: (frame) => {
          if (this.#probe !== conn) return;
          this.#probe = null;
          this.#adoptWebSocket(conn, frame);
        },
        onFrame: (frame) => this.#onFrame(frame),
        onClose: (info) => {
          if (this.#probe === conn) {
            this.#probe = null;
            if (this.#http) this.#scheduleProbe();
          } else if (this.#ws === conn) {
            this.#lostConnection(info.code, info.reason);
          }
        },
      },
    );
    this.#probe = conn;
  }

  #becomeConnected(frame: ConnectedFrame): void {
    const wasConnected = this.#state === 'connected';
    this.#setState('connected');
    this.emit('connected', frame);
    if (!wasConnected) for (const w of this.#waiters.splice(0)) w.resolve();
  }

  /** The live transport dropped: report it, keep unanswered calls for the next one, and reconnect. */
  #lostConnection(code: number, reason: string): void {
    if (this.#closed) return;
    this.#ws = null;
    this.#http?.stop();
    this.#http = null;
    if (this.#probe) {
      void this.#probe.close();
      this.#probe = null;
    }
    this.#timers.clear(this.#probeTimer);
    this.#probeTimer = null;
    this.#transport = null;
    this.#requests.setSender(null);
    this.#setState('disconnected');
    this.emit('disconnected', { code, reason });
    if (code === 4401) this.emit('error', new ParleyError('unauthorized', `hub closed the session: ${reason || 'close 4401'}`));
    this.#scheduleReconnect();
  }

  /**
   * After a failed attempt or a lost connection: the next attempt goes to the
   * next hub of the list. The backoff grows per full round of the list, not
   * per hub, so a live hub is reached within the first window while a cluster
   * that is all down is still backed off. Every attempt keeps its jitter: the
   * clients of a hub that died must not land on the next one in lockstep.
   */
  #scheduleReconnect(): void {
    if (this.#closed) return;
    this.#urlIndex = (this.#urlIndex + 1) % this.#urls.length;
    const attempt = this.#attempt++;
    if (!this.#reconnectEnabled) {
      // Without reconnect, a pending connect() still gives each hub of the list one try.
      if (this.#waiters.length > 0 && attempt + 1 < this.#urls.length) {
        this.#reconnectTimer = this.#timers.setTimeout(() => void this.#connectAttempt(), 0);
        return;
      }
      this.#running = false;
      this.#attempt = 0;
      for (const w of this.#waiters.splice(0)) w.reject(new ConnectionClosedError('could not connect and reconnect is disabled'));
      return;
    }
    const delay = backoffDelay(Math.floor(attempt / this.#urls.length), this.#backoff);
    this.#reconnectTimer = this.#timers.setTimeout(() => void this.#connectAttempt(), delay);
  }

  #setState(next: ConnectionState): void {
    const prev = this.#state;
    if (prev === next) return;
    this.#state = next;
    this.emit('state', next, prev);
  }

  // ---- frames and pushes ----------------------------------------------------

  #onFrame(frame: ServerFrame): void {
    if ('status' in frame) {
      this.#requests.handleResponse(frame);
      return;
    }
    switch (frame.type) {
      case 'push':
        this.#deliver(frame);
        break;
      case 'error':
        this.emit('error', new ParleyError(frame.content.code, `hub error frame: ${frame.content.error}`, frame.content.details));
        break;
      default:
        // pong (the connection already noted that it heard from the hub), or a stray challenge/connected
        break;
    }
  }

  #onPoll(res: PollResponse): void {
    if (!this.#applyEpoch(res.epoch)) for (const stream of res.gaps) this.#emitGap(stream, 'retention');
    for (const push of res.pushes) this.#deliver(push);
  }

  /**
   * Deliver a push once: drop anything at or before the stream's cursor,
   * otherwise hand it to listeners, and only then move the cursor.
   */
  #deliver(frame: PushFrame): void {
    if (!this.#cursors.isNew(frame.stream, frame.seq)) return;
    try {
      this.emit('push', frame);
      (this.emit as (event: string, ...args: unknown[]) => boolean)(frame.event, frame.data, frame);
    } catch (err) {
      // A throwing listener must not stall the stream: report it and move on.
      this.emit('error', err instanceof Error ? err : new Error(String(err)));
    }
    this.#cursors.advance(frame.stream, frame.seq);
    this.#saveCursors();
    if (this.#autoAck) this.ack(frame.stream, frame.seq);
  }

  /** Cursors from another epoch point into a data set that no longer exists: drop them and say so. */
  #applyEpoch(epoch: string): boolean {
    if (this.#cursors.epoch === epoch) return false;
    const previous = this.#cursors.epoch;
    const dropped = this.#cursors.reset(epoch);
    this.#saveCursors();
    if (previous === null) return false;
    for (const stream of dropped) this.#emitGap(stream, 'epoch');
    return true;
  }

  /**
   * The hub flags both "cursor older than retention" and "stream you may not
   * read" as a gap. Another agent's inbox is never readable, so that one is
   * certainly 'forbidden'; for topics the two cannot be told apart here.
   */
  #gapReason(stream: string, replayed: number): GapReason {
    if (replayed === 0 && stream.startsWith('agent:') && stream !== `agent:${this.agentId}`) return 'forbidden';
    return 'retention';
  }

  #emitGap(stream: string, reason: GapReason): void {
    this.emit('gap', { stream, reason });
  }

  /**
   * Streams the hub started for us (`from`: our own stream when we had no
   * cursor for it) begin at that seq, so the next reconnect resumes from there
   * instead of getting live pushes only. Set before the replayed pushes after
   * `connected` are handled.
   */
  #adoptStartingPoints(frame: ConnectedFrame): void {
    for (const [stream, report] of Object.entries(frame.resumed)) {
      if (report.from !== undefined) this.#startCursor(stream, report.from);
    }
  }

  /** A stream we have no cursor for starts at `seq` (the hub said where it stands), and the cursor is saved. */
  #startCursor(stream: string, seq: number): void {
    if (this.#cursors.get(stream) === undefined && this.#cursors.epoch !== null && this.#cursors.advance(stream, seq)) this.#saveCursors();
  }

  /** Client-side bookkeeping on successful calls. */
  #afterSuccess(action: string, params: unknown, result: unknown): void {
    if (action === 'topic/join') {
      // A join reports the topic stream's head; starting the cursor there means a disconnect before the first topic push still resumes from the join, not from "live only".
      const r = result as { topic_id?: unknown; seq?: unknown };
      if (typeof r.topic_id === 'string' && typeof r.seq === 'number') this.#startCursor(`topic:${r.topic_id}`, r.seq);
    } else if (action === 'topic/leave') {
      const p = params as { topic_id?: unknown };
      if (typeof p.topic_id === 'string' && this.#cursors.delete(`topic:${p.topic_id}`)) this.#saveCursors();
    }
  }

  // ---- cursor persistence and acks -------------------------------------------

  async #loadCursorsOnce(): Promise<void> {
    if (this.#cursorsLoaded) return;
    try {
      const snapshot = await this.#store.load();
      // Pushes delivered before the load finished win over the stored ones.
      if (this.#cursors.epoch === null) this.#cursors.load(snapshot);
      this.#cursorsLoaded = true;
    } catch (err) {
      this.emit('error', new Error(`cursor store load failed: ${err instanceof Error ? err.message : String(err)}`));
      this.#cursorsLoaded = true;
    }
  }

  /** Saves are serialised and coalesced: at most one in flight, and one more with the latest state after it. */
  #saveCursors(): void {
    if (this.#saving) {
      this.#saveAgain = true;
      return;
    }
    this.#saving = (async () => {
      do {
        this.#saveAgain = false;
        const snapshot = this.#cursors.snapshot();
        if (!snapshot) break;
        try {
          await this.#store.save(snapshot);
        } catch (err) {
          this.emit('error', new Error(`cursor store save failed: ${err instanceof Error ? err.message : String(err)}`));
          break;
        }
      } while (this.#saveAgain);
    })().finally(() => {
      this.#saving = null;
    });
  }

  #flushAcks(): void {
    this.#timers.clear(this.#ackTimer);
    this.#ackTimer = null;
    if (this.#pendingAcks.size === 0 || this.#state !== 'connected') return;
    const cursors = Object.fromEntries(this.#pendingAcks);
    let sent = false;
    if (this.#ws) sent = this.#ws.send({ type: 'ack', cursors });
    else if (this.#http) {
      sent = true;
      this.#http.ack(cursors).catch(() => undefined);
    }
    if (sent) {
      this.#pendingAcks.clear();
      this.#pendingAckCount = 0;
    }
  }
}
