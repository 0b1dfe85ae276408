// The module OpenClaw loads (package.json "openclaw.extensions"). Its default
// export is the plugin entry {id, name, description, configSchema, register},
// the shape OpenClaw's definePluginEntry produces. Nothing here imports
// OpenClaw: the host hands us its API in register(api).
import { DEFAULT_ACCOUNT, pluginConfigSchema, resolveAccounts } from './config.js';
import type { OpenClawPluginApi, OpenClawPluginDefinition } from './openclaw-types.js';
import { FREE_TEXT_PREFIX, matchFreeText, SLASH_COMMAND } from './commands/parser.js';
import { ParleyPluginRuntime, PLUGIN_ID, SERVICE_ID, type ParleyRuntimeOptions } from './plugin.js';
import { parleyChannel } from './channel.js';

export const PLUGIN_NAME = 'Parley';
export const PLUGIN_DESCRIPTION =
  'Parley for OpenClaw: agent tools for topics, direct messages, inbox, moderation, notifications, memory, tasks, pipelines, delegation, worlds and chats; ' +
  '"/parley" and "@parley" chat commands; and Parley events routed to your chat.';

/**
 * Registers everything on OpenClaw's API and returns the runtime of the
 * account "default" (tests and embedders use it). Opens no socket: the
 * connections belong to the background service, which the gateway starts.
 */
export function registerParley(api: OpenClawPluginApi, options: ParleyRuntimeOptions = {}): ParleyPluginRuntime {
  return registerParleyAccounts(api, options).get(DEFAULT_ACCOUNT)!;
}

/**
 * The same, returning one runtime per account (Parley identity): "default"
 * from the top-level config, and one for each entry of `accounts`. Tools and
 * commands are registered once and act as the account they are given; the
 * service runs every account's connection; the channel has one account each.
 */
export function registerParleyAccounts(api: OpenClawPluginApi, options: ParleyRuntimeOptions = {}): ReadonlyMap<string, ParleyPluginRuntime> {
  const resolved = resolveAccounts(api.pluginConfig);
  const runtimes = new Map<string, ParleyPluginRuntime>();
  if (!resolved.ok) {
    // One runtime that reports the bad config from every tool, command and the service.
    const broken = new ParleyPluginRuntime(api, options);
    api.logger.error(`parley: ${resolved.error}`);
    runtimes.set(DEFAULT_ACCOUNT, broken);
  } else {
    for (const [id, config] of resolved.accounts) runtimes.set(id, new ParleyPluginRuntime(api, { ...options, account: { id, config: { ok: true, config } } }));
  }
  const primary = runtimes.get(DEFAULT_ACCOUNT)!;
  for (const tool of primary.tools(runtimes)) api.registerTool(tool);
  api.registerCommand({
    name: SLASH_COMMAND,
    description: 'Parley: topics, direct messages, inbox, tasks, pipelines, delegation, worlds, chats and more ("/parley help")',
    acceptsArgs: true,
    requireAuth: true,
    handler: async (ctx) => {
      const { runtime, rest, error } = pickAccount(runtimes, ctx.args ?? '');
      return { text: error ?? (await runtime.handleSlash({ ...ctx, args: rest })) };
    },
  });
  api.on('before_dispatch', async (event, ctx) => {
    const line = matchFreeText(event.content);
    if (line === null) return undefined;
    const { runtime, rest, error } = pickAccount(runtimes, line);
    if (error) return primary.configResult.ok && primary.configResult.config.chatCommands.freeText ? { handled: true, text: error } : undefined;
    return runtime.handleFreeText({ ...event, content: `${FREE_TEXT_PREFIX} ${rest}` }, ctx);
  });
  api.registerService({
    id: SERVICE_ID,
    start: async (ctx) => {
      for (const r of runtimes.values()) await r.start(ctx);
    },
    stop: async () => {
      for (const r of runtimes.values()) await r.stop();
    },
  });
  // The Parley channel: what the agent answers by itself (config "agent"),
  // and the `message` tool's way to Parley, one channel account per Parley
  // account. Hosts without channel plugins have no registerChannel;
  // everything else works there as before.
  api.registerChannel?.({ plugin: parleyChannel(channelRuntimesFor(api, runtimes)) });
  return runtimes;
}

/**
 * "--account <id>" (or "--account=<id>") at the start of a command line picks
 * the account; without it, "default".
 */
function pickAccount(runtimes: ReadonlyMap<string, ParleyPluginRuntime>, line: string): { runtime: ParleyPluginRuntime; rest: string; error?: string } {
  const m = /^\s*--account(?:=|\s+)(\S+)\s*/.exec(line);
  const primary = runtimes.get(DEFAULT_ACCOUNT)!;
  if (!m) return { runtime: primary, rest: line };
  const runtime = runtimes.get(m[1]!);
  if (!runtime) return { runtime: primary, rest: line, error: `No Parley account "${m[1]}": the accounts are ${[...runtimes.keys()].join(', ')}.` };
  return { runtime, rest: line.slice(m[0].length) };
}

/**
 * The gateway calls register more than once (a `full` registration, whose
 * service it starts, and then a `discovery` one, whose channel it may keep).
 * A channel must follow the runtimes that hold the connections: the last
 * full registration with the same plugin config. The table lives on
 * globalThis in case the host loads the module twice.
 */
const FULL_REGISTRATIONS = Symbol.for('@parley/openclaw-adapter/full-registrations');

type Runtimes = ReadonlyMap<string, ParleyPluginRuntime>;

function channelRuntimesFor(api: OpenClawPluginApi, runtimes: Runtimes): () => Runtimes {
  const store = globalThis as { [FULL_REGISTRATIONS]?: Map<string, WeakRef<Runtimes>> };
  const table = (store[FULL_REGISTRATIONS] ??= new Map());
  const key = JSON.stringify(api.pluginConfig ?? {});
  if (api.registrationMode === 'full') {
    table.set(key, new WeakRef(runtimes));
    return () => runtimes;
  }
  return () => table.get(key)?.deref() ?? runtimes;
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
export { buildTool, toolParameters, mergeFieldSchemas, actionParamsSchema, opParamsSchema, type ToolResult } from './tools.js';
export { ParleyToolError, NotConnectedError, InvalidParamsError, ConfigError } from './errors.js';
export { op, pushHandler, type ParleyDomain, type ActionToolSpec, type ToolOp, type PushHandler, type FormatContext, type ParleyCaller } from './domain.js';
export { CoalescingRateLimiter, systemClock, type Clock, type RateLimitOptions } from './rate-limit.js';
export { PushRouter, summaryText, describePush } from './router.js';
export type * from './openclaw-types.js';
