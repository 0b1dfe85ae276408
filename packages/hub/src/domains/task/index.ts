export { TaskService, type WorkPeers } from './service.js';
export { PipelineService } from './pipelines.js';
export { workHandlers } from './handlers.js';
