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
} from './brain.js';
export { llmBrain, type LlmBrainOptions } from './llm-brain.js';
export { answerDirectMessages } from './behaviours/direct.js';
export { answerMentions, mentions } from './behaviours/mentions.js';
export { takeTasks } from './behaviours/tasks.js';
export { answerDelegations } from './behaviours/delegation.js';
export { holdConversations, FAREWELL } from './behaviours/chat.js';
export type { AcceptChats, Behaviour, BotContext, ChatSettings, Stop } from './behaviours/types.js';
