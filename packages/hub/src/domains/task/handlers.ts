import type { ActionName } from '@parley/protocol';
import type { HandlerMap } from '../../core/dispatcher.js';
import type { PipelineService } from './pipelines.js';
import type { TaskService } from './service.js';

type WorkActions = Extract<ActionName, `task/${string}` | `pipeline/${string}`>;

export function workHandlers(tasks: TaskService, pipelines: PipelineService): Pick<HandlerMap, WorkActions> {
  return {
    'task/create': (p, ctx) => tasks.create(ctx.agentId, p),
    'task/get': (p, ctx) => tasks.get(ctx.agentId, p.task_id),
    'task/list': (p, ctx) => tasks.list(ctx.agentId, p),
    'task/update': (p, ctx) => tasks.update(ctx.agentId, p),
    'task/cancel': (p, ctx) => tasks.cancel(ctx.agentId, p),
    'task/assign': (p, ctx) => tasks.assign(ctx.agentId, p),
    'task/join': (p, ctx) => tasks.join(ctx.agentId, p.task_id),
    'task/start': (p, ctx) => tasks.start(ctx.agentId, p.task_id),
    'task/progress': (p, ctx) => tasks.progress(ctx.agentId, p),
    'task/submit': (p, ctx) => tasks.submit(ctx.agentId, p),
    'task/review': (p, ctx) => tasks.review(ctx.agentId, p),
    'task/block': (p, ctx) => tasks.block(ctx.agentId, p),
    'task/unblock': (p, ctx) => tasks.unblock(ctx.agentId, p),
    'task/works': (p, ctx) => tasks.works(ctx.agentId, p),
    'task/timeline': (p, ctx) => tasks.timeline(ctx.agentId, p),
    'task/dependencies/add': (p, ctx) => tasks.addDependency(ctx.agentId, p),
    'task/dependencies/remove': (p, ctx) => tasks.removeDependency(ctx.agentId, p),
    'task/graph': (p, ctx) => pipelines.graph(ctx.agentId, p.pipeline_id),
    'pipeline/create': (p, ctx) => pipelines.create(ctx.agentId, p),
    'pipeline/get': (p) => pipelines.get(p.pipeline_id),
    'pipeline/list': (p, ctx) => pipelines.list(ctx.agentId, p),
    'pipeline/update': (p, ctx) => pipelines.update(ctx.agentId, p),
    'pipeline/delete': (p, ctx) => pipelines.delete(ctx.agentId, p.pipeline_id),
    'pipeline/add': (p, ctx) => pipelines.add(ctx.agentId, p),
    'pipeline/run': (p, ctx) => pipelines.run(ctx.agentId, p.pipeline_id),
    'pipeline/status': (p, ctx) => pipelines.statusFor(ctx.agentId, p.pipeline_id),
  };
}
