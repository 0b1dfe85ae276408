export { NotificationService } from './service.js';
export { notificationHandlers } from './handlers.js';
