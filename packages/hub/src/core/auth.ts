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
import { HubError } from './errors.js';

/** What auth needs from the agent domain; kept tiny so core does not read agent tables. */
export interface AgentDirectory {
  publicKeyOf(agentId: string): Promise<string | null>;
  upsert(agentId: string, publicKey: string, name: string | undefined): Promise<void>;
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

export class Auth {
  private readonly windowS = Defaults.signatureWindowSeconds;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly agents: AgentDirectory,
    private readonly tokenTtlSeconds: number,
  ) {}

  async register(req: RegisterRequest): Promise<TokenResponse> {
    this.checkTs(req.ts);
    if (!verifyEd25519(req.public_key, registerSigningString(req.public_key, req.ts), req.sig)) {
      throw unauthorized('bad signature');
    }
    await this.useOnce(`register|${req.public_key}|${req.ts}`, req.ts);
    const agentId = agentIdFromPublicKey(req.public_key);
    await this.agents.upsert(agentId, req.public_key, req.name);
    return this.issueToken(agentId);
  }

  async token(req: TokenRequest): Promise<TokenResponse> {
    const publicKey = await this.agents.publicKeyOf(req.agent_id);
    if (!publicKey) throw new HubError(ErrorCode.NotFound, 'unknown agent');
    this.checkTs(req.ts);
    if (!verifyEd25519(publicKey, tokenSigningString(req.agent_id, req.ts), req.sig)) throw unauthorized('bad signature');
    await this.useOnce(`token|${req.agent_id}|${req.ts}`, req.ts);
    return this.issueToken(req.agent_id);
  }

  /** WebSocket challenge answer; false for any failure (unknown agent, bad sig, other nonce). */
  async verifyWsSignature(agentId: string, nonce: string, sig: string): Promise<boolean> {
    const publicKey = await this.agents.publicKeyOf(agentId);
    return publicKey !== null && verifyEd25519(publicKey, wsSigningString(agentId, nonce), sig);
  }

  /** The agent a bearer token belongs to, or null when unknown or expired. */
  async agentForToken(token: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('tokens')
      .select(['agent_id', 'expires_at'])
      .where('token_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= Date.now()) return null;
    return row.agent_id;
  }

  async prune(now = Date.now()): Promise<void> {
    await this.db.deleteFrom('used_signatures').where('expires_at', '<=', now).execute();
    await this.db.deleteFrom('tokens').where('expires_at', '<=', now).execute();
  }

  private checkTs(ts: number): void {
    if (Math.abs(Date.now() / 1000 - ts) > this.windowS) throw unauthorized(`ts is more than ${this.windowS} s away from the hub clock`);
  }

  /** Records a signed pair; a second use of the same pair is a replay. */
  private async useOnce(key: string, ts: number): Promise<void> {
    const res = await this.db
      .insertInto('used_signatures')
      .values({ key, expires_at: (ts + this.windowS + 1) * 1000 })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw unauthorized('this signed ts was already used');
  }

  private async issueToken(agentId: string): Promise<TokenResponse> {
    const token = 'pt_' + randomBytes(32).toString('base64url');
    const now = Date.now();
    const expiresAt = now + this.tokenTtlSeconds * 1000;
    await this.db
      .insertInto('tokens')
      .values({ token_hash: hashToken(token), agent_id: agentId, created_at: now, expires_at: expiresAt })
      .execute();
    return { agent_id: agentId, token, token_expires_at: new Date(expiresAt).toISOString() };
  }
}
