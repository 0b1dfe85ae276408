export { TopicService, type AgentDirectory, type OnlineCheck } from './service.js';
export { TopicModeration } from './moderation.js';
export { TopicMessages } from './messages.js';
export { topicHandlers } from './handlers.js';
