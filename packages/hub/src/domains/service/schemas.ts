import { ErrorCode } from '@parley/protocol';
import { Ajv, type ValidateFunction } from 'ajv';
import { HubError } from '../../core/errors.js';

/** A params schema as JSON, at most. */
export const MAX_SCHEMA_BYTES = 16 * 1024;
/** Nesting of objects and arrays in a params schema, at most. */
export const MAX_SCHEMA_DEPTH = 16;
/** uniqueItems only on arrays this short (ajv compares object items pairwise). */
const MAX_UNIQUE_ITEMS = 1000;
/** Compiled validators kept; past this the oldest goes (it is compiled again when next called). */
const MAX_CACHED = 500;

/**
 * Keywords refused in a params schema: a regular expression is run by V8's
 * backtracking engine on every call's input, on the hub's only thread, and a
 * hostile one (`(a+)+$`) stalls it on a short input. `$ref` to anything but
 * the schema itself would make ajv look for other schemas; `$dynamicRef` and
 * `$recursiveRef` likewise.
 */
const REFUSED = new Set(['pattern', 'patternProperties', '$dynamicRef', '$recursiveRef']);

function walk(value: unknown, depth: number): void {
  if (depth > MAX_SCHEMA_DEPTH) throw invalid(`params_schema nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (const v of value) walk(v, depth + 1);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    // Checking object items for uniqueness compares every pair: bounded only with the array.
    if (k === 'uniqueItems' && v === true && !(typeof (value as { maxItems?: unknown }).maxItems === 'number' && (value as { maxItems: number }).maxItems <= MAX_UNIQUE_ITEMS)) {
      throw invalid(`params_schema may use "uniqueItems" only beside "maxItems" of at most ${MAX_UNIQUE_ITEMS}`);
    }
    if (REFUSED.has(k)) throw invalid(`params_schema may not use "${k}" (regular expressions and dynamic references could stall the hub)`);
    if (k === '$ref' && (typeof v !== 'string' || !v.startsWith('#'))) throw invalid('params_schema may use "$ref" only within itself ("#/...")');
    walk(v, depth + 1);
  }
}

function invalid(message: string): HubError {
  return new HubError(ErrorCode.InvalidParams, message);
}

/** A fresh validator per schema: schemas of different services never meet (their `$id`s cannot clash). */
function compile(schema: object): ValidateFunction {
  // Formats are annotations here (no format library, and an unknown one must not fail registration).
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false, loadSchema: undefined });
  return ajv.compile(schema);
}

/**
 * Checks a params schema (size, nesting, refused keywords, that it compiles)
 * and returns its canonical JSON text (keys sorted), which is what is stored
 * and compared: two registrations bring "the same" schema when these match.
 */
export function checkParamsSchema(schema: Record<string, unknown>): string {
  walk(schema, 1);
  const text = canonicalJson(schema);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_SCHEMA_BYTES) throw invalid(`params_schema is ${bytes} bytes as JSON; at most ${MAX_SCHEMA_BYTES} are allowed`);
  try {
    compile(schema);
  } catch (err) {
    throw invalid(`params_schema is not a usable JSON Schema: ${(err as Error).message.slice(0, 300)}`);
  }
  return text;
}

/** JSON with object keys sorted, so equal schemas have equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Validators of stored schemas, compiled once per schema text and kept in a
 * bounded map (oldest out first): a call validates its input without
 * compiling again, and no number of services grows the map past MAX_CACHED.
 */
export class InputValidators {
  private readonly cache = new Map<string, ValidateFunction>();

  /** Throws invalid_params naming the first problem when `input` does not fit `schemaText`. */
  check(schemaText: string, input: unknown, what: string): void {
    let validate = this.cache.get(schemaText);
    if (validate) {
      // Most recently used last.
      this.cache.delete(schemaText);
    } else {
      validate = compile(JSON.parse(schemaText) as object);
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(schemaText, validate);
    if (validate(input)) return;
    const issues = (validate.errors ?? []).slice(0, 10).map((e) => ({ path: e.instancePath || '/', message: e.message ?? 'is invalid' }));
    const first = issues[0];
    throw new HubError(ErrorCode.InvalidParams, `input does not match the params_schema of ${what}${first ? `: ${first.path} ${first.message}` : ''}`, { issues });
  }

  get size(): number {
    return this.cache.size;
  }
}
