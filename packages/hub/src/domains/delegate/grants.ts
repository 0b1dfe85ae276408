import { ErrorCode, type Grant, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { forbidden, HubError, notFound } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database, DelegateGrantsTable } from '../../store/schema.js';
import type { SyncSql } from '../../store/sql.js';
import type { BatchWriter } from '../../store/writer.js';
import type { AgentService } from '../agent/index.js';
import type { P2PService } from '../p2p/index.js';
import type { TopicMessages } from '../topic/index.js';

// Asked on every publish_as and p2p_as.
const grantOf = precompiled(2, (db, agentId: string, managerId: string) =>
  db.selectFrom('delegate_grants').selectAll().where('agent_id', '=', agentId).where('manager_id', '=', managerId),
);
const upsertGrant = precompiled(5, (db, agentId: string, managerId: string, canPublish: number, canP2p: number, at: number) =>
  db
    .insertInto('delegate_grants')
    .values({ agent_id: agentId, manager_id: managerId, can_publish: canPublish, can_p2p: canP2p, created_at: at })
    .onConflict((oc) => oc.columns(['agent_id', 'manager_id']).doUpdateSet({ can_publish: canPublish, can_p2p: canP2p, created_at: at })),
);
const deleteGrant = precompiled(2, (db, agentId: string, managerId: string) =>
  db.deleteFrom('delegate_grants').where('agent_id', '=', agentId).where('manager_id', '=', managerId),
);

/** What act-as needs from the other domains: that the manager exists, and the acting agent's own publish and send. */
export interface ActAs {
  agents: Pick<AgentService, 'publicKeyOf'>;
  topicMessages: Pick<TopicMessages, 'publish'>;
  p2p: Pick<P2PService, 'send'>;
}

function toGrant(r: DelegateGrantsTable): Grant {
  return {
    agent_id: r.agent_id,
    manager_id: r.manager_id,
    can_publish: Number(r.can_publish) === 1,
    can_p2p: Number(r.can_p2p) === 1,
    created_at: iso(Number(r.created_at)),
  };
}

/**
 * Act-as grants: an agent lets a manager publish to topics and/or send direct
 * messages as itself. What the manager does goes through the granting agent's
 * own publish and send (its membership, the topic's rules, the recipient's
 * contact policy all apply) and carries `via`: the manager.
 */
export class DelegateGrants {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sql: SyncSql,
    private readonly writer: BatchWriter,
    private readonly deps: ActAs,
  ) {}

  async grant(me: string, p: ParsedParamsOf<'delegate/grant'>): Promise<ResultOf<'delegate/grant'>> {
    if (p.manager === me) throw new HubError(ErrorCode.InvalidParams, 'an agent cannot grant itself');
    if ((await this.deps.agents.publicKeyOf(p.manager)) === null) throw notFound('manager agent');
    const at = Date.now();
    await this.writer.run((sql) => sql.run(upsertGrant(this.db, me, p.manager, p.can_publish ? 1 : 0, p.can_p2p ? 1 : 0, at)));
    return { agent_id: me, manager_id: p.manager, can_publish: p.can_publish, can_p2p: p.can_p2p, created_at: iso(at) };
  }

  async revoke(me: string, p: ParsedParamsOf<'delegate/revoke'>): Promise<ResultOf<'delegate/revoke'>> {
    const n = await this.writer.run((sql) => sql.run(deleteGrant(this.db, me, p.manager)));
    return { manager_id: p.manager, revoked: n > 0 };
  }

  async list(me: string): Promise<ResultOf<'delegate/list'>> {
    const [given, held] = await Promise.all([
      this.db.selectFrom('delegate_grants').selectAll().where('agent_id', '=', me).orderBy('created_at').orderBy('manager_id').execute(),
      this.db.selectFrom('delegate_grants').selectAll().where('manager_id', '=', me).orderBy('created_at').orderBy('agent_id').execute(),
    ]);
    return { given: given.map(toGrant), held: held.map(toGrant) };
  }

  async publishAs(me: string, p: ParsedParamsOf<'delegate/publish_as'>): Promise<ResultOf<'delegate/publish_as'>> {
    this.assertGranted(p.as, me, 'can_publish');
    const published = await this.deps.topicMessages.publish(
      p.as,
      { topic_id: p.topic_id, content: p.content, content_type: p.content_type, semantic_type: p.semantic_type, reply_to: p.reply_to },
      me,
    );
    return { message_id: published.message_id, seq: published.seq, via: me };
  }

  async p2pAs(me: string, p: ParsedParamsOf<'delegate/p2p_as'>): Promise<ResultOf<'delegate/p2p_as'>> {
    this.assertGranted(p.as, me, 'can_p2p');
    const sent = await this.deps.p2p.send(p.as, { to: p.to, content: p.content, content_type: p.content_type }, me);
    return { message_id: sent.message_id, seq: sent.seq, via: me };
  }

  private assertGranted(agentId: string, managerId: string, flag: 'can_publish' | 'can_p2p'): void {
    const row = this.sql.get(grantOf(this.db, agentId, managerId));
    if (!row || Number(row[flag]) !== 1) throw forbidden(`${agentId} has not granted you ${flag}`);
  }
}
