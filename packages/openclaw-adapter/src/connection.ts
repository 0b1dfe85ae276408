// The service's one connection to the hub: the agent's identity (created and
// registered on first start), a ParleyClient with reconnect and resume, and
// cursors in a file next to the identity so resume survives a gateway restart.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ParleyClient, register, type Identity } from '@parley/client';
import { createIdentity, FileCursorStore, loadIdentity, saveIdentity } from '@parley/client/node';
import type { GapInfo, PushFrame } from '@parley/client';
import { hubUrlText, type ResolvedConfig } from './config.js';
import { NotConnectedError } from './errors.js';
import type { PluginLogger } from './openclaw-types.js';

export interface ConnectionEvents {
  onPush(frame: PushFrame): void;
  onGap(info: GapInfo): void;
  onConnected(): void;
  onDisconnected?(): void;
}

/** The files of one agent: identity, and next to it the cursors and the chat route. */
export function agentFiles(identityPath: string): { identityPath: string; cursorPath: string; routePath: string } {
  const dir = dirname(identityPath);
  return { identityPath, cursorPath: join(dir, 'cursors.json'), routePath: join(dir, 'route.json') };
}

export class ParleyConnection {
  readonly #config: ResolvedConfig;
  readonly #logger: PluginLogger;
  readonly identityPath: string;
  readonly cursorPath: string;
  #identity: Identity | null = null;
  #client: ParleyClient | null = null;
  #registering: Promise<void> | null = null;
  #name: string | null = null;
  #stopped = false;

  constructor(config: ResolvedConfig, identityPath: string, logger: PluginLogger) {
    this.#config = config;
    this.#logger = logger;
    const files = agentFiles(identityPath);
    this.identityPath = files.identityPath;
    this.cursorPath = files.cursorPath;
  }

  get agentId(): string | null {
    return this.#identity?.agentId ?? null;
  }

  /** The agent's name as the hub knows it (fetched on each connect), else the configured one. */
  get agentName(): string | null {
    return this.#name ?? this.#config.agentName ?? null;
  }

  get client(): ParleyClient | null {
    return this.#client;
  }

  get state(): string {
    if (this.#stopped) return 'stopped';
    return this.#client?.state ?? 'starting';
  }

  /** Loads or creates the identity, registers a new one, and starts connecting (resolves without waiting for the hub). */
  async start(events: ConnectionEvents): Promise<void> {
    const created = !existsSync(this.identityPath);
    if (created) {
      const identity = createIdentity();
      await saveIdentity(this.identityPath, identity);
      this.#identity = identity;
      this.#logger.info(`parley: created identity ${identity.agentId} at ${this.identityPath}`);
      await this.#register('first start');
    } else {
      this.#identity = await loadIdentity(this.identityPath);
    }
    if (this.#stopped) return;
    const { reconnect, requestTimeoutMs, hubUrl } = this.#config;
    const client = new ParleyClient({
      url: hubUrl,
      identity: this.#identity,
      cursorStore: new FileCursorStore(this.cursorPath),
      reconnect: { ...reconnect, enabled: true },
      requestTimeoutMs,
      // The router acks what reached the chat; the rest stays unread for "poll".
      autoAck: false,
    });
    this.#client = client;
    client.on('push', (frame) => events.onPush(frame));
    client.on('gap', (info) => events.onGap(info));
    client.on('connected', () => {
      this.#logger.info(`parley: connected to ${client.url} as ${client.agentId}`);
      client.call('agent/whoami', {}).then(
        (me) => {
          this.#name = me.name;
        },
        () => undefined,
      );
      events.onConnected();
    });
    client.on('disconnected', (info) => {
      // stop() closes the client on purpose (a gateway stop or restart): that is not a dropped connection.
      if (this.#stopped) this.#logger.info(`parley: disconnected from ${client.url} (service stopped)`);
      else this.#logger.warn(`parley: disconnected from ${client.url} (${info.code} ${info.reason}); reconnecting`);
      events.onDisconnected?.();
    });
    client.on('error', (err) => {
      const code = (err as { code?: unknown }).code;
      if (code === 'unauthorized') {
        // The hub does not know this key (a new hub, or a wiped one): register it again; the reconnect loop retries.
        void this.#register('hub refused authentication');
        return;
      }
      this.#logger.debug?.(`parley: ${err.message}`);
    });
    // Resolves once connected; rejects only when closed. Retries by itself while the hub is unreachable.
    client.connect().catch(() => undefined);
  }

  /** Registration is idempotent per key; a failure is logged and retried on the next refused authentication. */
  #register(why: string): Promise<void> {
    const identity = this.#identity;
    if (!identity || this.#stopped) return Promise.resolve();
    this.#registering ??= (async () => {
      try {
        const name = this.#config.agentName;
        await register(this.#config.hubUrl, identity, name ? { name } : {});
        this.#logger.info(`parley: registered ${identity.agentId} with ${hubUrlText(this.#config.hubUrl)} (${why})`);
      } catch (err) {
        this.#logger.warn(`parley: could not register ${identity.agentId} with ${hubUrlText(this.#config.hubUrl)}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.#registering = null;
      }
    })();
    return this.#registering;
  }

  /** The client, when it is connected right now. */
  connected(): ParleyClient {
    const c = this.#client;
    if (!c || this.#stopped) throw new NotConnectedError(`the Parley service is not running (hub ${hubUrlText(this.#config.hubUrl)})`);
    if (c.state !== 'connected') throw new NotConnectedError(`not connected to the Parley hub at ${c.url} (state: ${c.state})`);
    return c;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const c = this.#client;
    this.#client = null;
    await this.#registering;
    await c?.close();
  }
}
