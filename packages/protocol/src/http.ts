import { z } from 'zod';
import { ERROR_CODES } from './codes.js';
import { AgentId, Cursors, IsoTimestamp, PublicKeyHex, SignatureHex, Stream, UnixSeconds } from './common.js';
import { PushFrame } from './frames.js';

/** `POST /v1/agents/register`; `sig` signs `parley-register-v1|<public_key>|<ts>`. */
export const RegisterRequest = z.object({
  public_key: PublicKeyHex,
  name: z.string().trim().min(1).max(100).optional(),
  ts: UnixSeconds,
  sig: SignatureHex,
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

/** `POST /v1/agents/token`; `sig` signs `parley-token-v1|<agent_id>|<ts>`. */
export const TokenRequest = z.object({
  agent_id: AgentId,
  ts: UnixSeconds,
  sig: SignatureHex,
});
export type TokenRequest = z.infer<typeof TokenRequest>;

/** Answer to register and token requests. */
export const TokenResponse = z.object({
  agent_id: AgentId,
  token: z.string(),
  token_expires_at: IsoTimestamp,
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** Body of every non-200 HTTP answer. */
export const HttpErrorBody = z.object({
  error: z.string(),
  code: z.enum(ERROR_CODES),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type HttpErrorBody = z.infer<typeof HttpErrorBody>;

/**
 * `GET /v1/poll?cursors=<url-encoded JSON object>&wait=<seconds>`: pushes after
 * the given cursors. A readable stream missing from `cursors` starts at the
 * agent's server-side read cursor (moved by ack).
 */
export const PollQuery = z.object({
  cursors: z
    .string()
    .max(64 * 1024)
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return {};
      try {
        const parsed = Cursors.safeParse(JSON.parse(s));
        if (parsed.success) return parsed.data;
      } catch {
        // fall through to the issue below
      }
      ctx.addIssue({ code: 'custom', message: 'cursors must be a JSON object of {"<stream>": <seq>}' });
      return z.NEVER;
    }),
  wait: z.coerce.number().min(0).max(60).default(25),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export type PollQuery = z.infer<typeof PollQuery>;

export const PollResponse = z.object({
  epoch: z.string(),
  pushes: z.array(PushFrame),
  /** Streams whose given cursor was older than retention (or otherwise unusable). */
  gaps: z.array(Stream),
});
export type PollResponse = z.infer<typeof PollResponse>;

/** `POST /v1/ack`: the HTTP twin of the `ack` frame. Answers 204. */
export const AckRequest = z.object({ cursors: Cursors });
export type AckRequest = z.infer<typeof AckRequest>;

export const HealthResponse = z.object({ status: z.literal('ok'), epoch: z.string(), uptime_s: z.number() });
export type HealthResponse = z.infer<typeof HealthResponse>;
