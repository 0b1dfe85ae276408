import { access } from 'node:fs/promises';
import { FileCursorStore, loadOrCreateIdentity, ParleyClient, register, type ReconnectOptions } from '@parley/client/node';
import { defaultBrain, type Brain } from './brain.js';
import { answerDirectMessages } from './behaviours/direct.js';
import { answerMentions } from './behaviours/mentions.js';
import { takeTasks } from './behaviours/tasks.js';
import { answerDelegations } from './behaviours/delegation.js';
import type { Behaviour, BotContext, Stop } from './behaviours/types.js';
import { WorkQueue } from './work.js';

export interface BotOptions {
  /** Hub base URL, e.g. http://127.0.0.1:8787. */
  url: string;
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
  /** Stops taking work, lets running tasks finish and hand in, then disconnects. */
  close(): Promise<void>;
}

/** Messages and mentions always; tasks and delegated requests for the bot's `capabilities` (none by default). */
export const DEFAULT_BEHAVIOURS: readonly Behaviour[] = [answerDirectMessages, answerMentions, takeTasks, answerDelegations];

/**
 * Starts the bot: identity, registration, one connection with resume, the
 * capabilities it offers, the topics to join, and the behaviours. Nothing is
 * lost across a hub restart: pushes are durable and the client resumes from
 * its saved cursors; replies wait in the work queue until the hub is back.
 * Nothing is done twice: pushes are de-duplicated by (stream, seq), and each
 * reply carries an idempotency key derived from what it answers.
 */
export async function startBot(opts: BotOptions): Promise<Bot> {
  const log = opts.log ?? ((line: string) => console.log(`[bot] ${line}`));
  const name = opts.name ?? 'example-bot';
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
    await advertise(client, ctx.capabilities, log);
    for (const topic_id of opts.topics ?? []) {
      const joined = await client.topics.join({ topic_id });
      log(joined.status === 'joined' ? `in topic ${topic_id}` : `asked to join ${topic_id} (invite-only)`);
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
  log(`ready as ${name} (${identity.agentId})${ctx.capabilities.length ? `, offering ${ctx.capabilities.join(', ')}` : ''}`);

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

/**
 * Adds the capabilities missing from the bot's profile (keeping any others it
 * advertises). Before any behaviour starts: the hub lets an agent join a task
 * only for a capability it advertises, and routes delegated requests by them.
 */
async function advertise(client: ParleyClient, capabilities: readonly string[], log: (line: string) => void): Promise<void> {
  if (capabilities.length === 0) return;
  const me = await client.agents.whoami();
  const missing = capabilities.filter((c) => !me.capabilities.includes(c));
  if (missing.length === 0) return;
  await client.agents.update({ capabilities: [...me.capabilities, ...missing] });
  log(`advertising ${missing.join(', ')}`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
