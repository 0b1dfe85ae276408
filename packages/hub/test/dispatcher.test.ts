import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Dedupe } from '../src/core/dedupe.js';
import { Dispatcher, type HandlerMap } from '../src/core/dispatcher.js';
import { RateLimiter } from '../src/core/rate-limit.js';
import { Metrics } from '../src/metrics.js';
import { memoryStore } from './helpers.js';

// The wire cannot make a real handler throw, so this drives the real
// dispatcher (real store, real dedupe) with a handler that does.
describe('dispatcher', () => {
  it('turns a handler exception into internal, hides it, and does not remember it', async () => {
    const store = await memoryStore();
    let calls = 0;
    const handlers = new Proxy({} as HandlerMap, {
      get: () => async () => {
        calls++;
        throw new Error('boom at /secret/path.ts:12');
      },
    });
    const d = new Dispatcher(handlers, new Dedupe(store.db, store.read, store.writer), new RateLimiter(false), new Metrics(), pino({ level: 'silent' }));
    const agentId = 'agt_' + 'a'.repeat(32);
    const req = { agent_id: agentId, u_id: 'u1', params: { action: 'agent/whoami' } };
    const r1 = await d.dispatch({ agentId, transport: 'ws' }, req);
    expect(r1).toEqual({ agent_id: agentId, u_id: 'u1', status: 'error', content: { error: 'internal error', code: 'internal' } });
    const r2 = await d.dispatch({ agentId, transport: 'http' }, req);
    expect(r2).toEqual(r1);
    expect(calls).toBe(2);
    await store.close();
  });

  it('rate limiter refills at the configured rate', () => {
    const rl = new RateLimiter({ perSecond: 10, burst: 2 });
    expect(rl.take('a', 0)).toBe(0);
    expect(rl.take('a', 0)).toBe(0);
    expect(rl.take('a', 0)).toBe(100);
    expect(rl.take('b', 0)).toBe(0);
    expect(rl.take('a', 100)).toBe(0);
    expect(new RateLimiter(false).take('a')).toBe(0);
  });
});
