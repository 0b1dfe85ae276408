export { MemoryService } from './service.js';
export { memoryHandlers } from './handlers.js';
