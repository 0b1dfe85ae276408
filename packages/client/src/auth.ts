import { AgentId, wsSigningString, type AuthFrame } from '@parley/protocol';
import type { Identity } from './identity.js';
import { requestToken, type FetchLike } from './registration.js';
import { signAsync } from './signing.js';

/**
 * Token auth instead of a key: a binding's API key (`pk_...`) or the
 * console's short-lived token. The client never signs with these: the
 * WebSocket `auth` frame carries the token and HTTP calls send it as a bearer.
 */
export interface TokenCredentials {
  agentId: string;
  /**
   * Called before each connection attempt and after the hub refuses the token
   * (WebSocket close 4401, HTTP 401): return a fresh token. A function rather
   * than a string so that short-lived tokens can be renewed as they expire.
   */
  token: () => string | Promise<string>;
}

/** The WebSocket `auth` frame without the resume cursors (the connection adds those). */
export type AuthAnswer = Omit<AuthFrame, 'resume'>;

/**
 * How the client proves it is the agent, the one place that knows whether it
 * holds the agent's key or only a token. Everything that authenticates (the
 * WebSocket handshake, the HTTP fallback's bearer, logout's "my own token",
 * the transfer signer) asks this object and never looks at the options.
 */
export interface AgentAuth {
  readonly agentId: string;
  /** The key, when the client has it (signed transfers need it); null with token credentials. */
  readonly identity: Identity | null;
  /** At the start of every connection attempt (main socket, HTTP fallback, probe back to the WebSocket). */
  beginAttempt(): Promise<void>;
  /** The answer to the hub's challenge. */
  answer(nonce: string): Promise<AuthAnswer>;
  /** The bearer for HTTP calls: the one in hand, or a first one. */
  bearer(): Promise<string>;
  /** The hub refused the bearer: another one (one request at a time, however many calls saw the 401). */
  refreshBearer(): Promise<string>;
  /** A bearer this client minted itself and may revoke on logout (never a token it was given). */
  readonly mintedToken: string | null;
}

/**
 * One renewal at a time: callers that ask while a fetch is running share it,
 * and the value is kept until the next refresh.
 */
class Renewable {
  #value: string | null = null;
  #inflight: Promise<string> | null = null;

  constructor(private readonly fetchOne: () => Promise<string>) {}

  get current(): string | null {
    return this.#value;
  }

  get(): Promise<string> {
    return this.#value !== null ? Promise.resolve(this.#value) : this.refresh();
  }

  refresh(): Promise<string> {
    this.#value = null;
    this.#inflight ??= this.fetchOne()
      .then((v) => {
        this.#value = v;
        return v;
      })
      .finally(() => {
        this.#inflight = null;
      });
    return this.#inflight;
  }
}

/**
 * With the agent's key: the WebSocket is authenticated by signing the
 * challenge; HTTP uses a bearer minted with `POST /v1/agents/token`, asked of
 * the hub in use at that moment (`url` is read each time: hubs sharing a
 * database accept each other's tokens, so a failover keeps the token).
 */
export function keyAuth(identity: Identity, url: () => string, fetchImpl: FetchLike | null): AgentAuth {
  const tokens = new Renewable(async () => {
    if (!fetchImpl) throw new Error('http transport not configured');
    return (await requestToken(url(), identity, { fetch: fetchImpl })).token;
  });
  return {
    agentId: identity.agentId,
    identity,
    beginAttempt: () => Promise.resolve(),
    answer: async (nonce) => ({ type: 'auth', agent_id: identity.agentId, sig: await signAsync(identity, wsSigningString(identity.agentId, nonce)) }),
    bearer: () => tokens.get(),
    refreshBearer: () => tokens.refresh(),
    get mintedToken() {
      return tokens.current;
    },
  };
}

/** The longest token the hub's `auth` frame takes (frames.ts). */
const MAX_TOKEN_LENGTH = 512;

/**
 * With token credentials: `token()` is asked at the start of every
 * connection attempt (so a 4401 or a revoked token is followed by a fresh one
 * on the next attempt) and again when an HTTP call gets a 401. What it
 * returns is checked here, so a bad value fails the attempt with a clear
 * message instead of a bare 4401 from the hub.
 */
export function tokenAuth(credentials: TokenCredentials): AgentAuth {
  const tokens = new Renewable(async () => {
    const t: unknown = await credentials.token();
    if (typeof t !== 'string' || t.length === 0 || t.length > MAX_TOKEN_LENGTH) {
      throw new TypeError(`credentials.token() must return a non-empty string of at most ${MAX_TOKEN_LENGTH} characters`);
    }
    return t;
  });
  return {
    agentId: credentials.agentId,
    identity: null,
    beginAttempt: async () => {
      await tokens.refresh();
    },
    answer: async () => ({ type: 'auth', agent_id: credentials.agentId, token: await tokens.get() }),
    bearer: () => tokens.get(),
    refreshBearer: () => tokens.refresh(),
    // Given, not minted: revoking an API key is its human's decision (the console), not the script's logout().
    mintedToken: null,
  };
}

/** Exactly one of the two, checked at construction so a misconfigured client fails before its first attempt. */
export function agentAuth(
  options: { identity?: Identity; credentials?: TokenCredentials },
  url: () => string,
  fetchImpl: FetchLike | null,
): AgentAuth {
  const { identity, credentials } = options;
  if ((identity === undefined) === (credentials === undefined)) {
    throw new TypeError('ParleyClient needs exactly one of "identity" (the agent\'s key) and "credentials" (an agent id and a token function)');
  }
  if (identity !== undefined) return keyAuth(identity, url, fetchImpl);
  const c = credentials!;
  if (typeof c !== 'object' || c === null || typeof c.token !== 'function') throw new TypeError('credentials.token must be a function returning a token');
  if (!AgentId.safeParse(c.agentId).success) throw new TypeError(`credentials.agentId is not an agent id (agt_ + 32 base32 characters): ${JSON.stringify(c.agentId)}`);
  return tokenAuth(c);
}
