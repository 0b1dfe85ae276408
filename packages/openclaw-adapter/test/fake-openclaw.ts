// A stand-in for the OpenClaw gateway's side of the plugin API, typed with
// the plugin's own copy of OpenClaw's shapes (src/openclaw-types.ts). It
// records what the plugin registers and what it sends to a channel. Only the
// host is faked: the tests run the plugin against a real Parley hub.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startHub, type RunningHub } from '@parley/hub';
import { createIdentity, ParleyClient, register, type Identity } from '@parley/client';
import { registerParley, type ParleyPluginRuntime, type ParleyRuntimeOptions } from '../src/index.js';
import type {
  AgentTool,
  ChannelOutboundContext,
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
  startServices(): Promise<void>;
  stopServices(): Promise<void>;
  /** "/parley <args>" as OpenClaw would call the command handler. */
  slash(args: string, ctx?: Partial<PluginCommandContext>): Promise<string>;
  /** An inbound chat message through the before_dispatch hooks; the hook's answer, if one handled it. */
  say(content: string, ctx?: Partial<PluginHookBeforeDispatchContext>, event?: Partial<PluginHookBeforeDispatchEvent>): Promise<{ handled: boolean; text?: string } | undefined>;
  tool(name: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<ToolResult>;
}

export function fakeGateway(pluginConfig: Record<string, unknown>, stateDir: string): FakeGateway {
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
  return {
    api,
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
    },
    async stopServices() {
      for (const s of services) await s.stop?.(serviceContext());
    },
    async slash(args, ctx = {}) {
      const command = commands.get('parley');
      if (!command) throw new Error('no /parley command registered');
      const reply = await command.handler({
        channel: 'telegram',
        channelId: 'telegram',
        isAuthorizedSender: true,
        senderId: '4242',
        from: 'telegram:4242',
        to: 'telegram:bot',
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
      return (await t.execute(`call-${Math.random().toString(36).slice(2)}`, params, signal)) as ToolResult;
    },
  };
}

/** A fake gateway with the Parley plugin registered (through the same code as the entry's register). */
export function gatewayWithPlugin(
  pluginConfig: Record<string, unknown>,
  stateDir: string,
  options: ParleyRuntimeOptions = {},
): { gw: FakeGateway; runtime: ParleyPluginRuntime } {
  const gw = fakeGateway(pluginConfig, stateDir);
  const runtime = registerParley(gw.api, options);
  return { gw, runtime };
}

export async function startTestHub(): Promise<RunningHub> {
  return startHub({ port: 0, dbPath: ':memory:', logLevel: 'silent' });
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

/** Another agent on the hub, driven directly with the client. */
export async function peer(url: string, name: string): Promise<{ client: ParleyClient; identity: Identity }> {
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
