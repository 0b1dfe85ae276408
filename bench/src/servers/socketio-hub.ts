import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Server } from 'socket.io';
import { hostServer } from './host.js';
import { tokenFor } from './token.js';

type Ack = (res: unknown) => void;

/** A message as the handlers emit it: to an agent (`to`) or to a room (no `to`). */
export interface ChatMessage {
  message_id: string;
  from: string;
  to?: string;
  content: string;
  sent_at: string;
}

/** Where a message is kept before it is emitted and acknowledged (Socket.IO + SQLite). */
export interface MessageStore {
  /** Synchronous, so nothing else runs between storing a message and emitting it. Throws when it could not store. */
  save(message: ChatMessage, room: string | null): void;
  close(): Promise<void>;
}

/**
 * Socket.IO 4 with default server settings: handlers that do what Parley's
 * actions do (address by agent name, rooms for topics, an acknowledgement
 * with an id and a counter). Without a store that is all (plain Socket.IO,
 * no persistence); with one, each `send` and `publish` stores the message
 * first and only then emits and acknowledges it, as a user adding
 * durability to these handlers would.
 */
export function hostSocketIo(openStore?: () => Promise<MessageStore>): void {
  hostServer(async () => {
    const store = await openStore?.();
    const http = createServer();
    const io = new Server(http);
    let seq = 0;

    /** Stores the message when there is a store; false (and the caller's ack gets an error) when that failed. */
    const stored = (message: ChatMessage, room: string | null): boolean => {
      if (!store) return true;
      try {
        store.save(message, room);
        return true;
      } catch (err) {
        console.error(`    socket.io store: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
    };

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
        const message: ChatMessage = { message_id, from: me, to: p.to, content: p.content, sent_at: new Date().toISOString() };
        if (!stored(message, null)) return ack({ error: 'not stored' });
        io.to('agent:' + p.to).emit('message', message);
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
        const message: ChatMessage = { message_id, from: me, content: p.content, sent_at: new Date().toISOString() };
        if (!stored(message, p.room)) return ack({ error: 'not stored' });
        io.to('room:' + p.room).emit('message', message);
        ack({ message_id, seq: ++seq });
      });
    });

    try {
      await new Promise<void>((resolve, reject) => http.once('error', reject).listen(0, '127.0.0.1', resolve));
    } catch (err) {
      await store?.close();
      throw err;
    }
    return {
      port: (http.address() as AddressInfo).port,
      async close() {
        await new Promise<void>((resolve) => io.close(() => resolve()));
        await store?.close();
      },
    };
  });
}
