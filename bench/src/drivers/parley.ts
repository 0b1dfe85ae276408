import { MemoryCursorStore, ParleyClient, createIdentity, register, type Identity } from '@parley/client';
import { mapLimit } from '../stats.js';
import { CONNECT_TIMEOUT_MS, withTimeout, type Conn, type Driver } from './driver.js';

/** Parley through its own SDK, as users run it: real actions, durable pushes, auto-ack, resume on reconnect. */
export class ParleyDriver implements Driver {
  private ids: Identity[] = [];

  constructor(private readonly url: string) {}

  async prepare(n: number): Promise<void> {
    this.ids = Array.from({ length: n }, () => createIdentity());
    await mapLimit(n, 16, (i) => register(this.url, this.ids[i]!, { name: `bench-${i}` }));
  }

  async open(i: number, url: string): Promise<Conn> {
    const identity = this.ids[i];
    if (!identity) throw new Error(`identity ${i} was not prepared`);
    const client = new ParleyClient({ url, identity, cursorStore: new MemoryCursorStore() });
    await withTimeout(client.connect(), CONNECT_TIMEOUT_MS, `parley connect #${i}`);
    return new ParleyConn(client, this.ids);
  }

  async createRoom(owner: Conn): Promise<string> {
    const { topic_id } = await (owner as ParleyConn).client.call('topic/create', { name: 'bench', type: 'discussion' });
    return topic_id;
  }
}

class ParleyConn implements Conn {
  constructor(
    readonly client: ParleyClient,
    private readonly ids: Identity[],
  ) {}

  get connected(): boolean {
    return this.client.state === 'connected';
  }

  request(to: number): Promise<void> {
    return this.send(to, 'ping');
  }

  async send(to: number, content: string): Promise<void> {
    await this.client.call('p2p/send', { to: this.ids[to]!.agentId, content });
  }

  async join(room: string): Promise<void> {
    await this.client.call('topic/join', { topic_id: room });
  }

  async publish(room: string, content: string): Promise<void> {
    await this.client.call('topic/publish', { topic_id: room, content });
  }

  onMessage(cb: (content: string) => void): void {
    this.client.on('p2p.message', (m) => cb(m.content));
    this.client.on('topic.message', (m) => cb(m.content));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
