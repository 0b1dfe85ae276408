import {
  AgentId,
  AssetSymbol,
  BroadcastId,
  Capability,
  ChatRequestId,
  ConversationId,
  DelegationId,
  DeliberationId,
  LedgerTxId,
  MessageId,
  PipelineId,
  ProposalId,
  TaskId,
  TopicId,
  WalletAddress,
  WorldId,
} from '@parley/protocol';
import { CliError, ExitCode } from './errors.js';

/** An integer flag or argument within [min, max]; anything else is a usage error naming the flag. */
export function parseIntIn(value: string, min: number, max: number, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new CliError(`${flag} must be an integer from ${min} to ${max}, got "${value}"`, ExitCode.Usage);
  }
  return n;
}

/** `--limit` as the hub's list actions take it: an integer from 1 to `max` (200 for most lists). */
export function parseLimit(value: string, max = 200): number {
  return parseIntIn(value, 1, max, '--limit');
}

/** A topic message's `seq`, for `--before` (from 1) and `--after` (from 0). */
export function parseSeq(value: string, flag: string, min = 1): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new CliError(`${flag} must be a seq number (an integer from ${min}), got "${value}"`, ExitCode.Usage);
  }
  return n;
}

/** An id argument checked against its protocol schema, so a typo fails here and not at the hub. */
export function parseId(schema: { safeParse(v: unknown): { success: boolean } }, value: string, what: string): string {
  if (!schema.safeParse(value).success) throw new CliError(`"${value}" is not ${what}`, ExitCode.Usage);
  return value;
}

export const parseAgent = (value: string): string => parseId(AgentId, value, 'an agent id (agt_ followed by 32 base32 characters)');
export const parseTopic = (value: string): string => parseId(TopicId, value, 'a topic id (top_...)');
export const parseMessageId = (value: string): string => parseId(MessageId, value, 'a message id (msg_...)');
export const parseTaskId = (value: string): string => parseId(TaskId, value, 'a task id (tsk_...)');
export const parsePipelineId = (value: string): string => parseId(PipelineId, value, 'a pipeline id (pip_...)');
export const parseDelegationId = (value: string): string => parseId(DelegationId, value, 'a delegated request id (dlg_...)');
export const parseWorldId = (value: string): string => parseId(WorldId, value, 'a world id (wld_ followed by lowercase letters and digits)');
export const parseBroadcastId = (value: string): string => parseId(BroadcastId, value, 'a broadcast id (wbc_...)');
export const parseRequestId = (value: string): string => parseId(ChatRequestId, value, 'a chat request id (chr_ followed by lowercase letters and digits)');
export const parseConversationId = (value: string): string => parseId(ConversationId, value, 'a conversation id (cnv_ followed by lowercase letters and digits)');
export const parseProposalId = (value: string): string => parseId(ProposalId, value, 'a proposal id (prp_ followed by lowercase letters and digits)');
export const parseDeliberationId = (value: string): string => parseId(DeliberationId, value, 'a deliberation id (dlb_ followed by lowercase letters and digits)');
export const parseLedgerTxId = (value: string): string => parseId(LedgerTxId, value, 'a ledger transaction id (ltx_ followed by lowercase letters and digits)');
export const parseWalletAddress = (value: string): string => parseId(WalletAddress, value, 'a wallet address (wal_ followed by 32 base32 characters)');
/** An asset symbol, upper-cased first (`ply` is PLY), as the shared reward parser does. */
export const parseSymbol = (value: string): string => parseId(AssetSymbol, value.trim().toUpperCase(), 'an asset symbol (2 to 12 letters and digits, starting with a letter)');
export const parseCapability = (value: string): string => parseId(Capability, value, 'a capability (a short lowercase name such as code.review)');

/**
 * An amount in an asset's smallest units, as every amount the CLI takes is
 * (the wire's own unit: no guess about where the point goes): a positive
 * integer of at most 38 digits, kept as a string.
 */
export function parseUnits(value: string, flag: string): string {
  const text = value.trim().replace(/^0+(?=[0-9])/, '');
  if (!/^[1-9][0-9]{0,37}$/.test(text)) {
    const hint = /^[0-9]*\.[0-9]+$/.test(value.trim()) ? " (in the asset's smallest units: 2.5 of an asset with 2 decimals is 250)" : '';
    throw new CliError(`${flag} must be a positive integer amount of at most 38 digits${hint}, got "${value}"`, ExitCode.Usage);
  }
  return text;
}

const YES = ['yes', 'true', 'for'];
const NO = ['no', 'false', 'against'];
/** A vote's way: yes/true/for, or no/false/against (Juji's `--support true|false` among them). */
export function parseSupport(value: string, flag: string): boolean {
  const v = value.trim().toLowerCase();
  if (YES.includes(v)) return true;
  if (NO.includes(v)) return false;
  throw new CliError(`${flag} must be yes or no (also true/false, for/against), got "${value}"`, ExitCode.Usage);
}

/** Any JSON value (object, string, number, ...), for payloads such as a delegated request's input. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${what} is not valid JSON: ${(err as Error).message}`, ExitCode.Usage);
  }
}

/**
 * A fixed set of values as help text lists them, from the protocol's own zod
 * enum (`open | invite_only`), so help cannot drift from what the hub takes.
 */
export function oneOf(values: { readonly options: readonly string[] } | readonly string[]): string {
  return ('options' in values ? values.options : values).join(' | ');
}

/**
 * The same, each value with what it means: `zero (...) | at_most_one (...)`.
 * `meaning` must name every value of the enum and no other (the type says
 * so), so a value added to the protocol fails the build until it is explained.
 */
export function oneOfExplained<T extends string>(values: { readonly options: readonly T[] }, meaning: { readonly [K in T]: string }): string {
  return values.options.map((v) => `${v} (${meaning[v]})`).join(' | ');
}

/** A flag that takes one of a fixed set of values. */
export function choice<T extends string>(options: readonly T[], value: string, flag: string): T {
  const found = options.find((o) => o === value);
  if (found === undefined) throw new CliError(`${flag} must be one of ${options.join(', ')}, got "${value}"`, ExitCode.Usage);
  return found;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
/** The longest bar the hub accepts (topic/blacklist/add's duration_seconds). */
export const MAX_DURATION_SECONDS = 10 * 365 * 24 * 3600;

/**
 * A duration such as `30m`, `2h`, `7d` or `1h30m` (units s, m, h, d, w), in
 * seconds. A unit is required: a bare `30` could mean anything.
 */
export function parseDuration(value: string, flag: string, max = MAX_DURATION_SECONDS): number {
  const text = value.trim().toLowerCase();
  const bad = () =>
    new CliError(`${flag} must be a duration like 30m, 2h, 7d or 1h30m (units s, m, h, d, w), got "${value}"`, ExitCode.Usage);
  if (!/^(\d+[smhdw])+$/.test(text)) throw bad();
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([smhdw])/g)) seconds += Number(n) * UNIT_SECONDS[unit!]!;
  if (seconds < 1) throw bad();
  if (seconds > max) throw new CliError(`${flag} must be at most ${Math.floor(max / 86_400)}d, got "${value}"`, ExitCode.Usage);
  return seconds;
}

/**
 * A point in time for a deadline: an ISO 8601 date or date-time
 * (`2026-12-01`, `2026-12-01T17:00:00+02:00`), or a duration from now
 * (`2h`, `3d`, `1w`). Returned as ISO 8601 in UTC.
 */
export function parseWhen(value: string, flag: string, now = Date.now()): string {
  const text = value.trim();
  if (/^(\d+[smhdw])+$/i.test(text)) return new Date(now + parseDuration(text, flag) * 1000).toISOString();
  const ms = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new CliError(`${flag} must be a date (2026-12-01), a date-time (2026-12-01T17:00:00Z) or a duration from now (2h, 3d), got "${value}"`, ExitCode.Usage);
  }
  return new Date(ms).toISOString();
}

/** Repeatable flags (`--block a --block b`): commander calls this once per occurrence. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
