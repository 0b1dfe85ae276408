import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentity, ParleyClient, register, type Identity } from '@parley/client/node';
import { startHub, type HubOptions, type RunningHub } from '@parley/hub';
import { afterEach, beforeEach } from 'vitest';
import { startBot, type Bot, type BotOptions, type Brain } from '../src/index.js';

/** Quick reconnects, so hub restarts in the tests are short. */
const FAST = { initialDelayMs: 50, multiplier: 1.5, maxDelayMs: 300 };

/** Polls `probe` until it returns something truthy; bounded. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Per test: a hub on a fresh data dir (restartable on the same port, so
 * clients find it again), bots sharing one identity file (a second bot is
 * the first one restarted), other agents, the bot's log lines; everything is
 * closed and removed after the test. `hubOptions` add to the hub's (governance rules).
 */
export function useBotScene(prefix: string, botOptions: Partial<BotOptions> = {}, hubOptions: Partial<HubOptions> = {}) {
  let port = 0;
  const bots: Bot[] = [];
  const clients: ParleyClient[] = [];
  const scene = {
    dir: '',
    hub: undefined as unknown as RunningHub,
    lines: [] as string[],
    /** (Re)starts the hub on the scene's data dir and port. */
    startHub: async (): Promise<RunningHub> => (scene.hub = await startHub({ ...hubOptions, port, dataDir: join(scene.dir, 'hub'), logLevel: 'silent' })),
    /** Starts the bot (again); `options` add to the scene's, for what a test only knows once running (a world's id). */
    bot: async (brain?: Brain, options: Partial<BotOptions> = {}): Promise<Bot> => {
      const b = await startBot({
        url: scene.hub.url,
        identityPath: join(scene.dir, 'bot', 'identity.json'),
        name: 'helper',
        reconnect: FAST,
        log: (l) => scene.lines.push(l),
        ...botOptions,
        ...options,
        ...(brain ? { brain } : {}),
      });
      bots.push(b);
      return b;
    },
    /** Another registered agent; `before` sees its client before it connects (to add listeners). */
    agent: async (name: string, before?: (client: ParleyClient) => void): Promise<{ id: Identity; client: ParleyClient }> => {
      const id = createIdentity();
      await register(scene.hub.url, id, { name });
      const client = new ParleyClient({ url: scene.hub.url, identity: id, reconnect: FAST });
      clients.push(client);
      before?.(client);
      await client.connect();
      return { id, client };
    },
  };

  beforeEach(async () => {
    scene.dir = await mkdtemp(join(tmpdir(), prefix));
    scene.lines.length = 0;
    port = 0;
    await scene.startHub();
    port = scene.hub.port;
  });
  afterEach(async () => {
    for (const b of bots.splice(0)) await b.close();
    for (const c of clients.splice(0)) await c.close();
    await scene.hub.close();
    await rm(scene.dir, { recursive: true, force: true });
  });
  return scene;
}
