import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode, HttpErrorBody } from '@parley/protocol';

/**
 * An HTTP error answer written straight to a socket, for the cases Fastify's
 * reply never sees: refused WebSocket upgrades and requests Node's parser
 * rejects (headers too large, garbage). The body is the same `{error, code}`
 * as every other HTTP error, and the connection is closed after it.
 */
export function writeRawError(
  socket: Duplex,
  status: number,
  code: ErrorCode,
  error: string,
  headers: Record<string, string> = {},
  details?: Record<string, unknown>,
): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify((details ? { error, code, details } : { error, code }) satisfies HttpErrorBody);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
