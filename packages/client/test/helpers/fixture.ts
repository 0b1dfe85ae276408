import type { RunningHub } from '@parley/hub';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { closeClients, hub } from './env.js';
import { startProxy, type TestProxy } from './proxy.js';

/**
 * The usual test fixture: one real hub for the file, a controllable proxy in
 * front of it, reset after every test, and every client closed.
 */
export function useHubBehindProxy(): { readonly hub: RunningHub; readonly proxy: TestProxy } {
  let h: RunningHub | undefined;
  let p: TestProxy | undefined;
  beforeAll(async () => {
    h = await hub();
    p = await startProxy(h.port);
  });
  afterAll(async () => {
    await p?.close();
    await h?.close();
  });
  afterEach(async () => {
    p?.setBlocked(false);
    p?.setRefuseUpgrades(false);
    await closeClients();
  });
  return {
    get hub() {
      if (!h) throw new Error('hub fixture used outside a test');
      return h;
    },
    get proxy() {
      if (!p) throw new Error('proxy fixture used outside a test');
      return p;
    },
  };
}
