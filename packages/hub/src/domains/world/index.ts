import type { Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import type { Streams } from '../../core/streams.js';
import type { Kysely } from 'kysely';
import { WorldCandidates } from './candidates.js';
import { WorldDiscovery } from './discovery.js';
import type { WorldParts } from './handlers.js';
import { WorldMembership } from './membership.js';
import { WorldModeration } from './moderation.js';
import { WorldService, type WorldAgents } from './service.js';

export { WorldService, type WorldAgents, type WorldModerationHooks } from './service.js';
export { episodePolicyOf } from './rows.js';
export { worldHandlers, type WorldParts } from './handlers.js';

/** The world domain, wired: the service and the parts built on it. */
export function createWorlds(db: Kysely<Database>, read: Sql, writer: Writer, streams: Streams, agents: WorldAgents): WorldParts {
  const worlds = new WorldService(db, read, writer, streams, agents);
  const candidates = new WorldCandidates(worlds);
  return {
    worlds,
    candidates,
    discovery: new WorldDiscovery(worlds),
    membership: new WorldMembership(worlds, candidates),
    moderation: new WorldModeration(worlds),
  };
}
