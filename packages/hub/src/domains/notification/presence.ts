import { agentStream, type EventDataOf } from '@parley/protocol';
import type { Logger } from 'pino';
import { iso } from '../../core/ids.js';
import type { Streams } from '../../core/streams.js';
import type { TopicService } from '../topic/index.js';
import type { NotificationService } from './service.js';

/** What presence pushes need from the other domains. */
export type CoMembers = Pick<TopicService, 'coMemberIds' | 'coMembersAmong'>;
export type PresenceListeners = Pick<NotificationService, 'receiversOf' | 'optedIn'>;

/**
 * `agent.presence` pushes: when an agent's first session opens or its last one
 * closes, every agent sharing a topic with it that switched the event on hears
 * of it on its own agent stream. Runs beside the connection, never in it: the
 * session registry reports the change and carries on; a failure here is
 * logged and costs nothing but the push.
 */
export class PresenceNotifier {
  /** Per agent, the end of its chain of pending announcements: online and offline go out in the order they happened. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly streams: Streams,
    private readonly topics: CoMembers,
    private readonly settings: PresenceListeners,
    private readonly log: Logger,
  ) {}

  /** Told by the session registry; never throws and never waits. */
  changed(agentId: string, online: boolean): void {
    const at = Date.now();
    const prev = this.tails.get(agentId) ?? Promise.resolve();
    const next = prev
      .then(() => this.announce(agentId, online, at))
      .catch((err: unknown) => this.log.warn({ err, agent_id: agentId, online }, 'presence push failed'))
      .finally(() => {
        if (this.tails.get(agentId) === next) this.tails.delete(agentId);
      });
    this.tails.set(agentId, next);
  }

  /**
   * Who hears of the agent's presence. The event is off by default, so start
   * from those who switched it on (usually nobody: one index probe) and keep
   * the ones sharing a topic with the agent. A reconnect storm of agents in
   * big topics then costs no more per connection than in small ones; listing
   * every co-member first made it grow with the square of the topic's size.
   */
  private async receivers(agentId: string): Promise<string[]> {
    const listeners = await this.settings.optedIn('agent.presence');
    if (listeners !== null) return listeners.length === 0 ? [] : this.topics.coMembersAmong(agentId, listeners);
    const coMembers = await this.topics.coMemberIds(agentId);
    return coMembers.length === 0 ? [] : this.settings.receiversOf('agent.presence', coMembers);
  }

  /** Resolves once every announcement queued so far has been stored (shutdown waits for it before closing the store). */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  private async announce(agentId: string, online: boolean, at: number): Promise<void> {
    const receivers = await this.receivers(agentId);
    if (receivers.length === 0) return;
    const data: EventDataOf<'agent.presence'> = { agent_id: agentId, online, at: iso(at) };
    // One writer job each; they share a commit.
    await Promise.all(receivers.map((r) => this.streams.append(agentStream(r), 'agent.presence', () => data)));
  }
}
