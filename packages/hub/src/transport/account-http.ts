import fastifyCookie from '@fastify/cookie';
import {
  ACCOUNT_COOKIE,
  ACCOUNT_CSRF_HEADER,
  ACCOUNT_PATHS,
  AgentId,
  ApiKeyCreateRequest,
  ApiKeyId,
  ClaimRequest,
  ErrorCode,
  InviteAcceptRequest,
  LoginRequest,
  PasskeyBeginRequest,
  PasskeyId,
  PasskeyLoginFinish,
  PasskeyRegistrationFinish,
  SignupRequest,
} from '@parley/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { HubError, zodToContent } from '../core/errors.js';
import type { AddressLimits } from '../core/rate-limit.js';
import type { WebAuthnConfig } from '../config.js';
import type { AccountService, LiveSession, OpenedSession, RelyingParty } from '../domains/account/index.js';
import { originRefused } from '../domains/account/passkeys.js';
import { sameSecret } from '../domains/account/secrets.js';
import { addressKey } from './address.js';
import { sendError } from './http.js';

export interface AccountHttpDeps {
  accounts: AccountService;
  addressLimits: AddressLimits;
  /** Mark the cookie Secure whatever the request came over (otherwise only over https). */
  secureCookies: boolean;
  /** The passkeys' relying party (config.ts: accounts.webauthn). */
  webauthn: WebAuthnConfig;
  log: Logger;
}

const ActivityQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional(),
});
const AgentParams = z.object({ agent_id: z.string() });
const KeyParams = z.object({ agent_id: z.string(), key_id: z.string() });
const PasskeyParams = z.object({ passkey_id: z.string() });
/** A cookie longer than any we set is not looked up. */
const MAX_COOKIE_CHARS = 128;

/** A refusal of the account edge; thrown by the steps below and answered in one place (`route`). */
class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * The account endpoints (`ACCOUNT_PATHS`): humans sign up, log in, bind to
 * agents and manage their bindings' keys. The session is an HttpOnly,
 * SameSite=Strict cookie; every request but a GET must also carry the
 * session's CSRF token (`x-parley-csrf`) and, when it names an Origin, this
 * hub's. The agent-side actions (account/claim_code, account/owners) are on
 * the RPC path like every action.
 */
export function registerAccountRoutes(app: FastifyInstance, d: AccountHttpDeps): void {
  const { accounts } = d;

  /** Answers every refusal as the rest of the hub does: {error, code, details?}, and Retry-After when it says how long to wait. */
  const answer = (reply: FastifyReply, err: unknown) => {
    if (err instanceof Refusal || err instanceof HubError) return sendError(reply, err.code, err.message, err.details);
    throw err;
  };

  const parse = <T>(schema: z.ZodType<T>, value: unknown, what: string): T => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const c = zodToContent(ErrorCode.BadRequest, what, r.error);
    throw new Refusal(c.code, c.error, c.details);
  };

  /** An agent or key id from the path; a malformed one names nothing there is (404). */
  const pathId = <T>(schema: z.ZodType<T>, value: string, what: string): T => {
    const r = schema.safeParse(value);
    if (!r.success) throw new Refusal(ErrorCode.NotFound, `${what} not found`);
    return r.data;
  };

  /** A request that changes something must not come from another site's page (its Origin, when the browser sends one, is this hub's host). */
  const sameOrigin = (req: FastifyRequest) => {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    let host: string | null = null;
    try {
      host = new URL(origin).host;
    } catch {
      host = null;
    }
    if (host === null || host.toLowerCase() !== req.host.toLowerCase()) throw new Refusal(ErrorCode.Forbidden, 'this request came from another site (its Origin is not this hub)');
  };

  /** The live session of the request's cookie, or 401; for anything but a GET, its CSRF token too, or 403. */
  const session = async (req: FastifyRequest): Promise<LiveSession> => {
    const token = req.cookies[ACCOUNT_COOKIE];
    const s = token && token.length <= MAX_COOKIE_CHARS ? await accounts.sessions.find(token) : null;
    if (!s) throw new Refusal(ErrorCode.Unauthorized, 'not logged in (no session, or it ended): log in');
    if (req.method !== 'GET') {
      const header = req.headers[ACCOUNT_CSRF_HEADER];
      if (typeof header !== 'string' || !sameSecret(header, s.csrfToken)) {
        throw new Refusal(ErrorCode.Forbidden, `missing or wrong ${ACCOUNT_CSRF_HEADER} header: send the csrf_token of your session`);
      }
    }
    return s;
  };

  const take = (limiter: { take(key: string): number }, key: string, what: string) => {
    const wait = limiter.take(key);
    if (wait > 0) throw new Refusal(ErrorCode.RateLimited, what, { retry_after_ms: wait });
  };

  const setSession = (req: FastifyRequest, reply: FastifyReply, opened: OpenedSession) => {
    reply.setCookie(ACCOUNT_COOKIE, opened.token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: d.secureCookies || req.protocol === 'https',
      expires: new Date(opened.expiresAt),
    });
    return opened.answer;
  };

  type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /** Every route: the Origin check on changes first, then the handler; refusals answered by `answer`. */
  const route =
    (h: Handler): Handler =>
    async (req, reply) => {
      try {
        if (req.method !== 'GET') sameOrigin(req);
        return await h(req, reply);
      } catch (err) {
        return answer(reply, err);
      }
    };
  /** A route about one of the caller's agents: the session, then the agent id. */
  const onAgent =
    (h: (s: LiveSession, agentId: string, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>): Handler =>
    async (req, reply) => {
      const s = await session(req);
      const { agent_id } = parse(AgentParams, req.params, 'bad path');
      return h(s, pathId(AgentId, agent_id, 'agent'), req, reply);
    };
  const noContent = (reply: FastifyReply) => reply.code(204).send();

  /**
   * The relying party for this request: the configured one, or this hub as
   * the request reached it. A browser's Origin, when sent, must be one of its
   * origins: a passkey made for another address would not work here later.
   */
  const relyingParty = (req: FastifyRequest): RelyingParty => {
    const rp: RelyingParty = {
      rpId: d.webauthn.rpId ?? req.hostname.toLowerCase(),
      rpName: d.webauthn.rpName,
      origins: d.webauthn.origins ?? [`${req.protocol}://${req.host.toLowerCase()}`],
    };
    const origin = req.headers.origin;
    if (origin !== undefined && !rp.origins.includes(origin)) throw originRefused(origin, rp);
    return rp;
  };

  app.register(async (scope) => {
    await scope.register(fastifyCookie);

    scope.post(
      ACCOUNT_PATHS.signup,
      route(async (req, reply) => {
        take(d.addressLimits.signups, addressKey(req.ip), 'too many signups from this address');
        const body = parse(SignupRequest, req.body, 'malformed signup');
        return setSession(req, reply, await accounts.sessions.signup(body));
      }),
    );

    scope.post(
      ACCOUNT_PATHS.login,
      route(async (req, reply) => {
        // Counted before the password is checked: a wrong guess costs the hub a KDF run too.
        take(d.addressLimits.logins, addressKey(req.ip), 'too many logins from this address');
        const body = parse(LoginRequest, req.body, 'malformed login');
        return setSession(req, reply, await accounts.sessions.login(body));
      }),
    );

    /** Passkey logins hold to the password logins' allowance: both the prompt (it stores a challenge) and the answer (a signature check). */
    scope.post(
      ACCOUNT_PATHS.passkeyLoginBegin,
      route(async (req) => {
        take(d.addressLimits.logins, addressKey(req.ip), 'too many logins from this address');
        parse(PasskeyBeginRequest, req.body ?? {}, 'malformed passkey login');
        return { options: await accounts.passkeys.beginLogin(relyingParty(req)) };
      }),
    );

    scope.post(
      ACCOUNT_PATHS.passkeyLoginFinish,
      route(async (req, reply) => {
        take(d.addressLimits.logins, addressKey(req.ip), 'too many logins from this address');
        const body = parse(PasskeyLoginFinish, req.body, 'malformed passkey login');
        return setSession(req, reply, await accounts.passkeys.finishLogin(body.response, relyingParty(req)));
      }),
    );

    scope.post(
      ACCOUNT_PATHS.logout,
      route(async (req, reply) => {
        const s = await session(req);
        await accounts.sessions.logout(s.sessionHash);
        reply.clearCookie(ACCOUNT_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: d.secureCookies || req.protocol === 'https' });
        return noContent(reply);
      }),
    );

    scope.get(
      ACCOUNT_PATHS.session,
      route(async (req) => accounts.sessions.answerOf(await session(req))),
    );

    /** Claim and invite codes: 40 bits each, so guesses are held per human and per address. */
    const codeAttempt = (req: FastifyRequest, s: LiveSession) => {
      take(d.addressLimits.codes, `u:${s.userId}`, 'too many code attempts for this account');
      take(d.addressLimits.codes, `a:${addressKey(req.ip)}`, 'too many code attempts from this address');
    };

    scope.post(
      ACCOUNT_PATHS.claim,
      route(async (req) => {
        const s = await session(req);
        codeAttempt(req, s);
        const body = parse(ClaimRequest, req.body, 'malformed claim');
        return accounts.bindings.claim(s.userId, body.code);
      }),
    );

    scope.post(
      ACCOUNT_PATHS.acceptInvite,
      route(async (req) => {
        const s = await session(req);
        codeAttempt(req, s);
        const body = parse(InviteAcceptRequest, req.body, 'malformed invite');
        return accounts.bindings.acceptInvite(s.userId, body.agent_id, body.code);
      }),
    );

    scope.get(
      ACCOUNT_PATHS.agents,
      route(async (req) => ({ agents: await accounts.bindings.agentsOf((await session(req)).userId) })),
    );

    scope.delete(
      ACCOUNT_PATHS.agent,
      route(
        onAgent(async (s, agentId, _req, reply) => {
          await accounts.bindings.unbind(s.userId, agentId);
          return noContent(reply);
        }),
      ),
    );

    scope.get(ACCOUNT_PATHS.invite, route(onAgent((s, agentId) => accounts.bindings.inviteState(s.userId, agentId))));
    scope.post(ACCOUNT_PATHS.invite, route(onAgent((s, agentId) => accounts.bindings.rotateInvite(s.userId, agentId))));

    scope.get(ACCOUNT_PATHS.bindings, route(onAgent(async (s, agentId) => ({ bindings: await accounts.bindings.bindingsOf(s.userId, agentId) }))));

    scope.get(ACCOUNT_PATHS.keys, route(onAgent(async (s, agentId) => ({ keys: await accounts.keys.list(s.userId, agentId) }))));
    scope.post(
      ACCOUNT_PATHS.keys,
      route(
        onAgent(async (s, agentId, req) => {
          const body = parse(ApiKeyCreateRequest, req.body, 'malformed key request');
          return accounts.keys.create(s.userId, agentId, body.name);
        }),
      ),
    );
    scope.delete(
      ACCOUNT_PATHS.key,
      route(
        onAgent(async (s, agentId, req, reply) => {
          const { key_id } = parse(KeyParams, req.params, 'bad path');
          await accounts.keys.revoke(s.userId, agentId, pathId(ApiKeyId, key_id, 'API key'));
          return noContent(reply);
        }),
      ),
    );

    scope.get(
      ACCOUNT_PATHS.passkeys,
      route(async (req) => ({ passkeys: await accounts.passkeys.list((await session(req)).userId) })),
    );
    scope.post(
      ACCOUNT_PATHS.passkeyRegisterBegin,
      route(async (req) => {
        const s = await session(req);
        parse(PasskeyBeginRequest, req.body ?? {}, 'malformed passkey registration');
        return { options: await accounts.passkeys.beginRegistration(s.user, relyingParty(req)) };
      }),
    );
    scope.post(
      ACCOUNT_PATHS.passkeyRegisterFinish,
      route(async (req) => {
        const s = await session(req);
        const body = parse(PasskeyRegistrationFinish, req.body, 'malformed passkey registration');
        return accounts.passkeys.finishRegistration(s.userId, body.name, body.response, relyingParty(req));
      }),
    );
    scope.delete(
      ACCOUNT_PATHS.passkey,
      route(async (req, reply) => {
        const s = await session(req);
        const { passkey_id } = parse(PasskeyParams, req.params, 'bad path');
        await accounts.passkeys.remove(s.userId, pathId(PasskeyId, passkey_id, 'passkey'));
        return noContent(reply);
      }),
    );

    scope.post(ACCOUNT_PATHS.consoleToken, route(onAgent((s, agentId) => accounts.keys.consoleToken(s.userId, agentId, s))));

    scope.get(
      ACCOUNT_PATHS.activity,
      route(
        onAgent((s, agentId, req) => {
          const q = parse(ActivityQuery, req.query, 'bad activity query');
          return accounts.activity.page(s.userId, agentId, q.limit, q.cursor);
        }),
      ),
    );
  });
  d.log.debug('account endpoints registered');
}
