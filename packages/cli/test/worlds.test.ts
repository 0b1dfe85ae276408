import type { ResultOf, World, WorldCandidate as Candidate } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCli } from './agents.js';
import { isJsonLine, LiveProcess, startTestHub, tempDir } from './helpers.js';

/**
 * `parley worlds ...`, run as a user would: the built `parley` binary against
 * a real hub, with real agents. Candidates are the members with an open
 * session, so agents that must be "online" run `parley daemon` (one held
 * connection); every other wait is on a process finishing.
 */

let hub: LiveProcess;
let url: string;
const homes = { alice: tempDir('alice'), bob: tempDir('bob'), carol: tempDir('carol'), dave: tempDir('dave') };
type Who = keyof typeof homes;
const ids: Record<Who, string> = { alice: '', bob: '', carol: '', dave: '' };

const env = (who: Who): Record<string, string> => ({ PARLEY_HOME: homes[who], PARLEY_URL: url });
const { run, ok, json, fails } = agentCli(homes, () => url);




/** `parley daemon` for an agent: it is online (a candidate) while this runs, and its pushes are its JSON lines. */
async function online(who: Who): Promise<LiveProcess> {
  const daemon = new LiveProcess(['daemon'], env(who));
  await daemon.waitFor(isJsonLine((v) => v.type === 'state' && v.state === 'connected'), 15_000, `${who}'s daemon to connect`);
  return daemon;
}

// The wire shapes as the protocol declares them: what `--json` prints is the hub's result unchanged.
type Joined = ResultOf<'world/join'>;
type WorldPage = ResultOf<'world/list'>;

const newWorld = (who: Who, name: string, ...flags: string[]): Promise<World> => json<World>(['worlds', 'create', name, ...flags], who);

const CONTEXTS = {
  alice: 'TypeScript backend engineer looking for a frontend pair',
  bob: 'frontend engineer who writes React and TypeScript, looking for a backend pair',
  carol: 'sourdough baker, bread every weekend',
  dave: 'just reading along',
};

beforeAll(async () => {
  ({ hub, url } = await startTestHub());
  for (const who of Object.keys(homes) as Who[]) ids[who] = (await json<{ agent_id: string }>(['register', '--name', who], who)).agent_id;
});

afterAll(async () => {
  expect(await hub.stop('SIGTERM')).toBe(0);
});

describe('parley worlds', () => {
  it('create with every option, join with candidates, candidates both ways, broadcast to every other member, reply once', async () => {
    const { alice, bob, carol, dave } = ids;
    const w = await newWorld(
      'alice',
      'Zephyr pairing',
      '--context', 'Find someone to pair with on the zephyr codebase',
      '--field', 'Your stack and what you want to build',
      '--my-context', CONTEXTS.alice,
      '--visibility', 'public',
      '--join-policy', 'open',
      '--max-turns', '20',
      '--turn-timeout-ms', '60000',
      '--timeout-behavior', 'end',
      '--end-mode', 'either',
    );
    expect(w).toMatchObject({
      display_name: 'Zephyr pairing',
      world_context_text: 'Find someone to pair with on the zephyr codebase',
      participant_context_field: 'Your stack and what you want to build',
      visibility: 'public',
      join_policy: 'open',
      status: 'enabled',
      owner_id: alice,
      member_count: 1,
      role: 'owner',
      episode_policy: { max_turns: 20, turn_timeout_ms: 60000, timeout_behavior: 'end', end_mode: 'either' },
    });
    expect(w.world_id).toMatch(/^wld_[a-z0-9]+$/);
    const W = w.world_id;

    const daemons = { alice: await online('alice'), carol: await online('carol') };
    let bobDaemon: LiveProcess | undefined;
    try {
      // a world with no match for the joiner's words is still a candidate, with score 0
      const carolJoined = await json<Joined>(['worlds', 'join', W, '--context', CONTEXTS.carol], 'carol');
      expect(carolJoined).toMatchObject({ world_id: W, status: 'joined', role: 'member' });
      expect(carolJoined.candidates!.candidates).toEqual([expect.objectContaining({ target_agent_id: alice, name: 'alice', role: 'owner', score: 0 })]);

      // bob joins (human output): the first page of candidates, best match first: alice (words in common), then carol (none)
      const joined = await ok(['worlds', 'join', W, '--context', CONTEXTS.bob], 'bob');
      expect(joined).toMatch(
        new RegExp(
          `^joined ${W} as member\\nTARGET_AGENT_ID\\s+NAME\\s+ROLE\\s+SCORE\\s+CONTEXT\\n-+.*\\n` +
            `${alice}\\s+alice\\s+owner\\s+[0-9.e-]+\\s+${CONTEXTS.alice}\\n` +
            `${carol}\\s+carol\\s+member\\s+0\\s+${CONTEXTS.carol}\\n$`,
        ),
      );
      const bobSees = await json<{ world_id: string; candidates: Candidate[]; next_cursor: string | null }>(['worlds', 'candidates', W], 'bob');
      expect(bobSees.candidates.map((c) => [c.target_agent_id, c.name, c.participant_context_text])).toEqual([
        [alice, 'alice', CONTEXTS.alice],
        [carol, 'carol', CONTEXTS.carol],
      ]);
      expect(bobSees.candidates[0]!.score).toBeGreaterThan(0);
      expect(bobSees.candidates[1]!.score).toBe(0);

      // and the other way round, once bob is online too
      bobDaemon = await online('bob');
      const aliceSees = await json<{ candidates: Candidate[] }>(['worlds', 'candidates', W], 'alice');
      expect(aliceSees.candidates.map((c) => c.target_agent_id)).toEqual([bob, carol]);
      expect(aliceSees.candidates[0]!.score).toBeGreaterThan(0);
      expect(await ok(['worlds', 'candidates', W, '--limit', '1'], 'alice')).toMatch(
        new RegExp(`\\n${bob}\\s+bob\\s+member\\s+[0-9.e-]+\\s+frontend engineer .*\\n\\(more: "parley worlds candidates ${W} --cursor \\S+"\\)\\n$`),
      );

      // dave joins without a session: not a candidate, but a member the broadcast still reaches
      await ok(['worlds', 'join', W, '--context', CONTEXTS.dave], 'dave');
      expect((await json<{ candidates: Candidate[] }>(['worlds', 'candidates', W], 'alice')).candidates.map((c) => c.target_agent_id)).not.toContain(dave);

      const sent = await json<{ broadcast_id: string; world_id: string; recipients: number }>(
        ['worlds', 'broadcast', W, 'standup', 'in', '5', '--reply-policy', 'at_most_one'],
        'alice',
      );
      expect(sent).toMatchObject({ world_id: W, recipients: 3 });
      const isBroadcast = isJsonLine((v) => v.type === 'push' && v.event === 'world.broadcast');
      const pushed = JSON.parse(await bobDaemon.waitFor(isBroadcast, 10_000, "bob's world.broadcast")) as { stream: string; data: Record<string, unknown> };
      expect(pushed.stream).toBe(`agent:${bob}`);
      expect(pushed.data).toMatchObject({
        broadcast_id: sent.broadcast_id,
        world_id: W,
        world_name: 'Zephyr pairing',
        from: alice,
        content: 'standup in 5',
        reply_policy: 'at_most_one',
      });
      await daemons.carol.waitFor(isBroadcast, 10_000, "carol's world.broadcast");
      // dave was offline: the push waited on his stream, and poll shows it readably
      const daveHeard = await ok(['poll'], 'dave');
      expect(daveHeard).toMatch(
        new RegExp(
          `^\\S+ {2}world broadcast in "Zephyr pairing" \\(${W}\\) from ${alice} ` +
            `\\(you may answer once: "parley worlds reply ${sent.broadcast_id} <text>"\\): standup in 5\\n$`,
        ),
      );

      // at_most_one: bob answers once, alice (online) gets it pushed; a second answer is refused
      expect(await ok(['worlds', 'reply', sent.broadcast_id, 'on', 'my', 'way'], 'bob')).toBe(`replied to ${sent.broadcast_id} in ${W} (to ${alice})\n`);
      const answer = JSON.parse(
        await daemons.alice.waitFor(isJsonLine((v) => v.type === 'push' && v.event === 'world.broadcast_reply'), 10_000, "alice's world.broadcast_reply"),
      ) as { data: Record<string, unknown> };
      expect(answer.data).toMatchObject({ broadcast_id: sent.broadcast_id, world_id: W, from: bob, from_name: 'bob', content: 'on my way' });
      expect(await fails(['worlds', 'reply', sent.broadcast_id, 'again'], 'bob', 1)).toMatch(/^parley: conflict: you have already answered/);

      // the sender does not hear its own broadcast; human output and stdin content; zero takes no replies
      const zero = await ok(['worlds', 'broadcast', W, '-'], 'alice', 'release at noon\n');
      expect(zero).toMatch(new RegExp(`^broadcast wbc_[a-z0-9]+ to 3 members of ${W}\\n$`));
      expect(await ok(['poll'], 'dave')).toMatch(/\(no answer expected\): release at noon\n$/);
      expect(await fails(['worlds', 'reply', zero.split(' ')[1]!, 'ok'], 'dave', 1)).toMatch(/^parley: forbidden: this broadcast takes no replies/);
      expect(daemons.alice.json().filter((v) => v.event === 'world.broadcast')).toEqual([]);
      // an answer to an offline sender waits on its stream; poll reads it
      await Promise.all([daemons.alice.stop(), bobDaemon.stop()]);
      await ok(['worlds', 'reply', sent.broadcast_id, '-'], 'dave', 'count me in\n');
      expect(await ok(['poll'], 'alice')).toContain(`world broadcast reply from ${dave} (dave) to ${sent.broadcast_id} in "Zephyr pairing" (${W}): count me in\n`);
    } finally {
      await Promise.all([daemons.alice.stop(), daemons.carol.stop(), bobDaemon?.stop()]);
    }

  });

  it('list, detail (the defaults), mine, members, search, leave', async () => {
    const { alice } = ids;
    const W = (await newWorld('alice', 'Quokka club', '--context', 'Sightings of quokkas on the island', '--my-context', CONTEXTS.alice)).world_id;
    expect(await ok(['worlds', 'new', 'Quokka annex', '--context', 'overflow room'], 'alice')).toMatch(
      /^created (wld_[a-z0-9]+) \(Quokka annex\): public, open; you own it\nothers join with "parley worlds join \1 --context <text>"\n$/,
    );
    for (const who of ['bob', 'carol', 'dave'] as const) await ok(['worlds', 'join', W, '--context', CONTEXTS[who]], who);

    const listed = await ok(['worlds', 'ls'], 'bob');
    expect(listed).toMatch(/^WORLD\s+NAME\s+STATUS\s+VISIBILITY\s+JOIN\s+MEMBERS\s+ONLINE\s+YOU\n/);
    expect(listed).toMatch(new RegExp(`\\n${W}\\s+Quokka club\\s+enabled\\s+public\\s+open\\s+4\\s+\\d+\\s+member\\n`));
    // latest: newest first, paged with --cursor
    const latest = await json<WorldPage>(['worlds', 'list', '--sort', 'latest', '--limit', '1'], 'dave');
    expect(latest.worlds.map((x) => x.display_name)).toEqual(['Quokka annex']);
    expect(latest.total).toBeGreaterThanOrEqual(2);
    expect(latest.next_cursor).not.toBeNull();
    expect((await json<WorldPage>(['worlds', 'list', '--sort', 'latest', '--limit', '1', '--cursor', latest.next_cursor!], 'dave')).worlds.map((x) => x.world_id)).toEqual([W]);
    expect(await ok(['worlds', 'list', '--sort', 'latest', '--limit', '1'], 'dave')).toMatch(new RegExp(`\\n\\(${latest.total} in all; more: --cursor \\S+\\)\\n$`));

    const detail = await ok(['worlds', 'detail', W], 'carol');
    for (const line of [
      `world_id:      ${W}\n`,
      'join policy:   open\n',
      `owner:         ${alice}\n`,
      'members:       4 (',
      'your role:     member\n',
      'episodes:      12 turns, 120000 ms a turn, on timeout skip_turn, end dual\n',
      'context:       Sightings of quokkas on the island\n',
      'asks joiners:  Who you are in this world and what you are looking for.\n',
    ]) {
      expect(detail).toContain(line);
    }
    expect((await json<World>(['worlds', 'info', W], 'dave')).role).toBe('member');

    const mine = await json<{ memberships: Array<{ world: World; role: string; participant_context_text: string }>; total: number }>(['worlds', 'mine'], 'bob');
    expect(mine.memberships.find((m) => m.world.world_id === W)).toMatchObject({ role: 'member', participant_context_text: CONTEXTS.bob });
    expect(await ok(['worlds', 'memberships'], 'bob')).toMatch(new RegExp(`\\n${W}\\s+Quokka club\\s+member\\s+enabled\\s+4\\s+\\S+\\s+frontend engineer`));

    const members = await ok(['worlds', 'members', W], 'alice');
    expect(members).toMatch(/^AGENT\s+NAME\s+ROLE\s+ONLINE\s+JOINED\s+CONTEXT\n/);
    expect(members).toMatch(new RegExp(`\\n${alice}\\s+alice\\s+owner\\s+(yes|no)\\s+\\S+\\s+TypeScript backend engineer`));
    expect((await json<{ members: Array<{ agent_id: string }>; total: number }>(['worlds', 'members', W], 'alice')).total).toBe(4);
    expect(await fails(['worlds', 'members', W], 'bob', 1)).toMatch(/^parley: forbidden: only the owner and admins/);

    const found = await json<WorldPage>(['worlds', 'search', 'quokkas', 'island'], 'dave');
    expect(found).toMatchObject({ total: 1, next_cursor: null });
    expect(found.worlds.map((x) => x.world_id)).toEqual([W]);
    expect(await ok(['worlds', 'find', 'quokka'], 'dave')).toMatch(new RegExp(`\\n${W}\\s+Quokka club\\s`));
    expect(await ok(['worlds', 'search', 'nosuchwordanywhere'], 'dave')).toBe('no worlds match "nosuchwordanywhere"\n');

    // leave: once, then nothing to leave; the owner cannot
    expect(await ok(['worlds', 'leave', W], 'dave')).toBe(`left ${W}\n`);
    expect(await ok(['worlds', 'leave', W], 'dave')).toBe(`you were not in ${W} and had no pending request there\n`);
    expect(await fails(['worlds', 'leave', W], 'alice', 1)).toMatch(/^parley: conflict: the owner cannot leave/);
    expect((await json<World>(['worlds', 'detail', W], 'alice')).member_count).toBe(3);
  });

  it('approval worlds: request, requests, approve and reject with join_decision pushes, withdraw; invite-only private worlds', async () => {
    const { alice, bob, carol, dave } = ids;
    // --context - reads the world context from stdin
    const g = await json<World>(['worlds', 'create', 'Stdin garden', '--context', '-', '--join-policy', 'approval'], 'alice', 'rules:\nbe kind\n');
    expect(g).toMatchObject({ join_policy: 'approval', world_context_text: 'rules:\nbe kind' });
    const G = g.world_id;

    expect(await ok(['worlds', 'join', G, '--context', 'let me in, I water plants'], 'bob')).toBe(
      `requested to join ${G}: it needs approval, so your request waits for its owner or an admin ` +
        `(you get a world.join_decision; "parley worlds leave ${G}" withdraws it)\n`,
    );
    expect(await json<Joined>(['worlds', 'join', G, '--context', 'me too'], 'carol')).toEqual({ world_id: G, status: 'requested', role: null, candidates: null });
    await ok(['worlds', 'join', G, '--context', 'changed my mind'], 'dave');

    const requests = await ok(['worlds', 'requests', G], 'alice');
    expect(requests).toMatch(/^AGENT\s+NAME\s+REQUESTED\s+CONTEXT\n/);
    expect(requests).toMatch(new RegExp(`\\n${bob}\\s+bob\\s+\\S+\\s+let me in, I water plants\\n`));
    const owner = await ok(['poll'], 'alice');
    expect(owner).toContain(`world join request: ${bob} (bob) asks to join "Stdin garden" (${G}): "let me in, I water plants"; "parley worlds approve|reject ${G} ${bob}"`);
    expect(await fails(['worlds', 'requests', G], 'bob', 1)).toMatch(/^parley: forbidden: /);

    // withdraw: leave takes back a pending request
    expect(await ok(['worlds', 'leave', G], 'dave')).toBe(`left ${G}\n`);
    expect((await json<{ requests: Array<{ agent_id: string; participant_context_text: string }> }>(['worlds', 'requests', G], 'alice')).requests).toEqual([
      expect.objectContaining({ agent_id: bob, participant_context_text: 'let me in, I water plants' }),
      expect.objectContaining({ agent_id: carol, participant_context_text: 'me too' }),
    ]);

    expect(await ok(['worlds', 'approve', G, bob], 'alice')).toBe(`approved ${bob} for ${G}\n`);
    expect(await ok(['poll'], 'bob')).toContain(`world join approved: your request to join "Stdin garden" (${G}) was approved by ${alice}`);
    expect((await json<{ memberships: Array<{ world: World; participant_context_text: string }> }>(['worlds', 'mine'], 'bob')).memberships[0]).toMatchObject({
      world: { world_id: G, role: 'member' },
      participant_context_text: 'let me in, I water plants',
    });
    expect(await json<{ status: string }>(['worlds', 'reject', G, carol], 'alice')).toEqual({ world_id: G, agent_id: carol, status: 'rejected' });
    expect(await ok(['poll'], 'carol')).toContain(`world join rejected: your request to join "Stdin garden" (${G}) was rejected by ${alice}`);
    expect(await fails(['worlds', 'reject', G, carol], 'alice', 1)).toBe('parley: not_found: join request not found\n');
    expect(await ok(['worlds', 'requests', G], 'alice')).toBe('no pending requests\n');

    // invite-only and private: invisible until invited; the invitation lets the agent in
    const created = await ok(['worlds', 'create', 'Back room', '--context', 'by invitation', '--visibility', 'private', '--join-policy', 'invite'], 'alice');
    const p = { world_id: /^created (wld_[a-z0-9]+) /.exec(created)![1]! };
    expect(created).toBe(
      `created ${p.world_id} (Back room): private, invite; you own it\n` +
        `invite agents with "parley worlds invite ${p.world_id} <agent_id>"; they then join with "parley worlds join ${p.world_id} --context <text>"\n`,
    );
    expect(await fails(['worlds', 'detail', p.world_id], 'dave', 1)).toBe('parley: not_found: world not found\n');
    expect((await json<WorldPage>(['worlds', 'list'], 'dave')).worlds.map((x) => x.world_id)).not.toContain(p.world_id);
    expect(await ok(['worlds', 'invite', p.world_id, dave], 'alice')).toBe(
      `invited ${dave} to ${p.world_id} (it joins with "parley worlds join ${p.world_id} --context <text>")\n`,
    );
    expect(await ok(['poll'], 'dave')).toContain(`world invitation: ${alice} invited you to "Back room" (${p.world_id}); accept with "parley worlds join ${p.world_id} --context <text>"`);
    expect(await fails(['worlds', 'join', p.world_id, '--context', 'not invited'], 'carol', 1)).toBe('parley: not_found: world not found\n');
    expect(await ok(['worlds', 'join', p.world_id, '--context', 'thanks for having me'], 'dave')).toMatch(new RegExp(`^joined ${p.world_id} as member\\n`));
    expect(await ok(['worlds', 'invite', p.world_id, dave], 'alice')).toBe(`${dave} is already a member of ${p.world_id}\n`);
  });

  it('moderation: promote, ban (with the push), unban, demote, pause and resume, the generic moderate', async () => {
    const { alice, bob, carol } = ids;
    const w = await newWorld('alice', 'Moderated hall', '--context', 'a hall with rules');
    const W = w.world_id;
    await ok(['worlds', 'join', W, '--context', 'helper'], 'bob');
    await ok(['worlds', 'join', W, '--context', 'visitor'], 'carol');

    expect(await fails(['worlds', 'broadcast', W, 'hello'], 'bob', 1)).toMatch(/^parley: forbidden: /);
    expect(await ok(['worlds', 'promote', W, bob], 'alice')).toBe(`${bob} is now an admin of ${W}\n`);
    expect((await json<World>(['worlds', 'detail', W], 'bob')).admin_ids).toEqual([bob]);
    expect(await fails(['worlds', 'promote', W, carol], 'bob', 1)).toMatch(/^parley: forbidden: only the owner promotes/);

    // an admin bans a member; the member hears of it and is kept out
    expect(await ok(['worlds', 'ban', W, carol, '--reason', 'spam'], 'bob')).toBe(`banned ${carol} from ${W}\n`);
    expect(await ok(['poll'], 'carol')).toContain(`world banned: ${bob} banned you from "Moderated hall" (${W}): spam`);
    expect(await fails(['worlds', 'join', W, '--context', 'again'], 'carol', 1)).toBe('parley: forbidden: you are banned from this world\n');
    expect((await json<WorldPage>(['worlds', 'list'], 'carol')).worlds.map((x) => x.world_id)).not.toContain(W);
    expect(await fails(['worlds', 'ban', W, alice], 'bob', 1)).toMatch(/^parley: forbidden: the owner cannot be banned/);
    expect(await ok(['worlds', 'unban', W, carol], 'bob')).toBe(`lifted the ban on ${carol} in ${W}\n`);
    expect(await fails(['worlds', 'unban', W, carol], 'bob', 1)).toBe('parley: not_found: ban not found\n');
    await ok(['worlds', 'join', W, '--context', 'back again'], 'carol');

    expect(await ok(['worlds', 'demote', W, bob], 'alice')).toBe(`${bob} is now a member of ${W}\n`);
    expect(await fails(['worlds', 'pause', W], 'bob', 1)).toMatch(/^parley: forbidden: /);

    // pause: no joins, no broadcasts, no candidates; the generic form, with --json
    expect(await ok(['worlds', 'pause', W], 'alice')).toBe(`paused ${W}: no joins, broadcasts or candidates until "parley worlds resume ${W}"\n`);
    expect(await fails(['worlds', 'join', W, '--context', 'new words'], 'bob', 1)).toMatch(/^parley: conflict: the world is paused/);
    expect(await fails(['worlds', 'broadcast', W, 'anyone?'], 'alice', 1)).toMatch(/^parley: conflict: the world is paused/);
    expect(await ok(['worlds', 'candidates', W], 'bob')).toBe(`nobody else in ${W} is online right now; "parley worlds candidates ${W}" looks again\n`);
    expect(await fails(['worlds', 'moderate', W, 'pause'], 'alice', 1)).toBe('parley: conflict: the world is already paused\n');
    const resumed = await json<{ world: World; action: string; agent_id: string | null }>(['worlds', 'moderate', W, 'resume'], 'alice');
    expect(resumed).toMatchObject({ action: 'resume', agent_id: null, world: { world_id: W, status: 'enabled' } });
    expect(await ok(['worlds', 'moderate', W, 'ban', carol, '--reason', 'again'], 'alice')).toBe(`banned ${carol} from ${W}\n`);
    expect(await ok(['worlds', 'moderate', W, 'unban', carol], 'alice')).toBe(`lifted the ban on ${carol} in ${W}\n`);

  });

  it('update: every field, then only the fields given; managers only', async () => {
    const W = (await newWorld('alice', 'Moderated hall', '--context', 'a hall with rules')).world_id;
    await ok(['worlds', 'join', W, '--context', 'helper'], 'bob');
    const updated = await json<World>(
      [
        'worlds', 'update', W,
        '--name', 'Quiet hall',
        '--context', 'a quieter hall',
        '--field', 'What brings you here?',
        '--visibility', 'private',
        '--join-policy', 'invite',
        '--max-turns', '4',
        '--turn-timeout-ms', '5000',
        '--timeout-behavior', 'end',
        '--end-mode', 'single',
      ],
      'alice',
    );
    expect(updated).toMatchObject({
      display_name: 'Quiet hall',
      world_context_text: 'a quieter hall',
      participant_context_field: 'What brings you here?',
      visibility: 'private',
      join_policy: 'invite',
      episode_policy: { max_turns: 4, turn_timeout_ms: 5000, timeout_behavior: 'end', end_mode: 'single' },
    });
    // only the fields given change
    const partly = await ok(['worlds', 'update', W, '--max-turns', '6'], 'alice');
    expect(partly).toMatch(new RegExp(`^updated ${W}\\n`));
    expect(partly).toContain('episodes:      6 turns, 5000 ms a turn, on timeout end, end single\n');
    expect(partly).toContain('name:          Quiet hall\n');
    expect(await fails(['worlds', 'update', W, '--name', 'Mine now'], 'bob', 1)).toMatch(/^parley: forbidden: /);
  });

  it('usage errors exit 2 with one line, before anything is sent', async () => {
    const { bob } = ids;
    const w = await newWorld('alice', 'Usage target', '--context', 'nothing happens here');
    const W = w.world_id;
    const long = 'x'.repeat(8001);
    const cases: Array<[string[], RegExp]> = [
      [['worlds', 'detail', 'world-1'], /^parley: "world-1" is not a world id \(wld_/],
      [['worlds', 'create', 'No context'], /say what the world is for: parley worlds create <name> --context <text>/],
      [['worlds', 'create', '  ', '--context', 'x'], /the name must not be empty/],
      [['worlds', 'create', 'x', '--context', long], /--context is too long: at most 8000 characters/],
      [['worlds', 'create', 'x', '--context', 'x', '--visibility', 'secret'], /--visibility must be one of public, private, got "secret"/],
      [['worlds', 'create', 'x', '--context', 'x', '--join-policy', 'closed'], /--join-policy must be one of open, approval, invite/],
      [['worlds', 'create', 'x', '--context', 'x', '--max-turns', '0'], /--max-turns must be an integer from 1 to 200, got "0"/],
      [['worlds', 'create', 'x', '--context', 'x', '--max-turns', 'many'], /--max-turns must be an integer from 1 to 200/],
      [['worlds', 'create', 'x', '--context', 'x', '--turn-timeout-ms', '999'], /--turn-timeout-ms must be an integer from 1000 to 86400000/],
      [['worlds', 'create', 'x', '--context', 'x', '--timeout-behavior', 'wait'], /--timeout-behavior must be one of skip_turn, end/],
      [['worlds', 'create', 'x', '--context', 'x', '--end-mode', 'never'], /--end-mode must be one of dual, single, either/],
      [['worlds', 'list', '--sort', 'new'], /--sort must be one of hot, latest/],
      [['worlds', 'list', '--limit', '101'], /--limit must be an integer from 1 to 100/],
      [['worlds', 'members', W, '--limit', '501'], /--limit must be an integer from 1 to 500/],
      [['worlds', 'join', W], /say who you are in this world: parley worlds join wld_\S+ --context <text>/],
      [['worlds', 'join', W, '--context', '   '], /--context must not be empty/],
      [['worlds', 'update', W], /nothing to change: give at least one of --name/],
      [['worlds', 'update', W, '--name', ''], /--name must not be empty/],
      [['worlds', 'invite', W, 'bob'], /"bob" is not an agent id/],
      [['worlds', 'ban', W, 'bob'], /"bob" is not an agent id/],
      [['worlds', 'broadcast', W, 'hi', '--reply-policy', 'many'], /--reply-policy must be one of zero, at_most_one/],
      [['worlds', 'broadcast', W, ' '], /the content must not be empty/],
      [['worlds', 'reply', 'wbc-1', 'hi'], /"wbc-1" is not a broadcast id/],
      [['worlds', 'reply', 'wbc_abc', ' '], /the content must not be empty/],
      [['worlds', 'moderate', W, 'explode'], /action must be one of ban, unban, pause, resume, promote, demote/],
      [['worlds', 'moderate', W, 'ban'], /ban needs an agent: parley worlds moderate wld_\S+ ban <agent_id>/],
      [['worlds', 'moderate', W, 'pause', bob], /pause takes no agent_id/],
      [['worlds', 'moderate', W, 'resume', '--reason', 'why not'], /--reason goes with ban only/],
      [['worlds', 'ban', W, bob, '--reason', 'r'.repeat(501)], /--reason is too long: at most 500 characters/],
    ];
    for (const [args, message] of cases) expect(await fails(args, 'alice', 2), args.join(' ')).toMatch(message);
    // commander's own usage errors: exit 2 too, with its hint to --help on a second line
    for (const [args, message] of [
      [['worlds', 'nosuch'], /unknown command 'nosuch'/],
      [['worlds', 'join'], /missing required argument 'world_id'/],
      [['worlds', 'approve', W], /missing required argument 'agent_id'/],
    ] as Array<[string[], RegExp]>) {
      const r = await run(args, 'alice');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    // nothing reached the hub: the world is as it was
    expect(await json<World>(['worlds', 'detail', W], 'alice')).toMatchObject({ display_name: 'Usage target', status: 'enabled', member_count: 1, episode_policy: { max_turns: 12 } });
    // hub refusals exit 1 with the code first
    expect(await fails(['worlds', 'detail', 'wld_doesnotexist'], 'alice', 1)).toBe('parley: not_found: world not found\n');
    expect(await fails(['worlds', 'candidates', W], 'bob', 1)).toBe('parley: forbidden: join the world first\n');
  });
});
