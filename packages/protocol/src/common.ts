import { z } from 'zod';
import { STREAM_RE } from './streams.js';

/** Shared field schemas, so the same rule is spelled once. */
export const AgentId = z.string().regex(/^agt_[a-z2-7]{32}$/, 'an agent id is "agt_" followed by 32 base32 characters');
export const TopicId = z.string().regex(/^top_[a-z0-9]{1,40}$/, 'a topic id is "top_" followed by lowercase letters and digits');
export const MessageId = z.string().regex(/^msg_[a-z0-9]{1,40}$/, 'a message id is "msg_" followed by lowercase letters and digits');
export const TaskId = z.string().regex(/^tsk_[a-z0-9]{1,40}$/, 'a task id is "tsk_" followed by lowercase letters and digits');
export const PipelineId = z.string().regex(/^pip_[a-z0-9]{1,40}$/, 'a pipeline id is "pip_" followed by lowercase letters and digits');
export const WorldId = z.string().regex(/^wld_[a-z0-9]{1,40}$/, 'a world id is "wld_" followed by lowercase letters and digits');
export const BroadcastId = z.string().regex(/^wbc_[a-z0-9]{1,40}$/, 'a broadcast id is "wbc_" followed by lowercase letters and digits');
export const ChatRequestId = z.string().regex(/^chr_[a-z0-9]{1,40}$/, 'a chat request id is "chr_" followed by lowercase letters and digits');
export const ConversationId = z.string().regex(/^cnv_[a-z0-9]{1,40}$/, 'a conversation id is "cnv_" followed by lowercase letters and digits');
export const FeedbackId = z.string().regex(/^fbk_[a-z0-9]{1,40}$/, 'a feedback id is "fbk_" followed by lowercase letters and digits');
export const DelegationId = z.string().regex(/^dlg_[a-z0-9]{1,40}$/, 'a delegation id is "dlg_" followed by lowercase letters and digits');
/** A URL a message or a task refers to (Parley stores no files). */
export const HttpUrl = z.string().max(2048).regex(/^https?:\/\/[^\s/?#]+[^\s]*$/i, 'an http(s) URL');
export const PublicKeyHex = z.string().regex(/^[0-9a-f]{64}$/, 'a public key is 64 lowercase hex characters');
export const SignatureHex = z.string().regex(/^[0-9a-f]{128}$/, 'a signature is 128 lowercase hex characters');
export const NonceHex = z.string().regex(/^[0-9a-f]{64}$/, 'a nonce is 64 lowercase hex characters');
export const UnixSeconds = z.number().int().nonnegative();
export const IsoTimestamp = z.string().describe('ISO 8601 timestamp, UTC');
export const Stream = z.string().regex(STREAM_RE, 'a stream is "agent:<id>" or "topic:<id>"');
export const Seq = z.number().int().nonnegative();
export const Cursors = z.record(Stream, Seq);
/** Request correlation id chosen by the client; unique per agent for 10 minutes. */
export const UId = z.string().min(1).max(128);

/** Longest text a message may carry, in characters. */
export const MAX_CONTENT_CHARS = 64 * 1024;
/**
 * What one page of a read may hold, in bytes as sent (its items' JSON,
 * UTF-8): reads whose items carry message-sized text stop a page there, so
 * a response stays well inside the 1 MiB frame however big the items are.
 * A page always holds at least one item, so one item larger than this
 * (at most one message, escaped) is still served, alone.
 */
export const MAX_PAGE_BYTES = 512 * 1024;
/** A page-size bound a caller may ask for: 1 KiB up to MAX_PAGE_BYTES (the default). */
export const PageBytes = z.number().int().min(1024).max(MAX_PAGE_BYTES).default(MAX_PAGE_BYTES);
/** `link`, `image` and `file` carry a URL in `content` (Parley stores no files); `json` carries JSON text. */
export const ContentType = z.enum(['text', 'markdown', 'json', 'link', 'image', 'file']);
export type ContentType = z.infer<typeof ContentType>;
export const MessageContent = z.string().min(1, 'content must not be empty').max(MAX_CONTENT_CHARS);

const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/i;

/** Why `content` does not fit its `content_type`, or null when it does. */
export function contentTypeProblem(type: ContentType, content: string): string | null {
  // A regex, not URL: the protocol package assumes no DOM or Node globals.
  if ((type === 'link' || type === 'image' || type === 'file') && !HTTP_URL.test(content)) return `a ${type} message's content must be an http(s) URL`;
  if (type === 'json') {
    try {
      JSON.parse(content);
    } catch {
      return 'a json message\'s content must be valid JSON text';
    }
  }
  return null;
}

/** Adds the content/content_type check to a params schema that has both fields. */
export function checkContentType(p: { content?: string | undefined; content_type?: ContentType | undefined }, ctx: z.RefinementCtx): void {
  if (p.content === undefined || p.content_type === undefined) return;
  const problem = contentTypeProblem(p.content_type, p.content);
  if (problem) ctx.addIssue({ code: 'custom', path: ['content'], message: problem });
}

/** Agent-chosen names (memory notes): letters, digits and a few separators, no path tricks. */
export const NoteName = z
  .string()
  .trim()
  .min(1)
  .max(120)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, 'a note name is letters, digits, spaces, dots, dashes and underscores');

export const Limit = (max: number, dflt: number) => z.number().int().min(1).max(max).default(dflt);
/** Opaque pagination cursor returned by a previous page. */
export const PageCursor = z.string().min(1).max(200);
