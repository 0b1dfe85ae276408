import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Auth, AgentDirectory } from '../../core/auth.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import type { AddressLimits } from '../../core/rate-limit.js';
import type { SessionRegistry } from '../../core/sessions.js';
import type { Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import type { TrustProxy } from '../address.js';
import { JujiAliases } from './aliases.js';
import { registerJujiRoutes } from './http.js';
import { JujiWsTransport } from './ws.js';

export { JujiWsTransport } from './ws.js';

/**
 * Juji's wire, for Juji's own clients (docs/juji-compat.md): one more
 * transport onto the same dispatcher. Off unless the operator turns it on.
 */
export interface JujiEdgeDeps {
  db: Kysely<Database>;
  read: Sql;
  writer: Writer;
  auth: Auth;
  agents: AgentDirectory;
  dispatcher: Dispatcher;
  sessions: SessionRegistry;
  addressLimits: AddressLimits;
  trustProxy: TrustProxy;
  maxFrameBytes: number;
  maxQueuedBytes: number;
  maxJsonDepth: number;
  maxSessionsPerAgent: number;
  log: Logger;
  onPresence(agentId: string): void;
}

/** Juji's `ts` may be this far from the hub's clock (seconds): short, since inside it a captured URL is a replay (docs). */
export const JUJI_TS_WINDOW_S = 30;
/** Juji's client pings every 25 s; three missed pings end the connection. */
export const JUJI_IDLE_MS = 90_000;

export function startJujiEdge(app: FastifyInstance, d: JujiEdgeDeps): JujiWsTransport {
  const aliases = new JujiAliases(d.db, d.read, d.writer);
  registerJujiRoutes(app, { aliases, auth: d.auth, dispatcher: d.dispatcher, sessions: d.sessions, addressLimits: d.addressLimits, onPresence: d.onPresence });
  return new JujiWsTransport({
    aliases,
    dispatcher: d.dispatcher,
    sessions: d.sessions,
    async ensureAgent(agentId, publicKey, name) {
      if ((await d.agents.publicKeyOf(agentId)) !== null) return;
      await d.writer.run((tx) => d.agents.upsert(tx, agentId, publicKey, name ?? undefined));
    },
    addressLimits: d.addressLimits,
    trustProxy: d.trustProxy,
    maxFrameBytes: d.maxFrameBytes,
    maxQueuedBytes: d.maxQueuedBytes,
    maxJsonDepth: d.maxJsonDepth,
    maxSessionsPerAgent: d.maxSessionsPerAgent,
    tsWindowS: JUJI_TS_WINDOW_S,
    idleMs: JUJI_IDLE_MS,
    log: d.log,
    onPresence: d.onPresence,
  });
}
