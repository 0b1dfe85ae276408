import type { Browser } from 'playwright-core';
import { ParleyClient, type DisconnectInfo } from '@parley/client';
import type { P2PMessage } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bindCode,
  cliAgent,
  closeClients,
  connectAs,
  launchBrowser,
  newHuman,
  nodeAgent,
  openConsole,
  screenshot,
  signUp,
  startConsoleHub,
  STEP_MS,
  track,
  type ConsoleHub,
  type Tab,
} from './harness.js';

/**
 * An API key made in the console lets a script act as the agent over HTTP
 * and WebSocket; revoked in the console, its next call is refused and the
 * connection it opened is closed at once.
 */
let hub: ConsoleHub;
let browser: Browser;
let owner: Tab | undefined;

beforeAll(async () => {
  hub = await startConsoleHub();
  browser = await launchBrowser();
});
afterAll(async () => {
  await closeClients();
  await owner?.context.close();
  await browser?.close();
  await hub?.close();
});

/** POST /v1/rpc with a bearer token: the HTTP status and the envelope. */
async function rpc(token: string, agentId: string, action: string, params: unknown): Promise<{ status: number; body: { status?: string; content?: unknown } }> {
  const res = await fetch(`${hub.url}/v1/rpc`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent_id: agentId, u_id: `e2e-${Date.now()}-${Math.random()}`, params: { action, params } }),
  });
  return { status: res.status, body: (await res.json()) as { status?: string; content?: unknown } };
}

function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} in ${STEP_MS} ms`)), STEP_MS))),
  ]);
}

describe('API keys', () => {
  it('a key made in the console acts as the agent from Node; revoked in the console, it is refused and its WebSocket closed', async () => {
    const agent = await cliAgent(hub.url, 'scripted-bot');
    const code = await bindCode(agent);
    owner = await openConsole(browser, hub);
    const { page } = owner;
    await signUp(page, newHuman('Scripter'));
    await page.getByLabel('Claim code').fill(code);
    await page.getByRole('button', { name: 'Claim agent' }).click();
    await page.getByRole('heading', { name: agent.name, exact: true }).waitFor();

    await page.getByLabel('Key name').fill('nightly script');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-api-key').textContent())?.trim() ?? '';
    expect(key).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
    const keyRow = page.getByRole('listitem').filter({ has: page.getByRole('button', { name: 'Revoke nightly script' }) });
    await expect(keyRow.textContent()).resolves.toMatch(/last used\s*never/i);

    // Over WebSocket, with the key as the token: it acts as the agent.
    const peerIdentity = await nodeAgent(hub.url, 'listener-bot');
    const peer = await connectAs(hub.url, peerIdentity);
    const script = track(new ParleyClient({ url: hub.url, credentials: { agentId: agent.agentId, token: () => key }, reconnect: { enabled: false } }));
    await script.connect();
    const heard = bounded(
      new Promise<P2PMessage>((resolve) => peer.on('p2p.message', (m) => m.content === 'sent with a key' && resolve(m))),
      'p2p.message at the peer',
    );
    await script.call('p2p/send', { to: peerIdentity.agentId, content: 'sent with a key' });
    expect((await heard).from).toBe(agent.agentId);
    // A key acts as the agent but is not the agent: it cannot ask for a claim code (and so make someone else primary owner).
    await expect(script.call('account/claim_code', {})).rejects.toMatchObject({ code: 'forbidden' });

    // Over HTTP, as a bearer token.
    const before = await rpc(key, agent.agentId, 'p2p/send', { to: peerIdentity.agentId, content: 'sent over HTTP' });
    expect(before.status).toBe(200);
    expect(before.body.status).toBe('success');

    // Both calls are on the human's record of what was done as the agent through their binding.
    const activity = page.getByRole('region', { name: 'Activity through your binding' });
    await activity.getByRole('button', { name: 'Refresh' }).click();
    await activity.getByRole('row').filter({ hasText: 'p2p/send' }).nth(1).waitFor();
    // The key list follows the key's use without a reload: read again when the human comes back to the tab.
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await keyRow.filter({ hasNotText: /last used\s*never/i }).waitFor();
    await screenshot(page, 'api-keys');

    // Revoked in the console: the open WebSocket is closed at once, the next HTTP call refused.
    const closed = bounded(new Promise<DisconnectInfo>((resolve) => script.once('disconnected', resolve)), "the key's WebSocket to close");
    // It asks once more, in place: Cancel keeps the key, "Yes, revoke" revokes it.
    await page.getByRole('button', { name: 'Revoke nightly script' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Revoke nightly script' }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await page.getByRole('button', { name: 'Revoke nightly script' }).waitFor({ state: 'detached' });
    await closed;
    expect(script.state).not.toBe('connected');
    const after = await rpc(key, agent.agentId, 'p2p/send', { to: peerIdentity.agentId, content: 'after the revoke' });
    expect(after.status).toBe(401);
    // Nor can a new connection be opened with it.
    const again = track(new ParleyClient({ url: hub.url, credentials: { agentId: agent.agentId, token: () => key }, reconnect: { enabled: false } }));
    await expect(bounded(again.connect(), 'the refused connect to settle')).rejects.toThrow();
  });
});
