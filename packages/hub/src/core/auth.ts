import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import {
  Defaults,
  ErrorCode,
  agentIdFromPublicKey,
  registerSigningString,
  tokenSigningString,
  wsSigningString,
  type RegisterRequest,
  type TokenRequest,
  type TokenResponse,
} from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Sql, Writer } from '../store/sql.js';
import type { CallContext, HandlerMap } from './dispatcher.js';
import { HubError, forbidden } from './errors.js';
import { respond } from './unit.js';

/** What auth needs from the agent domain; kept tiny so core does not read agent tables. */
export interface AgentDirectory {
  publicKeyOf(agentId: string): Promise<string | null>;
  /** Inside the registration's writer job. */
  upsert(tx: Sql, agentId: string, publicKey: string, name: string | undefined): Promise<void>;
}

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows.
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Parsed keys of recent signers. Making a KeyObject costs about as much as the
 * verification itself (~0.3 ms here), and the same agents sign again on every
 * reconnect: a storm of a thousand reconnects would parse a thousand keys.
 * Least recently used out first; a key never changes, so nothing goes stale.
 */
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_MAX = 10_000;

function publicKeyObject(publicKeyHex: string): KeyObject | null {
  let key = keyCache.get(publicKeyHex);
  if (key) {
    keyCache.delete(publicKeyHex);
  } else {
    const raw = Buffer.from(publicKeyHex, 'hex');
    if (raw.length !== 32) return null;
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
  }
  keyCache.set(publicKeyHex, key);
  return key;
}

/** Ed25519 verification with node:crypto (much faster than a pure-JS verifier). Never throws. */
export function verifyEd25519(publicKeyHex: string, message: string, signatureHex: string): boolean {
  try {
    const sig = Buffer.from(signatureHex, 'hex');
    if (sig.length !== 64) return false;
    const key = publicKeyObject(publicKeyHex);
    return key !== null && verify(null, Buffer.from(message, 'utf8'), key, sig);
  } catch {
    return false;
  }
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

const unauthorized = (msg: string) => new HubError(ErrorCode.Unauthorized, msg);

/** A live bearer token, as a request or session presented it. */
export interface TokenInfo {
  agentId: string;
  tokenHash: string;
  /** Unix ms; Infinity for an API key, which lasts until it is revoked. */
  expiresAt: number;
  /** Set when the token is a human's key of a binding to the agent (an API key or console token), not the agent's own. */
  key?: { keyId: string; bindingId: string };
}

/** A human's key, as the account domain knows it. */
export interface KeyInfo {
  agentId: string;
  keyId: string;
  bindingId: string;
  /** Unix ms, or null: until revoked. */
  expiresAt: number | null;
}

/**
 * What auth needs from the account domain to take its keys (API keys and
 * console tokens, `pk_...`) wherever the agent's own bearer token is taken.
 * Kept tiny so core does not read account tables.
 */
export interface KeyDirectory {
  /** A live key by its sha256, or null when unknown, revoked or expired. */
  lookup(keyHash: string): Promise<KeyInfo | null>;
  /** Of `hashes`, those that are live keys. */
  liveAmong(hashes: string[]): Promise<Set<string>>;
}

/** Keys of bindings look like this; the agent's own tokens start with `pt_`. */
export const KEY_PREFIX = 'pk_';

/**
 * How a call was authenticated: the agent's bearer token (HTTP, or a WebSocket
 * that sent `token`), its signature, or a human's key of a binding to the agent
 * (an API key or console token: the call acts as the agent, through the binding).
 */
export type Credential =
  | { kind: 'token'; tokenHash: string }
  | { kind: 'signature' }
  | { kind: 'key'; tokenHash: string; keyId: string; bindingId: string };

/**
 * The transports attach the credential to the call context so that
 * `agent/logout` can revoke "the token of this request". CallContext belongs to
 * the dispatcher; this extends it rather than changing it.
 */
export type AuthedCallContext = CallContext & { credential?: Credential };

export function credentialOf(ctx: CallContext): Credential | undefined {
  return (ctx as AuthedCallContext).credential;
}

/** The credential of a call made with a bearer token: the agent's own, or a human's key of a binding. */
export function tokenCredential(t: TokenInfo): Credential {
  return t.key ? { kind: 'key', tokenHash: t.tokenHash, keyId: t.key.keyId, bindingId: t.key.bindingId } : { kind: 'token', tokenHash: t.tokenHash };
}

/** Told when tokens stop being valid before they expire (revoked, or retired by the per-agent cap), to end what they opened. */
export type RevocationListener = (agentId: string, tokenHashes: ReadonlySet<string>) => void;

export interface AuthOptions {
  tokenTtlSeconds: number;
  /** Live tokens per agent; minting past it retires the oldest. */
  maxTokensPerAgent: number;
}

export class Auth {
  private readonly windowS = Defaults.signatureWindowSeconds;
  private readonly listeners = new Set<RevocationListener>();

  constructor(
    private readonly db: Kysely<Database>,
    /** Revocations are writer jobs: `agent/logout` records its answer in the transaction that deletes (core/unit.ts). */
    private readonly writer: Writer,
    private readonly agents: AgentDirectory,
    private readonly opts: AuthOptions,
  ) {}

  /** Several hubs: told of revocations made on this hub, to tell the others. */
  relay: RevocationListener | null = null;

  /** The account domain's keys, taken as bearer tokens too; null: only agents' own tokens. */
  keys: KeyDirectory | null = null;

  /** Adds a listener for revoked tokens; returns a function that removes it. Listeners must not throw. */
  onRevoked(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async register(req: RegisterRequest): Promise<TokenResponse> {
    this.checkTs(req.ts);
    if (!verifyEd25519(req.public_key, registerSigningString(req.public_key, req.ts), req.sig)) {
      throw unauthorized('bad signature');
    }
    const agentId = agentIdFromPublicKey(req.public_key);
    // One transaction: a replayed signature changes nothing, and a registration never lands without its token.
    return this.mint(agentId, async (tx) => {
      await this.useOnce(tx, `register|${req.public_key}|${req.ts}`, req.ts);
      await this.agents.upsert(tx, agentId, req.public_key, req.name);
    });
  }

  async token(req: TokenRequest): Promise<TokenResponse> {
    const publicKey = await this.agents.publicKeyOf(req.agent_id);
    if (!publicKey) throw new HubError(ErrorCode.NotFound, 'unknown agent');
    this.checkTs(req.ts);
    if (!verifyEd25519(publicKey, tokenSigningString(req.agent_id, req.ts), req.sig)) throw unauthorized('bad signature');
    return this.mint(req.agent_id, (tx) => this.useOnce(tx, `token|${req.agent_id}|${req.ts}`, req.ts));
  }

  /** WebSocket challenge answer; false for any failure (unknown agent, bad sig, other nonce). */
  async verifyWsSignature(agentId: string, nonce: string, sig: string): Promise<boolean> {
    const publicKey = await this.agents.publicKeyOf(agentId);
    return publicKey !== null && verifyEd25519(publicKey, wsSigningString(agentId, nonce), sig);
  }

  /** A bearer token's agent and expiry, or null when unknown, revoked or expired. */
  async checkToken(token: string): Promise<TokenInfo | null> {
    const tokenHash = hashToken(token);
    if (token.startsWith(KEY_PREFIX)) {
      const key = this.keys ? await this.keys.lookup(tokenHash) : null;
      if (!key || (key.expiresAt !== null && key.expiresAt <= Date.now())) return null;
      return { agentId: key.agentId, tokenHash, expiresAt: key.expiresAt ?? Number.POSITIVE_INFINITY, key: { keyId: key.keyId, bindingId: key.bindingId } };
    }
    const row = await this.db.selectFrom('tokens').select(['agent_id', 'expires_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!row || Number(row.expires_at) <= Date.now()) return null;
    return { agentId: row.agent_id, tokenHash, expiresAt: Number(row.expires_at) };
  }

  /**
   * `agent/logout`: revokes the named token, every token (`all`), or the one
   * the call was authenticated with. Only the caller's own tokens are touched.
   */
  async logout(agentId: string, credential: Credential | undefined, p: { token?: string | undefined; all?: boolean | undefined }): Promise<{ revoked: number }> {
    // The agent's tokens are its own credentials: a human acting as the agent
    // through a key may not end the agent's sessions (they revoke their key).
    if (credential?.kind === 'key') {
      throw forbidden(
        "the agent's own tokens are the agent's to revoke, not a call made through an API key or console token: revoke the key itself from the account",
      );
    }
    let which: string[] | 'all';
    if (p.all) which = 'all';
    else if (p.token !== undefined) which = [hashToken(p.token)];
    else if (credential?.kind === 'token') which = [credential.tokenHash];
    else {
      throw new HubError(
        ErrorCode.InvalidParams,
        'this call was authenticated by signature, not by a token: name the token to revoke, or pass all: true',
      );
    }
    // The answer is recorded with the deletion (respond): a retry after a crash gets it back.
    return this.writer.run(
      async (tx) => {
        const revoked = await this.revokeWithin(tx, agentId, which);
        return { revoked, answer: await respond(tx, { revoked: revoked.size }) };
      },
      ({ revoked }) => this.revoked(agentId, revoked),
    ).then((r) => r.answer);
  }

  /** Deletes the agent's tokens among `which` (others' are never touched) inside a writer job; the hashes deleted. */
  private async revokeWithin(tx: Sql, agentId: string, which: string[] | 'all'): Promise<Set<string>> {
    const revoked = new Set<string>();
    const scoped = this.db.deleteFrom('tokens').where('agent_id', '=', agentId);
    const batches = which === 'all' ? [scoped] : chunks(which, 500).map((chunk) => scoped.where('token_hash', 'in', chunk));
    for (const q of batches) for (const r of await tx.all(q.returning('token_hash').compile())) revoked.add(r.token_hash);
    return revoked;
  }

  /**
   * Tokens or keys that stopped being valid by another domain's commit (a
   * human revoked a key, unbound, logged out): what they opened ends at once,
   * here and, through `relay`, on the other hubs. Call it after the commit.
   */
  announceRevoked(agentId: string, hashes: ReadonlySet<string>): void {
    this.revoked(agentId, new Set(hashes));
  }

  /** After the commit: end what the revoked tokens opened. */
  private revoked(agentId: string, hashes: Set<string>): void {
    if (hashes.size === 0) return;
    this.endRevoked(agentId, hashes);
    this.relay?.(agentId, hashes);
  }

  /** Of `hashes`, those no longer valid (revoked or expired). */
  async invalidAmong(hashes: string[], now = Date.now()): Promise<Set<string>> {
    const valid = new Set<string>();
    for (let i = 0; i < hashes.length; i += 500) {
      const rows = await this.db.selectFrom('tokens').select('token_hash').where('token_hash', 'in', hashes.slice(i, i + 500)).where('expires_at', '>', now).execute();
      for (const r of rows) valid.add(r.token_hash);
    }
    if (this.keys) for (const h of await this.keys.liveAmong(hashes)) valid.add(h);
    return new Set(hashes.filter((h) => !valid.has(h)));
  }

  /** Tokens revoked (here, or on another hub that said so): what they opened here ends. */
  endRevoked(agentId: string, hashes: ReadonlySet<string>): void {
    for (const listener of [...this.listeners]) listener(agentId, hashes);
  }

  async prune(now = Date.now()): Promise<void> {
    await this.writer.runAlone(async (tx) => {
      await tx.run(this.db.deleteFrom('used_signatures').where('expires_at', '<=', now).compile());
      await tx.run(this.db.deleteFrom('tokens').where('expires_at', '<=', now).compile());
    });
  }

  private checkTs(ts: number): void {
    if (Math.abs(Date.now() / 1000 - ts) > this.windowS) throw unauthorized(`ts is more than ${this.windowS} s away from the hub clock`);
  }

  /** Records a signed pair; a second use of the same pair is a replay. */
  private async useOnce(tx: Sql, key: string, ts: number): Promise<void> {
    const inserted = await tx.run(
      this.db
        .insertInto('used_signatures')
        .values({ key, expires_at: (ts + this.windowS + 1) * 1000 })
        .onConflict((oc) => oc.column('key').doNothing())
        .compile(),
    );
    if (inserted === 0) throw unauthorized('this signed ts was already used');
  }

  /**
   * Mints a token. Past `maxTokensPerAgent` live tokens the oldest are retired
   * (revoked, ending what they opened) rather than the mint refused: whoever
   * holds the key can always get a working token, and one agent can keep only
   * so many. A refusal would lock an agent out of its own tokens for up to a
   * day after a burst of restarts; retiring costs only the agent's own oldest
   * tokens, which the agent itself made. (GitHub's OAuth tokens work the same way.)
   */
  private async mint(agentId: string, first: (tx: Sql) => Promise<void>): Promise<TokenResponse> {
    const token = 'pt_' + randomBytes(32).toString('base64url');
    const tokenHash = hashToken(token);
    const { response } = await this.writer.run(
      async (tx) => {
        await first(tx);
        const now = Date.now();
        const expiresAt = now + this.opts.tokenTtlSeconds * 1000;
        await tx.run(this.db.insertInto('tokens').values({ token_hash: tokenHash, agent_id: agentId, created_at: now, expires_at: expiresAt }).compile());
        // The new token is never among the retired, even when others share its millisecond.
        const others = await tx.all(
          this.db
            .selectFrom('tokens')
            .select('token_hash')
            .where('agent_id', '=', agentId)
            .where('token_hash', '!=', tokenHash)
            .orderBy('created_at', 'desc')
            .orderBy('token_hash')
            .compile(),
        );
        const keep = Math.max(0, this.opts.maxTokensPerAgent - 1);
        const retired =
          others.length > keep
            ? await this.revokeWithin(
                tx,
                agentId,
                others.slice(keep).map((r) => r.token_hash),
              )
            : new Set<string>();
        return { retired, response: { agent_id: agentId, token, token_expires_at: new Date(expiresAt).toISOString() } satisfies TokenResponse };
      },
      ({ retired }) => this.revoked(agentId, retired),
    );
    return response;
  }
}

/** The handler of `agent/logout`; the call context carries how the caller authenticated. */
export function authHandlers(auth: Auth): Pick<HandlerMap, 'agent/logout'> {
  return {
    'agent/logout': (p, ctx) => auth.logout(ctx.agentId, credentialOf(ctx), p),
  };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
