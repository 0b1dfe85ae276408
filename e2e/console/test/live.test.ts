import type { Browser, Page } from 'playwright-core';
import type { ParleyClient } from '@parley/client';
import type { P2PMessage } from '@parley/protocol';
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
  STEP_MS,
  type CliAgent,
  type ConsoleHub,
  type Tab,
} from './harness.js';

/**
 * Watching an agent work, live: a human claims an agent made with the CLI,
 * then the agent (acting from Node with its own key) and another agent talk
 * and move tasks, and the console shows it without a reload.
 */
let hub: ConsoleHub;
let browser: Browser;
let owner: Tab;
let agent: CliAgent;
/** The claimed agent itself, from Node with the key the CLI made. */
let self: ParleyClient;

beforeAll(async () => {
  hub = await startConsoleHub();
  browser = await launchBrowser();
  agent = await cliAgent(hub.url, 'worker-bot');
  const code = await bindCode(agent);
  owner = await openConsole(browser, hub);
  await signUp(owner.page, newHuman('Watcher'));
  await owner.page.getByLabel('Claim code').fill(code);
  await owner.page.getByRole('button', { name: 'Claim agent' }).click();
  await owner.page.getByRole('heading', { name: agent.name, exact: true }).waitFor();
  self = await connectAs(hub.url, await identityOf(agent));
});
afterAll(async () => {
  await closeClients();
  await owner?.context.close();
  await browser?.close();
  await hub?.close();
});

interface Marked {
  e2eMark?: string;
}

/** The console's live link is up (its status reads "Live"). */
async function online(page: Page): Promise<void> {
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
}

/** The next p2p.message `c` receives that matches, bounded. */
function nextMessage(c: ParleyClient, match: (m: P2PMessage) => boolean): Promise<P2PMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching p2p.message in ${STEP_MS} ms`)), STEP_MS);
    const on = (m: P2PMessage): void => {
      if (!match(m)) return;
      clearTimeout(timer);
      c.off('p2p.message', on);
      resolve(m);
    };
    c.on('p2p.message', on);
  });
}

describe('live in the console', () => {
  it('a direct message sent from the console reaches the other agent, and its answer appears in the log without a reload', async () => {
    const peerIdentity = await nodeAgent(hub.url, 'peer-bot');
    const peer = await connectAs(hub.url, peerIdentity);
    const { page } = owner;
    await goTo(page, 'Messages');
    await online(page);

    const hello = `hello from the console ${Date.now()}`;
    const heard = nextMessage(peer, (m) => m.content === hello);
    await page.getByRole('textbox', { name: 'To agent', exact: true }).fill(peerIdentity.agentId);
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill(hello);
    await page.getByRole('button', { name: 'Send' }).click();
    // Sent as the agent: the peer sees the claimed agent as its sender.
    expect((await heard).from).toBe(agent.agentId);
    const log = page.getByRole('log');
    await log.getByText(hello).waitFor();

    // A mark on this page's window: a reload would lose it.
    await page.evaluate(() => ((window as unknown as Marked).e2eMark = 'still here'));
    const answer = `hello back from peer-bot ${Date.now()}`;
    await peer.call('p2p/send', { to: agent.agentId, content: answer });
    await log.getByText(answer).waitFor();
    // Read as it arrived: the open conversation is not marked unread in the side list.
    const side = page.getByRole('complementary', { name: 'Conversations' }).getByRole('link').filter({ hasText: answer.slice(0, 40) });
    await side.waitFor();
    expect(await side.textContent()).not.toMatch(/unread/);
    // Arrived over the console's live connection: the page was not reloaded to show it.
    expect(await page.evaluate(() => (window as unknown as Marked).e2eMark)).toBe('still here');
    await screenshot(page, 'messages');
  });

  it("the agent's card says it is online while its own process is connected", async () => {
    const { page } = owner;
    await goTo(page, 'Agents');
    // Claimed while nothing ran as the agent: read again now that its process is connected.
    await page.reload();
    const presence = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: agent.name, exact: true }) }).locator('.presence');
    await presence.filter({ hasText: 'Online' }).waitFor();
  });

  it("a message in one of the agent's topics appears in that topic's log as it is posted", async () => {
    const member = await connectAs(hub.url, await nodeAgent(hub.url, 'reader-bot'));
    const topic = await self.call('topic/create', { name: `Reading room ${Date.now()}` });
    await member.call('topic/join', { topic_id: topic.topic_id });
    const { page } = owner;
    // Opened after the topic was made (the list of topics is read when the view opens).
    await goTo(page, 'Agents');
    await goTo(page, 'Messages');
    await online(page);
    await page.getByRole('main').getByText(topic.name).first().click();
    const posted = `chapter 4 is better than chapter 3 (${Date.now()})`;
    await member.call('topic/publish', { topic_id: topic.topic_id, content: posted });
    await page.getByRole('log').getByText(posted).waitFor();
  });

  it('the topic list is live: a topic made while it is open shows up with its first message, and what arrives elsewhere counts as unread', async () => {
    const member = await connectAs(hub.url, await nodeAgent(hub.url, 'list-bot'));
    const { page } = owner;
    await goTo(page, 'Agents');
    await goTo(page, 'Messages');
    await online(page);
    await page.evaluate(() => ((window as unknown as Marked).e2eMark = 'topic list'));
    // Made after the list was read: it comes in with the first message posted in it.
    const topic = await self.call('topic/create', { name: `Late topic ${Date.now()}` });
    await member.call('topic/join', { topic_id: topic.topic_id });
    await member.call('topic/publish', { topic_id: topic.topic_id, content: 'first!' });
    const threads = page.getByRole('complementary', { name: 'Conversations' });
    const entry = threads.getByRole('link').filter({ hasText: topic.name });
    await entry.waitFor();
    // The topic is not open: another message in it is counted as unread, live.
    await member.call('topic/publish', { topic_id: topic.topic_id, content: 'second!' });
    await entry.filter({ hasText: /[1-9]\d* unread/ }).waitFor();
    const unread = Number(/(\d+) unread/.exec((await entry.textContent()) ?? '')?.[1]);
    await member.call('topic/publish', { topic_id: topic.topic_id, content: 'third!' });
    await entry.filter({ hasText: `${unread + 1} unread` }).waitFor();
    expect(await page.evaluate(() => (window as unknown as Marked).e2eMark)).toBe('topic list');
  });

  it('makes a topic as the agent from the console; another agent joins and its message shows in the log', async () => {
    const { page } = owner;
    await goTo(page, 'Messages');
    await online(page);
    await page.getByRole('link', { name: 'New topic' }).click();
    const name = `Console-made ${Date.now()}`;
    await page.getByLabel('Topic name').fill(name);
    await page.getByLabel('Description (optional)').fill('made in the browser');
    await page.getByRole('button', { name: 'Create topic' }).click();
    // It opens, and the side list has it.
    await page.getByRole('heading', { name: `# ${name}` }).waitFor();
    await page.getByRole('complementary', { name: 'Conversations' }).getByRole('link').filter({ hasText: name }).waitFor();
    // Made by the agent, as the hub sees it.
    const found = await self.call('topic/subscribed', { limit: 100 });
    const made = found.topics.find((t) => t.name === name);
    expect(made).toMatchObject({ role: 'owner', description: 'made in the browser' });
    const visitor = await connectAs(hub.url, await nodeAgent(hub.url, 'visitor-bot'));
    await visitor.call('topic/join', { topic_id: made!.topic_id });
    await visitor.call('topic/publish', { topic_id: made!.topic_id, content: 'hello from a visitor' });
    await page.getByRole('log').getByText('hello from a visitor').waitFor();
    // A name the hub refuses (only spaces) is told in the form, and makes nothing.
    await page.getByRole('link', { name: 'New topic' }).click();
    await page.getByLabel('Topic name').fill('   ');
    await page.getByRole('button', { name: 'Create topic' }).click();
    await page.getByRole('alert').waitFor();
    expect((await self.call('topic/subscribed', { limit: 100 })).topics.length).toBe(found.topics.length);
  });

  it("the agent's task moves across the board and through the pipeline graph as it works", async () => {
    const { page } = owner;
    await goTo(page, 'Tasks');
    await online(page);
    const column = (status: RegExp) => page.getByRole('list', { name: status });
    const todo = column(/^(todo|to do) tasks$/i);
    const doing = column(/^(doing|in progress) tasks$/i);
    const review = column(/^(review|in review) tasks$/i);
    const done = column(/^done tasks$/i);

    await page.evaluate(() => ((window as unknown as Marked).e2eMark = 'board'));
    // A small pipeline of work: a plan, then the work that waits for it.
    const title = `Write the report ${Date.now()}`;
    const plan = await self.call('task/create', { title: `Plan for: ${title}`, runner: agent.agentId });
    const task = await self.call('task/create', { title, runner: agent.agentId, priority: 'P1' });
    await self.call('task/dependencies/add', { task_id: task.task_id, depends_on: plan.task_id });
    await todo.getByText(title, { exact: true }).waitFor();

    await self.call('task/start', { task_id: plan.task_id });
    await self.call('task/submit', { task_id: plan.task_id, output: 'the plan' });
    await self.call('task/review', { task_id: plan.task_id, decision: 'approve' });
    await done.getByText(`Plan for: ${title}`, { exact: true }).waitFor();

    await self.call('task/start', { task_id: task.task_id });
    await doing.getByText(title, { exact: true }).waitFor();
    await todo.getByText(title, { exact: true }).waitFor({ state: 'detached' });

    await self.call('task/submit', { task_id: task.task_id, output: 'the report, written' });
    await review.getByText(title, { exact: true }).waitFor();
    await doing.getByText(title, { exact: true }).waitFor({ state: 'detached' });
    await screenshot(page, 'tasks');

    await goTo(page, 'Pipelines');
    await page.getByText(title, { exact: true }).first().waitFor();
    await screenshot(page, 'pipeline');

    await goTo(page, 'Tasks');
    await self.call('task/review', { task_id: task.task_id, decision: 'approve' });
    await done.getByText(title, { exact: true }).waitFor();
    await review.getByText(title, { exact: true }).waitFor({ state: 'detached' });
    // Every move arrived live: the page was never reloaded.
    expect(await page.evaluate(() => (window as unknown as Marked).e2eMark)).toBe('board');
  });
});
