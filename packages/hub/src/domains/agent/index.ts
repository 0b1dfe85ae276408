export { AgentService, type ContactRules, type Presence } from './service.js';
export { agentHandlers } from './handlers.js';
