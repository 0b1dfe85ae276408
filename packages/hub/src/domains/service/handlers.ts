import type { HandlerMap } from '../../core/dispatcher.js';
import type { Services } from './services.js';

type ServiceActions = 'service/register' | 'service/unregister' | 'service/list' | 'service/get' | 'service/call';

export function serviceHandlers(services: Services): Pick<HandlerMap, ServiceActions> {
  const { registry, calls } = services;
  return {
    'service/register': (p, ctx) => registry.register(ctx.agentId, p),
    'service/unregister': (p, ctx) => registry.unregister(ctx.agentId, p),
    'service/list': (p) => registry.list(p),
    'service/get': (p) => registry.get(p),
    'service/call': (p, ctx) => calls.call(ctx.agentId, p),
  };
}
