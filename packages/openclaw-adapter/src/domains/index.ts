// Every domain module, in the order their commands appear in help. A later
// domain is one new file in this folder plus one line here: its tools,
// commands and push formatters are picked up from the module.
import type { ParleyDomain } from '../domain.js';
import { agentsDomain } from './agents.js';
import { chatDomain } from './chat.js';
import { contentDomain } from './content.js';
import { delegateDomain } from './delegate.js';
import { economyDomain } from './economy.js';
import { governanceDomain } from './governance.js';
import { inboxDomain } from './inbox.js';
import { memoryDomain } from './memory.js';
import { messagesDomain } from './messages.js';
import { moderationDomain } from './moderation.js';
import { notificationsDomain } from './notifications.js';
import { p2pDomain } from './p2p.js';
import { peopleDomain } from './people.js';
import { pipelinesDomain } from './pipelines.js';
import { settingsDomain } from './settings.js';
import { servicesDomain } from './services.js';
import { skillsDomain } from './skills.js';
import { talkDomain } from './talk.js';
import { tasksDomain } from './tasks.js';
import { topicsDomain } from './topics.js';
import { worldsDomain } from './worlds.js';

export const DOMAINS: readonly ParleyDomain[] = [
  topicsDomain,
  messagesDomain,
  moderationDomain,
  p2pDomain,
  inboxDomain,
  notificationsDomain,
  talkDomain,
  memoryDomain,
  tasksDomain,
  pipelinesDomain,
  delegateDomain,
  worldsDomain,
  chatDomain,
  governanceDomain,
  economyDomain,
  contentDomain,
  skillsDomain,
  servicesDomain,
  agentsDomain,
  peopleDomain,
  settingsDomain,
];
