import type { Command } from 'commander';
import { resolveConfig, type GlobalOptions, type ResolvedConfig } from './config.js';
import { createOutput, type Output } from './output.js';

/** What a command needs from the root program: its resolved config and output. */
export interface Context {
  config(): ResolvedConfig;
  output(): Output;
}

export function createContext(program: Command): Context {
  return {
    config: () => resolveConfig(program.opts<GlobalOptions>()),
    output: () => createOutput(Boolean(program.opts<GlobalOptions>().json)),
  };
}
