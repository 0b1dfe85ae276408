import type { Article, ArticleSummary } from '@parley/protocol';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCli } from './agents.js';
import { startTestHub, tempDir, type LiveProcess } from './helpers.js';

/**
 * Articles through the CLI, as users run them: `parley content
 * publish|get|search|list|edit|delete`, Juji's `publish --title --body
 * --tags` and `content-search --q --limit`, and the content.published line
 * of `parley poll`.
 */

let hub: LiveProcess;
let url: string;
const homes = { alice: tempDir('content-alice'), bob: tempDir('content-bob') };
type Who = keyof typeof homes;
const ids: Record<Who, string> = { alice: '', bob: '' };
const { ok, json, fails } = agentCli(homes, () => url);
type Page = { articles: ArticleSummary[]; next_cursor: string | null };

beforeAll(async () => {
  ({ hub, url } = await startTestHub());
  for (const who of Object.keys(homes) as Who[]) ids[who] = (await json<{ agent_id: string }>(['register', '--name', who], who)).agent_id;
  // Both start reading public:content from here (a poll moves every cursor).
  for (const who of Object.keys(homes) as Who[]) await ok(['poll'], who);
});

afterAll(async () => {
  expect(await hub.stop('SIGTERM')).toBe(0);
});

describe('parley content', () => {
  let hello: string;

  it('publishes with Juji\'s flags and reads it back; bob hears of it in his poll', async () => {
    const out = await ok(['publish', '--title', 'Hello Parley', '--body', 'My first **article** on the hub', '--tags', 'Intro', 'parley'], 'alice');
    const m = /^published (cnt_[a-z0-9]+) "Hello Parley"; every agent is told\n$/.exec(out);
    expect(m, out).not.toBeNull();
    hello = m![1]!;
    const a = await json<Article>(['content', 'get', hello], 'bob');
    expect(a).toMatchObject({ title: 'Hello Parley', body: 'My first **article** on the hub', tags: ['intro', 'parley'], author_id: ids.alice, author_name: 'alice', visibility: 'public' });
    const shown = await ok(['content', 'get', hello], 'bob');
    expect(shown).toContain(`author:      ${ids.alice} (alice)\ntags:        intro, parley\nvisibility:  public\n`);
    expect(shown.endsWith('\n\nMy first **article** on the hub\n')).toBe(true);
    const polled = await ok(['poll'], 'bob');
    expect(polled).toContain(`article ${hello} "Hello Parley" by ${ids.alice} (alice) [intro, parley]: My first article on the hub; "parley content get ${hello}"`);
    // Her own article is not news to alice.
    expect(await ok(['poll'], 'alice')).not.toContain(hello);
  });

  it('publishes from a file and from stdin, privately too', async () => {
    const file = join(tempDir('content-file'), 'notes.md');
    writeFileSync(file, '# Release notes\n\n- faster search\n- saffron support\n');
    const fromFile = await json<Article>(['content', 'publish', 'Release notes', '--file', file, '--tags', 'release,notes'], 'alice');
    expect(fromFile).toMatchObject({ body: '# Release notes\n\n- faster search\n- saffron support\n', tags: ['release', 'notes'], excerpt: 'Release notes faster search saffron support' });
    const fromStdin = await json<Article>(['content', 'new', 'Draft', '-', '--private'], 'alice', 'not for **anyone** yet\n');
    expect(fromStdin).toMatchObject({ body: 'not for **anyone** yet', visibility: 'private', published_at: null });
    expect(await ok(['content', 'publish', 'Secret', 'the zeppelin plans', '--private'], 'alice')).toMatch(/^saved cnt_[a-z0-9]+ "Secret" \(private: only you can read it\)\n$/);
    expect(await fails(['content', 'get', fromStdin.content_id], 'bob', 1)).toMatch(/^parley: not_found: article not found/);
  });

  it('searches by words, author and tag, with Juji\'s content-search too; lists newest first with --mine', async () => {
    await ok(['content', 'publish', 'Risotto', 'saffron', 'and', 'rice', '--tags', 'food'], 'bob');
    const found = await json<Page>(['content', 'search', 'saffron'], 'bob');
    expect(found.articles.map((a) => a.title).sort()).toEqual(['Release notes', 'Risotto']);
    expect((await json<Page>(['content', 'search', 'saffron', '--author', ids.bob], 'alice')).articles.map((a) => a.title)).toEqual(['Risotto']);
    expect((await json<Page>(['content', 'find', '--tag', 'FOOD'], 'alice')).articles.map((a) => a.title)).toEqual(['Risotto']);
    expect((await json<Page>(['content-search', '--q', 'zeppelin', '--limit', '20'], 'bob')).articles).toEqual([]);
    expect((await json<Page>(['content-search', '--q', 'zeppelin'], 'alice')).articles.map((a) => a.title)).toEqual(['Secret']);
    const table = await ok(['content', 'search', 'saffron', '--author', 'me'], 'alice');
    expect(table).toMatch(/^ARTICLE\s+DATE\s+VISIBILITY\s+TITLE\s+TAGS\s+AUTHOR\n/);
    expect(table).toMatch(/\ncnt_[a-z0-9]+\s+\d{4}-\d\d-\d\d\s+public\s+Release notes\s+release,notes\s+alice\n$/);
    expect(await ok(['content', 'search', 'nothing', 'like', 'this'], 'bob')).toBe('no articles match\n');

    const mine = await json<Page>(['content', 'ls', '--mine'], 'alice');
    expect(mine.articles.map((a) => a.title)).toEqual(['Secret', 'Draft', 'Release notes', 'Hello Parley']);
    expect((await json<Page>(['content', 'list', '--author', ids.alice], 'bob')).articles.map((a) => a.title)).toEqual(['Release notes', 'Hello Parley']);
    const first = await json<Page>(['content', 'list', '--mine', '--limit', '3'], 'alice');
    expect(first.articles).toHaveLength(3);
    const rest = await json<Page>(['content', 'list', '--mine', '--cursor', first.next_cursor!], 'alice');
    expect(rest.articles.map((a) => a.title)).toEqual(['Hello Parley']);
    expect(await ok(['content', 'list', '--mine', '--limit', '3'], 'alice')).toContain(`(more: --cursor ${first.next_cursor})`);
  });

  it('edits and deletes only as the author; usage errors say what is wrong', async () => {
    expect(await fails(['content', 'edit', hello, '--title', 'Mine now'], 'bob', 1)).toMatch(/^parley: forbidden: only its author edits an article/);
    expect(await ok(['content', 'edit', hello, '--title', 'Hello again', '--tags', 'intro', '#greetings'], 'alice')).toBe(`updated ${hello} "Hello again" (public)\n`);
    expect(await json<Article>(['content', 'get', hello], 'bob')).toMatchObject({ title: 'Hello again', tags: ['intro', 'greetings'] });
    expect((await json<Article>(['content', 'edit', hello, '--no-tags', '--body', '-'], 'alice', 'Rewritten.\n'))).toMatchObject({ tags: [], body: 'Rewritten.' });
    expect(await fails(['content', 'edit', hello], 'alice', 2)).toBe('parley: nothing to change: give --title, --body, --file, --tags, --no-tags, --public or --private\n');
    expect(await fails(['content', 'edit', hello, '--public', '--private'], 'alice', 2)).toBe('parley: give --public or --private, not both\n');
    expect(await fails(['content', 'publish', 'x'.repeat(201), 'body'], 'alice', 2)).toBe('parley: the title is too long: at most 200 characters\n');
    expect(await fails(['content', 'publish', 'Title', 'body', '--tags', 'ok', 'not/ok'], 'alice', 2)).toMatch(/^parley: --tags "not\/ok": a tag is letters and digits/);
    expect(await fails(['content', 'publish', 'Title'], 'alice', 2)).toBe('parley: nothing to publish: give the body (or "-" for stdin, or --file)\n');
    expect(await fails(['content', 'get', 'top_abc'], 'alice', 2)).toBe('parley: "top_abc" is not a content id (cnt_ followed by lowercase letters and digits)\n');
    expect(await fails(['publish', 'top_abc', 'hi', '--body', 'b', '--title', 't'], 'alice', 2)).toContain('--body publishes an article, which takes no a topic id or message text');
    expect(await fails(['publish', '--body', 'b'], 'alice', 2)).toBe('parley: an article needs --title (and --body)\n');
    expect(await fails(['publish'], 'alice', 2)).toContain("missing required argument 'topic_id'");

    expect(await fails(['content', 'delete', hello], 'alice', 2)).toContain(`run "parley content delete ${hello} --yes" to delete it`);
    expect(await fails(['content', 'rm', hello, '--yes'], 'bob', 1)).toMatch(/^parley: forbidden: /);
    expect(await ok(['content', 'rm', hello, '--yes'], 'alice')).toBe(`deleted ${hello}\n`);
    expect(await fails(['content', 'get', hello], 'bob', 1)).toMatch(/^parley: not_found: /);
  });
});
