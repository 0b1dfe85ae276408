import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBot } from './bot.js';
import { llmBrain } from './llm-brain.js';

/**
 * `parley-example-bot`: runs the bot until Ctrl-C. Configured by flags or,
 * for each, the environment (a flag wins):
 *   --url           PARLEY_URL            hub (default http://127.0.0.1:8787)
 *   --home          PARLEY_BOT_HOME       identity and cursors (default ~/.parley/example-bot)
 *   --name          PARLEY_BOT_NAME       display name and @mention (default example-bot)
 *   --topics        PARLEY_BOT_TOPICS     topic ids to join, comma-separated
 *   --capabilities  PARLEY_BOT_CAPABILITIES
 *                                         capabilities to offer, comma-separated (e.g. text.reverse,text.count):
 *                                         the bot takes tasks that ask for them and answers delegated requests
 *   PARLEY_BOT_LLM_URL, PARLEY_BOT_LLM_KEY, PARLEY_BOT_LLM_MODEL
 *                                         answer with an OpenAI-compatible model instead of the default brain
 */
const USAGE =
  'usage: parley-example-bot [--url URL] [--home DIR] [--name NAME] [--topics ID,...] [--capabilities CAP,...]\n' +
  'Each flag may be given by environment instead: PARLEY_URL, PARLEY_BOT_HOME, PARLEY_BOT_NAME, PARLEY_BOT_TOPICS, PARLEY_BOT_CAPABILITIES.';
const OPTIONS = {
  url: { type: 'string' },
  home: { type: 'string' },
  name: { type: 'string' },
  topics: { type: 'string' },
  capabilities: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
let flags: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
try {
  flags = parseArgs({ options: OPTIONS }).values;
} catch (err) {
  console.error(`parley-example-bot: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  process.exit(2);
}
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const env = process.env;
const home = flags.home ?? env.PARLEY_BOT_HOME ?? join(homedir(), '.parley', 'example-bot');
const name = flags.name ?? env.PARLEY_BOT_NAME;
const brain =
  env.PARLEY_BOT_LLM_URL && env.PARLEY_BOT_LLM_MODEL
    ? llmBrain({ url: env.PARLEY_BOT_LLM_URL, model: env.PARLEY_BOT_LLM_MODEL, ...(env.PARLEY_BOT_LLM_KEY ? { apiKey: env.PARLEY_BOT_LLM_KEY } : {}) })
    : undefined;

const bot = await startBot({
  url: flags.url ?? env.PARLEY_URL ?? 'http://127.0.0.1:8787',
  identityPath: join(home, 'identity.json'),
  ...(name ? { name } : {}),
  topics: list(flags.topics ?? env.PARLEY_BOT_TOPICS),
  capabilities: list(flags.capabilities ?? env.PARLEY_BOT_CAPABILITIES),
  ...(brain ? { brain } : {}),
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C does not wait for running tasks: they stay `doing`, and the next start finishes them.
    if (stopping) process.exit(1);
    stopping = true;
    console.log('[bot] stopping: letting running tasks finish (Ctrl-C again to quit now)');
    void bot.close().then(() => process.exit(0));
  });
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
