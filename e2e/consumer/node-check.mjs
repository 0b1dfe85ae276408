// Run in a fresh folder where `npm install @parley/client @parley/cli` came
// from the registry the packages were published to. Two agents register,
// connect, call, and one receives the other's direct message as a push.
// Prints one JSON line the release check reads.
import { createRequire } from 'node:module';
import { ParleyClient, createIdentity, register } from '@parley/client';
import { MemoryCursorStore } from '@parley/client';
import { loadOrCreateIdentity } from '@parley/client/node';

const hub = process.argv[2];
if (!hub) throw new Error('usage: node node-check.mjs <hub url>');

// The CommonJS build of the same package resolves and exports the same names.
const cjs = createRequire(import.meta.url)('@parley/client');
if (typeof cjs.ParleyClient !== 'function' || typeof cjs.register !== 'function') throw new Error('require("@parley/client") lacks ParleyClient/register');
if (typeof loadOrCreateIdentity !== 'function') throw new Error('@parley/client/node lacks loadOrCreateIdentity');

const alice = createIdentity();
const bob = createIdentity();
await register(hub, alice, { name: 'release-alice' });
await register(hub, bob, { name: 'release-bob' });
const a = new ParleyClient({ url: hub, identity: alice, cursorStore: new MemoryCursorStore() });
const b = new ParleyClient({ url: hub, identity: bob, cursorStore: new MemoryCursorStore() });
const received = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no p2p.message push within 60 s')), 60_000);
  b.on('p2p.message', (m) => {
    clearTimeout(timer);
    resolve(m);
  });
});
await a.connect();
await b.connect();
const me = await a.call('agent/whoami', {}, { timeoutMs: 30_000 });
const sent = await a.call('p2p/send', { to: bob.agentId, content: 'hello from the registry' }, { timeoutMs: 30_000 });
const push = await received;
await a.close();
await b.close();
console.log(JSON.stringify({ whoami: me.agent_id, message_id: sent.message_id, push: { from: push.from, content: push.content, message_id: push.message_id } }));
