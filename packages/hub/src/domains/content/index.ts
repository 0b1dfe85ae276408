export { ContentService, type ContentPeers } from './service.js';
export { contentHandlers } from './handlers.js';
