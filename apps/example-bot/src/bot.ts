import { access } from 'node:fs/promises';
import { FileCursorStore, loadOrCreateIdentity, ParleyClient, register, type ReconnectOptions } from '@parley/client/node';
import { defaultBrain, type Brain } from './brain.js';
import { answerDirectMessages } from './behaviours/direct.js';
import { answerMentions } from './behaviours/mentions.js';
import type { Behaviour, BotContext } from './behaviours/types.js';
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
  brain?: Brain;
  behaviours?: Behaviour[];
  log?: (line: string) => void;
  reconnect?: ReconnectOptions;
}

export interface Bot {
  readonly agentId: string;
  readonly client: ParleyClient;
  /** Pieces of work finished so far (answers sent, or decided against). */
  readonly completed: number;
  /** Resolves when no work is pending. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_BEHAVIOURS: readonly Behaviour[] = [answerDirectMessages, answerMentions];

/**
 * Starts the bot: identity, registration, one connection with resume, the
 * behaviours, and the topics to join. Nothing is lost across a hub restart:
 * pushes are durable and the client resumes from its saved cursors; replies
 * wait in the work queue until the hub is back. Nothing is done twice: pushes
 * are de-duplicated by (stream, seq), and each reply carries an idempotency
 * key derived from the message it answers.
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
    work: (key, run) => work.add(key, run),
    log,
  };
  // Listeners before connecting: replayed pushes arrive right after `connected`.
  for (const b of opts.behaviours ?? DEFAULT_BEHAVIOURS) b.attach(ctx);
  client.on('gap', (g) => log(`gap on ${g.stream} (${g.reason}): some pushes are gone; history has the rest`));
  client.on('state', (s) => {
    if (s === 'connected' || s === 'disconnected') log(`connection ${s}`);
  });
  client.on('error', (err) => log(`client: ${err.message}`));
  await client.connect();

  for (const topic_id of opts.topics ?? []) {
    const joined = await client.topics.join({ topic_id });
    log(joined.status === 'joined' ? `in topic ${topic_id}` : `asked to join ${topic_id} (invite-only)`);
  }
  log(`ready as ${name} (${identity.agentId})`);

  return {
    agentId: identity.agentId,
    client,
    get completed() {
      return work.completed;
    },
    idle: () => work.idle(),
    async close() {
      work.close();
      await client.close();
    },
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
