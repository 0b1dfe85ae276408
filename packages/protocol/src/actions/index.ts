import type { z } from 'zod';
import { byName } from '../registry.js';
import { accountActions } from './account.js';
import { agentActions } from './agent.js';
import { capabilitiesGet } from './capabilities.js';
import { chatActions } from './chat.js';
import { contentActions } from './content.js';
import { delegateActions } from './delegate.js';
import { economyActions } from './economy.js';
import { feedbackActions } from './feedback.js';
import { governanceActions } from './governance.js';
import { inboxActions } from './inbox.js';
import { memoryActions } from './memory.js';
import { notificationActions } from './notification.js';
import { p2pActions } from './p2p.js';
import { pipelineActions } from './pipeline.js';
import { skillActions } from './skill.js';
import { serviceActions } from './service.js';
import { talkActions } from './talk.js';
import { taskActions } from './task.js';
import { topicMessageActions } from './topic-messages.js';
import { topicActions } from './topic.js';
import { worldActions } from './world.js';

export * from './account.js';
export * from './agent.js';
export * from './capabilities.js';
export * from './chat.js';
export * from './content.js';
export * from './delegate.js';
export * from './economy.js';
export * from './feedback.js';
export * from './governance.js';
export * from './inbox.js';
export * from './memory.js';
export * from './notification.js';
export * from './p2p.js';
export * from './pipeline.js';
export * from './skill.js';
export * from './service.js';
export * from './talk.js';
export * from './task.js';
export * from './topic-messages.js';
export * from './topic.js';
export * from './world.js';

/** Every action of the protocol, keyed by name. Add an action here and it exists everywhere. */
export const actions = byName([
  capabilitiesGet,
  ...agentActions,
  ...accountActions,
  ...p2pActions,
  ...topicActions,
  ...topicMessageActions,
  ...inboxActions,
  ...notificationActions,
  ...talkActions,
  ...memoryActions,
  ...taskActions,
  ...pipelineActions,
  ...delegateActions,
  ...worldActions,
  ...chatActions,
  ...feedbackActions,
  ...governanceActions,
  ...economyActions,
  ...skillActions,
  ...contentActions,
  ...serviceActions,
]);

export type Actions = typeof actions;
export type ActionName = keyof Actions;
/** What a caller passes (defaults may be omitted). */
export type ParamsOf<A extends ActionName> = z.input<Actions[A]['params']>;
/** What a handler receives once the hub has validated and defaulted the params. */
export type ParsedParamsOf<A extends ActionName> = z.output<Actions[A]['params']>;
export type ResultOf<A extends ActionName> = z.output<Actions[A]['result']>;

export function isActionName(name: string): name is ActionName {
  return Object.prototype.hasOwnProperty.call(actions, name);
}
