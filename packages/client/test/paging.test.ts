import { TopicExportDocument } from '@parley/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '@parley/hub';
import { notePages, textHead, topicExportPages, type ActionCaller } from '../src/index.js';
import { agent, client, closeClients, hub } from './helpers/env.js';

describe('paging helpers against a real hub', () => {
  let h: RunningHub;
  beforeAll(async () => {
    h = await hub();
  });
  afterEach(() => closeClients());
  afterAll(() => h.close());

  it('follow topic/export and memory/read to the end; textHead asks for no more pages than it shows', async () => {
    const c = client(h.url, await agent(h.url, 'pager'));
    await c.connect();
    const { topic_id } = await c.topics.create({ name: 'paged' });
    for (let i = 1; i <= 12; i++) await c.topics.publish({ topic_id, content: `note ${i} ${'w'.repeat(700)}` });

    const pages = [];
    for await (const page of topicExportPages(c, { topic_id, format: 'json', max_bytes: 2048 })) pages.push(page);
    expect(pages.length).toBeGreaterThan(3);
    expect(pages.at(-1)!.next_cursor).toBeNull();
    const doc = TopicExportDocument.parse(JSON.parse(pages.map((p) => p.content).join('')));
    expect(doc.messages.map((m) => m.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));

    // textHead stops early: count the calls it makes.
    let calls = 0;
    const counting: ActionCaller = { call: (action, params) => (calls++, c.call(action, params)) };
    const head = await textHead(topicExportPages(counting, { topic_id, max_bytes: 2048 }), 1000);
    expect(head).toMatchObject({ complete: false, first: { message_count: 12 } });
    expect(head.text).toHaveLength(1000);
    expect(calls).toBeLessThan(pages.length);

    await c.memory.export({ topic_id, name: 'paged' });
    const whole = await c.memory.read({ name: 'paged' });
    let text = '';
    let n = 0;
    for await (const page of notePages(c, { name: 'paged', max_bytes: 1024 })) {
      text += page.content;
      n++;
    }
    expect(n).toBeGreaterThan(3);
    expect(text).toBe(whole.content);
  });
});
