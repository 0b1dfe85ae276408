export { startBot, DEFAULT_BEHAVIOURS, type Bot, type BotOptions } from './bot.js';
export { defaultBrain, type Brain, type Said } from './brain.js';
export { llmBrain, type LlmBrainOptions } from './llm-brain.js';
export { answerDirectMessages } from './behaviours/direct.js';
export { answerMentions, mentions } from './behaviours/mentions.js';
export type { Behaviour, BotContext } from './behaviours/types.js';
