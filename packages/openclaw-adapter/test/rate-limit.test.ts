// The token bucket and the push router with a hand-driven clock: exact,
// no real time involved.
import type { PushFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type ResolvedConfig } from '../src/config.js';
import { DOMAINS } from '../src/domains/index.js';
import type { PushHandler } from '../src/domain.js';
import { CoalescingRateLimiter, type Clock } from '../src/rate-limit.js';
import { PushRouter, summaryText } from '../src/router.js';

class ManualClock implements Clock {
  t = 1_000_000;
  timers: Array<{ at: number; fn: () => void; id: number }> = [];
  #next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}

describe('CoalescingRateLimiter', () => {
  function setup(burst: number, perMinute: number) {
    const clock = new ManualClock();
    const sent: number[] = [];
    const batches: Array<{ items: number[]; seconds: number }> = [];
    const limiter = new CoalescingRateLimiter<number>(
      { burst, perMinute },
      (i) => sent.push(i),
      (items, since, now) => batches.push({ items, seconds: (now - since) / 1000 }),
      clock,
    );
    return { clock, sent, batches, limiter };
  }

  it('lets a burst through, then holds the rest and flushes them together when a token is back', () => {
    const { clock, sent, batches, limiter } = setup(3, 6); // one token every 10 s
    for (let i = 1; i <= 10; i++) expect(limiter.offer(i)).toBe(i <= 3 ? 'sent' : 'held');
    expect(sent).toEqual([1, 2, 3]);
    expect(limiter.pendingCount).toBe(7);
    clock.advance(9_999);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toEqual([{ items: [4, 5, 6, 7, 8, 9, 10], seconds: 10 }]);
    expect(limiter.pendingCount).toBe(0);
  });

  it('keeps order: while a batch waits, new items join it even if a token came back', () => {
    const { clock, sent, batches, limiter } = setup(1, 60); // one per second
    limiter.offer(1);
    limiter.offer(2);
    clock.advance(500);
    limiter.offer(3);
    clock.advance(500);
    expect(batches.map((b) => b.items)).toEqual([[2, 3]]);
    expect(sent).toEqual([1]);
    clock.advance(1_000);
    expect(limiter.offer(4)).toBe('sent');
  });

  it('refills up to the burst and no further', () => {
    const { clock, limiter } = setup(2, 60);
    limiter.offer(1);
    limiter.offer(2);
    expect(limiter.tokens).toBe(0);
    clock.advance(60_000);
    expect(limiter.tokens).toBe(2);
  });

  it('stop() cancels the timer and hands back what was waiting', () => {
    const { clock, batches, limiter } = setup(1, 60);
    limiter.offer(1);
    limiter.offer(2);
    limiter.offer(3);
    expect(limiter.stop()).toEqual([2, 3]);
    expect(clock.timers).toEqual([]);
    clock.advance(10_000);
    expect(batches).toEqual([]);
    expect(limiter.offer(4)).toBe('held');
  });

  it('refuses a bucket that could never refill', () => {
    expect(() => new CoalescingRateLimiter({ burst: 0, perMinute: 1 }, () => undefined, () => undefined)).toThrow(RangeError);
    expect(() => new CoalescingRateLimiter({ burst: 1, perMinute: 0 }, () => undefined, () => undefined)).toThrow(RangeError);
  });
});

describe('PushRouter', () => {
  const SELF = `agt_${'s'.repeat(32)}`;
  const BOB = `agt_${'b'.repeat(32)}`;
  const handlers = new Map<string, PushHandler>(DOMAINS.flatMap((d) => (d.pushes ?? []).map((h) => [h.event, h] as const)));

  function config(extra: Record<string, unknown> = {}): ResolvedConfig {
    const r = resolveConfig({ rateLimit: { burst: 2, perMinute: 60 }, ...extra });
    if (!r.ok) throw new Error(r.error);
    return r.config;
  }

  let seq = 0;
  const dm = (content: string): PushFrame => ({
    type: 'push',
    stream: `agent:${SELF}`,
    seq: ++seq,
    event: 'p2p.message',
    data: { message_id: `msg_${seq}`, from: BOB, to: SELF, content, content_type: 'text', via: null, sent_at: '2026-01-01T00:00:00Z' },
    ts: '2026-01-01T00:00:00Z',
  });
  const update = (): PushFrame => ({
    type: 'push',
    stream: `agent:${SELF}`,
    seq: ++seq,
    event: 'topic.deleted',
    data: { topic_id: 'top_x', name: 'x', by: SELF },
    ts: '2026-01-01T00:00:00Z',
  });

  function setup(cfg: ResolvedConfig, deliverOk = true) {
    seq = 0;
    const clock = new ManualClock();
    const delivered: string[] = [];
    const acks: Array<[string, number]> = [];
    const router = new PushRouter({
      handlers,
      config: cfg,
      filterContext: () => ({ selfId: SELF, selfName: 'me', config: cfg }),
      formatContext: () => ({ selfId: SELF, hubUrl: null, describePush: () => '' }),
      deliver: async (text) => {
        if (deliverOk) delivered.push(text);
        return deliverOk;
      },
      ack: (stream, s) => acks.push([stream, s]),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      clock,
    });
    return { clock, delivered, acks, router };
  }

  it('forwards, then summarises; acks only what reached the chat, never past a held push', async () => {
    const { clock, delivered, acks, router } = setup(config());
    expect(router.handle(dm('one'))).toBe('forwarded');
    expect(router.handle(dm('two'))).toBe('forwarded');
    expect(router.handle(dm('three'))).toBe('held');
    expect(router.handle(dm('four'))).toBe('held');
    await router.idle();
    expect(acks).toEqual([
      [`agent:${SELF}`, 1],
      [`agent:${SELF}`, 2],
    ]);
    clock.advance(1_000);
    await router.idle();
    expect(delivered).toHaveLength(3);
    expect(delivered[2]).toBe(
      'Parley: 2 more events in the last 1 s (2 direct messages), held back by the rate limit. They stay unread: "/parley poll" shows them.',
    );
    // A later push that reaches the chat acks only up to the first held one.
    clock.advance(10_000);
    expect(router.handle(dm('five'))).toBe('forwarded');
    await router.idle();
    expect(acks.at(-1)).toEqual([`agent:${SELF}`, 2]);
    // After a poll nothing is held: acks move freely again.
    router.onPolled();
    router.handle(dm('six'));
    await router.idle();
    expect(acks.at(-1)).toEqual([`agent:${SELF}`, 6]);
  });

  it('sends a lone held push as itself, not as a summary of one', async () => {
    const { clock, delivered, router } = setup(config({ rateLimit: { burst: 1, perMinute: 60 } }));
    router.handle(dm('a'));
    router.handle(dm('b'));
    clock.advance(1_000);
    await router.idle();
    expect(delivered.map((t) => t.split('\n')[1])).toEqual(['a', 'b']);
  });

  it('skips events left out of the config, drops the agent\'s own doing without holding, and holds what could not be delivered', async () => {
    const { acks, router } = setup(config({ events: ['topic.deleted'] }));
    expect(router.handle(dm('not wanted'))).toBe('skipped');
    expect(router.handle(update())).toBe('own'); // deleted by ourselves
    await router.idle();
    expect(acks).toEqual([]); // the own push is acked only up to the held dm: nothing

    const failing = setup(config(), false);
    failing.router.handle(dm('x'));
    failing.router.handle(dm('y'));
    await failing.router.idle();
    expect(failing.acks).toEqual([]);
  });

  it('formats an unknown event as JSON and never forwards it', () => {
    const { router } = setup(config());
    expect(router.handle({ type: 'push', stream: `agent:${SELF}`, seq: 1, event: 'future.thing', data: { a: 1 }, ts: 'x' })).toBe('skipped');
  });

  it('words a mixed summary by kind', () => {
    const f = (label: string) => ({ frame: dm(''), text: '', label });
    expect(summaryText([f('topic message'), f('topic message'), f('invitation')], 0, 2_400)).toContain('3 more events in the last 2 s (2 topic messages, 1 invitation)');
  });
});
