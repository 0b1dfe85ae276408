import { DEFAULT_SUBSCRIPTIONS, type BroadcastEvent, type NotificationSetting, type ParsedParamsOf, type ResultOf } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { notFound } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import { respond } from '../../core/unit.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database, NotificationSettingsTable } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import type { TopicService } from '../topic/index.js';

/** What notification settings need from the topic domain. */
export type TopicLookup = Pick<TopicService, 'roleOf' | 'subscribedBrief'>;

const topicScope = (topicId: string) => `topic:${topicId}`;
const eventScope = (event: string) => `event:${event}`;
const TOPIC_PREFIX = 'topic:';
const EVENT_PREFIX = 'event:';

/** Topic-stream events a member may switch off; any other event always arrives. */
const FILTERED = new Set<string>(['topic.message', 'topic.updated'] satisfies BroadcastEvent[]);

// Asked inside every filtered topic push's transaction. These kinds default
// to on, so only opt-outs (enabled = 0) matter: of this topic, and of the kind
// hub-wide. Opt-outs are the exception, so the (scope, enabled) index hands
// back a short list, and the members need not be sent as parameters.
const optedOut = precompiled(2, (db, topic: string, event: string) =>
  db.selectFrom('notification_settings').select('agent_id').where('scope', 'in', [topic, event]).where('enabled', '=', 0),
);
const optedOutOfEvent = precompiled(1, (db, scope: string) =>
  db.selectFrom('notification_settings').select('agent_id').where('scope', '=', scope).where('enabled', '=', 0),
);
const optedInQuery = precompiled(1, (db, scope: string) =>
  db.selectFrom('notification_settings').select('agent_id').where('scope', '=', scope).where('enabled', '=', 1),
);
const upsertSetting = precompiled(4, (db, agentId: string, scope: string, enabled: number, at: number) =>
  db
    .insertInto('notification_settings')
    .values({ agent_id: agentId, scope, enabled, updated_at: at })
    .onConflict((oc) => oc.columns(['agent_id', 'scope']).doUpdateSet({ enabled, updated_at: at })),
);

/** Per-agent push settings: which broadcast pushes reach an agent live. Stored pushes are never affected. */
export class NotificationService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly topicDomain: TopicLookup,
  ) {}

  /**
   * Of a topic's members, those who get a live push of `event`. Runs inside the
   * push's transaction (`tx`): one precompiled query.
   */
  async liveRecipients(topicId: string, event: string, members: string[], tx: Sql): Promise<string[]> {
    if (!FILTERED.has(event) || members.length === 0) return members;
    const off = await tx.all(optedOut(this.db, topicScope(topicId), eventScope(event)));
    if (off.length === 0) return members;
    const drop = new Set(off.map((r) => r.agent_id));
    return members.filter((m) => !drop.has(m));
  }

  /**
   * Of the agents online, those who get a live push of `event` on a public
   * stream: everyone but those who switched it off (these events are on by
   * default, so only opt-outs are read: the short list the (scope, enabled)
   * index hands back). Runs inside the push's transaction.
   */
  async publicRecipients(event: string, online: readonly string[], tx: Sql): Promise<string[]> {
    if (online.length === 0) return [];
    const off = await tx.all(optedOutOfEvent(this.db, eventScope(event)));
    if (off.length === 0) return [...online];
    const drop = new Set(off.map((r) => r.agent_id));
    return online.filter((m) => !drop.has(m));
  }

  /**
   * For an event that is off by default: the agents that switched it on, or
   * null when the event is on by default (then nearly everyone listens and
   * `receiversOf` is the way). One probe of the (scope, enabled) index: with
   * no listener, nothing else need be read.
   */
  async optedIn(event: BroadcastEvent): Promise<string[] | null> {
    if (DEFAULT_SUBSCRIPTIONS[event]) return null;
    return (await this.read.all(optedInQuery(this.db, eventScope(event)))).map((r) => r.agent_id);
  }

  /** Of `agentIds`, those who get live pushes of `event` (their setting, or the default). For pushes outside topic streams (presence). */
  async receiversOf(event: BroadcastEvent, agentIds: readonly string[]): Promise<string[]> {
    const ids = [...new Set(agentIds)];
    const dflt = DEFAULT_SUBSCRIPTIONS[event];
    const flipped = new Set<string>();
    // Chunked: SQLite caps bound parameters per statement.
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('notification_settings')
        .select('agent_id')
        .where('scope', '=', eventScope(event))
        .where('enabled', '=', dflt ? 0 : 1)
        .where('agent_id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) flipped.add(r.agent_id);
    }
    return ids.filter((id) => flipped.has(id) !== dflt);
  }

  async set(me: string, p: ParsedParamsOf<'notification/subscription/set'>): Promise<ResultOf<'notification/subscription/set'>> {
    // The params schema guarantees exactly one of topic_id and event.
    const scope = p.topic_id !== undefined ? topicScope(p.topic_id) : eventScope(p.event!);
    const at = Date.now();
    return this.writer.run(async (tx) => {
      // Checked in the write's own transaction, so a setting is never stored for a topic the caller is not in at that moment.
      if (p.topic_id !== undefined && (await this.topicDomain.roleOf(p.topic_id, me, tx)) === null) throw notFound('topic');
      await tx.run(upsertSetting(this.db, me, scope, p.enabled ? 1 : 0, at));
      return await respond(tx, toSetting({ agent_id: me, scope, enabled: p.enabled ? 1 : 0, updated_at: at }));
    });
  }

  async list(me: string): Promise<ResultOf<'notification/subscription/list'>> {
    const rows = await this.db.selectFrom('notification_settings').selectAll().where('agent_id', '=', me).orderBy('scope').execute();
    return { settings: rows.map(toSetting), defaults: { ...DEFAULT_SUBSCRIPTIONS } };
  }

  async topics(me: string): Promise<ResultOf<'notification/topics'>> {
    const brief = await this.topicDomain.subscribedBrief(me);
    const rows = await this.db.selectFrom('notification_settings').select(['scope', 'enabled']).where('agent_id', '=', me).execute();
    const enabled = new Map(rows.map((r) => [r.scope, Number(r.enabled) === 1]));
    // A topic is pushed live only if neither the topic nor the topic.message kind is switched off.
    const messagesOn = enabled.get(eventScope('topic.message')) ?? DEFAULT_SUBSCRIPTIONS['topic.message'];
    return {
      topics: brief.map((t) => ({
        topic_id: t.topic_id,
        name: t.name,
        push: messagesOn && (enabled.get(topicScope(t.topic_id)) ?? true),
        unread: t.unread,
      })),
    };
  }
}

function toSetting(r: NotificationSettingsTable): NotificationSetting {
  const isTopic = r.scope.startsWith(TOPIC_PREFIX);
  return {
    topic_id: isTopic ? r.scope.slice(TOPIC_PREFIX.length) : null,
    event: isTopic ? null : (r.scope.slice(EVENT_PREFIX.length) as BroadcastEvent),
    enabled: Number(r.enabled) === 1,
    updated_at: iso(Number(r.updated_at)),
  };
}
