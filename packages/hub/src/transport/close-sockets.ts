import { WebSocket, type WebSocketServer } from 'ws';
import { CloseCode } from '@parley/protocol';

/** What a transport's connection offers to be closed. */
export interface ClosableConnection {
  readonly ws: WebSocket;
  close(code: number, reason: string): void;
}

/**
 * A WebSocket edge shutting down (Parley's and Juji's alike): every socket is
 * closed with 1001 and the close handshakes are awaited, but only for
 * `timeoutMs` (a peer that never answers must not hold the shutdown), after
 * which the rest are cut and the server closed.
 */
export async function closeSockets(wss: WebSocketServer, conns: Iterable<ClosableConnection>, timeoutMs: number): Promise<void> {
  const all = [...conns];
  const closed = all.map(
    (c) =>
      new Promise<void>((resolve) => {
        if (c.ws.readyState === WebSocket.CLOSED) return resolve();
        c.ws.once('close', () => resolve());
        c.close(CloseCode.GoingAway, 'hub shutting down');
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(closed), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
  for (const c of conns) c.ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}
