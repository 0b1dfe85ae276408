export { SkillRegistry } from './registry.js';
export { skillHandlers } from './handlers.js';
export { registerSkillDownloads } from './http.js';
