import { agentIdFromPublicKey, generateKeyPair, publicKeyFromSecret } from '@parley/protocol';

/** An agent's Ed25519 key pair plus the id derived from it. Keys are lowercase hex. */
export interface Identity {
  agentId: string;
  publicKey: string;
  secretKey: string;
}

/** Minimal synchronous key/value storage, e.g. `window.localStorage`. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem?(key: string): void;
}

export const DEFAULT_IDENTITY_KEY = 'parley.identity';

export function createIdentity(): Identity {
  const { publicKey, secretKey } = generateKeyPair();
  return { agentId: agentIdFromPublicKey(publicKey), publicKey, secretKey };
}

export function identityFromSecret(secretKey: string): Identity {
  const normalized = secretKey.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(normalized)) throw new TypeError('a secret key is 64 hex characters (a 32-byte Ed25519 seed)');
  const publicKey = publicKeyFromSecret(normalized);
  return { agentId: agentIdFromPublicKey(publicKey), publicKey, secretKey: normalized };
}

/**
 * Parse a stored identity. Only the secret key is trusted: the public key and
 * agent id are recomputed from it, and a stored value that disagrees means
 * the record was damaged or tampered with.
 */
export function parseIdentity(text: string): Identity {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TypeError('identity is not valid JSON');
  }
  if (typeof value !== 'object' || value === null) throw new TypeError('identity must be a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.secretKey !== 'string') throw new TypeError('identity has no "secretKey"');
  const id = identityFromSecret(v.secretKey);
  if (v.publicKey !== undefined && v.publicKey !== id.publicKey) throw new TypeError('identity "publicKey" does not match its secret key');
  if (v.agentId !== undefined && v.agentId !== id.agentId) throw new TypeError('identity "agentId" does not match its key');
  return id;
}

export function serializeIdentity(identity: Identity): string {
  const { agentId, publicKey, secretKey } = identity;
  return JSON.stringify({ agentId, publicKey, secretKey }, null, 2) + '\n';
}

export function saveIdentityTo(storage: KeyValueStorage, identity: Identity, key: string = DEFAULT_IDENTITY_KEY): void {
  storage.setItem(key, serializeIdentity(identity));
}

/** Returns null when nothing is stored; throws when what is stored is not a valid identity. */
export function loadIdentityFrom(storage: KeyValueStorage, key: string = DEFAULT_IDENTITY_KEY): Identity | null {
  const text = storage.getItem(key);
  if (text === null) return null;
  return parseIdentity(text);
}
