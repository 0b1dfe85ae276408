import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_MS, goTo, launchBrowser, newHuman, screenshot, signUp, startConsoleHub, type ConsoleHub } from './harness.js';

/**
 * Passkeys in the console, with Chromium's virtual authenticator (CDP
 * WebAuthn domain) standing in for a phone's or laptop's: sign up with a
 * password, add a passkey, log out, log in with the passkey alone, remove it,
 * and see it refused afterwards.
 *
 * WebAuthn needs a secure context and a domain as its relying party id (an IP
 * address is refused), so this page is at http://localhost, not at the
 * harness's http://127.0.0.1 (the hub listens there; localhost reaches it).
 */
let hub: ConsoleHub;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let authenticatorId: string;

beforeAll(async () => {
  hub = await startConsoleHub();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: `http://localhost:${hub.port}` });
  context.setDefaultTimeout(STEP_MS);
  context.setDefaultNavigationTimeout(STEP_MS);
  page = await context.newPage();
  cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const added = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      // The prompt is answered at once, as a person touching the sensor would.
      automaticPresenceSimulation: true,
    },
  });
  authenticatorId = added.authenticatorId;
  await page.goto('/console');
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await hub?.close();
});

const passkeyItem = (name: string) => page.getByRole('list', { name: 'Your passkeys' }).getByRole('listitem').filter({ hasText: name });

async function logOut(): Promise<void> {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log in with a passkey' }).waitFor();
}

describe('console: passkeys', () => {
  it('sign up, add a passkey, log out, log in with it alone, remove it; a removed passkey no longer logs in', async () => {
    const who = newHuman('Hedy');
    await signUp(page, who);
    await goTo(page, 'Agents');

    await page.getByLabel('Name for the new passkey').fill('this laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('status').filter({ hasText: 'Added the passkey “this laptop”' }).waitFor();
    await passkeyItem('this laptop').waitFor();
    await expect(passkeyItem('this laptop').textContent()).resolves.toMatch(/last used\s*never/i);
    // The authenticator holds one discoverable credential for this site.
    const creds = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(creds.credentials).toHaveLength(1);
    expect(creds.credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    await screenshot(page, 'passkeys');

    await logOut();
    // No email, no password: the browser offers the passkey it holds for this site.
    await page.getByRole('button', { name: 'Log in with a passkey' }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    await expect(page.getByRole('banner').textContent()).resolves.toContain(who.displayName);
    await goTo(page, 'Agents');
    await expect(passkeyItem('this laptop').textContent()).resolves.not.toMatch(/last used\s*never/i);

    await page.getByRole('button', { name: 'Remove passkey this laptop' }).click();
    await page.getByRole('button', { name: 'Yes, remove' }).click();
    await page.getByText('No passkeys: you log in with your password.').waitFor();

    // The authenticator still has it, but the hub no longer knows it: refused, with the hub's reason.
    await logOut();
    await page.getByRole('button', { name: 'Log in with a passkey' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toMatch(/not registered here/);
    expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(0);
  });

  it('a prompt the person does not confirm changes nothing and the console says so; a browser without passkeys is told to use the password', async () => {
    await page.goto('/console');
    await page.getByRole('button', { name: 'Log in with a passkey' }).waitFor();
    await signUp(page, newHuman('Ida'));
    await goTo(page, 'Agents');
    const before = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length;
    // The sensor is touched but the person is not verified (no PIN, no fingerprint): the hub asks for verification, so the browser refuses.
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    try {
      await page.getByLabel('Name for the new passkey').fill('not me');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.getByRole('alert').filter({ hasText: 'The passkey prompt was cancelled or timed out. Nothing was changed' }).waitFor();
      await page.getByText('No passkeys: you log in with your password.').waitFor();
      expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(before);
      // The hub has none either (a reload reads its list again).
      await page.reload();
      await goTo(page, 'Agents');
      await page.getByText('No passkeys: you log in with your password.').waitFor();
      // Logging in the same way: refused in the browser, still signed out.
      await logOut();
      await page.getByRole('button', { name: 'Log in with a passkey' }).click();
      await page.getByRole('alert').filter({ hasText: 'cancelled or timed out' }).waitFor();
      expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(0);
    } finally {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
    }

    // A browser with no WebAuthn at all: the console says what to do instead of failing obscurely.
    const bare = await browser.newContext({ baseURL: `http://localhost:${hub.port}` });
    try {
      bare.setDefaultTimeout(STEP_MS);
      await bare.addInitScript(() => {
        delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
      });
      const old = await bare.newPage();
      await old.goto('/console');
      await old.getByRole('button', { name: 'Log in with a passkey' }).click();
      await old.getByRole('alert').filter({ hasText: 'This browser has no passkey support: log in with your password' }).waitFor();
    } finally {
      await bare.close();
    }
  });
});
