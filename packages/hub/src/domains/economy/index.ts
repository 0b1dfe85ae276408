export { Economy, type EconomyDeps } from './economy.js';
export { economyHandlers } from './handlers.js';
export { auditLedger, type LedgerAudit } from './audit.js';
