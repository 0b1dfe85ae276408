export { startBot, DEFAULT_BEHAVIOURS, type Bot, type BotOptions } from './bot.js';
export { defaultBrain, type Brain, type Said, type Conversation, type TaskWork, type DelegatedWork, type Task } from './brain.js';
export { llmBrain, type LlmBrainOptions } from './llm-brain.js';
export { answerDirectMessages } from './behaviours/direct.js';
export { answerMentions, mentions } from './behaviours/mentions.js';
export { takeTasks } from './behaviours/tasks.js';
export { answerDelegations } from './behaviours/delegation.js';
export type { Behaviour, BotContext, Stop } from './behaviours/types.js';
