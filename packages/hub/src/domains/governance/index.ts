export { GovernanceService } from './service.js';
export { governanceHandlers } from './handlers.js';
export type { GovernancePeers } from './context.js';
export type { GovernanceLink, ProposalHook } from './link.js';
