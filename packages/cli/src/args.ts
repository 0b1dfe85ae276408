import { CliError, ExitCode } from './errors.js';

/** `--limit` as the hub's list actions take it: an integer from 1 to 200. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new CliError(`--limit must be an integer from 1 to 200, got "${value}"`, ExitCode.Usage);
  return n;
}
