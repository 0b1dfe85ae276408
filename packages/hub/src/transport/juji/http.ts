import { randomBytes } from 'node:crypto';
import type { RequestFrame } from '@parley/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tokenCredential, type Auth, type AuthedCallContext } from '../../core/auth.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import type { AddressLimits } from '../../core/rate-limit.js';
import type { SessionRegistry } from '../../core/sessions.js';
import { addressKey } from '../address.js';
import type { JujiAliases } from './aliases.js';
import { actionList, capabilitiesDocument, jujiTopics } from './discovery.js';
import { JUJI_REST } from './rest.js';
import { httpStatusOf } from '../http.js';
import { Refused, objectIdsIn, toAliases } from './translate.js';

export interface JujiHttpDeps {
  aliases: JujiAliases;
  auth: Auth;
  dispatcher: Dispatcher;
  sessions: SessionRegistry;
  addressLimits: AddressLimits;
  onPresence(agentId: string): void;
}

/** /message/channels lists at most this many agents. */
export const MAX_CHANNELS = 1000;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Juji's errors are `{error}`; the status code says the rest. */
const jujiError = (reply: FastifyReply, status: number, error: string) => reply.code(status).send({ error, status: 'error' });

/** Juji's HTTP routes on the hub's Fastify instance: registration, discovery, and the REST writes (Parley bearer token only). */
export function registerJujiRoutes(app: FastifyInstance, d: JujiHttpDeps): void {
  app.post('/agent/register', async (req, reply) => {
    const wait = d.addressLimits.registrations.take(addressKey(req.ip));
    if (wait > 0) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(wait / 1000))));
      return jujiError(reply, 429, 'too many registrations from this address');
    }
    const b = req.body;
    if (!isObject(b)) return jujiError(reply, 400, 'body must be a JSON object');
    // Juji accepts a wallet address alone; Parley's identity is the key, and the WebSocket signature needs it.
    if (typeof b.public_key !== 'string' || !HEX64.test(b.public_key)) return jujiError(reply, 400, 'public_key (an Ed25519 public key, 64 hex characters) is required');
    if (b.name !== undefined && b.name !== null && (typeof b.name !== 'string' || b.name.trim().length === 0 || b.name.length > 100)) {
      return jujiError(reply, 400, 'name must be a string of 1 to 100 characters');
    }
    const name = typeof b.name === 'string' ? b.name.trim() : undefined;
    const publicKey = b.public_key.toLowerCase();
    const r = await d.aliases.register(publicKey, name);
    return { agent_id: r.alias, ws_token: r.wsToken, public_key: publicKey, name: name ?? null, parley_agent_id: r.agentId };
  });

  app.get('/message/capabilities', async () => capabilitiesDocument());
  app.get('/message/actions', async () => actionList());
  app.get('/message/topics', async () => ({ topics: jujiTopics() }));
  app.get('/message/channels', async () => {
    const online = d.sessions.onlineAgents().slice(0, MAX_CHANNELS);
    const map = await d.aliases.aliasesOf(online);
    return { agent_ids: online.map((id) => map.get(id)).filter((a): a is number => a !== undefined) };
  });

  for (const route of JUJI_REST) {
    app.post(route.path, async (req: FastifyRequest, reply) => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const token = m ? await d.auth.checkToken(m[1]!) : null;
      if (!token) {
        return jujiError(reply, 401, m ? 'invalid, revoked or expired Parley token' : 'a Parley bearer token is required (Authorization: Bearer; POST /v1/agents/token): a ws_token or a body naming the agent proves nothing');
      }
      d.onPresence(token.agentId);
      const body = req.body === undefined || req.body === null ? {} : req.body;
      if (!isObject(body)) return jujiError(reply, 400, 'body must be a JSON object');
      const input: Record<string, unknown> = { ...(isObject(req.query) ? numericQuery(req.query) : {}), ...body };
      const named = route.actor.map((k) => input[k]).filter((v) => v !== undefined && v !== null);
      if (named.length > 0) {
        const own = (await d.aliases.aliasesOf([token.agentId])).get(token.agentId);
        if (named.some((v) => v !== own)) return jujiError(reply, 403, "the body names another agent than the token's");
      }
      const params = route.params(input);
      try {
        await objectIdsIn(d.aliases, params);
      } catch (err) {
        if (err instanceof Refused) return jujiError(reply, 400, err.message);
        throw err;
      }
      const ctx: AuthedCallContext = { agentId: token.agentId, transport: 'http', credential: tokenCredential(token) };
      const frame = await d.dispatcher.dispatch(ctx, {
        agent_id: token.agentId,
        u_id: 'juji-' + randomBytes(12).toString('hex'),
        params: { action: route.parley, params },
      } as RequestFrame);
      if (frame.status !== 'success') return jujiError(reply, httpStatusOf(frame.content.code), frame.content.error);
      return toAliases(d.aliases, frame.content);
    });
  }
}

/** Juji passes task_id and agent_id in the query of /task/join: integers there. */
function numericQuery(q: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, typeof v === 'string' && /^[0-9]{1,15}$/.test(v) ? Number(v) : v]));
}
