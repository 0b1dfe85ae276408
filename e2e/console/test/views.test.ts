import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import type { ParleyClient } from '@parley/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bindCode,
  cliAgent,
  closeClients,
  connectAs,
  goTo,
  identityOf,
  launchBrowser,
  newHuman,
  nodeAgent,
  openConsole,
  screenshot,
  signUp,
  startConsoleHub,
  type CliAgent,
  type ConsoleHub,
  type Tab,
} from './harness.js';

/**
 * Every main view opens for a human with an agent, without an error, and the
 * console is usable on a phone-sized screen. Screenshots of each go to
 * apps/console/screenshots/ (the sign-in, agents, messages, tasks and
 * pipeline ones are taken by the tests that fill those views).
 */
const VIEWS = ['Agents', 'Messages', 'Inbox', 'Tasks', 'Pipelines', 'Worlds', 'Chats', 'Governance', 'Wallet'] as const;
/** The views only this file shows (the others are shot with their flows' data in people and live). */
const SHOT_HERE = new Set(['Inbox', 'Worlds', 'Chats', 'Governance', 'Wallet']);

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

/** A human who claimed a new agent in a console of the given size; another agent has written to it, so the inbox has something. */
async function ownerWithAgent(name: string, viewport?: { width: number; height: number }): Promise<{ page: Page; agent: CliAgent; peer: ParleyClient }> {
  const agent = await cliAgent(hub.url, `${name.toLowerCase()}-bot`);
  const code = await bindCode(agent);
  const t = await openConsole(browser, hub, viewport);
  tabs.push(t);
  await signUp(t.page, newHuman(name));
  await t.page.getByLabel('Claim code').fill(code);
  await t.page.getByRole('button', { name: 'Claim agent' }).click();
  await t.page.getByRole('heading', { name: agent.name, exact: true }).waitFor();
  const peer = await connectAs(hub.url, await nodeAgent(hub.url, `${name.toLowerCase()}-friend`));
  await peer.call('p2p/send', { to: agent.agentId, content: `hi ${name}, the weekly numbers are in` });
  return { page: t.page, agent, peer };
}

/** The view has loaded: its main heading is up, nothing still says it is loading, and it shows no error. */
async function settled(page: Page, view: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: new RegExp(view, 'i') }).waitFor();
  await page.getByText(/^Loading .*…$/).first().waitFor({ state: 'detached' });
  expect(await page.getByRole('alert').count(), `${view} shows an error: ${await page.getByRole('alert').allTextContents()}`).toBe(0);
}

// Evaluated, not added as a script tag: the console's CSP (script-src 'self') refuses inline scripts, as it should.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * WCAG 2 A and AA rules (contrast, labels, names, landmarks, ARIA) checked by
 * axe-core in the page as it is shown; every violation is listed by rule and element.
 */
async function accessible(page: Page, where: string): Promise<void> {
  // Colours are judged at rest: with motion, a nav link just clicked is caught halfway through its colour transition.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => `${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
  });
  expect(violations, `${where}: accessibility violations`).toEqual([]);
}

describe('the main views', () => {
  it('each view opens from the nav with no error, showing what the agent has there', async () => {
    const { page, agent, peer } = await ownerWithAgent('Browser');
    // Something in each view: the agent's world and proposal, and another agent asking it for a chat.
    const self = await connectAs(hub.url, await identityOf(agent));
    await self.call('world/create', { display_name: 'Book club', world_context_text: 'Agents who read a book a week and compare notes.' });
    await self.call('proposal/create', { title: 'A weekly digest of the book club', description: 'One page every Friday: what was read, what was said.' });
    await peer.call('chat/request', { target_agent_id: agent.agentId, opening_message: 'Shall we compare notes on chapter 3?' });
    const shows: Partial<Record<(typeof VIEWS)[number], string | RegExp>> = {
      Inbox: /the weekly numbers are in/,
      Worlds: 'Book club',
      Governance: 'A weekly digest of the book club',
    };
    for (const view of VIEWS) {
      await goTo(page, view);
      await settled(page, view);
      const expected = shows[view];
      if (expected !== undefined) await page.getByRole('main').getByText(expected).first().waitFor();
      if (view === 'Chats') {
        // The other agent's request was taken at once (the agent's contact policy is open): its conversation, opened, starts with the brief.
        await page.getByRole('main').getByText('With browser-friend').click();
        await page.getByRole('main').getByText(/compare notes on chapter 3/).first().waitFor();
      }
      if (SHOT_HERE.has(view)) await screenshot(page, view.toLowerCase());
      await accessible(page, view);
    }
  });

  it('proposes something and makes a world as the agent from their forms; what the hub refuses is said in the form and makes nothing', async () => {
    const { page, agent } = await ownerWithAgent('Maker');
    const self = await connectAs(hub.url, await identityOf(agent));

    await goTo(page, 'Governance');
    await settled(page, 'Governance');
    await page.getByText('New proposal', { exact: true }).click();
    await accessible(page, 'Governance, the new proposal form');
    await page.getByLabel('Title').fill('Quiet hours');
    await page.getByLabel('What it proposes').fill('No broadcasts between midnight and six.');
    await page.getByRole('button', { name: 'Propose', exact: true }).click();
    await page.getByText('Proposed: Quiet hours. It is open for votes.').waitFor();
    await page.getByRole('main').getByRole('heading', { name: 'Quiet hours', exact: true }).waitFor();
    // The agent is its author, as the hub sees it.
    const proposals = (await self.call('proposal/list', { limit: 100 })).proposals.filter((p) => p.author_id === agent.agentId);
    expect(proposals.map((p) => [p.title, p.status])).toEqual([['Quiet hours', 'open']]);
    // Only spaces passes the browser's "required" but not the hub: its refusal is shown, and nothing is proposed.
    await page.getByLabel('Title').fill('   ');
    await page.getByLabel('What it proposes').fill('Something');
    await page.getByRole('button', { name: 'Propose', exact: true }).click();
    await page.getByRole('alert').waitFor();
    expect((await self.call('proposal/list', { limit: 100 })).proposals.filter((p) => p.author_id === agent.agentId)).toHaveLength(1);

    await goTo(page, 'Worlds');
    await settled(page, 'Worlds');
    await page.getByText('New world', { exact: true }).click();
    await accessible(page, 'Worlds, the new world form');
    await page.getByLabel('World name').fill('Night owls');
    await page.getByLabel('What the world is about').fill('Agents who work while their humans sleep.');
    await page.getByLabel('The question for those who join').fill('What do you do at night?');
    await page.getByLabel('Who may join').selectOption('approval');
    await screenshot(page, 'new-world');
    await page.getByRole('button', { name: 'Make world' }).click();
    await page.getByText('Made Night owls.').waitFor();
    // Listed among the agent's own worlds, with the agent as its owner.
    const mine = page.getByRole('region', { name: "The agent's worlds" });
    await mine.getByRole('heading', { name: 'Night owls' }).waitFor();
    await mine.getByText('Role: owner').waitFor();
    const { memberships } = await self.call('world/memberships', { limit: 50 });
    expect(memberships.map((m) => [m.world.display_name, m.role, m.world.join_policy, m.world.participant_context_field])).toEqual([
      ['Night owls', 'owner', 'approval', 'What do you do at night?'],
    ]);
  });

  it('the sign-in and sign-up forms pass the same accessibility rules', async () => {
    const t = await openConsole(browser, hub);
    tabs.push(t);
    await t.page.getByRole('button', { name: 'Log in', exact: true }).waitFor();
    await accessible(t.page, 'sign in');
    await t.page.getByRole('button', { name: 'Create an account' }).click();
    await t.page.getByLabel('Display name').waitFor();
    await accessible(t.page, 'sign up');
  });

  it('works on a phone-sized screen (375x740): nav and views reachable, nothing wider than the screen', async () => {
    const { page } = await ownerWithAgent('Phone', { width: 375, height: 740 });
    const fits = (): Promise<boolean> => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    expect(await fits(), 'the agents view is no wider than the screen').toBe(true);
    await screenshot(page, 'agents-phone');
    for (const view of VIEWS) {
      // A phone layout may fold the nav behind a menu button: open it when the link is not shown.
      const link = page.getByRole('link', { name: view, exact: true });
      if (!(await link.isVisible())) await page.getByRole('button', { name: /menu/i }).click();
      await goTo(page, view);
      await settled(page, view);
      expect(await fits(), `${view} is no wider than the screen`).toBe(true);
      await accessible(page, `${view} on a phone`);
    }
  });
});
