export { AgentService, type Presence } from './service.js';
export { agentHandlers } from './handlers.js';
