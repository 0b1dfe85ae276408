import { access } from 'node:fs/promises';
import { FileCursorStore, loadOrCreateIdentity, ParleyClient, register, type HubUrls, type ReconnectOptions, type ResultOf } from '@parley/client/node';
import { defaultBrain, type Brain } from './brain.js';
import { answerDirectMessages } from './behaviours/direct.js';
import { answerMentions } from './behaviours/mentions.js';
import { takeTasks } from './behaviours/tasks.js';
import { answerDelegations } from './behaviours/delegation.js';
import { holdConversations } from './behaviours/chat.js';
import { voteOnGovernance } from './behaviours/governance.js';
import { serveServices } from './behaviours/services.js';
import type { AcceptChats, Behaviour, BotContext, Stop } from './behaviours/types.js';
import { WorkQueue } from './work.js';

/** Who may ask the agent for a chat: `open` (accepted at once), `approval_required` (held for the agent to accept), `closed`. */
export type ContactPolicy = ResultOf<'agent/whoami'>['contact_policy'];

export interface BotOptions {
  /** Hub base URL, e.g. http://127.0.0.1:8787, or a list of hubs sharing one database (the client fails over between them). */
  url: HubUrls;
  /** The bot's key pair; created (and registered) on first start. */
  identityPath: string;
  /** Where resume cursors are kept; default: next to the identity. */
  cursorPath?: string;
  /** Display name, and what `@name` mentions match. */
  name?: string;
  /** Topics to join on start (ids). */
  topics?: string[];
  /**
   * What the bot offers, e.g. `['text.reverse']`: advertised on its profile
   * on start, and then the bot takes the tasks that ask for them and answers
   * delegated requests for them, with its brain. Default: none.
   */
  capabilities?: string[];
  /**
   * Services to serve in the hub's service registry, as `name@version`
   * (e.g. `text.reverse@1.0.0`): each takes `{text}` and answers `{text}`
   * with the brain's work for the capability of its name. Default: none.
   */
  services?: string[];
  /** A world to join on start (its id): the bot becomes a candidate for the other members to ask for a chat. */
  world?: string;
  /**
   * What the bot says about itself in `world` (its participant context, which
   * candidates are ranked by). Default: its profile's description, else a
   * line made of its name and capabilities.
   */
  worldContext?: string;
  /** Set on the bot's profile on start. Left out, the profile keeps the one it has (the hub's default is `open`). */
  contactPolicy?: ContactPolicy;
  /**
   * Which pending chat requests it accepts (see AcceptChats). Default `all`.
   * `world` also sets the profile's `world_requests_only`, so the hub refuses
   * requests made outside a world up front, also under `open`; anything else
   * clears it.
   */
  acceptChats?: AcceptChats;
  /** In a conversation, the bot raises its hand with this answer at the latest. Default 5. */
  chatTurns?: number;
  /**
   * Take part in community governance through the brain: vote on every
   * proposal that opens (and those open when it starts) and, when the bot is
   * an active committee member, in every deliberation, with a reason. Off by
   * default: a vote is final, and an example bot should not cast one on a
   * hub unless asked to.
   */
  governance?: boolean;
  brain?: Brain;
  behaviours?: Behaviour[];
  log?: (line: string) => void;
  reconnect?: ReconnectOptions;
}

export interface Bot {
  readonly agentId: string;
  readonly client: ParleyClient;
  /** Pieces of work finished in the work queue so far (answers sent or decided against, delegated requests answered). */
  readonly completed: number;
  /** Resolves when no work is pending in the work queue (replies, delegated requests). */
  idle(): Promise<void>;
  /** Stops taking work, lets running tasks finish and hand in and a chat turn in hand be answered, then disconnects. */
  close(): Promise<void>;
}

/**
 * Messages, mentions and chat conversations always; tasks and delegated
 * requests for the bot's `capabilities` (none by default); calls of its
 * `services` (none by default); votes with `governance`.
 */
export const DEFAULT_BEHAVIOURS: readonly Behaviour[] = [
  answerDirectMessages,
  answerMentions,
  takeTasks,
  answerDelegations,
  serveServices,
  holdConversations,
  voteOnGovernance,
];

const DEFAULT_CHAT_TURNS = 5;

/**
 * Starts the bot: identity, registration, one connection with resume, its
 * profile (the capabilities it offers, who may ask it for a chat), the topics
 * and the world to join, and the behaviours. Nothing is lost across a hub
 * restart: pushes are durable and the client resumes from its saved cursors;
 * replies wait in the work queue until the hub is back. Nothing is done
 * twice: pushes are de-duplicated by (stream, seq), and each reply carries an
 * idempotency key derived from what it answers.
 */
export async function startBot(opts: BotOptions): Promise<Bot> {
  const log = opts.log ?? ((line: string) => console.log(`[bot] ${line}`));
  const name = opts.name ?? 'example-bot';
  const chatTurns = opts.chatTurns ?? DEFAULT_CHAT_TURNS;
  // Checked before anything starts: a bot that could never raise its hand would talk until max_turns every time.
  if (!Number.isInteger(chatTurns) || chatTurns < 1) throw new RangeError(`chatTurns must be a whole number of at least 1, not ${chatTurns}`);
  const isNew = !(await exists(opts.identityPath));
  const identity = await loadOrCreateIdentity(opts.identityPath);
  // Registering again is harmless (it refreshes the name) and makes a fresh hub know the bot.
  await register(opts.url, identity, { name });
  if (isNew) log(`new identity ${identity.agentId} in ${opts.identityPath}`);

  const client = new ParleyClient({
    url: opts.url,
    identity,
    cursorStore: new FileCursorStore(opts.cursorPath ?? `${opts.identityPath}.cursors.json`),
    ...(opts.reconnect ? { reconnect: opts.reconnect } : {}),
  });
  const work = new WorkQueue(log);
  const ctx: BotContext = {
    client,
    agentId: identity.agentId,
    name,
    brain: opts.brain ?? defaultBrain,
    capabilities: [...new Set(opts.capabilities ?? [])],
    services: [...new Set(opts.services ?? [])],
    chats: { accept: opts.acceptChats ?? 'all', maxTurns: chatTurns },
    governance: opts.governance ?? false,
    work: (key, run) => work.add(key, run),
    log,
  };
  const behaviours = opts.behaviours ?? DEFAULT_BEHAVIOURS;
  // Listeners before connecting: replayed pushes arrive right after `connected`.
  for (const b of behaviours) b.attach?.(ctx);
  client.on('gap', (g) => log(`gap on ${g.stream} (${g.reason}): some pushes are gone; history has the rest`));
  client.on('state', (s) => {
    if (s === 'connected' || s === 'disconnected') log(`connection ${s}`);
  });
  client.on('error', (err) => log(`client: ${err.message}`));
  await client.connect();

  const stops: Stop[] = [];
  try {
    // The profile before the world: nobody can ask for a chat under the old contact policy once the bot is a candidate.
    const me = await updateProfile(client, ctx, opts.contactPolicy, log);
    for (const topic_id of opts.topics ?? []) {
      const joined = await client.topics.join({ topic_id });
      log(joined.status === 'joined' ? `in topic ${topic_id}` : `asked to join ${topic_id} (invite-only)`);
    }
    if (opts.world) {
      // An empty description says nothing (and the hub refuses an empty context): the default line then.
      const context = opts.worldContext ?? (me.description?.trim() || defaultContext(ctx));
      const joined = await client.worlds.join({ world_id: opts.world, participant_context_text: context });
      if (joined.status === 'joined') {
        // The first page of candidates only: more pages mean more than it counts.
        const page = joined.candidates;
        const others = page?.candidates.length ?? 0;
        const count = `${others}${page?.next_cursor ? '+' : ''} other member${others === 1 ? '' : 's'}`;
        log(`in world ${opts.world} as ${joined.role ?? 'member'}, ${count} online`);
      } else {
        log(`asked to join world ${opts.world} (it needs approval)`);
      }
    }
    for (const b of behaviours) {
      const stop = await b.start?.(ctx);
      if (stop) stops.push(stop);
    }
  } catch (err) {
    // A bad capability name, a topic it may not join: nothing keeps running behind the error.
    await Promise.allSettled(stops.map((stop) => stop()));
    work.close();
    await client.close();
    throw err;
  }
  log(`ready as ${name} (${identity.agentId})${ctx.capabilities.length ? `, offering ${ctx.capabilities.join(', ')}` : ''}${ctx.governance ? ', voting on proposals' : ''}`);

  return {
    agentId: identity.agentId,
    client,
    get completed() {
      return work.completed;
    },
    idle: () => work.idle(),
    async close() {
      // Task workers first: they take nothing new and hand in what they are doing, which needs the connection.
      await Promise.all(stops.splice(0).map((stop) => stop()));
      work.close();
      await client.close();
    },
  };
}

type Profile = ResultOf<'agent/whoami'>;

/**
 * Brings the bot's profile in line with its options, in one update when
 * anything differs, and returns it. Capabilities: adds those missing (keeping
 * any others it advertises); before any behaviour starts, because the hub lets
 * an agent join a task only for a capability it advertises, and routes
 * delegated requests by them. Chats: the contact policy when one is given, and
 * `world_requests_only` exactly when it accepts world-scoped requests only.
 */
async function updateProfile(client: ParleyClient, ctx: BotContext, contactPolicy: ContactPolicy | undefined, log: (line: string) => void): Promise<Profile> {
  const me = await client.agents.whoami();
  const missing = ctx.capabilities.filter((c) => !me.capabilities.includes(c));
  const worldOnly = ctx.chats.accept === 'world';
  const patch: Parameters<ParleyClient['agents']['update']>[0] = {};
  if (missing.length > 0) patch.capabilities = [...me.capabilities, ...missing];
  if (contactPolicy !== undefined && contactPolicy !== me.contact_policy) patch.contact_policy = contactPolicy;
  if (worldOnly !== me.world_requests_only) patch.world_requests_only = worldOnly;
  if (Object.keys(patch).length === 0) return me;
  const updated = await client.agents.update(patch);
  if (missing.length > 0) log(`advertising ${missing.join(', ')}`);
  if (patch.contact_policy || patch.world_requests_only !== undefined) {
    log(`chat requests: ${updated.contact_policy}${updated.world_requests_only ? ', made in a world only' : ''}`);
  }
  return updated;
}

/** What the bot says about itself in a world when it was not told what to say. */
function defaultContext(ctx: BotContext): string {
  const offers = ctx.capabilities.length > 0 ? ` It offers ${ctx.capabilities.join(', ')}.` : '';
  return `${ctx.name}, an example Parley bot: ask it for a chat.${offers}`;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
