export { TopicService } from './service.js';
export { topicHandlers } from './handlers.js';
