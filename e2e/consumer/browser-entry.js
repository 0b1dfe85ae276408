// Bundled for the browser (esbuild --platform=browser) from the installed
// @parley/client. The page gets the hub URL, its identity and a peer from
// window.PARLEY, connects over the browser's own WebSocket, sends the peer a
// direct message and waits for the peer's answer as a push.
import { ParleyClient, parseIdentity, MemoryCursorStore } from '@parley/client';

const cfg = window.PARLEY;
const out = (v) => {
  window.PARLEY_RESULT = v;
};
(async () => {
  const client = new ParleyClient({ url: cfg.hub, identity: parseIdentity(cfg.identity), cursorStore: new MemoryCursorStore() });
  const answered = new Promise((resolve) => client.on('p2p.message', (m) => resolve(m)));
  await client.connect();
  const me = await client.call('agent/whoami', {}, { timeoutMs: 30_000 });
  const sent = await client.call('p2p/send', { to: cfg.peer, content: 'hello from a browser' }, { timeoutMs: 30_000 });
  const answer = await answered;
  out({ ok: true, whoami: me.agent_id, sent: sent.message_id, answer: { from: answer.from, content: answer.content }, native: typeof WebSocket === 'function' });
  await client.close();
})().catch((err) => out({ ok: false, error: String(err && err.stack ? err.stack : err) }));
