export { InboxService } from './service.js';
export { inboxHandlers } from './handlers.js';
