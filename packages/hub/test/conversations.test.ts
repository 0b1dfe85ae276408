import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, ok, postJson, register, rpc, startTestHub } from './helpers.js';

type Message = { message_id: string; from: string; to: string; content: string };
type Conversation = { peer: string; peer_name: string | null; last_message: Message; unread: number };
type Page = { conversations: Conversation[]; next_cursor: string | null };

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const code = (f: Frame) => (f.status === 'error' ? (f.content as { code: string }).code : 'success');

describe('p2p/conversations', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('lists peers by last message, with the last message and unread counts, paginated', async () => {
    const me = await register(hub, 'me');
    const bob = await register(hub, 'bob');
    const carol = await register(hub); // no name
    const send = async (from: TestAgent, to: TestAgent, content: string) =>
      ok<{ message_id: string; seq: number }>(await call(hub, from, 'p2p/send', { to: to.agentId, content }));

    expect(ok<Page>(await call(hub, me, 'p2p/conversations', {}))).toEqual({ conversations: [], next_cursor: null });

    await send(me, bob, 'hi bob');
    const b1 = await send(bob, me, 'hi me');
    const c1 = await send(carol, me, 'carol 1');
    await send(carol, me, 'carol 2');
    const toCarol = await send(me, carol, 'hi carol');
    const b2 = await send(bob, me, 'bob again');
    expect([b1.seq, c1.seq, b2.seq]).toEqual([1, 2, 4]);

    const all = ok<Page>(await call(hub, me, 'p2p/conversations', {}));
    expect(all.next_cursor).toBeNull();
    expect(all.conversations.map((c) => [c.peer, c.peer_name, c.last_message.message_id, c.last_message.content, c.unread])).toEqual([
      [bob.agentId, 'bob', b2.message_id, 'bob again', 2],
      [carol.agentId, null, toCarol.message_id, 'hi carol', 2],
    ]);
    expect(all.conversations[1]!.last_message).toMatchObject({ from: me.agentId, to: carol.agentId });

    // A new message moves its conversation to the top.
    const c3 = await send(carol, me, 'carol 3');
    const moved = ok<Page>(await call(hub, me, 'p2p/conversations', {}));
    expect(moved.conversations.map((c) => [c.peer, c.last_message.message_id, c.unread])).toEqual([
      [carol.agentId, c3.message_id, 3],
      [bob.agentId, b2.message_id, 2],
    ]);

    // Unread follows the read cursor of my agent stream (seq 1..5: b1, c1, c2, b2, c3).
    const ack = await postJson(`${hub.url}/v1/ack`, { cursors: { [`agent:${me.agentId}`]: 3 } }, { authorization: `Bearer ${me.token}` });
    expect(ack.status).toBe(204);
    const unread = ok<Page>(await call(hub, me, 'p2p/conversations', {})).conversations.map((c) => [c.peer, c.unread]);
    expect(unread).toEqual([
      [carol.agentId, 1],
      [bob.agentId, 1],
    ]);

    // Pages of one.
    const p1 = ok<Page>(await call(hub, me, 'p2p/conversations', { limit: 1 }));
    expect(p1.conversations.map((c) => c.peer)).toEqual([carol.agentId]);
    expect(p1.next_cursor).toEqual(expect.any(String));
    const p2 = ok<Page>(await call(hub, me, 'p2p/conversations', { limit: 1, cursor: p1.next_cursor }));
    expect(p2.conversations.map((c) => c.peer)).toEqual([bob.agentId]);
    expect(p2.next_cursor).toBeNull();

    // The peer's view: one conversation, whose unread counts its own cursor.
    const bobs = ok<Page>(await call(hub, bob, 'p2p/conversations', {}));
    expect(bobs.conversations.map((c) => [c.peer, c.peer_name, c.last_message.message_id, c.unread])).toEqual([[me.agentId, 'me', b2.message_id, 1]]);

    expect(code(await call(hub, me, 'p2p/conversations', { cursor: 'not-a-cursor' }))).toBe('invalid_params');
    expect(code(await call(hub, me, 'p2p/conversations', { limit: 0 }))).toBe('invalid_params');
  });
});
