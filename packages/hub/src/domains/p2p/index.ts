export { P2PService } from './service.js';
export { p2pHandlers } from './handlers.js';
