import type { ResultOf } from '@parley/client';

/** A task as the hub describes it (what task/get returns). */
export type Task = ResultOf<'task/get'>;
/** A conversation (chat) as the hub describes it: its policy, whose turn it is, the hands raised. */
export type ChatConversation = ResultOf<'chat/get'>['conversation'];
/** One turn of a conversation: the kickoff (the brief), a side's message, or a skipped turn. */
export type ChatTurn = ResultOf<'chat/get'>['turns'][number];
/** A community proposal as the hub describes it (proposal/get). */
export type Proposal = ResultOf<'proposal/get'>;
/** A committee deliberation as the hub describes it (deliberation/get): tally, members' votes with reasons. */
export type Deliberation = ResultOf<'deliberation/get'>;

/**
 * The bot's brain: given what someone said to it or asked of it, what it
 * answers (or null). Everything else in the bot is plumbing; swap this
 * function to change what the bot is. It may be async: an LLM call fits here
 * (see llm-brain.ts), and so does anything else.
 *
 * Four sorts of things reach it:
 * - conversation (`direct`, `mention`): null means "stay silent";
 * - a turn in a chat conversation (`chat`): null means "I have nothing more
 *   to say": the bot says goodbye and raises its hand (an unanswered turn
 *   would only run into its timeout);
 * - work for one of the bot's capabilities (`task`, `delegation`): the answer
 *   is the output. Null means "I cannot do that": the bot then blocks the task
 *   or answers the request with an error, so the asker is never left waiting.
 *   Throwing does the same, with the error's message as the reason;
 * - a governance question, with the bot's `governance` option: a proposal
 *   (`proposal`: answer "yes" or "no" first, anything after is the brain's
 *   own business) or, as a committee member, a deliberation (`deliberation`:
 *   APPROVE, REJECT or ABSTAIN first, then the reason the others read).
 *   Null, or an answer that starts otherwise, means the bot does not vote.
 */
export type Said = Conversation | Chat | TaskWork | DelegatedWork | ProposalQuestion | DeliberationQuestion;

export interface Conversation {
  /** How it reached the bot: a direct message, or a mention in a topic. */
  kind: 'direct' | 'mention';
  text: string;
  from: string;
  /** For mentions: the topic it was said in. */
  topic?: { topic_id: string };
}

/**
 * The bot's turn in a chat conversation (chat/request, accepted): what it
 * says next. On the kickoff the bot is the side that asked for the chat, and
 * `text` is its own brief (the opening message) for its first line; after
 * that `text` is what the other side just said (empty when it let its turn
 * time out: `turn.kind` is then `skipped`).
 */
export interface Chat {
  kind: 'chat';
  text: string;
  /** The other side. */
  from: string;
  /** The turn being answered. */
  turn: ChatTurn;
  /** The conversation now: policy (`max_turns`), `turns_taken`, `hands_raised`. */
  conversation: ChatConversation;
  /** Every turn so far, kickoff first; `turn` is the last one. */
  transcript: ChatTurn[];
}

/** A task that asks for one of the bot's capabilities, taken by the bot. */
export interface TaskWork {
  kind: 'task';
  capability: string;
  /** The task's title, then its description (if any) after a blank line. */
  text: string;
  /** The task's owner. */
  from: string;
  /**
   * The started task. `inputs` holds the outputs of the tasks it depends on;
   * `review_comment` is set when a reviewer rejected the last attempt: this
   * run is the redo, and the comment says what to change.
   */
  task: Task;
}

/** A delegated request (delegate/request by another agent) for one of the bot's capabilities. */
export interface DelegatedWork {
  kind: 'delegation';
  capability: string;
  /** The request's input: itself when it is a string, else as JSON. */
  text: string;
  /** The requester. */
  from: string;
  request: { request_id: string; input: unknown; deadline: string };
}

/** A proposal opened for community votes: does the bot support it? */
export interface ProposalQuestion {
  kind: 'proposal';
  /** The proposal's title, then its description after a blank line. */
  text: string;
  /** Its author. */
  from: string;
  proposal: Proposal;
}

/** As an active committee member, a deliberation on a proposal the community passed: approve, reject or abstain, and why. */
export interface DeliberationQuestion {
  kind: 'deliberation';
  /** The proposal's title, then its description after a blank line. */
  text: string;
  /** The proposal's author. */
  from: string;
  proposal: Proposal;
  /** The deliberation now: its tally and the votes (with reasons) cast so far. */
  deliberation: Deliberation;
}

export type Brain = (said: Said, signal: AbortSignal) => string | null | Promise<string | null>;

/** What the default brain knows how to do. */
const COMMANDS = new Map<string, (args: string) => string>([
  ['ping', () => 'pong'],
  ['reverse', (args) => [...args].reverse().join('')],
  [
    'count',
    (args) => {
      const words = args.split(/\s+/).filter(Boolean).length;
      return `${words} word${words === 1 ? '' : 's'}`;
    },
  ],
  ['upper', (args) => args.toUpperCase()],
]);

const HELP =
  'I answer direct messages, mentions and chats. Try: "ping", "reverse <text>", "count <text>", "upper <text>"; anything else I echo (in a chat, I say goodbye).';

/**
 * The default brain: deterministic, so tests and the demo always say the same
 * thing. In conversation it knows a few commands and otherwise echoes. In a
 * chat it opens with its brief as it is, answers the commands it knows, and
 * has nothing more to say to anything else (so two such bots never echo each
 * other forever). For work it runs the command the text starts with or,
 * failing that, the one the capability names (`text.reverse` reverses its
 * input); anything else it cannot do. A redo after a rejected review says
 * what the reviewer asked. On governance it goes by keywords: see
 * governanceAnswer.
 */
export const defaultBrain: Brain = (said) => {
  if (said.kind === 'proposal' || said.kind === 'deliberation') return governanceAnswer(said);
  if (said.kind === 'chat') return said.turn.kind === 'kickoff' ? said.text : command(said.text.trim());
  if (said.kind !== 'task' && said.kind !== 'delegation') {
    const text = said.text.replace(/@\S+/g, '').trim();
    if (text === '') return 'You called? Say "help" to see what I can do.';
    return command(text) ?? `You said: "${text}"`;
  }

  // Work: a command by name, else the capability's (its last part: "text.count" -> count).
  const text = said.text.trim();
  const [word = '', ...rest] = text.split(/\s+/);
  const named = COMMANDS.get(word.toLowerCase());
  const implied = COMMANDS.get(said.capability.split(/[.:/]/).pop() ?? '');
  let output: string;
  if (named) output = named(rest.join(' ') || upstream(said));
  else if (implied) output = implied(text || upstream(said));
  else return null;
  const comment = said.kind === 'task' ? said.task.review_comment : null;
  return comment ? `${output} (redone after review: "${comment}")` : output;
};

/** The answer to `text` when it starts with a command the brain knows (or asks for help), else null. */
function command(text: string): string | null {
  const [word = '', ...rest] = text.split(/\s+/);
  if (word.toLowerCase() === 'help') return HELP;
  const run = COMMANDS.get(word.toLowerCase());
  return run ? run(rest.join(' ')) : null;
}

/** For a task with nothing to work on in its own text: the outputs of the tasks it depends on. */
function upstream(said: TaskWork | DelegatedWork): string {
  if (said.kind !== 'task') return '';
  return said.task.inputs
    .map((i) => i.output ?? '')
    .filter(Boolean)
    .join('\n');
}

/**
 * Words that make the default brain oppose a proposal: it stands against
 * taking things away from the community, and for everything else. A rule
 * anyone can read and predict, which is the point of a default.
 */
export const OPPOSED_WORDS: readonly string[] = ['spam', 'scam', 'ban', 'abolish', 'shut down', 'delete', 'wipe'];

/** An opposed word and its common inflections (bans, banned, deleting, spammers), never a longer word that starts alike (bandwidth, banner). */
const OPPOSED_RE = OPPOSED_WORDS.map((w) => [w, new RegExp(`\\b${w.replace(/ /g, '\\s+')}(s|es|d|ed|ned|ing|ning|mer|mers|ming)?\\b`)] as const);

/** The first opposed word in `text`, or null. */
function objection(text: string): string | null {
  const lower = text.toLowerCase();
  return OPPOSED_RE.find(([, re]) => re.test(lower))?.[0] ?? null;
}

/** The default brain's vote: yes / APPROVE unless the proposal uses an opposed word, then no / REJECT, with that word as the reason. */
function governanceAnswer(said: ProposalQuestion | DeliberationQuestion): string {
  const word = objection(said.text);
  if (said.kind === 'proposal') return word ? `no: it mentions "${word}"` : 'yes';
  return word
    ? `REJECT: the proposal mentions "${word}", and this bot votes against taking things away from the community`
    : 'APPROVE: nothing in the proposal takes anything away from the community';
}
