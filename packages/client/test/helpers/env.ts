import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub, type HubOptions, type RunningHub } from '@parley/hub';
import { onTestStore } from '@parley/hub/testing';
import type { TokenCredentials } from '../../src/auth.js';
import { ParleyClient } from '../../src/client.js';
import { createIdentity, type Identity } from '../../src/identity.js';
import { register } from '../../src/registration.js';
import type { ParleyClientEvents, ParleyClientOptions } from '../../src/types.js';
import type { HubUrls } from '../../src/url.js';

/**
 * A hub on a free port, on the suite's store (@parley/hub/testing: SQLite, or
 * PostgreSQL with PARLEY_TEST_STORE=postgres). `dataDir` with `dbPath:
 * undefined` (restart tests) names data the next hub with that dataDir finds.
 */
export async function hub(opts: HubOptions = {}): Promise<RunningHub> {
  return startHub({ port: 0, logLevel: 'silent', ...onTestStore(opts) });
}

export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'parley-client-it-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A registered identity on the hub at `url`. */
export async function agent(url: string, name?: string): Promise<Identity> {
  const id = createIdentity();
  await register(url, id, name === undefined ? {} : { name });
  return id;
}

/** Fast reconnects so tests do not wait seconds for a backoff. */
export const FAST_RECONNECT = { initialDelayMs: 50, multiplier: 1.5, maxDelayMs: 250 };

const clients = new Set<ParleyClient>();

export function client(url: HubUrls, identity: Identity, extra: Partial<ParleyClientOptions> = {}): ParleyClient {
  const c = new ParleyClient({ url, identity, reconnect: FAST_RECONNECT, ...extra });
  clients.add(c);
  return c;
}

/** A client acting as the agent with token credentials (an API key, a console token) instead of its key; closed like `client()`'s. */
export function tokenClient(url: HubUrls, credentials: TokenCredentials, extra: Partial<ParleyClientOptions> = {}): ParleyClient {
  const c = new ParleyClient({ url, credentials, reconnect: FAST_RECONNECT, ...extra });
  clients.add(c);
  return c;
}

/** Close every client made by `client()`; call from afterEach. */
export async function closeClients(): Promise<void> {
  await Promise.all([...clients].map((c) => c.close()));
  clients.clear();
}

/** Poll `predicate` until true; fails with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Next emission of `event`, bounded. */
export function nextEvent<E extends keyof ParleyClientEvents>(
  c: ParleyClient,
  event: E,
  timeoutMs = 10_000,
): Promise<Parameters<ParleyClientEvents[E]>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      c.off(event, handler as never);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${String(event)}'`));
    }, timeoutMs);
    const handler = (...args: unknown[]): void => {
      clearTimeout(timer);
      resolve(args as Parameters<ParleyClientEvents[E]>);
    };
    c.once(event, handler as never);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
