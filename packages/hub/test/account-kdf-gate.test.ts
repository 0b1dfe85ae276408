import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@parley/protocol';
import { checkPassword, hashPassword, KdfGate } from '../src/domains/account/passwords.js';

// The KDF takes 19 MiB for each run: a flood of logins from many addresses
// must be refused at once past the bound, not queued in front of the thread pool.
describe('password KDF runs are bounded across the hub', () => {
  it('admits at most the bound at once and refuses the rest at once (unavailable); a slot frees when a run ends', async () => {
    const stored = await hashPassword('right password');
    const gate = new KdfGate(3);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => checkPassword(stored, 'right password', gate)));
    const admitted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(admitted).toHaveLength(3);
    expect(admitted.every((r) => r.value === true)).toBe(true);
    expect(refused).toHaveLength(7);
    for (const r of refused) expect(r.reason).toMatchObject({ code: ErrorCode.Unavailable, details: { retry_after_ms: 1000 } });
    // Nothing is held after a run, successful or refused: the next ones are admitted again.
    expect(await checkPassword(stored, 'wrong password', gate)).toBe(false);
    expect(await checkPassword(null, 'anything', gate)).toBe(false);
    await expect(Promise.all(Array.from({ length: 3 }, () => hashPassword('x', gate)))).resolves.toHaveLength(3);
  });
});
