// The background service against a real hub: identity bootstrap, push routing
// to the fake outbound channel with filters and the rate limit, clean stop,
// and resume across a gateway restart. Waits are bounded waits for conditions.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningHub } from '@parley/hub';
import { loadIdentity } from '@parley/client/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayWithPlugin, peer, startTestHub, telegramCommand, telegramMessage, tempDir, waitFor, type FakeGateway, type Peer } from './fake-openclaw.js';
import type { ParleyPluginRuntime } from '../src/plugin.js';

let hub: RunningHub;
let bob: Peer;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  hub = await startTestHub();
  bob = await peer(hub.url, 'bob');
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

afterAll(async () => {
  await bob?.client.close();
  await hub?.close();
});

/** A started plugin in its own state dir; stopped and removed after the test. */
async function started(config: Record<string, unknown>, stateDir?: string): Promise<{ gw: FakeGateway; runtime: ParleyPluginRuntime; dir: string; agent: string }> {
  let dir = stateDir;
  if (!dir) {
    const d = await tempDir();
    cleanups.push(d.remove);
    dir = d.path;
  }
  const { gw, runtime } = gatewayWithPlugin({ hubUrl: hub.url, ...config }, dir);
  await gw.startServices();
  cleanups.push(() => gw.stopServices());
  await waitFor(() => runtime.connection?.state === 'connected', 'the plugin to connect');
  return { gw, runtime, dir, agent: runtime.connection!.agentId! };
}

const texts = (gw: FakeGateway) => gw.sent.map((m) => m.text);

describe('the background service', () => {
  it('takes a list of hubs: registers and connects through the first one that answers', async () => {
    const down = 'http://127.0.0.1:9';
    const { gw, runtime, agent } = await started({
      hubUrl: [down, hub.url],
      agentName: 'listed-bot',
      route: { channel: 'telegram', to: '4242' },
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    expect(runtime.connection!.client!.url).toBe(hub.url);
    expect(await bob.client.agents.get({ agent_id: agent })).toMatchObject({ name: 'listed-bot', online: true });
    await bob.client.p2p.send({ to: agent, content: 'through the list' });
    await waitFor(() => texts(gw).some((t) => t.includes('through the list')), 'the direct message in the chat');
    expect(await gw.slash('config', telegramCommand({ chat: '4242' }))).toContain(`Parley hub: ${hub.url} (of ${down}, ${hub.url})`);
  });

  it('creates the identity on first start, registers it, and keeps cursors and the route next to it', async () => {
    const { gw, runtime, dir, agent } = await started({ agentName: 'openclaw-bot', route: { channel: 'telegram', to: '4242' } });
    const identityPath = join(dir, 'parley', 'identity.json');
    expect(existsSync(identityPath)).toBe(true);
    expect(statSync(identityPath).mode & 0o777).toBe(0o600);
    expect((await loadIdentity(identityPath)).agentId).toBe(agent);
    const me = await bob.client.agents.get({ agent_id: agent });
    expect(me).toMatchObject({ name: 'openclaw-bot', online: true });
    expect(gw.logs.some((l) => l.message.includes(`created identity ${agent}`))).toBe(true);

    await bob.client.p2p.send({ to: agent, content: 'first contact' });
    await waitFor(() => texts(gw).some((t) => t.includes('first contact')), 'the direct message in the chat');
    const cursorFile = join(dir, 'parley', 'cursors.json');
    const agentCursor = () => {
      if (!existsSync(cursorFile)) return 0;
      const snap = JSON.parse(readFileSync(cursorFile, 'utf8')) as { epoch: string; cursors: Record<string, number> };
      return snap.cursors[`agent:${agent}`] ?? 0;
    };
    await waitFor(() => agentCursor() >= 1, 'the agent stream cursor in the cursor file');

    // In a Telegram group, the group is the route, not the user who asked.
    expect(await gw.slash('config auto', telegramCommand({ chat: '-1001234567', sender: '77', group: true }))).toBe(
      'Parley events now go to this chat (telegram telegram:-1001234567).',
    );
    const groupRoute = { channel: 'telegram', to: 'telegram:-1001234567', accountId: 'default' };
    expect(JSON.parse(readFileSync(join(dir, 'parley', 'route.json'), 'utf8'))).toEqual({ mode: 'auto', route: groupRoute });
    expect(runtime.effectiveRoute()).toEqual({ route: groupRoute, source: 'auto' });
    await bob.client.p2p.send({ to: agent, content: 'to the group' });
    await waitFor(() => gw.sent.some((m) => m.text.includes('to the group') && m.to === 'telegram:-1001234567'), 'the event in the group');
    // A forum topic keeps its thread; a DM routes to the user's own chat.
    expect(await gw.slash('config auto', telegramCommand({ chat: '-1001234567', sender: '77', group: true, topic: 42 }))).toContain('(telegram telegram:-1001234567');
    expect(runtime.effectiveRoute().route).toEqual({ ...groupRoute, threadId: 42 });
    expect(await gw.slash('config auto', telegramCommand({ chat: '77' }))).toBe('Parley events now go to this chat (telegram telegram:77).');
    // "@parley config auto" typed in a group: the hook's conversationId is the group.
    const typed = telegramMessage({ chat: '-1009876', sender: '77', group: true });
    expect((await gw.say('@parley config auto', typed.ctx, typed.event))!.text).toBe('Parley events now go to this chat (telegram -1009876).');
    expect(runtime.effectiveRoute().route).toEqual({ channel: 'telegram', to: '-1009876', accountId: 'default' });
  });

  it('uses a configured identity path (resolved by the host) and re-registers a key the hub does not know', async () => {
    const d = await tempDir();
    cleanups.push(d.remove);
    // A key saved by an earlier install, never registered with this hub.
    const { createIdentity } = await import('@parley/client');
    const { saveIdentity } = await import('@parley/client/node');
    const old = createIdentity();
    await saveIdentity(join(d.path, 'keys', 'me.json'), old);
    const { gw, agent } = await started({ identityPath: 'keys/me.json', reconnect: { initialDelayMs: 20, maxDelayMs: 100 } }, d.path);
    expect(agent).toBe(old.agentId);
    expect(gw.logs.some((l) => l.message.includes('hub refused authentication'))).toBe(true);
  });

  it('sends pushes to the configured channel and target, with account and thread', async () => {
    const { gw, agent } = await started({ route: { channel: 'telegram', to: '-100123', accountId: 'work', threadId: 7 } });
    await bob.client.p2p.send({ to: agent, content: 'ping' });
    await waitFor(() => gw.sent.length > 0, 'a message in the chat');
    expect(gw.sent[0]).toMatchObject({ channel: 'telegram', to: '-100123', accountId: 'work', threadId: 7 });
    expect(gw.sent[0]!.text).toBe(`Parley direct message from ${bob.identity.agentId}:\nping\n(reply: /parley dm ${bob.identity.agentId} <text>)`);
    expect(gw.sent[0]!.cfg).toBe(gw.api.config);
  });

  it('forwards by default direct messages, topic messages, invitations, join requests and decisions, bars and deletions, but not updates or own messages', async () => {
    // A generous rate limit: this test is about what is forwarded, not how fast.
    const { gw, runtime, agent } = await started({ route: { channel: 'telegram', to: '1' }, rateLimit: { burst: 100, perMinute: 6000 } });
    const own = await runtime.call('topic/create', { name: 'alice-den', join_method: 'invite_only' });
    const open = await bob.client.topics.create({ name: 'bob-square' });
    await runtime.call('topic/join', { topic_id: open.topic_id });
    const gate = await bob.client.topics.create({ name: 'bob-gate', join_method: 'invite_only' });
    await runtime.call('topic/join', { topic_id: gate.topic_id }); // a join request to bob
    const barroom = await bob.client.topics.create({ name: 'bob-bar' });
    await runtime.call('topic/join', { topic_id: barroom.topic_id });
    const doomed = await bob.client.topics.create({ name: 'bob-doomed' });
    await runtime.call('topic/join', { topic_id: doomed.topic_id });

    await bob.client.topics.join({ topic_id: own.topic_id }); // join request -> to us
    await bob.client.topics.approve({ topic_id: gate.topic_id, agent_id: agent }); // decision -> to us
    await bob.client.topics.publish({ topic_id: open.topic_id, content: 'hello square' }); // topic message
    await runtime.call('topic/publish', { topic_id: open.topic_id, content: 'my own words' }); // own: not forwarded
    await bob.client.topics.update({ topic_id: open.topic_id, description: 'renovated' }); // update: not forwarded by default
    const invite = await bob.client.topics.create({ name: 'bob-party', join_method: 'invite_only' });
    await bob.client.topics.invite({ topic_id: invite.topic_id, agent_id: agent }); // invitation
    await bob.client.topics.blacklistAdd({ topic_id: barroom.topic_id, agent_id: agent, reason: 'test' }); // bar
    await bob.client.topics.delete({ topic_id: doomed.topic_id }); // deletion
    await bob.client.p2p.send({ to: agent, content: 'the end' });

    await waitFor(() => texts(gw).some((t) => t.includes('the end')), 'the last message', 15_000);
    const all = texts(gw).join('\n---\n');
    expect(all).toContain(`${bob.identity.agentId} (bob) asks to join "alice-den"`);
    expect(all).toContain(`your request to join "bob-gate" (${gate.topic_id}) was approved`);
    expect(all).toContain(`Parley topic ${open.topic_id} #`);
    expect(all).toContain('hello square');
    expect(all).toContain(`invited you to "bob-party" (${invite.topic_id})`);
    expect(all).toContain(`barred you from "bob-bar" (${barroom.topic_id}) until lifted: test`);
    expect(all).toContain(`topic "bob-doomed" (${doomed.topic_id}) was deleted`);
    expect(all).not.toContain('my own words');
    expect(all).not.toContain('was updated');
    // Not forwarded = still unread: poll shows the update.
    expect(await gw.slash('poll')).toContain(`topic "bob-square" (${open.topic_id}) was updated`);
  });

  it('filters by the configured events, topics and mentions', async () => {
    const { gw, runtime, agent } = await started({
      agentName: 'alice',
      route: { channel: 'telegram', to: '1' },
      events: ['topic.message'],
      topicMessages: 'mentions',
    });
    const t = await bob.client.topics.create({ name: 'busy' });
    await runtime.call('topic/join', { topic_id: t.topic_id });
    await waitFor(() => runtime.connection?.agentName === 'alice', 'the agent name');
    await bob.client.p2p.send({ to: agent, content: 'a direct message, not in the event list' });
    await bob.client.topics.publish({ topic_id: t.topic_id, content: 'chatter without a mention' });
    await bob.client.topics.publish({ topic_id: t.topic_id, content: 'hey @alice, look' });
    await bob.client.topics.publish({ topic_id: t.topic_id, content: `by id @${agent} too` });
    await bob.client.topics.publish({ topic_id: t.topic_id, content: 'not @alicexyz though; marker-end' });
    await waitFor(() => texts(gw).some((x) => x.includes('by id')), 'the mention by id');
    // The last publish has arrived once poll shows it (it is unread: not forwarded).
    const unread = await gw.slash('poll');
    expect(unread).toContain('marker-end');
    expect(unread).toContain('chatter without a mention');
    expect(unread).toContain('a direct message, not in the event list');
    const all = texts(gw).join('\n');
    expect(all).toContain('hey @alice, look');
    expect(all).not.toContain('chatter without a mention');
    expect(all).not.toContain('@alicexyz');
    expect(all).not.toContain('a direct message');

    const other = await bob.client.topics.create({ name: 'elsewhere' });
    const { gw: picky, runtime: rt2 } = await started({ route: { channel: 'telegram', to: '2' }, topics: [other.topic_id] });
    await rt2.call('topic/join', { topic_id: t.topic_id });
    await rt2.call('topic/join', { topic_id: other.topic_id });
    await bob.client.topics.publish({ topic_id: t.topic_id, content: 'in the ignored topic' });
    await bob.client.topics.publish({ topic_id: other.topic_id, content: 'in the chosen topic' });
    await waitFor(() => texts(picky).some((x) => x.includes('in the chosen topic')), 'the chosen topic message');
    expect(texts(picky).join('\n')).not.toContain('in the ignored topic');
  });

  it('coalesces a burst beyond the rate limit into a summary instead of dropping it, and the held events stay unread', async () => {
    const { gw, runtime } = await started({ route: { channel: 'telegram', to: '1' }, rateLimit: { burst: 2, perMinute: 120 } });
    const t = await bob.client.topics.create({ name: 'firehose' });
    await runtime.call('topic/join', { topic_id: t.topic_id });
    const N = 10;
    for (let i = 1; i <= N; i++) await bob.client.topics.publish({ topic_id: t.topic_id, content: `burst message ${i}` });
    const individual = () => texts(gw).filter((x) => x.includes('burst message'));
    const summaries = () => texts(gw).map((x) => /^Parley: (\d+) more events in the last (\d+) s \((\d+) topic messages\)/.exec(x)).filter((m) => m !== null);
    const summarized = () => summaries().reduce((n, m) => n + Number(m![1]), 0);
    await waitFor(() => individual().length + summarized() === N, 'every message, alone or in a summary', 20_000);
    expect(summaries().length).toBeGreaterThanOrEqual(1);
    expect(individual().length).toBeLessThan(N);
    expect(individual().length).toBeGreaterThanOrEqual(2);
    expect(texts(gw).find((x) => x.includes('more events'))).toContain('They stay unread: "/parley poll" shows them.');
    // The summarised messages were not marked read: poll lists each of them.
    const shown = new Set(individual().map((x) => /burst message (\d+)/.exec(x)![1]));
    const polled = await gw.slash('poll');
    for (let i = 1; i <= N; i++) if (!shown.has(String(i))) expect(polled).toContain(`burst message ${i}`);
  });

  it('keeps events unread when the chat cannot take them (no route, a failing channel, or "config off")', async () => {
    const { gw, agent } = await started({});
    await bob.client.p2p.send({ to: agent, content: 'nobody routes me' });
    await waitFor(() => gw.logs.some((l) => l.message.includes('no chat route')), 'the no-route warning');
    expect(gw.sent).toEqual([]);
    expect(await gw.slash('poll')).toContain('nobody routes me');

    const { gw: flaky, agent: agent2 } = await started({ route: { channel: 'telegram', to: '1' } });
    flaky.failChannel.add('telegram');
    await bob.client.p2p.send({ to: agent2, content: 'lost in transit' });
    await waitFor(() => flaky.logs.some((l) => l.message.includes('delivering to the chat failed: telegram is down')), 'the failure log');
    expect(await flaky.slash('poll')).toContain('lost in transit');

    const { gw: unknown, agent: agent3 } = await started({ route: { channel: 'carrier-pigeon', to: '1' } });
    await bob.client.p2p.send({ to: agent3, content: 'coo' });
    await waitFor(() => unknown.logs.some((l) => l.message.includes('"carrier-pigeon" has no outbound text adapter')), 'the no-adapter warning');
  });

  it('stops cleanly: the client is closed and the agent goes offline', async () => {
    const { gw, runtime, agent } = await started({});
    const conn = runtime.connection!;
    expect((await bob.client.agents.get({ agent_id: agent })).online).toBe(true);
    await gw.stopServices();
    expect(runtime.connection).toBeNull();
    expect(conn.state).toBe('stopped');
    expect(conn.client).toBeNull();
    await waitFor(async () => !(await bob.client.agents.get({ agent_id: agent })).online, 'the agent to go offline');
    expect(await gw.slash('whoami')).toContain('Parley error (not_connected)');
    // A stop is not a dropped connection: nothing says "reconnecting" or warns.
    expect(gw.logs.filter((l) => l.message.includes('reconnecting') || l.level === 'warn' || l.level === 'error')).toEqual([]);
    expect(gw.logs.some((l) => l.level === 'info' && l.message.includes('(service stopped)'))).toBe(true);
  });

  it('resumes after a gateway restart: what arrived while it was down reaches the chat', async () => {
    const d = await tempDir();
    cleanups.push(d.remove);
    const first = await started({ route: { channel: 'telegram', to: '1' } }, d.path);
    await bob.client.p2p.send({ to: first.agent, content: 'before restart' });
    await waitFor(() => texts(first.gw).some((t) => t.includes('before restart')), 'the first message');
    await first.gw.stopServices();
    await waitFor(async () => !(await bob.client.agents.get({ agent_id: first.agent })).online, 'the agent to go offline');

    await bob.client.p2p.send({ to: first.agent, content: 'while you were away' });

    const second = await started({ route: { channel: 'telegram', to: '1' } }, d.path);
    expect(second.agent).toBe(first.agent);
    await waitFor(() => texts(second.gw).some((t) => t.includes('while you were away')), 'the replayed message');
    expect(texts(second.gw).join('\n')).not.toContain('before restart');
  });
});
