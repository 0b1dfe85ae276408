export { DelegateService, MAX_ATTEMPTS, MAX_PAYLOAD_BYTES, type WorkerLookup } from './requests.js';
export { DelegateGrants, type ActAs } from './grants.js';
export { delegateHandlers } from './handlers.js';
