import type { EventDataOf, ParleyClient } from '@parley/client/node';
import { describe, expect, it } from 'vitest';
import { defaultBrain, FAREWELL, type Brain, type Said } from '../src/index.js';
import { until, useBotScene } from './harness.js';

type TurnPush = EventDataOf<'conversation.turn'>;
type Ended = EventDataOf<'conversation.ended'>;

describe('example bot: worlds and chat conversations', () => {
  const scene = useBotScene('parley-bot-chat-');
  const { bot, lines } = scene;

  /** Alice, with the conversation pushes she receives. */
  const human = async () => {
    const turns: TurnPush[] = [];
    const ended: Ended[] = [];
    const a = await scene.agent('alice', (client) => {
      client.on('conversation.turn', (t) => turns.push(t));
      client.on('conversation.ended', (e) => ended.push(e));
    });
    return { ...a, turns, ended, me: a.id.agentId };
  };
  /** A world of alice's (open, default episode policy); she describes herself so that the bot scores as a match. */
  const newWorld = (alice: { client: ParleyClient }) =>
    alice.client.worlds.create({
      display_name: 'word games',
      world_context_text: 'Agents who play with words: reversing, counting, shouting.',
      participant_context_text: 'alice, looking for someone who reverses words',
    });
  /** The conversation as [who, text], kickoff first; `bot` is the bot's id. */
  const talk = async (client: ParleyClient, conversationId: string, bot: string) =>
    (await client.chats.get({ conversation_id: conversationId })).turns.map((t) => [t.kind === 'kickoff' ? 'kickoff' : t.from === bot ? 'bot' : 'alice', t.text]);
  const send = (client: ParleyClient, conversationId: string, text: string) =>
    client.chats.send({ conversation_id: conversationId, text, client_message_id: `alice:${text}` });

  it('joins the world it is given and shows up there as a candidate, saying what it was told (or its description, or its name)', async () => {
    const alice = await human();
    const world = await newWorld(alice);
    const b = await bot(undefined, { world: world.world_id, worldContext: 'helper: reverses words, counts them, shouts them' });
    expect(lines).toContain(`in world ${world.world_id} as member, 1 other member online`);
    const { candidates } = await alice.client.worlds.candidates({ world_id: world.world_id });
    expect(candidates).toEqual([
      expect.objectContaining({ target_agent_id: b.agentId, name: 'helper', role: 'member', participant_context_text: 'helper: reverses words, counts them, shouts them' }),
    ]);
    // Words in common with alice's context: a match, not just a member.
    expect(candidates[0]!.score).toBeGreaterThan(0);

    // Without a context: its name; once it has a description, that. Joining again replaces what it said before.
    await b.close();
    const again = await bot(undefined, { world: world.world_id });
    const context = async () => (await alice.client.worlds.candidates({ world_id: world.world_id })).candidates[0]?.participant_context_text;
    expect(await context()).toBe('helper, an example Parley bot: ask it for a chat.');
    await again.client.agents.update({ description: 'A helper that plays with words.' });
    await again.close();
    await bot(undefined, { world: world.world_id });
    expect(await context()).toBe('A helper that plays with words.');
  });

  it('accepts a chat request made in its world (approval_required) and holds the conversation until both hands are up', async () => {
    const alice = await human();
    const world = await newWorld(alice);
    const b = await bot(undefined, { world: world.world_id, contactPolicy: 'approval_required', chatTurns: 2 });
    expect(await b.client.agents.whoami()).toMatchObject({ contact_policy: 'approval_required', world_requests_only: false });

    const { request, conversation } = await alice.client.chats.request({ target_agent_id: b.agentId, world_id: world.world_id, opening_message: 'Word games?' });
    expect(request.status).toBe('pending');
    expect(conversation).toBeNull();
    // The bot accepts; the kickoff, with her own brief, goes to alice, who asked.
    const kickoff = await until('the kickoff', () => alice.turns.find((t) => t.turn.kind === 'kickoff'));
    const id = kickoff.conversation.conversation_id;
    expect(kickoff.conversation).toMatchObject({ world_id: world.world_id, requester_id: alice.me, target_id: b.agentId, next_turn: alice.me });
    expect(lines).toContain(`accepting chat request ${request.request_id} from ${alice.me} in world ${world.world_id}`);

    await send(alice.client, id, 'reverse stressed');
    await until('answer 1', async () => (await talk(alice.client, id, b.agentId)).length === 3);
    await send(alice.client, id, 'count one two three');
    // Its second answer is its last (chatTurns 2): it comes with the bot's hand raised, and the end mode (dual) waits for alice's.
    const handUp = await until('the hand raised', async () => {
      const c = (await alice.client.chats.get({ conversation_id: id })).conversation;
      return c.hands_raised.includes(b.agentId) && c;
    });
    expect(handUp).toMatchObject({ status: 'active', turns_taken: 4 });
    expect(lines).toContain(`answering ${alice.me} in ${id} (turn 4), hand raised: answer 2, its last`);
    // With its hand up, what its brain has no answer to passes in silence: it does not say goodbye twice.
    await send(alice.client, id, 'still there?');
    await until('the bot passing', () => lines.includes(`nothing more to say to ${alice.me} in ${id} (turn 6), its hand is up already`));
    await alice.client.chats.end({ conversation_id: id });

    const ended = await until('the end', () => alice.ended.find((e) => e.conversation.conversation_id === id));
    expect(ended.reason).toBe('hands_raised');
    expect(await talk(alice.client, id, b.agentId)).toEqual([
      ['kickoff', 'Word games?'],
      ['alice', 'reverse stressed'],
      ['bot', 'desserts'],
      ['alice', 'count one two three'],
      ['bot', '3 words'],
      ['alice', 'still there?'],
    ]);
    await until('the bot told of the end', () => lines.includes(`conversation ${id} with ${alice.me} ended: hands_raised, after 5 turns`));
  });

  it('as the side that asked: opens with its brief, and says goodbye when its brain has nothing more to say', async () => {
    const seen: Said[] = [];
    const recording: Brain = (said, signal) => {
      seen.push(said);
      return defaultBrain(said, signal);
    };
    const b = await bot(recording);
    const alice = await human();
    // Alice's contact policy is the hub's default, open: accepted at once, and the kickoff goes to the bot.
    const { conversation } = await b.client.chats.request({ target_agent_id: alice.me, opening_message: 'upper hello there', episode_policy: { end_mode: 'either' } });
    const id = conversation!.conversation_id;
    const opened = await until('the opening line', () => alice.turns.find((t) => t.conversation.conversation_id === id && t.turn.kind === 'message'));
    expect(opened.turn).toMatchObject({ from: b.agentId, text: 'upper hello there' });

    await send(alice.client, id, 'HELLO THERE. Nice to meet you');
    const ended = await until('the end', () => alice.ended.find((e) => e.conversation.conversation_id === id));
    // Under `either`, the bot's hand alone ends it.
    expect(ended).toMatchObject({ reason: 'hands_raised', conversation: { hands_raised: [b.agentId], turns_taken: 3 } });
    expect(await talk(alice.client, id, b.agentId)).toEqual([
      ['kickoff', 'upper hello there'],
      ['bot', 'upper hello there'],
      ['alice', 'HELLO THERE. Nice to meet you'],
      ['bot', FAREWELL],
    ]);
    expect(lines).toContain(`answering ${alice.me} in ${id} (turn 3), hand raised: nothing more to say`);

    // The brain saw the brief on the kickoff, then alice's message with the transcript so far.
    const chats = seen.filter((s) => s.kind === 'chat');
    expect(chats).toHaveLength(2);
    expect(chats[0]).toMatchObject({ kind: 'chat', text: 'upper hello there', from: alice.me, turn: { kind: 'kickoff', turn: 0 } });
    expect(chats[1]).toMatchObject({ text: 'HELLO THERE. Nice to meet you', from: alice.me, turn: { kind: 'message', turn: 2 } });
    expect(chats[1]!.kind === 'chat' && chats[1]!.transcript.map((t) => t.text)).toEqual(['upper hello there', 'upper hello there', 'HELLO THERE. Nice to meet you']);
  });

  it('raises its hand too once the other side has raised hers', async () => {
    const b = await bot();
    const alice = await human();
    const { conversation } = await alice.client.chats.request({ target_agent_id: b.agentId, opening_message: 'Quick one' });
    const id = conversation!.conversation_id;
    // Her hand first, then her message: the bot answers it, and agrees to end (the default end mode, dual, needs both hands).
    await alice.client.chats.end({ conversation_id: id });
    await send(alice.client, id, 'ping');
    const ended = await until('the end', () => alice.ended.find((e) => e.conversation.conversation_id === id));
    expect(ended.reason).toBe('hands_raised');
    expect(await talk(alice.client, id, b.agentId)).toEqual([
      ['kickoff', 'Quick one'],
      ['alice', 'ping'],
      ['bot', 'pong'],
    ]);
    expect(lines).toContain(`answering ${alice.me} in ${id} (turn 2), hand raised: ${alice.me} wants to end`);
  });

  it('after a crash mid-turn, the restarted bot takes the turn that waits for it, once', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const thought: string[] = [];
    // The first bot never gets past "reverse drawer": the process "dies" holding that turn.
    const hanging: Brain = async (said, signal) => {
      thought.push(said.text);
      if (said.text === 'reverse drawer') await stuck;
      return defaultBrain(said, signal);
    };
    const alice = await human();
    const world = await newWorld(alice);
    const b1 = await bot(hanging, { world: world.world_id });
    const { conversation } = await alice.client.chats.request({
      target_agent_id: b1.agentId,
      world_id: world.world_id,
      opening_message: 'Word games',
      episode_policy: { max_turns: 4 },
    });
    const id = conversation!.conversation_id;
    await send(alice.client, id, 'ping');
    await until('answer 1', async () => (await talk(alice.client, id, b1.agentId)).length === 3);
    await send(alice.client, id, 'reverse drawer');
    await until('the brain at work', () => thought.includes('reverse drawer'));
    // The crash: the push of alice's turn was delivered to the first process, so nothing replays it; only the next one's scan finds the turn.
    await b1.client.close();

    const b2 = await bot();
    const ended = await until('the end', () => alice.ended.find((e) => e.conversation.conversation_id === id));
    expect(ended).toMatchObject({ reason: 'max_turns', conversation: { turns_taken: 4 } });
    expect(await talk(alice.client, id, b2.agentId)).toEqual([
      ['kickoff', 'Word games'],
      ['alice', 'ping'],
      ['bot', 'pong'],
      ['alice', 'reverse drawer'],
      ['bot', 'reward'],
    ]);
    expect(lines.filter((l) => l.startsWith(`answering ${alice.me} in ${id} (turn 4)`))).toHaveLength(1);
    await until('the restarted bot told of the end', () => lines.includes(`conversation ${id} with ${alice.me} ended: max_turns, after 4 turns`));
    // The first process's late answer finds its connection closed: nothing more reaches the hub.
    release();
    await b1.close();
    expect(await talk(alice.client, id, b2.agentId)).toHaveLength(5);
  });

  it('taking world-scoped requests only: the one waiting from outside a world is rejected with the reason, new ones are refused by the hub', async () => {
    const alice = await human();
    const world = await newWorld(alice);
    // First run: requests are held for approval, and this bot decides none of them.
    const b1 = await bot(undefined, { world: world.world_id, contactPolicy: 'approval_required', acceptChats: 'none' });
    const outside = await alice.client.chats.request({ target_agent_id: b1.agentId, opening_message: 'Talk outside any world?' });
    expect(outside.request.status).toBe('pending');
    await b1.close();

    const b2 = await bot(undefined, { world: world.world_id, contactPolicy: 'approval_required', acceptChats: 'world' });
    expect(await b2.client.agents.whoami()).toMatchObject({ contact_policy: 'approval_required', world_requests_only: true });
    const outbound = async (requestId: string) => (await alice.client.chats.list({ direction: 'outbound' })).requests.find((r) => r.request_id === requestId);
    const rejected = await until('the rejection', async () => {
      const r = await outbound(outside.request.request_id);
      return r?.status === 'rejected' && r;
    });
    expect(rejected.reason).toBe('helper takes chat requests made in a world only');
    expect(lines).toContain(`rejecting chat request ${outside.request.request_id} from ${alice.me}: not made in a world`);
    // The runner's own rejection, after the bot's, finds the request decided and is dropped quietly: no error is reported.
    expect(lines.filter((l) => l.startsWith('conversations:'))).toEqual([]);
    // The profile says so: the hub refuses a new one outside a world before it reaches the bot.
    await expect(alice.client.chats.request({ target_agent_id: b2.agentId, opening_message: 'And now?' })).rejects.toMatchObject({ code: 'forbidden' });

    const inside = await alice.client.chats.request({ target_agent_id: b2.agentId, world_id: world.world_id, opening_message: 'In the world, then' });
    const accepted = await until('the acceptance', async () => {
      const r = await outbound(inside.request.request_id);
      return r?.status === 'accepted' && r;
    });
    expect(accepted.conversation_id).toMatch(/^cnv_/);

    // Back to taking every request: the flag is cleared.
    await b2.close();
    const b3 = await bot(undefined, { world: world.world_id });
    expect(await b3.client.agents.whoami()).toMatchObject({ contact_policy: 'approval_required', world_requests_only: false });
  });
});
