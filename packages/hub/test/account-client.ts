import { ACCOUNT_COOKIE, ACCOUNT_CSRF_HEADER, accountPath, type AccountSession, type ApiKeyCreated } from '@parley/protocol';
import type { RunningHub } from '../src/index.js';
import { register, rpc, type Frame, type TestAgent } from './helpers.js';

export interface Answer<T = Frame> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  /** The CSRF header to send: the session's by default, null for none. */
  csrf?: string | null;
  /** An Origin header to send (a browser sends one on cross-site requests). */
  origin?: string;
  /** Another cookie than this human's (a stolen one). */
  cookie?: string | null;
}

let n = 0;

/** A human on the account edge over plain fetch, keeping its own cookie as a browser would. */
export class Human {
  cookie: string | null = null;
  csrf: string | null = null;
  session: AccountSession | null = null;
  readonly email: string;
  readonly password = 'correct horse battery staple';

  constructor(
    readonly hub: RunningHub,
    readonly name = `human ${++n}`,
  ) {
    this.email = `h${process.pid}-${Date.now()}-${n}@example.com`;
  }

  static async signup(hub: RunningHub, name?: string): Promise<Human> {
    const h = new Human(hub, name);
    const res = await h.call('POST', '/v1/account/signup', { email: h.email, password: h.password, display_name: h.name });
    if (res.status !== 200) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
    return h;
  }

  async login(password = this.password, email = this.email): Promise<Answer> {
    return this.call('POST', '/v1/account/login', { email, password });
  }

  async call<T = Frame>(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const cookie = opts.cookie === undefined ? this.cookie : opts.cookie;
    if (cookie) headers.cookie = `${ACCOUNT_COOKIE}=${cookie}`;
    const csrf = opts.csrf === undefined ? this.csrf : opts.csrf;
    if (csrf && method !== 'GET') headers[ACCOUNT_CSRF_HEADER] = csrf;
    if (opts.origin) headers.origin = opts.origin;
    const res = await fetch(this.hub.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    const parsed = (text ? JSON.parse(text) : null) as T;
    const set = res.headers.getSetCookie().find((c) => c.startsWith(`${ACCOUNT_COOKIE}=`));
    if (set) {
      const value = set.slice(ACCOUNT_COOKIE.length + 1).split(';', 1)[0]!;
      this.cookie = value === '' ? null : value;
    }
    if (res.status === 200 && parsed && typeof parsed === 'object' && 'csrf_token' in parsed) {
      this.session = parsed as unknown as AccountSession;
      this.csrf = this.session.csrf_token;
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get = <T = Frame>(path: string, params?: Parameters<typeof accountPath>[1]) => this.call<T>('GET', accountPath(path, params));
  post = <T = Frame>(path: string, params?: Parameters<typeof accountPath>[1], body: unknown = {}, opts?: CallOptions) =>
    this.call<T>('POST', accountPath(path, params), body, opts);
  del = <T = Frame>(path: string, params?: Parameters<typeof accountPath>[1], opts?: CallOptions) => this.call<T>('DELETE', accountPath(path, params), undefined, opts);
}

/** An agent and a human who claimed it with the agent's own code. */
export async function claimedAgent(hub: RunningHub, human?: Human, name = 'pet'): Promise<{ agent: TestAgent; human: Human }> {
  const h = human ?? (await Human.signup(hub));
  const agent = await register(hub, name);
  const code = (await rpc(hub, agent, 'account/claim_code', {})).body;
  if (code.status !== 'success') throw new Error(`claim_code failed: ${JSON.stringify(code)}`);
  const res = await h.post('/v1/account/claim', {}, { code: (code.content as { code: string }).code });
  if (res.status !== 200) throw new Error(`claim failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { agent, human: h };
}

/** An agent's identity for calls made with a key instead of its own token. */
export const asKey = (agent: TestAgent, key: string): TestAgent => ({ ...agent, token: key });

/** A new API key of the human's binding to the agent (the answer that shows it once). */
export async function newKey(human: Human, agent: TestAgent, name = 'script'): Promise<ApiKeyCreated> {
  const res = await human.post<ApiKeyCreated>('/v1/account/agents/:agent_id/keys', { agent_id: agent.agentId }, { name });
  if (res.status !== 200) throw new Error(`key failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
