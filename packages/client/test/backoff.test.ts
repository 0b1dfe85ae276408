import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff.js';

const opts = { initialDelayMs: 2000, multiplier: 1.5, maxDelayMs: 30_000 };

describe('backoffDelay (full jitter)', () => {
  it('is 0 when random() is 0, whatever the attempt', () => {
    for (let a = 0; a < 20; a++) expect(backoffDelay(a, opts, () => 0)).toBe(0);
  });

  it('approaches initial * multiplier^attempt when random() is just under 1', () => {
    const r = () => 0.999999;
    expect(backoffDelay(0, opts, r)).toBe(1999);
    expect(backoffDelay(1, opts, r)).toBe(2999);
    expect(backoffDelay(2, opts, r)).toBe(4499);
    expect(backoffDelay(3, opts, r)).toBe(6749);
  });

  it('never exceeds maxDelayMs, even for huge attempts', () => {
    const r = () => 0.999999;
    expect(backoffDelay(10, opts, r)).toBe(29_999);
    expect(backoffDelay(1000, opts, r)).toBe(29_999);
    expect(backoffDelay(1e9, opts, r)).toBe(29_999);
  });

  it('scales linearly with the random draw inside the window', () => {
    expect(backoffDelay(0, opts, () => 0.5)).toBe(1000);
    expect(backoffDelay(2, opts, () => 0.25)).toBe(1125);
  });

  it('stays within [0, cap) for real randomness', () => {
    for (let a = 0; a < 15; a++) {
      const cap = Math.min(30_000, 2000 * 1.5 ** a);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(a, opts);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(cap);
      }
    }
  });

  it('uses the documented defaults: the first retry within 1 s, windows growing 1.5x to 30 s', () => {
    expect(backoffDelay(0, undefined, () => 0.999999)).toBe(999);
    expect(backoffDelay(1, undefined, () => 0.999999)).toBe(1499);
    expect(backoffDelay(50, undefined, () => 0.999999)).toBe(29_999);
  });
});
