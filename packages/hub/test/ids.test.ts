import { describe, expect, it } from 'vitest';
import { newMessageId } from '../src/core/ids.js';

describe('message ids', () => {
  it('are unique and sort in creation order across many pool refills', () => {
    const ids = Array.from({ length: 20_000 }, () => newMessageId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('draw their random tail from all 36 characters', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) for (const ch of newMessageId().slice(-10)) seen.add(ch);
    expect(seen.size).toBe(36);
  });
});
