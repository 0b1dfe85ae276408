// Articles through the plugin: the parley_content tool, "/parley content ..."
// commands, and the content.published notice in the chat, against a real hub.
// alice's plugin keeps new articles out of her chat (content: "none", the
// default); carol's forwards them (content: "all"); bob is a peer driven by
// the client.
import type { RunningHub } from '@parley/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idIn, inChat, peer, pluginAgent, startTestHub, toolFails, toolOk, type PluginAgent, type Peer } from './fake-openclaw.js';

let hub: RunningHub;
let alice: PluginAgent;
let carol: PluginAgent;
let bob: Peer;
let bobId: string;

beforeAll(async () => {
  hub = await startTestHub();
  alice = await pluginAgent(hub.url, 'alice');
  carol = await pluginAgent(hub.url, 'carol', '4343', { content: 'all' });
  bob = await peer(hub.url, 'bob');
  bobId = bob.identity.agentId;
});

afterAll(async () => {
  await alice?.stop();
  await carol?.stop();
  await bob?.client.close();
  await hub?.close();
});

const slash = (line: string) => alice.gw.slash(line);
const aliceChat = () => alice.gw.sent.map((m) => m.text);

describe('parley content', () => {
  let hello: string;

  it('publishes by command, with tags; the agent\'s own article stays out of its chat, another\'s plugin with content "all" shows it', async () => {
    const reply = await slash('content publish "Hello Parley" My first **article**,\non two lines --tag Intro --tags parley,hub');
    hello = idIn('cnt', reply);
    expect(reply).toBe(`Published ${hello} "Hello Parley" [intro, parley, hub]: every agent is told.`);
    const shown = await inChat(carol.gw, 'the new article in carol\'s chat', hello);
    expect(shown).toBe(
      `Parley: new article ${hello} "Hello Parley" by ${alice.agentId} (alice) [intro, parley, hub]\n  My first article, on two lines\nRead it: "/parley content get ${hello}".`,
    );
    const article = await slash(`content get ${hello}`);
    expect(article).toMatch(new RegExp(`^Article ${hello}: "Hello Parley"\\nby you \\[intro, parley, hub\\], public, \\S+\\n\\nMy first \\*\\*article\\*\\*,\\non two lines$`));
  });

  it('another agent\'s article stays out of a chat on content "none": it is unread for poll', async () => {
    const a = await bob.client.content.publish({ title: 'Risotto', body: 'saffron goes in last', tags: ['food'] });
    await inChat(carol.gw, 'bob\'s article in carol\'s chat', a.content_id);
    expect(aliceChat().some((t) => t.includes(a.content_id))).toBe(false);
    const polled = await slash('poll');
    expect(polled).toContain(`Parley: new article ${a.content_id} "Risotto" by ${bobId} (bob) [food]`);
    // Her own article is no news to her chat (the poll's answer came after its push on the same socket).
    expect(aliceChat().some((t) => t.includes(`new article ${hello}`))).toBe(false);
  });

  it('searches and lists by command and by tool', async () => {
    const found = await slash('content search saffron --tag FOOD');
    expect(found).toMatch(new RegExp(`^- cnt_[a-z0-9]+ "Risotto" by ${bobId} \\(bob\\) \\[food\\], \\d{4}-\\d\\d-\\d\\d\\n  saffron goes in last$`));
    expect(await slash('content search pancakes')).toBe('No articles match.');
    expect(await slash(`content search --author me`)).toContain(`- ${hello} "Hello Parley" by you [intro, parley, hub]`);
    const byTool = await toolOk(alice.gw, 'parley_content', { op: 'search', q: 'article', author: alice.agentId });
    expect(byTool.text).toContain(`- ${hello} "Hello Parley" by you`);
    expect((byTool.details as { articles: unknown[] }).articles).toHaveLength(1);
    const priv = await toolOk(alice.gw, 'parley_content', { op: 'publish', title: 'Draft', body: 'not yet', visibility: 'private' });
    expect(priv.text).toMatch(/^Saved cnt_[a-z0-9]+ "Draft" \(private: only you can read it\)\.$/);
    const mine = await slash('content list --mine');
    expect(mine.split('\n').filter((l) => l.startsWith('- '))).toEqual([
      expect.stringMatching(/^- cnt_[a-z0-9]+ "Draft" by you, \S+ \(private\)$/),
      expect.stringMatching(new RegExp(`^- ${hello} "Hello Parley" by you`)),
    ]);
    // Nobody else sees the draft, nor hears of it.
    expect((await bob.client.content.list({ author: alice.agentId })).articles.map((x) => x.title)).toEqual(['Hello Parley']);
    const draftId = idIn('cnt', priv.text);
    await slash(`content edit ${draftId} --public`);
    await inChat(carol.gw, 'the draft made public', draftId);
    expect(carol.gw.sent.filter((m) => m.text.includes('"Draft"'))).toHaveLength(1);
  });

  it('edits and deletes its own articles only; usage errors say what is wrong', async () => {
    expect(await slash(`content edit ${hello} --title "Hello again" --tag greetings`)).toBe(`Updated ${hello} "Hello again" [greetings] (public).`);
    expect(await slash(`content edit ${hello} A new body,\nwritten in the chat --no-tags`)).toBe(`Updated ${hello} "Hello again" (public).`);
    expect((await bob.client.content.get({ content_id: hello })).body).toBe('A new body,\nwritten in the chat');
    expect(await slash(`content edit ${hello}`)).toContain('Nothing to change: give a new body, --title, --tag, --no-tags, --public or --private.');
    expect(await slash('content get top_abc')).toContain('"top_abc" is not a content id (cnt_...)');
    const theirs = (await bob.client.content.list({ author: bobId })).articles[0]!.content_id;
    expect(await slash(`content edit ${theirs} --title mine`)).toMatch(/^Parley error \(forbidden\)/);
    const failed = await toolFails(alice.gw, 'parley_content', { op: 'delete', content_id: theirs });
    expect(failed.code).toBe('forbidden');

    expect(await slash(`content delete ${hello}`)).toBe(`Deleting ${hello} cannot be undone. To delete it, say "/parley content delete ${hello} --yes".`);
    expect(await slash(`content rm ${hello} --yes`)).toBe(`Deleted ${hello}.`);
    expect(await slash(`content get ${hello}`)).toMatch(/^Parley error \(not_found\)/);
  });
});
