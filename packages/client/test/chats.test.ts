import type { ChatConversation, ConversationEndReason, Turn } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { ParleyClient } from '../src/client.js';
import type { Identity } from '../src/identity.js';
import { agent, client, sleep, waitFor } from './helpers/env.js';
import { useHubBehindProxy } from './helpers/fixture.js';

/**
 * client.chats.onConversation against a real hub: two agents hold a
 * conversation with nothing but their handlers, a turn that came while a
 * runner was away is taken by the next one, a lost turn drops its answer.
 */
const env = useHubBehindProxy();

async function connected(name: string, identity?: Identity): Promise<ParleyClient> {
  const c = client(env.hub.url, identity ?? (await agent(env.hub.url, name)));
  await c.connect();
  return c;
}

function collect(): { errors: string[]; ended: Array<[string, ConversationEndReason]>; onError: (e: Error) => void; onEnded: (c: ChatConversation, r: ConversationEndReason) => void } {
  const errors: string[] = [];
  const ended: Array<[string, ConversationEndReason]> = [];
  return { errors, ended, onError: (e) => errors.push(e.message), onEnded: (c, r) => ended.push([c.conversation_id, r]) };
}

describe('client.chats.onConversation', () => {
  it('two handlers hold a whole conversation: kickoff, alternating answers, the end reported to both', async () => {
    const ann = await connected('ann');
    const bo = await connected('bo');
    await bo.agents.update({ contact_policy: 'approval_required' });
    const seenByAnn: Turn[] = [];
    const a = collect();
    const b = collect();
    const annRunner = ann.chats.onConversation({ onEnded: a.onEnded, onError: a.onError }, (conv) => {
      seenByAnn.push(conv.turn);
      return `ann ${conv.conversation.turns_taken + 1}`;
    });
    const boRunner = bo.chats.onConversation({ accept: true, onEnded: b.onEnded, onError: b.onError }, async (conv) => {
      const transcript = await conv.transcript();
      return `bo ${conv.conversation.turns_taken + 1} after ${transcript.length - 1}`;
    });

    const { request } = await ann.chats.request({ target_agent_id: bo.agentId, opening_message: 'Plan a picnic', episode_policy: { max_turns: 5 } });
    expect(request.status).toBe('pending');
    await waitFor(() => a.ended.length === 1 && b.ended.length === 1, 'both sides to see the end');
    const conversationId = a.ended[0]![0];
    expect(a.ended).toEqual([[conversationId, 'max_turns']]);
    expect(b.ended).toEqual([[conversationId, 'max_turns']]);

    const { turns, conversation } = await bo.chats.get({ conversation_id: conversationId });
    expect(turns.map((t) => [t.kind, t.text])).toEqual([
      ['kickoff', 'Plan a picnic'],
      ['message', 'ann 1'],
      ['message', 'bo 2 after 1'],
      ['message', 'ann 3'],
      ['message', 'bo 4 after 3'],
      ['message', 'ann 5'],
    ]);
    // Each answer carries the id of the turn it answers: a resend is kept once by the hub.
    expect(turns.slice(1).map((t) => t.client_message_id)).toEqual(['parley-turn-1', 'parley-turn-2', 'parley-turn-3', 'parley-turn-4', 'parley-turn-5']);
    expect(conversation).toMatchObject({ status: 'ended', ended_reason: 'max_turns', turns_taken: 5 });
    // Ann's first turn was the kickoff with the brief; then Bo's messages.
    expect(seenByAnn.map((t) => t.kind)).toEqual(['kickoff', 'message', 'message']);
    expect(seenByAnn[0]!.text).toBe('Plan a picnic');
    expect([...a.errors, ...b.errors]).toEqual([]);
    await Promise.all([annRunner.stop(), boRunner.stop()]);
  });

  it('a turn that came while no runner was there is taken by the next one (a restarted bot)', async () => {
    const annId = await agent(env.hub.url, 'ann');
    const ann = await connected('ann', annId);
    const bo = await connected('bo');
    const { conversation } = await ann.chats.request({ target_agent_id: bo.agentId, opening_message: 'Hello?' });
    expect(conversation).not.toBeNull();
    // Ann speaks first by hand, then her process is gone; Bo answers while she is away.
    await ann.chats.send({ conversation_id: conversation!.conversation_id, text: 'Hi Bo', client_message_id: 'first' });
    await ann.close();
    await bo.chats.send({ conversation_id: conversation!.conversation_id, text: 'Hi Ann, still there?', client_message_id: 'b1' });

    // A new process for Ann: nothing is pushed again, the scan finds the waiting turn.
    const again = await connected('ann', annId);
    const got: Turn[] = [];
    const runner = again.chats.onConversation((conv) => {
      got.push(conv.turn);
      return { text: 'Yes, back now', end: true };
    });
    await waitFor(() => got.length === 1, 'the waiting turn');
    expect(got[0]).toMatchObject({ kind: 'message', from: bo.agentId, text: 'Hi Ann, still there?' });
    let t = await bo.chats.get({ conversation_id: conversation!.conversation_id });
    for (let i = 0; i < 100 && t.conversation.hands_raised.length === 0; i++) {
      await sleep(20);
      t = await bo.chats.get({ conversation_id: conversation!.conversation_id });
    }
    expect(t.turns.map((x) => x.text)).toEqual(['Hello?', 'Hi Bo', 'Hi Ann, still there?', 'Yes, back now']);
    // The default end mode is dual: Ann's hand is up, Bo's is not.
    expect(t.conversation).toMatchObject({ status: 'active', hands_raised: [again.agentId] });
    await runner.stop();
  });

  it('a handler that is too slow loses its turn: it is aborted and its late answer dropped, the next turn answered afresh', async () => {
    const ann = await connected('ann');
    const bo = await connected('bo');
    const aborted: unknown[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const slow = ann.chats.onConversation((conv) => {
      if (conv.turn.kind !== 'kickoff') return 'fresh answer';
      return new Promise<string>((resolve) => {
        conv.signal.addEventListener('abort', () => {
          aborted.push(conv.signal.reason);
          // Answers anyway, once it is Ann's turn again: the runner must not send this as the new turn's answer.
          void released.then(() => resolve('too late'));
        });
      });
    });
    const { conversation } = await ann.chats.request({
      target_agent_id: bo.agentId,
      opening_message: 'Think hard',
      episode_policy: { turn_timeout_ms: 1000, timeout_behavior: 'skip_turn', max_turns: 6 },
    });
    const id = conversation!.conversation_id;
    await waitFor(() => aborted.length === 1, 'the abort after the turn timed out', 5000);
    await bo.chats.send({ conversation_id: id, text: 'your turn again', client_message_id: 'b1' });
    release();
    let turns: Turn[] = [];
    for (let i = 0; i < 100 && turns.length < 4; i++) {
      await sleep(20);
      turns = (await bo.chats.get({ conversation_id: id })).turns;
    }
    expect(turns.map((t) => [t.kind, t.text])).toEqual([
      ['kickoff', 'Think hard'],
      ['skipped', ''],
      ['message', 'your turn again'],
      ['message', 'fresh answer'],
    ]);
    await slow.stop();
  });

  it('accept can decide per request; a rejected request never starts a conversation', async () => {
    const ann = await connected('ann');
    const bo = await connected('bo');
    await bo.agents.update({ contact_policy: 'approval_required' });
    const asked: string[] = [];
    const runner = bo.chats.onConversation(
      {
        accept: (r) => {
          asked.push(r.opening_message);
          return r.opening_message.includes('please') ? true : { reject: 'say please' };
        },
      },
      () => 'ok',
    );
    const rude = await ann.chats.request({ target_agent_id: bo.agentId, opening_message: 'talk now' });
    await waitFor(() => asked.length === 1, 'the decision');
    let req = (await ann.chats.list({ direction: 'outbound' })).requests[0];
    for (let i = 0; i < 100 && req?.status === 'pending'; i++) {
      await sleep(20);
      req = (await ann.chats.list({ direction: 'outbound' })).requests[0];
    }
    expect(req).toMatchObject({ request_id: rude.request.request_id, status: 'rejected', reason: 'say please' });
    const polite = await ann.chats.request({ target_agent_id: bo.agentId, opening_message: 'talk, please' });
    await waitFor(() => asked.length === 2, 'the second decision');
    let status = '';
    for (let i = 0; i < 100 && status !== 'accepted'; i++) {
      status = (await ann.chats.list({ direction: 'outbound', status: 'accepted' })).requests[0]?.status ?? '';
      await sleep(20);
    }
    expect(status).toBe('accepted');
    expect((await ann.chats.list({ direction: 'outbound', status: 'accepted' })).requests[0]!.request_id).toBe(polite.request.request_id);
    await runner.stop();
  });
});
