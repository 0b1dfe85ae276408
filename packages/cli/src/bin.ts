import { CommanderError } from 'commander';
import { ExitCode, toCliError } from './errors.js';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version output are not failures; usage errors were already printed.
      process.exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
      return;
    }
    const e = toCliError(err);
    process.stderr.write(`parley: ${e.message}\n`);
    process.exitCode = e.exitCode;
  }
}

void main(process.argv);
