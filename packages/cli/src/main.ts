import { CommanderError, type Command } from 'commander';
import { ExitCode, toCliError } from './errors.js';
import { processIO, type CliIO } from './io.js';
import { buildProgram, helpHint } from './program.js';

/**
 * Runs one `parley` command line (without the `node parley` prefix) and
 * returns its exit code. Never throws: whatever goes wrong ends as one line
 * on stderr and an exit code from errors.ts. The binary (bin.ts) is this plus
 * `process.exitCode`; tests call it in-process with a memory IO.
 */
export async function runParley(args: readonly string[], io: CliIO = processIO()): Promise<ExitCode> {
  const program = buildProgram(io);
  // The command whose action runs, so a usage error found there points at its help.
  let active: Command = program;
  program.hook('preAction', (_root, actionCommand) => {
    active = actionCommand;
  });
  try {
    await program.parseAsync([...args], { from: 'user' });
    return ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version output are not failures; usage errors were already printed (program.ts adds the hint).
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    const e = toCliError(err);
    io.writeErr(`parley: ${e.message}${e.exitCode === ExitCode.Usage ? ` ${helpHint(active)}` : ''}\n`);
    return e.exitCode;
  }
}
