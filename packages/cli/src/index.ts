export { buildProgram, VERSION } from './program.js';
export { runParley } from './main.js';
export { memoryIO, processIO, type CliIO } from './io.js';
export { ExitCode, CliError } from './errors.js';
export { resolveConfig, DEFAULT_URL, type ResolvedConfig } from './config.js';
