import type { z } from 'zod';
import { P2PMessage } from './actions/p2p.js';
import { TopicMessage } from './actions/topic.js';
import { byName, defineEvent } from './registry.js';

export const p2pMessageEvent = defineEvent({
  name: 'p2p.message',
  description: 'A direct message for the agent, on its `agent:<id>` stream.',
  data: P2PMessage,
});

export const topicMessageEvent = defineEvent({
  name: 'topic.message',
  description: 'A message published to a topic, on its `topic:<id>` stream.',
  data: TopicMessage,
});

/** Every push event of the protocol, keyed by name. */
export const events = byName([p2pMessageEvent, topicMessageEvent]);

export type Events = typeof events;
export type EventName = keyof Events;
export type EventDataOf<E extends EventName> = z.output<Events[E]['data']>;

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}
