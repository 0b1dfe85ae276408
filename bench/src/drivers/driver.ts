/**
 * What a scenario needs from a server's client library. Each scenario is
 * written once against this; the drivers map it onto Parley actions,
 * Socket.IO events or raw ws frames.
 */
export interface Conn {
  /** Request/response: one call addressed to connection `to`; resolves when answered. */
  request(to: number): Promise<void>;
  /**
   * A direct message with this content to connection `to` (which gets it
   * through `onMessage`); resolves when the server answered the call. Only
   * Parley's driver has it: the cross-hub scenario runs on Parley alone.
   */
  send?(to: number, content: string): Promise<void>;
  join(room: string): Promise<void>;
  publish(room: string, content: string): Promise<void>;
  /** Every message content pushed to this connection. */
  onMessage(cb: (content: string) => void): void;
  /** Whether the connection is up right now (the storm watches it come back). */
  readonly connected: boolean;
  close(): Promise<void>;
}

export interface Driver {
  /** Creates the identities 0..n-1 (and registers them where the server needs it); never timed. */
  prepare(n: number): Promise<void>;
  /** Opens connection `i` to `url` and resolves once it is ready for calls. */
  open(i: number, url: string): Promise<Conn>;
  /** A room (topic) that `owner` may publish to and others may join. */
  createRoom(owner: Conn): Promise<string>;
  /**
   * For a server that sends again what it delivered but never saw
   * acknowledged, after a timer (JetStream's AckWait): that timer, in ms. A
   * message sent into a connection as it was cut comes back only then, so the
   * storm waits that long before it calls anything lost.
   */
  readonly redeliveryMs?: number;
}

export const CONNECT_TIMEOUT_MS = 60_000;

/** Rejects when `p` takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
