import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The account domain's secrets: codes people type, keys scripts hold, and
 * session cookies. Only their sha256 is ever stored, so a copy of the
 * database opens nothing; each comes straight from the CSPRNG.
 */

/** RFC 4648 base32: 32 symbols, so a random byte's low 5 bits pick one without bias. */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 8 symbols of base32 (40 bits): short enough to type, and a code lives minutes behind rate limits. */
function base32(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

export const newClaimCode = () => 'PARLEY-CLAIM-' + base32(8);
export const newInviteCode = () => 'PARLEY-INV-' + base32(8);
/** An API key or console token: 32 random bytes. */
export const newApiKey = () => 'pk_' + randomBytes(32).toString('base64url');
export const newSessionToken = () => randomBytes(32).toString('base64url');
export const newCsrfToken = () => randomBytes(32).toString('base64url');

export const sha256 = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Equal strings, compared in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a === b;
}

/** Ids of the account's rows: random, not time-ordered (they are never paged by id). */
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
function randomId(prefix: string): string {
  let out = '';
  while (out.length < 20) {
    for (const b of randomBytes(24)) {
      // 252 = 7 * 36: the last four byte values are dropped so every symbol is equally likely.
      if (b < 252 && out.length < 20) out += ALNUM[b % 36];
    }
  }
  return prefix + out;
}
export const newUserId = () => randomId('usr_');
export const newBindingId = () => randomId('bnd_');
export const newKeyId = () => randomId('key_');
export const newPasskeyId = () => randomId('psk_');
