import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { hostServer } from './host.js';
import { tokenFor } from './token.js';

/**
 * The ceiling: a bare `ws` server. Echo for request/response, a set of
 * subscribers for fan-out (the same string sent to each), a token checked on
 * upgrade. No persistence, no envelope validation beyond JSON.parse.
 */
hostServer(async () => {
  const http = createServer();
  const wss = new WebSocketServer({ noServer: true });
  const subs = new Set<WebSocket>();

  http.on('upgrade', (req, socket, head) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const name = q.get('name') ?? '';
    if (q.get('token') !== tokenFor(name)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const text = data.toString();
        let m: { op?: unknown; id?: unknown; data?: unknown };
        try {
          m = JSON.parse(text) as typeof m;
        } catch {
          return;
        }
        if (m.op === 'echo') ws.send(text);
        else if (m.op === 'sub') {
          subs.add(ws);
          ws.send(JSON.stringify({ op: 'ack', id: m.id }));
        } else if (m.op === 'pub' && typeof m.data === 'string') {
          for (const s of subs) if (s.readyState === WebSocket.OPEN) s.send(m.data);
          ws.send(JSON.stringify({ op: 'ack', id: m.id }));
        }
      });
      ws.on('close', () => subs.delete(ws));
      ws.on('error', () => undefined);
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => http.close(() => resolve())));
    },
  };
});
