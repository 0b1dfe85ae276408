import { describe, expect, it } from 'vitest';
import type { RequestFrame } from '@parley/protocol';
import { AbortError, ConnectionClosedError, OfflineQueueFullError, ParleyError, TimeoutError } from '../src/errors.js';
import { RequestManager } from '../src/requests.js';
import { TimerSet } from '../src/timers.js';
import { countingSignal } from './helpers/signals.js';

function manager(maxQueued = 100) {
  const timers = new TimerSet();
  const rm = new RequestManager({ agentId: 'agt_x', timers, defaultTimeoutMs: 5000, maxQueued });
  return { rm, timers };
}

describe('RequestManager', () => {
  it('correlates responses by u_id and leaves nothing behind', async () => {
    const { rm, timers } = manager();
    const sent: RequestFrame[] = [];
    rm.setSender((f) => (sent.push(f), true));
    const a = rm.call('agent/whoami', {});
    const b = rm.call('agent/get', { agent_id: 'agt_y' });
    expect(sent).toHaveLength(2);
    expect(sent[0]!.u_id).not.toBe(sent[1]!.u_id);
    expect(rm.pendingCount).toBe(2);
    rm.handleResponse({ agent_id: 'agt_x', u_id: sent[1]!.u_id, status: 'error', content: { error: 'no', code: 'not_found' } });
    rm.handleResponse({ agent_id: 'agt_x', u_id: sent[0]!.u_id, status: 'success', content: { ok: 1 } });
    await expect(a).resolves.toEqual({ ok: 1 });
    const err = await b.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect((err as ParleyError).code).toBe('not_found');
    expect(rm.pendingCount).toBe(0);
    expect(timers.size).toBe(0);
    // a late duplicate response is ignored
    expect(rm.handleResponse({ agent_id: 'agt_x', u_id: sent[0]!.u_id, status: 'success', content: 1 })).toBe(false);
  });

  it('times out, then forgets the call and its timer', async () => {
    const { rm, timers } = manager();
    rm.setSender(() => true);
    const t0 = Date.now();
    await expect(rm.call('agent/whoami', {}, { timeoutMs: 50 })).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(rm.pendingCount).toBe(0);
    expect(timers.size).toBe(0);
  });

  it('aborts, removing its abort listener; an already aborted signal never registers', async () => {
    const { rm, timers } = manager();
    rm.setSender(() => true);
    const c = countingSignal();
    const p = rm.call('agent/whoami', {}, { signal: c.signal });
    expect(c.listeners()).toBe(1);
    expect(rm.abortListenerCount).toBe(1);
    c.abort();
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as AbortError).code).toBe('aborted');
    expect(c.listeners()).toBe(0);
    expect(rm.abortListenerCount).toBe(0);
    expect(rm.pendingCount).toBe(0);
    expect(timers.size).toBe(0);

    const pre = countingSignal();
    pre.abort();
    await expect(rm.call('agent/whoami', {}, { signal: pre.signal })).rejects.toBeInstanceOf(AbortError);
    expect(pre.added()).toBe(0);
    expect(rm.pendingCount).toBe(0);
  });

  it('removes the abort listener when the call succeeds or times out', async () => {
    const { rm } = manager();
    const sent: RequestFrame[] = [];
    rm.setSender((f) => (sent.push(f), true));
    const c = countingSignal();
    const p = rm.call('agent/whoami', {}, { signal: c.signal });
    rm.handleResponse({ agent_id: 'agt_x', u_id: sent[0]!.u_id, status: 'success', content: 1 });
    await p;
    expect(c.listeners()).toBe(0);
    const c2 = countingSignal();
    await expect(rm.call('agent/whoami', {}, { signal: c2.signal, timeoutMs: 10 })).rejects.toBeInstanceOf(TimeoutError);
    expect(c2.listeners()).toBe(0);
    expect(rm.abortListenerCount).toBe(0);
  });

  it('queues while offline, bounded, and re-sends in call order with the same u_id', async () => {
    const { rm } = manager(2);
    const a = rm.call('agent/whoami', {});
    const b = rm.call('agent/whoami', {});
    await expect(rm.call('agent/whoami', {})).rejects.toBeInstanceOf(OfflineQueueFullError);
    expect(rm.queuedCount).toBe(2);
    const first: RequestFrame[] = [];
    rm.setSender((f) => (first.push(f), true));
    expect(first).toHaveLength(2);
    expect(rm.queuedCount).toBe(0);
    // the transport drops before answers: both go back to the queue and are re-sent unchanged
    rm.setSender(null);
    expect(rm.queuedCount).toBe(2);
    const second: RequestFrame[] = [];
    rm.setSender((f) => (second.push(f), true));
    expect(second.map((f) => f.u_id)).toEqual(first.map((f) => f.u_id));
    for (const f of second) rm.handleResponse({ agent_id: 'agt_x', u_id: f.u_id, status: 'success', content: f.u_id });
    await expect(a).resolves.toBe(first[0]!.u_id);
    await expect(b).resolves.toBe(first[1]!.u_id);
  });

  it('keeps a call queued when the sender refuses it', () => {
    const { rm } = manager();
    rm.setSender(() => false);
    void rm.call('agent/whoami', {}).catch(() => undefined);
    expect(rm.queuedCount).toBe(1);
    rm.rejectAll();
  });

  it('rejectAll settles everything with ConnectionClosedError', async () => {
    const { rm, timers } = manager();
    const c = countingSignal();
    const ps = [rm.call('agent/whoami', {}), rm.call('agent/whoami', {}, { signal: c.signal })];
    rm.rejectAll();
    for (const p of ps) await expect(p).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(rm.pendingCount).toBe(0);
    expect(timers.size).toBe(0);
    expect(c.listeners()).toBe(0);
  });
});
