// Agent tools from the protocol's zod schemas. Parameters are JSON Schema
// generated with z.toJSONSchema from each action's params schema, shaped for
// LLM tool calling: one flat object at the top (no top-level anyOf/oneOf,
// which several providers refuse), draft-07 (the host validates with Ajv's
// default class), no $schema/$ref. A multi-op tool adds a required `op` enum
// and the union of its actions' fields; `execute` then checks the params
// against the chosen action's zod schema, so per-op rules (required fields,
// refinements) are enforced with precise messages.
import { actions, type ActionName, type ParamsOf } from '@parley/protocol';
import { z } from 'zod';
import type { ActionToolSpec, FormatContext, ParleyCaller, ToolOp } from './domain.js';
import { describeIssues, InvalidParamsError, ParleyToolError } from './errors.js';
import type { AgentTool, AgentToolResult, JsonSchemaObject } from './openclaw-types.js';

type Json = Record<string, unknown>;

/** An action's params as JSON Schema (input side: defaulted fields optional), draft-07, no $schema, no `format`. */
export function actionParamsSchema(action: ActionName): Json {
  return paramsSchema(actions[action].params);
}

/** What the agent gives an op: the action's params, or a custom op's own. */
function opParams(op: ToolOp): z.ZodType {
  return op.custom?.params ?? actions[op.action].params;
}

/** An op's params as the tool offers them (see actionParamsSchema). */
export function opParamsSchema(op: ToolOp): Json {
  return paramsSchema(opParams(op));
}

function paramsSchema(params: z.ZodType): Json {
  const schema = z.toJSONSchema(params, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Json;
  delete schema.$schema;
  dropFormats(schema);
  return schema;
}

/**
 * Removes the `format` keyword (zod writes `date-time` for ISO timestamps):
 * the host's Ajv has no format definitions, and in strict mode an unknown
 * format is an error. Nothing is lost: zod also writes the `pattern` that
 * checks the same thing, and execute re-checks with zod. Walks schema nodes
 * only, so a property *named* `format` stays.
 */
function dropFormats(node: Json): void {
  if (typeof node.format === 'string') delete node.format;
  const props = node.properties;
  if (props && typeof props === 'object') for (const child of Object.values(props as Record<string, Json>)) dropFormats(child);
  for (const key of ['items', 'additionalProperties', 'not']) {
    const child = node[key];
    if (child && typeof child === 'object' && !Array.isArray(child)) dropFormats(child as Json);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'items']) {
    const list = node[key];
    if (Array.isArray(list)) for (const child of list as Json[]) if (child && typeof child === 'object') dropFormats(child);
  }
}

function propertiesOf(schema: Json): Record<string, Json> {
  return (schema.properties ?? {}) as Record<string, Json>;
}

function requiredOf(schema: Json): string[] {
  return Array.isArray(schema.required) ? (schema.required as string[]) : [];
}

function withoutKeys(s: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) if (!keys.includes(k)) out[k] = v;
  return out;
}

const stable = (v: unknown): string => JSON.stringify(v);

/**
 * One schema for a field that several actions define differently (e.g.
 * `limit` with different maxima): same type -> the loosest bounds, enums
 * merged, defaults dropped; different types -> anyOf of the variants.
 * The exact rule per op is enforced by zod in execute.
 */
export function mergeFieldSchemas(variants: readonly Json[]): Json {
  // anyOf variants are flattened first, so `string` and `string | null` merge into one `string | null`.
  const flat = variants.flatMap((v) => (Array.isArray(v.anyOf) && Object.keys(v).length === 1 ? (v.anyOf as Json[]) : [v]));
  const distinct = [...new Map(flat.map((v) => [stable(v), v])).values()];
  if (distinct.length === 1) return distinct[0]!;
  const types = new Set(distinct.map((v) => stable(v.type)));
  const simple = distinct.every((v) => typeof v.type === 'string' && !('anyOf' in v) && !('properties' in v) && !('items' in v));
  if (types.size === 1 && simple) {
    const merged: Json = { type: distinct[0]!.type };
    const nums = (key: string) => distinct.map((v) => v[key]).filter((n): n is number => typeof n === 'number');
    const lower = (key: string) => {
      const all = nums(key);
      if (all.length === distinct.length) merged[key] = Math.min(...all);
    };
    const upper = (key: string) => {
      const all = nums(key);
      if (all.length === distinct.length) merged[key] = Math.max(...all);
    };
    lower('minimum');
    upper('maximum');
    lower('minLength');
    upper('maxLength');
    const patterns = new Set(distinct.map((v) => v.pattern));
    if (patterns.size === 1 && distinct[0]!.pattern !== undefined) merged.pattern = distinct[0]!.pattern;
    if (distinct.every((v) => Array.isArray(v.enum))) merged.enum = [...new Set(distinct.flatMap((v) => v.enum as unknown[]))];
    return merged;
  }
  return { anyOf: distinct.map((v) => withoutKeys(v, ['default'])) };
}

/** The parameters schema of a tool (see the file comment). */
export function toolParameters(spec: ActionToolSpec): JsonSchemaObject {
  const opNames = Object.keys(spec.ops);
  const hints = spec.fieldHints ?? {};
  if (opNames.length === 1) {
    const schema = paramsSchema(opParams(spec.ops[opNames[0]!]!));
    const props = propertiesOf(schema);
    for (const [field, hint] of Object.entries(hints)) {
      if (props[field]) props[field] = { ...props[field], description: hint };
    }
    return schema;
  }
  const variants = new Map<string, Json[]>();
  const usedBy = new Map<string, string[]>();
  const requiredBy = new Map<string, string[]>();
  const opLines: string[] = [];
  for (const name of opNames) {
    const op = spec.ops[name]!;
    const schema = paramsSchema(opParams(op));
    const required = requiredOf(schema);
    for (const [field, fieldSchema] of Object.entries(propertiesOf(schema))) {
      const { description: _d, ...rest } = fieldSchema;
      variants.set(field, [...(variants.get(field) ?? []), rest]);
      usedBy.set(field, [...(usedBy.get(field) ?? []), name]);
      if (required.includes(field)) requiredBy.set(field, [...(requiredBy.get(field) ?? []), name]);
    }
    opLines.push(`${name}: ${op.summary}${required.length ? ` (needs ${required.join(', ')})` : ''}`);
  }
  const properties: Record<string, Json> = {
    op: { type: 'string', enum: opNames, description: `What to do. ${opLines.join('; ')}.` },
  };
  for (const [field, list] of variants) {
    const ops = usedBy.get(field)!;
    const req = requiredBy.get(field) ?? [];
    const scope = ops.length === opNames.length ? 'all ops' : `op ${ops.join(', ')}`;
    const need = req.length ? `; required for ${req.length === ops.length ? 'those' : req.join(', ')}` : '';
    const hint = hints[field] ? `${hints[field].replace(/\.$/, '')}. ` : '';
    properties[field] = { ...mergeFieldSchemas(list), description: `${hint}Used by ${scope}${need}.` };
  }
  return { type: 'object', properties, required: ['op'], additionalProperties: false };
}

export type ToolResult = AgentToolResult<unknown>;

export interface ToolHost extends ParleyCaller {
  formatContext(): FormatContext;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Picks the op and validates its params; throws InvalidParamsError with a readable message. */
export function prepareCall(spec: ActionToolSpec, raw: unknown): { opName: string; op: ToolOp; params: Record<string, unknown> } {
  const params: Record<string, unknown> = isRecord(raw) ? { ...raw } : {};
  if (raw !== undefined && raw !== null && !isRecord(raw)) throw new InvalidParamsError('parameters must be a JSON object');
  const names = Object.keys(spec.ops);
  let opName = names[0]!;
  if (names.length > 1) {
    const given = params.op;
    delete params.op;
    if (typeof given !== 'string' || !Object.hasOwn(spec.ops, given)) {
      throw new InvalidParamsError(
        given === undefined ? `"op" is required: one of ${names.join(', ')}` : `unknown op "${String(given)}": one of ${names.join(', ')}`,
      );
    }
    opName = given;
  }
  const op = spec.ops[opName]!;
  const parsed = opParams(op).safeParse(params);
  if (!parsed.success) throw new InvalidParamsError(`${spec.name} ${opName}: ${describeIssues(parsed.error.issues)}`);
  return { opName, op, params: parsed.data as Record<string, unknown> };
}

/**
 * The OpenClaw tool for a spec. A failure (bad params, a hub refusal, no
 * connection, a timeout) is thrown as a ParleyToolError, the one shape the
 * gateway reports as a failed call with its message.
 */
export function buildTool(spec: ActionToolSpec, host: ToolHost): AgentTool<Record<string, unknown>, unknown> {
  const parameters = toolParameters(spec);
  return {
    name: spec.name,
    label: spec.label,
    description: spec.description,
    parameters,
    async execute(_toolCallId, rawParams, signal): Promise<ToolResult> {
      try {
        const { op, params } = prepareCall(spec, rawParams);
        if (signal?.aborted) throw Object.assign(new Error('the tool call was aborted'), { code: 'aborted' });
        const result = op.custom ? await op.custom.run(host, params) : await host.call(op.action, params as ParamsOf<typeof op.action>, signal);
        const text = op.format(result as never, params as never, host.formatContext());
        return { content: [{ type: 'text', text }], details: result };
      } catch (err) {
        throw new ParleyToolError(err);
      }
    },
  };
}

/**
 * The tool for several accounts (Parley identities) at once: the parameters
 * gain an optional `account` (one of their ids; "default" when left out),
 * and the call runs as that account. With one account it is buildTool's.
 */
export function buildAccountTool(spec: ActionToolSpec, hosts: ReadonlyMap<string, ToolHost>, defaultAccount: string): AgentTool<Record<string, unknown>, unknown> {
  const first = hosts.get(defaultAccount);
  if (!first) throw new Error(`no account "${defaultAccount}"`);
  if (hosts.size === 1) return buildTool(spec, first);
  const ids = [...hosts.keys()];
  const perAccount = new Map([...hosts].map(([id, host]) => [id, buildTool(spec, host)]));
  const base = perAccount.get(defaultAccount)!;
  const params = base.parameters as Json;
  const parameters: Json = {
    ...params,
    properties: {
      account: { type: 'string', enum: ids, description: `Which of this agent's Parley accounts acts (default "${defaultAccount}").` },
      ...(params.properties as Json),
    },
  };
  return {
    ...base,
    parameters,
    async execute(toolCallId, rawParams, signal): Promise<ToolResult> {
      const raw: Record<string, unknown> = isRecord(rawParams) ? { ...rawParams } : {};
      const account = raw.account ?? defaultAccount;
      delete raw.account;
      const tool = typeof account === 'string' ? perAccount.get(account) : undefined;
      if (!tool) throw new ParleyToolError(new InvalidParamsError(`unknown account "${String(account)}": one of ${ids.join(', ')}`));
      return (await tool.execute(toolCallId, raw, signal)) as ToolResult;
    },
  };
}
