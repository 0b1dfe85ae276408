import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import {
  AckFrame,
  AuthFrame,
  CloseCode,
  ErrorCode,
  agentStream,
  type ConnectedFrame,
  type ErrorContent,
  type ResumeReport,
} from '@parley/protocol';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData, type ServerOptions } from 'ws';
import { tokenCredential, type Auth, type AuthedCallContext, type Credential, type TokenInfo } from '../core/auth.js';
import type { Dispatcher } from '../core/dispatcher.js';
import type { AddressLimits } from '../core/rate-limit.js';
import { usableUId } from '../core/dispatcher.js';
import { Session, type Frame, type SessionRegistry, type SessionSink } from '../core/sessions.js';
import type { Streams } from '../core/streams.js';
import type { Metrics } from '../metrics.js';
import { addressKey, clientAddress, trustFunction, type TrustFn, type TrustProxy } from './address.js';
import { parseJson } from './json.js';
import { writeRawError } from './raw-http.js';
import { closeSockets } from './close-sockets.js';

export interface WsDeps {
  heartbeatMs: number;
  authTimeoutMs: number;
  maxFrameBytes: number;
  maxQueuedBytes: number;
  /** How long a closing connection may take to deliver its close frame before it is dropped. */
  closeTimeoutMs: number;
  /** Frames nesting objects and arrays deeper than this are refused (bad_request) before anything else sees them. */
  maxJsonDepth: number;
  /** Sessions per agent; one more is closed with 4429 at auth. */
  maxSessionsPerAgent: number;
  /** Per-address buckets, shared with the HTTP edge: an upgrade and each request frame take one. */
  addressLimits: AddressLimits;
  /** Who may name the client's address in X-Forwarded-For. */
  trustProxy: TrustProxy;
  epoch: string;
  auth: Auth;
  dispatcher: Dispatcher;
  streams: Streams;
  sessions: SessionRegistry;
  metrics: Metrics;
  log: Logger;
  /** Presence bookkeeping (last_seen_at). */
  onPresence(agentId: string): void;
}

const REPLAY_PAGE = 500;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** At most this much of a connection's queue sits in its socket (see Connection.sendRaw). */
const SOCKET_ROOM_BYTES = 64 * 1024;

/**
 * The Connection a ws socket or TCP socket belongs to. Socket events reach it
 * through the shared functions below rather than closures made per
 * connection: an idle connection is mostly what it holds, and five closures
 * with their contexts were about a tenth of it.
 */
const CONN = Symbol('parley.connection');
type Owned = { [CONN]?: Connection };
const connOf = (emitter: unknown): Connection => (emitter as Owned)[CONN]!;
function onSocketDrain(this: Duplex): void {
  connOf(this).flush();
}
function onWsMessage(this: WebSocket, data: RawData): void {
  connOf(this).onMessage(data);
}
// Protocol-level pings count as liveness too.
function onWsLiveness(this: WebSocket): void {
  connOf(this).lastSeen = Date.now();
}
function onWsError(this: WebSocket, err: Error): void {
  connOf(this).d.log.debug({ err }, 'websocket error');
}
function onWsClose(this: WebSocket): void {
  connOf(this).onClose();
}

/**
 * One socket: challenge, auth, then frames to the dispatcher. Parsing and auth
 * only; no domain logic. It is its session's sink (SessionSink).
 */
class Connection implements SessionSink {
  private state: 'challenge' | 'authenticating' | 'open' | 'closed' = 'challenge';
  /** The challenge the client signs; dropped once it has. */
  private nonce: string | null = randomBytes(32).toString('hex');
  private authTimer: NodeJS.Timeout | null;
  /** Frames that arrived while auth was being checked; null once open. */
  private early: RawData[] | null = null;
  session: Session | null = null;
  lastSeen = Date.now();
  private corked = false;
  /** Frames waiting for room in the socket (see sendRaw); `queueHead` is the next one to write. */
  private queue: Array<{ frame: Frame; bytes: number }> = [];
  private queueHead = 0;
  private queuedBytes = 0;
  /** Bytes the socket may hold before frames wait in `queue` instead. */
  private readonly room: number;
  /** The bearer token this connection authenticated with, if it did not sign. */
  private token: TokenInfo | null = null;
  private tokenTimer: NodeJS.Timeout | null = null;
  /** Calls dispatched and not answered yet. */
  private inflight = 0;
  /** Set when the session ended (token revoked or expired) while calls were in flight: close once they are answered. */
  private closeWhenIdle: { code: number; reason: string } | null = null;

  constructor(
    readonly ws: WebSocket,
    /** The TCP socket under `ws` (the one handed to handleUpgrade), for cork/uncork. */
    private readonly socket: Duplex,
    readonly d: WsDeps,
    /** The key of the client's address in the per-address limits. */
    private readonly address: string,
    /** The transport's open connections; this one leaves it when it closes. */
    private readonly conns: Set<Connection>,
  ) {
    this.authTimer = setTimeout(() => this.close(CloseCode.Unauthorized, 'no auth in time'), d.authTimeoutMs);
    this.room = Math.max(socket.writableHighWaterMark, Math.min(SOCKET_ROOM_BYTES, Math.floor(d.maxQueuedBytes / 2)));
    (socket as Owned)[CONN] = this;
    (ws as Owned)[CONN] = this;
    socket.on('drain', onSocketDrain);
    ws.on('message', onWsMessage);
    ws.on('ping', onWsLiveness);
    ws.on('pong', onWsLiveness);
    ws.on('error', onWsError);
    ws.on('close', onWsClose);
    this.sendRaw(JSON.stringify({ type: 'challenge', nonce: this.nonce }));
  }

  // SessionSink: how the session's pushes reach this socket.
  send(frame: Frame): void {
    this.sendRaw(frame);
  }

  sendReplay(frame: string): void {
    this.sendRaw(frame, false);
  }

  /**
   * Sends a frame, closing the connection with 4008 when the client does not
   * drain its queue.
   *
   * The queue is ours, not the socket's: a frame goes to the socket only while
   * the socket holds less than `room` bytes; the rest waits here and follows on
   * 'drain'. That keeps what sits in the socket small, which matters when a
   * client stalls. Its close frame can only go out behind whatever the socket
   * already holds; when that was the whole 4 MiB, the 4008 sat behind it until
   * ws gave up on the handshake and destroyed the socket, and the client, once
   * it read again, saw 1006. Now the frames still queued here are dropped at
   * 4008 (pushes are durable: the client resumes), and the close frame follows
   * a few KiB at most.
   *
   * Frames sent in the same turn of the event loop leave in one write: the TCP
   * socket is corked until the turn ends. A batch commit fans out many pushes
   * at once, and one syscall per frame per socket is what fan-out cost most before.
   */
  sendRaw(frame: Frame, bounded = true): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.queueHead === this.queue.length && this.ws.bufferedAmount < this.room) return this.write(frame);
    const bytes = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
    this.queue.push({ frame, bytes });
    this.queuedBytes += bytes;
    if (bounded && this.pendingBytes > this.d.maxQueuedBytes) {
      this.d.log.info({ agent_id: this.session?.agentId, queued: this.pendingBytes }, 'slow consumer');
      this.dropQueue();
      this.close(CloseCode.SlowConsumer, 'slow consumer: resume to catch up');
    }
  }

  /** Bytes waiting to reach the client: queued here plus held by the socket. */
  private get pendingBytes(): number {
    return this.queuedBytes + this.ws.bufferedAmount;
  }

  private write(frame: Frame): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    // A Buffer is a push encoded once for all its recipients; it is still a text frame.
    this.ws.send(frame, { binary: false });
  }

  /**
   * Moves queued frames to the socket while it has room. Runs on the socket's
   * 'drain': the queue is only non-empty after a write found the socket at or
   * above `room` (at least its high-water mark), so a 'drain' is due.
   */
  flush(): void {
    while (this.queueHead < this.queue.length && this.ws.readyState === WebSocket.OPEN && this.ws.bufferedAmount < this.room) {
      const { frame, bytes } = this.queue[this.queueHead]!;
      this.queueHead++;
      this.queuedBytes -= bytes;
      this.write(frame);
    }
    if (this.queueHead === this.queue.length) this.dropQueue();
    else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  private dropQueue(): void {
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
    // The close handshake may take long (a stalled client never answers), but
    // the session is over now: no more pushes, presence goes offline.
    this.endSession();
  }

  /**
   * The session's token was revoked or expired. The session ends now (no more
   * pushes, no new calls, presence goes offline); the socket closes with 4401
   * once the calls in flight are answered, so a logout over this very
   * session still gets its response before the close.
   */
  endForToken(reason: string): void {
    if (this.state === 'closed') return;
    if (this.state !== 'open') return this.close(CloseCode.Unauthorized, reason);
    this.endSession();
    this.closeWhenIdle = { code: CloseCode.Unauthorized, reason };
    if (this.inflight === 0) this.close(CloseCode.Unauthorized, reason);
  }

  /** The token this open session was opened with, if it was opened with one. */
  get openedWith(): TokenInfo | null {
    return this.state === 'open' ? this.token : null;
  }

  /** Called with every revocation: ends this session if it was opened with one of those tokens. */
  tokenRevoked(agentId: string, tokenHashes: ReadonlySet<string>): void {
    if (this.token && this.token.agentId === agentId && tokenHashes.has(this.token.tokenHash)) this.endForToken('token revoked');
  }

  private endSession(): void {
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.clearAuthTimer();
    if (this.tokenTimer) clearTimeout(this.tokenTimer);
    if (this.session && wasOpen) {
      this.d.sessions.remove(this.session);
      this.d.metrics.connections.dec();
      if (!this.session.watcher) this.d.onPresence(this.session.agentId);
    }
  }

  private clearAuthTimer(): void {
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
  }

  /** Polls the queue; replay only, so the small delay does not matter. */
  async drained(): Promise<void> {
    const low = this.d.maxQueuedBytes / 2;
    while (this.ws.readyState === WebSocket.OPEN && this.pendingBytes > low) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private sendError(content: ErrorContent): void {
    this.sendRaw(JSON.stringify({ type: 'error', content }));
  }

  onMessage(data: RawData): void {
    this.lastSeen = Date.now();
    if (this.state === 'challenge') {
      this.state = 'authenticating';
      void this.authenticate(data).catch((err: unknown) => {
        this.d.log.error({ err }, 'auth failed unexpectedly');
        this.close(CloseCode.Unauthorized, 'authentication failed');
      });
      return;
    }
    // Frames pipelined right behind auth are handled once auth succeeds.
    if (this.state === 'authenticating') (this.early ??= []).push(data);
    else if (this.state === 'open') this.handleFrame(data);
  }

  private async authenticate(data: RawData): Promise<void> {
    const json = parseJson(rawText(data), this.d.maxJsonDepth);
    if (!json.ok) return this.close(CloseCode.Unauthorized, 'expected an auth frame');
    const parsed = AuthFrame.safeParse(json.value);
    if (!parsed.success) return this.close(CloseCode.Unauthorized, 'expected an auth frame');
    const frame = parsed.data;
    let ok: boolean;
    if (frame.sig) ok = this.nonce !== null && (await this.d.auth.verifyWsSignature(frame.agent_id, this.nonce, frame.sig));
    else {
      const token = await this.d.auth.checkToken(frame.token ?? '');
      ok = token !== null && token.agentId === frame.agent_id;
      // Set before the next await: a revocation from here on reaches this connection (tokenRevoked).
      if (ok) this.token = token;
    }
    if (!ok) return this.close(CloseCode.Unauthorized, 'authentication failed');
    // The agent's own stream always has a starting point: without a cursor for it (a first connect, a
    // client that has not had a push yet) it starts at the head as it is now, read before the session
    // is registered, so a push committed while connecting is replayed rather than lost, and the client
    // learns where it stands (`from`) for its next resume.
    const own = agentStream(frame.agent_id);
    const ownFrom = frame.resume?.[own] === undefined ? (await this.d.streams.info(own)).head : null;
    if (this.state !== 'authenticating' || this.ws.readyState !== WebSocket.OPEN) return;
    this.clearAuthTimer();
    this.nonce = null;

    const agentId = frame.agent_id;
    const session = new Session(agentId, this, this.token?.key !== undefined);
    const { streams } = this.d;
    const resumed: Record<string, ResumeReport> = {};
    const readable: Array<[string, number]> = [];
    for (const [stream, cursor] of Object.entries(frame.resume ?? {})) {
      if (await streams.access.canRead(agentId, stream)) readable.push([stream, cursor]);
      else resumed[stream] = { replayed: 0, gap: true };
    }
    if (ownFrom !== null) readable.push([own, ownFrom]);
    // A place is taken before the session exists (and counted on every hub when they share presence), so
    // concurrent auths cannot both slip under the cap.
    // A human's key (API key, console token) watches the agent: its pushes, but not its presence (core/sessions.ts).
    const watcher = this.token?.key !== undefined;
    let placed: boolean;
    try {
      placed = await this.d.sessions.reserve(agentId, this.d.maxSessionsPerAgent, watcher);
    } catch (err) {
      this.d.log.warn({ err, agent_id: agentId }, 'session not counted: shared presence unreachable');
      return this.close(CloseCode.GoingAway, 'presence is unavailable on this hub; reconnect');
    }
    if (!placed) return this.close(CloseCode.TooManySessions, `too many sessions for this agent (at most ${this.d.maxSessionsPerAgent})`);
    // Nothing awaits between here and add(): the place is either taken by the session or given back.
    if (this.state !== 'authenticating' || this.ws.readyState !== WebSocket.OPEN) return this.d.sessions.cancel(agentId, watcher);
    for (const [stream] of readable) session.beginReplay(stream);
    // Registered before the snapshot below: a push committed after the snapshot
    // reaches the session live (held/buffered), one before it is in the replay.
    this.session = session;
    this.state = 'open';
    this.d.sessions.add(session);
    this.d.metrics.connections.inc();
    if (!watcher) this.d.onPresence(agentId);
    if (this.token) this.armTokenExpiry(this.token.expiresAt);

    const plan: Array<{ stream: string; after: number; upTo: number }> = [];
    for (const [stream, cursor] of readable) {
      const { head, prunedThrough } = await streams.info(stream);
      const after = Math.min(cursor, head);
      resumed[stream] = { replayed: head - Math.max(after, prunedThrough), gap: cursor < prunedThrough || cursor > head };
      if (stream === own && ownFrom !== null) resumed[stream] = { ...resumed[stream]!, from: ownFrom };
      plan.push({ stream, after, upTo: head });
    }
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const connected: ConnectedFrame = {
      type: 'connected',
      agent_id: agentId,
      session_id: session.id,
      epoch: this.d.epoch,
      heartbeat_ms: this.d.heartbeatMs,
      resumed,
    };
    this.sendRaw(JSON.stringify(connected));
    session.release();
    const early = this.early ?? [];
    this.early = null;
    for (const frame of early) this.handleFrame(frame);

    for (const { stream, after, upTo } of plan) {
      let last = after;
      while (last < upTo && this.ws.readyState === WebSocket.OPEN) {
        const page = await streams.read(stream, last, REPLAY_PAGE, upTo);
        if (page.length === 0) break;
        for (const p of page) await session.replay(stream, p.seq, p.frame);
        last = page[page.length - 1]!.seq;
      }
      session.endReplay(stream, upTo);
      streams.replayed(stream, upTo);
    }
  }

  private handleFrame(data: RawData): void {
    const session = this.session;
    if (!session) return;
    const text = rawText(data);
    if (text === 'ping') return this.sendRaw('pong');
    const json = parseJson(text, this.d.maxJsonDepth);
    // Too deep: refused before zod or a handler sees it; still answered by u_id when it has one.
    if (!json.ok) return this.refuse(json.value, { error: json.error, code: ErrorCode.BadRequest });
    const value = json.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.sendError({ error: 'frame is not a JSON object', code: ErrorCode.BadRequest });
    }
    const type = (value as { type?: unknown }).type;
    if (type === 'ping') return this.sendRaw('{"type":"pong"}');
    if (type === 'ack') {
      const ack = AckFrame.safeParse(value);
      if (!ack.success) return this.sendError({ error: 'malformed ack frame', code: ErrorCode.BadRequest });
      void this.d.streams.ack(session.agentId, ack.data.cursors).catch((err: unknown) => this.d.log.error({ err }, 'ack failed'));
      return;
    }
    const wait = this.d.addressLimits.requests.take(this.address);
    if (wait > 0) return this.refuse(value, { error: 'too many requests from this address', code: ErrorCode.RateLimited, details: { retry_after_ms: wait } });
    if (usableUId(value) === null) {
      return this.sendError({
        error: type === 'auth' ? 'already authenticated' : 'not a request: expected {agent_id, u_id, params:{action, params}}',
        code: ErrorCode.BadRequest,
      });
    }
    const credential: Credential = this.token ? tokenCredential(this.token) : { kind: 'signature' };
    const ctx: AuthedCallContext = { agentId: session.agentId, transport: 'ws', credential };
    this.inflight++;
    this.d.dispatcher
      .dispatchValue(ctx, value)
      .then((out) => {
        if (out.kind === 'response') this.sendRaw(JSON.stringify(out.frame));
        else this.sendError(out.content);
      })
      .catch((err: unknown) => this.d.log.error({ err }, 'dispatch failed'))
      .finally(() => {
        this.inflight--;
        if (this.inflight === 0 && this.closeWhenIdle) this.close(this.closeWhenIdle.code, this.closeWhenIdle.reason);
      });
  }

  /** Ends the session when its token expires (re-armed in steps: a timer cannot wait longer than ~24.8 days). */
  private armTokenExpiry(expiresAt: number): void {
    const left = expiresAt - Date.now();
    if (left <= 0) return this.endForToken('token expired');
    this.tokenTimer = setTimeout(() => this.armTokenExpiry(expiresAt), Math.min(left, MAX_TIMER_MS));
    this.tokenTimer.unref();
  }

  /** An error answer to a frame the dispatcher will not see: a response envelope when it has a usable u_id, else an error frame. */
  private refuse(value: unknown, content: ErrorContent): void {
    const uId = usableUId(value);
    if (uId === null || !this.session) return this.sendError(content);
    const agentId = (value as { agent_id?: unknown }).agent_id;
    this.sendRaw(JSON.stringify({ agent_id: typeof agentId === 'string' ? agentId : this.session.agentId, u_id: uId, status: 'error', content }));
  }

  onClose(): void {
    this.endSession();
    this.conns.delete(this);
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** The `/v1/ws` edge: upgrades, heartbeat sweeps and shutdown. */
export class WsTransport {
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<Connection>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly trust: TrustFn;
  private readonly stopRevocations: () => void;
  private accepting = true;

  constructor(private readonly d: WsDeps) {
    // closeTimeout (ws >= 8.19; not in @types/ws yet): how long a closing socket may take to get its
    // close frame out before ws destroys it. A stalled client reads its 4008 only if it resumes within this.
    const options: ServerOptions & { closeTimeout: number } = { noServer: true, maxPayload: d.maxFrameBytes, closeTimeout: d.closeTimeoutMs };
    this.wss = new WebSocketServer(options);
    this.trust = trustFunction(d.trustProxy);
    // A revoked token ends the sessions it opened (rare: logout, or a mint past the per-agent cap).
    this.stopRevocations = d.auth.onRevoked((agentId, hashes) => {
      for (const c of this.conns) c.tokenRevoked(agentId, hashes);
    });
    // A handshake ws refuses (bad method, key, version...) is answered with the hub's JSON error body, not ws's text.
    this.wss.on('wsClientError', (err: Error, socket: Duplex) => {
      const versionError = /Sec-WebSocket-Version/.test(err.message);
      writeRawError(socket, err.message === 'Invalid HTTP method' ? 405 : 400, ErrorCode.BadRequest, err.message, versionError ? { 'Sec-WebSocket-Version': '13, 8' } : {});
    });
    const limit = d.heartbeatMs * 2.5;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const c of this.conns) if (now - c.lastSeen > limit) c.close(CloseCode.HeartbeatTimeout, 'heartbeat timeout');
    }, Math.max(10, Math.min(d.heartbeatMs / 2, 5000)));
    this.sweeper.unref();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/v1/ws') return writeRawError(socket, 404, ErrorCode.NotFound, 'no such endpoint');
    if (!this.accepting) return writeRawError(socket, 503, ErrorCode.Unavailable, 'hub is shutting down');
    const address = addressKey(clientAddress(req, this.trust));
    const wait = this.d.addressLimits.requests.take(address);
    if (wait > 0) {
      const retryAfter = String(Math.max(1, Math.ceil(wait / 1000)));
      return writeRawError(socket, 429, ErrorCode.RateLimited, 'too many requests from this address', { 'Retry-After': retryAfter }, { retry_after_ms: wait });
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.conns.add(new Connection(ws, socket, this.d, address, this.conns));
    });
  }

  /** The tokens open sessions here were opened with (hash -> agent): to find those revoked while this hub was not told. */
  liveTokens(): Map<string, string> {
    const out = new Map<string, string>();
    for (const c of this.conns) {
      const t = c.openedWith;
      if (t) out.set(t.tokenHash, t.agentId);
    }
    return out;
  }

  stopAccepting(): void {
    this.accepting = false;
  }

  /** Closes every socket with 1001 and waits (bounded) for the close handshakes. */
  async close(timeoutMs = 2000): Promise<void> {
    this.accepting = false;
    clearInterval(this.sweeper);
    this.stopRevocations();
    await closeSockets(this.wss, this.conns, timeoutMs);
  }
}
