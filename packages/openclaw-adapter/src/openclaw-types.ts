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

/** The trusted in-process runtime (a subset): only the outbound channel adapters are used. */
export interface PluginRuntime {
  channel: {
    outbound: {
      loadAdapter: LoadChannelOutboundAdapter;
    };
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
