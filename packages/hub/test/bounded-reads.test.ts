import { MAX_PAGE_BYTES, type TopicMessage } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, ok, register, rpc, startTestHub } from './helpers.js';

// Reads whose items carry message-sized text are bounded by bytes as well as
// by count (MAX_PAGE_BYTES).

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;

type History = { messages: TopicMessage[]; has_more: boolean };

const BIG = 60_000;

describe('bounded reads', () => {
  let hub: RunningHub;
  let owner: TestAgent;
  let reader: TestAgent;
  let big: string;
  let small: string;

  beforeAll(async () => {
    // Hundreds of agents from one address: the per-address limits are not what is tested here.
    hub = await startTestHub({ addressRateLimit: false, registerRateLimit: false });
    owner = await register(hub, 'Ada');
    reader = await register(hub, 'Reader');
    big = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'big one' })).topic_id;
    // 12 messages of 60,000 characters: 720 KB of text, more than one page can hold.
    for (let i = 1; i <= 12; i++) ok(await call(hub, owner, 'topic/publish', { topic_id: big, content: `${i} ${'x'.repeat(BIG)}`.slice(0, BIG), content_type: 'markdown' }));
    small = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'Small: talk', description: 'short\nlines' })).topic_id;
    for (let i = 1; i <= 30; i++) {
      // Some text JSON must escape, and characters of 2 to 4 bytes, so byte counts and offsets are tested beyond ASCII.
      ok(await call(hub, owner, 'topic/publish', { topic_id: small, content: `message ${i}: "quoted"\ttab\u0001 café 日本 🎉 ${'y'.repeat(i * 40)}` }));
    }
  }, 60_000);
  afterAll(() => hub.close());

  it('topic/history stops a page at MAX_PAGE_BYTES, and paging on still gives every message once', async () => {
    const page = ok<History>(await call(hub, reader, 'topic/history', { topic_id: big, limit: 200 }));
    expect(page.messages.length).toBeGreaterThan(0);
    expect(page.messages.length).toBeLessThan(12);
    expect(page.has_more).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(page.messages))).toBeLessThanOrEqual(MAX_PAGE_BYTES + 1024);
    const seqs = page.messages.map((m) => m.seq);
    let before = seqs[0]!;
    let more = page.has_more;
    while (more) {
      const older = ok<History>(await call(hub, reader, 'topic/history', { topic_id: big, limit: 200, before }));
      seqs.unshift(...older.messages.map((m) => m.seq));
      before = older.messages[0]!.seq;
      more = older.has_more;
    }
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));

    const forward = ok<History>(await call(hub, reader, 'topic/history', { topic_id: big, limit: 200, after: 0 }));
    expect(forward.messages.length).toBeLessThan(12);
    expect(forward).toMatchObject({ has_more: true });
    expect(forward.messages[0]!.seq).toBe(1);
  }, 60_000);
});
