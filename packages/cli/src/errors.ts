/**
 * Exit codes of `parley`, documented in the README. Scripts branch on these,
 * so they never change meaning.
 */
export const ExitCode = {
  Ok: 0,
  /** The hub answered with an error (not_found, forbidden, ...). */
  Failed: 1,
  /** The command line or its input (e.g. JSON params) is wrong. */
  Usage: 2,
  /** The hub could not be reached, or the connection was lost. */
  Unreachable: 3,
  /** No identity yet: run `parley register` first. */
  NoIdentity: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that already knows its one-line message and exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Map anything thrown by the client or the network to a one-line message and an exit code. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (code === 'connection_closed' || code === 'ECONNREFUSED' || code === 'ENOTFOUND' || isFetchFailure(err)) {
      return new CliError(`cannot reach the hub: ${describeCause(err)}`, ExitCode.Unreachable);
    }
    if (code === 'timeout') return new CliError(`timed out: ${err.message}`, ExitCode.Unreachable);
    if (typeof code === 'string') return new CliError(`${code}: ${err.message}`, ExitCode.Failed);
    return new CliError(err.message, ExitCode.Failed);
  }
  return new CliError(String(err), ExitCode.Failed);
}

function isFetchFailure(err: Error): boolean {
  return err instanceof TypeError && /fetch failed/i.test(err.message);
}

function describeCause(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message) return cause.message;
  return err.message;
}
