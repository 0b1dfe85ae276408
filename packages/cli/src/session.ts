import { ParleyClient, type Identity } from '@parley/client';
import { loadIdentity } from '@parley/client/node';
import { existsSync } from 'node:fs';
import type { ResolvedConfig } from './config.js';
import { CliError, ExitCode } from './errors.js';

export async function requireIdentity(cfg: ResolvedConfig): Promise<Identity> {
  if (!existsSync(cfg.identityPath)) {
    throw new CliError(
      `no identity at ${cfg.identityPath}: run "parley register" first (or set PARLEY_HOME)`,
      ExitCode.NoIdentity,
    );
  }
  return loadIdentity(cfg.identityPath);
}

/**
 * One short-lived connection for a one-shot command. No reconnect: a command
 * that cannot reach the hub should fail fast with a clear message.
 */
export async function withClient<T>(cfg: ResolvedConfig, fn: (client: ParleyClient) => Promise<T>): Promise<T> {
  const identity = await requireIdentity(cfg);
  const client = new ParleyClient({
    url: cfg.urls,
    identity,
    requestTimeoutMs: cfg.timeoutMs,
    reconnect: { enabled: false },
    autoAck: false,
  });
  try {
    await connectWithin(client, cfg.url, cfg.timeoutMs);
    return await fn(client);
  } finally {
    await client.close();
  }
}

async function connectWithin(client: ParleyClient, url: string, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CliError(`cannot reach the hub at ${url}: no connection after ${timeoutMs} ms`, ExitCode.Unreachable)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([client.connect(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
