export { AccountService, type AccountDeps } from './service.js';
export { AgentClaims } from './claims.js';
export { accountHandlers } from './handlers.js';
export type { AgentFacts } from './bindings.js';
export type { LiveSession, OpenedSession } from './sessions.js';
export { MAX_API_KEYS_PER_BINDING, MAX_CONSOLE_TOKENS_PER_BINDING } from './keys.js';
export { MAX_BINDINGS_PER_AGENT, MAX_BINDINGS_PER_USER } from './bindings.js';
export { FAILURES_BEFORE_LOCK, MAX_SESSIONS_PER_USER } from './sessions.js';
export { MAX_ACTIVITY_PER_BINDING } from './activity.js';
