import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * A controllable proxy in front of a real hub, for failures a hub never makes
 * on purpose: drop every connection, refuse WebSocket upgrades (while still
 * forwarding plain HTTP), refuse connections altogether, or point at a hub
 * that restarted on another port.
 */
export interface TestProxy {
  readonly url: string;
  readonly port: number;
  /** Destroy every open connection (client side and hub side). */
  dropAll(): void;
  /** While on, new TCP connections are destroyed at once (the hub looks down). */
  setBlocked(on: boolean): void;
  /** While on, WebSocket upgrades get 403; plain HTTP is still forwarded. */
  setRefuseUpgrades(on: boolean): void;
  setTarget(port: number): void;
  /** Upgrades forwarded / refused so far. */
  readonly stats: { upgradesForwarded: number; upgradesRefused: number; httpRequests: number };
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<TestProxy> {
  let target = targetPort;
  let blocked = false;
  let refuseUpgrades = false;
  const sockets = new Set<Duplex>();
  const stats = { upgradesForwarded: 0, upgradesRefused: 0, httpRequests: 0 };
  const track = (s: Duplex): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };

  const server: Server = createServer((req, res) => {
    stats.httpRequests++;
    const up = request(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers, agent: false },
      (upRes: IncomingMessage) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        upRes.on('error', () => res.destroy());
      },
    );
    up.on('socket', (s) => track(s));
    up.on('error', () => res.destroy());
    req.pipe(up);
    req.on('error', () => up.destroy());
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    if (blocked) {
      s.destroy();
      return;
    }
    track(s);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    track(socket);
    if (refuseUpgrades) {
      stats.upgradesRefused++;
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    stats.upgradesForwarded++;
    const up = connect(target, '127.0.0.1', () => {
      let headText = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) headText += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      up.write(headText + '\r\n');
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    track(up);
    up.on('close', () => socket.destroy());
    socket.on('close', () => up.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('proxy has no port');
  const port = addr.port;

  const dropAll = (): void => {
    for (const s of [...sockets]) s.destroy();
    sockets.clear();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    dropAll,
    setBlocked: (on) => {
      blocked = on;
    },
    setRefuseUpgrades: (on) => {
      refuseUpgrades = on;
    },
    setTarget: (p) => {
      target = p;
    },
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
