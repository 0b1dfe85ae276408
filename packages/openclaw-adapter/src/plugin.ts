// The plugin's runtime: what register(api) wires into OpenClaw. One object
// holds the config, the connection (owned by the background service), the
// push router, the command table and the tools built from the domain modules.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { events as protocolEvents, type ActionName, type EventName, type ParamsOf, type PushFrame, type ResultOf } from '@parley/protocol';
import type { TransferRequest } from '@parley/client';
import { CommandTable, FREE_TEXT_PREFIX, matchFreeText, runCommandLine, SLASH_COMMAND } from './commands/parser.js';
import type { ChatOrigin, CommandHost, CommandSpec } from './commands/spec.js';
import { DEFAULT_ACCOUNT, hubUrlText, ImRoute, resolveConfig, type ConfigResult, type ResolvedConfig } from './config.js';
import { agentFiles, ParleyConnection } from './connection.js';
import { inboundEvent, InboundDispatcher, type InboundEvent } from './inbound.js';
import { sendToTarget, type SentToTarget, type TargetCaller } from './targets.js';
import type { FormatContext, ParleyCaller, ParleyDomain, PushFilterContext, PushHandler } from './domain.js';
import { DOMAINS } from './domains/index.js';
import { ConfigError, errorText, NotConnectedError } from './errors.js';
import { clip } from './format.js';
import type {
  AgentTool,
  ChannelOutboundContext,
  ChannelRuntime,
  OpenClawPluginApi,
  OpenClawPluginServiceContext,
  PluginCommandContext,
  PluginHookBeforeDispatchContext,
  PluginHookBeforeDispatchEvent,
} from './openclaw-types.js';
import type { Clock } from './rate-limit.js';
import { describePush, PushRouter } from './router.js';
import { buildAccountTool, buildTool, type ToolHost } from './tools.js';

export const PLUGIN_ID = 'parley';
export const SERVICE_ID = 'parley-connection';

/** The Parley channel account while the gateway runs it (channel.ts). */
export interface AttachedChannel {
  runtime: ChannelRuntime;
  status(connected: boolean): void;
  inbound(): void;
  outbound(): void;
}

/** Events for the agent that arrived before the channel account started: at most this many wait. */
const MAX_WAITING_FOR_CHANNEL = 1000;

/** What "/parley config auto|off" saved, next to the identity. */
type SavedRoute = { mode: 'auto'; route: ImRoute } | { mode: 'off' };

export interface ParleyRuntimeOptions {
  /** Which account (Parley identity) this runtime is, and its config (default: the top-level config, "default"). */
  account?: { id: string; config: ConfigResult };
  /** The domain modules (default: all of src/domains). */
  domains?: readonly ParleyDomain[];
  /** Time for the rate limiter (tests). */
  clock?: Clock;
}

export class ParleyPluginRuntime implements ParleyCaller, ToolHost, CommandHost {
  readonly api: OpenClawPluginApi;
  readonly configResult: ConfigResult;
  readonly accountId: string;
  readonly domains: readonly ParleyDomain[];
  readonly table: CommandTable;
  readonly handlers: ReadonlyMap<string, PushHandler>;
  readonly #clock: Clock | undefined;
  #connection: ParleyConnection | null = null;
  #router: PushRouter | null = null;
  #saved: SavedRoute | null = null;
  #routePath: string | null = null;
  /** The agent's OpenClaw workspace, where `/parley skill install` writes (skills/<name>/); known once the service starts. */
  #workspaceDir: string | null = null;
  #warnedNoRoute = false;
  #channel: AttachedChannel | null = null;
  #inbound: InboundDispatcher | null = null;
  /** Events for the agent waiting for the channel account to start. */
  #waiting: Array<{ frame: PushFrame; ev: InboundEvent; router: PushRouter }> = [];
  /** How replies and channel sends reach the hub: this account's connection, when it is up. */
  readonly #targets: TargetCaller;

  constructor(api: OpenClawPluginApi, options: ParleyRuntimeOptions = {}) {
    this.api = api;
    this.domains = options.domains ?? DOMAINS;
    this.#clock = options.clock;
    this.accountId = options.account?.id ?? DEFAULT_ACCOUNT;
    this.configResult = options.account?.config ?? resolveConfig(api.pluginConfig);
    this.table = new CommandTable(this.domains.flatMap((d) => d.commands ?? []));
    this.#targets = this.#targetCaller();
    const handlers = new Map<string, PushHandler>();
    for (const d of this.domains) {
      for (const h of d.pushes ?? []) {
        if (handlers.has(h.event)) throw new Error(`two domains format the push event ${h.event}`);
        handlers.set(h.event, h);
      }
    }
    this.handlers = handlers;
  }

  get commands(): readonly CommandSpec[] {
    return this.table.commands;
  }

  get connection(): ParleyConnection | null {
    return this.#connection;
  }

  get router(): PushRouter | null {
    return this.#router;
  }

  #config(): ResolvedConfig {
    if (!this.configResult.ok) throw new ConfigError(this.configResult.error);
    return this.configResult.config;
  }

  /**
   * Every tool of every domain, built for this runtime, or for these
   * accounts' runtimes (an `account` parameter then picks one). Names are unique.
   */
  tools(accounts?: ReadonlyMap<string, ParleyPluginRuntime>): AgentTool<Record<string, unknown>, unknown>[] {
    const seen = new Set<string>();
    const out: AgentTool<Record<string, unknown>, unknown>[] = [];
    for (const d of this.domains) {
      for (const spec of d.tools ?? []) {
        if (seen.has(spec.name)) throw new Error(`two domains define the tool ${spec.name}`);
        seen.add(spec.name);
        out.push(accounts && accounts.size > 1 ? buildAccountTool(spec, accounts, this.accountId) : buildTool(spec, this));
      }
    }
    return out;
  }

  // ---- calls ----

  async call<A extends ActionName>(action: A, params: ParamsOf<A>, signal?: AbortSignal): Promise<ResultOf<A>> {
    this.#config();
    const conn = this.#connection;
    if (!conn) throw new NotConnectedError('the Parley service has not started (is the plugin enabled and the gateway running?)');
    const client = conn.connected();
    const result = await client.call(action, params, signal ? { signal } : undefined);
    if (action === 'inbox/poll') this.#router?.onPolled();
    return result;
  }

  /** A signed asset/transfer through the connection's client, which holds the key (see ParleyCaller.transfer). */
  async transfer(req: TransferRequest): Promise<ResultOf<'asset/transfer'>> {
    this.#config();
    const conn = this.#connection;
    if (!conn) throw new NotConnectedError('the Parley service has not started (is the plugin enabled and the gateway running?)');
    return conn.connected().transfer(req);
  }

  formatContext(): FormatContext {
    return {
      selfId: this.#connection?.agentId ?? null,
      hubUrl: this.#connection?.client?.url ?? null,
      describePush: (frame: PushFrame) => describePush(this.handlers, frame, this.formatContext()),
    };
  }

  #filterContext(config: ResolvedConfig): PushFilterContext {
    return { selfId: this.#connection?.agentId ?? null, selfName: this.#connection?.agentName ?? null, config };
  }

  // ---- the service ----

  #identityPath(config: ResolvedConfig, stateDir: string): string {
    if (config.identityPath) return this.api.resolvePath(config.identityPath);
    const dir = this.accountId === DEFAULT_ACCOUNT ? join(stateDir, 'parley') : join(stateDir, 'parley', 'accounts', this.accountId);
    return join(dir, 'identity.json');
  }

  /** The service's workspace, else OpenClaw's configured default (agents.defaults.workspace), else its default folder in the state directory. */
  #workspace(given: string | undefined, stateDir: string): string {
    if (given) return given;
    const agents = this.api.config.agents as { defaults?: { workspace?: unknown } } | undefined;
    const configured = agents?.defaults?.workspace;
    return typeof configured === 'string' && configured.trim() !== '' ? this.api.resolvePath(configured) : join(stateDir, 'workspace');
  }

  /** CommandHost: where skills are installed; null until the service has started. */
  workspaceDir(): string | null {
    return this.#workspaceDir;
  }

  async start(ctx: OpenClawPluginServiceContext): Promise<void> {
    if (!this.configResult.ok) {
      ctx.logger.error(`parley: ${this.configResult.error}; the service does not start`);
      return;
    }
    if (this.#connection) return;
    const config = this.configResult.config;
    const identityPath = this.#identityPath(config, ctx.stateDir);
    this.#workspaceDir = this.#workspace(ctx.workspaceDir, ctx.stateDir);
    this.#routePath = agentFiles(identityPath).routePath;
    this.#saved = await this.#loadSavedRoute();
    const router = new PushRouter({
      handlers: this.handlers,
      config,
      filterContext: () => this.#filterContext(config),
      formatContext: () => this.formatContext(),
      deliver: (text) => this.#deliver(text),
      ack: (stream, seq) => this.#connection?.client?.ack(stream, seq),
      logger: this.api.logger,
      ...(this.#clock ? { clock: this.#clock } : {}),
    });
    this.#router = router;
    const conn = new ParleyConnection(config, identityPath, this.api.logger);
    this.#connection = conn;
    const a = config.agent;
    if (anyAgentSwitch(a) && !this.api.registerChannel) {
      this.api.logger.warn('parley: this OpenClaw has no channel plugins: the "agent" switches have no effect (the events only go to the chat)');
    }
    this.#inbound = new InboundDispatcher({
      accountId: this.accountId,
      config,
      runtime: () => this.#channel?.runtime,
      cfg: () => this.api.config,
      caller: this.#targets,
      logger: this.api.logger,
      // The human sees what the agent said on its own, in the chat the events go to.
      onReplied: (ev, text) => {
        this.#channel?.outbound();
        router.post(`Parley: your agent answered ${answeredWhere(ev)} by itself:\n${clip(text, 1000)}`, 'answer of the agent');
      },
    });
    await conn.start({
      onPush: (frame) => this.#onPush(frame, config, router),
      onDisconnected: () => this.#channel?.status(false),
      onGap: (info) =>
        router.notice(
          `Parley: some events of ${info.stream} could not be replayed (${info.reason}); "/parley poll" shows what is still unread.`,
        ),
      onConnected: () => this.#channel?.status(true),
    });
  }

  // ---- the agent answers by itself (the Parley channel) ----

  #onPush(frame: PushFrame, config: ResolvedConfig, router: PushRouter): void {
    const ev = this.#agentEvent(frame, config);
    if (!ev) {
      router.handle(frame);
      return;
    }
    // Not read until the agent has it: a crash before that redelivers it.
    router.retain(frame);
    router.handle(frame, true);
    if (this.#channel) this.#dispatch(frame, ev, router);
    else if (this.#waiting.length < MAX_WAITING_FOR_CHANNEL) this.#waiting.push({ frame, ev, router });
    else router.release(frame, false);
  }

  #agentEvent(frame: PushFrame, config: ResolvedConfig): InboundEvent | null {
    const a = config.agent;
    if (!anyAgentSwitch(a)) return null;
    // A host without channel plugins never starts the channel: nothing would take the event.
    if (!this.api.registerChannel) return null;
    if (!Object.hasOwn(protocolEvents, frame.event)) return null;
    const parsed = protocolEvents[frame.event as EventName].data.safeParse(frame.data);
    if (!parsed.success) return null;
    const conn = this.#connection;
    return inboundEvent(frame, parsed.data, config, conn?.agentId ?? null, conn?.agentName ?? null);
  }

  #dispatch(frame: PushFrame, ev: InboundEvent, router: PushRouter): void {
    this.#channel?.inbound();
    void this.#inbound!.dispatch(ev).then((ok) => router.release(frame, ok));
  }

  /**
   * The Parley channel account started (channel.ts): events for the agent go
   * to the gateway from now on, those that waited first. Returns the detach.
   */
  attachChannel(channel: AttachedChannel): () => void {
    this.#channel = channel;
    for (const w of this.#waiting.splice(0)) this.#dispatch(w.frame, w.ev, w.router);
    return () => {
      if (this.#channel === channel) this.#channel = null;
    };
  }

  #targetCaller(): TargetCaller {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      get selfId() {
        return self.#connection?.agentId ?? null;
      },
      call: (action, params, opts) => {
        this.#config();
        const conn = this.#connection;
        if (!conn) throw new NotConnectedError('the Parley service has not started (is the plugin enabled and the gateway running?)');
        return conn.connected().call(action, params, opts);
      },
    };
  }

  /**
   * The channel's outbound send (the `message` tool, the gateway's `send`,
   * replies routed to a Parley session): the text to a Parley target. A send
   * from the gateway's durable queue is keyed by its queue row, so a retry
   * after a restart is applied once.
   */
  async sendText(ctx: ChannelOutboundContext): Promise<SentToTarget> {
    const key = ctx.deliveryQueueId ? `openclaw-delivery:${ctx.deliveryQueueId}:${ctx.deliveryPartIndex ?? 0}` : undefined;
    const sent = await sendToTarget(this.#targets, ctx.to, ctx.text, { ...(key ? { key } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
    this.#channel?.outbound();
    return sent;
  }

  async stop(): Promise<void> {
    const conn = this.#connection;
    const router = this.#router;
    this.#connection = null;
    this.#router = null;
    // Events that never reached the agent stay unread for the next start.
    for (const w of this.#waiting.splice(0)) w.router.release(w.frame, false);
    await router?.stop();
    await conn?.stop();
  }

  // ---- the chat route ----

  effectiveRoute(): { route: ImRoute | null; source: 'config' | 'auto' | 'off' | 'none' } {
    if (this.#saved?.mode === 'off') return { route: null, source: 'off' };
    if (this.#saved?.mode === 'auto') return { route: this.#saved.route, source: 'auto' };
    const configured = this.configResult.ok ? this.configResult.config.route : undefined;
    return configured ? { route: configured, source: 'config' } : { route: null, source: 'none' };
  }

  async #deliver(text: string): Promise<boolean> {
    const { route, source } = this.effectiveRoute();
    if (!route) {
      if (source === 'none' && !this.#warnedNoRoute) {
        this.#warnedNoRoute = true;
        this.api.logger.warn('parley: no chat route: Parley events are not forwarded. Set "route" in the plugin config or say "/parley config auto" in a chat.');
      }
      return false;
    }
    const adapter = await this.api.runtime.channel.outbound.loadAdapter(route.channel);
    if (!adapter?.sendText) {
      this.api.logger.warn(`parley: channel "${route.channel}" has no outbound text adapter; events are not forwarded`);
      return false;
    }
    await adapter.sendText({
      cfg: this.api.config,
      to: route.to,
      text: clip(text, adapter.textChunkLimit ?? 4000),
      ...(route.accountId ? { accountId: route.accountId } : {}),
      ...(route.threadId !== undefined ? { threadId: route.threadId } : {}),
    });
    return true;
  }

  async #loadSavedRoute(): Promise<SavedRoute | null> {
    if (!this.#routePath) return null;
    try {
      const v = JSON.parse(await readFile(this.#routePath, 'utf8')) as { mode?: unknown; route?: unknown };
      if (v.mode === 'off') return { mode: 'off' };
      if (v.mode === 'auto') {
        const r = ImRoute.safeParse(v.route);
        if (r.success) return { mode: 'auto', route: r.data };
      }
    } catch {
      // No saved route (or an unreadable one): the configured route applies.
    }
    return null;
  }

  async #saveRoute(saved: SavedRoute | null): Promise<void> {
    this.#saved = saved;
    this.#warnedNoRoute = false;
    if (!this.#routePath) return;
    if (saved === null) await rm(this.#routePath, { force: true });
    else {
      await mkdir(dirname(this.#routePath), { recursive: true, mode: 0o700 });
      await writeFile(this.#routePath, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
    }
  }

  // ---- CommandHost ----

  describeSettings(): string {
    if (!this.configResult.ok) return `Parley is not configured correctly: ${this.configResult.error}`;
    const c = this.configResult.config;
    const conn = this.#connection;
    const { route, source } = this.effectiveRoute();
    const routeText =
      source === 'off'
        ? 'off (say "config auto" here to send them to this chat)'
        : route
          ? `${route.channel} ${route.to}${route.accountId ? ` (account ${route.accountId})` : ''}${route.threadId !== undefined ? ` thread ${route.threadId}` : ''} (${source === 'auto' ? 'set with "config auto"' : 'from the plugin config'})`
          : 'none (say "config auto" in the chat that should get them)';
    return [
      ...(this.accountId !== DEFAULT_ACCOUNT ? [`account: ${this.accountId}`] : []),
      `Parley hub: ${conn?.client?.url ?? hubUrlText(c.hubUrl)}${typeof c.hubUrl === 'string' ? '' : ` (of ${hubUrlText(c.hubUrl)})`}`,
      `agent: ${conn?.agentId ?? '-'}${conn?.agentName ? ` "${conn.agentName}"` : ''}, connection: ${conn?.state ?? 'service not started'}`,
      `identity: ${conn?.identityPath ?? (c.identityPath ?? '<state dir>/parley/identity.json')}`,
      `events go to: ${routeText}`,
      `forwarded events: ${c.events.join(', ') || 'none'}; topic messages: ${c.topicMessages}${c.topics ? ` (topics ${c.topics.join(', ')})` : ''}`,
      `rate limit: ${c.rateLimit.burst} at once, then ${c.rateLimit.perMinute} per minute; the rest is summarised`,
    ].join('\n');
  }

  async routeHere(origin: ChatOrigin): Promise<string> {
    this.#config();
    if (!this.#routePath) return 'The Parley service has not started yet; try again in a moment.';
    const parsed = ImRoute.safeParse({
      channel: origin.channel,
      to: origin.to,
      ...(origin.accountId ? { accountId: origin.accountId } : {}),
      ...(origin.threadId !== undefined ? { threadId: origin.threadId } : {}),
    });
    if (!parsed.success) return 'Cannot tell which chat this is (no channel or target). Set "route" in the plugin config instead.';
    await this.#saveRoute({ mode: 'auto', route: parsed.data });
    return `Parley events now go to this chat (${parsed.data.channel} ${parsed.data.to}).`;
  }

  async routeOff(): Promise<string> {
    this.#config();
    if (!this.#routePath) return 'The Parley service has not started yet; try again in a moment.';
    await this.#saveRoute({ mode: 'off' });
    return 'Parley events are no longer sent to any chat (they stay unread; "config auto" turns it back on).';
  }

  async routeReset(): Promise<string> {
    this.#config();
    if (!this.#routePath) return 'The Parley service has not started yet; try again in a moment.';
    await this.#saveRoute(null);
    const { route } = this.effectiveRoute();
    return route ? `Back to the configured route: ${route.channel} ${route.to}.` : 'Back to the plugin config, which sets no route: events are not forwarded.';
  }

  // ---- chat commands ----

  /** Runs a command line from a chat; never throws. */
  async runChat(line: string, prefix: string, origin: ChatOrigin): Promise<string> {
    try {
      const allowed = this.configResult.ok ? this.configResult.config.chatCommands.allowedSenders : undefined;
      if (allowed && (origin.senderId === undefined || !allowed.includes(origin.senderId))) {
        return 'You are not allowed to run Parley commands (chatCommands.allowedSenders).';
      }
      return await runCommandLine(this.table, line, { caller: this, prefix, format: this.formatContext(), chat: origin, host: this });
    } catch (err) {
      return errorText(err);
    }
  }

  /** The "/parley" command handler. */
  async handleSlash(ctx: PluginCommandContext): Promise<string> {
    // The chat to answer into is the host's own reply target, `to`: the chat
    // itself in a DM and in a group ("telegram:-1001234567"), never the
    // sender (that would send a group's events to the sender's private chat).
    // The native command path gives no channelId; `from` is not a target in
    // groups ("telegram:group:-100...") and is only the last resort.
    const origin: ChatOrigin = {
      surface: 'slash',
      channel: ctx.channelId ?? ctx.channel,
      ...pick({ to: ctx.to ?? ctx.from, accountId: ctx.accountId, threadId: ctx.messageThreadId, senderId: ctx.senderId }),
    };
    return this.runChat(ctx.args ?? '', `/${SLASH_COMMAND}`, origin);
  }

  /** The before_dispatch hook: "@parley ..." answered without the agent; anything else passes. */
  async handleFreeText(event: PluginHookBeforeDispatchEvent, ctx: PluginHookBeforeDispatchContext): Promise<{ handled: true; text: string } | undefined> {
    if (!this.configResult.ok || !this.configResult.config.chatCommands.freeText) return undefined;
    const line = matchFreeText(event.content);
    if (line === null) return undefined;
    const origin: ChatOrigin = {
      surface: 'text',
      ...pick({
        channel: ctx.channelId ?? event.channel,
        to: ctx.conversationId ?? event.senderId ?? ctx.senderId,
        accountId: ctx.accountId,
        senderId: event.senderId ?? ctx.senderId,
      }),
    };
    return { handled: true, text: await this.runChat(line, FREE_TEXT_PREFIX, origin) };
  }
}

function answeredWhere(ev: InboundEvent): string {
  switch (ev.kind) {
    case 'directMessages':
      return `${ev.sender.id}'s direct message`;
    case 'mentions':
      return `a mention by ${ev.sender.id} in ${ev.peer.id}`;
    case 'chatTurns':
      return `its turn in the chat ${ev.replyTo} with ${ev.sender.id}`;
    case 'delegations':
      return `the delegated request ${ev.replyTo} from ${ev.sender.id}`;
    case 'deliberations':
      return `the committee's deliberation ${ev.replyTo}`;
  }
}

/** Whether any kind of event goes to the agent to answer by itself. */
function anyAgentSwitch(a: ResolvedConfig['agent']): boolean {
  return a.directMessages || a.mentions || a.chatTurns || a.delegations || a.deliberations;
}

/** The defined entries of an object (exact optional fields stay absent). */
function pick<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
