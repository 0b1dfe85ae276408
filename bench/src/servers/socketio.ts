import { hostSocketIo } from './socketio-hub.js';

// Socket.IO with no persistence: a message lives only as long as its emit.
hostSocketIo();
