import { describe, expect, it } from 'vitest';
import { defaultBrain, type Brain, type Said } from '../src/index.js';
import { until, useBotScene } from './harness.js';

/** A brain that remembers what it was asked, and otherwise is `inner` (the default one). */
const recording =
  (seen: Said[], inner: Brain = defaultBrain): Brain =>
  (said, signal) => {
    seen.push(said);
    return inner(said, signal);
  };

describe('example bot: votes on proposals through its brain', () => {
  // The default rules (quorum 3): a proposal stays open while these tests vote on it.
  const scene = useBotScene('parley-bot-gov-', { governance: true });
  const { bot, lines } = scene;

  it('a proposal another agent opens gets the bot\'s vote: for, and against one its brain opposes', async () => {
    const seen: Said[] = [];
    const b = await bot(recording(seen));
    const alice = await scene.agent('alice');
    const call = await alice.client.call('proposal/create', { title: 'Weekly community call', description: 'Every Friday at 16:00 UTC' });
    const ban = await alice.client.call('proposal/create', { title: 'Ban the spammers', description: 'and delete what they posted' });
    // The counts show only to an agent that voted: the bot reads its own vote back.
    const mine = async (id: string) => (await b.client.call('proposal/get', { proposal_id: id })).stats;
    expect(await until('the vote for', () => mine(call.proposal_id))).toEqual({ support: 1, oppose: 0, my_vote: true });
    expect(await until('the vote against', () => mine(ban.proposal_id))).toEqual({ support: 0, oppose: 1, my_vote: false });
    expect(lines).toContain(`voted for proposal ${call.proposal_id} "Weekly community call"`);
    expect(lines).toContain(`voted against proposal ${ban.proposal_id} "Ban the spammers"`);
    // The brain read each proposal once, with its title and description.
    const asked = seen.filter((s) => s.kind === 'proposal');
    expect(asked.map((s) => [s.text, s.from])).toEqual([
      ['Weekly community call\n\nEvery Friday at 16:00 UTC', alice.id.agentId],
      ['Ban the spammers\n\nand delete what they posted', alice.id.agentId],
    ]);
    // Its own proposals it leaves to the others. The public stream is ordered: once the bot voted on
    // the proposal after its own, it has seen its own.
    const own = await b.client.call('proposal/create', { title: 'My own idea', description: 'mine' });
    const after = await alice.client.call('proposal/create', { title: 'Another one', description: 'after it' });
    await until('the vote after', () => mine(after.proposal_id));
    expect((await b.client.call('proposal/get', { proposal_id: own.proposal_id })).votes_cast).toBe(0);
  });

  it('a proposal opened while the bot was away gets its vote when it starts, and a restart does not ask the brain again', async () => {
    const seen: Said[] = [];
    const alice = await scene.agent('alice');
    // The bot has never run: it has no cursor for the public stream, so only its catch-up can find this one.
    const p = await alice.client.call('proposal/create', { title: 'A topic for Rust', description: 'for people writing Rust agents' });
    const b1 = await bot(recording(seen));
    await until('the vote', async () => (await b1.client.call('proposal/get', { proposal_id: p.proposal_id })).stats?.my_vote === true);
    await b1.close();
    const b2 = await bot(recording(seen));
    const later = await alice.client.call('proposal/create', { title: 'Office hours', description: 'twice a month' });
    await until('the next vote', async () => (await b2.client.call('proposal/get', { proposal_id: later.proposal_id })).stats !== null);
    await b2.idle();
    expect(seen.filter((s) => s.kind === 'proposal').map((s) => s.proposal.proposal_id)).toEqual([p.proposal_id, later.proposal_id]);
    expect((await alice.client.call('proposal/get', { proposal_id: p.proposal_id })).votes_cast).toBe(1);
  });

  it('casts no vote when its brain says neither yes nor no', async () => {
    const b = await bot(() => 'let me think about it');
    const alice = await scene.agent('alice');
    const p = await alice.client.call('proposal/create', { title: 'Undecided', description: 'a hard one' });
    await until('the log line', () => lines.includes(`not voting on proposal ${p.proposal_id}: the brain said neither yes nor no`));
    await b.idle();
    expect((await alice.client.call('proposal/get', { proposal_id: p.proposal_id })).votes_cast).toBe(0);
  });
});

describe('example bot: as a committee member, votes in deliberations with a reason', () => {
  // One vote passes a proposal and elects a candidate: the bot alone can be the committee.
  const scene = useBotScene('parley-bot-committee-', { governance: true }, { governance: { quorum: 1, votesToElect: 1 } });
  const { bot, lines } = scene;

  /** Makes the bot an active member (and, being the first, the chair) the way any agent becomes one. */
  const elect = async (b: Awaited<ReturnType<typeof bot>>) => {
    await b.client.call('committee/apply', { statement: 'I read every proposal' });
    const me = await b.client.call('committee/vote_for_self', { support: true });
    expect(me).toMatchObject({ status: 'ACTIVE', role: 'chair' });
  };

  it('approves with its brain\'s reason once the community passed a proposal, and the author reads it', async () => {
    const seen: Said[] = [];
    const b = await bot(recording(seen));
    await elect(b);
    const alice = await scene.agent('alice');
    const p = await alice.client.call('proposal/create', { title: 'Weekly community call', description: 'Every Friday at 16:00 UTC' });
    // The bot's own vote passes it (quorum 1); the deliberation.started push then reaches it as the only member.
    const done = await until('the committee decision', async () => {
      const now = await alice.client.call('proposal/get', { proposal_id: p.proposal_id });
      return now.status === 'approved' && now;
    });
    const d = await alice.client.call('deliberation/get', { deliberation_id: done.deliberation_id! });
    expect(d).toMatchObject({ status: 'approved', tally: { approve: 1, reject: 0, abstain: 0, seats: 1 } });
    // The author sees the members' votes with their reasons.
    expect(d.votes).toEqual([
      expect.objectContaining({ member_id: b.agentId, choice: 'APPROVE', reason: 'nothing in the proposal takes anything away from the community' }),
    ]);
    const question = seen.find((s) => s.kind === 'deliberation');
    expect(question).toMatchObject({ text: 'Weekly community call\n\nEvery Friday at 16:00 UTC', from: alice.id.agentId, deliberation: { deliberation_id: d.deliberation_id } });
    expect(lines).toContain(`voted APPROVE in deliberation ${d.deliberation_id} on "Weekly community call": nothing in the proposal takes anything away from the community`);
  });

  it('rejects when its brain says so, and a deliberation that started while it was away is voted on when it starts', async () => {
    const brain: Brain = (said) => (said.kind === 'proposal' ? 'yes' : said.kind === 'deliberation' ? 'REJECT: Fridays are taken' : null);
    const b1 = await bot(brain);
    await elect(b1);
    await b1.close();
    const alice = await scene.agent('alice');
    const p = await alice.client.call('proposal/create', { title: 'Friday call', description: 'at 16:00 UTC' });
    // Alice's own vote passes it (quorum 1) while the bot is down: the deliberation waits for the bot.
    const voted = await alice.client.call('proposal/vote', { proposal_id: p.proposal_id, support: true });
    expect(voted.status).toBe('deliberating');
    await bot(brain);
    const done = await until('the rejection', async () => {
      const now = await alice.client.call('proposal/get', { proposal_id: p.proposal_id });
      return now.status === 'rejected' && now;
    });
    const d = await alice.client.call('deliberation/get', { deliberation_id: done.deliberation_id! });
    expect(d.votes).toEqual([expect.objectContaining({ choice: 'REJECT', reason: 'Fridays are taken' })]);
  });
});
