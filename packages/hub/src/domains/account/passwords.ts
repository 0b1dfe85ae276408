import { hash, verify } from '@node-rs/argon2';
import { ErrorCode } from '@parley/protocol';
import { HubError } from '../../core/errors.js';

/**
 * Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane). The library
 * runs the KDF on libuv's thread pool, so a login never blocks the event loop;
 * the hash string carries its parameters and salt.
 */
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * KDF runs waiting or running at once, across every address: past it a signup
 * or login is told to come back (503) instead of queueing. The per-address
 * limits stop one client; this stops many, so a flood of logins cannot queue
 * without bound in front of the thread pool the hub's file I/O also uses.
 */
export const MAX_KDF_IN_FLIGHT = 32;

/** Admits at most `max` KDF runs at once; the rest are refused at once, not queued. */
export class KdfGate {
  private inFlight = 0;
  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.max) {
      throw new HubError(ErrorCode.Unavailable, 'the hub is busy checking passwords: try again in a moment', { retry_after_ms: 1000 });
    }
    this.inFlight++;
    try {
      return await fn();
    } finally {
      this.inFlight--;
    }
  }
}

const gate = new KdfGate(MAX_KDF_IN_FLIGHT);

export function hashPassword(password: string, through: KdfGate = gate): Promise<string> {
  return through.run(() => hash(password, OPTIONS));
}

/**
 * Verified against a fixed hash when the email is unknown: the answer takes
 * as long as for a wrong password, so timing does not say which accounts exist.
 */
let dummy: Promise<string> | null = null;

/** Whether `password` matches `stored`; null `stored` (no such account) costs the same and is false. */
export async function checkPassword(stored: string | null, password: string, through: KdfGate = gate): Promise<boolean> {
  if (stored === null) {
    // Made outside the gate: it is one hash for the hub's life, and must not fail for being busy.
    dummy ??= hash('parley: no such account, same cost', OPTIONS);
    await through.run(async () => verify(await dummy!, password).catch(() => false));
    return false;
  }
  return through.run(async () => {
    try {
      return await verify(stored, password);
    } catch {
      // A malformed stored hash opens nothing.
      return false;
    }
  });
}
