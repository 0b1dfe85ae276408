import type { HandlerMap } from '../../core/dispatcher.js';
import type { TalkService } from './service.js';

export function talkHandlers(svc: TalkService): Pick<HandlerMap, 'talk/random'> {
  return { 'talk/random': (p, ctx) => svc.random(ctx.agentId, p) };
}
