import {
  AckPolicy,
  DeliverPolicy,
  StorageType,
  connect,
  nanos,
  nuid,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import { NATS_TOKEN } from '../servers/token.js';
import type { ScenarioName } from '../types.js';
import { CONNECT_TIMEOUT_MS, withTimeout, type Conn, type Driver } from './driver.js';

/**
 * How a JetStream client of each scenario receives. `inbox`: every connection
 * consumes its own subject of the AGENTS stream through a durable consumer
 * (an agent's mailbox that outlives its connection). `topics`: how a joined
 * subscriber reads a topic's stream: `core` is a plain subscription on the
 * stream's subject (live fan-out: nothing kept per subscriber), `durable` a
 * durable consumer per subscriber that resumes where it stopped.
 */
export interface JetStreamMode {
  inbox: boolean;
  topics: 'core' | 'durable';
}

/**
 * Each scenario gets what a user would pick for it: request/response
 * delivers into live durable mailboxes; fan-out is live, so core
 * subscriptions (1,000 consumers would each keep state and read the stream
 * for no gain); the storm is about resuming, so durable consumers;
 * connections are plain authenticated connections. (The cross-hub scenario
 * is Parley's alone.)
 */
export const JETSTREAM_MODES: Record<Exclude<ScenarioName, 'crosshub'>, JetStreamMode> = {
  reqres: { inbox: true, topics: 'core' },
  fanout: { inbox: false, topics: 'core' },
  connections: { inbox: false, topics: 'core' },
  storm: { inbox: false, topics: 'durable' },
};

const AGENTS = 'AGENTS';
const agentSubject = (i: number) => `agent.bench-${i}`;
const topicStream = (room: string) => `TOPIC_${room}`;
const topicSubject = (room: string) => `topic.${room}`;

/** nats.js wants host:port; the harness hands out http://host:port. */
const natsServer = (url: string) => new URL(url).host;

/**
 * How long JetStream waits for an ack before it delivers a message again:
 * its default, 30 s, stated so the storm knows it. A message nats-server
 * wrote into a connection as it was cut is pending until then.
 */
const ACK_WAIT_MS = 30_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const PING = encoder.encode('ping');

/**
 * The `nats` client (v2) with its defaults (a reconnect attempt at most every
 * 2 s plus up to 100 ms, 10 attempts; pull consumers via `consume()`,
 * explicit acks), plus the
 * token nats-server checks. Every publish waits for JetStream's ack (stored
 * in a file-backed stream) and carries a `msgID`, JetStream's dedupe key, as
 * every Parley call carries a u_id.
 */
export class JetStreamDriver implements Driver {
  readonly redeliveryMs = ACK_WAIT_MS;

  constructor(
    private readonly url: string,
    private readonly mode: JetStreamMode,
  ) {}

  async prepare(): Promise<void> {
    if (!this.mode.inbox) return;
    // One stream holds every agent's mailbox, a subject per agent.
    const nc = await dial(this.url, 'bench-admin');
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: AGENTS, subjects: ['agent.*'], storage: StorageType.File });
    } finally {
      await nc.close();
    }
  }

  async open(i: number, url: string): Promise<Conn> {
    const nc = await withTimeout(dial(url, `bench-${i}`), CONNECT_TIMEOUT_MS, `nats connect #${i}`);
    const conn = new JetStreamConn(nc, i, this.mode);
    if (this.mode.inbox) await conn.consume(AGENTS, `bench-${i}`, agentSubject(i));
    return conn;
  }

  async createRoom(owner: Conn): Promise<string> {
    const room = 'bench';
    const jsm = await (owner as JetStreamConn).nc.jetstreamManager();
    await jsm.streams.add({ name: topicStream(room), subjects: [topicSubject(room)], storage: StorageType.File });
    return room;
  }
}

function dial(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: natsServer(url), token: NATS_TOKEN, name });
}

class JetStreamConn implements Conn {
  private readonly js: JetStreamClient;
  private readonly listeners: Array<(content: string) => void> = [];
  private readonly consumers: ConsumerMessages[] = [];
  private up = true;

  constructor(
    readonly nc: NatsConnection,
    private readonly index: number,
    private readonly mode: JetStreamMode,
  ) {
    this.js = nc.jetstream();
    void this.watch();
  }

  /** Follows the connection's state: down from a disconnect until the library's reconnect succeeds. */
  private async watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') this.up = false;
      else if (s.type === 'reconnect') this.up = true;
    }
  }

  get connected(): boolean {
    return this.up && !this.nc.isClosed();
  }

  private deliver = (content: string): void => {
    for (const l of this.listeners) l(content);
  };

  /** Creates (or finds again) the durable consumer `durable` on `subject` and receives from it, acking each message. */
  async consume(stream: string, durable: string, subject: string): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    await jsm.consumers.add(stream, {
      durable_name: durable,
      filter_subject: subject,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ACK_WAIT_MS),
      // Everything stored on the subject from when the consumer is made: nothing is published before.
      deliver_policy: DeliverPolicy.All,
    });
    const consumer = await this.js.consumers.get(stream, durable);
    this.consumers.push(
      await consumer.consume({
        callback: (m: JsMsg) => {
          this.deliver(decoder.decode(m.data));
          m.ack();
        },
      }),
    );
  }

  async request(to: number): Promise<void> {
    await this.js.publish(agentSubject(to), PING, { msgID: nuid.next() });
  }

  async join(room: string): Promise<void> {
    if (this.mode.topics === 'durable') return this.consume(topicStream(room), `sub-${this.index}`, topicSubject(room));
    this.nc.subscribe(topicSubject(room), {
      callback: (err, m) => {
        if (!err) this.deliver(decoder.decode(m.data));
      },
    });
    // The subscription is in place at the server once it has answered a ping sent after it.
    await this.nc.flush();
  }

  async publish(room: string, content: string): Promise<void> {
    await this.js.publish(topicSubject(room), encoder.encode(content), { msgID: nuid.next() });
  }

  onMessage(cb: (content: string) => void): void {
    this.listeners.push(cb);
  }

  async close(): Promise<void> {
    for (const c of this.consumers) c.stop();
    await this.nc.close();
  }
}
