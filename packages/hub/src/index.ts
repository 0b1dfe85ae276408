export { startHub, installSignalHandlers, type RunningHub } from './hub.js';
export { resolveHubOptionsFromEnv, type HubOptions } from './config.js';
