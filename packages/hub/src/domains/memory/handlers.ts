import type { HandlerMap } from '../../core/dispatcher.js';
import type { MemoryService } from './service.js';

export function memoryHandlers(svc: MemoryService): Pick<HandlerMap, 'memory/export' | 'memory/read' | 'memory/list' | 'memory/delete'> {
  return {
    'memory/export': (p, ctx) => svc.export(ctx.agentId, p),
    'memory/read': (p, ctx) => svc.read(ctx.agentId, p),
    'memory/list': (p, ctx) => svc.list(ctx.agentId, p),
    'memory/delete': (p, ctx) => svc.delete(ctx.agentId, p.name),
  };
}
