import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseHubUrls } from '@parley/client';
import { startBot, type ContactPolicy } from './bot.js';
import type { AcceptChats } from './behaviours/types.js';
import { llmBrain } from './llm-brain.js';

/**
 * `parley-example-bot`: runs the bot until Ctrl-C. Configured by flags or,
 * for each, the environment (a flag wins):
 *   --url           PARLEY_URL            hub (default http://127.0.0.1:8787), or hubs sharing one database, comma-separated
 *   --home          PARLEY_BOT_HOME       identity and cursors (default ~/.parley/example-bot)
 *   --name          PARLEY_BOT_NAME       display name and @mention (default example-bot)
 *   --topics        PARLEY_BOT_TOPICS     topic ids to join, comma-separated
 *   --capabilities  PARLEY_BOT_CAPABILITIES
 *                                         capabilities to offer, comma-separated (e.g. text.reverse,text.count):
 *                                         the bot takes tasks that ask for them and answers delegated requests
 *   --services      PARLEY_BOT_SERVICES   services to serve in the hub's registry, comma-separated name@version
 *                                         (e.g. text.reverse@1.0.0): calls take {text} and get the capability's work as {text}
 *   --world         PARLEY_BOT_WORLD      world id to join on start (a candidate for its members to ask for a chat)
 *   --context       PARLEY_BOT_CONTEXT    what the bot says about itself in that world (default: its profile's
 *                                         description, else a line with its name and capabilities)
 *   --contact-policy PARLEY_BOT_CONTACT_POLICY
 *                                         open | approval_required | closed: set on its profile (default: left as it is)
 *   --accept-chats  PARLEY_BOT_ACCEPT_CHATS
 *                                         all (default) | world | none: which pending chat requests it accepts;
 *                                         world also makes the hub refuse requests made outside a world
 *   --governance    PARLEY_BOT_GOVERNANCE=1
 *                                         vote on proposals, and in deliberations as a committee member, through the brain
 *   PARLEY_BOT_LLM_URL, PARLEY_BOT_LLM_KEY, PARLEY_BOT_LLM_MODEL
 *                                         answer with an OpenAI-compatible model instead of the default brain
 */
const USAGE =
  'usage: parley-example-bot [--url URL,...] [--home DIR] [--name NAME] [--topics ID,...] [--capabilities CAP,...] [--services NAME@VERSION,...]\n' +
  '                          [--world ID [--context TEXT]] [--contact-policy open|approval_required|closed] [--accept-chats all|world|none]\n' +
  '                          [--governance]\n' +
  'Each flag may be given by environment instead: PARLEY_URL, PARLEY_BOT_HOME, PARLEY_BOT_NAME, PARLEY_BOT_TOPICS, PARLEY_BOT_CAPABILITIES, PARLEY_BOT_SERVICES,\n' +
  'PARLEY_BOT_WORLD, PARLEY_BOT_CONTEXT, PARLEY_BOT_CONTACT_POLICY, PARLEY_BOT_ACCEPT_CHATS, PARLEY_BOT_GOVERNANCE=1.';
const OPTIONS = {
  url: { type: 'string' },
  home: { type: 'string' },
  name: { type: 'string' },
  topics: { type: 'string' },
  capabilities: { type: 'string' },
  services: { type: 'string' },
  world: { type: 'string' },
  context: { type: 'string' },
  'contact-policy': { type: 'string' },
  'accept-chats': { type: 'string' },
  governance: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
const CONTACT_POLICIES: readonly ContactPolicy[] = ['open', 'approval_required', 'closed'];
const ACCEPT_CHATS: readonly AcceptChats[] = ['all', 'world', 'none'];
let flags: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
try {
  flags = parseArgs({ options: OPTIONS }).values;
} catch (err) {
  usageError(err instanceof Error ? err.message : String(err));
}
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const env = process.env;
const home = flags.home ?? env.PARLEY_BOT_HOME ?? join(homedir(), '.parley', 'example-bot');
const name = flags.name ?? env.PARLEY_BOT_NAME;
const world = flags.world ?? env.PARLEY_BOT_WORLD;
const context = flags.context ?? env.PARLEY_BOT_CONTEXT;
const contactPolicy = oneOf('--contact-policy', flags['contact-policy'] ?? env.PARLEY_BOT_CONTACT_POLICY, CONTACT_POLICIES);
const acceptChats = oneOf('--accept-chats', flags['accept-chats'] ?? env.PARLEY_BOT_ACCEPT_CHATS, ACCEPT_CHATS);
const governance = flags.governance ?? ['1', 'true', 'yes'].includes((env.PARLEY_BOT_GOVERNANCE ?? '').toLowerCase());
// A context with no world to say it in is a mistake worth stopping for, not something to ignore.
if (context && !world) usageError('--context needs --world');
const brain =
  env.PARLEY_BOT_LLM_URL && env.PARLEY_BOT_LLM_MODEL
    ? llmBrain({ url: env.PARLEY_BOT_LLM_URL, model: env.PARLEY_BOT_LLM_MODEL, ...(env.PARLEY_BOT_LLM_KEY ? { apiKey: env.PARLEY_BOT_LLM_KEY } : {}) })
    : undefined;

const bot = await startBot({
  url: hubUrls(flags.url ?? env.PARLEY_URL ?? 'http://127.0.0.1:8787'),
  identityPath: join(home, 'identity.json'),
  ...(name ? { name } : {}),
  topics: list(flags.topics ?? env.PARLEY_BOT_TOPICS),
  capabilities: list(flags.capabilities ?? env.PARLEY_BOT_CAPABILITIES),
  services: list(flags.services ?? env.PARLEY_BOT_SERVICES),
  ...(world ? { world } : {}),
  ...(context ? { worldContext: context } : {}),
  ...(contactPolicy ? { contactPolicy } : {}),
  ...(acceptChats ? { acceptChats } : {}),
  ...(governance ? { governance } : {}),
  ...(brain ? { brain } : {}),
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C does not wait for running tasks: they stay `doing`, and the next start finishes them.
    if (stopping) process.exit(1);
    stopping = true;
    console.log('[bot] stopping: letting running tasks and chat turns finish (Ctrl-C again to quit now)');
    void bot.close().then(() => process.exit(0));
  });
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** One hub URL or a comma-separated list of them; a bad one stops with the usage. */
function hubUrls(value: string): string[] {
  try {
    return parseHubUrls(value);
  } catch (err) {
    usageError(`--url: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** `value` when it is one of `allowed` (undefined when not given); anything else stops with the usage. */
function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === '') return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  usageError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
}

function usageError(message: string): never {
  console.error(`parley-example-bot: ${message}\n${USAGE}`);
  process.exit(2);
}
