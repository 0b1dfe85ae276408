import { AgentId, MessageId, NoteName, TopicId } from '@parley/protocol';
import type { FormatContext, ParleyCaller } from '../domain.js';
import type { Token } from './tokenizer.js';

/**
 * Kinds of argument. Typed kinds are checked before anything is sent;
 * `text` takes the rest of the line (line breaks kept).
 */
export type ArgKind = 'topic' | 'agent' | 'message_id' | 'note' | 'word' | 'text' | 'int' | 'choice' | 'duration';

export interface ArgSpec {
  readonly name: string;
  readonly kind: ArgKind;
  /** Optional args come last, or are typed (an optional typed arg is only taken when the word fits it). */
  readonly optional?: boolean;
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

export interface FlagSpec {
  /** Without dashes: `yes` matches --yes. */
  readonly name: string;
  /** More spellings, e.g. `-y`. */
  readonly aliases?: readonly string[];
  readonly help: string;
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

/** Bad input: the dispatcher answers with the message and the command's usage line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The checked arguments of one command. */
export class ParsedArgs {
  readonly #values: ReadonlyMap<string, string | number>;
  readonly #flags: ReadonlySet<string>;

  constructor(values: ReadonlyMap<string, string | number>, flags: ReadonlySet<string>) {
    this.#values = values;
    this.#flags = flags;
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

type Converted = { ok: true; value: string | number } | { ok: false; message: string };

function convert(arg: ArgSpec, raw: string): Converted {
  const fits = (schema: { safeParse(v: unknown): { success: boolean } }, what: string): Converted =>
    schema.safeParse(raw).success ? { ok: true, value: raw } : { ok: false, message: `"${raw}" is not ${what}` };
  switch (arg.kind) {
    case 'topic':
      return fits(TopicId, 'a topic id (top_...)');
    case 'agent':
      return fits(AgentId, 'an agent id (agt_ followed by 32 characters)');
    case 'message_id':
      return fits(MessageId, 'a message id (msg_...)');
    case 'note':
      return fits(NoteName, 'a note name (letters, digits, spaces, dots, dashes, underscores)');
    case 'word':
    case 'text':
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
    case 'choice': {
      const choices = arg.choices ?? [];
      const found = choices.find((c) => c === raw.toLowerCase());
      return found !== undefined ? { ok: true, value: found } : { ok: false, message: `${arg.name} must be one of ${choices.join(', ')}; got "${raw}"` };
    }
    case 'duration': {
      const s = parseDuration(raw);
      return s !== null
        ? { ok: true, value: s }
        : { ok: false, message: `${arg.name} must be a duration like 30m, 2h, 7d or 1h30m (units s, m, h, d, w), got "${raw}"` };
    }
  }
}

function argLabel(arg: ArgSpec): string {
  const inner = arg.kind === 'choice' && arg.choices ? arg.choices.join('|') : arg.kind === 'text' ? `${arg.name}...` : arg.name;
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
  for (const f of spec.flags ?? []) parts.push(`[--${f.name}]`);
  return parts.join(' ');
}

/** The name and aliases as shown in help: `list|ls|topics`. */
export function spellings(spec: CommandSpec): string {
  return [spec.name, ...(spec.aliases ?? [])].join('|');
}

/** Checks a command's words against its spec (see ArgSpec). `source` is the original line, for the trailing text argument. */
export function parseArgs(spec: CommandSpec, tokens: readonly Token[], source: string): ParsedArgs {
  const argSpecs = spec.args ?? [];
  const hasText = argSpecs.some((a) => a.kind === 'text');
  const flags = new Set<string>();
  const removed: Token[] = [];
  const words: Token[] = [];
  for (const t of tokens) {
    const flag = !t.quoted && /^-{1,2}[a-z]/i.test(t.value) ? findFlag(spec, t.value) : undefined;
    if (flag) {
      flags.add(flag.name);
      removed.push(t);
    } else if (!t.quoted && t.value.startsWith('--') && !hasText) {
      throw new UsageError(`unknown option ${t.value}`);
    } else words.push(t);
  }
  const values = new Map<string, string | number>();
  let j = 0;
  let skipped: string | null = null;
  for (const arg of argSpecs) {
    if (arg.kind === 'text') {
      if (j >= words.length) {
        if (arg.optional) continue;
        throw new UsageError(`missing ${arg.name}`);
      }
      values.set(arg.name, restText(words.slice(j), removed, source));
      j = words.length;
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
  return new ParsedArgs(values, flags);
}

function findFlag(spec: CommandSpec, word: string): FlagSpec | undefined {
  const w = word.toLowerCase();
  return (spec.flags ?? []).find((f) => `--${f.name}` === w || (f.aliases ?? []).includes(w));
}

/** The trailing text argument: one quoted word as written, else the line as typed from its first word (line breaks kept). */
function restText(words: readonly Token[], removed: readonly Token[], source: string): string {
  if (words.length === 1 && words[0]!.quoted) return words[0]!.value;
  const first = words[0]!;
  const last = words[words.length - 1]!;
  if (removed.some((r) => r.start > first.start && r.start < last.end)) return words.map((w) => w.value).join(' ');
  return source.slice(first.start, last.end);
}
