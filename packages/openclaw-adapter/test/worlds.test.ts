// Worlds through the plugin: the parley_worlds tool, the "world" chat commands
// and the six world pushes as they read in the chat, against a real hub with
// two more agents driven by the client. Every wait is a bounded wait for a
// condition.
import type { RunningHub } from '@parley/hub';
import type { EventDataOf } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FORWARDED_EVENTS } from '../src/config.js';
import { idIn, inChat as chatMessage, peer, pluginAgent, startTestHub, toolFails, toolOk, waitFor, type FakeGateway, type PluginAgent, type Peer } from './fake-openclaw.js';

let hub: RunningHub;
let plugin: PluginAgent;
let gw: FakeGateway;
let bob: Peer;
let carol: Peer;
let alice: string;
let bobId: string;
let carolId: string;
/** What bob and carol hear, by event. */
const heard = {
  broadcasts: [] as Array<EventDataOf<'world.broadcast'>>,
  decisions: [] as Array<EventDataOf<'world.join_decision'>>,
  bans: [] as Array<EventDataOf<'world.banned'>>,
  replies: [] as Array<EventDataOf<'world.broadcast_reply'>>,
};

beforeAll(async () => {
  hub = await startTestHub();
  plugin = await pluginAgent(hub.url, 'alice');
  ({ gw, agentId: alice } = plugin);
  bob = await peer(hub.url, 'bob');
  carol = await peer(hub.url, 'carol');
  bobId = bob.identity.agentId;
  carolId = carol.identity.agentId;
  bob.client.on('world.broadcast', (d) => heard.broadcasts.push(d));
  bob.client.on('world.join_decision', (d) => heard.decisions.push(d));
  bob.client.on('world.banned', (d) => heard.bans.push(d));
  bob.client.on('world.broadcast_reply', (d) => heard.replies.push(d));
});

afterAll(async () => {
  await plugin?.stop();
  await bob?.client.close();
  await carol?.client.close();
  await hub?.close();
});

const slash = (line: string) => gw.slash(line);
const say = async (line: string) => (await gw.say(line))?.text ?? '';
const inChat = (what: string, ...parts: string[]) => chatMessage(gw, what, ...parts);
const ok = (params: Record<string, unknown>) => toolOk(gw, 'parley_worlds', params);
const fails = (params: Record<string, unknown>) => toolFails(gw, 'parley_worlds', params);

describe('the parley_worlds tool', () => {
  it('create, get, update, list (hot and latest, paged), search and memberships', async () => {
    const created = await ok({
      op: 'create',
      display_name: 'Rust guild',
      world_context_text: 'Rust developers trading code reviews',
      participant_context_field: 'What you build in Rust',
      participant_context_text: 'I maintain an async runtime',
      episode_policy: { max_turns: 20 },
    });
    const guild = created.details.world_id as string;
    expect(created.text).toContain(
      `Created ${guild}.\nWorld ${guild}: "Rust guild" (enabled)\nabout: Rust developers trading code reviews\njoiners say: What you build in Rust\n` +
        'public, join: open\nowner: you, admins: -\nmembers: 1 (1 online)\n' +
        'chats: up to 20 turns, 2m per turn (a silent side loses its turn); both sides agree to end\nyour role: owner\ncreated: ',
    );
    expect(created.details).toMatchObject({ owner_id: alice, role: 'owner', episode_policy: { max_turns: 20, turn_timeout_ms: 120_000 } });
    expect((await ok({ op: 'get', world_id: guild })).text).toMatch(new RegExp(`^World ${guild}: "Rust guild" \\(enabled\\)\\nabout: `));

    const updated = await ok({ op: 'update', world_id: guild, join_policy: 'approval', episode_policy: { turn_timeout_ms: 90_000, end_mode: 'either' } });
    expect(updated.text).toContain(`Updated ${guild}.\nWorld ${guild}: "Rust guild"`);
    expect(updated.text).toContain('public, join: needs approval');
    expect(updated.text).toContain('chats: up to 20 turns, 90s per turn (a silent side loses its turn); either side ends it');

    // A second world, bob's, so the sorts have an order and the pages a next one.
    const chess = await bob.client.worlds.create({ display_name: 'Chess club', world_context_text: 'Players looking for blitz partners' });
    const hot = await ok({ op: 'list' });
    expect(hot.text).toMatch(/^2 worlds:\n/);
    expect(hot.text).toContain(`- ${guild} "Rust guild" (public, needs approval, 1 member, 1 online, you: owner)`);
    expect(hot.text).toContain(`- ${chess.world_id} "Chess club" (public, open, 1 member, 1 online)`);
    const first = await ok({ op: 'list', sort: 'latest', limit: 1 });
    expect(first.text).toMatch(new RegExp(`^1 of 2 worlds:\\n- ${chess.world_id} "Chess club" .*\\n\\(more: cursor \\S+\\)$`));
    const second = await ok({ op: 'list', sort: 'latest', limit: 1, cursor: first.details.next_cursor });
    expect(second.text).toMatch(new RegExp(`^1 of 2 worlds:\\n- ${guild} "Rust guild" [^\\n]*$`));

    expect((await ok({ op: 'search', query: 'code reviews' })).text).toBe(`1 world:\n- ${guild} "Rust guild" (public, needs approval, 1 member, 1 online, you: owner)`);
    expect((await ok({ op: 'search', query: 'blitz' })).text).toContain(chess.world_id);
    expect((await ok({ op: 'search', query: 'submarines' })).text).toBe('No worlds match "submarines".');

    expect((await ok({ op: 'memberships' })).text).toBe(
      `You belong to 1 world:\n- ${guild} "Rust guild" (public, needs approval, 1 member, 1 online, you: owner)\n    you said: I maintain an async runtime`,
    );
  });

  it('join an open world: the first candidates come back, best match first; candidates again, then leave', async () => {
    const w = await bob.client.worlds.create({ display_name: 'Go meetup', world_context_text: 'Gophers who meet monthly' });
    await carol.client.worlds.join({ world_id: w.world_id, participant_context_text: 'I write Go services and give meetup talks' });

    const joined = await ok({ op: 'join', world_id: w.world_id, participant_context_text: 'I want to give a talk about Go services' });
    expect(joined.details).toMatchObject({ status: 'joined', role: 'member' });
    const lines = joined.text.split('\n');
    expect(lines[0]).toBe(`Joined ${w.world_id} as member.`);
    expect(lines[1]).toBe(`2 candidates online in ${w.world_id}, best match first:`);
    // Carol shares words with alice; bob said nothing when he created the world.
    expect(lines[2]).toMatch(new RegExp(`^- ${carolId} "carol" \\(member, score (\\d+\\.\\d\\d|<0\\.01)\\): I write Go services and give meetup talks$`));
    expect(lines[3]).toBe(`- ${bobId} "bob" (owner, no words in common): (said nothing)`);

    expect((await ok({ op: 'candidates', world_id: w.world_id })).text).toBe(lines.slice(1).join('\n'));
    expect((await ok({ op: 'candidates', world_id: w.world_id, limit: 1 })).text).toMatch(/\n\(more: cursor \S+\)$/);
    // Members are for the owner and admins.
    // A refusal is the gateway's authorization failure (403), with the reason.
    expect(await fails({ op: 'members', world_id: w.world_id })).toMatchObject({ code: 'forbidden', status: 403 });

    expect((await ok({ op: 'leave', world_id: w.world_id })).text).toBe(`Left ${w.world_id}.`);
    expect((await ok({ op: 'leave', world_id: w.world_id })).text).toBe(`You were neither a member of ${w.world_id} nor waiting to join it.`);
  });

  it('runs an approval world: requests, approve, reject, invite, members, promote, demote, broadcast, ban, unban, pause, resume', async () => {
    const w = (await ok({ op: 'create', display_name: 'Reviewers', world_context_text: 'Code reviewers for hire', join_policy: 'approval' })).details.world_id as string;
    const asked = await bob.client.worlds.join({ world_id: w, participant_context_text: 'I review TypeScript' });
    expect(asked).toMatchObject({ status: 'requested', role: null, candidates: null });
    expect((await ok({ op: 'requests', world_id: w })).text).toMatch(new RegExp(`^- ${bobId} "bob" asked at \\S+: I review TypeScript$`));
    expect((await ok({ op: 'approve', world_id: w, agent_id: bobId })).text).toBe(`Approved ${bobId}: now a member of ${w}.`);
    await waitFor(() => heard.decisions.some((d) => d.world_id === w && d.approved && d.by === alice), 'bob to hear he was approved');

    await carol.client.worlds.join({ world_id: w, participant_context_text: 'I review Python' });
    expect((await ok({ op: 'reject', world_id: w, agent_id: carolId })).text).toBe(`Rejected the request of ${carolId} to join ${w}.`);
    expect((await ok({ op: 'requests', world_id: w })).text).toBe('No pending requests.');
    expect((await ok({ op: 'invite', world_id: w, agent_id: carolId })).text).toBe(`Invited ${carolId} to ${w}; its join is let in under any policy.`);
    expect((await ok({ op: 'invite', world_id: w, agent_id: bobId })).text).toBe(`${bobId} is already a member of ${w}.`);
    // The invitation lets carol past the approval.
    expect(await carol.client.worlds.join({ world_id: w, participant_context_text: 'I review Python, invited' })).toMatchObject({ status: 'joined' });

    const members = (await ok({ op: 'members', world_id: w })).text.split('\n');
    expect(members[0]).toBe(`3 members of ${w}:`);
    expect(members[1]).toMatch(/^- you \(owner, online, joined \S+\): \(said nothing\)$/);
    expect(members.slice(2).join('\n')).toContain(`- ${bobId} "bob" (member, online, joined `);

    expect((await ok({ op: 'moderate', world_id: w, action: 'promote', agent_id: carolId })).text).toBe(`${carolId} is now an admin of ${w}.`);
    expect((await ok({ op: 'get', world_id: w })).text).toContain(`owner: you, admins: ${carolId}`);
    expect((await ok({ op: 'moderate', world_id: w, action: 'demote', agent_id: carolId })).text).toBe(`${carolId} is now a member (no longer an admin) of ${w}.`);

    const sent = await ok({ op: 'broadcast', world_id: w, content: 'Reviews are paid from Monday', reply_policy: 'at_most_one' });
    expect(sent.text).toMatch(new RegExp(`^Broadcast wbc_[a-z0-9]+ to 2 members of ${w} \\(reply policy at_most_one: each may answer you once\\)\\.$`));
    await waitFor(() => heard.broadcasts.some((b) => b.world_id === w && b.reply_policy === 'at_most_one'), 'bob to hear the broadcast');
    // Bob answers it: the reply comes to alice's chat with the way to talk it over.
    const wbc = sent.details.broadcast_id as string;
    await bob.client.worlds.reply({ broadcast_id: wbc, content: 'Count me in.\nI review on Tuesdays.' });
    expect(await inChat('the broadcast reply', wbc, 'answered your broadcast')).toBe(
      `Parley world "Reviewers" (${w}): ${bobId} (bob) answered your broadcast ${wbc}:\n    Count me in.\n    I review on Tuesdays.\n` +
        `Talk it over: "/parley chat request ${bobId} <opening message> --world ${w}".`,
    );
    expect((await ok({ op: 'broadcast', world_id: w, content: 'No answers needed' })).text).toContain('(reply policy zero: they should not answer).');

    expect((await ok({ op: 'moderate', world_id: w, action: 'ban', agent_id: bobId, reason: 'fake reviews' })).text).toBe(
      `Banned ${bobId} from ${w}: it is no longer a member and cannot join, be invited or be a candidate until unbanned.`,
    );
    await waitFor(() => heard.bans.some((b) => b.world_id === w && b.reason === 'fake reviews'), 'bob to hear the ban');
    await expect(bob.client.worlds.join({ world_id: w, participant_context_text: 'let me back' })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await ok({ op: 'moderate', world_id: w, action: 'unban', agent_id: bobId })).text).toBe(`Lifted the ban on ${bobId} in ${w}: it may join again.`);

    expect((await ok({ op: 'moderate', world_id: w, action: 'pause' })).text).toBe(`Paused ${w}: no joins, broadcasts or candidates until it is resumed.`);
    expect((await ok({ op: 'candidates', world_id: w })).text).toBe(`Nobody else in ${w} is online now (or the world is paused).`);
    const paused = await fails({ op: 'broadcast', world_id: w, content: 'anyone?' });
    expect(paused).toMatchObject({ code: 'conflict' });
    expect(paused.text).toContain('the world is paused');
    expect((await ok({ op: 'moderate', world_id: w, action: 'resume' })).text).toBe(`Resumed ${w}: it takes joins and broadcasts again.`);
  });
});

describe('replying to a broadcast', () => {
  it('the tool answers an at_most_one broadcast once; a zero broadcast takes no answer, and the sender cannot answer itself', async () => {
    const w = await bob.client.worlds.create({ display_name: 'Bakers', world_context_text: 'Home bakers' });
    await ok({ op: 'join', world_id: w.world_id, participant_context_text: 'I bake sourdough' });
    const once = await bob.client.worlds.broadcast({ world_id: w.world_id, content: 'Who bakes on Sunday?', reply_policy: 'at_most_one' });
    const before = heard.replies.length;
    expect((await ok({ op: 'reply', broadcast_id: once.broadcast_id, content: 'Me, rye and spelt' })).text).toBe(
      `Answered broadcast ${once.broadcast_id} of ${w.world_id}: ${bobId} gets your reply.`,
    );
    await waitFor(() => heard.replies.length > before, 'bob to hear the reply');
    expect(heard.replies.at(-1)).toMatchObject({ broadcast_id: once.broadcast_id, world_id: w.world_id, world_name: 'Bakers', from: alice, from_name: 'alice', content: 'Me, rye and spelt' });
    const twice = await fails({ op: 'reply', broadcast_id: once.broadcast_id, content: 'and bagels' });
    expect(twice.code).toBe('conflict');
    expect(twice.text).toContain('you have already answered this broadcast');

    const zero = await bob.client.worlds.broadcast({ world_id: w.world_id, content: 'Oven repairs on Monday' });
    const refused = await fails({ op: 'reply', broadcast_id: zero.broadcast_id, content: 'thanks' });
    expect(refused.code).toBe('forbidden');
    expect(refused.text).toContain('reply policy zero');
    expect((await fails({ op: 'reply', broadcast_id: 'wbc_doesnotexist', content: 'hello?' })).code).toBe('not_found');
    expect((await fails({ op: 'reply', broadcast_id: 'wld_abc', content: 'hi' })).text).toContain('broadcast_id: a broadcast id is "wbc_"');
  });
});

describe('the world chat commands', () => {
  let meetup = '';

  it('create|new, list|ls, search|find, detail|info, update and mine|memberships, by /parley and @parley', async () => {
    const created = await slash('world create "Book club" --context "Readers of long novels" --field "Your favourite novel" --join-policy approval --about "War and Peace"');
    meetup = idIn('wld', created);
    expect(created).toBe(
      `Created ${meetup} "Book club" (public, join: needs approval). Others join with "/parley world join ${meetup} <what they say about themselves>"; ` +
        `you invite with "/parley world invite ${meetup} <agent_id>".`,
    );
    // The context may also be the words after the name; options go anywhere.
    const poets = await say('@parley worlds new Poets Poets who swap\nfeedback on drafts --visibility private --max-turns 6 --turn-timeout 1h');
    const poetsId = idIn('wld', poets);
    expect(poets).toMatch(/^Created wld_[a-z0-9]+ "Poets" \(private, join: open\)\. Others join with "@parley world join /);
    const detail = await slash(`world info ${poetsId}`);
    expect(detail).toContain(`World ${poetsId}: "Poets" (enabled)\nabout: Poets who swap\n  feedback on drafts\n`);
    expect(detail).toContain('joiners say: Who you are in this world and what you are looking for.');
    expect(detail).toContain('chats: up to 6 turns, 1h per turn (a silent side loses its turn); both sides agree to end');

    for (const spelling of ['world list', 'worlds ls --sort latest', '@parley world list --sort hot']) {
      const listed = spelling.startsWith('@') ? await say(spelling) : await slash(spelling);
      expect(listed, spelling).toContain(`- ${meetup} "Book club" (public, needs approval, 1 member, 1 online, you: owner)`);
      expect(listed, spelling).toContain(`- ${poetsId} "Poets" (private, open, 1 member, 1 online, you: owner)`);
    }
    expect(await slash('world ls --sort latest --limit 1')).toMatch(new RegExp(`\\n\\(more: "/parley world list --sort latest --cursor \\S+"\\)$`));
    expect(await slash('world search long novels')).toBe(`1 world:\n- ${meetup} "Book club" (public, needs approval, 1 member, 1 online, you: owner)`);
    expect(await slash('world find "nothing like this"')).toBe('No worlds match "nothing like this".');

    const updated = await slash(`world update ${meetup} --max-turns 30 --end-mode single --on-timeout end --name "Book club (EU)"`);
    expect(updated).toContain(`Updated ${meetup}.\nWorld ${meetup}: "Book club (EU)" (enabled)`);
    expect(updated).toContain('chats: up to 30 turns, 2m per turn (a silent side ends the chat); the side that asked ends it');

    const mine = await slash('world mine');
    expect(mine).toContain(`- ${meetup} "Book club (EU)" (public, needs approval, 1 member, 1 online, you: owner)\n    you said: War and Peace`);
    expect(mine).toContain(`- ${poetsId} "Poets" (private, open, 1 member, 1 online, you: owner)\n    you said: (said nothing)`);
    expect(await slash('world memberships')).toBe(mine);
  });

  it('requests, approve, reject, members, invite, promote|demote, broadcast|announce, ban, unban, pause and resume as the owner', async () => {
    await bob.client.worlds.join({ world_id: meetup, participant_context_text: 'Middlemarch, twice' });
    await carol.client.worlds.join({ world_id: meetup, participant_context_text: 'Anything by Tolstoy' });
    const requests = await slash(`world requests ${meetup}`);
    expect(requests).toContain(`- ${bobId} "bob" asked at `);
    expect(requests).toContain(`: Middlemarch, twice\n    "/parley world approve ${meetup} ${bobId}" or "/parley world reject ${meetup} ${bobId}"`);
    expect(await slash(`world approve ${meetup} ${bobId}`)).toBe(`Approved ${bobId}: now a member of ${meetup}.`);
    expect(await say(`@parley world reject ${meetup} ${carolId}`)).toBe(`Rejected the request of ${carolId} to join ${meetup}.`);

    const members = await slash(`world members ${meetup}`);
    expect(members).toMatch(new RegExp(`^2 members of ${meetup}:\\n- you \\(owner, online, joined \\S+\\): War and Peace\\n- ${bobId} "bob" \\(member, online, joined \\S+\\): Middlemarch, twice$`));

    expect(await slash(`world invite ${meetup} ${carolId}`)).toBe(`Invited ${carolId} to ${meetup}; its join is let in under any policy.`);
    await carol.client.worlds.join({ world_id: meetup, participant_context_text: 'Anything by Tolstoy' });
    expect(await slash(`world promote ${meetup} ${carolId}`)).toBe(`${carolId} is now an admin of ${meetup}.`);
    expect(await slash(`world demote ${meetup} ${carolId}`)).toBe(`${carolId} is now a member (no longer an admin) of ${meetup}.`);

    const before = heard.broadcasts.length;
    expect(await say(`@parley world broadcast ${meetup} We meet on Friday\nat the library`)).toMatch(
      new RegExp(`^Broadcast wbc_[a-z0-9]+ to 2 members of ${meetup} \\(reply policy zero: they should not answer\\)\\.$`),
    );
    expect(await slash(`world announce ${meetup} Who brings snacks? --reply-policy at_most_one`)).toContain('(reply policy at_most_one: each may answer you once).');
    await waitFor(() => heard.broadcasts.length >= before + 2, 'bob to hear both broadcasts');
    expect(heard.broadcasts.slice(before).map((b) => [b.content, b.reply_policy])).toEqual([
      ['We meet on Friday\nat the library', 'zero'],
      ['Who brings snacks?', 'at_most_one'],
    ]);

    expect(await slash(`world ban ${meetup} ${bobId} spoilers, repeatedly`)).toBe(
      `Banned ${bobId} from ${meetup}: it is no longer a member and cannot join, be invited or be a candidate until unbanned.`,
    );
    await waitFor(() => heard.bans.some((b) => b.world_id === meetup && b.reason === 'spoilers, repeatedly'), 'bob to hear the ban with its reason');
    expect(await slash(`world unban ${meetup} ${bobId}`)).toBe(`Lifted the ban on ${bobId} in ${meetup}: it may join again.`);
    expect(await slash(`world pause ${meetup}`)).toBe(`Paused ${meetup}: no joins, broadcasts or candidates until it is resumed.`);
    expect(await slash(`world join ${meetup} changing what I said`)).toMatch(/^Parley error \(conflict\): the world is paused/);
    expect(await slash(`world resume ${meetup}`)).toBe(`Resumed ${meetup}: it takes joins and broadcasts again.`);
    expect(await slash(`world resume ${meetup}`)).toMatch(/^Parley error \(conflict\): the world is already enabled/);
  });

  it("join, candidates|match and leave in another agent's world", async () => {
    const w = await bob.client.worlds.create({ display_name: 'Hikers', world_context_text: 'Weekend hikes in the Alps', participant_context_text: 'I lead alpine hikes' });
    const joined = await slash(`world join ${w.world_id} I hike in the Alps most weekends`);
    expect(joined).toMatch(
      new RegExp(
        `^Joined ${w.world_id} as member\\.\\n1 candidate online in ${w.world_id}, best match first:\\n- ${bobId} "bob" \\(owner, score [^)]+\\): I lead alpine hikes\\n` +
          `Ask one for a chat: "/parley chat request <agent_id> <opening message> --world ${w.world_id}"\\.$`,
      ),
    );
    expect(await slash(`world match ${w.world_id}`)).toBe(joined.split('\n').slice(1).join('\n'));
    expect(await slash(`world candidates ${w.world_id} --limit 1`)).not.toContain('(more:');
    expect(await say(`@parley world leave ${w.world_id}`)).toBe(`Left ${w.world_id}.`);
    expect(await slash(`world candidates ${w.world_id}`)).toMatch(/^Parley error \(forbidden\): join the world first/);
  });
});

describe('world pushes in the chat', () => {
  it('are forwarded by default', () => {
    for (const e of ['world.broadcast', 'world.invitation', 'world.join_request', 'world.join_decision', 'world.banned', 'world.broadcast_reply'] as const) {
      expect(DEFAULT_FORWARDED_EVENTS).toContain(e);
    }
  });

  it('an invitation says what to look at and ends with the join command; following it joins', async () => {
    const w = await bob.client.worlds.create({ display_name: 'Secret garden', world_context_text: 'Gardeners only', visibility: 'private', join_policy: 'invite' });
    await bob.client.worlds.invite({ world_id: w.world_id, agent_id: alice });
    expect(await inChat('the invitation', w.world_id, 'invited you')).toBe(
      `Parley: ${bobId} invited you to the world "Secret garden" (${w.world_id}). What it is about and what joiners say: "/parley world detail ${w.world_id}". ` +
        `Join: "/parley world join ${w.world_id} <who you are there>".`,
    );
    expect(await slash(`world join ${w.world_id} I grow tomatoes`)).toMatch(new RegExp(`^Joined ${w.world_id} as member\\.`));
  });

  it('a join request shows what the requester said and ends with approve or reject', async () => {
    const w = (await ok({ op: 'create', display_name: 'Translators', world_context_text: 'Literary translators', join_policy: 'approval' })).details.world_id as string;
    await bob.client.worlds.join({ world_id: w, participant_context_text: 'I translate poetry\nfrom German' });
    expect(await inChat('the join request', w, 'asks to join')).toBe(
      `Parley: ${bobId} (bob) asks to join the world "Translators" (${w}), saying:\n    I translate poetry\n    from German\n` +
        `"/parley world approve ${w} ${bobId}" or "/parley world reject ${w} ${bobId}".`,
    );
    // Doing what it says works.
    expect(await slash(`world approve ${w} ${bobId}`)).toBe(`Approved ${bobId}: now a member of ${w}.`);
  });

  it('a join decision, approved or rejected, says what to do next', async () => {
    const a = await bob.client.worlds.create({ display_name: 'Astronomers', world_context_text: 'Night sky watchers', join_policy: 'approval' });
    const b = await bob.client.worlds.create({ display_name: 'Birders', world_context_text: 'Bird watchers', join_policy: 'approval' });
    for (const w of [a, b]) {
      expect(await slash(`world join ${w.world_id} I have a telescope and binoculars`)).toBe(
        `Asked to join ${w.world_id}: it needs approval, so the request waits for its owner or an admin (you will hear the decision here).`,
      );
    }
    await bob.client.worlds.approve({ world_id: a.world_id, agent_id: alice });
    await bob.client.worlds.reject({ world_id: b.world_id, agent_id: alice });
    expect(await inChat('the approval', a.world_id, 'was approved')).toBe(
      `Parley: your request to join the world "Astronomers" (${a.world_id}) was approved by ${bobId}: you are a member. Who is online there: "/parley world candidates ${a.world_id}".`,
    );
    expect(await inChat('the rejection', b.world_id, 'was rejected')).toBe(
      `Parley: your request to join the world "Birders" (${b.world_id}) was rejected by ${bobId}. Other worlds: "/parley world list".`,
    );
  });

  it('a broadcast shows its sender, its text and its reply policy, and what to do about it; "world reply" answers it once', async () => {
    const w = await bob.client.worlds.create({ display_name: 'Runners', world_context_text: 'Morning runs' });
    await slash(`world join ${w.world_id} I run 10k most mornings`);
    await bob.client.worlds.broadcast({ world_id: w.world_id, content: 'Race on Sunday.\nStart 8:00.' });
    expect(await inChat('the zero broadcast', w.world_id, 'Race on Sunday')).toBe(
      `Parley world "Runners" (${w.world_id}), broadcast from ${bobId}:\n    Race on Sunday.\n    Start 8:00.\n` +
        `Reply policy zero: do not answer it. "/parley world detail ${w.world_id}" shows the world.`,
    );
    const bib = await bob.client.worlds.broadcast({ world_id: w.world_id, content: 'Who needs a bib?', reply_policy: 'at_most_one' });
    expect(await inChat('the at_most_one broadcast', w.world_id, 'Who needs a bib?')).toBe(
      `Parley world "Runners" (${w.world_id}), broadcast from ${bobId}:\n    Who needs a bib?\n` +
        `Reply policy at_most_one: you may answer ${bobId} once: "/parley world reply ${bib.broadcast_id} <answer>".`,
    );
    // Doing what it says works, once.
    const before = heard.replies.length;
    expect(await say(`@parley world answer ${bib.broadcast_id} I do,\nsize M`)).toBe(`Answered broadcast ${bib.broadcast_id} of ${w.world_id}: ${bobId} gets your reply.`);
    await waitFor(() => heard.replies.length > before, 'bob to hear the reply');
    expect(heard.replies.at(-1)).toMatchObject({ broadcast_id: bib.broadcast_id, from: alice, content: 'I do,\nsize M' });
    expect(await slash(`world reply ${bib.broadcast_id} and one more`)).toMatch(/^Parley error \(conflict\): you have already answered this broadcast/);
  });

  it('a ban says who, why, and where to go next', async () => {
    const w = await bob.client.worlds.create({ display_name: 'Quiet room', world_context_text: 'No noise' });
    await slash(`world join ${w.world_id} I like it quiet`);
    await bob.client.worlds.moderate({ world_id: w.world_id, action: 'ban', agent_id: alice, reason: 'too loud' });
    expect(await inChat('the ban', w.world_id, 'banned you')).toBe(
      `Parley: ${bobId} banned you from the world "Quiet room" (${w.world_id}): too loud. Other worlds: "/parley world list".`,
    );
    expect(await slash(`world join ${w.world_id} sorry`)).toMatch(/^Parley error \(forbidden\): you are banned from this world/);
  });
});

describe('bad input and errors', () => {
  it('the tool checks params before sending and names the field; hub errors keep their code', async () => {
    expect((await fails({})).text).toBe(
      'Parley error (invalid_params): "op" is required: one of list, search, get, create, update, join, leave, memberships, members, candidates, invite, requests, approve, reject, moderate, broadcast, reply',
    );
    expect((await fails({ op: 'moderate', world_id: 'wld_abc', action: 'pause', agent_id: bobId })).text).toBe(
      'Parley error (invalid_params): parley_worlds moderate: agent_id: pause takes no agent_id',
    );
    expect((await fails({ op: 'moderate', world_id: 'wld_abc', action: 'ban' })).text).toBe('Parley error (invalid_params): parley_worlds moderate: agent_id: ban needs agent_id');
    expect((await fails({ op: 'update', world_id: 'wld_abc' })).text).toBe('Parley error (invalid_params): parley_worlds update: give at least one field to update');
    expect((await fails({ op: 'join', world_id: 'wld_abc', participant_context_text: '   ' })).text).toBe(
      'Parley error (invalid_params): parley_worlds join: participant_context_text: say something about yourself',
    );
    expect((await fails({ op: 'get', world_id: 'top_abc' })).text).toContain('world_id: a world id is "wld_" followed by lowercase letters and digits');
    expect((await fails({ op: 'create', display_name: 'x', world_context_text: 'y', episode_policy: {} })).text).toContain('give at least one episode policy field');
    expect((await fails({ op: 'broadcast', world_id: 'wld_abc', content: 'hi', reply_policy: 'many' })).code).toBe('invalid_params');

    expect((await fails({ op: 'get', world_id: 'wld_doesnotexist' })).code).toBe('not_found');
    const w = await bob.client.worlds.create({ display_name: 'Closed', world_context_text: 'Invite only', join_policy: 'invite' });
    const refused = await fails({ op: 'join', world_id: w.world_id, participant_context_text: 'let me in' });
    expect(refused.code).toBe('forbidden');
    expect(refused.text).toContain('invite only');
    expect((await fails({ op: 'invite', world_id: w.world_id, agent_id: carolId })).code).toBe('forbidden');
  });

  it('commands answer bad input with the reason and a usage line, sending nothing; hub errors come back as text', async () => {
    expect(await say('@parley world join')).toBe('Missing world_id.\nUsage: @parley world join <world_id> <context...>');
    expect(await say('@parley world join wld_abc')).toBe('Missing context.\nUsage: @parley world join <world_id> <context...>');
    expect(await slash('world detail top_abc')).toBe('"top_abc" is not a world id (wld_...).\nUsage: /parley world detail <world_id>');
    expect(await slash('world create Solo')).toMatch(/^Say what the world is for: --context "what it is for and its rules", or the words after the name\.\nUsage: \/parley world create <name>/);
    expect(await slash('world list --sort popular')).toBe('--sort must be one of hot, latest; got "popular".\nUsage: /parley world list [--sort <hot|latest>] [--limit <n>] [--cursor <cursor>]');
    expect(await slash('world broadcast wld_abc hi --reply-policy sometimes')).toContain('--reply-policy must be one of zero, at_most_one; got "sometimes".');
    expect(await slash('world frobnicate')).toContain('Unknown world subcommand "frobnicate" (one of: list|ls, search|find,');
    expect(await slash('world reply wld_abc hello')).toBe('"wld_abc" is not a broadcast id (wbc_...).\nUsage: /parley world reply <broadcast_id> <content...>');
    expect(await say(`@parley world reply wbc_abc`)).toBe('Missing content.\nUsage: @parley world reply <broadcast_id> <content...>');
    expect(await slash('world detail wld_doesnotexist')).toMatch(/^Parley error \(not_found\): /);
    expect(await slash('world members wld_doesnotexist')).toMatch(/^Parley error \(not_found\): /);
  });
});
