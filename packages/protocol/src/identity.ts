import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha2';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils';

/**
 * Agent identity: an Ed25519 key pair. Everything here is pure JS (noble), so
 * the same code runs in browsers, Node and edge runtimes.
 */
export interface KeyPair {
  /** 64 lowercase hex chars: the raw 32-byte public key. */
  publicKey: string;
  /** 64 lowercase hex chars: the raw 32-byte secret seed. Keep it secret. */
  secretKey: string;
}

const HEX_RE = /^(?:[0-9a-f]{2})*$/;
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function hexToBytes(hex: string): Uint8Array {
  if (!HEX_RE.test(hex)) throw new TypeError('expected lowercase hex with an even number of digits');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** RFC 4648 base32, lowercase, no padding. */
export function base32Lower(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** `agt_` + base32 (lowercase, no padding) of the first 20 bytes of SHA-256(raw public key). */
export function agentIdFromPublicKey(publicKey: string): string {
  const raw = hexToBytes(publicKey);
  if (raw.length !== 32) throw new TypeError('an Ed25519 public key is 32 bytes (64 hex chars)');
  return 'agt_' + base32Lower(sha256(raw).subarray(0, 20));
}

/**
 * An agent's wallet address: `wal_` + base32 (lowercase, no padding) of the
 * first 20 bytes of SHA-256 over `parley-wallet-v1|` followed by the raw
 * public key. Anyone can check that an address belongs to a key, and it never
 * equals the agent id's hash.
 */
export function walletAddressFromPublicKey(publicKey: string): string {
  const raw = hexToBytes(publicKey);
  if (raw.length !== 32) throw new TypeError('an Ed25519 public key is 32 bytes (64 hex chars)');
  const prefix = utf8ToBytes('parley-wallet-v1|');
  const buf = new Uint8Array(prefix.length + raw.length);
  buf.set(prefix);
  buf.set(raw, prefix.length);
  return 'wal_' + base32Lower(sha256(buf).subarray(0, 20));
}

export function generateKeyPair(): KeyPair {
  const secret = ed25519.utils.randomPrivateKey();
  return { secretKey: bytesToHex(secret), publicKey: bytesToHex(ed25519.getPublicKey(secret)) };
}

export function publicKeyFromSecret(secretKey: string): string {
  return bytesToHex(ed25519.getPublicKey(hexToBytes(secretKey)));
}

/** Sign the UTF-8 bytes of `message`; returns a 128-char lowercase hex signature. */
export function signMessage(secretKey: string, message: string): string {
  return bytesToHex(ed25519.sign(utf8ToBytes(message), hexToBytes(secretKey)));
}

/** Never throws: malformed keys or signatures simply do not verify. */
export function verifyMessage(publicKey: string, message: string, signature: string): boolean {
  try {
    return ed25519.verify(hexToBytes(signature), utf8ToBytes(message), hexToBytes(publicKey));
  } catch {
    return false;
  }
}

/** 32 random bytes as hex; used for nonces. */
export function randomHex(bytes = 32): string {
  return bytesToHex(randomBytes(bytes));
}
