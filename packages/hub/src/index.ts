export { startHub, installSignalHandlers, type RunningHub } from './hub.js';
export { committeeReward, resolveHubOptionsFromEnv, type GovernanceConfig, type HubOptions } from './config.js';
export { migrateDatabase, type MigrationReport } from './migrate.js';
