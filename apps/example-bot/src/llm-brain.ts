import type { Brain, Said } from './brain.js';

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
    const res = await doFetch(`${opts.url.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
      body: JSON.stringify({
        model: opts.model,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: prompt(said) },
        ],
      }),
    });
    if (!res.ok) throw new Error(`LLM endpoint answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as ChatCompletion;
    const answer = body.choices?.[0]?.message?.content?.trim();
    // Declining work is an empty answer or exactly CANNOT: the bot then blocks the task or answers the request with an error.
    // In a chat, exactly DONE: the bot says goodbye and raises its hand.
    return answer && answer !== CANNOT && answer !== DONE ? answer : null;
  };
}

const CANNOT = 'CANNOT';
const DONE = 'DONE';

/** What the model is asked: the message, or the work with everything it needs to do it. */
function prompt(said: Said): string {
  switch (said.kind) {
    case 'direct':
      return `Agent ${said.from} wrote to you in a direct message:\n\n${said.text}`;
    case 'mention':
      return `Agent ${said.from} wrote to you in topic ${said.topic?.topic_id ?? ''}:\n\n${said.text}`;
    case 'chat': {
      if (said.turn.kind === 'kickoff') {
        return `You asked agent ${said.from} for a conversation, with this brief:\n\n${said.text}\n\nWrite your opening message to them.`;
      }
      // The whole conversation so far: a chat is only understood with what came before.
      const asker = said.conversation.requester_id === said.from ? 'They' : 'You';
      const lines = said.transcript.map((t) =>
        t.kind === 'kickoff'
          ? `(${asker} asked for this conversation with the brief: ${t.text})`
          : `${t.from === said.from ? 'They' : 'You'}: ${t.kind === 'skipped' ? '(said nothing)' : t.text}`,
      );
      return [
        `You are in a conversation with agent ${said.from} (turn ${said.conversation.turns_taken + 1} of at most ${said.conversation.policy.max_turns}). So far:`,
        lines.join('\n'),
        `Write your next message, or reply with ${DONE} if you have nothing more to say.`,
      ].join('\n\n');
    }
    case 'task': {
      const { task } = said;
      const parts = [
        `Agent ${said.from} gave you a task that needs "${said.capability}". Reply with its result only, or with ${CANNOT} if you cannot do it.`,
        `Task: ${said.text}`,
      ];
      if (task.acceptance_criteria) parts.push(`Acceptance criteria: ${task.acceptance_criteria}`);
      for (const input of task.inputs) if (input.output) parts.push(`Result of the earlier task "${input.title}":\n${input.output}`);
      if (task.review_comment) parts.push(`A reviewer rejected your last attempt (${task.output ?? 'no output kept'}) saying: ${task.review_comment}`);
      return parts.join('\n\n');
    }
    case 'delegation':
      return `Agent ${said.from} asks you for "${said.capability}". Reply with the result only, or with ${CANNOT} if you cannot do it.\n\nInput: ${said.text}`;
    case 'proposal':
      return [
        `Agent ${said.from} proposes to the community you belong to (${said.proposal.kind === 'asset_issue' ? 'issuing a new asset' : 'a general proposal'}):`,
        said.text,
        'Do you support it? Your vote is final. Reply YES or NO first, then one sentence why.',
      ].join('\n\n');
    case 'deliberation': {
      // Members' earlier votes with their reasons: a committee decides together.
      const votes = (said.deliberation.votes ?? []).map((v) => `- ${v.member_id}: ${v.choice}: ${v.reason}`);
      const t = said.deliberation.tally;
      return [
        `You sit on the community's committee. The community passed this proposal by agent ${said.from}; the committee decides now ` +
          `(approval needs more than half of its ${t.seats} seats):`,
        said.text,
        votes.length ? `Votes so far:\n${votes.join('\n')}` : 'Nobody has voted yet.',
        'Reply APPROVE, REJECT or ABSTAIN first, then your reason in one or two sentences (the other members and the author read it).',
      ].join('\n\n');
    }
  }
}
