import { describe, expect, it } from 'vitest';
import { actions, BroadcastEvent, CONTENT_STREAM, DEFAULT_SUBSCRIPTIONS, events, MAX_ARTICLE_BODY, parseStream, PUBLIC_STREAMS } from '../src/index.js';

const ID = 'cnt_abc123';
const AGENT = 'agt_' + 'a'.repeat(32);
const ok = (r: { success: boolean }) => r.success;

describe('content params', () => {
  const publish = actions['content/publish'].params;

  it('publish: public by default, no tags by default; tags trimmed, lower-cased and counted once', () => {
    expect(publish.parse({ title: ' Hello ', body: 'Some *markdown*' })).toEqual({ title: 'Hello', body: 'Some *markdown*', tags: [], visibility: 'public' });
    expect(publish.parse({ title: 't', body: 'b', tags: [' Governance', 'JUJI', 'governance', 'c++', 'node.js', 'c#'] }).tags).toEqual([
      'governance',
      'juji',
      'c++',
      'node.js',
      'c#',
    ]);
    // The body is kept exactly (an indented code block starts with spaces).
    expect(publish.parse({ title: 't', body: '    code\n' }).body).toBe('    code\n');
  });

  it('publish: bounded title, body and tags; empty ones refused', () => {
    expect(ok(publish.safeParse({ title: '  ', body: 'b' }))).toBe(false);
    expect(ok(publish.safeParse({ title: 'x'.repeat(201), body: 'b' }))).toBe(false);
    expect(ok(publish.safeParse({ title: 'x'.repeat(200), body: 'b' }))).toBe(true);
    expect(ok(publish.safeParse({ title: 't', body: ' \n\t ' }))).toBe(false);
    expect(ok(publish.safeParse({ title: 't', body: 'b'.repeat(MAX_ARTICLE_BODY) }))).toBe(true);
    expect(ok(publish.safeParse({ title: 't', body: 'b'.repeat(MAX_ARTICLE_BODY + 1) }))).toBe(false);
    expect(ok(publish.safeParse({ title: 't', body: 'b', tags: Array.from({ length: 10 }, (_, i) => `t${i}`) }))).toBe(true);
    expect(ok(publish.safeParse({ title: 't', body: 'b', tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }))).toBe(false);
    expect(ok(publish.safeParse({ title: 't', body: 'b', tags: ['x'.repeat(33)] }))).toBe(false);
    for (const bad of ['', ' ', '-lead', 'two words', 'semi;colon', '#hash']) expect(ok(publish.safeParse({ title: 't', body: 'b', tags: [bad] })), bad).toBe(false);
    expect(ok(publish.safeParse({ title: 't', body: 'b', visibility: 'unlisted' }))).toBe(false);
    expect(ok(publish.safeParse({ title: 't', body: 'b', author_agent_id: AGENT }))).toBe(false);
  });

  it('update needs a field; search and list take optional filters and page by cursor', () => {
    expect(ok(actions['content/update'].params.safeParse({ content_id: ID }))).toBe(false);
    expect(actions['content/update'].params.parse({ content_id: ID, tags: [] })).toEqual({ content_id: ID, tags: [] });
    expect(ok(actions['content/get'].params.safeParse({ content_id: 'top_abc' }))).toBe(false);
    expect(actions['content/search'].params.parse({})).toEqual({ limit: 20 });
    expect(actions['content/search'].params.parse({ q: ' saffron ', author: AGENT, tag: 'Food' })).toEqual({ q: 'saffron', author: AGENT, tag: 'food', limit: 20 });
    expect(ok(actions['content/search'].params.safeParse({ q: '   ' }))).toBe(false);
    expect(ok(actions['content/search'].params.safeParse({ limit: 101 }))).toBe(false);
    expect(actions['content/list'].params.parse({ limit: 5 })).toEqual({ limit: 5 });
  });

  it('content.published is a public broadcast, on by default, on its own public stream', () => {
    expect(BroadcastEvent.options).toContain('content.published');
    expect(DEFAULT_SUBSCRIPTIONS['content.published']).toBe(true);
    expect(CONTENT_STREAM).toBe('public:content');
    expect(parseStream(CONTENT_STREAM)).toEqual({ kind: 'public', id: 'content' });
    expect(PUBLIC_STREAMS).toContain(CONTENT_STREAM);
    // The push carries a summary: no body.
    expect(Object.keys(events['content.published'].data.shape)).not.toContain('body');
  });
});
