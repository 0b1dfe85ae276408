export { buildProgram, VERSION } from './program.js';
export { ExitCode, CliError } from './errors.js';
export { resolveConfig, DEFAULT_URL, type ResolvedConfig } from './config.js';
