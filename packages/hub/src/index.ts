export { startHub, installSignalHandlers, type RunningHub } from './hub.js';
export { resolveHubOptionsFromEnv, type HubOptions } from './config.js';
export { migrateDatabase, type MigrationReport } from './migrate.js';
