import type { Kysely } from 'kysely';
import { Deadlines } from '../../core/deadlines.js';
import type { Streams } from '../../core/streams.js';
import type { Database } from '../../store/schema.js';
import type { SyncSql } from '../../store/sql.js';
import type { BatchWriter } from '../../store/writer.js';
import { ChatConversations, noEffects } from './conversations.js';
import { ChatRequests, type ChatAgents, type ChatWorlds } from './requests.js';

export { chatHandlers } from './handlers.js';
export { ChatConversations, type ChatEffects } from './conversations.js';
export { ChatRequests, type ChatAgents, type ChatWorlds } from './requests.js';

export interface Chat {
  requests: ChatRequests;
  conversations: ChatConversations;
  /** Re-arms request expiries and turn deadlines from the tables. */
  start(): Promise<void>;
  /** Hub shutdown: no deadline fires from now on (they are re-armed by the next start). */
  stop(): void;
  idle(): Promise<void>;
  /**
   * World moderation, in the moderating transaction: a ban ends the banned
   * member's conversations in the world and rejects its pending requests
   * there; a pause ends the world's conversations. Returns what to send
   * after the commit.
   */
  bannedWithin(sql: SyncSql, worldId: string, agentId: string, now: number): () => void;
  pausedWithin(sql: SyncSql, worldId: string, now: number): () => void;
}

export function createChat(
  db: Kysely<Database>,
  sql: SyncSql,
  writer: BatchWriter,
  streams: Streams,
  agents: ChatAgents,
  worlds: ChatWorlds,
  opts: { requestTtlMs: number; onError: (err: unknown, key: string) => void },
): Chat {
  const deadlines = new Deadlines(opts.onError);
  const conversations = new ChatConversations(db, sql, writer, streams, deadlines);
  const requests = new ChatRequests(db, sql, writer, streams, deadlines, conversations, agents, worlds, opts.requestTtlMs);
  return {
    requests,
    conversations,
    async start() {
      await requests.start();
      await conversations.start();
    },
    stop: () => deadlines.stop(),
    idle: () => deadlines.idle(),
    bannedWithin(sql, worldId, agentId, now) {
      const fx = noEffects();
      conversations.endInWorldWithin(sql, worldId, agentId, 'banned', now, fx);
      requests.rejectInWorldWithin(sql, worldId, agentId, now, fx);
      return () => conversations.apply(fx);
    },
    pausedWithin(sql, worldId, now) {
      const fx = noEffects();
      conversations.endInWorldWithin(sql, worldId, null, 'world_paused', now, fx);
      return () => conversations.apply(fx);
    },
  };
}
