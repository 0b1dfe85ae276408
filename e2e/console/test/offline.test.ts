import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  bindCode,
  closeClients,
  cliAgent,
  connectAs,
  goTo,
  launchBrowser,
  newHuman,
  nodeAgent,
  openConsole,
  screenshot,
  signUp,
  startConsoleHub,
  type ConsoleHub,
  type Tab,
} from './harness.js';

/**
 * The hub goes away under an open console and comes back (same port, same
 * data): the console says it is offline, then catches up by itself, still
 * signed in, and what happened meanwhile arrives.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'parley-console-e2e-offline-'));
let hub: ConsoleHub | undefined;
let browser: Browser;
let tab: Tab | undefined;

beforeAll(async () => {
  hub = await startConsoleHub({ dataDir });
  browser = await launchBrowser();
});
afterAll(async () => {
  await closeClients();
  await tab?.context.close();
  await browser?.close();
  await hub?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('offline', () => {
  it('says so while the hub is down, and comes back online by itself when it returns', async () => {
    const first = hub!;
    const agent = await cliAgent(first.url, 'steady-bot');
    const code = await bindCode(agent);
    const peerIdentity = await nodeAgent(first.url, 'patient-bot');
    tab = await openConsole(browser, first);
    const { page } = tab;
    await signUp(page, newHuman('Keeper'));
    await page.getByLabel('Claim code').fill(code);
    await page.getByRole('button', { name: 'Claim agent' }).click();
    await page.getByRole('heading', { name: agent.name, exact: true }).waitFor();
    await goTo(page, 'Messages');
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    await first.close();
    hub = undefined;
    await page.getByRole('status').filter({ hasText: /Offline|Connecting/ }).waitFor();
    await screenshot(page, 'offline');

    hub = await startConsoleHub({ dataDir, port: first.port });
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    // Still signed in (the session outlived the restart), and live again: a message sent now shows up without a reload.
    const peer = await connectAs(hub.url, peerIdentity);
    const text = `back again ${Date.now()}`;
    await peer.call('p2p/send', { to: agent.agentId, content: text });
    await page.getByText(text).first().waitFor();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
  });
});
