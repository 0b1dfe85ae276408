import { TopicExportDocument } from '@parley/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '@parley/hub';
import { chatTranscript, notePages, textHead, topicExportPages, type ActionCaller } from '../src/index.js';
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

  it('chatTranscript follows chat/get to the last turn of a conversation longer than a page', async () => {
    const a = client(h.url, await agent(h.url, 'talker'));
    const b = client(h.url, await agent(h.url, 'answerer'));
    await Promise.all([a.connect(), b.connect()]);
    const { conversation } = await a.chats.request({ target_agent_id: b.agentId, opening_message: 'long one', episode_policy: { max_turns: 100 } });
    const id = conversation!.conversation_id;
    // 50 turns of 8,000 characters, half of them quotes: about 600 KB as sent, more than one page.
    for (let i = 0; i < 50; i++) {
      await (i % 2 === 0 ? a : b).chats.send({ conversation_id: id, text: `${i} ${'"x'.repeat(4000)}`.slice(0, 8000), client_message_id: `t${i}` });
    }
    const first = await a.chats.get({ conversation_id: id });
    expect(first.has_more).toBe(true);
    const whole = await chatTranscript(a, id);
    expect(whole.turns.map((t) => t.turn)).toEqual(Array.from({ length: 51 }, (_, i) => i));
    expect(whole.conversation.turns_taken).toBe(50);
  });
});
