import { ErrorCode, type Grant, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { forbidden, HubError, notFound } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import type { StagedPush, Streams } from '../../core/streams.js';
import { respond } from '../../core/unit.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database, DelegateGrantsTable } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
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

/**
 * What act-as needs from the other domains: that the manager exists, the
 * acting agent's own publish and send (prepared, for the grant's job), and
 * the fan-out of their pushes.
 */
export interface ActAs {
  agents: Pick<AgentService, 'publicKeyOf'>;
  topicMessages: Pick<TopicMessages, 'preparePublish'>;
  p2p: Pick<P2PService, 'prepareSend'>;
  streams: Pick<Streams, 'fanOut'>;
}

/** A prepared publish or send: the message row and its push, for a writer job. */
type Write = (tx: Sql) => Promise<{ result: { message_id: string; seq: number }; push: StagedPush }>;
type Flag = 'can_publish' | 'can_p2p';

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
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly deps: ActAs,
  ) {}

  async grant(me: string, p: ParsedParamsOf<'delegate/grant'>): Promise<ResultOf<'delegate/grant'>> {
    if (p.manager === me) throw new HubError(ErrorCode.InvalidParams, 'an agent cannot grant itself');
    if ((await this.deps.agents.publicKeyOf(p.manager)) === null) throw notFound('manager agent');
    const at = Date.now();
    const grant = { agent_id: me, manager_id: p.manager, can_publish: p.can_publish, can_p2p: p.can_p2p, created_at: iso(at) };
    return this.writer.run(async (tx) => {
      await tx.run(upsertGrant(this.db, me, p.manager, p.can_publish ? 1 : 0, p.can_p2p ? 1 : 0, at));
      return await respond(tx, grant);
    });
  }

  revoke(me: string, p: ParsedParamsOf<'delegate/revoke'>): Promise<ResultOf<'delegate/revoke'>> {
    return this.writer.run(async (tx) => {
      const revoked = (await tx.run(deleteGrant(this.db, me, p.manager))) > 0;
      return await respond(tx, { manager_id: p.manager, revoked });
    });
  }

  async list(me: string): Promise<ResultOf<'delegate/list'>> {
    const [given, held] = await Promise.all([
      this.db.selectFrom('delegate_grants').selectAll().where('agent_id', '=', me).orderBy('created_at').orderBy('manager_id').execute(),
      this.db.selectFrom('delegate_grants').selectAll().where('manager_id', '=', me).orderBy('created_at').orderBy('agent_id').execute(),
    ]);
    return { given: given.map(toGrant), held: held.map(toGrant) };
  }

  async publishAs(me: string, p: ParsedParamsOf<'delegate/publish_as'>): Promise<ResultOf<'delegate/publish_as'>> {
    await this.assertGranted(this.read, p.as, me, 'can_publish');
    const write = await this.deps.topicMessages.preparePublish(
      p.as,
      { topic_id: p.topic_id, content: p.content, content_type: p.content_type, semantic_type: p.semantic_type, reply_to: p.reply_to },
      me,
    );
    return this.actAs(me, p.as, 'can_publish', write);
  }

  async p2pAs(me: string, p: ParsedParamsOf<'delegate/p2p_as'>): Promise<ResultOf<'delegate/p2p_as'>> {
    await this.assertGranted(this.read, p.as, me, 'can_p2p');
    return this.actAs(me, p.as, 'can_p2p', await this.deps.p2p.prepareSend(p.as, { to: p.to, content: p.content, content_type: p.content_type }, me));
  }

  /** One writer job: the grant checked again (a revoke since the first check wins), the message and its push, and the answer. */
  private async actAs(me: string, agentId: string, flag: Flag, write: Write): Promise<{ message_id: string; seq: number; via: string }> {
    const done = await this.writer.run(
      async (tx) => {
        await this.assertGranted(tx, agentId, me, flag);
        const { result, push } = await write(tx);
        return { result: await respond(tx, { message_id: result.message_id, seq: result.seq, via: me }), push };
      },
      (out) => this.deps.streams.fanOut([out.push]),
    );
    return done.result;
  }

  private async assertGranted(tx: Sql, agentId: string, managerId: string, flag: Flag): Promise<void> {
    const row = await tx.get(grantOf(this.db, agentId, managerId));
    if (!row || Number(row[flag]) !== 1) throw forbidden(`${agentId} has not granted you ${flag}`);
  }
}
