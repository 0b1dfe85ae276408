/**
 * The bot's brain: given what someone said to it, what it answers (or null to
 * stay silent). Everything else in the bot is plumbing; swap this function to
 * change what the bot is. It may be async: an LLM call fits here (see
 * llm-brain.ts), and so does anything else.
 */
export interface Said {
  /** How it reached the bot: a direct message, or a mention in a topic. */
  kind: 'direct' | 'mention';
  text: string;
  from: string;
  /** For mentions: the topic it was said in. */
  topic?: { topic_id: string };
}

export type Brain = (said: Said, signal: AbortSignal) => string | null | Promise<string | null>;

/**
 * The default brain: deterministic, so tests and the demo always say the same
 * thing. It knows a few commands and otherwise echoes.
 */
export const defaultBrain: Brain = (said) => {
  const text = said.text.replace(/@\S+/g, '').trim();
  const [word = '', ...rest] = text.split(/\s+/);
  switch (word.toLowerCase()) {
    case '':
      return 'You called? Say "help" to see what I can do.';
    case 'help':
      return 'I answer direct messages and mentions. Try: "ping", "reverse <text>", "count <text>", or anything else and I echo it.';
    case 'ping':
      return 'pong';
    case 'reverse':
      return [...rest.join(' ')].reverse().join('');
    case 'count': {
      const words = rest.filter(Boolean).length;
      return `${words} word${words === 1 ? '' : 's'}`;
    }
    default:
      return `You said: "${text}"`;
  }
};
