import { CliError, ExitCode } from './errors.js';

/** `--limit` as the hub's list actions take it: an integer from 1 to 200. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new CliError(`--limit must be an integer from 1 to 200, got "${value}"`, ExitCode.Usage);
  return n;
}

/** An id argument checked against its protocol schema, so a typo fails here and not at the hub. */
export function parseId(schema: { safeParse(v: unknown): { success: boolean } }, value: string, what: string): string {
  if (!schema.safeParse(value).success) throw new CliError(`"${value}" is not ${what}`, ExitCode.Usage);
  return value;
}

/** A flag that takes one of a fixed set of values. */
export function choice<T extends string>(options: readonly T[], value: string, flag: string): T {
  const found = options.find((o) => o === value);
  if (found === undefined) throw new CliError(`${flag} must be one of ${options.join(', ')}, got "${value}"`, ExitCode.Usage);
  return found;
}
