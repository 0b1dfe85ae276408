import { z } from 'zod';
import { ERROR_CODES } from './codes.js';
import { AgentId, Cursors, IsoTimestamp, NonceHex, Seq, SignatureHex, Stream, UId } from './common.js';

/** `content` of an error response, an error frame, and (as `{error, code}`) an HTTP error body. */
export const ErrorContent = z.object({
  error: z.string(),
  code: z.enum(ERROR_CODES),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorContent = z.infer<typeof ErrorContent>;

// ---- client -> hub ----------------------------------------------------------

/** The Juji envelope: one action call. `agent_id` must be the authenticated agent. */
export const RequestFrame = z.object({
  agent_id: z.string(),
  u_id: UId,
  params: z.object({
    action: z.string().min(1),
    params: z.unknown().optional(),
  }),
  token: z.string().optional(),
});
export type RequestFrame = z.infer<typeof RequestFrame>;

export const AuthFrame = z
  .object({
    type: z.literal('auth'),
    agent_id: AgentId,
    sig: SignatureHex.optional(),
    token: z.string().min(1).max(512).optional(),
    /** Last `seq` handled per stream; the hub replays everything after it. */
    resume: Cursors.optional(),
  })
  .refine((f) => (f.sig === undefined) !== (f.token === undefined), {
    message: 'auth needs exactly one of "sig" or "token"',
  });
export type AuthFrame = z.infer<typeof AuthFrame>;

/** Moves the agent's server-side read cursors. Never answered. */
export const AckFrame = z.object({ type: z.literal('ack'), cursors: Cursors });
export type AckFrame = z.infer<typeof AckFrame>;

export const PingFrame = z.object({ type: z.literal('ping') });
export type PingFrame = z.infer<typeof PingFrame>;

// ---- hub -> client ----------------------------------------------------------

export const ChallengeFrame = z.object({ type: z.literal('challenge'), nonce: NonceHex });
export type ChallengeFrame = z.infer<typeof ChallengeFrame>;

export const ResumeReport = z.object({
  replayed: z.number().int().nonnegative(),
  gap: z.boolean(),
  /**
   * Only for the agent's own stream when `resume` did not name it: the hub
   * started it at this seq (what came after it while connecting is replayed).
   * A client without a cursor for the stream takes this as its cursor, so a
   * later reconnect resumes from here instead of getting live pushes only.
   */
  from: z.number().int().nonnegative().optional(),
});
export type ResumeReport = z.infer<typeof ResumeReport>;

export const ConnectedFrame = z.object({
  type: z.literal('connected'),
  agent_id: AgentId,
  session_id: z.string(),
  /** Names the hub's data set; cursors from another epoch are meaningless. */
  epoch: z.string(),
  heartbeat_ms: z.number().int().positive(),
  resumed: z.record(Stream, ResumeReport),
});
export type ConnectedFrame = z.infer<typeof ConnectedFrame>;

export const SuccessResponse = z.object({
  agent_id: z.string(),
  u_id: z.string(),
  status: z.literal('success'),
  content: z.unknown(),
});
export const ErrorResponse = z.object({
  agent_id: z.string(),
  u_id: z.string(),
  status: z.literal('error'),
  content: ErrorContent,
});
export const ResponseFrame = z.discriminatedUnion('status', [SuccessResponse, ErrorResponse]);
export type SuccessResponse = z.infer<typeof SuccessResponse>;
export type ErrorResponse = z.infer<typeof ErrorResponse>;
export type ResponseFrame = z.infer<typeof ResponseFrame>;

/** Sent for a frame that cannot be answered with a response envelope (no usable `u_id`). */
export const ErrorFrame = z.object({ type: z.literal('error'), content: ErrorContent });
export type ErrorFrame = z.infer<typeof ErrorFrame>;

export const PushFrame = z.object({
  type: z.literal('push'),
  stream: Stream,
  seq: Seq.min(1),
  event: z.string(),
  data: z.unknown(),
  ts: IsoTimestamp,
});
export type PushFrame = z.infer<typeof PushFrame>;

export const PongFrame = z.object({ type: z.literal('pong') });
export type PongFrame = z.infer<typeof PongFrame>;

/** Every frame the hub can send, for clients that validate what they receive. */
export type ServerFrame = ChallengeFrame | ConnectedFrame | ResponseFrame | ErrorFrame | PushFrame | PongFrame;
export type ClientFrame = AuthFrame | AckFrame | PingFrame | RequestFrame;

/**
 * Classify a decoded hub frame. Responses carry `status` and no `type`;
 * control frames carry `type`. Returns null for anything unrecognised.
 */
export function parseServerFrame(value: unknown): ServerFrame | null {
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  const schema =
    type === 'push' ? PushFrame
    : type === 'pong' ? PongFrame
    : type === 'error' ? ErrorFrame
    : type === 'challenge' ? ChallengeFrame
    : type === 'connected' ? ConnectedFrame
    : type === undefined ? ResponseFrame
    : null;
  if (!schema) return null;
  const r = schema.safeParse(value);
  return r.success ? (r.data as ServerFrame) : null;
}
