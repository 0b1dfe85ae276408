// The one parser for chat commands, whether typed as "/parley ..." (OpenClaw's
// command API) or "@parley ..." (free text, via the before_dispatch hook):
// tokenize, look the first word up in the table the domain modules
// contributed, check the arguments against the command's spec, run it.
import { errorText } from '../errors.js';
import { parseArgs, spellings, usageLine, UsageError, type CommandRunContext, type CommandSpec } from './spec.js';
import { CommandSyntaxError, tokenize } from './tokenizer.js';

/** The word that starts a free-text command. */
export const FREE_TEXT_PREFIX = '@parley';
/** The registered slash command (without the slash). */
export const SLASH_COMMAND = 'parley';

/** The commands of every domain, by name and alias (case-insensitive); a clash is a bug and throws. */
export class CommandTable {
  readonly commands: readonly CommandSpec[];
  readonly #byWord = new Map<string, CommandSpec>();

  constructor(commands: readonly CommandSpec[]) {
    this.commands = commands;
    for (const c of commands) {
      for (const word of [c.name, ...(c.aliases ?? [])]) {
        const key = word.toLowerCase();
        const other = this.#byWord.get(key);
        if (other) throw new Error(`chat command word "${key}" is used by both "${other.name}" and "${c.name}"`);
        this.#byWord.set(key, c);
      }
      checkSubcommands(c, c.name);
    }
  }

  find(word: string): CommandSpec | undefined {
    return this.#byWord.get(word.toLowerCase());
  }

  /** Every spelling, for suggestions. */
  get words(): string[] {
    return [...this.#byWord.keys()];
  }
}

/** Subcommand words are unique under each command, at every level (e.g. task deps add). */
function checkSubcommands(spec: CommandSpec, path: string): void {
  const subWords = new Set<string>();
  for (const s of spec.subcommands ?? []) {
    for (const word of [s.name, ...(s.aliases ?? [])]) {
      if (subWords.has(word)) throw new Error(`subcommand word "${word}" is used twice under "${path}"`);
      subWords.add(word);
    }
    checkSubcommands(s, `${path} ${s.name}`);
  }
}

/**
 * The rest of a message after "@parley", or null when the message is not a
 * Parley command. "@parley" must be the first word (leading spaces allowed),
 * any case, followed by a space, a line break or the end.
 */
export function matchFreeText(content: string): string | null {
  const m = /^\s*@parley(?=$|\s)/i.exec(content);
  return m ? content.slice(m[0].length).trim() : null;
}

function findSub(spec: CommandSpec, word: string): CommandSpec | undefined {
  const w = word.toLowerCase();
  return spec.subcommands?.find((s) => s.name === w || (s.aliases ?? []).includes(w));
}

/** Edit distance with adjacent transpositions (optimal string alignment): "lsit" is 1 from "list". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Close spellings of an unknown word (edit distance up to 2, or a shared start). */
export function suggest(word: string, candidates: readonly string[]): string[] {
  const w = word.toLowerCase();
  return candidates
    .map((c) => ({ c, d: w.length >= 2 && c.startsWith(w) ? 1 : distance(w, c) }))
    .filter((x) => x.d <= 2)
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, 3)
    .map((x) => x.c);
}

/**
 * Runs one command line (what follows "/parley" or "@parley") and returns the
 * reply text. Never throws: bad input gives a usage line, failures a readable
 * error.
 */
export async function runCommandLine(table: CommandTable, line: string, ctx: CommandRunContext): Promise<string> {
  let tokens;
  try {
    tokens = tokenize(line);
  } catch (err) {
    if (err instanceof CommandSyntaxError) return `Could not read that command: ${err.message}.`;
    throw err;
  }
  if (tokens.length === 0) return runSpec(table, 'help', [], line, ctx);
  const first = tokens[0]!;
  const spec = table.find(first.value);
  if (!spec) {
    const close = suggest(first.value, table.words);
    return `Unknown command "${first.value}".${close.length ? ` Did you mean ${close.map((c) => `"${ctx.prefix} ${c}"`).join(' or ')}?` : ''} Say "${ctx.prefix} help" for the list.`;
  }
  const path = [spec.name];
  let leaf = spec;
  let rest = tokens.slice(1);
  // Down the subcommands as far as the words go (task deps add ...).
  while (leaf.subcommands?.length) {
    const word = rest[0];
    const sub = word && !word.quoted ? findSub(leaf, word.value) : undefined;
    if (sub) {
      leaf = sub;
      path.push(sub.name);
      rest = rest.slice(1);
    } else if (!leaf.run) {
      const subs = leaf.subcommands.map(spellings).join(', ');
      const where = path.join(' ');
      const msg = word ? `unknown ${where} subcommand "${word.value}"` : `${where} needs a subcommand`;
      return `${capitalize(msg)} (one of: ${subs}).\nUsage: ${usageLine(ctx.prefix, path, leaf)}`;
    } else break;
  }
  return runLeaf(leaf, path, rest, line, ctx);
}

async function runSpec(table: CommandTable, name: string, rest: ReturnType<typeof tokenize>, line: string, ctx: CommandRunContext): Promise<string> {
  const spec = table.find(name);
  if (!spec) return `Say "${ctx.prefix} help" for the list of commands.`;
  return runLeaf(spec, [spec.name], rest, line, ctx);
}

async function runLeaf(spec: CommandSpec, path: string[], rest: ReturnType<typeof tokenize>, line: string, ctx: CommandRunContext): Promise<string> {
  const usage = usageLine(ctx.prefix, path, spec);
  if (!spec.run) return `Usage: ${usage}`;
  try {
    const args = parseArgs(spec, rest, line);
    return await spec.run(ctx, args);
  } catch (err) {
    if (err instanceof UsageError) return `${capitalize(err.message)}.\nUsage: ${usage}`;
    return errorText(err);
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
