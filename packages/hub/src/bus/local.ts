/**
 * Fan-out between hub nodes. One node needs nothing more than a function call;
 * a Redis bus will implement the same interface (publish to a channel, deliver
 * what other nodes published) without touching streams or sessions.
 */
export interface BusMessage {
  stream: string;
  seq: number;
  /** The serialised push frame, built once and sent as-is to every session. */
  frame: string;
  /** Agents that may read the stream at publish time. */
  recipients: string[];
}

export type BusHandler = (msg: BusMessage) => void;

export interface Bus {
  publish(msg: BusMessage): void;
  subscribe(handler: BusHandler): () => void;
  /** A local session has every push of `stream` through `seq` (it replayed them). */
  seen?(stream: string, seq: number): void;
  close(): Promise<void>;
}

export class LocalBus implements Bus {
  private readonly handlers = new Set<BusHandler>();

  publish(msg: BusMessage): void {
    for (const h of this.handlers) h(msg);
  }

  subscribe(handler: BusHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
