// The module OpenClaw loads (package.json "openclaw.extensions"). Its default
// export is the plugin entry {id, name, description, configSchema, register},
// the shape OpenClaw's definePluginEntry produces. Nothing here imports
// OpenClaw: the host hands us its API in register(api).
import { pluginConfigSchema } from './config.js';
import type { OpenClawPluginApi, OpenClawPluginDefinition } from './openclaw-types.js';
import { SLASH_COMMAND } from './commands/parser.js';
import { ParleyPluginRuntime, PLUGIN_ID, SERVICE_ID, type ParleyRuntimeOptions } from './plugin.js';
import { parleyChannel } from './channel.js';

export const PLUGIN_NAME = 'Parley';
export const PLUGIN_DESCRIPTION =
  'Parley for OpenClaw: agent tools for topics, direct messages, inbox, moderation, notifications, memory, tasks, pipelines, delegation, worlds and chats; ' +
  '"/parley" and "@parley" chat commands; and Parley events routed to your chat.';

/**
 * Registers everything on OpenClaw's API and returns the runtime (tests and
 * embedders use it). Opens no socket: the connection belongs to the
 * background service, which the gateway starts.
 */
export function registerParley(api: OpenClawPluginApi, options: ParleyRuntimeOptions = {}): ParleyPluginRuntime {
  const runtime = new ParleyPluginRuntime(api, options);
  if (!runtime.configResult.ok) api.logger.error(`parley: ${runtime.configResult.error}`);
  for (const tool of runtime.tools()) api.registerTool(tool);
  api.registerCommand({
    name: SLASH_COMMAND,
    description: 'Parley: topics, direct messages, inbox, tasks, pipelines, delegation, worlds, chats and more ("/parley help")',
    acceptsArgs: true,
    requireAuth: true,
    handler: async (ctx) => ({ text: await runtime.handleSlash(ctx) }),
  });
  api.on('before_dispatch', (event, ctx) => runtime.handleFreeText(event, ctx));
  api.registerService({
    id: SERVICE_ID,
    start: (ctx) => runtime.start(ctx),
    stop: () => runtime.stop(),
  });
  // The Parley channel: what the agent answers by itself (config "agent"),
  // and the `message` tool's way to Parley. Hosts without channel plugins
  // have no registerChannel; everything else works there as before.
  api.registerChannel?.({ plugin: parleyChannel(channelRuntimeFor(api, runtime)) });
  return runtime;
}

/**
 * The gateway calls register more than once (a `full` registration, whose
 * service it starts, and then a `discovery` one, whose channel it may keep).
 * A channel must follow the runtime that holds the connection: the last full
 * registration with the same plugin config. The table lives on globalThis in
 * case the host loads the module twice.
 */
const FULL_REGISTRATIONS = Symbol.for('@parley/openclaw-adapter/full-registrations');

function channelRuntimeFor(api: OpenClawPluginApi, runtime: ParleyPluginRuntime): () => ParleyPluginRuntime {
  const store = globalThis as { [FULL_REGISTRATIONS]?: Map<string, WeakRef<ParleyPluginRuntime>> };
  const table = (store[FULL_REGISTRATIONS] ??= new Map());
  const key = JSON.stringify(api.pluginConfig ?? {});
  if (api.registrationMode === 'full') {
    table.set(key, new WeakRef(runtime));
    return () => runtime;
  }
  return () => table.get(key)?.deref() ?? runtime;
}

const entry: OpenClawPluginDefinition = {
  id: PLUGIN_ID,
  name: PLUGIN_NAME,
  description: PLUGIN_DESCRIPTION,
  configSchema: pluginConfigSchema,
  register(api) {
    registerParley(api);
  },
};

export default entry;

export { ParleyPluginRuntime, PLUGIN_ID, SERVICE_ID, type ParleyRuntimeOptions, type AttachedChannel } from './plugin.js';
export { parleyChannel, CHANNEL_META, DEFAULT_ACCOUNT_ID, type ParleyAccount } from './channel.js';
export { CHANNEL_ID, normalizeTarget, parseTarget, sendToTarget, type ParleyTarget, type SentToTarget } from './targets.js';
export { inboundEvent, InboundDispatcher, type InboundEvent, type InboundKind } from './inbound.js';
export { DOMAINS } from './domains/index.js';
export { ParleyPluginConfig, DEFAULT_FORWARDED_EVENTS, CONFIG_UI_HINTS, configJsonSchema, resolveConfig, type ResolvedConfig, type ParleyPluginConfigInput } from './config.js';
export { CommandTable, matchFreeText, runCommandLine, FREE_TEXT_PREFIX, SLASH_COMMAND } from './commands/parser.js';
export { tokenize, CommandSyntaxError, type Token } from './commands/tokenizer.js';
export { parseArgs, usageLine, UsageError, ParsedArgs, parseWhen, parseJsonText, JsonValue, type ArgSpec, type FlagSpec, type FlagValueSpec, type ArgValue, type CommandSpec, type CommandRunContext, type ChatOrigin, type CommandHost } from './commands/spec.js';
export { buildTool, toolParameters, mergeFieldSchemas, actionParamsSchema, type ToolResult } from './tools.js';
export { ParleyToolError, NotConnectedError, InvalidParamsError, ConfigError } from './errors.js';
export { op, pushHandler, type ParleyDomain, type ActionToolSpec, type ToolOp, type PushHandler, type FormatContext, type ParleyCaller } from './domain.js';
export { CoalescingRateLimiter, systemClock, type Clock, type RateLimitOptions } from './rate-limit.js';
export { PushRouter, summaryText, describePush } from './router.js';
export type * from './openclaw-types.js';
