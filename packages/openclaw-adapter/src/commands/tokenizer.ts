/** A word of a chat command, with where it stood in the text (so a trailing free-text argument keeps its line breaks). */
export interface Token {
  value: string;
  /** True when written in quotes: never a flag, kept as one argument. */
  quoted: boolean;
  start: number;
  end: number;
}

export class CommandSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandSyntaxError';
  }
}

/** Opening quote -> closing quote. Chat apps often turn "..." into curly quotes, so those count too. */
const QUOTES: Record<string, string> = { '"': '"', "'": "'", '\u201c': '\u201d', '\u2018': '\u2019', '\u201e': '\u201c', '\u00ab': '\u00bb' };

const isSpace = (ch: string): boolean => /\s/.test(ch);

/**
 * Splits a command line into words. Whitespace separates words; "double",
 * 'single' and curly quotes group words into one; inside double quotes a
 * backslash escapes the next character; quotes glued to other text join it
 * (a"b c" is one word `ab c`). An unterminated quote is an error.
 */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    while (i < input.length && isSpace(input[i]!)) i++;
    if (i >= input.length) break;
    const start = i;
    let value = '';
    let quoted = false;
    while (i < input.length && !isSpace(input[i]!)) {
      const ch = input[i]!;
      const close = QUOTES[ch];
      if (close !== undefined) {
        quoted = true;
        const open = i;
        i++;
        let closed = false;
        while (i < input.length) {
          const c = input[i]!;
          if (c === close) {
            closed = true;
            i++;
            break;
          }
          if (c === '\\' && ch === '"' && i + 1 < input.length) {
            value += input[i + 1]!;
            i += 2;
            continue;
          }
          value += c;
          i++;
        }
        if (!closed) throw new CommandSyntaxError(`unterminated quote ${ch} at position ${open + 1}: close it with ${close}`);
        continue;
      }
      value += ch;
      i++;
    }
    tokens.push({ value, quoted, start, end: i });
  }
  return tokens;
}
