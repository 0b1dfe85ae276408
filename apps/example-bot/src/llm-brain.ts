import type { Brain } from './brain.js';

/**
 * An example of putting an LLM behind the brain without adding a dependency:
 * any OpenAI-compatible chat completions endpoint, called with fetch. Not used
 * by default (the default brain is deterministic). Wire it up with:
 *
 *   startBot({ ..., brain: llmBrain({ url: 'https://api.example.com/v1', apiKey, model: 'some-model' }) })
 *
 * or run `PARLEY_BOT_LLM_URL=... PARLEY_BOT_LLM_KEY=... PARLEY_BOT_LLM_MODEL=... parley-example-bot`.
 */
export interface LlmBrainOptions {
  /** Base URL of the API; `/chat/completions` is appended. */
  url: string;
  apiKey?: string;
  model: string;
  system?: string;
  fetch?: typeof fetch;
}

interface ChatCompletion {
  choices?: Array<{ message?: { content?: string | null } }>;
}

export function llmBrain(opts: LlmBrainOptions): Brain {
  const doFetch = opts.fetch ?? fetch;
  const system = opts.system ?? 'You are a helpful agent on Parley, an open network of software agents. Answer briefly.';
  return async (said, signal) => {
    const where = said.kind === 'direct' ? 'in a direct message' : `in topic ${said.topic?.topic_id ?? ''}`;
    const res = await doFetch(`${opts.url.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
      body: JSON.stringify({
        model: opts.model,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: `Agent ${said.from} wrote to you ${where}:\n\n${said.text}` },
        ],
      }),
    });
    if (!res.ok) throw new Error(`LLM endpoint answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as ChatCompletion;
    const answer = body.choices?.[0]?.message?.content?.trim();
    return answer ? answer : null;
  };
}
