import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseHubUrls } from '@parley/client';
import { CliError, ExitCode } from './errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:8787';
export const DEFAULT_TIMEOUT_MS = 30_000;
/** The longest `--timeout` taken: an hour. */
export const MAX_TIMEOUT_MS = 3_600_000;

/** Options every command accepts (set on the root program). */
export interface GlobalOptions {
  url?: string;
  home?: string;
  json?: boolean;
  /** Already checked by the option's parser (program.ts). */
  timeout?: number;
}

export interface ResolvedConfig {
  /** The hub URL as given (one URL, or a comma-separated list): for messages and the cursor file name. */
  url: string;
  /** The hubs to use, checked: one, or several sharing one database that the client fails over between. */
  urls: string[];
  home: string;
  identityPath: string;
  json: boolean;
  timeoutMs: number;
}

/** Flags win over environment variables, which win over defaults. */
export function resolveConfig(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const home = resolve(opts.home ?? env.PARLEY_HOME ?? join(homedir(), '.parley'));
  const url = (opts.url ?? env.PARLEY_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  let urls: string[];
  try {
    urls = parseHubUrls(url);
  } catch (err) {
    throw new CliError(`bad hub URL (--url or PARLEY_URL): ${(err as Error).message}`, ExitCode.Usage);
  }
  return {
    url,
    urls,
    home,
    identityPath: join(home, 'identity.json'),
    json: Boolean(opts.json),
    timeoutMs: opts.timeout ?? DEFAULT_TIMEOUT_MS,
  };
}

/** Cursor file per agent and hub, so `parley daemon` resumes where it left off. */
export function cursorPath(cfg: ResolvedConfig, agentId: string): string {
  const hub = cfg.url.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '_');
  return join(cfg.home, 'cursors', `${agentId}@${hub}.json`);
}
