import { ParleyError } from '@parley/client';
import type { z } from 'zod';

/** Why a call could not even be made: the service has no live connection to the hub. */
export class NotConnectedError extends Error {
  readonly code = 'not_connected';
  constructor(message: string) {
    super(message);
    this.name = 'NotConnectedError';
  }
}

/** Parameters that do not fit an action's schema (checked before anything is sent). */
export class InvalidParamsError extends Error {
  readonly code = 'invalid_params';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidParamsError';
  }
}

/** The plugin's own config (plugins.entries.parley.config) is wrong. */
export class ConfigError extends Error {
  readonly code = 'config';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** zod issues as one readable line each: `topic_id: a topic id is "top_" followed by ...`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      // A bad record key: zod's own line is "Invalid key in record"; the key's rule says why.
      const nested = i.code === 'invalid_key' ? i.issues.map((n) => n.message).join('; ') : '';
      const message = nested ? `${i.message}: ${nested}` : i.message;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}

export interface ErrorInfo {
  code: string;
  message: string;
}

/** Anything thrown by the client, the hub or this plugin, as a code and a message. */
export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof NotConnectedError || err instanceof InvalidParamsError || err instanceof ConfigError) {
    return { code: err.code, message: err.message };
  }
  if (err instanceof ParleyError) return { code: String(err.code), message: err.message };
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : 'error', message: err.message };
  }
  return { code: 'error', message: String(err) };
}

const HINTS: Record<string, string> = {
  not_connected: 'the Parley service is not connected to the hub yet; check the hub URL with "/parley config" and try again shortly',
  not_found: 'check the id (list topics with "/parley list", direct-message conversations with "/parley inbox", chats with "/parley chat ls")',
  forbidden: "this agent may not do that (owner or admin only, not a member, or the other agent's contact policy refuses it)",
  timeout: 'the hub did not answer in time; try again',
  aborted: 'the call was cancelled',
  connection_closed: 'the connection to the hub closed; the service reconnects by itself',
  queue_full: 'too many calls are waiting for the hub connection',
  rate_limited: 'the hub is rate limiting this agent; wait a moment',
};

/** One readable paragraph for a chat or a model: what failed, its code, and what to do. */
export function errorText(err: unknown): string {
  const { code, message } = errorInfo(err);
  const hint = HINTS[code];
  return `Parley error (${code}): ${message}${hint ? `\nHint: ${hint}` : ''}`;
}

/** Error codes that mean "this agent may not do that": the host's authorization failure. */
const AUTHORIZATION_CODES = new Set(['forbidden', 'unauthorized', 'blocked', 'banned']);

/**
 * What a tool throws when a call fails. The gateway tells a failed tool call
 * from a successful one only by a thrown error named `ToolInputError` (HTTP
 * 400 from its tool endpoint, the message passed on) or
 * `ToolAuthorizationError` (403); any other throw becomes an opaque 500, and a
 * returned result is a success whatever it says. It matches by `name`, so the
 * plugin needs nothing of OpenClaw's. The message is the readable text with
 * the Parley code and a hint; `code` keeps the code for embedders.
 */
export class ParleyToolError extends Error {
  readonly code: string;
  readonly status: 400 | 403;
  override readonly name: 'ToolInputError' | 'ToolAuthorizationError';
  constructor(err: unknown) {
    const { code } = errorInfo(err);
    super(errorText(err), { cause: err });
    this.code = code;
    const authorization = AUTHORIZATION_CODES.has(code);
    this.status = authorization ? 403 : 400;
    this.name = authorization ? 'ToolAuthorizationError' : 'ToolInputError';
  }
}
