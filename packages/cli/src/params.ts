import { actions, type ActionName, type ParamsOf } from '@parley/protocol';
import { CliError, ExitCode } from './errors.js';

/** The part of a schema issue the message is made from (zod's issues fit it; the CLI does not depend on zod itself). */
interface SchemaIssue {
  code?: string;
  path: PropertyKey[];
  message: string;
  origin?: string;
  minimum?: unknown;
  maximum?: unknown;
}

interface ParamsSchema {
  safeParse(value: unknown): { success: true } | { success: false; error: { issues: SchemaIssue[] } };
}

/**
 * Checks `params` against the protocol's own schema of `action` before any
 * connection is made, so a bad argument (an empty message, a title over the
 * limit, a malformed id) exits 2 naming the flag or argument that set it,
 * instead of a round trip ending in the hub's invalid_params. The bounds are
 * the protocol's, so the CLI cannot drift from what the hub accepts.
 * `names` maps a param field to the flag or argument users know it by.
 */
export function checkParams<A extends ActionName>(action: A, params: ParamsOf<A>, names: Record<string, string>): ParamsOf<A> {
  const schema: ParamsSchema = actions[action].params;
  const res = schema.safeParse(params);
  if (res.success) return params;
  const issue = res.error.issues[0]!;
  const [top, index] = issue.path;
  const field = top === undefined ? '' : String(top);
  let what = names[field] ?? (field || 'the input');
  // One bad item of a list (a repeated flag): name the value, not only the flag.
  const list: unknown = (params as Record<string, unknown>)[field];
  if (typeof index === 'number' && Array.isArray(list)) what = `${what} "${String(list[index])}"`;
  throw new CliError(describeIssue(what, issue), ExitCode.Usage);
}

function describeIssue(what: string, issue: SchemaIssue): string {
  if (issue.origin === 'string' && issue.code === 'too_small') {
    return issue.minimum === 1 ? `${what} must not be empty` : `${what} must be at least ${String(issue.minimum)} characters`;
  }
  if (issue.origin === 'string' && issue.code === 'too_big') return `${what} is too long: at most ${String(issue.maximum)} characters`;
  if (issue.origin === 'array' && issue.code === 'too_big') return `${what}: at most ${String(issue.maximum)} may be given`;
  return `${what}: ${issue.message}`;
}
