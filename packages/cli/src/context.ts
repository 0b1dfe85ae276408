import type { Command } from 'commander';
import { resolveConfig, type GlobalOptions, type ResolvedConfig } from './config.js';
import { readAll, type CliIO } from './io.js';
import { createOutput, type Output } from './output.js';

/** What a command needs from the root program: its resolved config, output and input. */
export interface Context {
  config(): ResolvedConfig;
  output(): Output;
  /** All of stdin, for `-` in place of an argument. */
  readStdin(): Promise<string>;
  readonly io: CliIO;
}

export function createContext(program: Command, io: CliIO): Context {
  return {
    config: () => resolveConfig(program.opts<GlobalOptions>(), io.env),
    output: () => createOutput(Boolean(program.opts<GlobalOptions>().json), io),
    readStdin: () => readAll(io.stdin),
    io,
  };
}
