// A stand-in for the OpenClaw gateway's side of the plugin API, typed with
// the plugin's own copy of OpenClaw's shapes (src/openclaw-types.ts). It
// records what the plugin registers and what it sends to a channel. Only the
// host is faked: the tests run the plugin against a real Parley hub.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startHub, type HubOptions, type RunningHub } from '@parley/hub';
import { createIdentity, ParleyClient, register, type Identity } from '@parley/client';
import { expect } from 'vitest';
import { registerParley, type ParleyPluginRuntime, type ParleyRuntimeOptions } from '../src/index.js';
import type {
  AgentTool,
  ChannelAccountSnapshot,
  ChannelInboundContextParams,
  ChannelOutboundContext,
  ChannelPlugin,
  ReplyPayload,
  OpenClawPluginApi,
  OpenClawPluginCommandDefinition,
  OpenClawPluginService,
  OpenClawPluginServiceContext,
  PluginCommandContext,
  PluginHookBeforeDispatchContext,
  PluginHookBeforeDispatchEvent,
  PluginHookHandlerMap,
  PluginLogger,
} from '../src/openclaw-types.js';
import type { ToolResult } from '../src/tools.js';

export interface SentMessage extends ChannelOutboundContext {
  channel: string;
}

export interface FakeGateway {
  api: OpenClawPluginApi;
  tools: Map<string, AgentTool>;
  toolOrder: string[];
  commands: Map<string, OpenClawPluginCommandDefinition>;
  services: OpenClawPluginService[];
  hooks: Array<PluginHookHandlerMap['before_dispatch']>;
  /** Messages the plugin sent through the outbound adapters. */
  sent: SentMessage[];
  logs: Array<{ level: string; message: string }>;
  stateDir: string;
  /** Makes the channel's adapter throw (delivery failure). */
  failChannel: Set<string>;
  serviceContext(): OpenClawPluginServiceContext;
  /** The channels the plugin registered (api.registerChannel). */
  channels: Map<string, ChannelPlugin<unknown>>;
  /** Each channel account's last status (setStatus), by "channel:account". */
  channelStatus: Map<string, ChannelAccountSnapshot>;
  /** Inbound messages dispatched to the agent, as buildContext made them. */
  inbound: FakeInboundContext[];
  /**
   * The agent: what it answers to an inbound message (final payloads). Unset,
   * it behaves like a gateway without a model: one error payload.
   */
  agent?: (ctx: FakeInboundContext) => Array<string | ReplyPayload> | Promise<Array<string | ReplyPayload>>;
  /** Services start, then every channel account (the gateway's order). */
  startServices(): Promise<void>;
  /** Services stop, then channel accounts are aborted (the gateway's order). */
  stopServices(): Promise<void>;
  /** A send through a registered channel's outbound adapter (the `message` tool, `send`). */
  channelSend(channel: string, ctx: Omit<ChannelOutboundContext, 'cfg'>): Promise<unknown>;
  /** "/parley <args>" as OpenClaw would call the command handler. */
  slash(args: string, ctx?: Partial<PluginCommandContext>): Promise<string>;
  /** An inbound chat message through the before_dispatch hooks; the hook's answer, if one handled it. */
  say(content: string, ctx?: Partial<PluginHookBeforeDispatchContext>, event?: Partial<PluginHookBeforeDispatchEvent>): Promise<{ handled: boolean; text?: string } | undefined>;
  /**
   * A tool call as an agent run makes it: a thrown error becomes the result
   * the gateway's tool adapter makes of it, `details: {status: "error", tool,
   * error: <message>}`, which it classifies as a failed call.
   */
  tool(name: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<ToolResult>;
  /**
   * A tool call through the gateway's HTTP tool endpoint: a returned result
   * is 200 whatever it says; a thrown error named ToolInputError is 400 and
   * ToolAuthorizationError 403, with the message; any other throw 500, with
   * the message hidden.
   */
  invoke(name: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<ToolInvocation>;
}

export type ToolInvocation =
  | { status: 200; ok: true; result: ToolResult }
  | { status: 400 | 403 | 500; ok: false; error: { type: 'tool_error'; message: string } };

/** The inbound context the gateway's buildContext makes (the fields the fake fills). */
export interface FakeInboundContext {
  Body: string;
  BodyForAgent?: string;
  RawBody?: string;
  From: string;
  To: string;
  SessionKey: string;
  AccountId: string;
  MessageSid: string;
  ChatType: string;
  ChatId: string;
  SenderId: string;
  SenderName?: string;
  Provider: string;
  OriginatingChannel: string;
  OriginatingTo: string;
  [extra: string]: unknown;
}

export interface FakeGatewayOptions {
  /** The gateway's record of inbound message ids it has taken (kept across a "restart" by passing the same set). */
  seenInbound?: Set<string>;
}

export function fakeGateway(pluginConfig: Record<string, unknown>, stateDir: string, options: FakeGatewayOptions = {}): FakeGateway {
  const channels = new Map<string, ChannelPlugin<unknown>>();
  const channelStatus = new Map<string, ChannelAccountSnapshot>();
  const running: Array<{ abort: AbortController; done: Promise<unknown> }> = [];
  const inbound: FakeInboundContext[] = [];
  const seenInbound = options.seenInbound ?? new Set<string>();
  // eslint-disable-next-line prefer-const
  let gw: FakeGateway;
  const tools = new Map<string, AgentTool>();
  const toolOrder: string[] = [];
  const commands = new Map<string, OpenClawPluginCommandDefinition>();
  const services: OpenClawPluginService[] = [];
  const hooks: Array<PluginHookHandlerMap['before_dispatch']> = [];
  const sent: SentMessage[] = [];
  const logs: Array<{ level: string; message: string }> = [];
  const failChannel = new Set<string>();
  const logger: PluginLogger = {
    debug: (message) => logs.push({ level: 'debug', message }),
    info: (message) => logs.push({ level: 'info', message }),
    warn: (message) => logs.push({ level: 'warn', message }),
    error: (message) => logs.push({ level: 'error', message }),
  };
  const config = { plugins: { entries: { parley: { enabled: true, config: pluginConfig } } } };
  const api: OpenClawPluginApi = {
    id: 'parley',
    name: 'Parley',
    source: resolve('.'),
    rootDir: resolve('.'),
    registrationMode: 'full',
    config,
    pluginConfig,
    logger,
    runtime: {
      channel: {
        routing: {
          // The gateway's session keys for these scopes (resolveAgentRoute, buildAgentPeerSessionKey).
          resolveAgentRoute: ({ channel, accountId, peer, dmScope }) => ({
            agentId: 'main',
            accountId,
            dmScope: dmScope ?? 'main',
            mainSessionKey: 'agent:main:main',
            sessionKey:
              peer.kind === 'group'
                ? `agent:main:${channel}:group:${peer.id}`
                : dmScope === 'per-account-channel-peer'
                  ? `agent:main:${channel}:${accountId}:direct:${peer.id}`
                  : 'agent:main:main',
          }),
        },
        inbound: {
          buildContext: (p: ChannelInboundContextParams): FakeInboundContext => ({
            Body: p.message.body,
            ...(p.message.bodyForAgent !== undefined ? { BodyForAgent: p.message.bodyForAgent } : {}),
            ...(p.message.rawBody !== undefined ? { RawBody: p.message.rawBody } : {}),
            From: p.from,
            To: p.reply.to,
            SessionKey: p.route.dispatchSessionKey ?? p.route.routeSessionKey,
            AccountId: p.route.accountId ?? p.accountId,
            MessageSid: p.messageId,
            ChatType: p.conversation.kind,
            ChatId: p.conversation.id,
            SenderId: p.sender.id,
            ...(p.sender.name !== undefined ? { SenderName: p.sender.name } : {}),
            Provider: p.channel,
            OriginatingChannel: p.channel,
            OriginatingTo: p.reply.originatingTo ?? p.reply.to,
            ...(p.extra ?? {}),
          }),
          dispatch: async ({ ctxPayload, delivery }) => {
            const ctx = ctxPayload as FakeInboundContext;
            // The gateway skips a message id it has already taken (durably, across restarts).
            const key = JSON.stringify([ctx.OriginatingChannel, ctx.AccountId, ctx.OriginatingTo, ctx.MessageSid]);
            if (seenInbound.has(key)) return { admission: { kind: 'dispatch' }, dispatched: false, dispatchResult: { counts: { final: 0 } } };
            seenInbound.add(key);
            inbound.push(ctx);
            const replies = gw.agent ? await gw.agent(ctx) : [{ text: '⚠️ No model is configured.', isError: true }];
            let final = 0;
            let visible = false;
            let allSuppressed = replies.length > 0;
            const send = async (payload: ReplyPayload) => {
              try {
                const r = await delivery.deliver(payload, { kind: 'final' });
                final++;
                if (!r || r.visibleReplySent !== false) visible = true;
                if (r?.suppression?.reason !== 'channel_transform') allSuppressed = false;
              } catch (err) {
                allSuppressed = false;
                delivery.onError?.(err, { kind: 'final' });
              }
            };
            for (const r of replies) await send(typeof r === 'string' ? { text: r } : r);
            // The gateway's own notice when a turn produced nothing visible, unless the channel suppressed it on purpose.
            if (!visible && !allSuppressed) await send({ text: "⚠️ OpenClaw couldn't produce or deliver a reply. Please try again." });
            return { admission: { kind: 'dispatch' }, dispatched: true, dispatchResult: { counts: { final } } };
          },
        },
        outbound: {
          loadAdapter: async (id) => {
            if (id !== 'telegram' && id !== 'discord') return undefined;
            return {
              deliveryMode: 'direct',
              textChunkLimit: 4096,
              sendText: async (ctx) => {
                if (failChannel.has(id)) throw new Error(`${id} is down`);
                sent.push({ ...ctx, channel: id });
                return { channel: id, messageId: String(sent.length) };
              },
            };
          },
        },
      },
    },
    registerTool: (tool) => {
      if (typeof tool === 'function') throw new Error('the fake gateway takes tool objects only');
      if (tools.has(tool.name)) throw new Error(`tool ${tool.name} registered twice`);
      tools.set(tool.name, tool);
      toolOrder.push(tool.name);
    },
    registerService: (service) => services.push(service),
    registerChannel: (registration) => {
      const plugin = 'plugin' in registration ? registration.plugin : registration;
      // What the gateway checks before it accepts a channel.
      if (!plugin.id || !plugin.capabilities?.chatTypes?.length) throw new Error('a channel needs an id and capabilities.chatTypes');
      if (typeof plugin.config?.listAccountIds !== 'function' || typeof plugin.config.resolveAccount !== 'function') {
        throw new Error('a channel needs config.listAccountIds and config.resolveAccount');
      }
      if (channels.has(plugin.id)) throw new Error(`channel ${plugin.id} registered twice`);
      channels.set(plugin.id, plugin);
    },
    registerCommand: (command) => {
      if (commands.has(command.name)) throw new Error(`command ${command.name} registered twice`);
      commands.set(command.name, command);
    },
    resolvePath: (input) => resolve(stateDir, input),
    on: (hookName, handler) => {
      if (hookName !== 'before_dispatch') throw new Error(`unexpected hook ${hookName}`);
      hooks.push(handler);
    },
  };
  const serviceContext = (): OpenClawPluginServiceContext => ({ config, stateDir, logger });
  gw = {
    api,
    channels,
    channelStatus,
    inbound,
    tools,
    toolOrder,
    commands,
    services,
    hooks,
    sent,
    logs,
    stateDir,
    failChannel,
    serviceContext,
    async startServices() {
      for (const s of services) await s.start(serviceContext());
      for (const plugin of channels.values()) {
        for (const accountId of plugin.config.listAccountIds(config)) {
          const account = plugin.config.resolveAccount(config, accountId);
          if (plugin.config.isEnabled && !plugin.config.isEnabled(account, config)) continue;
          if (plugin.config.isConfigured && !plugin.config.isConfigured(account, config)) continue;
          const abort = new AbortController();
          const statusKey = `${plugin.id}:${accountId}`;
          const done = Promise.resolve(
            plugin.gateway?.startAccount({
              cfg: config,
              accountId,
              account,
              abortSignal: abort.signal,
              log: logger,
              getStatus: () => channelStatus.get(statusKey) ?? {},
              setStatus: (next) => channelStatus.set(statusKey, next),
              channelRuntime: api.runtime.channel,
            }),
          ).catch((err: unknown) => logs.push({ level: 'error', message: `channel ${statusKey} failed: ${String(err)}` }));
          running.push({ abort, done });
        }
      }
    },
    async stopServices() {
      for (const s of [...services].reverse()) await s.stop?.(serviceContext());
      for (const r of running.splice(0)) {
        r.abort.abort();
        await r.done;
      }
    },
    async channelSend(channel, ctx) {
      const plugin = channels.get(channel);
      if (!plugin?.outbound?.sendText) throw new Error(`no outbound sendText on channel ${channel}`);
      return plugin.outbound.sendText({ ...ctx, cfg: config });
    },
    async slash(args, ctx = {}) {
      const command = commands.get('parley');
      if (!command) throw new Error('no /parley command registered');
      const reply = await command.handler({
        ...telegramCommand({ chat: '4242' }),
        isAuthorizedSender: true,
        args,
        commandBody: `/parley ${args}`,
        config,
        ...ctx,
      });
      return reply.text ?? '';
    },
    async say(content, ctx = {}, event = {}) {
      for (const h of hooks) {
        const r = await h(
          { content, channel: 'telegram', senderId: '4242', isGroup: false, ...event },
          { channelId: 'telegram', conversationId: '4242', senderId: '4242', ...ctx },
        );
        if (r && r.handled) return r;
      }
      return undefined;
    },
    async tool(name, params, signal) {
      const t = tools.get(name);
      if (!t) throw new Error(`no tool ${name}`);
      try {
        return (await t.execute(`call-${Math.random().toString(36).slice(2)}`, params, signal)) as ToolResult;
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        const details = { status: 'error', tool: name, error };
        return { content: [{ type: 'text', text: JSON.stringify(details, null, 2) }], details };
      }
    },
    async invoke(name, params, signal) {
      const t = tools.get(name);
      if (!t) throw new Error(`no tool ${name}`);
      try {
        const result = (await t.execute(`call-${Math.random().toString(36).slice(2)}`, params, signal)) as ToolResult;
        return { status: 200, ok: true, result };
      } catch (err) {
        const e = err as { name?: unknown; message?: unknown; status?: unknown };
        if (e.name === 'ToolInputError' || e.name === 'ToolAuthorizationError') {
          const status = e.name === 'ToolAuthorizationError' || e.status === 403 ? 403 : 400;
          return { status, ok: false, error: { type: 'tool_error', message: String(e.message) } };
        }
        return { status: 500, ok: false, error: { type: 'tool_error', message: 'tool execution failed' } };
      }
    },
  };
  return gw;
}

/**
 * The fields the real gateway puts in a plugin command's context for a
 * Telegram command (its native command menu path): a DM with user `sender`
 * (`chat` is the user's own id), or a group or forum topic. No channelId on
 * this path; `to` is the chat, `from` names a group as "telegram:group:<id>",
 * and senderId is always the user, never the chat.
 */
export function telegramCommand(o: { chat: string; sender?: string; group?: boolean; topic?: number }): Partial<PluginCommandContext> & { channel: string } {
  const sender = o.sender ?? o.chat;
  const ctx: Partial<PluginCommandContext> & { channel: string } = {
    channel: 'telegram',
    senderId: sender,
    from: o.group ? `telegram:group:${o.chat}${o.topic !== undefined ? `:topic:${o.topic}` : ''}` : `telegram:${o.chat}`,
    to: `telegram:${o.chat}`,
    accountId: 'default',
  };
  if (o.topic !== undefined) ctx.messageThreadId = o.topic;
  return ctx;
}

/**
 * The before_dispatch hook's event and context for a Telegram message, as the
 * gateway builds them: the context's conversationId is the reply target
 * without its "telegram:" prefix (the chat: the user in a DM, the group in a
 * group), senderId the user.
 */
export function telegramMessage(o: { chat: string; sender?: string; group?: boolean }): { ctx: Partial<PluginHookBeforeDispatchContext>; event: Partial<PluginHookBeforeDispatchEvent> } {
  const sender = o.sender ?? o.chat;
  return {
    ctx: { channelId: 'telegram', accountId: 'default', conversationId: o.chat, senderId: sender },
    event: { channel: 'telegram', senderId: sender, isGroup: o.group === true },
  };
}

/** A fake gateway with the Parley plugin registered (through the same code as the entry's register). */
export function gatewayWithPlugin(
  pluginConfig: Record<string, unknown>,
  stateDir: string,
  options: ParleyRuntimeOptions = {},
  gatewayOptions: FakeGatewayOptions = {},
): { gw: FakeGateway; runtime: ParleyPluginRuntime } {
  const gw = fakeGateway(pluginConfig, stateDir, gatewayOptions);
  const runtime = registerParley(gw.api, options);
  return { gw, runtime };
}

/** A hub in memory; `options` add to it (governance rules). */
export async function startTestHub(options: Partial<HubOptions> = {}): Promise<RunningHub> {
  return startHub({ ...options, port: 0, dbPath: ':memory:', logLevel: 'silent' });
}

export async function tempDir(prefix = 'parley-openclaw-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Polls `predicate` until true; fails with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface PluginAgent {
  gw: FakeGateway;
  runtime: ParleyPluginRuntime;
  agentId: string;
  /** Stops the plugin's service and deletes its state directory. */
  stop(): Promise<void>;
}

/**
 * The plugin as a new agent `name` on the hub, started and connected, posting
 * its events to the telegram chat `to`. Its rate limit is generous: the tests
 * that use it read each event in the chat, not summaries.
 */
export async function pluginAgent(hubUrl: string, name: string, to = '4242', config: Record<string, unknown> = {}): Promise<PluginAgent> {
  const dir = await tempDir();
  const { gw, runtime } = gatewayWithPlugin({ hubUrl, agentName: name, route: { channel: 'telegram', to }, rateLimit: { burst: 500, perMinute: 6000 }, ...config }, dir.path);
  const stop = async () => {
    await gw.stopServices();
    await dir.remove();
  };
  try {
    await gw.startServices();
    await waitFor(() => runtime.connection?.state === 'connected', `${name} to connect`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { gw, runtime, agentId: runtime.connection!.agentId!, stop };
}

/** Another agent on the hub, driven directly with the client. */
/** Another agent of a test, driven with the client directly. */
export interface Peer {
  client: ParleyClient;
  identity: Identity;
}

export async function peer(url: string, name: string): Promise<Peer> {
  const identity = createIdentity();
  await register(url, identity, { name });
  const client = new ParleyClient({ url, identity, reconnect: { initialDelayMs: 50, maxDelayMs: 250 } });
  await client.connect();
  return { client, identity };
}

/** The text of a tool result. */
export function text(r: ToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** A tool call that must succeed: its text and raw result. */
export async function toolOk(gw: FakeGateway, name: string, params: Record<string, unknown>): Promise<{ text: string; details: Record<string, unknown> }> {
  const r = await gw.invoke(name, params);
  expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
  if (!r.ok) throw new Error('unreachable');
  return { text: text(r.result), details: r.result.details as Record<string, unknown> };
}

/**
 * A tool call that must fail the way the gateway reports failures: a thrown
 * ToolInputError (400) or ToolAuthorizationError (403) whose message is the
 * readable text with the Parley code. Its text, code and HTTP status; the
 * same call in an agent run is classified as failed too.
 */
export async function toolFails(gw: FakeGateway, name: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<{ text: string; code: string; status: number }> {
  const r = await gw.invoke(name, params, signal);
  expect(r.ok, r.ok ? text(r.result) : '').toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect([400, 403]).toContain(r.status);
  const m = /^Parley error \(([a-z_]+)\)/.exec(r.error.message);
  expect(m, r.error.message).not.toBeNull();
  const inRun = await gw.tool(name, params, signal);
  expect(inRun.details).toMatchObject({ status: 'error', tool: name });
  return { text: r.error.message, code: m![1]!, status: r.status };
}

/** Waits for a message the plugin sent to the chat that contains every one of `parts`; returns it. */
export async function inChat(gw: FakeGateway, what: string, ...parts: string[]): Promise<string> {
  let found: string | undefined;
  await waitFor(() => (found = gw.sent.map((m) => m.text).find((t) => parts.every((p) => t.includes(p)))) !== undefined, what);
  return found!;
}

/** The first id with this prefix in a text (a command's reply names what it created). */
export function idIn(prefix: 'tsk' | 'pip' | 'dlg' | 'top' | 'wld' | 'wbc' | 'chr' | 'cnv' | 'fbk' | 'prp' | 'dlb' | 'iss' | 'ltx' | 'cnt', s: string): string {
  const m = new RegExp(`${prefix}_[a-z0-9]+`).exec(s);
  if (!m) throw new Error(`no ${prefix} id in: ${s}`);
  return m[0];
}
