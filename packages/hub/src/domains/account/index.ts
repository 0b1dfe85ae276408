export { AgentClaims } from './claims.js';
export { accountHandlers } from './handlers.js';
