import type { Kysely } from 'kysely';
import { Deadlines } from '../../core/deadlines.js';
import type { Streams } from '../../core/streams.js';
import type { Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
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
  /** Several hubs: handles request expiries and turn deadlines that passed before `cutoff` unhandled (their hub died). */
  sweep(cutoff: number): Promise<number>;
  /** Hub shutdown: no deadline fires from now on (they are re-armed by the next start). */
  stop(): void;
  idle(): Promise<void>;
  /**
   * World moderation, in the moderating transaction: a ban ends the banned
   * member's conversations in the world and rejects its pending requests
   * there; a pause ends the world's conversations. Returns what to send
   * after the commit.
   */
  bannedWithin(tx: Sql, worldId: string, agentId: string, now: number): Promise<() => void>;
  pausedWithin(tx: Sql, worldId: string, now: number): Promise<() => void>;
}

export function createChat(
  db: Kysely<Database>,
  read: Sql,
  writer: Writer,
  streams: Streams,
  agents: ChatAgents,
  worlds: ChatWorlds,
  opts: { requestTtlMs: number; onError: (err: unknown, key: string) => void },
): Chat {
  const deadlines = new Deadlines(opts.onError);
  const conversations = new ChatConversations(db, read, writer, streams, deadlines);
  const requests = new ChatRequests(db, read, writer, streams, deadlines, conversations, agents, worlds, opts.requestTtlMs);
  return {
    requests,
    conversations,
    async start() {
      await requests.start();
      await conversations.start();
    },
    async sweep(cutoff) {
      return (await requests.sweep(cutoff)) + (await conversations.sweep(cutoff));
    },
    stop: () => deadlines.stop(),
    idle: () => deadlines.idle(),
    async bannedWithin(tx, worldId, agentId, now) {
      const fx = noEffects();
      await conversations.endInWorldWithin(tx, worldId, agentId, 'banned', now, fx);
      await requests.rejectInWorldWithin(tx, worldId, agentId, now, fx);
      return () => conversations.apply(fx);
    },
    async pausedWithin(tx, worldId, now) {
      const fx = noEffects();
      await conversations.endInWorldWithin(tx, worldId, null, 'world_paused', now, fx);
      return () => conversations.apply(fx);
    },
  };
}
