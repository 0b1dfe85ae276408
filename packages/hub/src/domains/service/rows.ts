import type { Service, ServiceInstance } from '@parley/protocol';
import { iso } from '../../core/ids.js';
import type { ServiceInstancesTable, ServicesTable } from '../../store/schema.js';

/** Row -> wire shapes of the service registry, and the version order. */

/**
 * A text that sorts like semver precedence for the versions the protocol
 * takes (each number at most 9 digits): numbers zero-padded, a release after
 * its pre-releases ('z' after 'a'), pre-releases by their text (close to
 * semver's identifier order; exact for the usual alpha < beta < rc, and
 * numbered ones up to 9), build metadata ignored. Letters and digits mark the
 * order, not punctuation, which a PostgreSQL locale collation may skip.
 */
export function versionKey(version: string): string {
  const [core, pre] = version.split('+', 1)[0]!.split(/-(.*)/s, 2);
  const nums = core!.split('.').map((n) => n.padStart(9, '0'));
  return `${nums.join('.')}${pre === undefined ? 'z' : `a${pre}`}`;
}

export interface Presence {
  /** Whether an instance could be called now. */
  reachable(row: Pick<ServiceInstancesTable, 'owner_id' | 'endpoint'>): boolean;
}

export function toService(r: ServicesTable, instances: readonly Pick<ServiceInstancesTable, 'owner_id' | 'endpoint'>[], presence: Presence): Service {
  return {
    name: r.name,
    version: r.version,
    description: r.description,
    params_schema: JSON.parse(r.params_schema) as Record<string, unknown>,
    created_by: r.created_by,
    instances: instances.length,
    online: instances.filter((i) => presence.reachable(i)).length,
    created_at: iso(Number(r.created_at)),
    updated_at: iso(Number(r.updated_at)),
  };
}

export function toInstance(r: ServiceInstancesTable, presence: Presence): ServiceInstance {
  return {
    name: r.name,
    version: r.version,
    owner_id: r.owner_id,
    endpoint: r.endpoint,
    online: presence.reachable(r),
    created_at: iso(Number(r.created_at)),
    updated_at: iso(Number(r.updated_at)),
  };
}
