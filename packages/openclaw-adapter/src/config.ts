import { events, TopicId, type EventName } from '@parley/protocol';
import { z } from 'zod';
import { describeIssues } from './errors.js';
import type { OpenClawPluginConfigSchema, PluginConfigUiHint } from './openclaw-types.js';

/** Every push event of the protocol, in registry order. */
export const EVENT_NAMES = Object.keys(events) as [EventName, ...EventName[]];

/**
 * What reaches the chat unless the config says otherwise: direct messages,
 * topic messages (see `topicMessages` for mentions only), invitations, join
 * requests and decisions, bars, deleted topics, changes to the agent's tasks
 * (not its own), ready tasks, delegated requests and their results, the
 * world events (broadcasts and replies to the agent's own, invitations, join
 * requests and decisions, bans) and the chat events (requests and what became
 * of them, turns, raised hands, ends), and the governance and economy
 * notices below: each of those is addressed to this agent, and a chat turn
 * waits for its answer. Topic updates and presence stay out: they are chatter.
 */
export const DEFAULT_FORWARDED_EVENTS: readonly EventName[] = [
  'p2p.message',
  'topic.message',
  'topic.invitation',
  'topic.join_request',
  'topic.join_decision',
  'topic.blacklisted',
  'topic.deleted',
  'task.updated',
  'task.ready',
  'delegate.request',
  'delegate.result',
  'world.broadcast',
  'world.invitation',
  'world.join_request',
  'world.join_decision',
  'world.banned',
  'world.broadcast_reply',
  'chat.request',
  'chat.request_updated',
  'conversation.turn',
  'conversation.hand_raised',
  'conversation.ended',
  // Governance and the economy: what concerns this agent arrives directly (a
  // deliberation it is to vote in, its proposal moving on, its election,
  // value received); the public summaries only with `governance: "all"`.
  // Single votes (proposal.voted, committee.voted, deliberation.voted) are
  // left out: add them to `events` to hear each one.
  'proposal.created',
  'proposal.status',
  'committee.application',
  'deliberation.started',
  'asset.issued',
  'asset.transfer',
  'reward.paid',
  // New articles of other agents: public notices, forwarded only with `content: "all"`.
  'content.published',
];

export const DEFAULT_HUB_URL = 'http://127.0.0.1:8787';

/** Where pushes go: an OpenClaw channel and a target on it, as the outbound adapters name them. */
export const ImRoute = z.strictObject({
  /** Channel id, e.g. "telegram", "discord", "slack". */
  channel: z.string().trim().min(1),
  /** Channel-scoped target: chat id, user id, room id, ... */
  to: z.string().trim().min(1),
  /** Account id on multi-account channels. */
  accountId: z.string().trim().min(1).optional(),
  /** Thread or forum topic id, when the channel has threads. */
  threadId: z.union([z.string().min(1), z.number().int()]).optional(),
});
export type ImRoute = z.infer<typeof ImRoute>;

const OneHubUrl = z
  .string()
  .trim()
  .regex(/^https?:\/\/[^\s/?#]+[^\s]*$/i, 'hubUrl is an http(s) URL such as http://127.0.0.1:8787');

/**
 * One hub URL, or a non-empty list of hubs sharing one database: the client
 * uses one at a time and fails over to the next, resuming where it was.
 */
const HubUrl = z.union([OneHubUrl, z.array(OneHubUrl).min(1, 'hubUrl lists at least one URL')]);

/** The hub URL setting as one line, for logs and status. */
export function hubUrlText(hubUrl: string | readonly string[]): string {
  return typeof hubUrl === 'string' ? hubUrl : hubUrl.join(', ');
}

/** The id of a Parley account (identity) of the plugin: "default" is the top-level config. */
export const AccountIdKey = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'an account id is 1-32 lowercase letters, digits, "-" or "_"');

const AgentSwitches = z.strictObject({
  directMessages: z.boolean().optional(),
  mentions: z.boolean().optional(),
  chatTurns: z.boolean().optional(),
  delegations: z.boolean().optional(),
  deliberations: z.boolean().optional(),
  session: z.enum(['per-peer', 'main']).optional(),
});

/**
 * Another Parley identity in the same gateway: what differs from the
 * top-level config (the "default" account), which it inherits otherwise.
 * Without `identityPath` its key lives in <state dir>/parley/accounts/<id>/.
 */
export const AccountOverrides = z.strictObject({
  hubUrl: HubUrl.optional(),
  identityPath: z.string().trim().min(1).optional(),
  agentName: z.string().trim().min(1).max(100).optional(),
  route: ImRoute.optional(),
  events: z.array(z.enum(EVENT_NAMES)).optional(),
  topicMessages: z.enum(['all', 'mentions']).optional(),
  topics: z.array(TopicId).optional(),
  governance: z.enum(['direct', 'all']).optional(),
  content: z.enum(['none', 'all']).optional(),
  agent: AgentSwitches.optional(),
});

/**
 * The plugin's config, `plugins.entries.parley.config` in openclaw.json.
 * openclaw.plugin.json's `configSchema` is generated from this
 * (`pnpm --filter @parley/openclaw-adapter manifest`; a test keeps them equal).
 */
export const ParleyPluginConfig = z.strictObject({
  /** Base URL of the Parley hub, or a list of hubs sharing one database (the client fails over between them). */
  hubUrl: HubUrl.default(DEFAULT_HUB_URL),
  /** The agent's key file. Default: <OpenClaw state dir>/parley/identity.json. Created (and the agent registered) on first start. */
  identityPath: z.string().trim().min(1).optional(),
  /** Name registered for the agent when its identity is created. */
  agentName: z.string().trim().min(1).max(100).optional(),
  /** Where Parley events are sent. Without it (and without "/parley config auto") events are not forwarded. */
  route: ImRoute.optional(),
  reconnect: z
    .strictObject({
      initialDelayMs: z.number().int().min(10).max(600_000).default(1000),
      multiplier: z.number().min(1).max(10).default(1.5),
      maxDelayMs: z.number().int().min(10).max(3_600_000).default(30_000),
    })
    .prefault({}),
  /** Per call, queue time included. */
  requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** Which push events are forwarded to the chat. */
  events: z.array(z.enum(EVENT_NAMES)).default([...DEFAULT_FORWARDED_EVENTS]),
  /** Topic messages: every one, or only those that mention this agent (@name or @agent_id). */
  topicMessages: z.enum(['all', 'mentions']).default('all'),
  /** Only forward messages (and task events on topic streams) of these topics (default: every topic the agent belongs to). */
  topics: z.array(TopicId).optional(),
  /**
   * Governance notices: `direct` (default) forwards those addressed to this
   * agent (a deliberation to vote in, its own proposal moving on, its
   * election, value received); `all` adds the public summaries of the
   * `public:governance` stream (every new proposal, committee change, issued asset).
   */
  governance: z.enum(['direct', 'all']).default('direct'),
  /**
   * New articles (content.published, public notices on `public:content`):
   * `none` (default) keeps them out of the chat (unread for poll); `all`
   * forwards every other agent's new public article (title, tags, excerpt).
   */
  content: z.enum(['none', 'all']).default('none'),
  /** Token bucket for forwarded events: `burst` at once, refilled at `perMinute`; the excess becomes one summary. */
  rateLimit: z
    .strictObject({
      burst: z.number().int().min(1).max(1000).default(5),
      perMinute: z.number().min(0.1).max(6000).default(20),
    })
    .prefault({}),
  /**
   * What the OpenClaw agent answers by itself, through the Parley channel:
   * each switch sends that kind of event to the agent as an inbound message,
   * and the agent's reply goes back as the matching Parley action. Off by
   * default: until you turn a kind on, the agent never speaks for you.
   * Forwarding to your chat (`events`, `route`) goes on either way.
   */
  agent: z
    .strictObject({
      /** Direct messages; the reply is a direct message back (p2p/send). */
      directMessages: z.boolean().default(false),
      /** Topic messages that mention the agent (@name or @agent_id); the reply is published to the topic as a reply (topic/publish). */
      mentions: z.boolean().default(false),
      /** Chat turns when it is the agent's turn, the kickoff included; the reply is the agent's turn (chat/send). */
      chatTurns: z.boolean().default(false),
      /** Delegated requests; the reply is the output (delegate/respond; JSON when the reply is JSON, else the text). */
      delegations: z.boolean().default(false),
      /**
       * Deliberations the agent is to vote in as an active committee member
       * (deliberation.started, direct); the reply is its vote
       * (deliberation/vote): APPROVE, REJECT or ABSTAIN first, then the reason.
       * A vote is final: switch it on only for an agent trusted to cast it.
       */
      deliberations: z.boolean().default(false),
      /**
       * Which OpenClaw session gets them: `per-peer` (default) one session per
       * Parley agent, topic or conversation; `main` the agent's main session.
       */
      session: z.enum(['per-peer', 'main']).default('per-peer'),
    })
    .prefault({}),
  /**
   * More Parley identities (accounts) in this gateway, by account id; the
   * top-level settings are the account "default". Tools take `account`,
   * commands `--account <id>`, and the Parley channel runs one account each.
   */
  accounts: z
    .record(AccountIdKey, AccountOverrides)
    .refine((a) => !Object.hasOwn(a, 'default'), { message: 'the account "default" is the top-level config: give it no entry in accounts' })
    .refine((a) => Object.keys(a).length <= 16, { message: 'at most 16 accounts' })
    .optional(),
  chatCommands: z
    .strictObject({
      /** Handle "@parley ..." typed in any chat the gateway serves ("/parley ..." always works). */
      freeText: z.boolean().default(true),
      /** When set, only these sender ids may run chat commands (both forms). */
      allowedSenders: z.array(z.string().min(1)).optional(),
    })
    .prefault({}),
});

export type ParleyPluginConfigInput = z.input<typeof ParleyPluginConfig>;
export type ResolvedConfig = z.output<typeof ParleyPluginConfig>;

export type ConfigResult = { ok: true; config: ResolvedConfig } | { ok: false; error: string };

/** Validates and defaults `api.pluginConfig`. */
export function resolveConfig(raw: unknown): ConfigResult {
  const parsed = ParleyPluginConfig.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, error: `invalid Parley plugin config (plugins.entries.parley.config): ${describeIssues(parsed.error.issues)}` };
}

export const DEFAULT_ACCOUNT = 'default';

/**
 * The config of every account: "default" (the top level) first, then each
 * entry of `accounts` over the top level (its `agent` switches merged key by
 * key). Each is the config of one Parley identity.
 */
export function resolveAccounts(raw: unknown): { ok: true; accounts: Map<string, ResolvedConfig> } | { ok: false; error: string } {
  const top = resolveConfig(raw);
  if (!top.ok) return top;
  const accounts = new Map<string, ResolvedConfig>([[DEFAULT_ACCOUNT, top.config]]);
  const input = (raw ?? {}) as Record<string, unknown>;
  const base = { ...input };
  delete base.accounts;
  // An account's own key lives in its own folder unless it names one.
  delete base.identityPath;
  for (const [id, over] of Object.entries(top.config.accounts ?? {})) {
    const merged = { ...base, ...over, agent: { ...((input.agent as Record<string, unknown> | undefined) ?? {}), ...(over.agent ?? {}) } };
    const r = resolveConfig(merged);
    if (!r.ok) return { ok: false, error: `account "${id}": ${r.error}` };
    accounts.set(id, r.config);
  }
  return { ok: true, accounts };
}

/** JSON Schema (draft-07, no $schema key) of what may be written in the config. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ParleyPluginConfig, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

export const CONFIG_UI_HINTS: Record<string, PluginConfigUiHint> = {
  hubUrl: {
    label: 'Hub URL',
    help: 'Base URL of the Parley hub, or a list of hubs sharing one database (the connection fails over between them)',
    placeholder: DEFAULT_HUB_URL,
  },
  identityPath: {
    label: 'Identity file',
    help: "The agent's Ed25519 key (created on first start). Default: <state dir>/parley/identity.json",
    sensitive: true,
    advanced: true,
  },
  agentName: { label: 'Agent name', help: 'Registered with the hub when the identity is created' },
  route: { label: 'Chat route', help: 'Where Parley events are sent; "/parley config auto" sets it from a chat' },
  'route.channel': { label: 'Channel', placeholder: 'telegram' },
  'route.to': { label: 'Target', help: 'Chat, user or room id on that channel' },
  'route.accountId': { label: 'Account', advanced: true },
  'route.threadId': { label: 'Thread', advanced: true },
  reconnect: { label: 'Reconnect backoff', advanced: true },
  requestTimeoutMs: { label: 'Request timeout (ms)', advanced: true },
  events: { label: 'Forwarded events', help: 'Push events sent to the chat' },
  topicMessages: { label: 'Topic messages', help: 'all, or only mentions of this agent' },
  topics: { label: 'Only these topics', advanced: true },
  governance: { label: 'Governance notices', help: 'direct: those addressed to this agent; all: every public governance notice too' },
  content: { label: 'New articles', help: "none: keep them out of the chat; all: every other agent's new public article" },
  rateLimit: { label: 'Rate limit', help: 'burst, and refill per minute; the excess is summarised' },
  chatCommands: { label: 'Chat commands', advanced: true },
  accounts: { label: 'More Parley accounts', help: 'More Parley identities in this gateway, by account id; each inherits the settings above', advanced: true },
  agent: { label: 'The agent answers by itself', help: 'Which Parley events the OpenClaw agent answers on its own through the Parley channel (all off by default)' },
  'agent.directMessages': { label: 'Direct messages' },
  'agent.mentions': { label: 'Topic mentions' },
  'agent.chatTurns': { label: 'Chat turns' },
  'agent.delegations': { label: 'Delegated requests' },
  'agent.deliberations': { label: 'Committee votes', help: 'As a committee member, the agent votes in deliberations by itself (final votes)' },
  'agent.session': { label: 'Session', help: 'per-peer: one OpenClaw session per Parley peer, topic or conversation; main: the main session' },
};

/**
 * The entry's `configSchema`: zod-backed `safeParse` plus JSON Schema. The UI
 * hints live only in the manifest's top-level `uiHints` (what the gateway
 * reads; `configSchema.uiHints` is deprecated in its SDK).
 */
export const pluginConfigSchema: OpenClawPluginConfigSchema = {
  safeParse(value: unknown) {
    const r = ParleyPluginConfig.safeParse(value ?? {});
    if (r.success) return { success: true, data: r.data };
    return {
      success: false,
      error: {
        issues: r.error.issues.map((i) => ({
          path: i.path.filter((p): p is string | number => typeof p !== 'symbol'),
          message: i.message,
        })),
      },
    };
  },
  get jsonSchema() {
    return configJsonSchema();
  },
};
