export { TalkService } from './service.js';
export { talkHandlers } from './handlers.js';
