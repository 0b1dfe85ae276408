import { createHmac } from 'node:crypto';

// Socket.IO and raw ws have no identity layer of their own; an HMAC token per
// name, checked on connect, is the cheapest honest stand-in for "authenticated".
const SECRET = 'parley-bench-shared-secret';

export function tokenFor(name: string): string {
  return createHmac('sha256', SECRET).update(name).digest('hex');
}

// nats-server checks one token for every client (`--auth`): its cheapest check, as the HMAC is for the others.
export const NATS_TOKEN = tokenFor('nats');
