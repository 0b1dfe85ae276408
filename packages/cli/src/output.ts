import type { CliIO } from './io.js';

/** Where command output goes: one place, so tests can capture it and --json stays pure. */
export interface Output {
  /** Machine-readable result: JSON with --json, otherwise `human()` text. */
  result(value: unknown, human: () => string): void;
  /** One JSON line on stdout (daemon mode). */
  line(value: unknown): void;
  /** Diagnostics: always stderr, never mixed into results. */
  info(message: string): void;
  /** Raw text on stdout as it comes (a long document, page by page), waiting while the pipe is full. */
  write(text: string): Promise<void>;
}

export function createOutput(json: boolean, io: CliIO): Output {
  return {
    result(value, human) {
      io.writeOut((json ? JSON.stringify(value, null, 2) : human()) + '\n');
    },
    line(value) {
      io.writeOut(JSON.stringify(value) + '\n');
    },
    info(message) {
      io.writeErr(message + '\n');
    },
    async write(text) {
      io.writeOut(text);
      await io.drainOut?.();
    },
  };
}

/** A plain text table: columns padded to their widest cell, two spaces apart. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Text on one line, cut to `max` characters: message previews in tables and listings. */
export function preview(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/** Multi-line content under a header line: continuation lines indented so each item stays readable. */
export function indentBody(text: string, indent = '    '): string {
  return text.replace(/\n/g, `\n${indent}`);
}

/** A page's text, with how to ask for the next one when there is more: `(more: --cursor <cursor>)`. */
export function withMore(text: string, next: string | null | undefined): string {
  return next ? `${text}\n(more: --cursor ${next})` : text;
}
