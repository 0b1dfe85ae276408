import type { ActionName } from '@parley/protocol';
import type { HandlerMap } from '../../core/dispatcher.js';
import type { SkillRegistry } from './registry.js';

type SkillActions = Extract<ActionName, `skill/${string}`>;

export function skillHandlers(skills: SkillRegistry): Pick<HandlerMap, SkillActions> {
  return {
    'skill/publish': (p, ctx) => skills.publish(ctx.agentId, p),
    'skill/list': (p) => skills.list(p),
    'skill/get': (p) => skills.get(p.name, p.version),
    'skill/versions': (p) => skills.versions(p),
    'skill/download': (p) => skills.download(p.name, p.version, p.format),
  };
}
