// Typed domain helpers: `client.topics.publish(params)` instead of `client.call('topic/publish', params)`.
//
// Why derived and not hand-written: the protocol's action registry is the one
// list of actions. Both the types and the runtime objects below are computed
// from it (`ActionName` and `Object.keys(actions)`), so an action added to the
// protocol appears here with no client change, and a hand-kept list cannot
// drift from the wire. Naming: `domain/verb[/sub]` becomes the method
// `verbSub` (camelCase of everything after the first `/`; `_` and `-` count as
// word breaks too) on the domain's property, `DOMAIN_PROPERTIES[domain]` or the
// domain's own name. test/domains.test.ts checks that the type and the runtime
// agree, name for name.
import { actions, type ActionName, type ParamsOf, type ResultOf } from '@parley/protocol';
import type { CallOptions } from './requests.js';

/** Client property of each protocol domain. A domain missing here is exposed under its own name. */
export const DOMAIN_PROPERTIES = {
  agent: 'agents',
  topic: 'topics',
  p2p: 'p2p',
  inbox: 'inbox',
  notification: 'notifications',
  memory: 'memory',
  talk: 'talk',
  capabilities: 'capabilities',
  task: 'tasks',
  pipeline: 'pipelines',
  world: 'worlds',
  chat: 'chats',
  // Singular on purpose: `client.delegate.request(...)` reads as a verb, and `delegates` would name the agents, not the service.
  delegate: 'delegate',
  // Governance and the economy: plural where the domain holds many of a thing (`client.proposals.vote`, `client.assets.issue`,
  // `client.wallets.get`); `committee`, `governance` and `ledger` are one each, so they keep their names.
  proposal: 'proposals',
  committee: 'committee',
  deliberation: 'deliberations',
  governance: 'governance',
  asset: 'assets',
  wallet: 'wallets',
  ledger: 'ledger',
  // The skill registry: `client.skills.publish`, `client.skills.download`.
  skill: 'skills',
  // The service registry: `client.services.call`, and `client.services.serve` to answer calls.
  service: 'services',
} as const satisfies Record<string, string>;

type DomainTable = typeof DOMAIN_PROPERTIES;

/** `topic` of `topic/blacklist/add`. */
export type DomainOf<A extends string> = A extends `${infer D}/${string}` ? D : never;
/** Every domain of the protocol: `agent | topic | p2p | …`. */
export type DomainName = DomainOf<ActionName>;
/** The client property of a domain: `topic` -> `topics`; an unmapped domain keeps its name. */
export type DomainProperty<D extends string> = D extends keyof DomainTable ? DomainTable[D] : D;

/** `blacklist/add` -> `blacklistAdd`, `publish_as` -> `publishAs`. */
export type CamelCase<S extends string> = S extends `${infer H}/${infer T}`
  ? `${CamelCase<H>}${Capitalize<CamelCase<T>>}`
  : S extends `${infer H}_${infer T}`
    ? `${CamelCase<H>}${Capitalize<CamelCase<T>>}`
    : S extends `${infer H}-${infer T}`
      ? `${CamelCase<H>}${Capitalize<CamelCase<T>>}`
      : S;

/** The method name of an action on its domain object: `topic/blacklist/add` -> `blacklistAdd`. */
export type ActionMethodName<A extends string> = A extends `${string}/${infer Rest}` ? CamelCase<Rest> : never;

/** One helper method: params may be left out when every field of them is optional. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- "{} is assignable to the params" is exactly "every field is optional"
export type ActionMethod<A extends ActionName> = {} extends ParamsOf<A>
  ? (params?: ParamsOf<A>, options?: CallOptions) => Promise<ResultOf<A>>
  : (params: ParamsOf<A>, options?: CallOptions) => Promise<ResultOf<A>>;

/** The helper object of one domain: one method per action of that domain. */
export type DomainHelper<D extends DomainName> = {
  readonly [A in Extract<ActionName, `${D}/${string}`> as ActionMethodName<A>]: ActionMethod<A>;
};

/** Every domain helper object, keyed by client property (`agents`, `topics`, `p2p`, …). */
export type DomainHelpers = {
  readonly [D in DomainName as DomainProperty<D>]: DomainHelper<D>;
};

/** Runtime twin of `DomainProperty`. */
export function domainProperty(domain: string): string {
  return Object.hasOwn(DOMAIN_PROPERTIES, domain) ? DOMAIN_PROPERTIES[domain as keyof DomainTable] : domain;
}

/** Runtime twin of `CamelCase` (same split, so the same result for every input). */
export function camelCase(s: string): string {
  return s
    .split(/[/_-]/)
    .map((part, i) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1)))
    .join('');
}

export interface ActionRoute {
  readonly action: ActionName;
  /** Client property, e.g. `topics`. */
  readonly property: string;
  /** Method on that property, e.g. `blacklistAdd`. */
  readonly method: string;
}

/** Where each protocol action lives on the client, in registry order. Actions without a `/` have no helper. */
export function actionRoutes(): ActionRoute[] {
  const routes: ActionRoute[] = [];
  for (const action of Object.keys(actions) as ActionName[]) {
    const slash = action.indexOf('/');
    if (slash <= 0) continue;
    routes.push({ action, property: domainProperty(action.slice(0, slash)), method: camelCase(action.slice(slash + 1)) });
  }
  return routes;
}

/** The client properties that hold domain helpers, each once. */
export function domainProperties(): string[] {
  return [...new Set(actionRoutes().map((r) => r.property))];
}

/** How helpers reach the client: its `call`. */
export type ActionCaller = (action: ActionName, params: unknown, options: CallOptions | undefined) => Promise<unknown>;

/** Client-side methods that sit next to the generated ones, by property (e.g. `{ tasks: { work } }`). */
export type HelperExtras = Readonly<Record<string, Readonly<Record<string, (...args: never[]) => unknown>>>>;

/**
 * The helper objects of one client, built from the registry. Each method
 * delegates to `call` (omitted params are sent as `{}`). `extras` adds
 * client-side methods that are more than one call (`tasks.work`); they live on
 * the same object so `client.tasks` stays one place to look. Frozen: they are
 * a view of the protocol, not a place to patch behaviour in.
 */
export function buildDomainHelpers(call: ActionCaller, extras: HelperExtras = {}): DomainHelpers {
  const byProperty = new Map<string, Record<string, unknown>>();
  for (const { action, property, method } of actionRoutes()) {
    let domain = byProperty.get(property);
    if (!domain) byProperty.set(property, (domain = {}));
    // Two actions with one method name would make one unreachable; refuse loudly rather than pick one.
    if (Object.hasOwn(domain, method)) throw new Error(`two protocol actions map to ${property}.${method}`);
    domain[method] = (params?: unknown, options?: CallOptions) => call(action, params ?? {}, options);
  }
  for (const [property, methods] of Object.entries(extras)) {
    const domain = byProperty.get(property);
    // An extra for a domain the protocol lacks, or one that hides an action, is a client bug: fail at first use, not silently.
    if (!domain) throw new Error(`no protocol domain is exposed as ${property}`);
    for (const [method, fn] of Object.entries(methods)) {
      if (Object.hasOwn(domain, method)) throw new Error(`${property}.${method} is a protocol action; a client extra cannot replace it`);
      domain[method] = fn;
    }
  }
  const helpers: Record<string, unknown> = {};
  for (const [property, domain] of byProperty) helpers[property] = Object.freeze(domain);
  return Object.freeze(helpers) as DomainHelpers;
}
