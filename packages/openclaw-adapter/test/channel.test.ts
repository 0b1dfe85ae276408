// The Parley channel against a real hub: what the agent answers by itself
// (direct messages, mentions, chat turns, delegated requests) arrives as an
// inbound message of the channel and its reply goes back as the matching
// Parley action, once; the channel's outbound send reaches every kind of
// Parley target. Only the gateway is faked (fake-openclaw.ts), shaped like
// the real one: its session keys, its inbound context, its dedupe of message
// ids, its no-model error payload, its start and stop order.
import type { EventDataOf } from '@parley/protocol';
import type { RunningHub } from '@parley/hub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeGateway, gatewayWithPlugin, peer, startTestHub, tempDir, toolFails, toolOk, waitFor, type FakeGateway, type FakeInboundContext, type Peer } from './fake-openclaw.js';
import type { ParleyPluginRuntime } from '../src/plugin.js';
import { registerParley, registerParleyAccounts } from '../src/index.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InboundDispatcher, type InboundEvent } from '../src/inbound.js';
import { voteOf, type TargetCaller } from '../src/targets.js';
import { SOLO_GOVERNANCE } from './governance-flow.js';

let hub: RunningHub;
let bob: Peer;
const heard: Array<EventDataOf<'p2p.message'>> = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  // One vote passes a proposal and elects a member: the agent alone can be the committee.
  hub = await startTestHub({ governance: SOLO_GOVERNANCE });
  bob = await peer(hub.url, 'bob');
  bob.client.on('p2p.message', (m) => heard.push(m));
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

afterAll(async () => {
  await bob?.client.close();
  await hub?.close();
});

async function agentWith(agent: Record<string, unknown>, extra: Record<string, unknown> = {}, seenInbound?: Set<string>, dir?: string) {
  let stateDir = dir;
  if (!stateDir) {
    const d = await tempDir();
    cleanups.push(d.remove);
    stateDir = d.path;
  }
  const { gw, runtime } = gatewayWithPlugin(
    { hubUrl: hub.url, agentName: 'claw', route: { channel: 'telegram', to: '4242' }, rateLimit: { burst: 500, perMinute: 6000 }, agent, ...extra },
    stateDir,
    {},
    seenInbound ? { seenInbound } : {},
  );
  await gw.startServices();
  cleanups.push(() => gw.stopServices());
  await waitFor(() => runtime.connection?.state === 'connected', 'the plugin to connect');
  return { gw, runtime, dir: stateDir, agentId: runtime.connection!.agentId! };
}

const dmsFrom = (from: string) => heard.filter((m) => m.from === from).map((m) => m.content);

/** Unread events of the agent (inbox/poll without marking them read is not a thing: the unread count of the DM conversation). */
async function unreadFrom(runtime: ParleyPluginRuntime, who: string): Promise<number> {
  const r = await runtime.call('p2p/conversations', {});
  return r.conversations.find((c) => c.peer === who)?.unread ?? 0;
}

describe('the Parley channel', () => {
  it('is registered, and its account runs while the gateway does', async () => {
    const { gw } = await agentWith({});
    const ch = gw.channels.get('parley')!;
    expect(ch.meta.label).toBe('Parley');
    expect(ch.capabilities.chatTypes).toEqual(['direct', 'group']);
    expect(ch.config.listAccountIds({})).toEqual(['default']);
    await waitFor(() => gw.channelStatus.get('parley:default')?.lifecycle === 'ready', 'the account to be ready');
    expect(gw.channelStatus.get('parley:default')).toMatchObject({ running: true, connected: true, configured: true });
    await gw.stopServices();
    expect(gw.channelStatus.get('parley:default')).toMatchObject({ running: false, lifecycle: 'stopped' });
  });

  it("follows the connection when the gateway keeps a later registration's channel (it registers the plugin twice: full, then discovery)", async () => {
    const d = await tempDir();
    cleanups.push(d.remove);
    const config = { hubUrl: hub.url, agentName: 'twice', agent: { directMessages: true } };
    const gw = fakeGateway(config, d.path);
    registerParley(gw.api);
    const discovery = fakeGateway(config, d.path);
    registerParley({ ...discovery.api, registrationMode: 'discovery' });
    // The gateway runs the full registration's service and the discovery registration's channel.
    gw.channels.set('parley', discovery.channels.get('parley')!);
    gw.agent = () => ['from the right runtime'];
    await gw.startServices();
    cleanups.push(() => gw.stopServices());
    await waitFor(() => gw.channelStatus.get('parley:default')?.connected === true, 'the channel to see the connection');
    const agentId = String(gw.channelStatus.get('parley:default')!.agentId);
    await bob.client.p2p.send({ to: agentId, content: 'are you wired right?' });
    await waitFor(() => dmsFrom(agentId).includes('from the right runtime'), 'the answer');
  });

  it('several Parley accounts in one gateway: each its own identity, channel account, tool and command account, inbound and outbound', async () => {
    const d = await tempDir();
    cleanups.push(d.remove);
    const config = { hubUrl: hub.url, agentName: 'home-claw', agent: { directMessages: true }, accounts: { work: { agentName: 'work-claw' } } };
    const gw = fakeGateway(config, d.path);
    const runtimes = registerParleyAccounts(gw.api);
    gw.agent = (ctx) => [`${ctx.AccountId} heard: ${ctx.Body}`];
    await gw.startServices();
    cleanups.push(() => gw.stopServices());
    await waitFor(() => [...runtimes.values()].every((r) => r.connection?.state === 'connected'), 'both accounts to connect');
    const home = runtimes.get('default')!.connection!.agentId!;
    const work = runtimes.get('work')!.connection!.agentId!;
    expect(home).not.toBe(work);
    expect(existsSync(join(d.path, 'parley', 'accounts', 'work', 'identity.json'))).toBe(true);
    expect((await bob.client.agents.get({ agent_id: work })).name).toBe('work-claw');
    expect(gw.channels.get('parley')!.config.listAccountIds({})).toEqual(['default', 'work']);
    await waitFor(() => gw.channelStatus.get('parley:work')?.connected === true, 'the work channel account');

    // Tools take the account; commands "--account <id>".
    expect((await toolOk(gw, 'parley_agents', { op: 'whoami', account: 'work' })).text).toContain(work);
    expect((await toolOk(gw, 'parley_agents', { op: 'whoami' })).text).toContain(home);
    expect((await toolFails(gw, 'parley_agents', { op: 'whoami', account: 'nope' })).text).toContain('unknown account "nope"');
    expect(await gw.slash('--account work whoami')).toContain(work);
    expect(await gw.slash('--account=nope whoami')).toBe('No Parley account "nope": the accounts are default, work.');

    // A DM to the work identity is the work account's inbound message, and its answer comes from there.
    const bobId = bob.identity.agentId;
    await bob.client.p2p.send({ to: work, content: 'hi work' });
    await waitFor(() => dmsFrom(work).includes('work heard: hi work'), 'the work answer');
    expect(gw.inbound.find((c) => c.Body === 'hi work')).toMatchObject({ AccountId: 'work', SessionKey: `agent:main:parley:work:direct:${bobId}` });
    expect(dmsFrom(home)).toEqual([]);
    await gw.channelSend('parley', { to: bobId, text: 'from work via send', accountId: 'work' });
    await waitFor(() => dmsFrom(work).includes('from work via send'), 'the send as work');
    await expect(gw.channelSend('parley', { to: bobId, text: 'x', accountId: 'nope' })).rejects.toThrow(/no Parley account "nope"/);
  });

  it('leaves the agent out by default: a direct message only reaches the chat', async () => {
    const { gw, agentId } = await agentWith({});
    gw.agent = () => ['should not be asked'];
    await bob.client.p2p.send({ to: agentId, content: 'just for the human' });
    await waitFor(() => gw.sent.some((m) => m.text.includes('just for the human')), 'the message in the chat');
    expect(gw.inbound).toEqual([]);
  });

  it('direct messages: the agent gets them in a session per peer and its reply goes back as a direct message, once', async () => {
    const { gw, runtime, agentId } = await agentWith({ directMessages: true });
    gw.agent = (ctx: FakeInboundContext) => [`you said: ${ctx.Body}`];
    const bobId = bob.identity.agentId;
    await bob.client.p2p.send({ to: agentId, content: 'ping 1' });
    await waitFor(() => dmsFrom(agentId).includes('you said: ping 1'), 'the reply at bob');
    const ctx = gw.inbound[0]!;
    expect(ctx).toMatchObject({
      Provider: 'parley',
      From: `parley:${bobId}`,
      To: `parley:${bobId}`,
      SenderId: bobId,
      ChatType: 'direct',
      AccountId: 'default',
      SessionKey: `agent:main:parley:default:direct:${bobId}`,
      Body: 'ping 1',
      CommandInterpretationSuppressed: true,
    });
    expect(ctx.MessageSid).toMatch(/^msg_/);
    expect(ctx.BodyForAgent).toContain(`Parley direct message from ${bobId}:\nping 1`);
    // The human still sees it, and what the agent answered; once the agent has it, it is read.
    await waitFor(() => gw.sent.some((m) => m.text.includes('ping 1')), 'the message in the chat');
    await waitFor(() => gw.sent.some((m) => m.text === `Parley: your agent answered ${bobId}'s direct message by itself:\nyou said: ping 1`), 'the answer in the chat');
    await waitFor(async () => (await unreadFrom(runtime, bobId)) === 0, 'the message to be read');
    expect(dmsFrom(agentId).filter((t) => t === 'you said: ping 1')).toHaveLength(1);
  });

  it('a gateway without a model: its error notice is not sent to the peer', async () => {
    const { gw, agentId, runtime } = await agentWith({ directMessages: true });
    await bob.client.p2p.send({ to: agentId, content: 'anyone there?' });
    await waitFor(() => gw.inbound.some((c) => c.Body === 'anyone there?'), 'the inbound message');
    await waitFor(() => gw.logs.some((l) => l.level === 'warn' && l.message.includes('the agent could not answer')), 'the warning');
    // Nor the gateway's "couldn't produce a reply" notice: the channel marks the no-send as its own.
    await waitFor(async () => (await unreadFrom(runtime, bob.identity.agentId)) === 0, 'the dispatch to settle');
    expect(dmsFrom(agentId)).toEqual([]);
  });

  it('the main session, when configured', async () => {
    const { gw, agentId } = await agentWith({ directMessages: true, session: 'main' });
    gw.agent = () => ['ok'];
    await bob.client.p2p.send({ to: agentId, content: 'to the main session' });
    await waitFor(() => gw.inbound.length === 1, 'the inbound message');
    expect(gw.inbound[0]!.SessionKey).toBe('agent:main:main');
  });

  it('mentions in a topic: answered in the topic, as a reply to the message', async () => {
    const { gw, agentId } = await agentWith({ mentions: true });
    gw.agent = () => ['here, what is up?'];
    const t = await bob.client.topics.create({ name: 'ops-room', join_method: 'open' });
    const runtimeJoin = await gw.tool('parley_topics', { op: 'join', topic_id: t.topic_id });
    expect(JSON.stringify(runtimeJoin.details)).toContain(t.topic_id);
    await bob.client.topics.publish({ topic_id: t.topic_id, content: 'no mention, no answer' });
    const asked = await bob.client.topics.publish({ topic_id: t.topic_id, content: '@claw can you check the deploy?' });
    await waitFor(() => gw.inbound.length === 1, 'the mention to reach the agent');
    expect(gw.inbound[0]).toMatchObject({ ChatType: 'group', ChatId: t.topic_id, To: `parley:${t.topic_id}#${asked.message_id}`, SessionKey: `agent:main:parley:group:${t.topic_id}` });
    let reply: { content: string; reply_to: string | null; from: string } | undefined;
    await waitFor(async () => {
      const h = await bob.client.topics.history({ topic_id: t.topic_id });
      reply = h.messages.find((m) => m.from === agentId);
      return reply !== undefined;
    }, 'the answer in the topic');
    expect(reply).toMatchObject({ content: 'here, what is up?', reply_to: asked.message_id });
  });

  it("chat turns: the agent takes its turns in a conversation to the end; a redelivered turn is not answered twice", async () => {
    const seen = new Set<string>();
    const { gw, agentId } = await agentWith({ chatTurns: true }, {}, seen);
    gw.agent = (ctx) => [`turn reply to: ${ctx.Body}`];
    const r = await bob.client.chats.request({ target_agent_id: agentId, opening_message: 'Tabs or spaces?', episode_policy: { max_turns: 4 } });
    const cnv = r.conversation!.conversation_id;
    await bob.client.chats.send({ conversation_id: cnv, text: 'Tabs.', client_message_id: 'bob-1' });
    await waitFor(async () => (await bob.client.chats.get({ conversation_id: cnv })).conversation.turns_taken === 2, 'the agent to take turn 2');
    await bob.client.chats.send({ conversation_id: cnv, text: 'Really?', client_message_id: 'bob-3' });
    let transcript = await bob.client.chats.get({ conversation_id: cnv });
    await waitFor(async () => (transcript = await bob.client.chats.get({ conversation_id: cnv })).conversation.status === 'ended', 'the chat to end');
    const turns = transcript.turns.filter((t) => t.kind === 'message').map((t) => [t.from, t.text, t.client_message_id]);
    expect(turns).toEqual([
      [bob.identity.agentId, 'Tabs.', 'bob-1'],
      [agentId, 'turn reply to: Tabs.', 'parley-turn-2'],
      [bob.identity.agentId, 'Really?', 'bob-3'],
      [agentId, 'turn reply to: Really?', 'parley-turn-4'],
    ]);
    expect(gw.inbound.map((c) => c.MessageSid)).toEqual([`${cnv}-t1`, `${cnv}-t3`]);
    expect(gw.inbound[0]!.BodyForAgent).toContain('Tabs.');
    expect(gw.inbound[0]!.SessionKey).toBe(`agent:main:parley:default:direct:${cnv}`);
  });

  it('delegated requests: the reply is the output, JSON when it is JSON', async () => {
    const { gw, agentId, runtime } = await agentWith({ delegations: true });
    await runtime.call('agent/update', { capabilities: ['text.shout'] });
    gw.agent = (ctx) => [JSON.stringify({ shouted: String(ctx.BodyForAgent).includes('hello') ? 'HELLO' : '?' })];
    const results: Array<EventDataOf<'delegate.result'>> = [];
    bob.client.on('delegate.result', (d) => results.push(d));
    const asked = await bob.client.delegate.request({ capability: 'text.shout', input: { text: 'hello' }, timeout_ms: 20_000 });
    await waitFor(() => results.some((d) => d.request_id === asked.request_id), 'the result at bob', 20_000);
    const done = results.find((d) => d.request_id === asked.request_id)!;
    expect(done).toMatchObject({ state: 'done', worker_id: agentId, output: { shouted: 'HELLO' } });
    expect(gw.inbound[0]).toMatchObject({ MessageSid: asked.request_id, To: `parley:${asked.request_id}` });
  });

  it('deliberations: as a committee member the agent votes by itself, its reply being its choice and reason; a reply without a choice casts none', async () => {
    const { gw, agentId, runtime } = await agentWith({ deliberations: true });
    await runtime.call('committee/apply', {});
    expect(await runtime.call('committee/vote_for_self', { support: true })).toMatchObject({ status: 'ACTIVE' });
    gw.agent = (ctx) => [String(ctx.BodyForAgent).includes('"Weekly call"') ? '**Approve**: it helps every time zone' : 'I would rather ask my human first'];

    const p = await bob.client.call('proposal/create', { title: 'Weekly call', description: 'Fridays' });
    const passed = await bob.client.call('proposal/vote', { proposal_id: p.proposal_id, support: true });
    const dlb = passed.deliberation_id!;
    await waitFor(async () => (await bob.client.call('proposal/get', { proposal_id: p.proposal_id })).status === 'approved', 'the approval', 20_000);
    // The author reads the member's vote and reason.
    const d = await bob.client.call('deliberation/get', { deliberation_id: dlb });
    expect(d.votes).toEqual([expect.objectContaining({ member_id: agentId, choice: 'APPROVE', reason: 'it helps every time zone' })]);
    expect(gw.inbound[0]).toMatchObject({ MessageSid: dlb, To: `parley:${dlb}` });
    expect(gw.inbound[0]!.BodyForAgent).toContain(`Read it with parley_proposals get (proposal_id ${p.proposal_id})`);
    // The human's chat sees the notice and what the agent answered.
    await waitFor(() => gw.sent.some((m) => m.text.includes(dlb) && m.text.includes('it helps every time zone')), 'the answer mirrored in the chat');

    const q = await bob.client.call('proposal/create', { title: 'Daily call', description: 'every day' });
    const second = (await bob.client.call('proposal/vote', { proposal_id: q.proposal_id, support: true })).deliberation_id!;
    await waitFor(() => gw.logs.some((l) => l.level === 'warn' && l.message.includes('APPROVE, REJECT or ABSTAIN')), 'the refused reply in the log');
    expect((await bob.client.call('deliberation/get', { deliberation_id: second })).tally).toMatchObject({ approve: 0, reject: 0, abstain: 0 });
  });

  it('reads a committee vote out of words, and refuses a reply that starts otherwise', () => {
    expect(voteOf('APPROVE: the supply is modest')).toEqual({ choice: 'APPROVE', reason: 'the supply is modest' });
    expect(voteOf('reject - floods the topic\nand costs too much')).toEqual({ choice: 'REJECT', reason: 'floods the topic\nand costs too much' });
    expect(voteOf('Abstain')).toEqual({ choice: 'ABSTAIN', reason: 'abstain, no reason given' });
    expect(() => voteOf('I approve')).toThrow('a vote in a deliberation starts with APPROVE, REJECT or ABSTAIN, then the reason');
    expect(() => voteOf('approved it')).toThrow(/starts with APPROVE/);
  });

  it('an answer repeated for the same event (a gateway that lost its record of it runs the agent again) reaches Parley once', async () => {
    const { gw, runtime, agentId } = await agentWith({});
    const bobId = bob.identity.agentId;
    const ev: InboundEvent = {
      kind: 'directMessages',
      messageId: 'msg_repeated1',
      replyTo: bobId,
      sender: { id: bobId },
      peer: { kind: 'direct', id: bobId },
      text: 'question',
      bodyForAgent: 'question',
      single: false,
      timestamp: Date.now(),
    };
    const caller = { selfId: agentId, call: ((a, p, o) => runtime.connection!.connected().call(a, p, o)) as TargetCaller['call'] };
    const restarted = fakeGateway({}, gw.stateDir);
    for (const host of [gw, restarted]) {
      host.agent = () => ['answered once'];
      const d = new InboundDispatcher({ accountId: 'default', config: runtime.configResult.ok ? runtime.configResult.config : (undefined as never), runtime: () => host.api.runtime.channel, cfg: () => host.api.config, caller, logger: host.api.logger });
      expect(await d.dispatch(ev)).toBe(true);
    }
    // Both gateways ran the agent; the hub kept one answer (the same idempotency key).
    expect([gw.inbound.length, restarted.inbound.length]).toEqual([1, 1]);
    await waitFor(() => dmsFrom(agentId).includes('answered once'), 'the answer');
    await bob.client.p2p.send({ to: agentId, content: 'after' }); // a later message, so a late duplicate would have arrived by now
    const history = await bob.client.p2p.history({ with: agentId });
    expect(history.messages.filter((m) => m.content === 'answered once')).toHaveLength(1);
  });
});

describe("the channel's outbound send (the message tool, the gateway's send)", () => {
  let gw: FakeGateway;
  let agentId: string;
  let runtime: ParleyPluginRuntime;

  it('reaches an agent, a topic, a chat and a delegation; a queued delivery is applied once', async () => {
    ({ gw, agentId, runtime } = await agentWith({}));
    const bobId = bob.identity.agentId;
    await gw.channelSend('parley', { to: `parley:${bobId}`, text: 'by the message tool', accountId: 'default' });
    await gw.channelSend('parley', { to: bobId, text: 'queued once', deliveryQueueId: 'q-1', deliveryPartIndex: 0 });
    await gw.channelSend('parley', { to: bobId, text: 'queued once', deliveryQueueId: 'q-1', deliveryPartIndex: 0 });
    await waitFor(() => dmsFrom(agentId).includes('by the message tool') && dmsFrom(agentId).includes('queued once'), 'the messages at bob');
    expect(dmsFrom(agentId).filter((t) => t === 'queued once')).toHaveLength(1);

    const t = await runtime.call('topic/create', { name: 'claw-news', join_method: 'open' });
    await gw.channelSend('parley', { to: t.topic_id, text: 'news' });
    expect((await runtime.call('topic/history', { topic_id: t.topic_id })).messages.map((m) => m.content)).toContain('news');

    const r = await bob.client.chats.request({ target_agent_id: agentId, opening_message: 'hi', episode_policy: { max_turns: 4 } });
    const cnv = r.conversation!.conversation_id;
    await bob.client.chats.send({ conversation_id: cnv, text: 'your turn', client_message_id: 'b1' });
    await gw.channelSend('parley', { to: cnv, text: 'my turn' });
    // The same text again right after (a retry whose answer was lost) is the same turn.
    await gw.channelSend('parley', { to: cnv, text: 'my turn' });
    const tr = await bob.client.chats.get({ conversation_id: cnv });
    expect(tr.turns.filter((x) => x.from === agentId).map((x) => x.text)).toEqual(['my turn']);

    await expect(gw.channelSend('parley', { to: 'telegram:123', text: 'x' })).rejects.toThrow(/not a Parley target/);
    await expect(gw.channelSend('parley', { to: bobId, text: 'x', accountId: 'work' })).rejects.toThrow(/no Parley account "work"/);
  });
});
