import type { Logger } from 'pino';
import { RedisBus } from '../bus/redis.js';
import type { Auth } from '../core/auth.js';
import type { AddressLimits, RateLimiter } from '../core/rate-limit.js';
import type { SessionRegistry } from '../core/sessions.js';
import type { Streams } from '../core/streams.js';
import type { ResolvedConfig } from '../config.js';
import { Lease } from './lease.js';
import { ClusterLink } from './link.js';
import { ClusterPresence } from './presence.js';
import { SharedRateLimits } from './rate-limit.js';

export type ClusterConfig = NonNullable<ResolvedConfig['cluster']>;

/**
 * What a hub shares with the other hubs of its cluster, all through one
 * Redis: fan-out (bus/redis.ts), presence and the session cap
 * (presence.ts), rate limits (rate-limit.ts), the timer lease (lease.ts),
 * and revoked tokens (a broadcast: each hub ends what they opened on it).
 */
export class Cluster {
  readonly link: ClusterLink;
  readonly presence: ClusterPresence;
  readonly timers: Lease;
  readonly limits: SharedRateLimits;
  bus: RedisBus | null = null;

  constructor(
    readonly cfg: ClusterConfig,
    private readonly log: Logger,
  ) {
    this.link = new ClusterLink({ url: cfg.redis, prefix: cfg.prefix, log });
    this.presence = new ClusterPresence(this.link, { ttlMs: cfg.ttlMs, log });
    this.timers = new Lease(this.link, 'timers', cfg.ttlMs, log);
    this.limits = new SharedRateLimits(this.link, log);
  }

  /** The bus, before connect(): its channel is subscribed to on connect. */
  makeBus(
    streams: () => Streams,
    sessions: SessionRegistry,
    /** Long polls waiting here, by agent (they hear pushes too). */
    polling: (agentId: string) => boolean,
    onError: (err: unknown, what: string) => void,
    onFilled?: (n: number) => void,
  ): RedisBus {
    this.bus = new RedisBus(this.link, {
      fill: (stream, after, upTo) => streams().refill(stream, after, upTo),
      heads: (names) => streams().heads(names),
      order: { gapMs: this.cfg.busGapMs, maxStreams: 200_000, idleMs: 10 * 60_000, maxHeld: 1000 },
      onError,
      ...(onFilled ? { onFilled } : {}),
      baseline: (msg) => sessions.lowestSent(msg.stream, msg.recipients),
      interested: (agentId) => sessions.of(agentId) !== undefined || polling(agentId),
    });
    return this.bus;
  }

  /** Revocations made here reach every hub; those made elsewhere end what they opened here. */
  shareRevocations(auth: Auth): void {
    this.link.on('revoked', (payload) => {
      const [hub, agentId, hashes] = payload.split('\t');
      if (hub === this.link.hubId || !agentId || !hashes) return;
      auth.endRevoked(agentId, new Set(hashes.split(',')));
    });
    auth.relay = (agentId, hashes) => {
      this.link.publish('revoked', `${this.link.hubId}\t${agentId}\t${[...hashes].join(',')}`).catch((err: unknown) => {
        this.log.error({ err, agent_id: agentId }, 'revocation not announced to the other hubs: their sessions of these tokens last until they expire');
      });
    };
  }

  shareLimits(perAgent: RateLimiter, perAddress: AddressLimits): void {
    this.limits.attach('agent', perAgent);
    this.limits.attach('addr', perAddress.requests);
    this.limits.attach('register', perAddress.registrations);
    this.limits.attach('token', perAddress.tokens);
    this.limits.attach('login', perAddress.logins);
    this.limits.attach('signup', perAddress.signups);
    this.limits.attach('code', perAddress.codes);
  }

  /** Connects, joins presence (sessions count across hubs from here on) and starts the lease. */
  async start(sessions: SessionRegistry): Promise<void> {
    await this.link.connect();
    sessions.share(this.presence);
    await this.presence.start((agentId, online) => sessions.emit(agentId, online));
    await this.timers.start();
  }

  /** After the hub's sessions are closed and its work drained. */
  async stop(): Promise<void> {
    await this.timers.stop();
    await this.limits.close();
    await this.presence.stop();
    await this.bus?.close();
    await this.link.close();
  }
}
