import { io, type Socket } from 'socket.io-client';
import { tokenFor } from '../servers/token.js';
import { CONNECT_TIMEOUT_MS, withTimeout, type Conn, type Driver } from './driver.js';

/**
 * socket.io-client with default settings except `transports: ['websocket']`
 * (Parley's client also starts on the WebSocket; the default would begin with
 * HTTP long-polling and upgrade) and `forceNew` (one real connection per client).
 */
export class SocketIoDriver implements Driver {
  async prepare(): Promise<void> {}

  async open(i: number, url: string): Promise<Conn> {
    const name = `bench-${i}`;
    const socket = io(url, { transports: ['websocket'], forceNew: true, auth: { name, token: tokenFor(name) } });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (err) => reject(err));
      }),
      CONNECT_TIMEOUT_MS,
      `socket.io connect #${i}`,
    );
    return new SocketIoConn(socket);
  }

  async createRoom(): Promise<string> {
    return 'bench';
  }
}

class SocketIoConn implements Conn {
  private readonly rooms = new Set<string>();

  constructor(private readonly socket: Socket) {
    // Rooms live on the server-side socket, which a reconnect replaces: join again.
    socket.on('connect', () => {
      for (const room of this.rooms) socket.emit('join', room, () => undefined);
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  async request(to: number): Promise<void> {
    check(await this.socket.emitWithAck('send', { to: `bench-${to}`, content: 'ping' }));
  }

  async join(room: string): Promise<void> {
    this.rooms.add(room);
    check(await this.socket.emitWithAck('join', room));
  }

  async publish(room: string, content: string): Promise<void> {
    check(await this.socket.emitWithAck('publish', { room, content }));
  }

  onMessage(cb: (content: string) => void): void {
    this.socket.on('message', (m: { content: string }) => cb(m.content));
  }

  async close(): Promise<void> {
    this.socket.disconnect();
  }
}

function check(res: unknown): void {
  if (typeof res === 'object' && res !== null && 'error' in res) throw new Error(`socket.io: ${String((res as { error: unknown }).error)}`);
}
