/**
 * The parts of OpenClaw's plugin API this plugin touches, as local types.
 *
 * OpenClaw is not a dependency of this package (neither at run time nor for
 * types): the gateway loads our entry and hands `register(api)` its API
 * object. These are structural subsets written from OpenClaw's own
 * definitions, so the host's real objects, which carry many more members,
 * are assignable to them. Names and signatures follow the source; members we
 * do not use are left out. Read in openclaw/openclaw:
 *
 * - src/plugins/plugin-api.types.ts      OpenClawPluginApi (registerTool, registerCommand,
 *                                         registerService, on, logger, config, pluginConfig,
 *                                         runtime, resolvePath, registrationMode)
 * - src/plugins/plugin-command.types.ts  OpenClawPluginCommandDefinition, PluginCommandContext,
 *                                         PluginCommandResult
 * - src/plugins/plugin-registration.types.ts
 *                                         OpenClawPluginService, OpenClawPluginServiceContext,
 *                                         PluginRegistrationMode
 * - src/plugins/tool-types.ts            OpenClawPluginToolContext, OpenClawPluginToolFactory,
 *                                         OpenClawPluginToolOptions
 * - src/plugins/types.ts                 OpenClawPluginDefinition, OpenClawPluginConfigSchema,
 *                                         PluginConfigUiHint, PluginLogger
 * - src/plugins/hook-types.ts            PluginHookName, before_dispatch event/context/result
 * - src/plugins/runtime/types-channel.ts PluginRuntime["channel"]["outbound"].loadAdapter
 * - src/channels/plugins/outbound.types.ts
 *                                         ChannelOutboundAdapter, ChannelOutboundContext
 * - src/infra/outbound/deliver-types.ts  OutboundDeliveryResult
 * - src/auto-reply/reply-payload.ts      ReplyPayload
 * - src/agents/tools/common.ts           AnyAgentTool = AgentTool<any, unknown> (from pi-agent-core)
 * - src/plugin-sdk/plugin-entry.ts       definePluginEntry: the normalized entry shape
 *                                         {id, name, description, configSchema, register}
 * and in badlogic/pi-mono packages/agent/src/types.ts: AgentTool, AgentToolResult.
 *
 * The channel shapes (the end of this file) were read in the published
 * openclaw@2026.9.6 package: docs/plugins/sdk-channel-plugins.md,
 * sdk-channel-inbound.md, and its dist types ChannelPlugin,
 * ChannelGatewayContext, ChannelOutboundContext, and the runtime's
 * channel.inbound / channel.routing (createRuntimeChannel); the bundled A2A
 * channel is the pattern followed.
 */

/** OpenClaw's whole configuration (`~/.openclaw/openclaw.json`); opaque to this plugin. */
export type OpenClawConfig = Record<string, unknown>;

/** Logger passed into plugin registration and services. */
export interface PluginLogger {
  debug?: (message: string) => void;
  info: (message: string) => void;
  warn: (message: string) => void;
  error: (message: string) => void;
}

export interface PluginConfigUiHint {
  label?: string;
  help?: string;
  tags?: string[];
  advanced?: boolean;
  sensitive?: boolean;
  placeholder?: string;
}

export type PluginConfigValidation = { ok: true; value?: unknown } | { ok: false; errors: string[] };

/** Config schema contract of a plugin entry: a zod-like `safeParse`, a `validate`, or both, plus JSON Schema for docs and forms. */
export interface OpenClawPluginConfigSchema {
  safeParse?: (value: unknown) => {
    success: boolean;
    data?: unknown;
    error?: { issues?: Array<{ path: Array<string | number>; message: string }> };
  };
  parse?: (value: unknown) => unknown;
  validate?: (value: unknown) => PluginConfigValidation;
  uiHints?: Record<string, PluginConfigUiHint>;
  jsonSchema?: Record<string, unknown>;
}

// ---- agent tools (pi-agent-core's AgentTool, which OpenClaw's AnyAgentTool is) ----

export interface TextContent {
  type: 'text';
  text: string;
}

export interface ImageContent {
  type: 'image';
  data: string;
  mimeType: string;
}

/** What a tool's `execute` resolves to: content for the model, `details` for logs, UIs and code mode. */
export interface AgentToolResult<TDetails = unknown> {
  content: Array<TextContent | ImageContent>;
  details: TDetails;
  /** Hint that the agent should stop after the current tool batch. */
  terminate?: boolean;
}

export type AgentToolUpdateCallback<TDetails = unknown> = (partialResult: AgentToolResult<TDetails>) => void;

/**
 * A JSON Schema object. pi-agent-core types `parameters` as a TypeBox schema,
 * which is a JSON Schema object; the host validates tool arguments with Ajv
 * (default draft-07 class, `strict: false`, `coerceTypes: true`), so plain
 * JSON Schema works.
 */
export type JsonSchemaObject = Record<string, unknown>;

/** One agent tool (pi-agent-core `AgentTool`): name, label, description, JSON Schema parameters and execute. */
export interface AgentTool<TParams = Record<string, unknown>, TDetails = unknown> {
  name: string;
  /** Human-readable label for UI display. */
  label: string;
  description: string;
  parameters: JsonSchemaObject;
  execute: (
    toolCallId: string,
    params: TParams,
    signal?: AbortSignal,
    onUpdate?: AgentToolUpdateCallback<TDetails>,
  ) => Promise<AgentToolResult<TDetails>>;
}

/** Trusted context handed to tool factories (a subset). */
export interface OpenClawPluginToolContext {
  config?: OpenClawConfig;
  workspaceDir?: string;
  agentId?: string;
  sessionKey?: string;
  messageChannel?: string;
  agentAccountId?: string;
  requesterSenderId?: string;
  senderIsOwner?: boolean;
  sandboxed?: boolean;
}

export type OpenClawPluginToolFactory = (ctx: OpenClawPluginToolContext) => AgentTool | AgentTool[] | null | undefined;

export interface OpenClawPluginToolOptions {
  name?: string;
  names?: string[];
  optional?: boolean;
}

// ---- chat commands ----

/** OpenClaw's reply payload (a subset): what a command handler or hook answers with. */
export interface ReplyPayload {
  text?: string;
  mediaUrl?: string;
  mediaUrls?: string[];
  isError?: boolean;
  channelData?: Record<string, unknown>;
}

/** Result of a plugin command handler: a reply payload, optionally letting the agent continue. */
export type PluginCommandResult = ReplyPayload & {
  continueAgent?: boolean;
  suppressReply?: boolean;
};

/** Context passed to plugin command handlers (a subset). */
export interface PluginCommandContext {
  /** The sender's channel-scoped identifier. */
  senderId?: string;
  /** The channel/surface, e.g. "telegram". */
  channel: string;
  /** Provider channel id. */
  channelId?: string;
  /** Whether the sender is on the allowlist. */
  isAuthorizedSender: boolean;
  senderIsOwner?: boolean;
  /** Raw command arguments after the command name. */
  args?: string;
  /** The full normalized command body. */
  commandBody: string;
  config: OpenClawConfig;
  /** Raw "From" value (channel-scoped id). */
  from?: string;
  /** Raw "To" value (channel-scoped id). */
  to?: string;
  /** Account id for multi-account channels. */
  accountId?: string;
  /** Thread/topic id if available. */
  messageThreadId?: string | number;
}

/** A command that bypasses the LLM: `/name args`. */
export interface OpenClawPluginCommandDefinition {
  /** Command name without the leading slash. */
  name: string;
  nativeNames?: Partial<Record<string, string>> & { default?: string };
  /** Shown in /help and command menus. */
  description: string;
  channels?: readonly string[];
  acceptsArgs?: boolean;
  /** Only authorized senders may use it (host default: true). */
  requireAuth?: boolean;
  handler: (ctx: PluginCommandContext) => PluginCommandResult | Promise<PluginCommandResult>;
}

// ---- hooks (only the one this plugin registers) ----

/** Inbound message about to be dispatched to the agent; `{handled: true, text}` answers it without the agent. */
export interface PluginHookBeforeDispatchEvent {
  messageId?: string;
  content: string;
  body?: string;
  channel?: string;
  sessionKey?: string;
  senderId?: string;
  isGroup?: boolean;
  timestamp?: number;
}

export interface PluginHookBeforeDispatchContext {
  messageId?: string;
  channelId?: string;
  accountId?: string;
  conversationId?: string;
  sessionKey?: string;
  senderId?: string;
}

export interface PluginHookBeforeDispatchResult {
  handled: boolean;
  text?: string;
}

export interface PluginHookHandlerMap {
  before_dispatch: (
    event: PluginHookBeforeDispatchEvent,
    ctx: PluginHookBeforeDispatchContext,
  ) => Promise<PluginHookBeforeDispatchResult | void> | PluginHookBeforeDispatchResult | void;
}

export type PluginHookName = keyof PluginHookHandlerMap;

// ---- services ----

/** Context passed to long-lived plugin services. */
export interface OpenClawPluginServiceContext {
  config: OpenClawConfig;
  workspaceDir?: string;
  /** OpenClaw's state directory (e.g. ~/.openclaw): where plugins keep their files. */
  stateDir: string;
  logger: PluginLogger;
}

/** A background service: started when the gateway starts, stopped when it stops. */
export interface OpenClawPluginService {
  id: string;
  start: (ctx: OpenClawPluginServiceContext) => void | Promise<void>;
  stop?: (ctx: OpenClawPluginServiceContext) => void | Promise<void>;
}

// ---- runtime: outbound channel adapters ----

/** What an outbound adapter's send functions take. */
export interface ChannelOutboundContext {
  cfg: OpenClawConfig;
  /** Channel-scoped target (chat id, user id, room, ...). */
  to: string;
  text: string;
  replyToId?: string | null;
  threadId?: string | number | null;
  accountId?: string | null;
  silent?: boolean;
  metadata?: Record<string, unknown>;
  /**
   * The host's durable delivery queue row (stable across retries and gateway
   * restarts), with the part index; given when the channel declares
   * durable-final support and the send went through the queue.
   */
  deliveryQueueId?: string;
  deliveryPartIndex?: number;
  signal?: AbortSignal;
}

export interface OutboundDeliveryResult {
  channel: string;
  messageId: string;
  chatId?: string;
  conversationId?: string;
  timestamp?: number;
  meta?: Record<string, unknown>;
}

/** A channel's outbound side (a subset): the plugin uses `sendText`. */
export interface ChannelOutboundAdapter {
  deliveryMode: 'direct' | 'gateway' | 'hybrid';
  textChunkLimit?: number;
  sendText?: (ctx: ChannelOutboundContext) => Promise<OutboundDeliveryResult>;
}

export type LoadChannelOutboundAdapter = (id: string) => Promise<ChannelOutboundAdapter | undefined>;

/** The trusted in-process runtime (a subset): outbound adapters of other channels, and inbound dispatch for ours. */
export interface PluginRuntime {
  channel: ChannelRuntime;
}

export interface ChannelRuntime {
  outbound: {
    loadAdapter: LoadChannelOutboundAdapter;
  };
  /** Present on hosts with channel plugins (2026.9 and later). */
  inbound?: ChannelInboundRuntime;
  routing?: ChannelRoutingRuntime;
}

// ---- channels: inbound dispatch (runtime.channel.inbound / .routing) ----

export type ChannelChatType = 'direct' | 'group' | 'channel' | 'thread';
/** How direct peers map to sessions: `main` is the agent's main session; the others one session per peer. */
export type ChannelDmScope = 'main' | 'per-peer' | 'per-channel-peer' | 'per-account-channel-peer';

export interface ResolvedAgentRoute {
  agentId: string;
  accountId?: string;
  dmScope?: ChannelDmScope;
  sessionKey: string;
  mainSessionKey?: string;
}

export interface ChannelRoutingRuntime {
  resolveAgentRoute(params: {
    cfg: OpenClawConfig;
    channel: string;
    accountId: string;
    peer: { kind: ChannelChatType; id: string };
    dmScope?: ChannelDmScope;
  }): ResolvedAgentRoute;
}

/** The facts of one inbound message, as buildContext takes them. */
export interface ChannelInboundContextParams {
  channel: string;
  accountId: string;
  /** Stable per message: the host skips a message id it has seen (also after a restart). */
  messageId: string;
  messageIdFull?: string;
  timestamp?: number;
  from: string;
  sender: { id: string; name?: string };
  conversation: { kind: ChannelChatType; id: string; label?: string };
  route: { agentId: string; dmScope?: ChannelDmScope; accountId?: string; routeSessionKey: string; dispatchSessionKey?: string };
  reply: { to: string; originatingTo?: string; replyToId?: string };
  message: { body: string; bodyForAgent?: string; rawBody?: string; commandBody?: string };
  /** Participant provenance from the host's ingress resolver; "unsupported" when the channel has none. */
  channelIngress?: unknown;
  extra?: Record<string, unknown>;
}

/** What the agent produced for a turn; only `final` payloads are answers. */
export interface ChannelReplyInfo {
  kind: 'tool' | 'block' | 'final';
}

export interface ChannelDeliveryResult {
  visibleReplySent?: boolean;
  messageIds?: string[];
  /** An intentional no-send; reason "channel_transform" keeps the gateway from retrying or sending its fallback notice. */
  suppression?: { reason: string };
}

export interface ChannelInboundDispatchParams {
  cfg: OpenClawConfig;
  channel: string;
  accountId: string;
  route: { agentId: string; dmScope?: ChannelDmScope; sessionKey: string };
  ctxPayload: unknown;
  delivery: {
    deliver: (payload: ReplyPayload, info: ChannelReplyInfo) => Promise<ChannelDeliveryResult | void>;
    onError?: (error: unknown, info?: ChannelReplyInfo) => void;
  };
  replyPipeline?: Record<string, unknown>;
  replyOptions?: Record<string, unknown>;
}

export interface ChannelInboundDispatchResult {
  admission?: { kind: string; reason?: string };
  dispatched?: boolean;
  dispatchResult?: { counts?: { tool?: number; block?: number; final?: number } };
}

export interface ChannelInboundRuntime {
  buildContext(params: ChannelInboundContextParams): unknown;
  dispatch(params: ChannelInboundDispatchParams): Promise<ChannelInboundDispatchResult>;
}

// ---- channels: the plugin object (api.registerChannel) ----

/** A channel account's status, as `channels.status` shows it. */
export interface ChannelAccountSnapshot {
  accountId?: string;
  enabled?: boolean;
  configured?: boolean;
  running?: boolean;
  connected?: boolean;
  lifecycle?: 'starting' | 'ready' | 'recovering' | 'stopped';
  lastConnectedAt?: number | null;
  lastInboundAt?: number | null;
  lastOutboundAt?: number | null;
  lastError?: string | null;
  [key: string]: unknown;
}

/** What the host hands `startAccount`/`stopAccount`. `startAccount` must stay pending until `abortSignal` aborts. */
export interface ChannelGatewayContext<Account> {
  cfg: OpenClawConfig;
  accountId: string;
  account: Account;
  abortSignal: AbortSignal;
  log?: PluginLogger;
  getStatus(): ChannelAccountSnapshot;
  setStatus(next: ChannelAccountSnapshot): void;
  channelRuntime?: ChannelRuntime;
}

export interface ChannelPlugin<Account> {
  id: string;
  meta: { id: string; label: string; selectionLabel?: string; docsPath?: string; blurb?: string };
  capabilities: { chatTypes: ChannelChatType[] };
  reload?: { configPrefixes: string[] };
  config: {
    listAccountIds(cfg: OpenClawConfig): string[];
    resolveAccount(cfg: OpenClawConfig, accountId?: string | null): Account;
    defaultAccountId?(cfg: OpenClawConfig): string;
    isEnabled?(account: Account, cfg: OpenClawConfig): boolean;
    isConfigured?(account: Account, cfg: OpenClawConfig): boolean;
    inspectAccount?(cfg: OpenClawConfig, accountId?: string | null): { enabled: boolean; configured: boolean; [key: string]: unknown };
  };
  messaging?: {
    normalizeTarget(raw: string): string | undefined;
    inferTargetChatType?(params: { to: string }): ChannelChatType | undefined;
    targetResolver?: { looksLikeId?(raw: string, normalized?: string): boolean; hint?: string };
  };
  outbound?: ChannelOutboundAdapter & {
    deliveryCapabilities?: { durableFinal?: Record<string, boolean> };
  };
  message?: Record<string, unknown>;
  gateway?: {
    startAccount(ctx: ChannelGatewayContext<Account>): Promise<unknown>;
    stopAccount?(ctx: ChannelGatewayContext<Account>): Promise<void>;
  };
}

// ---- the API and the entry ----

/**
 * How the host is loading the plugin. Only `full` starts long-lived work;
 * the others collect metadata (this plugin registers the same things in every
 * mode, and opens no socket in `register`).
 */
export type PluginRegistrationMode = 'full' | 'discovery' | 'tool-discovery' | 'setup-only' | 'setup-runtime' | 'cli-metadata';

/** The registration API OpenClaw passes to `register(api)` (a subset). */
export interface OpenClawPluginApi {
  id: string;
  name: string;
  version?: string;
  description?: string;
  source: string;
  rootDir?: string;
  registrationMode: PluginRegistrationMode;
  config: OpenClawConfig;
  /** This plugin's config: `plugins.entries.<id>.config`. */
  pluginConfig?: Record<string, unknown>;
  runtime: PluginRuntime;
  logger: PluginLogger;
  registerTool: (tool: AgentTool | OpenClawPluginToolFactory, opts?: OpenClawPluginToolOptions) => void;
  registerService: (service: OpenClawPluginService) => void;
  /** A command that bypasses the LLM agent; processed before built-in commands. */
  registerCommand: (command: OpenClawPluginCommandDefinition) => void;
  resolvePath: (input: string) => string;
  /** Registers a messaging channel (hosts with channel plugins; absent on older ones). */
  registerChannel?: (registration: { plugin: ChannelPlugin<unknown> } | ChannelPlugin<unknown>) => void;
  on: <K extends PluginHookName>(hookName: K, handler: PluginHookHandlerMap[K], opts?: { priority?: number; timeoutMs?: number }) => void;
}

/** The normalized module shape OpenClaw loads from a plugin entry (what `definePluginEntry` returns). */
export interface OpenClawPluginDefinition {
  id: string;
  name: string;
  description: string;
  configSchema: OpenClawPluginConfigSchema;
  register: (api: OpenClawPluginApi) => void | Promise<void>;
}
