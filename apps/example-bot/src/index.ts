export { startBot, DEFAULT_BEHAVIOURS, type Bot, type BotOptions, type ContactPolicy } from './bot.js';
export {
  defaultBrain,
  type Brain,
  type Said,
  type Conversation,
  type Chat,
  type ChatConversation,
  type ChatTurn,
  type TaskWork,
  type DelegatedWork,
  type Task,
  type ProposalQuestion,
  type DeliberationQuestion,
  type Proposal,
  type Deliberation,
  OPPOSED_WORDS,
} from './brain.js';
export { llmBrain, type LlmBrainOptions } from './llm-brain.js';
export { answerDirectMessages } from './behaviours/direct.js';
export { answerMentions, mentions } from './behaviours/mentions.js';
export { takeTasks } from './behaviours/tasks.js';
export { answerDelegations } from './behaviours/delegation.js';
export { serveServices, parseServiceRef } from './behaviours/services.js';
export { holdConversations, FAREWELL } from './behaviours/chat.js';
export { voteOnGovernance, supportFrom, choiceFrom, type DeliberationChoice } from './behaviours/governance.js';
export type { AcceptChats, Behaviour, BotContext, ChatSettings, Stop } from './behaviours/types.js';
