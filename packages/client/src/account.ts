import {
  ACCOUNT_COOKIE,
  ACCOUNT_CSRF_HEADER,
  ACCOUNT_PATHS,
  AccountSession,
  AgentBindingList,
  AgentId,
  ApiKeyId,
  ApiKeyCreated,
  ApiKeyList,
  BindingActivityList,
  BoundAgent,
  BoundAgentList,
  ConsoleToken,
  HttpErrorBody,
  InviteRotated,
  InviteState,
  PasskeyId,
  PasskeyInfo,
  PasskeyList,
  PasskeyLoginOptions,
  PasskeyRegistrationOptions,
  accountPath,
  type AgentBinding,
  type ApiKeyInfo,
  type ErrorCode,
  type LoginRequest,
  type PasskeyAuthenticationResponse,
  type PasskeyRegistrationResponse,
  type SignupRequest,
} from '@parley/protocol';
import { ParleyError } from './errors.js';
import { resolveFetch, type FetchLike } from './registration.js';
import { SessionCookie } from './session-cookie.js';
import { baseUrl } from './url.js';

/**
 * A refusal from the account endpoints: the hub's `{error, code, details}`
 * and the HTTP status (0 when the hub could not be reached). A ParleyError,
 * so code that handles the client's errors handles these too.
 */
export class AccountError extends ParleyError {
  declare readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, status: number, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.name = 'AccountError';
    this.status = status;
  }
}

/**
 * An ACCOUNT_PATHS entry with its ids filled in, checked first: an id is
 * put in a URL path, where `..` or a slash would name another endpoint.
 */
function pathOf(path: string, ids: { agent_id: string; key_id?: string }): string {
  if (!AgentId.safeParse(ids.agent_id).success) throw new TypeError(`not an agent id: ${JSON.stringify(ids.agent_id)}`);
  if (ids.key_id !== undefined && !ApiKeyId.safeParse(ids.key_id).success) throw new TypeError(`not an API key id: ${JSON.stringify(ids.key_id)}`);
  return accountPath(path, ids);
}

/** The code for an answer whose body did not say (a proxy's page, an empty body). */
function codeOfStatus(status: number): ErrorCode {
  if (status === 400) return 'bad_request';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  return status >= 500 ? 'internal' : 'bad_request';
}

export interface AccountClientOptions {
  /** The hub's base URL; '' (the default) means the page's own origin, in a browser. */
  url?: string;
  /** Default globalThis.fetch. */
  fetch?: typeof fetch;
}

type Method = 'GET' | 'POST' | 'DELETE';

/** What the client needs of a protocol schema (zod's safeParse), without depending on zod itself. */
interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ message: string }> } };
}

/**
 * A human's side of the hub: account, session, bindings to agents, invite
 * codes and API keys (`/v1/account/...`, ACCOUNT_PATHS in the protocol).
 *
 * The session is the hub's HttpOnly cookie. In a browser the browser keeps
 * it (requests go with `credentials: 'same-origin'`); in Node this object
 * keeps it itself, so one AccountClient is one logged-in human. Every request
 * but a GET carries `csrfToken` in the `x-parley-csrf` header; the token comes
 * with signup, login and `session()` (a page that was reloaded calls
 * `session()` first to get it back). Answers are checked against the
 * protocol's schemas; any refusal is an AccountError.
 */
export class AccountClient {
  readonly #base: string;
  readonly #fetch: FetchLike;
  readonly #cookie = new SessionCookie(ACCOUNT_COOKIE);
  #csrf: string | null = null;

  constructor(opts: AccountClientOptions = {}) {
    const url = opts.url ?? '';
    if (url === '') {
      // Relative URLs only mean something on a page; anywhere else a hub must be named.
      if (typeof (globalThis as { location?: unknown }).location === 'undefined') {
        throw new TypeError('AccountClient needs a hub url outside a browser (new AccountClient({ url: "http://host:port" }))');
      }
      this.#base = '';
    } else {
      this.#base = baseUrl(url);
    }
    this.#fetch = resolveFetch(opts.fetch);
  }

  /** The session's CSRF token (null before signup, login or session(), and after logout). */
  get csrfToken(): string | null {
    return this.#csrf;
  }

  signup(body: SignupRequest): Promise<AccountSession> {
    return this.#startSession(ACCOUNT_PATHS.signup, body);
  }

  login(body: LoginRequest): Promise<AccountSession> {
    return this.#startSession(ACCOUNT_PATHS.login, body);
  }

  /** Ends the session on the hub (and the console tokens it made). */
  async logout(): Promise<void> {
    try {
      await this.#request('POST', ACCOUNT_PATHS.logout);
    } finally {
      // Whatever the hub said, this client no longer has a session to use.
      this.#csrf = null;
      this.#cookie.clear();
    }
  }

  /** The live session, or null when there is none (the hub answered 401). */
  async session(): Promise<AccountSession | null> {
    try {
      return this.#adopt(await this.#request('GET', ACCOUNT_PATHS.session, undefined, AccountSession));
    } catch (err) {
      if (err instanceof AccountError && err.status === 401) {
        this.#csrf = null;
        return null;
      }
      throw err;
    }
  }

  /** Enters an agent's claim code: the human becomes its primary owner. */
  claim(code: string): Promise<BoundAgent> {
    return this.#request('POST', ACCOUNT_PATHS.claim, { code }, BoundAgent);
  }

  /** Enters an agent's invite code (from one of its humans); the code is used up. */
  acceptInvite(agentId: string, code: string): Promise<BoundAgent> {
    return this.#request('POST', ACCOUNT_PATHS.acceptInvite, { agent_id: agentId, code }, BoundAgent);
  }

  async agents(): Promise<BoundAgent[]> {
    return (await this.#request('GET', ACCOUNT_PATHS.agents, undefined, BoundAgentList)).agents;
  }

  /** Ends this human's binding to the agent (refused for its primary owner). */
  async unbind(agentId: string): Promise<void> {
    await this.#request('DELETE', pathOf(ACCOUNT_PATHS.agent, { agent_id: agentId }));
  }

  async inviteState(agentId: string): Promise<InviteState> {
    return this.#request('GET', pathOf(ACCOUNT_PATHS.invite, { agent_id: agentId }), undefined, InviteState);
  }

  /** A new invite code, shown this once; the previous one stops working. */
  async rotateInvite(agentId: string): Promise<InviteRotated> {
    return this.#request('POST', pathOf(ACCOUNT_PATHS.invite, { agent_id: agentId }), undefined, InviteRotated);
  }

  async bindings(agentId: string): Promise<AgentBinding[]> {
    return (await this.#request('GET', pathOf(ACCOUNT_PATHS.bindings, { agent_id: agentId }), undefined, AgentBindingList)).bindings;
  }

  async keys(agentId: string): Promise<ApiKeyInfo[]> {
    return (await this.#request('GET', pathOf(ACCOUNT_PATHS.keys, { agent_id: agentId }), undefined, ApiKeyList)).keys;
  }

  /** A new API key of this human's binding; `key` is in this answer only. */
  async createKey(agentId: string, name: string): Promise<ApiKeyCreated> {
    return this.#request('POST', pathOf(ACCOUNT_PATHS.keys, { agent_id: agentId }), { name }, ApiKeyCreated);
  }

  /** Revokes a key; what was opened with it ends at once. */
  async revokeKey(agentId: string, keyId: string): Promise<void> {
    await this.#request('DELETE', pathOf(ACCOUNT_PATHS.key, { agent_id: agentId, key_id: keyId }));
  }

  /**
   * Passkeys: the hub's half of the WebAuthn ceremonies. The browser's half
   * (navigator.credentials, e.g. through @simplewebauthn/browser) goes in
   * between: hand `options` to it and its answer to the finish call.
   */
  async beginPasskeyRegistration(): Promise<PasskeyRegistrationOptions> {
    return this.#request('POST', ACCOUNT_PATHS.passkeyRegisterBegin, {}, PasskeyRegistrationOptions);
  }

  /** Adds the passkey the browser made (named by the human, e.g. "laptop"). */
  async finishPasskeyRegistration(name: string, response: PasskeyRegistrationResponse): Promise<PasskeyInfo> {
    return this.#request('POST', ACCOUNT_PATHS.passkeyRegisterFinish, { name, response }, PasskeyInfo);
  }

  /** Options for a passkey login; no session needed. */
  async beginPasskeyLogin(): Promise<PasskeyLoginOptions> {
    return this.#request('POST', ACCOUNT_PATHS.passkeyLoginBegin, {}, PasskeyLoginOptions);
  }

  /** Logs in with the browser's answer: the same session as `login`. */
  async finishPasskeyLogin(response: PasskeyAuthenticationResponse): Promise<AccountSession> {
    return this.#startSession(ACCOUNT_PATHS.passkeyLoginFinish, { response });
  }

  async passkeys(): Promise<PasskeyInfo[]> {
    return (await this.#request('GET', ACCOUNT_PATHS.passkeys, undefined, PasskeyList)).passkeys;
  }

  async removePasskey(passkeyId: string): Promise<void> {
    if (!PasskeyId.safeParse(passkeyId).success) throw new TypeError(`not a passkey id: ${JSON.stringify(passkeyId)}`);
    await this.#request('DELETE', accountPath(ACCOUNT_PATHS.passkey, { passkey_id: passkeyId }));
  }

  /** A short-lived token for a ParleyClient acting as the agent (`credentials`); it ends with the session. */
  async consoleToken(agentId: string): Promise<ConsoleToken> {
    return this.#request('POST', pathOf(ACCOUNT_PATHS.consoleToken, { agent_id: agentId }), undefined, ConsoleToken);
  }

  /** What was done as the agent through this human's binding, newest first, a page at a time. */
  async activity(agentId: string, opts: { limit?: number; cursor?: string } = {}): Promise<BindingActivityList> {
    const q = new URLSearchParams();
    if (opts.limit !== undefined) q.set('limit', String(opts.limit));
    if (opts.cursor !== undefined) q.set('cursor', opts.cursor);
    const query = q.size > 0 ? `?${q.toString()}` : '';
    return this.#request('GET', pathOf(ACCOUNT_PATHS.activity, { agent_id: agentId }) + query, undefined, BindingActivityList);
  }

  async #startSession(path: string, body: object): Promise<AccountSession> {
    return this.#adopt(await this.#request('POST', path, body, AccountSession));
  }

  #adopt(session: AccountSession): AccountSession {
    this.#csrf = session.csrf_token;
    return session;
  }

  /**
   * The one place requests are made: cookie and CSRF header on the way out,
   * cookie, status and schema on the way back. Without a schema the answer
   * is expected to be empty (204).
   */
  #request(method: Method, path: string, body?: object): Promise<void>;
  #request<T>(method: Method, path: string, body: object | undefined, schema: Schema<T>): Promise<T>;
  async #request(method: Method, path: string, body?: object, schema?: Schema<unknown>): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && this.#csrf !== null) headers[ACCOUNT_CSRF_HEADER] = this.#csrf;
    const cookie = this.#cookie.header();
    if (cookie !== null) headers.cookie = cookie;
    const what = `${method} ${path.replace(/\?.*$/, '')}`;
    let res: Response;
    try {
      res = await this.#fetch(this.#base + path, {
        method,
        headers,
        credentials: 'same-origin',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new AccountError('unavailable', `${what}: hub unreachable`, 0, undefined, { cause: err });
    }
    this.#cookie.update(res.headers);
    if (!res.ok) throw await refusal(res, what);
    if (!schema) {
      await res.body?.cancel().catch(() => undefined);
      return undefined;
    }
    let value: unknown;
    try {
      value = await res.json();
    } catch (err) {
      throw new AccountError('internal', `${what}: the hub's answer is not JSON`, res.status, undefined, { cause: err });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new AccountError('internal', `${what}: the hub's answer does not match the protocol (${parsed.error.issues[0]?.message ?? 'invalid'})`, res.status);
    }
    return parsed.data;
  }
}

/** The hub's `{error, code, details}` when it sent one, else what the status says; Retry-After (on a 429 or a busy hub's 503) lands in details. */
async function refusal(res: Response, what: string): Promise<AccountError> {
  let body: HttpErrorBody | null = null;
  try {
    const parsed = HttpErrorBody.safeParse(await res.json());
    body = parsed.success ? parsed.data : null;
  } catch {
    body = null;
  }
  const details: Record<string, unknown> = { ...(body?.details ?? {}) };
  const retryAfter = Number(res.headers.get('retry-after'));
  if ((res.status === 429 || res.status === 503) && Number.isFinite(retryAfter) && retryAfter > 0 && details.retry_after_seconds === undefined) {
    details.retry_after_seconds = retryAfter;
  }
  return new AccountError(
    body?.code ?? codeOfStatus(res.status),
    body?.error ?? `${what} failed with HTTP ${res.status}`,
    res.status,
    Object.keys(details).length > 0 ? details : undefined,
  );
}
