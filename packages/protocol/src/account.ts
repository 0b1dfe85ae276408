import { z } from 'zod';
import { AgentId, IsoTimestamp } from './common.js';
import { ERROR_CODES } from './codes.js';

/**
 * People (issue 22): human accounts on the hub's HTTP edge, under
 * `/v1/account/...`. Humans are not agents and never hold an agent's key: a
 * human binds to agents through a claim code (asked for by the agent itself)
 * or an invite code (made by a human already bound), and each binding can mint
 * API keys that act as the agent. These are the bodies of those endpoints;
 * `docs/protocol.md` ("People") is the spec.
 *
 * Sessions are an HttpOnly, SameSite=Strict cookie (`ACCOUNT_COOKIE`). Every
 * request that changes something (any method but GET) must also carry the
 * session's CSRF token in the `ACCOUNT_CSRF_HEADER` header; the token comes
 * back from signup, login and `GET /v1/account/session`.
 */

export const ACCOUNT_COOKIE = 'parley_session';
export const ACCOUNT_CSRF_HEADER = 'x-parley-csrf';

/** How long a claim code lives (seconds). */
export const CLAIM_CODE_TTL_SECONDS = 15 * 60;

/** RFC 4648 base32 alphabet (no 0, 1, 8, 9: nothing to confuse with O, I, B, g). */
const CODE_BODY = '[A-Z2-7]{8}';
export const CLAIM_CODE_RE = new RegExp(`^PARLEY-CLAIM-${CODE_BODY}$`);
export const INVITE_CODE_RE = new RegExp(`^PARLEY-INV-${CODE_BODY}$`);

/** Codes are typed by people: spaces around them and lower case are forgiven. */
const codeInput = (re: RegExp, what: string) =>
  z
    .string()
    .max(64)
    .transform((s) => s.trim().toUpperCase())
    .pipe(z.string().regex(re, `not a ${what} (it looks like ${what === 'claim code' ? 'PARLEY-CLAIM-' : 'PARLEY-INV-'}XXXXXXXX)`));
export const ClaimCode = codeInput(CLAIM_CODE_RE, 'claim code');
export const InviteCode = codeInput(INVITE_CODE_RE, 'invite code');

export const UserId = z.string().regex(/^usr_[a-z0-9]{1,64}$/, 'a user id looks like usr_...');
export const BindingId = z.string().regex(/^bnd_[a-z0-9]{1,64}$/, 'a binding id looks like bnd_...');
export const ApiKeyId = z.string().regex(/^key_[a-z0-9]{1,64}$/, 'an API key id looks like key_...');

export const Email = z
  .string()
  .max(254)
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.email('not an email address'));
/** Long passphrases welcome; the KDF makes every guess expensive, the lower bound makes guessing long. */
export const Password = z.string().min(10, 'a password has at least 10 characters').max(256, 'a password has at most 256 characters');
export const DisplayName = z.string().trim().min(1).max(100);

export const SignupRequest = z.strictObject({ email: Email, password: Password, display_name: DisplayName });
export type SignupRequest = z.infer<typeof SignupRequest>;

export const LoginRequest = z.strictObject({ email: Email, password: z.string().min(1).max(256) });
export type LoginRequest = z.infer<typeof LoginRequest>;

export const AccountUser = z.object({
  user_id: UserId,
  email: z.string(),
  display_name: z.string(),
  created_at: IsoTimestamp,
});
export type AccountUser = z.infer<typeof AccountUser>;

/** Answer to signup, login and `GET /v1/account/session`; the session itself is the cookie. */
export const AccountSession = z.object({
  user: AccountUser,
  /** Send it back in the `x-parley-csrf` header on every request that changes something. */
  csrf_token: z.string(),
  expires_at: IsoTimestamp,
});
export type AccountSession = z.infer<typeof AccountSession>;

export const BindingMethod = z.enum(['claim', 'invite']);
export type BindingMethod = z.infer<typeof BindingMethod>;

export const InviteStatus = z.enum(['active', 'none']);
export type InviteStatus = z.infer<typeof InviteStatus>;

/** One agent the human is bound to, as `GET /v1/account/agents` lists it. */
export const BoundAgent = z.object({
  binding_id: BindingId,
  agent_id: AgentId,
  agent_name: z.string().nullable(),
  online: z.boolean(),
  capabilities: z.array(z.string()),
  is_primary: z.boolean(),
  method: BindingMethod,
  bound_at: IsoTimestamp,
  invite_status: InviteStatus,
  invite_created_at: IsoTimestamp.nullable(),
});
export type BoundAgent = z.infer<typeof BoundAgent>;

export const BoundAgentList = z.object({ agents: z.array(BoundAgent) });
export type BoundAgentList = z.infer<typeof BoundAgentList>;

/** `POST /v1/account/claim`. */
export const ClaimRequest = z.strictObject({ code: ClaimCode });
export type ClaimRequest = z.infer<typeof ClaimRequest>;

/** `POST /v1/account/invites/accept`: the agent's id and its current invite code. */
export const InviteAcceptRequest = z.strictObject({ agent_id: AgentId, code: InviteCode });
export type InviteAcceptRequest = z.infer<typeof InviteAcceptRequest>;

/** `POST /v1/account/agents/:agent_id/invite`: a new code, shown once; the previous one stops working. */
export const InviteRotated = z.object({ agent_id: AgentId, code: z.string().regex(INVITE_CODE_RE), created_at: IsoTimestamp });
export type InviteRotated = z.infer<typeof InviteRotated>;

/** `GET /v1/account/agents/:agent_id/invite`: whether a code is waiting (the code itself is stored hashed and never shown again). */
export const InviteState = z.object({ agent_id: AgentId, invite_status: InviteStatus, created_at: IsoTimestamp.nullable() });
export type InviteState = z.infer<typeof InviteState>;

/** `GET /v1/account/agents/:agent_id/bindings`: the humans bound to an agent (to one of them). */
export const AgentBinding = z.object({
  binding_id: BindingId,
  display_name: z.string(),
  is_primary: z.boolean(),
  method: BindingMethod,
  bound_at: IsoTimestamp,
  /** The binding of the human asking. */
  mine: z.boolean(),
});
export type AgentBinding = z.infer<typeof AgentBinding>;
export const AgentBindingList = z.object({ bindings: z.array(AgentBinding) });
export type AgentBindingList = z.infer<typeof AgentBindingList>;

export const ApiKeyCreateRequest = z.strictObject({ name: z.string().trim().min(1).max(100) });
export type ApiKeyCreateRequest = z.infer<typeof ApiKeyCreateRequest>;

export const ApiKeyInfo = z.object({
  key_id: ApiKeyId,
  name: z.string(),
  /** The first characters of the key, to tell keys apart; never enough to use. */
  prefix: z.string(),
  created_at: IsoTimestamp,
  last_used_at: IsoTimestamp.nullable(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

/** The key itself is in this answer only: the hub keeps a hash. */
export const ApiKeyCreated = ApiKeyInfo.extend({ key: z.string() });
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;

export const ApiKeyList = z.object({ keys: z.array(ApiKeyInfo) });
export type ApiKeyList = z.infer<typeof ApiKeyList>;

/**
 * `POST /v1/account/agents/:agent_id/console-token`: a short-lived key of the
 * human's binding for the console's own `@parley/client` (WebSocket `auth`
 * with `token`). It ends with the session that made it.
 */
export const ConsoleToken = z.object({ agent_id: AgentId, token: z.string(), expires_at: IsoTimestamp });
export type ConsoleToken = z.infer<typeof ConsoleToken>;

/** What was done as the agent through one binding (its API keys and console tokens). */
export const BindingActivity = z.object({
  action: z.string(),
  u_id: z.string(),
  status: z.union([z.literal('success'), z.enum(ERROR_CODES)]),
  key_id: ApiKeyId,
  at: IsoTimestamp,
});
export type BindingActivity = z.infer<typeof BindingActivity>;
export const BindingActivityList = z.object({ entries: z.array(BindingActivity), next_cursor: z.string().nullable() });
export type BindingActivityList = z.infer<typeof BindingActivityList>;

/**
 * Passkeys (WebAuthn): a second way to log in. The hub makes the ceremony's
 * options with @simplewebauthn/server and the browser answers them with
 * navigator.credentials (e.g. @simplewebauthn/browser); both sides' JSON is
 * passed through unchanged (the W3C JSON encoding: bytes as base64url). The
 * schemas below check the shape the hub reads and bound the size; the library
 * on each side checks the rest.
 */
export const PasskeyId = z.string().regex(/^psk_[a-z0-9]{1,64}$/, 'a passkey id looks like psk_...');
/** At most this many passkeys per human. */
export const MAX_PASSKEYS_PER_USER = 10;
/** How long a ceremony's challenge may be answered (seconds); each is answered once. */
export const PASSKEY_CHALLENGE_TTL_SECONDS = 5 * 60;
/** Any one ceremony's JSON, serialized: far more than a real one (a few KB with attestation certificates). */
const MAX_WEBAUTHN_JSON_CHARS = 64 * 1024;

const base64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+={0,2}$/, 'not base64url');
/** An object whose JSON is at most MAX_WEBAUTHN_JSON_CHARS; other fields than those named pass through. */
const bounded = <T extends z.ZodType>(schema: T) =>
  schema.refine((v) => JSON.stringify(v).length <= MAX_WEBAUTHN_JSON_CHARS, `at most ${MAX_WEBAUTHN_JSON_CHARS} characters of JSON`);

/** PublicKeyCredentialCreationOptionsJSON, as the hub's library makes it. */
export const PasskeyCreationOptions = bounded(
  z.looseObject({
    challenge: base64url(512),
    rp: z.looseObject({ name: z.string().max(256), id: z.string().max(253).optional() }),
    user: z.looseObject({ id: base64url(512), name: z.string().max(256), displayName: z.string().max(256) }),
    pubKeyCredParams: z.array(z.looseObject({ type: z.string().max(32), alg: z.number().int() })).max(32),
  }),
);
export type PasskeyCreationOptions = z.infer<typeof PasskeyCreationOptions>;

/** PublicKeyCredentialRequestOptionsJSON, as the hub's library makes it. */
export const PasskeyRequestOptions = bounded(z.looseObject({ challenge: base64url(512), rpId: z.string().max(253).optional() }));
export type PasskeyRequestOptions = z.infer<typeof PasskeyRequestOptions>;

/** RegistrationResponseJSON, as the browser's navigator.credentials.create() answers. */
export const PasskeyRegistrationResponse = bounded(
  z.looseObject({
    id: base64url(1400),
    rawId: base64url(1400),
    type: z.literal('public-key'),
    response: z.looseObject({ clientDataJSON: base64url(8192), attestationObject: base64url(MAX_WEBAUTHN_JSON_CHARS) }),
    clientExtensionResults: z.looseObject({}),
  }),
);
export type PasskeyRegistrationResponse = z.infer<typeof PasskeyRegistrationResponse>;

/** AuthenticationResponseJSON, as the browser's navigator.credentials.get() answers. */
export const PasskeyAuthenticationResponse = bounded(
  z.looseObject({
    id: base64url(1400),
    rawId: base64url(1400),
    type: z.literal('public-key'),
    response: z.looseObject({
      clientDataJSON: base64url(8192),
      authenticatorData: base64url(8192),
      signature: base64url(2048),
      userHandle: base64url(512).optional(),
    }),
    clientExtensionResults: z.looseObject({}),
  }),
);
export type PasskeyAuthenticationResponse = z.infer<typeof PasskeyAuthenticationResponse>;

/** `POST .../passkeys/register/begin` and `POST .../login/passkey/begin` take no fields. */
export const PasskeyBeginRequest = z.strictObject({});
export type PasskeyBeginRequest = z.infer<typeof PasskeyBeginRequest>;

/** Answer to `POST .../passkeys/register/begin`: hand `options` to navigator.credentials.create(). */
export const PasskeyRegistrationOptions = z.object({ options: PasskeyCreationOptions });
export type PasskeyRegistrationOptions = z.infer<typeof PasskeyRegistrationOptions>;

/** `POST .../passkeys/register/finish`: the browser's answer and a name the human picks ("laptop"). */
export const PasskeyRegistrationFinish = z.strictObject({ name: z.string().trim().min(1).max(100), response: PasskeyRegistrationResponse });
export type PasskeyRegistrationFinish = z.infer<typeof PasskeyRegistrationFinish>;

/** Answer to `POST .../login/passkey/begin`: hand `options` to navigator.credentials.get(). */
export const PasskeyLoginOptions = z.object({ options: PasskeyRequestOptions });
export type PasskeyLoginOptions = z.infer<typeof PasskeyLoginOptions>;

/** `POST .../login/passkey/finish`: the browser's answer. */
export const PasskeyLoginFinish = z.strictObject({ response: PasskeyAuthenticationResponse });
export type PasskeyLoginFinish = z.infer<typeof PasskeyLoginFinish>;

export const PasskeyInfo = z.object({
  passkey_id: PasskeyId,
  name: z.string(),
  /** Where the authenticator said it can be reached ('internal', 'usb', 'hybrid', ...). */
  transports: z.array(z.string()),
  created_at: IsoTimestamp,
  last_used_at: IsoTimestamp.nullable(),
});
export type PasskeyInfo = z.infer<typeof PasskeyInfo>;
export const PasskeyList = z.object({ passkeys: z.array(PasskeyInfo) });
export type PasskeyList = z.infer<typeof PasskeyList>;

/**
 * The account endpoints, relative to the hub's base URL. `:agent_id` and
 * `:key_id` (and `:passkey_id`) are path parameters. Methods: see each entry.
 */
export const ACCOUNT_PATHS = {
  /** POST SignupRequest -> AccountSession (sets the cookie). */
  signup: '/v1/account/signup',
  /** POST LoginRequest -> AccountSession (sets the cookie). */
  login: '/v1/account/login',
  /** POST -> 204 (clears the cookie, ends the session and its console tokens). */
  logout: '/v1/account/logout',
  /** GET -> AccountSession, or 401 without a live session. */
  session: '/v1/account/session',
  /** POST ClaimRequest -> BoundAgent. */
  claim: '/v1/account/claim',
  /** POST InviteAcceptRequest -> BoundAgent. */
  acceptInvite: '/v1/account/invites/accept',
  /** GET -> BoundAgentList. */
  agents: '/v1/account/agents',
  /** DELETE -> 204: unbind (refused for the primary owner). */
  agent: '/v1/account/agents/:agent_id',
  /** GET -> InviteState; POST -> InviteRotated. */
  invite: '/v1/account/agents/:agent_id/invite',
  /** GET -> AgentBindingList. */
  bindings: '/v1/account/agents/:agent_id/bindings',
  /** GET -> ApiKeyList; POST ApiKeyCreateRequest -> ApiKeyCreated. */
  keys: '/v1/account/agents/:agent_id/keys',
  /** DELETE -> 204: revoke (sessions opened with it end at once). */
  key: '/v1/account/agents/:agent_id/keys/:key_id',
  /** POST -> ConsoleToken. */
  consoleToken: '/v1/account/agents/:agent_id/console-token',
  /** GET ?limit&cursor -> BindingActivityList (the caller's binding). */
  activity: '/v1/account/agents/:agent_id/activity',
  /** POST PasskeyBeginRequest -> PasskeyRegistrationOptions (a session, like every change). */
  passkeyRegisterBegin: '/v1/account/passkeys/register/begin',
  /** POST PasskeyRegistrationFinish -> PasskeyInfo (409 past MAX_PASSKEYS_PER_USER). */
  passkeyRegisterFinish: '/v1/account/passkeys/register/finish',
  /** POST PasskeyBeginRequest -> PasskeyLoginOptions (no session needed). */
  passkeyLoginBegin: '/v1/account/login/passkey/begin',
  /** POST PasskeyLoginFinish -> AccountSession (sets the cookie, as a password login does). */
  passkeyLoginFinish: '/v1/account/login/passkey/finish',
  /** GET -> PasskeyList. */
  passkeys: '/v1/account/passkeys',
  /** DELETE -> 204. */
  passkey: '/v1/account/passkeys/:passkey_id',
} as const;

/** Fills the path parameters of an ACCOUNT_PATHS entry. */
export function accountPath(path: string, params: { agent_id?: string; key_id?: string; passkey_id?: string } = {}): string {
  return path.replace(/:(agent_id|key_id|passkey_id)/g, (_, name: 'agent_id' | 'key_id' | 'passkey_id') => {
    const v = params[name];
    if (v === undefined) throw new TypeError(`${path} needs ${name}`);
    return encodeURIComponent(v);
  });
}
