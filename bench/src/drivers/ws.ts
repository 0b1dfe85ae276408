import { WebSocket } from 'ws';
import { tokenFor } from '../servers/token.js';
import { CONNECT_TIMEOUT_MS, withTimeout, type Conn, type Driver } from './driver.js';

/** Raw ws: correlation by id, and a reconnect loop of its own (ws has none) for the storm. */
export class WsDriver implements Driver {
  async prepare(): Promise<void> {}

  async open(i: number, url: string): Promise<Conn> {
    const conn = new WsConn(`${url.replace(/^http/, 'ws')}/?name=bench-${i}&token=${tokenFor(`bench-${i}`)}`);
    await withTimeout(conn.opened(), CONNECT_TIMEOUT_MS, `ws connect #${i}`);
    return conn;
  }

  async createRoom(): Promise<string> {
    return 'bench';
  }
}

class WsConn implements Conn {
  private ws!: WebSocket;
  private nextId = 1;
  private readonly pending = new Map<number, () => void>();
  private readonly listeners: Array<(content: string) => void> = [];
  private subscribed = false;
  private closed = false;
  private open!: Promise<void>;

  constructor(private readonly address: string) {
    this.dial();
  }

  opened(): Promise<void> {
    return this.open;
  }

  get connected(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  private dial(): void {
    const ws = (this.ws = new WebSocket(this.address));
    this.open = new Promise((resolve, reject) => {
      ws.once('open', () => {
        if (this.subscribed) ws.send(JSON.stringify({ op: 'sub', id: 0 }));
        resolve();
      });
      ws.once('error', reject);
    });
    this.open.catch(() => undefined);
    // A failed dial also emits 'close', which schedules the next attempt.
    ws.on('error', () => undefined);
    ws.on('message', (data) => this.onFrame(data.toString()));
    ws.on('close', () => {
      if (this.closed) return;
      // Same shape as Socket.IO's default: about a second, randomised.
      setTimeout(() => this.dial(), 500 + Math.random() * 1000);
    });
  }

  private onFrame(text: string): void {
    if (text.charCodeAt(0) !== 123 /* '{' */) {
      for (const l of this.listeners) l(text);
      return;
    }
    const { id } = JSON.parse(text) as { id: number };
    const done = this.pending.get(id);
    this.pending.delete(id);
    done?.();
  }

  private roundTrip(frame: Record<string, unknown>): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  request(): Promise<void> {
    return this.roundTrip({ op: 'echo', data: 'ping' });
  }

  async join(): Promise<void> {
    this.subscribed = true;
    await this.roundTrip({ op: 'sub' });
  }

  publish(_room: string, content: string): Promise<void> {
    return this.roundTrip({ op: 'pub', data: content });
  }

  onMessage(cb: (content: string) => void): void {
    this.listeners.push(cb);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.ws.close();
  }
}
