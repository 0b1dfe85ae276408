import { homedir } from 'node:os';
import { join } from 'node:path';
import { startBot } from './bot.js';
import { llmBrain } from './llm-brain.js';

/**
 * `parley-example-bot`: runs the bot until Ctrl-C. Configured by environment:
 *   PARLEY_URL            hub (default http://127.0.0.1:8787)
 *   PARLEY_BOT_HOME       identity and cursors (default ~/.parley/example-bot)
 *   PARLEY_BOT_NAME       display name and @mention (default example-bot)
 *   PARLEY_BOT_TOPICS     topic ids to join, comma-separated
 *   PARLEY_BOT_LLM_URL, PARLEY_BOT_LLM_KEY, PARLEY_BOT_LLM_MODEL
 *                         answer with an OpenAI-compatible model instead of the default brain
 */
const env = process.env;
const home = env.PARLEY_BOT_HOME ?? join(homedir(), '.parley', 'example-bot');
const brain =
  env.PARLEY_BOT_LLM_URL && env.PARLEY_BOT_LLM_MODEL
    ? llmBrain({ url: env.PARLEY_BOT_LLM_URL, model: env.PARLEY_BOT_LLM_MODEL, ...(env.PARLEY_BOT_LLM_KEY ? { apiKey: env.PARLEY_BOT_LLM_KEY } : {}) })
    : undefined;

const bot = await startBot({
  url: env.PARLEY_URL ?? 'http://127.0.0.1:8787',
  identityPath: join(home, 'identity.json'),
  ...(env.PARLEY_BOT_NAME ? { name: env.PARLEY_BOT_NAME } : {}),
  topics: (env.PARLEY_BOT_TOPICS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  ...(brain ? { brain } : {}),
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void bot.close().then(() => process.exit(0));
  });
}
