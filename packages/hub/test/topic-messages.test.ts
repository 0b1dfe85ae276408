import { TopicExportDocument, type TopicMessage } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, connectAgent, ok, register, rpc, startTestHub } from './helpers.js';

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const errorOf = (f: Frame) => (f.status === 'error' ? (f.content as { code: string; error: string }) : null);

type History = { messages: TopicMessage[]; has_more: boolean };

describe('topic messages', () => {
  let hub: RunningHub;
  let owner: TestAgent;
  let reader: TestAgent;
  let topicId: string;
  const N = 23;

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await register(hub, 'Ada');
    reader = await register(hub, 'Reader');
    topicId = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'Release: v2 / notes', description: 'What ships\nand when' })).topic_id;
    for (let i = 1; i <= N; i++) ok(await call(hub, owner, 'topic/publish', { topic_id: topicId, content: `message number ${i}` }));
  });
  afterAll(() => hub.close());

  it('pages backwards and forwards over the whole history, each message once, in order', async () => {
    // Backwards from the newest page.
    const back: number[] = [];
    let page = ok<History>(await call(hub, reader, 'topic/history', { topic_id: topicId, limit: 5 }));
    back.unshift(...page.messages.map((m) => m.seq));
    while (page.has_more) {
      page = ok<History>(await call(hub, reader, 'topic/history', { topic_id: topicId, limit: 5, before: page.messages[0]!.seq }));
      back.unshift(...page.messages.map((m) => m.seq));
    }
    expect(back).toEqual(Array.from({ length: N }, (_, i) => i + 1));

    // Forwards from the start.
    const fwd: number[] = [];
    let after = 0;
    for (;;) {
      const p = ok<History>(await call(hub, reader, 'topic/history', { topic_id: topicId, limit: 7, after }));
      fwd.push(...p.messages.map((m) => m.seq));
      if (!p.has_more) break;
      after = p.messages[p.messages.length - 1]!.seq;
    }
    expect(fwd).toEqual(back);

    // Past either end: empty, nothing more.
    expect(ok<History>(await call(hub, reader, 'topic/history', { topic_id: topicId, after: N }))).toEqual({ messages: [], has_more: false });
    expect(ok<History>(await call(hub, reader, 'topic/history', { topic_id: topicId, before: 1 }))).toEqual({ messages: [], has_more: false });
    expect(errorOf(await call(hub, reader, 'topic/history', { topic_id: topicId, after: 1, before: 5 }))?.code).toBe('invalid_params');
  });

  it('exports JSON that round-trips to exactly what history returns', async () => {
    const x = ok<{ format: string; filename: string; content: string; message_count: number; truncated: boolean }>(
      await call(hub, reader, 'topic/export', { topic_id: topicId, format: 'json' }),
    );
    expect(x).toMatchObject({ format: 'json', message_count: N, truncated: false, filename: `release-v2-notes-${topicId}.json` });
    const doc = TopicExportDocument.parse(JSON.parse(x.content));
    const all = ok<History>(await call(hub, reader, 'topic/history', { topic_id: topicId, limit: 200 }));
    expect(doc.messages).toEqual(all.messages);
    expect(doc.topic).toMatchObject({ topic_id: topicId, name: 'Release: v2 / notes', role: null });

    const cut = ok<{ content: string; message_count: number; truncated: boolean }>(await call(hub, reader, 'topic/export', { topic_id: topicId, format: 'json', limit: 10 }));
    expect(cut).toMatchObject({ message_count: 10, truncated: true });
    expect(TopicExportDocument.parse(JSON.parse(cut.content)).messages.map((m) => m.seq)).toEqual(all.messages.slice(-10).map((m) => m.seq));
  });

  it('exports Markdown with the topic header and every message, sender named', async () => {
    const md = ok<{ content: string; filename: string; message_count: number }>(await call(hub, reader, 'topic/export', { topic_id: topicId }));
    expect(md.filename).toBe(`release-v2-notes-${topicId}.md`);
    expect(md.content.startsWith('# Release: v2 / notes\n\n> What ships\n> and when\n')).toBe(true);
    expect(md.content).toContain(`Ada (\`${owner.agentId}\`)`);
    for (let i = 1; i <= N; i++) expect(md.content).toContain(`\`\`\`text\nmessage number ${i}\n\`\`\``);
    expect(md.content.match(/^### /gm)).toHaveLength(N);
  });

  it('publishes the rich form: title and markdown blocks, composed content, pushed and stored alike', async () => {
    const member = await connectAgent(hub);
    ok(await member.client.call(member.agent.agentId, 'topic/join', { topic_id: topicId }));
    const sent = ok<{ message_id: string; seq: number }>(
      await call(hub, owner, 'topic/publish', { topic_id: topicId, title: 'Plan', blocks: ['- ship it', '```sh\nmake\n```'], semantic_type: 'plan' }),
    );
    const push = await member.client.waitFrame((f) => f.type === 'push' && f.seq === sent.seq);
    const expected = { title: 'Plan', blocks: ['- ship it', '```sh\nmake\n```'], content: '# Plan\n\n- ship it\n\n```sh\nmake\n```', content_type: 'markdown' };
    expect(push.data).toMatchObject(expected);
    const h = ok<History>(await call(hub, reader, 'topic/history', { topic_id: topicId, after: sent.seq - 1 }));
    expect(h.messages[0]).toMatchObject({ ...expected, semantic_type: 'plan', message_id: sent.message_id });
    // Plain messages carry no rich fields.
    expect(h.messages.length).toBe(1);
    const plain = ok<History>(await call(hub, reader, 'topic/history', { topic_id: topicId, limit: 1, before: sent.seq }));
    expect(plain.messages[0]).toMatchObject({ title: null, blocks: null, content_type: 'text' });
    member.client.close();
  });

  it('checks content against its type and reply_to against the topic', async () => {
    expect(errorOf(await call(hub, owner, 'topic/publish', { topic_id: topicId, content: 'not a url', content_type: 'image' }))?.error).toMatch(/http\(s\) URL/);
    ok(await call(hub, owner, 'topic/publish', { topic_id: topicId, content: 'https://example.org/chart.png', content_type: 'image' }));
    expect(errorOf(await call(hub, owner, 'topic/publish', { topic_id: topicId, content: 'x', reply_to: 'msg_nope' }))?.code).toBe('not_found');
  });

  it('full-text search finds a topic by a word of one message, with a marked snippet, and by prefix', async () => {
    const other = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'kitchen', description: 'recipes' })).topic_id;
    ok(await call(hub, owner, 'topic/publish', { topic_id: other, content: 'The saffron risotto needs twenty minutes' }));
    ok(await call(hub, owner, 'topic/publish', { topic_id: other, content: 'unrelated chatter' }));
    const found = ok<{ results: Array<{ topic: { topic_id: string }; matches: Array<{ snippet: string; seq: number }> }> }>(
      await call(hub, reader, 'topic/search', { query: 'saffron' }),
    );
    expect(found.results.map((r) => r.topic.topic_id)).toEqual([other]);
    expect(found.results[0]!.matches).toEqual([expect.objectContaining({ seq: 1, snippet: 'The [saffron] risotto needs twenty minutes' })]);
    // Every word must match; a prefix of three or more letters matches.
    expect(ok<{ results: unknown[] }>(await call(hub, reader, 'topic/search', { query: 'saffron pancakes' })).results).toEqual([]);
    expect(ok<{ results: Array<{ topic: { topic_id: string } }> }>(await call(hub, reader, 'topic/search', { query: 'risot' })).results.map((r) => r.topic.topic_id)).toEqual([other]);
    // By description, and FTS syntax in the query is just words.
    expect(ok<{ results: Array<{ topic: { topic_id: string } }> }>(await call(hub, reader, 'topic/search', { query: 'recipes NEAR("x")' })).results).toEqual([]);
    expect(ok<{ results: Array<{ topic: { topic_id: string } }> }>(await call(hub, reader, 'topic/search', { query: '"recipes"' })).results.map((r) => r.topic.topic_id)).toEqual([other]);
    expect(errorOf(await call(hub, reader, 'topic/search', { query: '!!!' }))?.code).toBe('invalid_params');
  });

  it('inbox/feed merges the caller\'s topics, newest first, paginated without repeats', async () => {
    const a = await register(hub);
    const t1 = ok<{ topic_id: string }>(await call(hub, a, 'topic/create', { name: 'feed one' })).topic_id;
    const t2 = ok<{ topic_id: string }>(await call(hub, a, 'topic/create', { name: 'feed two' })).topic_id;
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) sent.push(ok<{ message_id: string }>(await call(hub, a, 'topic/publish', { topic_id: i % 2 ? t1 : t2, content: `f${i}` })).message_id);
    const seen: Array<{ message_id: string; topic_name: string }> = [];
    let cursor: string | undefined;
    do {
      const page = ok<{ items: Array<{ message_id: string; topic_name: string }>; next_cursor: string | null }>(
        await call(hub, a, 'inbox/feed', { limit: 3, ...(cursor ? { cursor } : {}) }),
      );
      seen.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen.map((s) => s.message_id)).toEqual([...sent].reverse());
    expect(seen[0]!.topic_name).toBe('feed two'); // f6 went to t2
  });
});
