import { agentStream, CONTENT_STREAM, MAX_ARTICLE_BODY, type Article, type ArticleSummary } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { excerptOf } from '../src/domains/content/rows.js';
import type { RunningHub } from '../src/index.js';
import { searchArticles } from '../src/store/content-search.js';
import { ftsQuery } from '../src/store/search.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/store.js';
import { type Frame, type RawClient, type TestAgent, connectAgent, ok, register, rpc, startTestHub } from './helpers.js';
import { pgStore } from './pg.js';

/**
 * Content (articles) through the hub, on the suite's store (SQLite, and
 * PostgreSQL in the second pass): publish and get, full-text search with
 * author and tag filters, paging, edits and deletes by the author only,
 * private articles that nobody else can reach, the per-author quota, and the
 * content.published push on public:content with its opt-out. The last block
 * runs the same search on both stores side by side.
 */

type Page = { articles: ArticleSummary[]; next_cursor: string | null };

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const errorOf = (f: Frame) => (f.status === 'error' ? (f.content as { code: string; error: string; details?: Record<string, unknown> }) : null);
const codeOf = (f: Frame) => errorOf(f)?.code ?? 'success';

describe('content', () => {
  let hub: RunningHub;
  let alice: TestAgent, bob: TestAgent, carol: TestAgent;
  const publish = async (who: TestAgent, params: Record<string, unknown>) => ok<Article>(await call(hub, who, 'content/publish', params));
  const search = async (who: TestAgent, params: Record<string, unknown>) => ok<Page>(await call(hub, who, 'content/search', params));
  const list = async (who: TestAgent, params: Record<string, unknown>) => ok<Page>(await call(hub, who, 'content/list', params));
  const ids = (p: Page) => p.articles.map((a) => a.content_id);

  beforeAll(async () => {
    hub = await startTestHub();
    [alice, bob, carol] = await Promise.all([register(hub, 'alice'), register(hub, 'bob'), register(hub, 'carol')]);
  });
  afterAll(() => hub.close());

  it('publishes an article and gets it back whole; defaults to public; tags lower-cased once each', async () => {
    const body = '# Saffron risotto\n\nThe **saffron** goes in *last*; see [the guide](https://example.org/guide).\n\n- stir\n- wait';
    const a = await publish(alice, { title: ' Kitchen notes ', body, tags: ['Food', 'recipes', 'FOOD'] });
    expect(a).toMatchObject({
      title: 'Kitchen notes',
      body,
      tags: ['food', 'recipes'],
      visibility: 'public',
      author_id: alice.agentId,
      author_name: 'alice',
      excerpt: 'Saffron risotto The saffron goes in *last*; see the guide. stir wait',
      bytes: Buffer.byteLength('Kitchen notes') + Buffer.byteLength(body),
    });
    expect(a.content_id).toMatch(/^cnt_[a-z0-9]+$/);
    expect(a.published_at).toBe(a.created_at);
    expect(ok<Article>(await call(hub, bob, 'content/get', { content_id: a.content_id }))).toEqual(a);
    expect(codeOf(await call(hub, bob, 'content/get', { content_id: 'cnt_nothere' }))).toBe('not_found');
    // Juji's author_agent_id is not a param: the author is the caller.
    expect(codeOf(await call(hub, bob, 'content/publish', { title: 't', body: 'b', author_agent_id: alice.agentId }))).toBe('invalid_params');
  });

  it('searches by words: every word, prefixes of 3+ letters, accents either way, title over body, FTS syntax as plain words', async () => {
    const cafe = await publish(bob, { title: 'Le café du coin', body: 'Un endroit où l’on parle de tout.', tags: ['paris'] });
    const inTitle = await publish(carol, { title: 'Lighthouse keeping', body: 'oil, wicks and patience' });
    const inBody = await publish(carol, { title: 'Coastal life', body: 'the old lighthouse on the cape, its keepers and their logs' });
    expect(ids(await search(bob, { q: 'cafe' }))).toEqual([cafe.content_id]);
    expect(ids(await search(bob, { q: 'CAFÉ coin' }))).toEqual([cafe.content_id]);
    expect(ids(await search(bob, { q: 'risot' }))).toHaveLength(1);
    expect(ids(await search(bob, { q: 'ri' }))).toEqual([]);
    expect(ids(await search(bob, { q: 'saffron pancakes' }))).toEqual([]);
    // A title match weighs four times a body match.
    expect(ids(await search(bob, { q: 'lighthouse' }))).toEqual([inTitle.content_id, inBody.content_id]);
    // Operators are words like any other: AND is the word "and", NEAR a word nobody wrote.
    expect(ids(await search(bob, { q: 'lighthouse AND oil' }))).toEqual([inTitle.content_id]);
    expect(ids(await search(bob, { q: 'lighthouse NEAR("oil")' }))).toEqual([]);
    expect(ids(await search(bob, { q: '"lighthouse" keep*' }))).toEqual([inTitle.content_id, inBody.content_id]);
    expect(errorOf(await call(hub, bob, 'content/search', { q: '!!! ...' }))).toMatchObject({ code: 'invalid_params', error: expect.stringMatching(/^q: give at least one word/) });
  });

  it('filters by author and by tag, alone or with words; without words it is newest first', async () => {
    const d1 = await publish(carol, { title: 'Deploy log one', body: 'rolled out the parser', tags: ['ops', 'parser'] });
    const d2 = await publish(carol, { title: 'Deploy log two', body: 'rolled back the parser', tags: ['ops'] });
    const other = await publish(bob, { title: 'Parser thoughts', body: 'why the parser needs a rewrite', tags: ['parser'] });
    expect(ids(await search(alice, { q: 'parser', author: carol.agentId }))).toEqual(expect.arrayContaining([d1.content_id, d2.content_id]));
    expect(ids(await search(alice, { q: 'parser', author: carol.agentId }))).toHaveLength(2);
    expect(ids(await search(alice, { q: 'parser', tag: 'PARSER' }))).toEqual([other.content_id, d1.content_id]);
    expect(ids(await search(alice, { author: carol.agentId, tag: 'ops' }))).toEqual([d2.content_id, d1.content_id]);
    expect(ids(await search(alice, { q: 'rolled back', tag: 'ops', author: carol.agentId }))).toEqual([d2.content_id]);
    expect(ids(await search(alice, { tag: 'parser' }))).toEqual([other.content_id, d1.content_id]);
    expect(ids(await search(alice, { q: 'parser', author: alice.agentId }))).toEqual([]);
    expect(ids(await search(alice, { tag: 'nothing-here' }))).toEqual([]);
    // Summaries carry no body.
    expect(Object.keys((await search(alice, { tag: 'ops' })).articles[0]!)).not.toContain('body');
    expect(ids(await list(alice, { tag: 'ops' }))).toEqual([d2.content_id, d1.content_id]);
  });

  it('pages lists newest first and searches by rank, without repeats or gaps', async () => {
    const dave = await register(hub, 'dave');
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await publish(dave, { title: `Pager ${i}`, body: `zebra page number ${i}`, tags: ['paging'] })).content_id);
    const walk = async (action: 'content/list' | 'content/search', params: Record<string, unknown>) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = ok<Page>(await call(hub, alice, action, { ...params, limit: 3, ...(cursor ? { cursor } : {}) }));
        expect(page.articles.length).toBeLessThanOrEqual(3);
        seen.push(...ids(page));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return seen;
    };
    expect(await walk('content/list', { author: dave.agentId })).toEqual([...made].reverse());
    expect(await walk('content/search', { tag: 'paging' })).toEqual([...made].reverse());
    const ranked = await walk('content/search', { q: 'zebra' });
    expect([...ranked].sort()).toEqual([...made].sort());
    // The whole list of everyone's, newest first, holds them in the same order.
    const all = await walk('content/list', {});
    expect(all.filter((id) => made.includes(id))).toEqual([...made].reverse());
    // A cursor is read as its own kind: a search's offset is no list position.
    const firstSearch = ok<Page>(await call(hub, alice, 'content/search', { q: 'zebra', limit: 2 }));
    expect(codeOf(await call(hub, alice, 'content/list', { cursor: firstSearch.next_cursor }))).toBe('invalid_params');
  });

  it('only the author edits and deletes; an edit re-indexes words and tags', async () => {
    const a = await publish(alice, { title: 'Tea ceremony', body: 'matcha and sencha', tags: ['tea'] });
    expect(codeOf(await call(hub, bob, 'content/update', { content_id: a.content_id, title: 'mine now' }))).toBe('forbidden');
    expect(codeOf(await call(hub, bob, 'content/delete', { content_id: a.content_id }))).toBe('forbidden');
    expect(codeOf(await call(hub, bob, 'content/update', { content_id: 'cnt_nothere', title: 'x' }))).toBe('not_found');
    expect(ok<Article>(await call(hub, bob, 'content/get', { content_id: a.content_id }))).toEqual(a);

    const edited = ok<Article>(await call(hub, alice, 'content/update', { content_id: a.content_id, body: 'genmaicha, roasted rice tea', tags: ['Tea', 'rice'] }));
    expect(edited).toMatchObject({ title: 'Tea ceremony', body: 'genmaicha, roasted rice tea', tags: ['tea', 'rice'], excerpt: 'genmaicha, roasted rice tea', created_at: a.created_at });
    expect(edited.published_at).toBe(a.published_at);
    expect(edited.bytes).toBe(Buffer.byteLength('Tea ceremony') + Buffer.byteLength('genmaicha, roasted rice tea'));
    expect(ids(await search(bob, { q: 'matcha' }))).toEqual([]);
    expect(ids(await search(bob, { q: 'genmaicha' }))).toEqual([a.content_id]);
    expect(ids(await search(bob, { tag: 'rice' }))).toEqual([a.content_id]);
    // Tags alone, then none: the set is replaced.
    expect(ok<Article>(await call(hub, alice, 'content/update', { content_id: a.content_id, tags: [] })).tags).toEqual([]);
    expect(ids(await search(bob, { tag: 'tea' }))).toEqual([]);
    expect(ok<Article>(await call(hub, alice, 'content/update', { content_id: a.content_id, title: 'Rice tea' })).title).toBe('Rice tea');
    expect(ids(await search(bob, { q: 'ceremony' }))).toEqual([]);
    expect(ids(await search(bob, { q: 'rice tea' }))).toEqual([a.content_id]);

    expect(ok(await call(hub, alice, 'content/delete', { content_id: a.content_id }))).toEqual({ content_id: a.content_id, deleted: true });
    expect(codeOf(await call(hub, bob, 'content/get', { content_id: a.content_id }))).toBe('not_found');
    expect(codeOf(await call(hub, alice, 'content/delete', { content_id: a.content_id }))).toBe('not_found');
    expect(ids(await search(alice, { q: 'genmaicha' }))).toEqual([]);
    expect(ids(await list(alice, { author: alice.agentId }))).not.toContain(a.content_id);
  });

  it('a private article is its author\'s alone: get, list, search and edits see nothing of it', async () => {
    const secret = await publish(alice, { title: 'Unreleased plans', body: 'the zeppelin fleet', tags: ['secret'], visibility: 'private' });
    expect(secret.published_at).toBeNull();
    for (const [action, params] of [
      ['content/get', { content_id: secret.content_id }],
      ['content/update', { content_id: secret.content_id, title: 'x' }],
      ['content/delete', { content_id: secret.content_id }],
    ] as const) {
      expect(codeOf(await call(hub, bob, action, params)), action).toBe('not_found');
    }
    for (const params of [{ q: 'zeppelin' }, { tag: 'secret' }, { author: alice.agentId }, { q: 'unreleased', author: alice.agentId, tag: 'secret' }]) {
      expect(ids(await search(bob, params)), JSON.stringify(params)).not.toContain(secret.content_id);
      expect(ids(await search(alice, params)), JSON.stringify(params)).toContain(secret.content_id);
    }
    expect(ids(await list(bob, { author: alice.agentId }))).not.toContain(secret.content_id);
    expect(ids(await list(bob, {}))).not.toContain(secret.content_id);
    expect(ids(await list(alice, { author: alice.agentId }))).toContain(secret.content_id);
    expect(ok<Article>(await call(hub, alice, 'content/get', { content_id: secret.content_id })).body).toBe('the zeppelin fleet');
  });

  it('bad input changes nothing', async () => {
    const erin = await register(hub, 'erin');
    const bad: Array<Record<string, unknown>> = [
      { title: '', body: 'b' },
      { title: 'x'.repeat(201), body: 'b' },
      { title: 't', body: '   ' },
      { title: 't', body: 'b'.repeat(MAX_ARTICLE_BODY + 1) },
      { title: 't', body: 'b', tags: Array.from({ length: 11 }, (_, i) => `t${i}`) },
      { title: 't', body: 'b', tags: ['two words'] },
      { title: 't', body: 'b', tags: ['x'.repeat(33)] },
      { title: 't', body: 'b', visibility: 'unlisted' },
      { title: 't', body: 'b', extra: 1 },
    ];
    for (const params of bad) expect(codeOf(await call(hub, erin, 'content/publish', params)), JSON.stringify(params).slice(0, 80)).toBe('invalid_params');
    expect(ids(await list(erin, { author: erin.agentId }))).toEqual([]);
    const a = await publish(erin, { title: 'Kept', body: 'as it was', tags: ['kept'] });
    for (const params of [{ content_id: a.content_id }, { content_id: a.content_id, tags: ['bad tag'] }, { content_id: a.content_id, title: '' }, { content_id: a.content_id, visibility: 'hidden' }]) {
      expect(codeOf(await call(hub, erin, 'content/update', params)), JSON.stringify(params)).toBe('invalid_params');
    }
    expect(ok<Article>(await call(hub, erin, 'content/get', { content_id: a.content_id }))).toEqual(a);
    expect(codeOf(await call(hub, erin, 'content/search', { author: 'agt_bad' }))).toBe('invalid_params');
    expect(codeOf(await call(hub, erin, 'content/list', { cursor: 'garbage' }))).toBe('invalid_params');
  });
});

describe('content quota', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ contentQuota: { maxArticles: 3, maxBytes: 100 } });
  });
  afterAll(() => hub.close());

  it('counts articles and bytes per author, refuses with the numbers, writes nothing, and frees room on delete', async () => {
    const a = await register(hub, 'a');
    const b = await register(hub, 'b');
    const publish = (who: TestAgent, title: string, body: string) => call(hub, who, 'content/publish', { title, body, visibility: 'private' });
    const mine = async () => ok<Page>(await call(hub, a, 'content/list', { author: a.agentId })).articles;

    const first = ok<Article>(await publish(a, 'one', 'x'.repeat(37))); // 40 bytes
    ok(await publish(a, 'two', 'y'.repeat(27))); // 30 bytes
    // 70 used: 31 more is over 100.
    const tooBig = errorOf(await publish(a, 'big', 'z'.repeat(28)));
    expect(tooBig).toMatchObject({ code: 'conflict', details: { quota: 'bytes', limit: 100, used: 70, needed: 31 } });
    expect(tooBig!.error).toMatch(/over the 100 one author may keep/);
    expect(await mine()).toHaveLength(2);
    ok(await publish(a, 'three', 'w'.repeat(5)));
    expect(errorOf(await publish(a, 'four', 'v'))).toMatchObject({ code: 'conflict', details: { quota: 'articles', limit: 3, used: 3, needed: 1 } });
    expect(await mine()).toHaveLength(3);
    // Another author has its own quota.
    ok(await publish(b, 'theirs', 'fine'));

    // An edit that grows past the bytes is refused and changes nothing; one that shrinks passes.
    expect(errorOf(await call(hub, a, 'content/update', { content_id: first.content_id, body: 'x'.repeat(70) }))).toMatchObject({
      code: 'conflict',
      details: { quota: 'bytes', used: 40, needed: 73 },
    });
    expect(ok<Article>(await call(hub, a, 'content/get', { content_id: first.content_id })).body).toBe('x'.repeat(37));
    expect(ok<Article>(await call(hub, a, 'content/update', { content_id: first.content_id, body: 'short' })).bytes).toBe(8);

    ok(await call(hub, a, 'content/delete', { content_id: first.content_id }));
    ok(await publish(a, 'four', 'v'));
    expect(await mine()).toHaveLength(3);
  });
});

describe('content.published on public:content', () => {
  let hub: RunningHub;
  type Session = { agent: TestAgent; client: RawClient };
  let author: Session, reader: Session, quiet: Session;
  const pushes = (s: Session) => s.client.pushes(CONTENT_STREAM);
  const waitPush = (s: Session, pred: (data: ArticleSummary) => boolean) =>
    s.client.waitFrame((f) => f.type === 'push' && f.stream === CONTENT_STREAM && f.event === 'content.published' && pred(f.data as ArticleSummary), 5000, 'content.published');
  const callAs = async (s: Session, action: string, params: unknown) => ok<Article>(await s.client.call(s.agent.agentId, action, params));

  beforeAll(async () => {
    hub = await startTestHub();
    const session = async (name: string): Promise<Session> => connectAgent(hub, await register(hub, name));
    [author, reader, quiet] = await Promise.all([session('author'), session('reader'), session('quiet')]);
    ok(await quiet.client.call(quiet.agent.agentId, 'notification/subscription/set', { event: 'content.published', enabled: false }));
  });
  afterAll(async () => {
    for (const s of [author, reader, quiet]) s.client.close();
    await hub.close();
  });

  it('a public article reaches every live session but those that switched it off, as a summary without the body', async () => {
    const a = await callAs(author, 'content/publish', { title: 'Hello world', body: 'A long body. '.repeat(100), tags: ['intro'] });
    const got = await waitPush(reader, (d) => d.content_id === a.content_id);
    expect(got.seq).toBe(1);
    const { body: _body, ...summary } = a;
    expect(got.data).toEqual(summary);
    expect((got.data as ArticleSummary).excerpt).toMatch(/^A long body\. A long body\..*…$/);
    expect((got.data as ArticleSummary).excerpt.length).toBeLessThanOrEqual(280);
    await waitPush(author, (d) => d.content_id === a.content_id);

    // The opted-out agent hears the next one once it switches back on: it was skipped, not late.
    ok(await quiet.client.call(quiet.agent.agentId, 'notification/subscription/set', { event: 'content.published', enabled: true }));
    const b = await callAs(author, 'content/publish', { title: 'Second', body: 'more' });
    const heard = await waitPush(quiet, (d) => d.content_id === b.content_id);
    expect(heard.seq).toBe(2);
    expect(pushes(quiet).map((p) => p.seq)).toEqual([2]);
    // The stream is readable all the same: the skipped push is there to poll.
    const polled = ok<{ pushes: Array<{ stream: string; seq: number; event: string }> }>(await quiet.client.call(quiet.agent.agentId, 'inbox/poll', {}));
    expect(polled.pushes.filter((p) => p.stream === CONTENT_STREAM).map((p) => p.seq)).toEqual([1, 2]);
    ok(await quiet.client.call(quiet.agent.agentId, 'notification/subscription/set', { event: 'content.published', enabled: false }));
  });

  it('a private article is never pushed; made public it is announced once, and never again', async () => {
    const draft = await callAs(author, 'content/publish', { title: 'Draft', body: 'not yet', visibility: 'private' });
    await callAs(author, 'content/update', { content_id: draft.content_id, body: 'still not' });
    const marker = await callAs(author, 'content/publish', { title: 'Marker', body: 'after the draft' });
    const m = await waitPush(reader, (d) => d.content_id === marker.content_id);
    // Nothing was staged for the draft: the marker directly follows the last public one.
    expect(m.seq).toBe(3);
    expect(JSON.stringify(pushes(reader))).not.toContain(draft.content_id);

    const shown = await callAs(author, 'content/update', { content_id: draft.content_id, visibility: 'public', title: 'Ready' });
    expect(shown.published_at).toBe(shown.updated_at);
    const announced = await waitPush(reader, (d) => d.content_id === draft.content_id);
    expect(announced.data).toMatchObject({ title: 'Ready', visibility: 'public', excerpt: 'still not' });
    // Hidden and shown again, or edited: no second announcement.
    await callAs(author, 'content/update', { content_id: draft.content_id, visibility: 'private' });
    await callAs(author, 'content/update', { content_id: draft.content_id, visibility: 'public' });
    await callAs(author, 'content/update', { content_id: draft.content_id, body: 'edited' });
    const last = await callAs(author, 'content/publish', { title: 'Last', body: 'end' });
    await waitPush(reader, (d) => d.content_id === last.content_id);
    expect(pushes(reader).filter((p) => (p.data as ArticleSummary).content_id === draft.content_id)).toHaveLength(1);
    expect(pushes(reader).map((p) => p.seq)).toEqual([1, 2, 3, 4, 5]);
    // Nothing on anyone's own stream.
    expect(reader.client.pushes(agentStream(reader.agent.agentId))).toEqual([]);
  });

  it('any agent may resume the public stream from the start', async () => {
    const late = await connectAgent(hub, await register(hub, 'late'), { [CONTENT_STREAM]: 0 });
    expect((late.connected.resumed as Record<string, { replayed: number; gap: boolean }>)[CONTENT_STREAM]).toEqual({ replayed: 5, gap: false });
    await late.client.waitUntil(() => late.client.pushes(CONTENT_STREAM).length === 5 || undefined);
    late.client.close();
  });
});

// The same rows on both stores: what one finds, the other finds, in the same order.
describe('article search on both stores', () => {
  let pgs: Store;
  let lite: Store;
  beforeAll(async () => {
    pgs = await pgStore();
    lite = openSqliteStore(':memory:');
    await lite.migrate();
    const row = (content_id: string, title: string, body: string) => ({
      content_id, author_id: 'agt_x', title, body, tags: '[]', visibility: 'public', excerpt: excerptOf(body), bytes: 1, created_at: 1, updated_at: 1, published_at: 1,
    });
    for (const store of [pgs, lite]) {
      await store.writer.run(async (tx) => {
        await tx.run(
          store.db
            .insertInto('articles')
            .values([
              row('cnt_a', 'Café society', 'coffee and talk on the terrace'),
              row('cnt_b', 'Terrace gardening', 'tomatoes, basil and a small café table'),
              row('cnt_c', 'Release notes', 'mail bob@example.com about version 3.14, or the deploy-service'),
            ])
            .compile(),
        );
      });
    }
  });
  afterAll(async () => {
    await pgs?.close();
    await lite?.close();
  });

  const found = async (text: string, only?: string[]) => {
    const out: Record<string, string[]> = {};
    for (const [name, s] of [['pg', pgs], ['sqlite', lite]] as const) {
      let candidates = s.db.selectFrom('articles').select('content_id');
      if (only) candidates = candidates.where('content_id', 'in', only);
      out[name] = (await searchArticles(s.db, ftsQuery(text, 'all')!, candidates)).map((r) => r.content_id);
    }
    return out;
  };

  it('ranks title over body, folds accents, matches prefixes, splits at punctuation, and stays within the candidates', async () => {
    expect(await found('cafe')).toEqual({ pg: ['cnt_a', 'cnt_b'], sqlite: ['cnt_a', 'cnt_b'] });
    expect(await found('TERRACE')).toEqual({ pg: ['cnt_b', 'cnt_a'], sqlite: ['cnt_b', 'cnt_a'] });
    expect(await found('garden basil')).toEqual({ pg: ['cnt_b'], sqlite: ['cnt_b'] });
    for (const word of ['example', 'bob', '14', 'deploy', 'service', 'releas']) expect(await found(word), word).toEqual({ pg: ['cnt_c'], sqlite: ['cnt_c'] });
    expect(await found('cafe', ['cnt_b'])).toEqual({ pg: ['cnt_b'], sqlite: ['cnt_b'] });
    // The index follows updates and deletes on both.
    for (const s of [pgs, lite]) {
      await s.writer.run(async (tx) => {
        await tx.run(s.db.updateTable('articles').set({ title: 'Tea society' }).where('content_id', '=', 'cnt_a').compile());
        await tx.run(s.db.deleteFrom('articles').where('content_id', '=', 'cnt_c').compile());
      });
    }
    expect(await found('cafe')).toEqual({ pg: ['cnt_b'], sqlite: ['cnt_b'] });
    expect(await found('tea')).toEqual({ pg: ['cnt_a'], sqlite: ['cnt_a'] });
    expect(await found('deploy')).toEqual({ pg: [], sqlite: [] });
  });
});
