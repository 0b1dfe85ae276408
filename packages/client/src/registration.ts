import {
  registerSigningString,
  tokenSigningString,
  type HttpErrorBody,
  type TokenResponse,
} from '@parley/protocol';
import { ParleyError } from './errors.js';
import { signAsync } from './signing.js';
import type { Identity } from './identity.js';
import { httpUrl, hubUrlList, type HubUrls } from './url.js';

export type FetchLike = typeof fetch;

export interface RegisterOptions {
  name?: string;
  fetch?: FetchLike;
}

export interface TokenOptions {
  fetch?: FetchLike;
}

/** Last ts signed per agent, so each agent's own signed requests never share a second. */
const lastTs = new Map<string, number>();
const LAST_TS_KEEP = 1024;

/**
 * Unix seconds for a signed request of one agent. The hub accepts each signed
 * `(agent, ts)` pair once, so two requests of the same agent in the same second
 * would collide; ts stays strictly increasing per agent. It is per agent, not
 * per process: a process that registers thousands of agents at once must not
 * push ts past the hub's 300 s window.
 */
export function nextSignatureTs(agentId: string): number {
  const now = Math.floor(Date.now() / 1000);
  const last = lastTs.get(agentId);
  const ts = last === undefined ? now : Math.max(now, last + 1);
  lastTs.set(agentId, ts);
  if (lastTs.size > LAST_TS_KEEP) {
    // An entry behind the clock adds nothing: the next ts for that agent is `now` anyway.
    for (const [id, t] of lastTs) if (t < now) lastTs.delete(id);
  }
  return ts;
}

export function resolveFetch(f: FetchLike | undefined): FetchLike {
  const impl = f ?? globalThis.fetch;
  if (typeof impl !== 'function') throw new TypeError('no fetch implementation: pass options.fetch');
  // Bound to globalThis: some runtimes throw "Illegal invocation" when fetch is called as a method.
  return f ?? ((input, init) => impl.call(globalThis, input, init));
}

/** Turns a non-2xx HTTP answer into a ParleyError carrying the hub's code when it sent one. */
export async function httpError(res: Response, what: string): Promise<ParleyError> {
  let body: Partial<HttpErrorBody> | null = null;
  try {
    body = (await res.json()) as Partial<HttpErrorBody>;
  } catch {
    body = null;
  }
  const code = typeof body?.code === 'string' ? body.code : res.status === 401 ? 'unauthorized' : res.status >= 500 ? 'unavailable' : 'bad_request';
  const message = typeof body?.error === 'string' ? body.error : `${what} failed with HTTP ${res.status}`;
  return new ParleyError(code, message, { status: res.status, ...(body?.details ?? {}) });
}

/**
 * POSTs a freshly signed body to each hub of `urls` in turn until one answers:
 * only an unreachable hub passes the request on (an answer, even an error, is
 * final). Each hub gets its own signature, since the hub accepts a signed
 * `(agent, ts)` pair once and a request that died on the way may still have
 * reached a hub sharing the database.
 */
async function postJson(urls: HubUrls, path: string, body: () => Promise<unknown>, f: FetchLike, what: string): Promise<TokenResponse> {
  let unreachable: ParleyError | null = null;
  for (const base of hubUrlList(urls)) {
    const url = httpUrl(base, path);
    let res: Response;
    try {
      res = await f(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(await body()) });
    } catch (err) {
      unreachable = new ParleyError('unavailable', `${what}: hub unreachable at ${url}`, undefined, { cause: err });
      continue;
    }
    if (!res.ok) throw await httpError(res, what);
    return (await res.json()) as TokenResponse;
  }
  // hubUrlList never returns an empty list, so some hub was tried.
  throw unreachable ?? new ParleyError('unavailable', `${what}: no hub to ask`);
}

/**
 * `POST /v1/agents/register`: proves possession of the key and returns a bearer token. Idempotent per key.
 * With several hub URLs (one cluster), the first that can be reached registers the agent for all of them.
 */
export async function register(url: HubUrls, identity: Identity, opts: RegisterOptions = {}): Promise<TokenResponse> {
  const body = async (): Promise<Record<string, unknown>> => {
    const ts = nextSignatureTs(identity.agentId);
    const b: Record<string, unknown> = {
      public_key: identity.publicKey,
      ts,
      sig: await signAsync(identity, registerSigningString(identity.publicKey, ts)),
    };
    if (opts.name !== undefined) b.name = opts.name;
    return b;
  };
  return postJson(url, '/v1/agents/register', body, resolveFetch(opts.fetch), 'register');
}

/** `POST /v1/agents/token`: a fresh bearer token for an already registered agent (from the first reachable hub of a list). */
export async function requestToken(url: HubUrls, identity: Identity, opts: TokenOptions = {}): Promise<TokenResponse> {
  const body = async (): Promise<Record<string, unknown>> => {
    const ts = nextSignatureTs(identity.agentId);
    return { agent_id: identity.agentId, ts, sig: await signAsync(identity, tokenSigningString(identity.agentId, ts)) };
  };
  return postJson(url, '/v1/agents/token', body, resolveFetch(opts.fetch), 'token request');
}
