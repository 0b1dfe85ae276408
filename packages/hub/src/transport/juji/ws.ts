import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { CloseCode, ErrorCode } from '@parley/protocol';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { verifyEd25519, type AuthedCallContext } from '../../core/auth.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import type { AddressLimits } from '../../core/rate-limit.js';
import { Session, type Frame, type SessionRegistry, type SessionSink } from '../../core/sessions.js';
import { addressKey, clientAddress, trustFunction, type TrustFn, type TrustProxy } from '../address.js';
import { parseJson } from '../json.js';
import { writeRawError } from '../raw-http.js';
import { hashWsToken, type JujiAliases } from './aliases.js';
import { capabilitiesDocument } from './discovery.js';
import { jujiPush } from './pushes.js';
import { runJujiAction, type JujiOutcome } from './translate.js';
import { closeSockets } from '../close-sockets.js';

export interface JujiWsDeps {
  aliases: JujiAliases;
  dispatcher: Dispatcher;
  sessions: SessionRegistry;
  /** Creates the Parley agent on its first signed connection (the signature proves the key). */
  ensureAgent(agentId: string, publicKey: string, name: string | null): Promise<void>;
  addressLimits: AddressLimits;
  trustProxy: TrustProxy;
  maxFrameBytes: number;
  maxQueuedBytes: number;
  maxJsonDepth: number;
  maxSessionsPerAgent: number;
  /** How far a connection's `ts` may be from the hub's clock, in seconds. */
  tsWindowS: number;
  /** A connection silent this long (no frame, no ping) is closed. */
  idleMs: number;
  log: Logger;
  onPresence(agentId: string): void;
}

export const JUJI_WS_PATH = '/ws';
export const jujiWsSigningString = (alias: number, ts: number) => `juji-ws-v1|${alias}|${ts}`;
/** Pushes waiting for their aliases before they go out; past this the client is not reading: 4008. */
const MAX_PENDING_PUSHES = 1000;
const UID_MAX = 120;
/** How long a new connection waits for a closing one to give its (agent, ts) back: CLAIM_TRIES x CLAIM_RETRY_MS. */
const CLAIM_TRIES = 10;
const CLAIM_RETRY_MS = 200;

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The query of a Juji connection, or null when any part is missing or malformed. */
function parseQuery(url: string): { alias: number; token: string; ts: number; sig: string } | null {
  const q = new URLSearchParams(url.split('?')[1] ?? '');
  const alias = Number(q.get('agent_id'));
  const ts = Number(q.get('ts'));
  const token = q.get('token') ?? '';
  const sig = q.get('sig') ?? '';
  if (!Number.isSafeInteger(alias) || alias < 1 || !Number.isSafeInteger(ts) || !/^[0-9a-f]{1,128}$/i.test(token) || !/^[0-9a-f]{128}$/i.test(sig)) return null;
  return { alias, token, ts, sig };
}

/** One Juji socket: authenticated from its URL, then Juji envelopes in and out. Its session's sink. */
class JujiConnection implements SessionSink {
  state: 'authenticating' | 'open' | 'closed' = 'authenticating';
  session: Session | null = null;
  alias = 0;
  private claimed: { agentId: string; ts: number; sessionId: string } | null = null;
  lastSeen = Date.now();
  /** Pushes are shaped one after another (alias lookups are async): this keeps them in order. */
  private pushChain: Promise<void> = Promise.resolve();
  private pendingPushes = 0;

  constructor(
    readonly ws: WebSocket,
    private readonly d: JujiWsDeps,
    private readonly address: string,
    private readonly conns: Set<JujiConnection>,
  ) {
    ws.on('message', (data: RawData) => this.onMessage(data));
    ws.on('ping', () => (this.lastSeen = Date.now()));
    ws.on('error', (err) => d.log.debug({ err }, 'juji websocket error'));
    ws.on('close', () => this.onClose());
  }

  async authenticate(url: string): Promise<void> {
    const q = parseQuery(url);
    const fail = (why: string) => this.close(CloseCode.Unauthorized, why);
    if (!q) return fail('agent_id, token, ts and sig are required');
    const now = Math.floor(Date.now() / 1000);
    if (Math.abs(now - q.ts) > this.d.tsWindowS) return fail(`ts is not within ${this.d.tsWindowS} s of the hub's clock`);
    const row = await this.d.aliases.byAlias(q.alias);
    // One answer for every failure: which part was wrong is no business of an impostor.
    if (!row || !sameHash(hashWsToken(q.token), row.wsTokenHash) || !verifyEd25519(row.publicKey, jujiWsSigningString(q.alias, q.ts), q.sig)) {
      return fail('authentication failed');
    }
    if (this.state !== 'authenticating') return;
    await this.d.ensureAgent(row.agentId, row.publicKey, row.name);
    const session = new Session(row.agentId, this);
    if (!(await this.claimTs(row.agentId, q.ts, session.id, now))) return fail('this ts is in use by a live session: sign a new one');
    this.claimed = { agentId: row.agentId, ts: q.ts, sessionId: session.id };
    if (this.state !== 'authenticating') return this.releaseTs();
    let placed: boolean;
    try {
      placed = await this.d.sessions.reserve(row.agentId, this.d.maxSessionsPerAgent);
    } catch (err) {
      this.d.log.warn({ err }, 'juji session not counted: shared presence unreachable');
      return this.close(CloseCode.GoingAway, 'presence is unavailable on this hub; reconnect');
    }
    if (!placed) return this.close(CloseCode.TooManySessions, `too many sessions for this agent (at most ${this.d.maxSessionsPerAgent})`);
    if (this.state !== 'authenticating' || this.ws.readyState !== WebSocket.OPEN) return this.d.sessions.cancel(row.agentId);
    this.alias = q.alias;
    this.session = session;
    this.state = 'open';
    this.d.sessions.add(session);
    this.d.onPresence(row.agentId);
    this.ws.send(JSON.stringify({ type: 'connected', agent_id: q.alias }));
    session.release();
  }

  /**
   * Juji's client closes a connection and may open the next within the same
   * second, so with the same ts: its close may reach the hub (and the release
   * commit) just after the new connection does. The pair is asked for again
   * for a little while before the new connection is refused; a replay while
   * the real session stays open is refused all the same, only later.
   */
  private async claimTs(agentId: string, ts: number, sessionId: string, now: number): Promise<boolean> {
    for (let i = 0; ; i++) {
      if (await this.d.aliases.claimTs(agentId, ts, sessionId, now - this.d.tsWindowS - 1)) return true;
      if (i >= CLAIM_TRIES || this.ws.readyState !== WebSocket.OPEN) return false;
      await new Promise((r) => setTimeout(r, CLAIM_RETRY_MS));
    }
  }

  // SessionSink: a Parley push, reshaped as Juji's notification frames.
  send(frame: Frame): void {
    if (this.state !== 'open') return;
    if (++this.pendingPushes > MAX_PENDING_PUSHES || this.ws.bufferedAmount > this.d.maxQueuedBytes) {
      return this.close(CloseCode.SlowConsumer, 'slow consumer');
    }
    this.pushChain = this.pushChain
      .then(async () => {
        const out = await jujiPush(this.d.aliases, typeof frame === 'string' ? frame : frame.toString('utf8'));
        if (out && this.ws.readyState === WebSocket.OPEN) this.ws.send(out);
      })
      .catch((err: unknown) => this.d.log.warn({ err }, 'juji push not delivered'))
      .finally(() => this.pendingPushes--);
  }

  sendReplay(frame: string): void {
    this.send(frame);
  }

  drained(): Promise<void> {
    return this.pushChain;
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
    this.end();
  }

  private end(): void {
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    if (this.session && wasOpen) {
      this.d.sessions.remove(this.session);
      this.d.onPresence(this.session.agentId);
    }
    this.releaseTs();
  }

  private releaseTs(): void {
    const c = this.claimed;
    this.claimed = null;
    if (c) void this.d.aliases.releaseTs(c.agentId, c.ts, c.sessionId).catch((err: unknown) => this.d.log.warn({ err }, 'juji ts not released'));
  }

  onClose(): void {
    this.end();
    this.conns.delete(this);
  }

  private reply(uId: string, out: JujiOutcome): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ agent_id: this.alias, u_id: uId, content: out.content, status: out.status }));
  }

  private sendError(error: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'error', content: { error }, status: 'error' }));
  }

  onMessage(data: RawData): void {
    this.lastSeen = Date.now();
    if (this.state !== 'open' || !this.session) return;
    const text = rawText(data).trim();
    if (text === 'ping' || text === '{}') return void this.ws.send('{"type":"pong"}');
    const json = parseJson(text, this.d.maxJsonDepth);
    if (!json.ok) return this.sendError(json.error);
    const v = json.value as { type?: unknown; agent_id?: unknown; u_id?: unknown; params?: unknown };
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.sendError('frame is not a JSON object');
    if (v.type === 'ping') return void this.ws.send('{"type":"pong"}');
    if (typeof v.u_id !== 'string' || v.u_id.length === 0 || v.u_id.length > UID_MAX) {
      return this.sendError(`not a request: expected {agent_id, u_id (1 to ${UID_MAX} characters), params: {action, params}}`);
    }
    const uId = v.u_id;
    const wait = this.d.addressLimits.requests.take(this.address);
    if (wait > 0) return this.reply(uId, { status: 'error', content: { error: 'too many requests from this address' } });
    if (v.agent_id !== this.alias) return this.reply(uId, { status: 'error', content: { error: 'agent_id is not the connected agent' } });
    const params = v.params as { action?: unknown; params?: unknown } | undefined;
    if (typeof params !== 'object' || params === null || typeof params.action !== 'string') {
      return this.reply(uId, { status: 'error', content: { error: 'params must be {action, params}' } });
    }
    if (params.action === 'community/capabilities') return this.reply(uId, { status: 'success', content: capabilitiesDocument() });
    const ctx: AuthedCallContext = { agentId: this.session.agentId, transport: 'ws', credential: { kind: 'signature' } };
    runJujiAction(this.d, ctx, uId, params.action, params.params).then(
      (out) => this.reply(uId, out),
      (err: unknown) => {
        this.d.log.error({ err }, 'juji action failed');
        this.reply(uId, { status: 'error', content: { error: 'internal error' } });
      },
    );
  }
}

/** Juji's `/ws` edge: authentication by URL signature, Juji envelopes, Juji-shaped pushes. */
export class JujiWsTransport {
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<JujiConnection>();
  private readonly trust: TrustFn;
  private readonly sweeper: NodeJS.Timeout;
  private accepting = true;

  constructor(private readonly d: JujiWsDeps) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: d.maxFrameBytes });
    this.trust = trustFunction(d.trustProxy);
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const c of this.conns) if (now - c.lastSeen > d.idleMs) c.close(CloseCode.HeartbeatTimeout, 'idle: send ping');
    }, Math.max(10, Math.min(d.idleMs / 2, 5000)));
    this.sweeper.unref();
  }

  handles(req: IncomingMessage): boolean {
    return (req.url ?? '').split('?')[0] === JUJI_WS_PATH;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.accepting) return writeRawError(socket, 503, ErrorCode.Unavailable, 'hub is shutting down');
    const address = addressKey(clientAddress(req, this.trust));
    const wait = this.d.addressLimits.requests.take(address);
    if (wait > 0) return writeRawError(socket, 429, ErrorCode.RateLimited, 'too many requests from this address', { 'Retry-After': String(Math.max(1, Math.ceil(wait / 1000))) });
    const url = req.url ?? '';
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new JujiConnection(ws, this.d, address, this.conns);
      this.conns.add(conn);
      conn.authenticate(url).catch((err: unknown) => {
        this.d.log.error({ err }, 'juji auth failed unexpectedly');
        conn.close(CloseCode.Unauthorized, 'authentication failed');
      });
    });
  }

  stopAccepting(): void {
    this.accepting = false;
  }

  async close(timeoutMs = 2000): Promise<void> {
    this.accepting = false;
    clearInterval(this.sweeper);
    await closeSockets(this.wss, this.conns, timeoutMs);
  }
}
