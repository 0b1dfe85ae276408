import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Streams } from '../src/core/streams.js';
import { PresenceNotifier } from '../src/domains/notification/index.js';
import type { RunningHub } from '../src/index.js';
import { type Frame, type RawClient, type TestAgent, connectAgent, ok, register, rpc, startTestHub } from './helpers.js';

type Presence = { agent_id: string; online: boolean; at: string };
type PollResult = { pushes: Frame[]; cursors: Record<string, number>; has_more: boolean };

/** The agent.presence pushes about `agentId` a client has received, in order. */
const presenceOf = (client: RawClient, agentId: string): boolean[] =>
  client
    .pushes()
    .filter((f) => f.event === 'agent.presence' && (f.data as Presence).agent_id === agentId)
    .map((f) => (f.data as Presence).online);

describe('agent.presence pushes', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('reach co-members who switched them on, for the first session opened and the last one closed only', async () => {
    const subject = await register(hub, 'subject');
    const listener = await register(hub, 'listener');
    const silent = await register(hub, 'silent');
    const stranger = await register(hub, 'stranger');
    const topicId = ok<{ topic_id: string }>((await rpc(hub, subject, 'topic/create', { name: 'shared' })).body).topic_id;
    for (const a of [listener, silent]) ok((await rpc(hub, a, 'topic/join', { topic_id: topicId })).body);
    // The stranger wants presence too, but shares no topic with the subject.
    ok((await rpc(hub, stranger, 'topic/create', { name: 'elsewhere' })).body);
    for (const a of [listener, stranger]) ok((await rpc(hub, a, 'notification/subscription/set', { event: 'agent.presence', enabled: true })).body);

    const watchers = new Map<TestAgent, RawClient>();
    for (const a of [listener, silent, stranger]) watchers.set(a, (await connectAgent(hub, a)).client);
    const heard = watchers.get(listener)!;
    const waitPresence = (n: number) => heard.waitUntil(() => presenceOf(heard, subject.agentId).length >= n, 5000, `${n} presence pushes`);

    // Two sessions: online once. Closing one of them: still online.
    const first = await connectAgent(hub, subject);
    await waitPresence(1);
    const second = await connectAgent(hub, subject);
    first.client.close();
    await first.client.waitClose();
    second.client.close();
    await second.client.waitClose();
    await waitPresence(2);
    const push = heard.pushes().find((f) => f.event === 'agent.presence' && (f.data as Presence).agent_id === subject.agentId)!;
    expect(push.stream).toBe(`agent:${listener.agentId}`);
    expect(Number.isNaN(Date.parse((push.data as Presence).at))).toBe(false);

    // Announcements about one agent go out one after another, so once this one
    // has arrived every earlier one has been stored for every receiver.
    const third = await connectAgent(hub, subject);
    await waitPresence(3);
    expect(presenceOf(heard, subject.agentId)).toEqual([true, false, true]);
    for (const a of [silent, stranger]) {
      expect(presenceOf(watchers.get(a)!, subject.agentId)).toEqual([]);
      // Nothing stored either (not merely not sent live).
      const polled = ok<PollResult>((await rpc(hub, a, 'inbox/poll', {})).body);
      expect(polled.pushes.filter((p) => p.event === 'agent.presence' && (p.data as Presence).agent_id === subject.agentId)).toEqual([]);
    }

    // Switched off: no more pushes. A second listener witnesses when the announcements happened.
    const witness = await register(hub, 'witness');
    ok((await rpc(hub, witness, 'topic/join', { topic_id: topicId })).body);
    ok((await rpc(hub, witness, 'notification/subscription/set', { event: 'agent.presence', enabled: true })).body);
    const seen = (await connectAgent(hub, witness)).client;
    ok((await rpc(hub, listener, 'notification/subscription/set', { event: 'agent.presence', enabled: false })).body);
    third.client.close();
    await seen.waitUntil(() => presenceOf(seen, subject.agentId).length >= 1, 5000, 'offline at the witness');
    ok((await rpc(hub, listener, 'notification/subscription/set', { event: 'agent.presence', enabled: true })).body);
    const fourth = await connectAgent(hub, subject);
    await seen.waitUntil(() => presenceOf(seen, subject.agentId).length >= 2, 5000, 'online at the witness');
    await waitPresence(4);
    expect(presenceOf(seen, subject.agentId)).toEqual([false, true]);
    // The offline went out while the listener had presence off; the reconnect after it was switched back on.
    expect(presenceOf(heard, subject.agentId)).toEqual([true, false, true, true]);

    fourth.client.close();
    seen.close();
    for (const c of watchers.values()) c.close();
  });
});

describe('who presence costs', () => {
  // Shaped like the real TopicService and NotificationService parts PresenceNotifier uses.
  const scene = (listeners: string[]) => {
    const calls: string[] = [];
    const appended: string[] = [];
    const notifier = new PresenceNotifier(
      { append: async (stream: string) => void appended.push(stream) } as unknown as Streams,
      {
        coMemberIds: async () => (calls.push('coMemberIds'), Array.from({ length: 5000 }, (_, i) => `agt_m${i}`)),
        coMembersAmong: async (_agent: string, candidates: readonly string[]) => (calls.push('coMembersAmong'), candidates.filter((c) => c !== 'agt_far')),
      },
      {
        optedIn: async () => (calls.push('optedIn'), listeners),
        receiversOf: async () => (calls.push('receiversOf'), []),
      },
      pino({ level: 'silent' }),
    );
    return { notifier, calls, appended };
  };

  it('with nobody listening, a connect reads no member list at all', async () => {
    const { notifier, calls, appended } = scene([]);
    notifier.changed('agt_subject', true);
    await notifier.idle();
    expect(calls).toEqual(['optedIn']);
    expect(appended).toEqual([]);
  });

  it('with listeners, only they are checked for a shared topic, and only those sharing one hear it', async () => {
    const { notifier, calls, appended } = scene(['agt_near', 'agt_far']);
    notifier.changed('agt_subject', false);
    await notifier.idle();
    expect(calls).toEqual(['optedIn', 'coMembersAmong']);
    expect(appended).toEqual(['agent:agt_near']);
  });
});
