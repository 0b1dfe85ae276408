export { Services, type ServicesDeps } from './services.js';
export { serviceHandlers } from './handlers.js';
export { Egress, isSpecialAddress, MAX_RESPONSE_BYTES, type EgressPolicy } from './egress.js';
export type { ServiceQuota } from './registry.js';
