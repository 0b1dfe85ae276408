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
export const ProposalId = z.string().regex(/^prp_[a-z0-9]{1,40}$/, 'a proposal id is "prp_" followed by lowercase letters and digits');
export const DeliberationId = z.string().regex(/^dlb_[a-z0-9]{1,40}$/, 'a deliberation id is "dlb_" followed by lowercase letters and digits');
export const IssuanceId = z.string().regex(/^iss_[a-z0-9]{1,40}$/, 'an issuance id is "iss_" followed by lowercase letters and digits');
export const LedgerTxId = z.string().regex(/^ltx_[a-z0-9]{1,40}$/, 'a ledger transaction id is "ltx_" followed by lowercase letters and digits');
/** An article (content/*): `cnt_` + a time-ordered id. */
export const ContentId = z.string().regex(/^cnt_[a-z0-9]{1,40}$/, 'a content id is "cnt_" followed by lowercase letters and digits');
/** `wal_` + 32 base32 characters, derived from the owner's public key (walletAddressFromPublicKey). */
export const WalletAddress = z.string().regex(/^wal_[a-z2-7]{32}$/, 'a wallet address is "wal_" followed by 32 base32 characters');
/** An asset's symbol, its name on the wire: 2 to 12 capital letters and digits, starting with a letter. */
export const AssetSymbol = z.string().regex(/^[A-Z][A-Z0-9]{1,11}$/, 'an asset symbol is 2 to 12 capital letters and digits, starting with a letter');
/** Largest amount the ledger holds: 38 decimal digits (it fits a signed 128-bit integer). */
export const MAX_AMOUNT_DIGITS = 38;
const AMOUNT_RE = /^(0|[1-9][0-9]{0,37})$/;
/**
 * An amount of an asset in its smallest units: a non-negative integer, sent
 * as a decimal string (JSON numbers lose precision past 2^53). On input a
 * JSON integer up to 2^53 - 1 is accepted too; results always carry strings.
 */
export const Amount = z
  .union([
    z.string().regex(AMOUNT_RE, 'an amount is a non-negative integer in smallest units, written as a decimal string of at most 38 digits'),
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).transform((n) => String(n)),
  ])
  .describe('integer amount in smallest units, as a decimal string');
/** An amount that must be more than zero. */
export const PositiveAmount = Amount.refine((a) => a !== '0', { message: 'the amount must be more than zero' });
/** An amount as results carry it: a decimal string (a ledger entry's may be negative). */
export const AmountText = z.string().regex(/^-?(0|[1-9][0-9]*)$/).describe('integer amount in smallest units, as a decimal string');
export const DelegationId = z.string().regex(/^dlg_[a-z0-9]{1,40}$/, 'a delegation id is "dlg_" followed by lowercase letters and digits');
/** A URL a message or a task refers to (Parley stores no files). */
export const HttpUrl = z.string().max(2048).regex(/^https?:\/\/[^\s/?#]+[^\s]*$/i, 'an http(s) URL');
export const PublicKeyHex = z.string().regex(/^[0-9a-f]{64}$/, 'a public key is 64 lowercase hex characters');
export const SignatureHex = z.string().regex(/^[0-9a-f]{128}$/, 'a signature is 128 lowercase hex characters');
export const NonceHex = z.string().regex(/^[0-9a-f]{64}$/, 'a nonce is 64 lowercase hex characters');
export const UnixSeconds = z.number().int().nonnegative();
export const IsoTimestamp = z.string().describe('ISO 8601 timestamp, UTC');
export const Stream = z.string().regex(STREAM_RE, 'a stream is "agent:<id>", "topic:<id>" or "public:<name>"');
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
