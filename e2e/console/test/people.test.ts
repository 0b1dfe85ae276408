import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bindCode,
  closeClients,
  connectAs,
  goTo,
  nodeAgent,
  cliAgent,
  launchBrowser,
  newHuman,
  openConsole,
  readmeClaimCode,
  screenshot,
  signUp,
  startConsoleHub,
  type CliAgent,
  type ConsoleHub,
  type Tab,
} from './harness.js';

/**
 * People in the console (issue 22): signing up, claiming an agent with the
 * code `parley bind` prints, sharing it with an invite code, and the codes
 * refusing a second use. One hub and one Chromium for the file; each human
 * is a fresh browser context (cookies of their own).
 */
let hub: ConsoleHub;
let browser: Browser;
const tabs: Tab[] = [];

beforeAll(async () => {
  hub = await startConsoleHub();
  browser = await launchBrowser();
});
afterAll(async () => {
  await closeClients();
  await Promise.all(tabs.map((t) => t.context.close()));
  await browser?.close();
  await hub?.close();
});

async function tab(): Promise<Tab> {
  const t = await openConsole(browser, hub);
  tabs.push(t);
  return t;
}

/** The card of a bound agent in "Your agents" (its heading is the agent's name). */
const agentCard = (page: Page, agent: CliAgent) => page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: agent.name, exact: true }) });

async function claim(page: Page, code: string): Promise<void> {
  await page.getByLabel('Claim code').fill(code);
  await page.getByRole('button', { name: 'Claim agent' }).click();
}

async function addShared(page: Page, agentId: string, code: string): Promise<void> {
  await page.getByLabel('Agent id').fill(agentId);
  await page.getByLabel('Invite code').fill(code);
  await page.getByRole('button', { name: 'Add agent' }).click();
}

describe('accounts in the console', () => {
  it('signs up, is still signed in after a reload, logs out, and logs in again', async () => {
    const { page } = await tab();
    await page.getByRole('button', { name: 'Log in', exact: true }).waitFor();
    // Not signed in is a state, not an error.
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    await screenshot(page, 'sign-in');
    const ada = newHuman('Ada');
    await signUp(page, ada);
    // The session is the HttpOnly cookie: the page cannot read it, yet a reload keeps it.
    expect(await page.evaluate(() => document.cookie)).not.toContain('parley_session');
    await page.reload();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in', exact: true }).waitFor();
    await page.getByLabel('Email').fill(ada.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(ada.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
  });
});

/** Presses Tab until the focused element is the one named `name` (its label, or its text); fails after 40 presses. */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement | null;
      return (el?.labels?.[0]?.textContent ?? el?.textContent ?? '').trim();
    });
    if (focused === name) return;
  }
  throw new Error(`Tab never reached "${name}"`);
}

describe('the keyboard alone', () => {
  it('signs up and moves between views with Tab and Enter', async () => {
    const { page } = await tab();
    await page.getByRole('button', { name: 'Log in', exact: true }).waitFor();
    await tabTo(page, 'Create an account');
    await page.keyboard.press('Enter');
    const who = newHuman('Keys');
    await tabTo(page, 'Email');
    await page.keyboard.type(who.email);
    await tabTo(page, 'Display name');
    await page.keyboard.type(who.displayName);
    await tabTo(page, 'Password');
    await page.keyboard.type(who.password);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    await tabTo(page, 'Tasks');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/tasks/);
    await page.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
  });
});

describe('claim and invite codes', () => {
  it("claims an agent with the code `parley bind` printed (the README's steps), shares it with an invite code that works once", async () => {
    const { agent, code } = await readmeClaimCode(hub.url);

    const owner = await tab();
    await signUp(owner.page, newHuman('Owner'));
    await claim(owner.page, code);
    const card = agentCard(owner.page, agent);
    await card.getByText('Primary owner').waitFor();
    await card.getByText(agent.agentId).waitFor();
    await screenshot(owner.page, 'agents');

    // The owner makes an invite code; the agent's card says one is waiting.
    await owner.page.getByRole('button', { name: 'New invite code' }).click();
    const invite = (await owner.page.getByTestId('invite-code').textContent())?.trim() ?? '';
    expect(invite).toMatch(/^PARLEY-INV-[A-Z2-7]{8}$/);

    // Another human adds the agent with its id and that code.
    const friend = await tab();
    await signUp(friend.page, newHuman('Friend'));
    await addShared(friend.page, agent.agentId, invite);
    await agentCard(friend.page, agent).getByText('Shared with you').waitFor();

    // The code is spent: a third human is refused, and has no agent.
    const third = await tab();
    await signUp(third.page, newHuman('Third'));
    await addShared(third.page, agent.agentId, invite);
    await third.page.getByRole('alert').filter({ hasText: /no such invite/i }).waitFor();
    expect(await agentCard(third.page, agent).count()).toBe(0);

    // The owner sees the friend among the agent's humans.
    await owner.page.reload();
    await owner.page.getByText('Friend', { exact: true }).waitFor();
  });

  it('refuses a claim code used twice: the second human gets a clear error and no agent', async () => {
    const agent = await cliAgent(hub.url, 'once-bot');
    const code = await bindCode(agent);
    const first = await tab();
    await signUp(first.page, newHuman('First'));
    await claim(first.page, code);
    await agentCard(first.page, agent).getByText('Primary owner').waitFor();

    const second = await tab();
    await signUp(second.page, newHuman('Second'));
    await claim(second.page, code);
    // The hub's own words, shown as they are: the person knows what to do next.
    await second.page.getByRole('alert').filter({ hasText: /already used.*ask the agent for a new one/i }).waitFor();
    expect(await agentCard(second.page, agent).count()).toBe(0);
  });

  it('refuses an invite code once a newer one replaced it', async () => {
    const agent = await cliAgent(hub.url, 'rotated-bot');
    const owner = await tab();
    await signUp(owner.page, newHuman('Rotator'));
    await claim(owner.page, await bindCode(agent));
    await agentCard(owner.page, agent).getByText('Primary owner').waitFor();
    const newInvite = owner.page.getByRole('button', { name: 'New invite code' });
    await newInvite.click();
    const old = (await owner.page.getByTestId('invite-code').textContent())?.trim() ?? '';
    await newInvite.click();
    await owner.page.getByTestId('invite-code').filter({ hasNotText: old }).waitFor();

    const other = await tab();
    await signUp(other.page, newHuman('Late'));
    await addShared(other.page, agent.agentId, old);
    await other.page.getByRole('alert').filter({ hasText: /no such invite/i }).waitFor();
    expect(await agentCard(other.page, agent).count()).toBe(0);
  });

  it('a human bound to two agents switches which one the console acts as, and sees only that one\'s messages', async () => {
    const first = await cliAgent(hub.url, 'first-bot');
    const second = await cliAgent(hub.url, 'second-bot');
    const { page } = await tab();
    await signUp(page, newHuman('Juggler'));
    await claim(page, await bindCode(first));
    await agentCard(page, first).getByText('Acting as this agent').waitFor();
    await claim(page, await bindCode(second));
    await agentCard(page, second).getByText('Primary owner').waitFor();

    await page.getByLabel('Acting as').selectOption(second.agentId);
    await agentCard(page, second).getByText('Acting as this agent').waitFor();
    await page.getByRole('heading', { name: `Manage ${second.name}` }).waitFor();
    await goTo(page, 'Messages');
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    const peer = await connectAs(hub.url, await nodeAgent(hub.url, 'chatty-bot'));
    const toFirst = `for the first bot only ${Date.now()}`;
    const toSecond = `for the second bot ${Date.now()}`;
    await peer.call('p2p/send', { to: first.agentId, content: toFirst });
    await peer.call('p2p/send', { to: second.agentId, content: toSecond });
    await page.getByText(toSecond).first().waitFor();
    // Sent first, yet not shown: the console shows the agent it acts as, not every agent of the human.
    expect(await page.getByText(toFirst).count()).toBe(0);
  });
});
