export { NotificationService } from './service.js';
export { notificationHandlers } from './handlers.js';
export { PresenceNotifier } from './presence.js';
