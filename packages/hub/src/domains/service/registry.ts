import { MAX_PAGE_BYTES, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import { sql, type Kysely } from 'kysely';
import { conflict, notFound } from '../../core/errors.js';
import { encodeCursor, readCursor } from '../../core/ids.js';
import { fitCount } from '../../core/paging.js';
import { respond } from '../../core/unit.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database, ServiceInstancesTable, ServicesTable } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import type { Egress } from './egress.js';
import { toInstance, toService, versionKey, type Presence } from './rows.js';
import { checkParamsSchema } from './schemas.js';

/** What one agent may register. */
export interface ServiceQuota {
  /** Instances one agent holds, over all services. Default 20. */
  maxPerAgent: number;
  /** Instances of one name@version (so reading one service's instances is bounded). Default 100. */
  maxInstances: number;
}

const selectService = precompiled(2, (db, name: string, version: string) =>
  db.selectFrom('services').selectAll().where('name', '=', name).where('version', '=', version),
);
const highestVersion = precompiled(1, (db, name: string) =>
  db.selectFrom('services').selectAll().where('name', '=', name).orderBy('version_key', 'desc').orderBy('version', 'desc').limit(1),
);
const instancesOf = precompiled(2, (db, name: string, version: string) =>
  db.selectFrom('service_instances').selectAll().where('name', '=', name).where('version', '=', version).orderBy('created_at').orderBy('owner_id'),
);
const ownerCount = precompiled(1, (db, owner: string) =>
  db
    .selectFrom('service_instances')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('owner_id', '=', owner),
);

/**
 * The registry's own tables: `services` (one row per name@version: the
 * definition its instances share) and `service_instances` (one row per
 * holder). Every change is one writer job that checks the quota, the
 * definition rule and the caller's ownership inside the job, so a refusal
 * changes nothing and two registrations racing cannot both pass a bound.
 */
export class ServiceRegistry {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly presence: Presence,
    private readonly egress: Egress,
    private readonly quota: ServiceQuota,
  ) {}

  async register(me: string, p: ParsedParamsOf<'service/register'>): Promise<ResultOf<'service/register'>> {
    const schema = checkParamsSchema(p.params_schema);
    if (p.endpoint !== undefined) this.egress.assertAllowed(p.endpoint);
    const endpoint = p.endpoint ?? null;
    const label = `${p.name}@${p.version}`;
    return this.writer.run(async (tx) => {
      const now = Date.now();
      const def = await tx.get(selectService(this.db, p.name, p.version));
      const instances = def ? await tx.all(instancesOf(this.db, p.name, p.version)) : [];
      const mine = instances.find((i) => i.owner_id === me);
      if (!mine) {
        const held = Number((await tx.get(ownerCount(this.db, me)))?.n ?? 0);
        if (held >= this.quota.maxPerAgent) {
          throw conflict(`you hold ${held} service instances, the most this hub allows per agent: unregister one first`);
        }
        if (instances.length >= this.quota.maxInstances) throw conflict(`${label} has ${instances.length} instances, the most this hub allows`);
      }
      // The definition is everyone's once others hold instances of it: only a sole holder may change it.
      const alone = instances.every((i) => i.owner_id === me);
      if (!def) {
        await tx.run(
          this.db
            .insertInto('services')
            .values({
              name: p.name,
              version: p.version,
              version_key: versionKey(p.version),
              description: p.description,
              params_schema: schema,
              created_by: me,
              created_at: now,
              updated_at: now,
            })
            .compile(),
        );
      } else if (def.params_schema !== schema && !alone) {
        throw conflict(`${label} is registered by other agents with another params_schema: register a new version for a changed schema`);
      } else if (alone && (def.params_schema !== schema || def.description !== p.description)) {
        await tx.run(
          this.db
            .updateTable('services')
            .set({ params_schema: schema, description: p.description, updated_at: now })
            .where('name', '=', p.name)
            .where('version', '=', p.version)
            .compile(),
        );
      }
      if (mine) {
        await tx.run(
          this.db
            .updateTable('service_instances')
            .set({ endpoint, updated_at: now })
            .where('name', '=', p.name)
            .where('version', '=', p.version)
            .where('owner_id', '=', me)
            .compile(),
        );
      } else {
        await tx.run(
          this.db
            .insertInto('service_instances')
            .values({ name: p.name, version: p.version, owner_id: me, endpoint, created_at: now, updated_at: now })
            .compile(),
        );
      }
      const service = (await tx.get(selectService(this.db, p.name, p.version)))!;
      const all = await tx.all(instancesOf(this.db, p.name, p.version));
      const instance = all.find((i) => i.owner_id === me)!;
      return respond(tx, { service: toService(service, all, this.presence), instance: toInstance(instance, this.presence) });
    });
  }

  async unregister(me: string, p: ParsedParamsOf<'service/unregister'>): Promise<ResultOf<'service/unregister'>> {
    const result = { name: p.name, version: p.version };
    const mine = await this.read.get(
      this.db.selectFrom('service_instances').select('owner_id').where('name', '=', p.name).where('version', '=', p.version).where('owner_id', '=', me).compile(),
    );
    // Nothing to remove changes nothing: no writer job, nothing recorded.
    if (!mine) return { ...result, removed: false };
    return this.writer.run(async (tx) => {
      const removed = await tx.run(
        this.db.deleteFrom('service_instances').where('name', '=', p.name).where('version', '=', p.version).where('owner_id', '=', me).compile(),
      );
      const left = await tx.all(instancesOf(this.db, p.name, p.version));
      if (left.length === 0) await tx.run(this.db.deleteFrom('services').where('name', '=', p.name).where('version', '=', p.version).compile());
      return respond(tx, { ...result, removed: removed > 0 });
    });
  }

  /** By name, then version order; a page stops before MAX_PAGE_BYTES of services (their schemas may be large). */
  async list(p: ParsedParamsOf<'service/list'>): Promise<ResultOf<'service/list'>> {
    let q = this.db.selectFrom('services').selectAll();
    if (p.name !== undefined) q = q.where('name', '=', p.name);
    if (p.owner !== undefined) {
      const owner = p.owner;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('service_instances as si')
            .select('si.owner_id')
            .whereRef('si.name', '=', 'services.name')
            .whereRef('si.version', '=', 'services.version')
            .where('si.owner_id', '=', owner),
        ),
      );
    }
    if (p.q !== undefined) {
      // Every word, in the name or the description, any case; LIKE's own characters match only themselves.
      for (const word of p.q.toLowerCase().split(/\s+/).filter((w) => w.length > 0).slice(0, 10)) {
        const pattern = `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        q = q.where(sql<boolean>`(lower(name) like ${pattern} escape '\\' or lower(description) like ${pattern} escape '\\')`);
      }
    }
    if (p.cursor) {
      const [name, key, version] = readCursor(p.cursor, ['string', 'string', 'string']);
      q = q.where(
        sql<boolean>`(name > ${name} or (name = ${name} and version_key > ${key}) or (name = ${name} and version_key = ${key} and version > ${version}))`,
      );
    }
    const rows = await this.read.all(q.orderBy('name').orderBy('version_key').orderBy('version').limit(p.limit + 1).compile());
    const page = rows.slice(0, p.limit);
    const services = await this.withInstances(page);
    const n = fitCount(services, MAX_PAGE_BYTES);
    const more = rows.length > p.limit || n < services.length;
    const last = page[n - 1];
    return { services: services.slice(0, n), next_cursor: more && last ? encodeCursor([last.name, last.version_key, last.version]) : null };
  }

  async get(p: ParsedParamsOf<'service/get'>): Promise<ResultOf<'service/get'>> {
    const { def, instances } = await this.resolve(p.name, p.version);
    return { service: toService(def, instances, this.presence), instances: instances.map((i) => toInstance(i, this.presence)) };
  }

  /** A service and its instances (at most quota.maxInstances); not_found when there is no such service. */
  async resolve(name: string, version: string | undefined): Promise<{ def: ServicesTable; instances: ServiceInstancesTable[] }> {
    const def = await this.read.get(version === undefined ? highestVersion(this.db, name) : selectService(this.db, name, version));
    if (!def) throw notFound(version === undefined ? `service ${name}` : `service ${name}@${version}`);
    return { def, instances: await this.read.all(instancesOf(this.db, def.name, def.version)) };
  }

  /** Holders of an instance of name@version served over their own connection (for the delegate domain's routing). */
  async agentHolders(name: string, version: string): Promise<string[]> {
    return (await this.read.all(instancesOf(this.db, name, version))).filter((i) => i.endpoint === null).map((i) => i.owner_id);
  }

  private async withInstances(page: ServicesTable[]): Promise<ResultOf<'service/list'>['services']> {
    if (page.length === 0) return [];
    const rows = await this.read.all(
      this.db
        .selectFrom('service_instances')
        .select(['name', 'version', 'owner_id', 'endpoint'])
        // Exactly the page's services (at most quota.maxInstances rows each), not every version of their names.
        .where((eb) => eb.or(page.map((s) => eb.and([eb('name', '=', s.name), eb('version', '=', s.version)]))))
        .compile(),
    );
    const by = new Map<string, Array<Pick<ServiceInstancesTable, 'owner_id' | 'endpoint'>>>();
    for (const r of rows) {
      const key = `${r.name}@${r.version}`;
      let list = by.get(key);
      if (!list) by.set(key, (list = []));
      list.push(r);
    }
    return page.map((s) => toService(s, by.get(`${s.name}@${s.version}`) ?? [], this.presence));
  }
}
