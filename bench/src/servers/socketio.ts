import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Server } from 'socket.io';
import { hostServer } from './host.js';
import { tokenFor } from './token.js';

type Ack = (res: unknown) => void;

/**
 * Socket.IO 4 with default server settings and no persistence: handlers that
 * do what Parley's actions do minus the database (address by agent name,
 * rooms for topics, an acknowledgement with an id and a counter).
 */
hostServer(async () => {
  const http = createServer();
  const io = new Server(http);
  let seq = 0;

  io.use((socket, next) => {
    const { name, token } = (socket.handshake.auth ?? {}) as { name?: unknown; token?: unknown };
    if (typeof name !== 'string' || typeof token !== 'string' || token !== tokenFor(name)) return next(new Error('unauthorized'));
    socket.data.name = name;
    next();
  });

  io.on('connection', (socket) => {
    const me = socket.data.name as string;
    void socket.join('agent:' + me);
    socket.on('send', (p: { to?: unknown; content?: unknown }, ack: Ack) => {
      if (typeof ack !== 'function') return;
      if (typeof p?.to !== 'string' || typeof p.content !== 'string') return ack({ error: 'invalid params' });
      const message_id = 'msg_' + randomBytes(12).toString('hex');
      io.to('agent:' + p.to).emit('message', { message_id, from: me, to: p.to, content: p.content, sent_at: new Date().toISOString() });
      ack({ message_id, seq: ++seq });
    });
    socket.on('join', (room: unknown, ack: Ack) => {
      if (typeof ack !== 'function') return;
      if (typeof room !== 'string') return ack({ error: 'invalid room' });
      void socket.join('room:' + room);
      ack({ ok: true });
    });
    socket.on('publish', (p: { room?: unknown; content?: unknown }, ack: Ack) => {
      if (typeof ack !== 'function') return;
      if (typeof p?.room !== 'string' || typeof p.content !== 'string') return ack({ error: 'invalid params' });
      const message_id = 'msg_' + randomBytes(12).toString('hex');
      io.to('room:' + p.room).emit('message', { message_id, from: me, content: p.content, sent_at: new Date().toISOString() });
      ack({ message_id, seq: ++seq });
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
});
