// Every tool and every chat command of the plugin, loaded into a fake OpenClaw
// gateway and run against a real hub on an ephemeral port.
import type { RunningHub } from '@parley/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyPluginRuntime } from '../src/plugin.js';
import { gatewayWithPlugin, peer, startTestHub, tempDir, text, toolFails, toolOk, waitFor, type FakeGateway, type Peer } from './fake-openclaw.js';

let hub: RunningHub;
let dir: { path: string; remove: () => Promise<void> };
let gw: FakeGateway;
let runtime: ParleyPluginRuntime;
let bob: Peer;
let carol: Peer;
let alice: string;

beforeAll(async () => {
  hub = await startTestHub();
  dir = await tempDir();
  ({ gw, runtime } = gatewayWithPlugin({ hubUrl: hub.url, agentName: 'alice', route: { channel: 'telegram', to: '4242' } }, dir.path));
  await gw.startServices();
  await waitFor(() => runtime.connection?.state === 'connected', 'the plugin to connect');
  alice = runtime.connection!.agentId!;
  bob = await peer(hub.url, 'bob');
  carol = await peer(hub.url, 'carol');
});

afterAll(async () => {
  await gw?.stopServices();
  await bob?.client.close();
  await carol?.client.close();
  await hub?.close();
  await dir?.remove();
});

const ok = (name: string, params: Record<string, unknown>) => toolOk(gw, name, params);
const fails = (name: string, params: Record<string, unknown>, signal?: AbortSignal) => toolFails(gw, name, params, signal);

describe('tools against a real hub', () => {
  it('parley_agents: whoami, get, list, update', async () => {
    const me = await ok('parley_agents', { op: 'whoami' });
    expect(me.text).toContain(`agent_id: ${alice}`);
    expect(me.text).toContain('name: alice');
    expect(me.details).toMatchObject({ agent_id: alice, name: 'alice', online: true });
    const b = await ok('parley_agents', { op: 'get', agent_id: bob.identity.agentId });
    expect(b.text).toContain('name: bob');
    const list = await ok('parley_agents', { op: 'list', query: 'bob' });
    expect(list.text).toContain(bob.identity.agentId);
    expect((list.details.agents as unknown[]).length).toBe(1);
    const upd = await ok('parley_agents', { op: 'update', description: 'an OpenClaw assistant', capabilities: ['chat.relay'] });
    expect(upd.text).toContain('Updated.');
    expect(upd.text).toContain('capabilities: chat.relay');
  });

  let standup = '';
  let secret = '';

  it('parley_topics: create, get, list, search, update, join, leave, subscribed, members', async () => {
    const created = await ok('parley_topics', { op: 'create', name: 'standup', description: 'daily status of the build' });
    standup = created.details.topic_id as string;
    expect(created.text).toContain(`Created ${standup} "standup"`);
    expect((await ok('parley_topics', { op: 'get', topic_id: standup })).text).toContain('your role: owner');
    const listed = await ok('parley_topics', { op: 'list', mine: true });
    expect(listed.text).toContain(`${standup} "standup" (discussion, public, open, 1 member, you: owner)`);
    const found = await ok('parley_topics', { op: 'search', query: 'build status' });
    expect(found.text).toContain(standup);
    const updated = await ok('parley_topics', { op: 'update', topic_id: standup, description: null, type: 'collaborative' });
    expect(updated.text).toContain('type: collaborative');
    expect(updated.text).toContain('description: -');

    // Bob's topics: an open one to join and leave, an invite-only one to ask into.
    const open = await bob.client.topics.create({ name: 'bob-open' });
    secret = (await bob.client.topics.create({ name: 'bob-secret', join_method: 'invite_only' })).topic_id;
    expect((await ok('parley_topics', { op: 'join', topic_id: open.topic_id })).text).toBe(`Joined ${open.topic_id} as member.`);
    expect((await ok('parley_topics', { op: 'join', topic_id: secret })).text).toContain(`Asked to join ${secret}`);
    const subs = await ok('parley_topics', { op: 'subscribed' });
    expect(subs.text).toContain(`${open.topic_id} "bob-open" (member, 0 unread`);
    const members = await ok('parley_topics', { op: 'members', topic_id: open.topic_id });
    expect(members.text).toContain(`${bob.identity.agentId} "bob" (owner, online)`);
    expect(members.text).toContain(`${alice} "alice" (member, online)`);
    expect((await ok('parley_topics', { op: 'leave', topic_id: open.topic_id })).text).toBe(`Left ${open.topic_id}.`);
    expect((await ok('parley_topics', { op: 'leave', topic_id: open.topic_id })).text).toBe(`Not a member of ${open.topic_id}.`);
  });

  it('parley_publish (plain and rich) and parley_history (history, export)', async () => {
    const p = await ok('parley_publish', { topic_id: standup, content: 'build is green', semantic_type: 'status' });
    // (seq 1 of the topic stream is the topic.updated push of the update above.)
    expect(p.text).toMatch(new RegExp(`^Published msg_[a-z0-9]+ \\(seq \\d+\\) to ${standup}\\.$`));
    const seq = p.details.seq as number;
    const rich = await ok('parley_publish', { topic_id: standup, title: 'Weekly report', blocks: ['**Done:** search', '- next: export'] });
    expect(rich.details).toMatchObject({ seq: seq + 1 });
    const h = await ok('parley_history', { op: 'history', topic_id: standup });
    expect(h.text).toContain(`#${seq} `);
    expect(h.text).toContain(`${alice} [status]: build is green`);
    expect(h.text).toContain('# Weekly report');
    const back = await ok('parley_history', { op: 'history', topic_id: standup, limit: 1 });
    expect(back.text).toContain(`(older messages exist: before ${seq + 1})`);
    const fwd = await ok('parley_history', { op: 'history', topic_id: standup, after: 0, limit: 1 });
    expect(fwd.text).toContain(`(newer messages exist: after ${seq})`);
    const md = await ok('parley_history', { op: 'export', topic_id: standup });
    expect(md.text).toMatch(/\.md \(2 messages\):\n/);
    const json = await ok('parley_history', { op: 'export', topic_id: standup, format: 'json' });
    expect(JSON.parse(json.details.content as string)).toMatchObject({ topic: { topic_id: standup } });
  });

  it('parley_moderation: requests, approve, reject, invite, role, blacklist add/list/remove', async () => {
    const club = await ok('parley_topics', { op: 'create', name: 'club', join_method: 'invite_only' });
    const clubId = club.details.topic_id as string;
    await bob.client.topics.join({ topic_id: clubId });
    await carol.client.topics.join({ topic_id: clubId });
    const reqs = await ok('parley_moderation', { op: 'requests', topic_id: clubId });
    expect(reqs.text).toContain(`${bob.identity.agentId} "bob" asked at`);
    expect(reqs.text).toContain(carol.identity.agentId);
    expect((await ok('parley_moderation', { op: 'approve', topic_id: clubId, agent_id: bob.identity.agentId })).text).toBe(
      `Approved ${bob.identity.agentId} for ${clubId}.`,
    );
    expect((await ok('parley_moderation', { op: 'reject', topic_id: clubId, agent_id: carol.identity.agentId })).text).toBe(
      `Rejected ${carol.identity.agentId} for ${clubId}.`,
    );
    expect((await ok('parley_moderation', { op: 'invite', topic_id: clubId, agent_id: carol.identity.agentId })).text).toBe(
      `Invited ${carol.identity.agentId} to ${clubId}.`,
    );
    expect((await ok('parley_moderation', { op: 'invite', topic_id: clubId, agent_id: bob.identity.agentId })).text).toContain('already a member');
    expect((await ok('parley_moderation', { op: 'role', topic_id: clubId, agent_id: bob.identity.agentId, role: 'admin' })).text).toBe(
      `${bob.identity.agentId} is now admin of ${clubId}.`,
    );
    const barred = await ok('parley_moderation', { op: 'blacklist_add', topic_id: clubId, agent_id: carol.identity.agentId, duration_seconds: 3600, reason: 'spam' });
    expect(barred.text).toMatch(new RegExp(`^Barred ${carol.identity.agentId} from ${clubId} until \\d{4}-`));
    const list = await ok('parley_moderation', { op: 'blacklist_list', topic_id: clubId });
    expect(list.text).toContain(`${carol.identity.agentId} until`);
    expect(list.text).toContain(`by ${alice}: spam`);
    expect((await ok('parley_moderation', { op: 'blacklist_remove', topic_id: clubId, agent_id: carol.identity.agentId })).text).toContain('Lifted the bar');
    expect((await ok('parley_moderation', { op: 'blacklist_remove', topic_id: clubId, agent_id: carol.identity.agentId })).text).toContain('was not barred');
    expect((await ok('parley_moderation', { op: 'blacklist_list', topic_id: clubId })).text).toBe('Nobody is barred.');
  });

  it('parley_p2p: send, history, conversations', async () => {
    const sent = await ok('parley_p2p', { op: 'send', to: bob.identity.agentId, content: 'hello bob' });
    expect(sent.text).toMatch(new RegExp(`^Sent msg_[a-z0-9]+ to ${bob.identity.agentId}\\.$`));
    await bob.client.p2p.send({ to: alice, content: 'hi alice' });
    const h = await ok('parley_p2p', { op: 'history', with: bob.identity.agentId });
    expect(h.text).toMatch(/-> hello bob\n.*<- hi alice$/);
    const c = await ok('parley_p2p', { op: 'conversations' });
    expect(c.text).toContain(`${bob.identity.agentId} "bob":`);
    expect(c.text).toContain('<- hi alice');
  });

  it('parley_inbox: poll (marks read) and feed', async () => {
    // Bob's direct message went to the chat (and is acked there); the topic.updated push is not
    // forwarded by default, so it is still unread and poll shows it.
    await waitFor(() => gw.sent.some((m) => m.text.includes('hi alice')), 'the direct message in the chat');
    const first = await ok('parley_inbox', { op: 'poll' });
    expect(first.text).toContain(`Parley: topic "standup" (${standup}) was updated: collaborative, public, open.`);
    expect((first.details.pushes as unknown[]).length).toBeGreaterThan(0);
    expect((await ok('parley_inbox', { op: 'poll' })).text).toBe('Nothing new.');
    const feed = await ok('parley_inbox', { op: 'feed', limit: 5 });
    expect(feed.text).toContain('[standup] #');
    expect(feed.text).toContain('# Weekly report');
  });

  it('parley_notifications: topics, set, list', async () => {
    expect((await ok('parley_notifications', { op: 'topics' })).text).toContain(`${standup} "standup": live pushes on, 0 unread`);
    expect((await ok('parley_notifications', { op: 'set', topic_id: standup, enabled: false })).text).toBe(`Live pushes of topic ${standup}: off.`);
    expect((await ok('parley_notifications', { op: 'set', event: 'agent.presence', enabled: true })).text).toBe('Live pushes of event agent.presence: on.');
    const list = await ok('parley_notifications', { op: 'list' });
    expect(list.text).toContain(
      'Defaults: topic.message on, topic.updated on, agent.presence off, proposal.created on, proposal.voted on, proposal.status on, ' +
        'committee.application on, committee.voted on, deliberation.started on, deliberation.voted on, asset.issued on, content.published on.',
    );
    expect(list.text).toContain(`- topic ${standup}: off`);
    await ok('parley_notifications', { op: 'set', topic_id: standup, enabled: true });
    await ok('parley_notifications', { op: 'set', event: 'agent.presence', enabled: false });
  });

  it('parley_talk: finds, joins and publishes', async () => {
    const gardening = await bob.client.topics.create({ name: 'gardening', description: 'tomatoes and compost' });
    const r = await ok('parley_talk', { text: 'compost tips please', publish: true });
    expect(r.text).toContain(`${gardening.topic_id} "gardening"`);
    expect(r.text).toMatch(new RegExp(`Published msg_[a-z0-9]+ \\(seq 1\\) to ${gardening.topic_id}\\.`));
    expect((await ok('parley_talk', { text: 'zzzqqq nothing' })).text).toBe('No related topics.');
  });

  it('parley_memory: export, read, list, delete', async () => {
    expect((await ok('parley_memory', { op: 'export', topic_id: standup, name: 'standup notes' })).text).toMatch(/^Saved 2 messages as note "standup notes" \(\d+ bytes\)\.$/);
    const read = await ok('parley_memory', { op: 'read', name: 'standup notes' });
    expect(read.text).toContain('Note "standup notes"');
    expect(read.text).toContain('build is green');
    expect((await ok('parley_memory', { op: 'list' })).text).toContain(`"standup notes" (`);
    expect((await ok('parley_memory', { op: 'delete', name: 'standup notes' })).text).toBe('Deleted note "standup notes".');
    expect((await ok('parley_memory', { op: 'delete', name: 'standup notes' })).text).toBe('No note named "standup notes".');
    expect((await ok('parley_memory', { op: 'list' })).text).toBe('No notes.');
  });

  it('parley_topics delete (owner only)', async () => {
    const doomed = await ok('parley_topics', { op: 'create', name: 'doomed' });
    expect((await ok('parley_topics', { op: 'delete', topic_id: doomed.details.topic_id })).text).toBe(`Deleted ${doomed.details.topic_id as string}.`);
  });

  it('returns hub errors, validation errors and aborts as text with an error flag, never a throw', async () => {
    const nf = await fails('parley_topics', { op: 'get', topic_id: 'top_doesnotexist' });
    expect(nf.code).toBe('not_found');
    expect(nf.text).toContain('Hint: check the id');
    const forbidden = await fails('parley_topics', { op: 'delete', topic_id: secret });
    expect(['forbidden', 'not_found']).toContain(forbidden.code);
    expect((await fails('parley_topics', {})).text).toBe('Parley error (invalid_params): "op" is required: one of list, search, get, create, update, delete, join, leave, subscribed, members');
    expect((await fails('parley_topics', { op: 'explode' })).text).toContain('unknown op "explode"');
    const bad = await fails('parley_topics', { op: 'get', topic_id: 'standup' });
    expect(bad).toMatchObject({ code: 'invalid_params', status: 400 });
    expect(bad.text).toContain('parley_topics get: topic_id: a topic id is "top_"');
    expect((await fails('parley_topics', { op: 'update', topic_id: standup })).text).toContain('give at least one field to update');
    expect((await fails('parley_publish', { topic_id: standup })).text).toContain('content: content is required');
    expect((await fails('parley_notifications', { op: 'set', enabled: true })).text).toContain('give exactly one of topic_id and event');
    expect((await fails('parley_topics', { op: 'list', surprise: 1 })).code).toBe('invalid_params');
    const aborted = await fails('parley_topics', { op: 'list' }, AbortSignal.abort());
    expect(aborted.code).toBe('aborted');
    // A signal that fires while the call is in flight reaches the client call.
    const ctrl = new AbortController();
    const pending = gw.invoke('parley_inbox', { op: 'feed' }, ctrl.signal);
    ctrl.abort();
    const r = await pending;
    if (!r.ok) expect(r.error.message).toMatch(/^Parley error \(aborted\)/);
  });
});

describe('chat commands against a real hub', () => {
  let topic = '';

  const slash = (args: string) => gw.slash(args);

  it('whoami, config and help', async () => {
    expect(await slash('whoami')).toContain(`agent_id: ${alice}`);
    const cfg = await slash('config');
    expect(cfg).toContain(`Parley hub: ${hub.url}`);
    expect(cfg).toContain(`agent: ${alice} "alice", connection: connected`);
    expect(cfg).toContain('events go to: telegram 4242 (from the plugin config)');
    expect(cfg).toContain('rate limit: 5 at once, then 20 per minute');
    expect(await slash('help')).toContain('/parley list [query...] (also: ls, topics) — public topics and your private ones');
    expect(await slash('')).toContain('Parley commands');
  });

  it('create|new, list|ls|topics, find|search, detail|info', async () => {
    const created = await slash('create release "Release planning" broadcast');
    topic = /top_[a-z0-9]+/.exec(created)![0];
    expect(created).toBe(`Created ${topic} "release" (broadcast). Others join with "/parley join ${topic}".`);
    expect(await slash('new scratch')).toMatch(/^Created top_[a-z0-9]+ "scratch" \(discussion\)/);
    for (const spelling of ['list', 'ls', 'topics']) expect(await slash(spelling)).toContain(`${topic} "release" (broadcast, public, open`);
    expect(await slash('list release')).toContain(topic);
    expect(await slash('ls nosuchtopicname')).toBe('No topics match "nosuchtopicname".');
    for (const spelling of ['find', 'search']) expect(await slash(`${spelling} planning`)).toContain(`- ${topic} "release"`);
    expect(await slash('find zzzunmatched')).toBe('No topics match "zzzunmatched".');
    for (const spelling of ['detail', 'info']) expect(await slash(`${spelling} ${topic}`)).toContain(`Topic ${topic}: "release"\ndescription: Release planning`);
  });

  it('publish|post|send, rich, history|messages, export', async () => {
    expect(await slash(`publish ${topic} v1.0 ships friday`)).toMatch(/^Published msg_[a-z0-9]+ \(seq 1\)\.$/);
    expect(await slash(`post ${topic} line one\nline two`)).toMatch(/^Published msg_[a-z0-9]+ \(seq 2\)\.$/);
    expect(await slash(`send ${topic} "quoted text"`)).toMatch(/^Published msg_[a-z0-9]+ \(seq 3\)\.$/);
    expect(await slash(`rich ${topic} "Release notes" "**New:** chat commands"`)).toMatch(/\(seq 4\)\.$/);
    const h = await slash(`history ${topic}`);
    expect(h).toContain(': line one\n    line two');
    expect(h).toContain(': quoted text');
    expect(h).toContain('# Release notes');
    const last = await slash(`messages ${topic} 1`);
    expect(last).toContain('#4');
    expect(last).toContain('(older messages exist: before 4)');
    expect(await slash(`export ${topic}`)).toMatch(/\.md \(4 messages\):\n# /);
    const json = await slash(`export ${topic} json`);
    expect(json).toMatch(/\.json \(4 messages\):\n\{/);
  });

  it('join|subscribe, subscribed|mysubs, members, leave|unsubscribe', async () => {
    const t = await bob.client.topics.create({ name: 'bob-lounge' });
    expect(await slash(`join ${t.topic_id}`)).toBe(`Joined ${t.topic_id} as member.`);
    expect(await slash(`leave ${t.topic_id}`)).toBe(`Left ${t.topic_id}.`);
    expect(await slash(`subscribe ${t.topic_id}`)).toBe(`Joined ${t.topic_id} as member.`);
    for (const spelling of ['subscribed', 'mysubs']) expect(await slash(spelling)).toContain(`${t.topic_id} "bob-lounge" (member, 0 unread`);
    expect(await slash(`members ${t.topic_id}`)).toContain(`- ${alice} "alice" (member, online)`);
    expect(await slash(`unsubscribe ${t.topic_id}`)).toBe(`Left ${t.topic_id}.`);
    expect(await slash(`leave ${t.topic_id}`)).toBe(`You were not a member of ${t.topic_id}.`);
  });

  it('p2p|dm|private, inbox, poll|check, feed', async () => {
    await slash('poll');
    for (const spelling of ['p2p', 'dm', 'private']) {
      expect(await slash(`${spelling} ${bob.identity.agentId} hi via ${spelling}`)).toMatch(new RegExp(`^Sent msg_[a-z0-9]+ to ${bob.identity.agentId}\\.$`));
    }
    // With forwarding off, bob's answer stays unread for poll (forwarded events are marked read).
    expect(await slash('config off')).toContain('no longer sent');
    await bob.client.p2p.send({ to: alice, content: 'pong from bob' });
    await waitFor(async () => (await slash('inbox')).includes('1 unread'), 'the unread direct message');
    const inbox = await slash('inbox');
    expect(inbox).toContain(`${bob.identity.agentId} "bob": 1 unread`);
    expect(inbox).toContain('<- pong from bob');
    expect(await slash('poll')).toContain(`Parley direct message from ${bob.identity.agentId}:\npong from bob`);
    expect(await slash('check')).toBe('Nothing new.');
    expect(await slash('config reset')).toBe('Back to the configured route: telegram 4242.');
    const feed = await slash('feed');
    expect(feed).toContain('[release] #');
    const page1 = await runtime.call('inbox/feed', { limit: 10 });
    if (page1.next_cursor) expect(await slash('feed 2')).toContain('] #');
    else expect(await slash('feed 2')).toBe('No page 2: the feed ends at page 1.');
    expect(await slash('feed 99')).toMatch(/^No page 99: the feed ends at page \d+\.$/);
  });

  it('blacklist|ban add|remove|list, invite, requests, approve, reject, role', async () => {
    const club = /top_[a-z0-9]+/.exec(await slash('create vip "members only"'))![0];
    await slash(`delete ${club} --yes`);
    const room = await runtime.call('topic/create', { name: 'vip', join_method: 'invite_only' });
    await bob.client.topics.join({ topic_id: room.topic_id });
    await carol.client.topics.join({ topic_id: room.topic_id });
    expect(await slash(`requests ${room.topic_id}`)).toContain(`- ${bob.identity.agentId} "bob": "/parley approve ${room.topic_id} ${bob.identity.agentId}"`);
    expect(await slash(`approve ${room.topic_id} ${bob.identity.agentId}`)).toBe(`Approved ${bob.identity.agentId} for ${room.topic_id}.`);
    expect(await slash(`reject ${room.topic_id} ${carol.identity.agentId}`)).toBe(`Rejected ${carol.identity.agentId} for ${room.topic_id}.`);
    expect(await slash(`requests ${room.topic_id}`)).toBe('No pending requests.');
    expect(await slash(`invite ${room.topic_id} ${carol.identity.agentId}`)).toBe(`Invited ${carol.identity.agentId} to ${room.topic_id}.`);
    expect(await slash(`role ${room.topic_id} ${bob.identity.agentId} admin`)).toBe(`${bob.identity.agentId} is now admin of ${room.topic_id}.`);
    expect(await slash(`blacklist add ${room.topic_id} ${carol.identity.agentId} 2h flooding the room`)).toMatch(
      new RegExp(`^Barred ${carol.identity.agentId} from ${room.topic_id} until \\d{4}-`),
    );
    expect(await slash(`ban list ${room.topic_id}`)).toContain(`(by ${alice}: flooding the room)`);
    expect(await slash(`blacklist ls ${room.topic_id}`)).toContain(carol.identity.agentId);
    expect(await slash(`ban remove ${room.topic_id} ${carol.identity.agentId}`)).toBe(`Lifted the bar on ${carol.identity.agentId} in ${room.topic_id}.`);
    expect(await slash(`blacklist rm ${room.topic_id} ${carol.identity.agentId}`)).toBe(`${carol.identity.agentId} was not barred from ${room.topic_id}.`);
    expect(await slash(`ban add ${room.topic_id} ${carol.identity.agentId}`)).toContain('until lifted');
    expect(await slash(`blacklist list ${room.topic_id}`)).toContain('until lifted');
  });

  it('talk|random, with --join and --publish', async () => {
    const t = await bob.client.topics.create({ name: 'astronomy', description: 'telescopes and comets' });
    expect(await slash('talk telescopes')).toContain(`- ${t.topic_id} "astronomy"`);
    expect(await slash('random comets --join')).toContain(`Joined ${t.topic_id}.`);
    expect(await slash('talk --publish any comets tonight?')).toMatch(new RegExp(`Published msg_[a-z0-9]+ \\(seq 1\\) to ${t.topic_id}\\.`));
  });

  it('memory export|read|recall|list|delete', async () => {
    expect(await slash(`memory export ${topic} "release notes"`)).toBe('Saved 4 messages as note "release notes".');
    expect(await slash(`memory export ${topic}`)).toBe('Saved 4 messages as note "release".');
    for (const spelling of ['read', 'recall']) expect(await slash(`memory ${spelling} "release notes"`)).toContain('Note "release notes":\n# release');
    expect(await slash('memory list')).toContain('- "release" (');
    expect(await slash('memory delete release')).toBe('Deleted note "release".');
    expect(await slash('memory rm release')).toBe('No note named "release".');
    expect(await slash('memory read nothere')).toContain('Parley error (not_found)');
  });

  it('notifications [list] | on | off | topics', async () => {
    expect(await slash('notifications')).toContain('Defaults: topic.message on');
    expect(await slash(`notifications off ${topic}`)).toBe(`Live pushes of topic ${topic}: off.`);
    expect(await slash('notifications list')).toContain(`- topic ${topic}: off`);
    expect(await slash('notifications topics')).toContain(`${topic} "release": live pushes off`);
    expect(await slash(`notifications on ${topic}`)).toBe(`Live pushes of topic ${topic}: on.`);
    expect(await slash('notifications on agent.presence')).toBe('Live pushes of event agent.presence: on.');
    expect(await slash('notifications off agent.presence')).toBe('Live pushes of event agent.presence: off.');
  });

  it('delete|remove (needs --yes) and hub errors as text', async () => {
    const scratch = /top_[a-z0-9]+/.exec(await slash('create tmp'))![0];
    expect(await slash(`delete ${scratch}`)).toContain('cannot be undone');
    expect(await slash(`detail ${scratch}`)).toContain(`Topic ${scratch}`);
    expect(await slash(`remove ${scratch} --yes`)).toBe(`Deleted ${scratch}.`);
    expect(await slash(`detail ${scratch}`)).toMatch(/^Parley error \(not_found\): .*\nHint: check the id/);
  });

  it('export and memory read show the start of a big document, and the tools say how to go on', async () => {
    const big = (await ok('parley_topics', { op: 'create', name: 'big' })).details.topic_id as string;
    for (let i = 1; i <= 5; i++) await ok('parley_publish', { topic_id: big, content: `part ${i} ${'lorem ipsum '.repeat(1700)}` });
    const shown = await slash(`export ${big}`);
    expect(shown).toMatch(new RegExp(`^big-${big}\\.md \\(5 messages\\):\\n# big\\n`));
    expect(shown.length).toBeLessThan(3600);
    expect(shown.endsWith('…')).toBe(true);
    const page = await ok('parley_history', { op: 'export', topic_id: big, format: 'json', max_bytes: 16_384 });
    expect(page.text).toMatch(/\n\(the document goes on: export again with cursor "[^"]+"\)$/);

    await slash(`memory export ${big} "big note"`);
    const note = await slash('memory read "big note"');
    expect(note).toMatch(/^Note "big note":\n# big\n/);
    expect(note.endsWith('…')).toBe(true);
    const first = await ok('parley_memory', { op: 'read', name: 'big note', max_bytes: 16_384 });
    expect(first.text).toMatch(/\n\(the note goes on: read again with offset \d+\)$/);
    await ok('parley_memory', { op: 'delete', name: 'big note' });
  });

  it('answers "@parley ..." typed in a chat and lets every other message through to the agent', async () => {
    const r = await gw.say('@parley whoami');
    expect(r).toMatchObject({ handled: true });
    expect(r!.text).toContain(`agent_id: ${alice}`);
    expect((await gw.say('@Parley ls'))!.text).toContain(topic);
    expect((await gw.say('@parley detail'))!.text).toBe('Missing topic_id.\nUsage: @parley detail <topic_id>');
    expect(await gw.say('hello there, what is parley?')).toBeUndefined();
    expect(await gw.say('please @parley list')).toBeUndefined();
  });
});

describe('chat command settings', () => {
  it('does not take free text when chatCommands.freeText is false, and limits senders with allowedSenders', async () => {
    const d = await tempDir();
    try {
      const { gw: quiet } = gatewayWithPlugin({ hubUrl: hub.url, chatCommands: { freeText: false } }, d.path);
      expect(await quiet.say('@parley help')).toBeUndefined();
      expect(await quiet.slash('help')).toContain('Parley commands');
      const { gw: strict } = gatewayWithPlugin({ hubUrl: hub.url, chatCommands: { allowedSenders: ['4242'] } }, d.path);
      expect(await strict.slash('help')).toContain('Parley commands');
      expect(await strict.slash('help', { senderId: '666' })).toContain('not allowed');
      expect((await strict.say('@parley help', {}, { senderId: '666' }))!.text).toContain('not allowed');
    } finally {
      await d.remove();
    }
  });

  it('reports "not connected" as text before the service started', async () => {
    const d = await tempDir();
    try {
      const { gw: idle } = gatewayWithPlugin({ hubUrl: hub.url }, d.path);
      const r = await idle.invoke('parley_agents', { op: 'whoami' });
      expect(r).toMatchObject({ status: 400, ok: false, error: { type: 'tool_error' } });
      if (!r.ok) expect(r.error.message).toContain('Parley error (not_connected)');
      // In an agent run the gateway turns the throw into a failed result with the same message.
      const inRun = await idle.tool('parley_agents', { op: 'whoami' });
      expect(inRun.details).toMatchObject({ status: 'error', tool: 'parley_agents' });
      expect(text(inRun)).toContain('Parley error (not_connected)');
      expect(await idle.slash('whoami')).toContain('Parley error (not_connected)');
    } finally {
      await d.remove();
    }
  });

  it('reports an invalid plugin config in logs, tools and commands instead of throwing', async () => {
    const d = await tempDir();
    try {
      const { gw: broken, runtime: rt } = gatewayWithPlugin({ hubUrl: 'not a url', rateLimit: { burst: 0 } }, d.path);
      expect(rt.configResult.ok).toBe(false);
      expect(broken.logs.some((l) => l.level === 'error' && l.message.includes('invalid Parley plugin config'))).toBe(true);
      expect(text(await broken.tool('parley_topics', { op: 'list' }))).toContain('Parley error (config)');
      expect(await broken.slash('config')).toContain('not configured correctly');
      await broken.startServices();
      expect(rt.connection).toBeNull();
    } finally {
      await d.remove();
    }
  });
});
