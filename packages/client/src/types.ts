import type { ConnectedFrame, EventDataOf, EventName, PushFrame } from '@parley/protocol';
import type { TokenCredentials } from './auth.js';
import type { CursorStore } from './cursors.js';
import type { Identity } from './identity.js';
import type { HubUrls } from './url.js';

export type ConnectionState = 'disconnected' | 'connecting' | 'authenticating' | 'connected';
export type TransportKind = 'websocket' | 'http';

/** The part of the browser WebSocket interface the client uses; `ws` implements it too. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drop the TCP connection without a closing handshake. */
  terminate?(): void;
}

export type WebSocketConstructorLike = new (url: string) => WebSocketLike;

export interface ReconnectOptions {
  /** First delay cap, ms (default 1000). */
  initialDelayMs?: number;
  /** Growth per attempt (default 1.5). */
  multiplier?: number;
  /** Largest delay cap, ms (default 30000). */
  maxDelayMs?: number;
  /** Default true. When false, a dropped connection stays down until connect() is called again. */
  enabled?: boolean;
}

export interface ParleyClientOptions {
  /**
   * Hub base URL, http(s)://host:port; the WebSocket URL is ws(s)://host:port/v1/ws.
   *
   * Or a non-empty list of them: hubs sharing one database (same epoch,
   * streams and seqs); a load balancer in front of them is one URL. The client uses one hub
   * at a time, the first one to begin with; when it cannot connect or loses
   * the connection, each reconnect attempt moves to the next URL, round robin,
   * and resumes its streams from its cursors exactly as after a reconnect to
   * the same hub (a token from one hub is valid on the others: no
   * re-registration). The reconnect backoff grows per full round of the list,
   * so a live hub is found within the first window and a cluster that is all
   * down is backed off as one hub would be. With reconnect disabled, connect()
   * tries each URL once. `client.url` (read-only) is the hub in use, or the
   * one the next attempt goes to; every WebSocket, HTTP call and token request
   * goes there.
   *
   * An empty list or a URL that is not http(s):// throws a TypeError at
   * construction. `parseHubUrls` reads a comma-separated list (a flag, an
   * environment variable) into this form.
   */
  url: HubUrls;
  /**
   * How the client proves it is the agent: exactly one of these two (a
   * TypeError at construction otherwise).
   *
   * `identity`: the agent's own key. The WebSocket handshake is signed, HTTP
   * uses a bearer token minted with the key, and signed transfers work.
   */
  identity?: Identity;
  /**
   * `credentials`: an agent id and a token (a binding's API key `pk_...`, or
   * the console's short-lived token), for someone acting as the agent without
   * its key. The WebSocket `auth` frame carries the token and HTTP calls send
   * it as `Authorization: Bearer`; nothing is signed, so `transfer()` is
   * refused. `token()` is called before each connection attempt and again
   * after the hub refuses the token (close 4401, HTTP 401). Everything else
   * (calls, pushes, helpers, reconnect, resume) works as with a key.
   */
  credentials?: TokenCredentials;
  /** Default: a MemoryCursorStore. */
  cursorStore?: CursorStore;
  /** Default 30000. */
  requestTimeoutMs?: number;
  reconnect?: ReconnectOptions;
  /** Default: the hub's `connected.heartbeat_ms`. */
  heartbeatMs?: number;
  /** Default 100. */
  offlineQueueSize?: number;
  /** Default ['websocket', 'http']. */
  transports?: TransportKind[];
  /** Default globalThis.WebSocket, else the `ws` package. */
  WebSocket?: WebSocketConstructorLike;
  /** Default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Default true: ack delivered pushes to the hub, batched (1 s or 100 pushes). */
  autoAck?: boolean;
}

export type GapReason = 'retention' | 'epoch' | 'forbidden';

export interface GapInfo {
  stream: string;
  reason: GapReason;
}

export interface DisconnectInfo {
  code: number;
  reason: string;
}

/** Counters for tests and diagnostics. */
export interface ClientStats {
  pendingCalls: number;
  queuedCalls: number;
  abortListeners: number;
  activeTimers: number;
}

type ProtocolEventListeners = {
  [E in EventName]: (data: EventDataOf<E>, frame: PushFrame) => void;
};

export type ParleyClientEvents = ProtocolEventListeners & {
  /**
   * Every change of `client.state`. Each attempt starts with 'connecting', and
   * by then `client.url` is the hub that attempt goes to: with several hub
   * URLs, this is where to log which hub the client is trying.
   */
  state: (state: ConnectionState, prev: ConnectionState) => void;
  /** A session is up (first connect or any reconnect); `client.url` is the hub it is on. */
  connected: (frame: ConnectedFrame) => void;
  disconnected: (info: DisconnectInfo) => void;
  /** Every delivered push, whatever its event (also events unknown to this client version). */
  push: (frame: PushFrame) => void;
  gap: (info: GapInfo) => void;
  error: (err: Error) => void;
};
