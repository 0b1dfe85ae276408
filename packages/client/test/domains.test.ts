import {
  actions,
  events,
  type ActionName,
  type EventDataOf,
  type EventName,
  type ParamsOf,
  type PushFrame,
  type ResultOf,
} from '@parley/protocol';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { ParleyClient } from '../src/client.js';
import {
  actionRoutes,
  buildDomainHelpers,
  camelCase,
  DOMAIN_PROPERTIES,
  domainProperties,
  domainProperty,
  type ActionMethod,
  type ActionMethodName,
  type CamelCase,
  type DomainHelpers,
  type DomainOf,
  type DomainProperty,
} from '../src/domains.js';
import { AbortError, ParleyError } from '../src/errors.js';
import { createIdentity } from '../src/identity.js';
import type { CallOptions, ClientHelpers, ParleyClientEvents, ConversationRunner, ServedService, TaskHandler, TaskWorker } from '../src/index.js';
import { agent, client, waitFor } from './helpers/env.js';
import { useHubBehindProxy } from './helpers/fixture.js';

const env = useHubBehindProxy();

/** A client that never connects: enough to look at its helper objects. */
const offline = (): ParleyClient => new ParleyClient({ url: 'http://127.0.0.1:1', identity: createIdentity(), reconnect: { enabled: false } });

/**
 * The naming rule written a second time, differently (regex instead of split),
 * so the test does not just repeat src/domains.ts.
 */
const SPEC_PROPERTIES: Record<string, string> = {
  agent: 'agents',
  topic: 'topics',
  p2p: 'p2p',
  inbox: 'inbox',
  notification: 'notifications',
  memory: 'memory',
  talk: 'talk',
  capabilities: 'capabilities',
  task: 'tasks',
  pipeline: 'pipelines',
  world: 'worlds',
  chat: 'chats',
  delegate: 'delegate',
  proposal: 'proposals',
  committee: 'committee',
  deliberation: 'deliberations',
  governance: 'governance',
  asset: 'assets',
  wallet: 'wallets',
  ledger: 'ledger',
  skill: 'skills',
  service: 'services',
};
/** Client-side methods next to the generated ones: more than one call each, so not actions. */
const CLIENT_EXTRAS = ['tasks.work', 'chats.onConversation', 'services.serve'];
function specPath(action: string): string {
  const m = /^([^/]+)\/(.+)$/.exec(action);
  if (!m) throw new Error(`not a domain/verb action: ${action}`);
  const [, domain, rest] = m as unknown as [string, string, string];
  const property = Object.hasOwn(SPEC_PROPERTIES, domain) ? SPEC_PROPERTIES[domain]! : domain;
  return `${property}.${rest.replace(/[/_-]([^/_-]?)/g, (_, c: string) => c.toUpperCase())}`;
}

/** `property.method` for every function reachable on the client's domain properties. */
function helperPaths(c: ParleyClient): string[] {
  const paths: string[] = [];
  for (const property of domainProperties()) {
    const domain = (c as unknown as Record<string, Record<string, unknown>>)[property];
    expect(domain, property).toBeTypeOf('object');
    for (const [method, fn] of Object.entries(domain!)) {
      expect(fn, `${property}.${method}`).toBeTypeOf('function');
      paths.push(`${property}.${method}`);
    }
  }
  return paths.sort();
}

describe('domain helpers: the registry, name for name', () => {
  it('the helper methods are exactly the protocol actions (plus the client extras), named as specified', () => {
    const c = offline();
    const names = Object.keys(actions);
    const expected = names.map(specPath).sort();
    expect(helperPaths(c)).toEqual([...expected, ...CLIENT_EXTRAS].sort());
    // an extra never hides an action
    for (const extra of CLIENT_EXTRAS) expect(expected).not.toContain(extra);
    // one method per action: no two actions collapsed onto one name
    expect(new Set(expected).size).toBe(names.length);
    // the spellings the API promises
    for (const p of [
      'agents.whoami',
      'topics.publish',
      'topics.blacklistAdd',
      'topics.roleSet',
      'p2p.send',
      'inbox.poll',
      'notifications.subscriptionSet',
      'memory.export',
      'talk.random',
      'capabilities.get',
      'tasks.create',
      'tasks.dependenciesAdd',
      'tasks.graph',
      'pipelines.run',
      'pipelines.status',
      'worlds.join',
      'worlds.candidates',
      'worlds.moderate',
      'chats.request',
      'chats.conversations',
      'feedback.submit',
      // the agent's side of people: its claim code and its humans
      'account.claimCode',
      'account.owners',
    ]) {
      expect(expected).toContain(p);
    }
    // delegation joins the registry once the hub serves it; then under its own (singular) name
    if (names.some((a) => a.startsWith('delegate/'))) {
      for (const p of ['delegate.request', 'delegate.publishAs', 'delegate.p2pAs']) expect(expected).toContain(p);
    }
    // every mapped domain that the protocol has is exposed under its mapped name, and nothing else is
    const domains = new Set(names.map((n) => n.split('/')[0]!));
    expect(new Set(domainProperties())).toEqual(new Set([...domains].map((d) => SPEC_PROPERTIES[d] ?? d)));
    expect(DOMAIN_PROPERTIES).toEqual(SPEC_PROPERTIES);
  });

  it('naming helpers: the fallback for an unmapped domain and camelCase agree with the spec', () => {
    expect(domainProperty('feedback')).toBe('feedback');
    expect(domainProperty('chat')).toBe('chats');
    expect(domainProperty('world')).toBe('worlds');
    expect(domainProperty('constructor')).toBe('constructor');
    expect(domainProperty('notification')).toBe('notifications');
    expect(domainProperty('task')).toBe('tasks');
    expect(domainProperty('pipeline')).toBe('pipelines');
    expect(domainProperty('delegate')).toBe('delegate');
    for (const [input, out] of [
      ['whoami', 'whoami'],
      ['blacklist/add', 'blacklistAdd'],
      ['subscription/set', 'subscriptionSet'],
      ['role/set', 'roleSet'],
      ['publish_as', 'publishAs'],
      ['dependencies/add', 'dependenciesAdd'],
      ['a-b/c_d', 'aBCD'],
    ] as const) {
      expect(camelCase(input)).toBe(out);
    }
    expect(actionRoutes().find((r) => r.action === 'topic/blacklist/add')).toEqual({
      action: 'topic/blacklist/add',
      property: 'topics',
      method: 'blacklistAdd',
    });
  });

  it('extras are checked: one for a missing domain, or one that would replace an action, is refused', () => {
    const call = async (): Promise<unknown> => undefined;
    expect(() => buildDomainHelpers(call, { nowhere: { x: () => 1 } })).toThrow(/no protocol domain is exposed as nowhere/);
    expect(() => buildDomainHelpers(call, { tasks: { create: () => 1 } })).toThrow(/tasks.create is a protocol action/);
    const helpers = buildDomainHelpers(call, { tasks: { work: () => 'w' } }) as unknown as Record<string, Record<string, () => unknown>>;
    expect(helpers.tasks!.work!()).toBe('w');
    expect(Object.isFrozen(helpers.tasks)).toBe(true);
  });

  it('every helper delegates to call() with its action, the params (omitted: {}) and the options', async () => {
    const c = offline();
    const spy = vi.spyOn(c, 'call').mockImplementation(async () => 'result' as never);
    const options: CallOptions = { timeoutMs: 1234, signal: new AbortController().signal };
    for (const { action, property, method } of actionRoutes()) {
      const fn = (c as unknown as Record<string, Record<string, (p?: unknown, o?: CallOptions) => Promise<unknown>>>)[property]![method]!;
      const params = { marker: action };
      await expect(fn(params, options)).resolves.toBe('result');
      expect(spy).toHaveBeenLastCalledWith(action, params, options);
      await fn();
      expect(spy).toHaveBeenLastCalledWith(action, {}, undefined);
    }
    expect(spy).toHaveBeenCalledTimes(2 * Object.keys(actions).length);
  });

  it('helper objects are built once per client, frozen, and not own enumerable properties', () => {
    const a = offline();
    const b = offline();
    expect(a.topics).toBe(a.topics);
    expect(a.topics.publish).toBe(a.topics.publish);
    expect(a.topics).not.toBe(b.topics);
    expect(Object.isFrozen(a.topics)).toBe(true);
    expect(() => {
      (a.topics as unknown as Record<string, unknown>).publish = null;
    }).toThrow(TypeError);
    // getters live on the prototype: spreading or JSON-serialising a client does not drag the helpers along
    for (const p of domainProperties()) expect(Object.keys(a)).not.toContain(p);
  });

  it('protocol events are all typed listeners of the client and none shadows a client event', () => {
    const own = ['state', 'connected', 'disconnected', 'push', 'gap', 'error'];
    for (const name of Object.keys(events)) expect(own).not.toContain(name);
    expect(Object.keys(events).length).toBeGreaterThan(0);
  });
});

describe('domain helpers against a hub', () => {
  it('agents, topics, p2p and capabilities through helpers, with typed results and pushes', async () => {
    const [a, b] = [await agent(env.hub.url, 'alice'), await agent(env.hub.url, 'bob')];
    const ca = client(env.hub.url, a);
    const cb = client(env.hub.url, b);
    await Promise.all([ca.connect(), cb.connect()]);

    // params omitted: the helper sends {} (the hub's strict schema would refuse undefined)
    const me = await ca.agents.whoami();
    expect(me.agent_id).toBe(a.agentId);
    expect(me.name).toBe('alice');
    const bob = await ca.agents.get({ agent_id: b.agentId });
    expect(bob.name).toBe('bob');
    const updated = await ca.agents.update({ description: 'tests helpers' });
    expect(updated.description).toBe('tests helpers');
    const listed = await ca.agents.list({ query: 'bob' });
    expect(listed.agents.map((x) => x.agent_id)).toContain(b.agentId);

    const topic = await ca.topics.create({ name: `helpers-${Date.now()}` });
    expect(topic.role).toBe('owner');
    expect((await cb.topics.get({ topic_id: topic.topic_id })).name).toBe(topic.name);
    expect((await ca.topics.list({ mine: true })).topics.map((t) => t.topic_id)).toContain(topic.topic_id);
    const joined = await cb.topics.join({ topic_id: topic.topic_id });
    expect(joined.topic_id).toBe(topic.topic_id);
    // client-side bookkeeping still runs for helper calls: join starts the topic cursor
    expect(cb.cursors[`topic:${topic.topic_id}`]).toBe(joined.seq);
    const history = await cb.topics.history({ topic_id: topic.topic_id });
    expect(Array.isArray(history.messages)).toBe(true);
    expect((await cb.topics.leave({ topic_id: topic.topic_id })).left).toBe(true);
    expect(cb.cursors[`topic:${topic.topic_id}`]).toBeUndefined();

    const got: Array<EventDataOf<'p2p.message'>> = [];
    ca.on('p2p.message', (data) => got.push(data));
    const sent = await cb.p2p.send({ to: a.agentId, content: 'via helper' });
    await waitFor(() => got.length === 1, 'p2p.message push');
    expect(got[0]).toMatchObject({ message_id: sent.message_id, from: b.agentId, content: 'via helper' });
    const dm = await ca.p2p.history({ with: b.agentId });
    expect(dm.messages.map((m) => m.message_id)).toEqual([sent.message_id]);

    // everything the hub advertises is reachable through a helper
    const caps = await ca.capabilities.get();
    const paths = new Set(helperPaths(ca));
    for (const name of Object.keys(caps.actions)) expect(paths, name).toContain(specPath(name));

    expect(ca.stats.pendingCalls).toBe(0);
    expect(cb.stats.pendingCalls).toBe(0);
  });

  it('helper errors carry the wire code, and options (signal, timeout) reach call()', async () => {
    const c = client(env.hub.url, await agent(env.hub.url));
    await c.connect();
    const notFound = await c.agents.get({ agent_id: createIdentity().agentId }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(ParleyError);
    expect((notFound as ParleyError).code).toBe('not_found');
    // what the types forbid, the hub refuses: a missing required field
    const invalid = await (c.p2p.send as (p: unknown) => Promise<unknown>)({ to: c.agentId }).catch((e: unknown) => e);
    expect((invalid as ParleyError).code).toBe('invalid_params');
    const aborted = new AbortController();
    aborted.abort();
    await expect(c.agents.whoami({}, { signal: aborted.signal })).rejects.toBeInstanceOf(AbortError);
    expect(c.stats).toMatchObject({ pendingCalls: 0, abortListeners: 0 });
  });

  it('topics.publish reaches members as a typed topic.message push, and shows in history and inbox.feed', async () => {
    const [a, b] = [await agent(env.hub.url), await agent(env.hub.url)];
    const ca = client(env.hub.url, a);
    const cb = client(env.hub.url, b);
    await Promise.all([ca.connect(), cb.connect()]);
    const topic = await ca.topics.create({ name: `helpers-pub-${Date.now()}` });
    await cb.topics.join({ topic_id: topic.topic_id });
    const pushes: Array<[EventDataOf<'topic.message'>, PushFrame]> = [];
    cb.on('topic.message', (data, frame) => pushes.push([data, frame]));

    const posted = await ca.topics.publish({ topic_id: topic.topic_id, content: 'hello topic' });
    await waitFor(() => pushes.length === 1, 'topic.message push');
    const [data, frame] = pushes[0]!;
    expect(data).toMatchObject({ message_id: posted.message_id, topic_id: topic.topic_id, from: a.agentId, content: 'hello topic' });
    expect(frame).toMatchObject({ stream: `topic:${topic.topic_id}`, seq: posted.seq, event: 'topic.message' });

    const history = await cb.topics.history({ topic_id: topic.topic_id });
    expect(history.messages.map((m) => m.content)).toEqual(['hello topic']);
    const feed = await cb.inbox.feed();
    expect(feed.items.map((i) => [i.message_id, i.topic_name])).toEqual([[posted.message_id, topic.name]]);
  });
});

// ---- type-level checks: tsc (npx tsc --noEmit -p .) checks these; vitest only sees that the functions exist ----

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;

/** Where action A lands on the client, or a string saying why it does not. */
type Lookup<A extends ActionName> =
  DomainProperty<DomainOf<A>> extends infer P extends keyof DomainHelpers
    ? ActionMethodName<A> extends keyof DomainHelpers[P]
      ? DomainHelpers[P][ActionMethodName<A>]
      : `no method ${ActionMethodName<A>} on ${P & string}`
    : `no domain property for ${A}`;

function typeChecks(c: ParleyClient, topic_id: ParamsOf<'topic/get'>['topic_id'], agentId: string): void {
  // every action is reachable on the client, with exactly its own method type (a name collision would make a union here)
  expectTypeOf<{ [A in ActionName]: Equal<Lookup<A>, ActionMethod<A>> }>().toEqualTypeOf<{ [A in ActionName]: true }>();
  // and nothing else is: the helper paths are the action paths
  type HelperPaths = { [P in keyof DomainHelpers]: `${P}.${keyof DomainHelpers[P] & string}` }[keyof DomainHelpers];
  type ActionPaths = { [A in ActionName]: `${DomainProperty<DomainOf<A>>}.${ActionMethodName<A>}` }[ActionName];
  expectTypeOf<HelperPaths>().toEqualTypeOf<ActionPaths>();

  // names as specified
  expectTypeOf<ActionMethodName<'topic/blacklist/add'>>().toEqualTypeOf<'blacklistAdd'>();
  expectTypeOf<ActionMethodName<'notification/subscription/set'>>().toEqualTypeOf<'subscriptionSet'>();
  expectTypeOf<ActionMethodName<'topic/role/set'>>().toEqualTypeOf<'roleSet'>();
  expectTypeOf<CamelCase<'publish_as'>>().toEqualTypeOf<'publishAs'>();
  expectTypeOf<CamelCase<'a-b/c_d'>>().toEqualTypeOf<'aBCD'>();
  expectTypeOf<DomainProperty<'notification'>>().toEqualTypeOf<'notifications'>();
  expectTypeOf<DomainProperty<'feedback'>>().toEqualTypeOf<'feedback'>();
  expectTypeOf<DomainProperty<'chat'>>().toEqualTypeOf<'chats'>();
  expectTypeOf<DomainProperty<'world'>>().toEqualTypeOf<'worlds'>();

  // params and results come from the registry
  expectTypeOf(c.topics.publish).parameter(0).toEqualTypeOf<ParamsOf<'topic/publish'>>();
  expectTypeOf(c.topics.publish).parameter(1).toEqualTypeOf<CallOptions | undefined>();
  expectTypeOf(c.topics.publish).returns.resolves.toEqualTypeOf<ResultOf<'topic/publish'>>();
  expectTypeOf(c.notifications.subscriptionSet).returns.resolves.toEqualTypeOf<ResultOf<'notification/subscription/set'>>();
  expectTypeOf(c.memory.export).returns.resolves.toEqualTypeOf<ResultOf<'memory/export'>>();
  expectTypeOf(c.talk.random).returns.resolves.toEqualTypeOf<ResultOf<'talk/random'>>();
  expectTypeOf(c.agents.whoami).returns.resolves.toEqualTypeOf<ResultOf<'agent/whoami'>>();
  expectTypeOf(c.tasks.create).parameter(0).toEqualTypeOf<ParamsOf<'task/create'>>();
  expectTypeOf(c.tasks.dependenciesAdd).returns.resolves.toEqualTypeOf<ResultOf<'task/dependencies/add'>>();
  expectTypeOf(c.pipelines.run).returns.resolves.toEqualTypeOf<ResultOf<'pipeline/run'>>();
  expectTypeOf<DomainProperty<'task'>>().toEqualTypeOf<'tasks'>();
  expectTypeOf<DomainProperty<'pipeline'>>().toEqualTypeOf<'pipelines'>();
  expectTypeOf<DomainProperty<'delegate'>>().toEqualTypeOf<'delegate'>();
  // client.tasks is the generated task helper plus work(), and nothing else
  expectTypeOf<Omit<ParleyClient['tasks'], 'work'>>().toEqualTypeOf<Omit<DomainHelpers['tasks'], never>>();
  expectTypeOf(c.tasks.work).returns.toEqualTypeOf<TaskWorker>();
  expectTypeOf<Parameters<TaskHandler>[0]>().toEqualTypeOf<ResultOf<'task/get'>>();
  // client.chats is the generated chat helper plus onConversation, and nothing else
  expectTypeOf<Omit<ParleyClient['chats'], 'onConversation'>>().toEqualTypeOf<Omit<DomainHelpers['chats'], never>>();
  expectTypeOf(c.chats.onConversation).returns.toEqualTypeOf<ConversationRunner>();
  void c.chats.onConversation(async (conv) => `hello ${conv.conversation.target_name ?? ''}`);
  void c.chats.onConversation({ accept: (r) => r.world_id !== null }, (conv) => ({ text: conv.turn.text, end: true }));
  // @ts-expect-error an answer is text, { text?, end? } or nothing
  void c.chats.onConversation(() => 42);
  // client.services is the generated service helper plus serve, and nothing else
  expectTypeOf<Omit<ParleyClient['services'], 'serve'>>().toEqualTypeOf<Omit<DomainHelpers['services'], never>>();
  expectTypeOf(c.services.serve).returns.toEqualTypeOf<ServedService>();
  void c.services.serve('text.reverse', '1.0.0', (input) => String(input), { description: 'Reverses text' });
  // @ts-expect-error a description is required
  void c.services.serve('text.reverse', '1.0.0', () => null, {});
  // every other domain property is exactly the generated helper
  expectTypeOf<Omit<ClientHelpers, 'tasks' | 'chats' | 'services'>>().toEqualTypeOf<Omit<DomainHelpers, 'tasks' | 'chats' | 'services'>>();
  void c.tasks.work('code.review', (task) => task.title);
  void c.tasks.work({ capability: 'code.review', concurrency: 2 }, async (task, ctx) => {
    await ctx.progress(50, 'half');
    return { output: task.title, artifacts: ['https://example.com/a'] };
  });
  // @ts-expect-error a handler returns a string or { output, artifacts? }
  void c.tasks.work('x', () => 42);
  // @ts-expect-error concurrency is a number
  void c.tasks.work({ concurrency: '2' }, () => 'ok');

  // params may be omitted exactly when every field is optional
  void c.agents.whoami();
  void c.inbox.poll();
  void c.inbox.poll(undefined, { timeoutMs: 100 });
  void c.memory.list();
  void c.notifications.topics();
  void c.notifications.subscriptionList();
  void c.talk.random({ text: 'anything' });
  void c.topics.blacklistAdd({ topic_id, agent_id: agentId, duration_seconds: 60 });
  void c.notifications.subscriptionSet({ event: 'agent.presence', enabled: true });
  void c.memory.export({ topic_id });
  // @ts-expect-error p2p/send has required params
  void c.p2p.send();
  // @ts-expect-error topic/publish needs topic_id
  void c.topics.publish({ content: 'x' });
  // @ts-expect-error content must be a string
  void c.p2p.send({ to: agentId, content: 42 });
  // @ts-expect-error inbox/poll limit is a number
  void c.inbox.poll({ limit: '10' });
  // @ts-expect-error visibility is public or private
  void c.topics.create({ name: 'x', visibility: 'secret' });
  // @ts-expect-error unknown field on a strict schema
  void c.topics.create({ name: 'x', colour: 'red' });
  // @ts-expect-error agent/whoami takes no fields
  void c.agents.whoami({ verbose: true });
  // @ts-expect-error notification/subscription/set needs enabled
  void c.notifications.subscriptionSet({ topic_id });
  // @ts-expect-error role is admin or member
  void c.topics.roleSet({ topic_id, agent_id: agentId, role: 'owner' });
  // @ts-expect-error unknown call option
  void c.inbox.poll({}, { timeout: 5 });
  // @ts-expect-error no such method
  void c.topics.blacklist_add({ topic_id, agent_id: agentId });
  // @ts-expect-error domain properties use the mapped (plural) name
  void c.topic.get({ topic_id });
  // @ts-expect-error helper objects are read-only
  c.topics = {} as DomainHelpers['topics'];

  // every protocol event is a typed client event: (data: EventDataOf<E>, frame: PushFrame) => void
  expectTypeOf<{ [E in EventName]: Equal<Parameters<ParleyClientEvents[E]>, [EventDataOf<E>, PushFrame]> }>().toEqualTypeOf<{
    [E in EventName]: true;
  }>();
  expectTypeOf<{ [E in EventName]: ReturnType<ParleyClientEvents[E]> }>().toEqualTypeOf<{ [E in EventName]: void }>();
  // and the client's own events do not collide with protocol event names
  expectTypeOf<Extract<EventName, 'state' | 'connected' | 'disconnected' | 'push' | 'gap' | 'error'>>().toEqualTypeOf<never>();
  c.on('topic.message', (data, frame) => {
    expectTypeOf(data).toEqualTypeOf<EventDataOf<'topic.message'>>();
    expectTypeOf(frame).toEqualTypeOf<PushFrame>();
  });
  c.on('topic.blacklisted', (data) => expectTypeOf(data.expires_at).toEqualTypeOf<string | null>());
  c.on('agent.presence', (data) => expectTypeOf(data.online).toEqualTypeOf<boolean>());
  // @ts-expect-error not a protocol or client event
  c.on('topic.nope', () => undefined);
  // @ts-expect-error p2p.message data has no topic_id
  c.on('p2p.message', (data) => data.topic_id);
}

describe('domain helpers: types', () => {
  it('are checked by tsc (see typeChecks)', () => {
    expect(typeChecks).toBeTypeOf('function');
  });
});
