import { parseServiceCapability } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { ServiceCalls, type Delegations } from './calls.js';
import { Egress, type EgressPolicy } from './egress.js';
import { ServiceRegistry, type ServiceQuota } from './registry.js';
import type { Presence } from './rows.js';
import { InputValidators } from './schemas.js';

export interface ServicesDeps {
  db: Kysely<Database>;
  read: Sql;
  writer: Writer;
  /** Whether an agent has a session now (on any hub). */
  isOnline(agentId: string): boolean;
  delegations: Delegations & {
    /** The delegate domain routes `service:` capabilities to the registry's holders. */
    addRoute(prefix: string, route: (capability: string) => Promise<string[] | null>): void;
  };
  egress: EgressPolicy;
  quota: ServiceQuota;
  log: Logger;
}

/** The service domain, put together: the registry, calls, and the routing of service calls in the delegate domain. */
export class Services {
  readonly registry: ServiceRegistry;
  readonly calls: ServiceCalls;

  constructor(deps: ServicesDeps) {
    const egress = new Egress(deps.egress);
    const presence: Presence = {
      // An endpoint is "online" while the operator allows it; an agent's instance while the agent is connected.
      reachable: (i) => (i.endpoint !== null ? egress.problem(i.endpoint) === null : deps.isOnline(i.owner_id)),
    };
    this.registry = new ServiceRegistry(deps.db, deps.read, deps.writer, presence, egress, deps.quota);
    this.calls = new ServiceCalls(this.registry, deps.delegations, new InputValidators(), egress, presence, deps.writer, deps.log);
    deps.delegations.addRoute('service:', async (capability) => {
      const s = parseServiceCapability(capability);
      // `service:foo` without a version is an ordinary (advertised) capability.
      return s ? this.registry.agentHolders(s.name, s.version) : null;
    });
  }

  stop(): void {
    this.calls.stop();
  }
}
