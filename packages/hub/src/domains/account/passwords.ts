import { hash, verify } from '@node-rs/argon2';

/**
 * Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane). The library
 * runs the KDF on its own threads, so a login never blocks the event loop;
 * the hash string carries its parameters and salt.
 */
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/**
 * Verified against a fixed hash when the email is unknown: the answer takes
 * as long as for a wrong password, so timing does not say which accounts exist.
 */
let dummy: Promise<string> | null = null;

/** Whether `password` matches `stored`; null `stored` (no such account) costs the same and is false. */
export async function checkPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    dummy ??= hashPassword('parley: no such account, same cost');
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    // A malformed stored hash opens nothing.
    return false;
  }
}
