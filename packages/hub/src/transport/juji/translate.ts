import type { RequestFrame } from '@parley/protocol';
import type { AuthedCallContext } from '../../core/auth.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import type { JujiAliases } from './aliases.js';
import { JUJI_ACTIONS, type JujiActionRule } from './actions.js';

/** Juji's answer body: the result, or `{error}` with status error. */
export type JujiOutcome = { status: 'success'; content: unknown } | { status: 'error'; content: { error: string } };

const AGENT_ID = /^agt_[a-z2-7]{32}$/;
/** Parley's other ids that Juji's clients see as integers (aliases.ts numbersOf). */
const OBJECT_ID = /^(prp|tsk|dlb|iss|cnt)_[a-z0-9]{1,40}$/;
/** Params holding such an id: an integer there is turned back into the Parley id; a Parley id string passes as it is. */
export const OBJECT_FIELDS: Readonly<Record<string, string>> = {
  proposal_id: 'prp',
  task_id: 'tsk',
  deliberation_id: 'dlb',
  issuance_id: 'iss',
  content_id: 'cnt',
};
/** Offsets past this are refused: each page of an offset read is one more dispatcher call. */
export const MAX_OFFSET = 1000;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (error: string): JujiOutcome => ({ status: 'error', content: { error } });

export class Refused extends Error {}

/**
 * Runs one Juji action as the agent of the connection: its params translated
 * by its rule (actions.ts), the Parley action run through the dispatcher (so
 * schema, rate limit, u_id dedupe and authorization all apply), and the
 * result's agent ids turned into integer aliases. Never rejects.
 */
export async function runJujiAction(
  d: { dispatcher: Dispatcher; aliases: JujiAliases },
  ctx: AuthedCallContext,
  uId: string,
  action: string,
  rawParams: unknown,
): Promise<JujiOutcome> {
  const rule = Object.hasOwn(JUJI_ACTIONS, action) ? JUJI_ACTIONS[action]! : null;
  if (!rule) return fail(`unknown action "${action}"`);
  if (rawParams !== undefined && rawParams !== null && !isObject(rawParams)) return fail('params must be an object');
  try {
    const p = await translateParams(d.aliases, rule, { ...(rawParams ?? {}) });
    const call = (params: Record<string, unknown>, suffix: string) =>
      d.dispatcher.dispatch(ctx, { agent_id: ctx.agentId, u_id: uId + suffix, params: { action: rule.parley, params } } as RequestFrame);
    let result: unknown;
    if (rule.page) result = await readPaged(call, rule.page, p);
    else {
      const frame = await call(p, '');
      if (frame.status !== 'success') return fail(frame.content.error);
      result = frame.content;
    }
    return { status: 'success', content: await toAliases(d.aliases, result) };
  } catch (err) {
    if (err instanceof Refused) return fail(err.message);
    throw err;
  }
}

async function translateParams(aliases: JujiAliases, rule: JujiActionRule, p: Record<string, unknown>): Promise<Record<string, unknown>> {
  for (const k of rule.drop ?? []) delete p[k];
  const wanted: number[] = [];
  for (const k of Object.keys(rule.agents ?? {})) {
    const v = p[k];
    if (v === undefined || v === null) continue;
    const list = Array.isArray(v) ? v : [v];
    if (list.length > 100 || !list.every((x) => Number.isSafeInteger(x) && (x as number) > 0)) throw new Refused(`${k} must be an agent id (a positive integer)`);
    wanted.push(...(list as number[]));
  }
  const known = await aliases.agentsOf(wanted);
  for (const [k, to] of Object.entries(rule.agents ?? {})) {
    const v = p[k];
    delete p[k];
    if (v === undefined || v === null) continue;
    const ids = (Array.isArray(v) ? v : [v]).map((a) => {
      const id = known.get(a as number);
      if (!id) throw new Refused(`unknown agent ${String(a)}`);
      return id;
    });
    p[to] = Array.isArray(v) ? ids : ids[0];
  }
  await objectIdsIn(aliases, p);
  for (const [from, to] of Object.entries(rule.rename ?? {})) {
    if (from in p) {
      p[to] = p[from];
      delete p[from];
    }
  }
  return rule.adjust ? rule.adjust(p) : p;
}

/** Integer object ids in params (`proposal_id: 12`) turned into Parley's; an unknown number is refused. Changes `p`. */
export async function objectIdsIn(aliases: JujiAliases, p: Record<string, unknown>): Promise<void> {
  for (const [field, kind] of Object.entries(OBJECT_FIELDS)) {
    const v = p[field];
    if (typeof v !== 'number') continue;
    if (!Number.isSafeInteger(v) || v < 1) throw new Refused(`${field} must be a positive integer`);
    const id = await aliases.parleyIdOf(kind, v);
    if (!id) throw new Refused(`unknown ${field.replace('_id', '')} ${v}`);
    p[field] = id;
  }
}

/**
 * Juji's limit/offset over Parley's cursor pages: pages are read until
 * offset+limit items are seen or the list ends. Bounded: offset at most
 * MAX_OFFSET, limit at most the page size.
 */
async function readPaged(
  call: (params: Record<string, unknown>, suffix: string) => Promise<{ status: string; content: unknown }>,
  page: { list: string; max: number },
  p: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const { limit = 20, offset = 0, ...rest } = p;
  if (!Number.isSafeInteger(limit) || (limit as number) < 1 || (limit as number) > page.max) throw new Refused(`limit must be an integer from 1 to ${page.max}`);
  if (!Number.isSafeInteger(offset) || (offset as number) < 0 || (offset as number) > MAX_OFFSET) throw new Refused(`offset must be an integer from 0 to ${MAX_OFFSET}`);
  const want = (offset as number) + (limit as number);
  const items: unknown[] = [];
  let cursor: string | null = null;
  let last: Record<string, unknown> = {};
  for (let n = 0; items.length < want; n++) {
    const params: Record<string, unknown> = { ...rest, limit: Math.min(page.max, want - items.length), ...(cursor ? { cursor } : {}) };
    const frame = await call(params, n === 0 ? '' : `#p${n}`);
    if (frame.status !== 'success') throw new Refused((frame.content as { error: string }).error);
    last = frame.content as Record<string, unknown>;
    const list = last[page.list];
    if (Array.isArray(list)) items.push(...(list as unknown[]));
    cursor = typeof last.next_cursor === 'string' ? last.next_cursor : null;
    if (!cursor || !Array.isArray(list) || list.length === 0) break;
  }
  const { next_cursor: _next, ...shape } = last;
  return { ...shape, [page.list]: items.slice(offset as number, want) };
}

/** Every Parley agent id in a result (at any depth) replaced by its integer alias, and every other Parley id by its integer. */
export async function toAliases(aliases: JujiAliases, value: unknown): Promise<unknown> {
  const agents = new Set<string>();
  const objects = new Set<string>();
  collect(value, agents, objects);
  if (agents.size === 0 && objects.size === 0) return value;
  const map = await aliases.aliasesOf(agents);
  for (const [id, num] of await aliases.numbersOf(objects)) map.set(id, num);
  return replace(value, map);
}

/**
 * Agent ids are recognised by value wherever they are (`author_id`, `owner`,
 * `voter`, `vice_chairs`...): their shape (agt_ and 32 base32 characters) is
 * not something a title happens to be. Other ids only under keys that name
 * an id (`proposal_id`, `task_ids`, `id`), so that a title that reads like one
 * stays text.
 */
const ID_KEY = /(^|_)ids?$|^depends_on$/;

function collect(v: unknown, agents: Set<string>, objects: Set<string>, idKey = false): void {
  if (typeof v === 'string') {
    if (AGENT_ID.test(v)) agents.add(v);
    else if (idKey && OBJECT_ID.test(v)) objects.add(v);
  } else if (Array.isArray(v)) for (const x of v) collect(x, agents, objects, idKey);
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) collect(x, agents, objects, ID_KEY.test(k));
}

function replace(v: unknown, map: Map<string, number>, idKey = false): unknown {
  if (typeof v === 'string') return AGENT_ID.test(v) || idKey ? (map.get(v) ?? v) : v;
  if (Array.isArray(v)) return v.map((x) => replace(x, map, idKey));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replace(x, map, ID_KEY.test(k))]));
  return v;
}
