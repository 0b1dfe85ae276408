export { SkillRegistry } from './registry.js';
export { skillHandlers } from './handlers.js';
export { JUJI_SKILL_DOWNLOAD_ROUTE, registerSkillDownloads } from './http.js';
