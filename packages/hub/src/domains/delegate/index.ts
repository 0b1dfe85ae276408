export { DelegateService, failureOf, MAX_ATTEMPTS, MAX_PAYLOAD_BYTES, type CapabilityRoute, type FailureKind, type WorkerLookup } from './requests.js';
export { DelegateGrants, type ActAs } from './grants.js';
export { delegateHandlers } from './handlers.js';
