import {
  AgentId,
  AssetSymbol,
  BroadcastId,
  Capability,
  ChatRequestId,
  ContentId,
  ConversationId,
  DelegationId,
  DeliberationId,
  HttpUrl,
  LedgerTxId,
  MessageId,
  NoteName,
  PipelineId,
  ProposalId,
  TaskId,
  TopicId,
  WalletAddress,
  WorldId,
} from '@parley/protocol';
import type { FormatContext, ParleyCaller } from '../domain.js';
import type { Token } from './tokenizer.js';

/**
 * Kinds of argument. Typed kinds are checked before anything is sent;
 * `text` takes the rest of the line (line breaks kept); `list` takes the
 * rest of the words, one value each; `json` takes the rest of the line
 * exactly as typed and must be JSON.
 */
export type ArgKind =
  | 'topic'
  | 'agent'
  | 'message_id'
  | 'note'
  | 'task'
  | 'pipeline'
  | 'delegation'
  | 'world'
  | 'broadcast'
  | 'chat_request'
  | 'conversation'
  | 'proposal'
  | 'deliberation'
  | 'asset'
  | 'ledger_tx'
  | 'content'
  | 'wallet'
  | 'capability'
  | 'url'
  | 'word'
  | 'text'
  | 'list'
  | 'json'
  | 'int'
  | 'percent'
  | 'choice'
  | 'duration'
  | 'when';

/** The kinds that take the rest of the line. */
const REST_KINDS: ReadonlySet<ArgKind> = new Set(['text', 'list', 'json']);

export interface ArgSpec {
  readonly name: string;
  readonly kind: ArgKind;
  /** Optional args come last, or are typed (an optional typed arg is only taken when the word fits it). */
  readonly optional?: boolean;
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** agent, wallet: the word "me" is taken too (as "me"; the command maps it to this agent). */
  readonly me?: boolean;
}

/** The value of a flag that takes one (`--priority P1` or `--priority=P1`), checked like an argument. */
export interface FlagValueSpec {
  readonly kind: Exclude<ArgKind, 'text' | 'list' | 'json'>;
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly me?: boolean;
  /** `""` is taken as well, as "clear this field" (update commands). */
  readonly clearable?: boolean;
  /** The flag may be given more than once; `args.list(name)` has every value in order. */
  readonly repeat?: boolean;
  /** What the value is in usage lines (default: from the kind). */
  readonly label?: string;
}

export interface FlagSpec {
  /** Without dashes: `yes` matches --yes. A flag with a value is read with `args.optStr(name)` (or `optInt`, `list`). */
  readonly name: string;
  /** More spellings, e.g. `-y`. */
  readonly aliases?: readonly string[];
  readonly help: string;
  /** Set for a flag that takes a value; a plain flag is on or off (`args.flag(name)`). */
  readonly value?: FlagValueSpec;
}

/** `--limit`, 1 to `max`, for every paged command; the help names the default when there is one. */
export const LIMIT_FLAG = (max: number, dflt?: number): FlagSpec => ({
  name: 'limit',
  help: dflt === undefined ? `how many (1-${max})` : `how many (1-${max}, default ${dflt})`,
  value: { kind: 'int', min: 1, max },
});
/** `--cursor`: the next page of any paged command. */
export const CURSOR_FLAG: FlagSpec = { name: 'cursor', help: 'the next page, as printed by the previous one', value: { kind: 'word', label: 'cursor' } };

/** The `--cursor` a paged command was given, as the action's params take it. */
export function cursorOf(a: ParsedArgs): { cursor?: string } {
  const cursor = a.optStr('cursor');
  return cursor !== undefined ? { cursor } : {};
}

/** An agent argument that may be "me": this agent's id. */
export function agentOrMe(ctx: CommandRunContext, value: string): string {
  if (value !== 'me') return value;
  if (ctx.format.selfId === null) throw new UsageError('"me" needs the agent\'s identity, which is not loaded yet; give an agent id');
  return ctx.format.selfId;
}

/** Where a chat command came from, so "config auto" can route events back here. */
export interface ChatOrigin {
  readonly surface: 'slash' | 'text';
  readonly channel?: string;
  readonly to?: string;
  readonly accountId?: string;
  readonly threadId?: string | number;
  readonly senderId?: string;
}

/** What the settings commands (config, help) need from the plugin. */
export interface CommandHost {
  readonly commands: readonly CommandSpec[];
  /** The agent's OpenClaw workspace (skill install writes `skills/<name>/` there); null while unknown. */
  workspaceDir?(): string | null;
  describeSettings(): string;
  routeHere(origin: ChatOrigin): Promise<string>;
  routeOff(): Promise<string>;
  routeReset(): Promise<string>;
}

export interface CommandRunContext {
  readonly caller: ParleyCaller;
  /** How the user invoked us: "/parley" or "@parley" (usage lines use it). */
  readonly prefix: string;
  readonly format: FormatContext;
  readonly chat: ChatOrigin;
  readonly host: CommandHost;
}

export interface CommandSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly summary: string;
  readonly args?: readonly ArgSpec[];
  readonly flags?: readonly FlagSpec[];
  /** e.g. blacklist add|remove|list. A command with subcommands and a `run` runs it when no subcommand is given. */
  readonly subcommands?: readonly CommandSpec[];
  readonly examples?: readonly string[];
  readonly run?: (ctx: CommandRunContext, args: ParsedArgs) => Promise<string> | string;
}

/** The value of a `json` argument (kept apart from plain strings). */
export class JsonValue {
  constructor(readonly value: unknown) {}
}

/** One checked argument or flag value. */
export type ArgValue = string | number | readonly string[] | JsonValue;

/** Bad input: the dispatcher answers with the message and the command's usage line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The checked arguments of one command. */
export class ParsedArgs {
  readonly #values: ReadonlyMap<string, ArgValue>;
  readonly #flags: ReadonlySet<string>;
  readonly #raw: ReadonlyMap<string, string>;

  constructor(values: ReadonlyMap<string, ArgValue>, flags: ReadonlySet<string>, raw: ReadonlyMap<string, string> = new Map()) {
    this.#values = values;
    this.#flags = flags;
    this.#raw = raw;
  }

  /** A `text` argument exactly as typed, quotes kept (e.g. to read it as JSON). */
  raw(name: string): string {
    const v = this.#raw.get(name);
    if (v === undefined) throw new Error(`argument ${name} missing (command spec bug)`);
    return v;
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  str(name: string): string {
    const v = this.#values.get(name);
    if (typeof v !== 'string') throw new Error(`argument ${name} missing (command spec bug)`);
    return v;
  }

  optStr(name: string): string | undefined {
    const v = this.#values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  int(name: string): number {
    const v = this.#values.get(name);
    if (typeof v !== 'number') throw new Error(`argument ${name} missing (command spec bug)`);
    return v;
  }

  optInt(name: string): number | undefined {
    const v = this.#values.get(name);
    return typeof v === 'number' ? v : undefined;
  }

  /** A `list` argument or a repeatable flag: every value, in order (empty when not given). */
  list(name: string): string[] {
    const v = this.#values.get(name);
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new Error(`argument ${name} is not a list (command spec bug)`);
    return [...(v as readonly string[])];
  }

  /** A `json` argument, parsed. */
  json(name: string): unknown {
    const v = this.#values.get(name);
    if (!(v instanceof JsonValue)) throw new Error(`argument ${name} missing (command spec bug)`);
    return v.value;
  }

  flag(name: string): boolean {
    return this.#flags.has(name);
  }
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const MAX_DURATION_SECONDS = 10 * 365 * 24 * 3600;

/** `30m`, `2h`, `7d`, `1h30m` in seconds, or null. */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (!/^(\d+[smhdw])+$/.test(t)) return null;
  let seconds = 0;
  for (const [, n, unit] of t.matchAll(/(\d+)([smhdw])/g)) seconds += Number(n) * UNIT_SECONDS[unit!]!;
  return seconds >= 1 && seconds <= MAX_DURATION_SECONDS ? seconds : null;
}

/**
 * A deadline as typed in a chat: a duration from now (`3d`, `2h30m`), a date
 * (`2026-12-01`, midnight UTC) or a date-time (`2026-12-01T17:00:00Z`), as an
 * ISO timestamp; null when it is none of those.
 */
export function parseWhen(text: string, now = Date.now()): string | null {
  const t = text.trim();
  const seconds = parseDuration(t);
  if (seconds !== null) return new Date(now + seconds * 1000).toISOString();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(t)) return null;
  // A date-time without a zone is read as UTC, like a bare date.
  const zoned = /[T ]\d/.test(t) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(t) ? `${t}Z` : t;
  const ms = Date.parse(zoned.replace(' ', 'T'));
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Chat apps turn "..." into curly quotes; JSON wants straight ones. */
const CURLY_DOUBLE = /[\u201c\u201d\u201e\u00ab\u00bb]/g;

/** JSON as typed in a chat (curly double quotes accepted), or an error message. */
export function parseJsonText(raw: string, what: string): { ok: true; value: unknown } | { ok: false; message: string } {
  for (const candidate of [raw, raw.replace(CURLY_DOUBLE, '"')]) {
    try {
      return { ok: true, value: JSON.parse(candidate) as unknown };
    } catch {
      // Try the next spelling; the error below names the first one's problem.
    }
  }
  let reason = 'not valid JSON';
  try {
    JSON.parse(raw);
  } catch (err) {
    reason = `not valid JSON (${(err as Error).message})`;
  }
  return { ok: false, message: `${what} is ${reason}; write it as JSON, e.g. {"text": "hello"} or "plain words in quotes"` };
}

type Converted = { ok: true; value: string | number } | { ok: false; message: string };

function convert(arg: ArgSpec, raw: string): Converted {
  const fits = (schema: { safeParse(v: unknown): { success: boolean } }, what: string): Converted =>
    schema.safeParse(raw).success ? { ok: true, value: raw } : { ok: false, message: `"${raw}" is not ${what}` };
  switch (arg.kind) {
    case 'topic':
      return fits(TopicId, 'a topic id (top_...)');
    case 'agent':
      if (arg.me && raw.toLowerCase() === 'me') return { ok: true, value: 'me' };
      return fits(AgentId, `an agent id (agt_ followed by 32 characters)${arg.me ? ' or "me"' : ''}`);
    case 'message_id':
      return fits(MessageId, 'a message id (msg_...)');
    case 'note':
      return fits(NoteName, 'a note name (letters, digits, spaces, dots, dashes, underscores)');
    case 'task':
      return fits(TaskId, 'a task id (tsk_...)');
    case 'pipeline':
      return fits(PipelineId, 'a pipeline id (pip_...)');
    case 'delegation':
      return fits(DelegationId, 'a delegated request id (dlg_...)');
    case 'world':
      return fits(WorldId, 'a world id (wld_...)');
    case 'broadcast':
      return fits(BroadcastId, 'a broadcast id (wbc_...)');
    case 'chat_request':
      return fits(ChatRequestId, 'a chat request id (chr_...)');
    case 'conversation':
      return fits(ConversationId, 'a conversation id (cnv_...)');
    case 'proposal':
      return fits(ProposalId, 'a proposal id (prp_...)');
    case 'deliberation':
      return fits(DeliberationId, 'a deliberation id (dlb_...)');
    case 'asset': {
      // Symbols are capitals on the wire; a chat user may type them in any case.
      const symbol = raw.toUpperCase();
      return AssetSymbol.safeParse(symbol).success
        ? { ok: true, value: symbol }
        : { ok: false, message: `"${raw}" is not an asset symbol (2 to 12 letters and digits, starting with a letter)` };
    }
    case 'ledger_tx':
      return fits(LedgerTxId, 'a ledger transaction id (ltx_...)');
    case 'content':
      return fits(ContentId, 'a content id (cnt_...)');
    case 'wallet':
      if (arg.me && raw.toLowerCase() === 'me') return { ok: true, value: 'me' };
      if (WalletAddress.safeParse(raw).success || AgentId.safeParse(raw).success) return { ok: true, value: raw };
      return { ok: false, message: `"${raw}" is not an agent id (agt_...) or a wallet address (wal_...)${arg.me ? ' or "me"' : ''}` };
    case 'capability':
      return fits(Capability, 'a capability (a short lowercase name such as code.review)');
    case 'url':
      return fits(HttpUrl, 'an http(s) URL');
    case 'word':
    case 'text':
    case 'list':
    case 'json':
      return raw === '' ? { ok: false, message: `${arg.name} must not be empty` } : { ok: true, value: raw };
    case 'int': {
      const n = Number(raw);
      const min = arg.min ?? 1;
      const max = arg.max ?? Number.MAX_SAFE_INTEGER;
      if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
        return { ok: false, message: `${arg.name} must be a whole number from ${min} to ${max}, got "${raw}"` };
      }
      return { ok: true, value: n };
    }
    case 'percent': {
      const n = Number(raw.replace(/%$/, ''));
      if (raw.trim() === '' || raw === '%' || !Number.isInteger(n) || n < 0 || n > 100) {
        return { ok: false, message: `${arg.name} must be a whole number from 0 to 100 (a % sign is fine), got "${raw}"` };
      }
      return { ok: true, value: n };
    }
    case 'choice': {
      const choices = arg.choices ?? [];
      const found = choices.find((c) => c.toLowerCase() === raw.toLowerCase());
      return found !== undefined ? { ok: true, value: found } : { ok: false, message: `${arg.name} must be one of ${choices.join(', ')}; got "${raw}"` };
    }
    case 'duration': {
      const s = parseDuration(raw);
      return s !== null
        ? { ok: true, value: s }
        : { ok: false, message: `${arg.name} must be a duration like 30m, 2h, 7d or 1h30m (units s, m, h, d, w), got "${raw}"` };
    }
    case 'when': {
      const iso = parseWhen(raw);
      return iso !== null
        ? { ok: true, value: iso }
        : { ok: false, message: `${arg.name} must be a date (2026-12-01), a date-time (2026-12-01T17:00:00Z) or a duration from now (2h, 3d), got "${raw}"` };
    }
  }
}

const VALUE_LABELS: Partial<Record<ArgKind, string>> = {
  topic: 'topic_id',
  agent: 'agent_id',
  message_id: 'message_id',
  task: 'task_id',
  pipeline: 'pipeline_id',
  delegation: 'request_id',
  world: 'world_id',
  broadcast: 'broadcast_id',
  chat_request: 'request_id',
  conversation: 'conversation_id',
  proposal: 'proposal_id',
  deliberation: 'deliberation_id',
  asset: 'symbol',
  ledger_tx: 'tx_id',
  content: 'content_id',
  wallet: 'agent_id|wallet',
  url: 'url',
  int: 'n',
  percent: 'percent',
  duration: '30m|2h|7d',
  when: 'date|3d',
};

function flagLabel(f: FlagSpec): string {
  const v = f.value;
  if (!v) return `[--${f.name}]`;
  const inner = v.label ?? (v.kind === 'choice' && v.choices ? v.choices.join('|') : (VALUE_LABELS[v.kind] ?? f.name));
  return `[--${f.name} <${inner}>]${v.repeat ? '...' : ''}`;
}

function argLabel(arg: ArgSpec): string {
  const inner =
    arg.kind === 'choice' && arg.choices ? arg.choices.join('|') : REST_KINDS.has(arg.kind) ? `${arg.name}...` : arg.me ? `${arg.name}|me` : arg.name;
  return arg.optional ? `[${inner}]` : `<${inner}>`;
}

/** `@parley create <name> [description] [broadcast|discussion|collaborative|p2p]`. */
export function usageLine(prefix: string, path: readonly string[], spec: CommandSpec): string {
  const parts = [prefix, ...path];
  if (spec.subcommands?.length) {
    parts.push(spec.subcommands.map((s) => s.name).join('|'));
    if (spec.run) parts[parts.length - 1] = `[${parts[parts.length - 1]}]`;
  }
  for (const a of spec.args ?? []) parts.push(argLabel(a));
  for (const f of spec.flags ?? []) parts.push(flagLabel(f));
  return parts.join(' ');
}

/** The name and aliases as shown in help: `list|ls|topics`. */
export function spellings(spec: CommandSpec): string {
  return [spec.name, ...(spec.aliases ?? [])].join('|');
}

/** Checks a command's words against its spec (see ArgSpec, FlagSpec). `source` is the original line, for the trailing text argument. */
export function parseArgs(spec: CommandSpec, tokens: readonly Token[], source: string): ParsedArgs {
  const argSpecs = spec.args ?? [];
  // With a free-text (or JSON) argument an unknown --word is part of the text; otherwise it is a mistake.
  const hasText = argSpecs.some((a) => a.kind === 'text' || a.kind === 'json');
  const flags = new Set<string>();
  const values = new Map<string, ArgValue>();
  const raws = new Map<string, string>();
  const removed: Token[] = [];
  const words: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const found = !t.quoted && /^-{1,2}[a-z]/i.test(t.value) ? findFlag(spec, t.value) : undefined;
    if (found) {
      const { flag, inline } = found;
      removed.push(t);
      if (!flag.value) {
        if (inline !== undefined) throw new UsageError(`--${flag.name} takes no value`);
        flags.add(flag.name);
        continue;
      }
      let raw = inline;
      if (raw === undefined) {
        const next = tokens[i + 1];
        if (next === undefined) throw new UsageError(`--${flag.name} needs a value`);
        raw = next.value;
        removed.push(next);
        i++;
      }
      const v = flag.value;
      let value: string | number;
      if (raw === '' && v.clearable) value = '';
      else {
        const c = convert({ name: `--${flag.name}`, kind: v.kind, ...pick(v) }, raw);
        if (!c.ok) throw new UsageError(c.message);
        value = c.value;
      }
      const before = values.get(flag.name);
      if (v.repeat) values.set(flag.name, [...((before as readonly string[] | undefined) ?? []), String(value)]);
      else if (before !== undefined) throw new UsageError(`--${flag.name} is given twice`);
      else values.set(flag.name, value);
    } else if (!t.quoted && t.value.startsWith('--') && !hasText) {
      throw new UsageError(`unknown option ${t.value}`);
    } else words.push(t);
  }
  let j = 0;
  let skipped: string | null = null;
  for (const arg of argSpecs) {
    if (REST_KINDS.has(arg.kind)) {
      if (j >= words.length) {
        if (arg.optional) continue;
        throw new UsageError(`missing ${arg.name}`);
      }
      const rest = words.slice(j);
      j = words.length;
      if (arg.kind === 'list') {
        for (const w of rest) if (w.value.trim() === '') throw new UsageError(`${arg.name} must not be empty`);
        values.set(arg.name, rest.map((w) => w.value));
      } else if (arg.kind === 'json') {
        const raw = rawText(rest, removed, source);
        const parsed = parseJsonText(raw, arg.name);
        if (!parsed.ok) throw new UsageError(parsed.message);
        values.set(arg.name, new JsonValue(parsed.value));
      } else {
        const text = restText(rest, removed, source);
        if (text.trim() === '') throw new UsageError(`${arg.name} must not be empty`);
        values.set(arg.name, text);
        raws.set(arg.name, optionsInside(rest, removed) ? rest.map((w) => w.value).join(' ') : rawText(rest, removed, source));
      }
      continue;
    }
    const word = words[j];
    if (word === undefined) {
      if (arg.optional) continue;
      throw new UsageError(`missing ${arg.name}`);
    }
    const c = convert(arg, word.value);
    if (c.ok) {
      values.set(arg.name, c.value);
      j++;
      skipped = null;
    } else if (arg.optional) {
      skipped ??= c.message;
    } else {
      throw new UsageError(c.message);
    }
  }
  if (j < words.length) throw new UsageError(skipped ?? `unexpected "${words[j]!.value}"`);
  return new ParsedArgs(values, flags, raws);
}

function pick(v: FlagValueSpec): Pick<ArgSpec, 'choices' | 'min' | 'max' | 'me'> {
  return {
    ...(v.choices ? { choices: v.choices } : {}),
    ...(v.min !== undefined ? { min: v.min } : {}),
    ...(v.max !== undefined ? { max: v.max } : {}),
    ...(v.me ? { me: true } : {}),
  };
}

/** The flag a word names (`--name`, an alias, or `--name=value` for a flag with a value). */
function findFlag(spec: CommandSpec, word: string): { flag: FlagSpec; inline?: string } | undefined {
  const eq = word.indexOf('=');
  const name = (eq > 0 ? word.slice(0, eq) : word).toLowerCase();
  const flag = (spec.flags ?? []).find((f) => `--${f.name}` === name || (f.aliases ?? []).includes(name));
  if (!flag) return undefined;
  return eq > 0 ? { flag, inline: word.slice(eq + 1) } : { flag };
}

/** The rest of the line exactly as typed (quotes kept): JSON. Options must not sit inside it. */
function rawText(words: readonly Token[], removed: readonly Token[], source: string): string {
  if (optionsInside(words, removed)) throw new UsageError('put options before or after the JSON, not inside it');
  return source.slice(words[0]!.start, words[words.length - 1]!.end);
}

/** Whether an option was written among these words (then the line as typed is not one piece). */
function optionsInside(words: readonly Token[], removed: readonly Token[]): boolean {
  const first = words[0]!;
  const last = words[words.length - 1]!;
  return removed.some((r) => r.start > first.start && r.start < last.end);
}

/** The trailing text argument: one quoted word as written, else the line as typed from its first word (line breaks kept). */
function restText(words: readonly Token[], removed: readonly Token[], source: string): string {
  if (words.length === 1 && words[0]!.quoted) return words[0]!.value;
  const first = words[0]!;
  const last = words[words.length - 1]!;
  if (removed.some((r) => r.start > first.start && r.start < last.end)) return words.map((w) => w.value).join(' ');
  return source.slice(first.start, last.end);
}
