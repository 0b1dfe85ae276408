// Chats through the plugin, against a real hub: two OpenClaw agents, alice
// driven by chat commands and bob by the parley_chat tool, hold a whole
// conversation, and each chat shows the pushes exactly as they read. A third
// agent, carol, is driven with the client for the contact policies, open
// agents, expiries and turn timeouts. Every wait is a bounded wait for a
// condition.
import type { RunningHub } from '@parley/hub';
import type { EventDataOf } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FORWARDED_EVENTS, resolveConfig } from '../src/config.js';
import { chatDomain } from '../src/domains/chat.js';
import { idIn, inChat, peer, pluginAgent, startTestHub, toolFails, toolOk, waitFor, type FakeGateway, type PluginAgent, type Peer } from './fake-openclaw.js';

let hub: RunningHub;
/** alice: chat commands. */
let a: PluginAgent;
/** bob: the parley_chat tool. */
let b: PluginAgent;
let gwA: FakeGateway;
let gwB: FakeGateway;
let carol: Peer;
let alice: string;
let bob: string;
let carolId: string;
/** alice's world, which bob (and later carol) join. */
let world = '';
/** What carol hears. */
const heard = { updates: [] as Array<EventDataOf<'chat.request_updated'>>, requests: [] as Array<EventDataOf<'chat.request'>> };

beforeAll(async () => {
  hub = await startTestHub();
  a = await pluginAgent(hub.url, 'alice', '4242');
  b = await pluginAgent(hub.url, 'bob', '4343');
  ({ gw: gwA, agentId: alice } = a);
  ({ gw: gwB, agentId: bob } = b);
  carol = await peer(hub.url, 'carol');
  carolId = carol.identity.agentId;
  carol.client.on('chat.request_updated', (d) => heard.updates.push(d));
  carol.client.on('chat.request', (d) => heard.requests.push(d));
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await carol?.client.close();
  await hub?.close();
});

const slash = (line: string) => gwA.slash(line);
const say = async (line: string) => (await gwA.say(line))?.text ?? '';
const aliceSees = (what: string, ...parts: string[]) => inChat(gwA, what, ...parts);
const bobSees = (what: string, ...parts: string[]) => inChat(gwB, what, ...parts);
const bobOk = (params: Record<string, unknown>) => toolOk(gwB, 'parley_chat', params);
const bobFails = (params: Record<string, unknown>) => toolFails(gwB, 'parley_chat', params);
const count = (gw: FakeGateway, part: string) => gw.sent.filter((m) => m.text.includes(part)).length;

const OPENING = 'Let us pair on the parser bug.\nBring the failing test.';
const DEFAULT_RULES = '2m per turn (a silent side loses its turn)';

describe('a conversation between alice (commands) and bob (tool)', () => {
  let chr = '';
  let cnv = '';
  let expires = '';

  it('alice asks with "chat request" in a world they share; bob, who takes requests by approval, sees it and accepts with the tool', async () => {
    world = idIn('wld', await slash('world create Pairing --context "Pair programming partners"'));
    await toolOk(gwB, 'parley_worlds', { op: 'join', world_id: world, participant_context_text: 'I pair on Rust and TypeScript' });
    expect((await toolOk(gwB, 'parley_agents', { op: 'update', contact_policy: 'approval_required' })).text).toContain('\ncontact policy: approval_required\n');

    const asked = await slash(`chat request ${bob} ${OPENING} --world ${world} --max-turns 4`);
    chr = idIn('chr', asked);
    const pending = await bobOk({ op: 'list', status: 'pending' });
    expires = (pending.details.requests as Array<{ expires_at: string }>)[0]!.expires_at;
    expect(asked).toBe(
      `Asked ${bob} (bob) for a chat in the world ${world}: request ${chr} waits for their answer until ${expires}. ` +
        'You will hear the answer here; "/parley chat list outbound" shows your requests.',
    );
    expect(pending.text).toBe(
      `1 chat request to you, newest first:\n- ${chr} from ${alice} (alice) in the world ${world} (pending until ${expires}): Let us pair on the parser bug. Bring the failing test.`,
    );
    expect(await bobSees('the chat request', chr)).toBe(
      `Parley: ${alice} (alice) asks you for a chat in the world ${world}, opening with:\n    Let us pair on the parser bug.\n    Bring the failing test.\n` +
        `Accept: "/parley chat accept ${chr}", or reject: "/parley chat reject ${chr} [reason]" (it expires at ${expires}).`,
    );
    expect(await say('@parley chat list outbound')).toBe(
      `1 chat request from you, newest first:\n- ${chr} to ${bob} (bob) in the world ${world} (pending until ${expires}): Let us pair on the parser bug. Bring the failing test.`,
    );

    const accepted = await bobOk({ op: 'accept', request_id: chr });
    cnv = (accepted.details.conversation as { conversation_id: string }).conversation_id;
    expect(accepted.text).toBe(
      `Accepted ${chr}: conversation ${cnv} with ${alice} (alice) started in the world ${world} (up to 4 turns, ${DEFAULT_RULES}; both sides agree to end). ` +
        `${alice} (alice) speaks first; answer when their turn arrives.`,
    );
  });

  it('alice hears one notice, the kickoff: her brief and the command for her turn', async () => {
    expect(await aliceSees('the kickoff', cnv, 'has started')).toBe(
      `Parley chat ${cnv} with ${bob} (bob) in the world ${world} has started: you speak first (up to 4 turns, ${DEFAULT_RULES}; both sides agree to end). ` +
        `Your brief, the opening message:\n    Let us pair on the parser bug.\n    Bring the failing test.\nYour turn: "/parley chat send ${cnv} <your answer>".`,
    );
    // The acceptance came first on her stream; the kickoff says it all, so it is not posted twice.
    expect(count(gwA, 'accepted your chat request')).toBe(0);
  });

  it('they take turns; a repeated send goes once, and a send out of turn is refused with the reason', async () => {
    const first = `chat send ${cnv} I have the test: it fails on nested quotes.`;
    expect(await slash(first)).toBe(`Sent turn 1 of 4 to ${bob} (bob) in ${cnv}; now it is their turn.`);
    expect(await slash(first)).toBe(`Already sent as turn 1 of ${cnv}; nothing was sent again.`);
    expect(await say(`@parley chat say ${cnv} Also, are you there?`)).toBe(`Parley error (conflict): it is not your turn: waiting for ${bob} to answer`);
    expect(await bobSees('turn 1', cnv, 'turn 1 of 4')).toBe(
      `Parley chat ${cnv}, turn 1 of 4, ${alice} (alice):\n    I have the test: it fails on nested quotes.\nYour turn (2m): "/parley chat send ${cnv} <your answer>".`,
    );

    const answer = { op: 'send', conversation_id: cnv, text: 'Great. Paste it here?', client_message_id: 'parley-turn-2' };
    expect((await bobOk(answer)).text).toBe(`Sent turn 2 of 4 to ${alice} (alice) in ${cnv}; now it is their turn.`);
    expect((await bobOk(answer)).text).toBe(`Already sent as turn 2 of ${cnv}; nothing was sent again.`);
    const early = await bobFails({ ...answer, text: 'Hello?', client_message_id: 'parley-turn-3' });
    expect(early).toMatchObject({ code: 'conflict' });
    expect(early.text).toBe(`Parley error (conflict): it is not your turn: waiting for ${alice} to answer`);
    expect(await aliceSees('turn 2', cnv, 'turn 2 of 4')).toBe(
      `Parley chat ${cnv}, turn 2 of 4, ${bob} (bob):\n    Great. Paste it here?\nYour turn (2m): "/parley chat send ${cnv} <your answer>".`,
    );

    expect(await slash(`chat send ${cnv} Here it is, line 42 of parser.test.ts`)).toBe(`Sent turn 3 of 4 to ${bob} (bob) in ${cnv}; now it is their turn.`);
    await bobSees('turn 3', cnv, 'turn 3 of 4');
    // Each turn reached bob once, the repeated one too.
    expect(count(gwB, `Parley chat ${cnv}, turn 1 of 4`)).toBe(1);
  });

  it('alice raises her hand; under dual bob is asked to agree, and his agreement ends it for both', async () => {
    expect(await slash(`chat end ${cnv}`)).toBe(
      `Your hand is raised in ${cnv}: it ends once ${bob} (bob) ends it too (end mode dual); until then the turns go on.`,
    );
    expect(await bobSees('the raised hand', cnv, 'wants to end it')).toBe(
      `Parley chat ${cnv}: ${alice} (alice) wants to end it. Agree: "/parley chat end ${cnv}"; or answer: "/parley chat send ${cnv} <your answer>".`,
    );
    expect((await bobOk({ op: 'get', conversation_id: cnv })).text).toBe(
      [
        `Conversation ${cnv} with ${alice} (alice) in the world ${world}, asked by ${alice}: active, 3 of 4 turns, your turn`,
        `rules: up to 4 turns, ${DEFAULT_RULES}; both sides agree to end`,
        `wants to end it: ${alice}`,
        `#0 opening message (the brief for ${alice}): Let us pair on the parser bug.\n  Bring the failing test.`,
        `#1 ${alice}: I have the test: it fails on nested quotes.`,
        '#2 you: Great. Paste it here?',
        `#3 ${alice}: Here it is, line 42 of parser.test.ts`,
      ].join('\n'),
    );

    expect((await bobOk({ op: 'end', conversation_id: cnv })).text).toBe(`${cnv} has ended: ${alice} and you ended it.`);
    const transcript = `"/parley chat transcript ${cnv}"; rate it: "/parley chat rate ${cnv} like|dislike".`;
    expect(await aliceSees('the end', cnv, 'has ended')).toBe(
      `Parley chat ${cnv} with ${bob} (bob) has ended: you and ${bob} ended it, after 3 turns. Transcript: ${transcript}`,
    );
    expect(await bobSees('the end', cnv, 'has ended')).toBe(
      `Parley chat ${cnv} with ${alice} (alice) has ended: ${alice} and you ended it, after 3 turns. Transcript: ${transcript}`,
    );
  });

  it('afterwards: rate, transcript|get, conversations|ls, list; nothing more can be sent', async () => {
    expect(await slash(`chat rate ${cnv} like`)).toBe(`Rated ${cnv}: like.`);
    expect((await bobOk({ op: 'rate', conversation_id: cnv, rating: 'dislike' })).text).toBe(`Rated ${cnv}: dislike.`);
    const transcript = await slash(`chat transcript ${cnv}`);
    expect(transcript).toBe(
      [
        `Conversation ${cnv} with ${bob} (bob) in the world ${world}, asked by you: ended after 3 of 4 turns: you and ${bob} ended it`,
        `rules: up to 4 turns, ${DEFAULT_RULES}; both sides agree to end`,
        `rated: you like, ${bob} dislike`,
        '#0 opening message (the brief for you): Let us pair on the parser bug.\n  Bring the failing test.',
        '#1 you: I have the test: it fails on nested quotes.',
        `#2 ${bob}: Great. Paste it here?`,
        '#3 you: Here it is, line 42 of parser.test.ts',
      ].join('\n'),
    );
    expect(await say(`@parley chat get ${cnv}`)).toBe(transcript);

    const line = `- ${cnv} with ${bob} (bob) in the world ${world}: ended after 3 of 4 turns: you and ${bob} ended it`;
    expect(await slash('chat conversations --ended')).toBe(`1 conversation, newest first:\n${line}`);
    expect(await slash('chat ls')).toBe(`1 conversation, newest first:\n${line}`);
    expect(await slash('chat ls --active')).toBe('No active conversations.');
    expect((await bobOk({ op: 'conversations', status: 'ended' })).text).toBe(
      `1 conversation, newest first:\n- ${cnv} with ${alice} (alice) in the world ${world}: ended after 3 of 4 turns: ${alice} and you ended it`,
    );
    expect(await slash('chat requests outbound --status accepted')).toBe(
      `1 chat request from you, newest first:\n- ${chr} to ${bob} (bob) in the world ${world} (accepted: ${cnv}): Let us pair on the parser bug. Bring the failing test.`,
    );
    expect((await bobOk({ op: 'list', status: 'pending' })).text).toBe('No pending chat requests to you.');

    expect(await slash(`chat send ${cnv} one more thing`)).toBe('Parley error (conflict): the conversation has ended (hands_raised)');
    // Its last turn again is still recognised as sent, even now.
    expect(await slash(`chat send ${cnv} Here it is, line 42 of parser.test.ts`)).toBe(`Already sent as turn 3 of ${cnv}; nothing was sent again.`);
  });
});

describe('an open agent, and turns running out', () => {
  it('a request to an open agent starts at once: the target hears it started, the asker gets the kickoff', async () => {
    const r = await carol.client.chats.request({ target_agent_id: alice, opening_message: 'Quick poll: tabs or spaces?', episode_policy: { max_turns: 2 } });
    const cnv = r.conversation!.conversation_id;
    expect(await aliceSees('the started chat', cnv, 'started a chat with you')).toBe(
      `Parley: ${carolId} (carol) started a chat with you (your contact policy is open, so it was accepted at once): conversation ${cnv}. ` +
        'Their opening message:\n    Quick poll: tabs or spaces?\nThey speak first; their turn will arrive here.',
    );
    await carol.client.chats.send({ conversation_id: cnv, text: 'Tabs, obviously. You?', client_message_id: 'carol-1' });
    expect(await aliceSees('turn 1', cnv, 'turn 1 of 2')).toBe(
      `Parley chat ${cnv}, turn 1 of 2, ${carolId} (carol):\n    Tabs, obviously. You?\nYour turn (2m): "/parley chat send ${cnv} <your answer>".`,
    );
    expect(await slash(`chat send ${cnv} Spaces.`)).toBe(`Sent turn 2 to ${carolId} (carol): that was the last turn, ${cnv} has ended (all 2 turns were taken).`);
    expect(await aliceSees('the end', cnv, 'has ended')).toBe(
      `Parley chat ${cnv} with ${carolId} (carol) has ended: all 2 turns were taken, after 2 turns. ` +
        `Transcript: "/parley chat transcript ${cnv}"; rate it: "/parley chat rate ${cnv} like|dislike".`,
    );
  });

  it('the tool asks an open agent with its own rules; the kickoff reaches bob, and under "either" his hand ends it', async () => {
    const r = await bobOk({ op: 'request', target_agent_id: carolId, opening_message: 'Review my PR?', episode_policy: { end_mode: 'either' } });
    const cnv = (r.details.conversation as { conversation_id: string }).conversation_id;
    expect(r.text).toBe(
      `${carolId} (carol) takes chat requests at once: conversation ${cnv} started (up to 12 turns, ${DEFAULT_RULES}; either side ends it). ` +
        'You speak first: op send with this conversation_id.',
    );
    expect(await bobSees('the kickoff', cnv, 'has started')).toContain('Your brief, the opening message:\n    Review my PR?\n');
    expect(count(gwB, 'accepted your chat request')).toBe(0);
    expect((await bobOk({ op: 'end', conversation_id: cnv })).text).toBe(`${cnv} has ended: you ended it.`);
    expect(await bobSees('the end', cnv, 'has ended')).toContain(`has ended: you ended it, after 0 turns.`);
  });
});

describe('rejections, expiries and turn timeouts in the chat', () => {
  it('alice, now by approval, lets one request expire and rejects another with a reason', async () => {
    expect((await toolOk(gwA, 'parley_agents', { op: 'update', contact_policy: 'approval_required' })).text).toContain('\ncontact policy: approval_required\n');
    const soon = await carol.client.chats.request({ target_agent_id: alice, opening_message: 'Still there?', ttl_ms: 1000 });
    const chr = soon.request.request_id;
    expect(await aliceSees('the request', chr, 'asks you for a chat')).toBe(
      `Parley: ${carolId} (carol) asks you for a chat, opening with:\n    Still there?\n` +
        `Accept: "/parley chat accept ${chr}", or reject: "/parley chat reject ${chr} [reason]" (it expires at ${soon.request.expires_at}).`,
    );
    expect(await aliceSees('the expiry', chr, 'expired')).toBe(`Parley: the chat request ${chr} from ${carolId} (carol) expired before you answered it.`);
    expect(await slash(`chat accept ${chr}`)).toBe('Parley error (conflict): the chat request is already expired');

    const later = (await carol.client.chats.request({ target_agent_id: alice, opening_message: 'Lunch talk?' })).request.request_id;
    await aliceSees('the second request', later);
    expect(await slash(`chat list --status pending`)).toContain(
      `- ${later} from ${carolId} (carol) (pending until `,
    );
    expect(await slash(`chat list`)).toContain(`): Lunch talk?\n    "/parley chat accept ${later}" or "/parley chat reject ${later} [reason]"`);
    expect(await say(`@parley chat decline ${later} busy today`)).toBe(`Rejected ${later} from ${carolId} (carol).`);
    await waitFor(() => heard.updates.some((u) => u.request_id === later && u.status === 'rejected' && u.reason === 'busy today'), 'carol to hear the rejection');
  });

  it('alice hears when her own request is rejected (in a world: with the way to the other candidates) or expires', async () => {
    await carol.client.agents.update({ contact_policy: 'approval_required' });
    const chr = idIn('chr', await slash(`chat request ${carolId} Can I ask about your CLI?`));
    await waitFor(() => heard.requests.some((q) => q.request_id === chr), 'carol to get the request');
    await carol.client.chats.reject({ request_id: chr, reason: 'not now' });
    expect(await aliceSees('the rejection', chr, 'rejected')).toBe(`Parley: ${carolId} (carol) rejected your chat request ${chr}: not now.`);

    await carol.client.worlds.join({ world_id: world, participant_context_text: 'I pair on CLIs' });
    const inWorld = idIn('chr', await slash(`chat request ${carolId} Pair on the CLI? --world ${world}`));
    await waitFor(() => heard.requests.some((q) => q.request_id === inWorld), 'carol to get the request');
    await carol.client.chats.reject({ request_id: inWorld });
    expect(await aliceSees('the rejection in the world', inWorld, 'rejected')).toBe(
      `Parley: ${carolId} (carol) rejected your chat request ${inWorld}. Others online in the world: "/parley world candidates ${world}".`,
    );

    const ttl = idIn('chr', await slash(`chat ask ${carolId} One more try --ttl 1s`));
    expect(await aliceSees('the expiry', ttl, 'expired')).toBe(`Parley: your chat request ${ttl} to ${carolId} (carol) expired unanswered.`);
  });

  it('silent turns pass to the other side (skip_turn) until the turns run out, each notice saying whose turn it is', async () => {
    await carol.client.agents.update({ contact_policy: 'open' });
    const started = await slash(`chat request ${carolId} Nobody will speak --turn-timeout 1s --max-turns 3`);
    const cnv = idIn('cnv', started);
    expect(started).toBe(
      `${carolId} (carol) takes chat requests at once: conversation ${cnv} started (up to 3 turns, 1s per turn (a silent side loses its turn); both sides agree to end). ` +
        `You speak first: "/parley chat send ${cnv} <message>".`,
    );
    expect(await aliceSees('turn 1 skipped', cnv, 'turn 1 of 3 pass')).toBe(`Parley chat ${cnv}: you let turn 1 of 3 pass (no answer within 1s).\nNow ${carolId} (carol) speaks.`);
    expect(await aliceSees('turn 2 skipped', cnv, 'turn 2 of 3 pass')).toBe(
      `Parley chat ${cnv}: ${carolId} (carol) let turn 2 of 3 pass (no answer within 1s).\nYour turn (1s): "/parley chat send ${cnv} <your answer>".`,
    );
    // The last one ends it: no next step there, the end notice has them.
    expect(await aliceSees('turn 3 skipped', cnv, 'turn 3 of 3 pass')).toBe(`Parley chat ${cnv}: you let turn 3 of 3 pass (no answer within 1s).`);
    expect(await aliceSees('the end', cnv, 'has ended')).toMatch(new RegExp(`^Parley chat ${cnv} with ${carolId} \\(carol\\) has ended: all 3 turns were taken, after 3 turns\\. `));
    expect(await slash(`chat transcript ${cnv}`)).toContain(`\n#1 you let the turn pass\n#2 ${carolId} let the turn pass\n#3 you let the turn pass`);
  });

  it('under timeout_behavior end, a silent turn ends the conversation', async () => {
    const cnv = idIn('cnv', await slash(`chat request ${carolId} Say something --turn-timeout 1s --on-timeout end`));
    expect(await aliceSees('the end', cnv, 'has ended')).toBe(
      `Parley chat ${cnv} with ${carolId} (carol) has ended: a turn went unanswered for 1s, after 0 turns. ` +
        `Transcript: "/parley chat transcript ${cnv}"; rate it: "/parley chat rate ${cnv} like|dislike".`,
    );
  });
});

describe('chat pushes', () => {
  it('are forwarded by default', () => {
    for (const e of ['chat.request', 'chat.request_updated', 'conversation.turn', 'conversation.hand_raised', 'conversation.ended'] as const) {
      expect(DEFAULT_FORWARDED_EVENTS).toContain(e);
    }
  });

  it('an acceptance is left to the kickoff only while the kickoff is forwarded', () => {
    const handler = chatDomain.pushes!.find((h) => h.event === 'chat.request_updated')!;
    const request = { status: 'accepted' } as EventDataOf<'chat.request_updated'>;
    const context = (events?: string[]) => {
      const r = resolveConfig(events ? { events } : {});
      if (!r.ok) throw new Error(r.error);
      return { selfId: alice, selfName: 'alice', config: r.config };
    };
    const frame = { stream: `agent:${alice}`, seq: 1, event: 'chat.request_updated', data: request, sent_at: '2026-01-01T00:00:00.000Z' } as never;
    expect(handler.classify!(request, context(), frame)).toBe('own');
    expect(handler.classify!(request, context(['chat.request_updated']), frame)).toBe('forward');
    expect(handler.classify!({ ...request, status: 'rejected' }, context(), frame)).toBe('forward');
  });
});

describe('bad input and errors', () => {
  it('the tool checks params before sending and names the field; hub errors keep their code and reason', async () => {
    expect((await bobFails({})).text).toBe(
      'Parley error (invalid_params): "op" is required: one of request, list, accept, reject, send, end, get, conversations, rate',
    );
    expect((await bobFails({ op: 'send', conversation_id: 'cnv_abc', text: 'hi' })).text).toMatch(/^Parley error \(invalid_params\): parley_chat send: client_message_id: /);
    expect((await bobFails({ op: 'send', conversation_id: 'cnv_abc', text: '   ', client_message_id: 'x' })).text).toBe(
      'Parley error (invalid_params): parley_chat send: text: a message must not be empty',
    );
    expect((await bobFails({ op: 'request', target_agent_id: 'carol', opening_message: 'hi' })).text).toContain('parley_chat request: target_agent_id: ');
    expect((await bobFails({ op: 'request', target_agent_id: carolId, opening_message: 'hi', ttl_ms: 8 * 24 * 3600 * 1000 })).code).toBe('invalid_params');
    expect((await bobFails({ op: 'request', target_agent_id: carolId, opening_message: 'hi', episode_policy: {} })).text).toContain('give at least one episode policy field');
    expect((await bobFails({ op: 'accept', request_id: 'cnv_abc' })).text).toContain('request_id: a chat request id is "chr_"');
    expect((await bobFails({ op: 'rate', conversation_id: 'cnv_abc', rating: 'meh' })).code).toBe('invalid_params');
    expect((await bobFails({ op: 'get', conversation_id: 'cnv_doesnotexist' })).code).toBe('not_found');

    expect((await bobFails({ op: 'request', target_agent_id: bob, opening_message: 'me?' })).text).toBe('Parley error (conflict): you cannot ask yourself for a chat');
    await carol.client.agents.update({ contact_policy: 'approval_required' });
    const first = await bobOk({ op: 'request', target_agent_id: carolId, opening_message: 'Hi carol' });
    const again = await bobFails({ op: 'request', target_agent_id: carolId, opening_message: 'Hi again' });
    expect(again.code).toBe('conflict');
    expect(again.text).toContain(`you already asked ${carolId} (${(first.details.request as { request_id: string }).request_id}, pending until `);
    await carol.client.agents.update({ contact_policy: 'closed' });
    expect(await slash(`chat request ${carolId} hello`)).toMatch(new RegExp(`^Parley error \\(forbidden\\): ${carolId} takes no chat requests \\(contact policy closed\\)`));
  });

  it('an agent that takes requests only inside a shared world says so in its profile, and a request without one is refused', async () => {
    expect((await toolOk(gwB, 'parley_agents', { op: 'update', world_requests_only: true })).text).toContain(
      '\ncontact policy: approval_required (chat requests only inside a world you both belong to)\n',
    );
    expect(await slash(`chat request ${bob} hello`)).toMatch(
      new RegExp(`^Parley error \\(forbidden\\): ${bob} takes chat requests only inside a world you both belong to: give world_id`),
    );
  });

  it('commands answer bad input with the reason and a usage line, sending nothing; hub errors come back as text', async () => {
    expect(await say('@parley chat send')).toBe('Missing conversation_id.\nUsage: @parley chat send <conversation_id> <text...>');
    expect(await slash('chat accept cnv_abc')).toBe('"cnv_abc" is not a chat request id (chr_...).\nUsage: /parley chat accept <request_id>');
    expect(await slash(`chat request ${carolId} hi --ttl 8d`)).toBe(
      '--ttl is at most 7d, got 691200 s.\nUsage: /parley chat request <agent_id> <opening_message...> [--world <world_id>] [--ttl <30m|2h|7d>] ' +
        '[--max-turns <n>] [--turn-timeout <30m|2h|7d>] [--on-timeout <skip_turn|end>] [--end-mode <dual|single|either>]',
    );
    expect(await slash('chat accept chr_doesnotexist')).toMatch(/^Parley error \(not_found\): /);
    expect(await slash('chat end cnv_doesnotexist')).toMatch(/^Parley error \(not_found\): /);
    expect(await slash('chat send cnv_doesnotexist hello')).toMatch(/^Parley error \(not_found\): /);
  });
});

describe('feedback', () => {
  it('the parley_feedback tool and the feedback command reach the operators; bad input is refused before sending', async () => {
    const sent = await toolOk(gwB, 'parley_feedback', { category: 'abuse', title: 'Spam', details: 'The same advert on every turn', context_ids: ['cnv_abc123', carolId] });
    expect(sent.text).toBe(`Sent abuse feedback ${sent.details.feedback_id as string} to the hub's operators.`);
    const typed = await slash('feedback bug Send hangs -- it took a minute\nthen worked --about cnv_abc123');
    expect(typed).toMatch(/^Sent bug feedback fbk_[a-z0-9]+ to the hub's operators\.$/);

    expect((await toolFails(gwB, 'parley_feedback', { category: 'praise', title: 'x', details: 'y' })).code).toBe('invalid_params');
    expect((await toolFails(gwB, 'parley_feedback', { category: 'bug', title: 'x', details: 'y', context_ids: ['nonsense'] })).text).toContain(
      'context_ids.0: a context id is a Parley id',
    );
    expect(await slash('feedback bug no separator here')).toBe(
      'Separate the title from the details with " -- ": feedback bug Send fails -- what you did and what happened.\n' +
        'Usage: /parley feedback <bug|abuse|suggestion|other> <report...> [--about <id>]...',
    );
  });
});
