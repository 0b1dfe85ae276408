import type { ClusterLink } from '../cluster/link.js';
import { InboundOrder, type GapFill, type InboundOrderOptions } from './inbound-order.js';
import type { Bus, BusHandler, BusMessage } from './local.js';

const CHANNEL = 'push';
/** Publishes kept for sending again after Redis refused them. */
const MAX_UNSENT = 10_000;

/**
 * Fan-out across hubs through Redis pub/sub. A hub's own commits reach its
 * own sessions at once, and every other hub through one channel; every push
 * any hub hears goes through one InboundOrder, which keeps each stream in
 * seq order and fills what the bus lost from the database. Redis pub/sub
 * keeps nothing: a message published while a hub is cut off is gone, which
 * is why the receiving end counts seqs rather than trusting the bus.
 *
 * The wire form is tab-separated, with the frame last and as it is: the frame
 * is JSON already, and no id or stream name holds a tab or a comma.
 *   <hub id> \t <stream> \t <seq> \t <recipient,recipient,...> \t <frame>
 */
/** What the bus needs from its hub. */
export interface RedisBusDeps {
  /** Reads what the bus lost from the database. */
  fill: GapFill;
  /** The database heads of streams (after a reconnect). */
  heads: (streams: string[]) => Promise<Map<string, number>>;
  order: InboundOrderOptions;
  onError: (err: unknown, what: string) => void;
  /** Pushes delivered by a gap fill (metrics). */
  onFilled?: (n: number) => void;
  /** The lowest seq of the message's stream its local recipients' sessions were sent. */
  baseline?: (msg: BusMessage) => number | undefined;
  /** Whether an agent has a session or a long poll on this hub. */
  interested: (agentId: string) => boolean;
}

export class RedisBus implements Bus {
  private readonly handlers = new Set<BusHandler>();
  readonly order: InboundOrder;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private readonly publishing = new Set<Promise<void>>();
  private unsent: string[] = [];
  private readonly onError: (err: unknown, what: string) => void;

  constructor(
    private readonly link: ClusterLink,
    deps: RedisBusDeps,
  ) {
    const { fill, heads, order, onError, onFilled, baseline, interested } = deps;
    this.onError = onError;
    this.order = new InboundOrder(
      (msg) => {
        for (const h of this.handlers) h(msg);
      },
      fill,
      order,
      (err, stream) => onError(err, `gap fill of ${stream}`),
      onFilled,
      baseline,
    );
    link.on(CHANNEL, (payload) => {
      const msg = decode(payload);
      if (!msg || msg.hub === link.hubId) return;
      // Every hub hears every push: one for no one here is neither tracked nor filled, unless its stream already is.
      if (!this.order.tracks(msg.stream) && !msg.recipients.some(interested)) return;
      this.order.receive(msg);
    });
    // Whatever was published while this hub was cut off is in the database: fill it in.
    link.onReady(() => {
      this.order.resync(heads).catch((err: unknown) => onError(err, 'resync after reconnect'));
    });
    link.cmd.on('ready', () => {
      const again = this.unsent;
      this.unsent = [];
      for (const payload of again) this.send(payload);
    });
    this.sweeper = setInterval(() => this.order.sweep(), Math.max(1000, Math.floor(order.idleMs / 4)));
    this.sweeper.unref();
  }

  publish(msg: BusMessage): void {
    this.order.receive(msg);
    const payload = `${this.link.hubId}\t${msg.stream}\t${msg.seq}\t${msg.recipients.join(',')}\t${msg.frame}`;
    // One connection sends its commands in order (and queues them in order while reconnecting),
    // so a hub's commits of one stream reach the channel in order without waiting for each other.
    this.send(payload);
  }

  private send(payload: string): void {
    const sent: Promise<void> = this.link.publish(CHANNEL, payload).then(
      () => undefined,
      (err: unknown) => {
        // Published again once the connection is back (bounded); a hub that got it meanwhile by a gap fill drops it.
        if (this.unsent.length < MAX_UNSENT) this.unsent.push(payload);
        this.onError(err, 'publish');
      },
    );
    this.publishing.add(sent);
    void sent.finally(() => this.publishing.delete(sent));
  }

  /** A local session has `stream` through `seq`. */
  seen(stream: string, seq: number): void {
    this.order.seen(stream, seq);
  }

  subscribe(handler: BusHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.publishing]);
    await this.order.close();
    this.handlers.clear();
  }
}

function decode(payload: string): (BusMessage & { hub: string }) | null {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < 4; i++) {
    const tab = payload.indexOf('\t', from);
    if (tab < 0) return null;
    parts.push(payload.slice(from, tab));
    from = tab + 1;
  }
  const seq = Number(parts[2]);
  if (!Number.isSafeInteger(seq) || seq < 1) return null;
  return {
    hub: parts[0]!,
    stream: parts[1]!,
    seq,
    recipients: parts[3] === '' ? [] : parts[3]!.split(','),
    frame: payload.slice(from),
  };
}
