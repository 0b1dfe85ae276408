import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * One hub's connections to the cluster's Redis: one for commands and one
 * for subscriptions (a subscribed connection can do nothing else).
 *
 * Redis holds only what is shared and short-lived: the bus, presence, rate
 * buckets and leases. Nothing acknowledged lives only there: every push is
 * in PostgreSQL before it is published, so a Redis that restarts empty costs
 * a gap fill (bus/inbound-order.ts) and a re-announcement of presence, never
 * data. `onReady` listeners run on every (re)connection of the subscriber,
 * after its subscriptions are back: that is when a hub re-announces what
 * Redis may have forgotten and looks for what it may have missed.
 */
export interface ClusterLinkOptions {
  url: string;
  /** Put before every key and channel: several deployments (or test runs) can share one Redis. */
  prefix: string;
  log: Logger;
}

export type ChannelHandler = (payload: string) => void;

export class ClusterLink {
  /** This hub process, as other hubs and Redis know it. */
  readonly hubId = 'hub_' + randomBytes(8).toString('hex');
  readonly prefix: string;
  readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly handlers = new Map<string, ChannelHandler>();
  private readonly readyListeners: Array<() => void> = [];
  private readonly log: Logger;
  private closed = false;
  private everReady = false;

  constructor(opts: ClusterLinkOptions) {
    this.prefix = opts.prefix;
    this.log = opts.log;
    const common = {
      // Reconnect for good, backing off to 2 s: a hub outlives a Redis restart.
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
      lazyConnect: true,
      // A Redis that stops answering over a half-open connection is noticed, not waited on for ever.
      keepAlive: 10_000,
      // CLIENT LIST names the deployment and the hub (no spaces allowed in a name).
      connectionName: `${opts.prefix}${this.hubId}`.replace(/\s/g, '_'),
    };
    // A command waits while Redis is away (offline queue) but fails after a few retries rather than hang a request.
    this.cmd = new Redis(opts.url, { ...common, maxRetriesPerRequest: 2, commandTimeout: 5000 });
    this.sub = new Redis(opts.url, { ...common, maxRetriesPerRequest: null });
    this.sub.on('message', (channel: string, payload: string) => {
      const handler = this.handlers.get(channel);
      if (!handler) return;
      try {
        handler(payload);
      } catch (err) {
        this.log.error({ err, channel }, 'cluster message handler failed');
      }
    });
    this.sub.on('ready', () => {
      if (!this.everReady || this.closed) return;
      this.log.warn('redis subscriber reconnected: resynchronising');
      // ioredis sends the subscriptions again right after 'ready'; a PING behind them on the same
      // connection answers once they are in place, so nothing published from then on is missed.
      setImmediate(() => {
        this.sub.ping().then(
          () => {
            for (const fn of this.readyListeners) fn();
          },
          (err: unknown) => this.log.warn({ err }, 'redis subscriber ping after reconnect failed'),
        );
      });
    });
    for (const conn of [this.cmd, this.sub]) {
      conn.on('error', (err: Error) => {
        if (!this.closed) this.log.warn({ err: err.message }, 'redis connection error');
      });
    }
  }

  /** Connects both connections and subscribes to every channel asked for so far. */
  async connect(): Promise<void> {
    try {
      await Promise.all([this.cmd.connect(), this.sub.connect()]);
    } catch (err) {
      this.cmd.disconnect();
      this.sub.disconnect();
      throw new Error(`Redis is not reachable at ${redact(this.cmd.options)} (${(err as Error).message})`, { cause: err });
    }
    if (this.handlers.size > 0) await this.sub.subscribe(...this.handlers.keys());
    this.everReady = true;
  }

  key(name: string): string {
    return this.prefix + name;
  }

  /** Call before connect(): the subscription is made (and remade after a reconnect) by the subscriber. */
  on(channel: string, handler: ChannelHandler): void {
    this.handlers.set(this.key(channel), handler);
  }

  /** After every reconnection of the subscriber (not the first connection). */
  onReady(fn: () => void): void {
    this.readyListeners.push(fn);
  }

  publish(channel: string, payload: string): Promise<number> {
    return this.cmd.publish(this.key(channel), payload);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.cmd.quit(), this.sub.quit()]);
    this.cmd.disconnect();
    this.sub.disconnect();
  }
}

function redact(o: { host?: string; port?: number }): string {
  return `${o.host ?? '?'}:${o.port ?? '?'}`;
}
