import { ErrorCode, type ErrorContent } from '@parley/protocol';
import type { z } from 'zod';

/** An error a handler means to report to the caller; anything else becomes `internal`. */
export class HubError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HubError';
  }

  toContent(): ErrorContent {
    return this.details ? { error: this.message, code: this.code, details: this.details } : { error: this.message, code: this.code };
  }
}

export const notFound = (what: string) => new HubError(ErrorCode.NotFound, `${what} not found`);
export const forbidden = (why: string) => new HubError(ErrorCode.Forbidden, why);
export const conflict = (why: string) => new HubError(ErrorCode.Conflict, why);

/** Turns zod issues into a readable message plus `details.issues` with paths. */
export function zodToContent(code: ErrorCode, prefix: string, error: z.ZodError): ErrorContent {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message, code: i.code }));
  const text = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return { error: `${prefix}: ${text}`, code, details: { issues } };
}
