import { hostSocketIo } from './socketio-hub.js';
import { openSqliteMessages } from './sqlite-messages.js';

// The same Socket.IO handlers, each message inserted into SQLite before it is emitted and acknowledged.
hostSocketIo(openSqliteMessages);
