import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindCode, cliAgent, launchBrowser, newHuman, openConsole, signUp, startConsoleHub, type ConsoleHub, type Tab } from './harness.js';

/**
 * The people endpoints under attack, from a browser: a claim code past its
 * time, a session cookie stolen without its CSRF token, and a human acting
 * on an agent they are not bound to.
 */
let hub: ConsoleHub;
let browser: Browser;
const tabs: Tab[] = [];
const hubs: ConsoleHub[] = [];

beforeAll(async () => {
  hub = await startConsoleHub();
  browser = await launchBrowser();
});
afterAll(async () => {
  await Promise.all(tabs.map((t) => t.context.close()));
  await browser?.close();
  await Promise.all([hub, ...hubs].map((h) => h?.close()));
});

async function tab(on: ConsoleHub = hub): Promise<Tab> {
  const t = await openConsole(browser, on);
  tabs.push(t);
  return t;
}

/** A human who claimed an agent through the console. */
async function owner(name: string): Promise<{ t: Tab; agentId: string }> {
  const t = await tab();
  await signUp(t.page, newHuman(name));
  const agent = await cliAgent(hub.url, `${name.toLowerCase()}-bot`);
  await t.page.getByLabel('Claim code').fill(await bindCode(agent));
  await t.page.getByRole('button', { name: 'Claim agent' }).click();
  await t.page.getByRole('heading', { name: agent.name, exact: true }).waitFor();
  return { t, agentId: agent.agentId };
}

describe('security in the browser', () => {
  it('an expired claim code gets a clear error in the console and binds nothing', async () => {
    // Claim codes on this hub live 1 s, so one expires within the test.
    const CLAIM_TTL_S = 1;
    const quick = await startConsoleHub({ accounts: { claimCodeTtlSeconds: CLAIM_TTL_S } });
    hubs.push(quick);
    const agent = await cliAgent(quick.url, 'late-bot');
    const t = await tab(quick);
    await signUp(t.page, newHuman('Slow'));
    const made = Date.now();
    const code = await bindCode(agent);
    // The code's life is the behaviour under test: wait it out (1 s, plus a second for clock granularity).
    const expired = made + (CLAIM_TTL_S + 1) * 1000;
    if (Date.now() < expired) await new Promise((r) => setTimeout(r, expired - Date.now()));
    await t.page.getByLabel('Claim code').fill(code);
    await t.page.getByRole('button', { name: 'Claim agent' }).click();
    await t.page.getByRole('alert').filter({ hasText: /expired.*ask the agent for a new one/i }).waitFor();
    const agents = await t.page.evaluate(async () => (await (await fetch('/v1/account/agents')).json()) as { agents: unknown[] });
    expect(agents.agents).toEqual([]);
  });

  it('a stolen session cookie without the CSRF token changes nothing', async () => {
    const { t, agentId } = await owner('Victim');
    const cookie = (await t.context.cookies()).find((c) => c.name === 'parley_session');
    expect(cookie, 'the session cookie').toBeDefined();
    // The page's scripts cannot read it, and other sites' requests do not carry it.
    expect(cookie!.httpOnly).toBe(true);
    expect(cookie!.sameSite).toBe('Strict');

    const stolen = { cookie: `parley_session=${cookie!.value}`, 'content-type': 'application/json' };
    const keys = `${hub.url}/v1/account/agents/${agentId}/keys`;
    const noToken = await fetch(keys, { method: 'POST', headers: stolen, body: JSON.stringify({ name: 'stolen' }) });
    expect(noToken.status).toBe(403);
    const badToken = await fetch(keys, { method: 'POST', headers: { ...stolen, 'x-parley-csrf': 'guessed' }, body: JSON.stringify({ name: 'stolen' }) });
    expect(badToken.status).toBe(403);
    const invite = await fetch(`${hub.url}/v1/account/agents/${agentId}/invite`, { method: 'POST', headers: stolen, body: '{}' });
    expect(invite.status).toBe(403);
    // Nothing was made: the owner's own view of the keys and invite is unchanged.
    const list = (await (await fetch(keys, { headers: { cookie: stolen.cookie } })).json()) as { keys: unknown[] };
    expect(list.keys).toEqual([]);
    const state = (await (await fetch(`${hub.url}/v1/account/agents/${agentId}/invite`, { headers: { cookie: stolen.cookie } })).json()) as { invite_status: string };
    expect(state.invite_status).toBe('none');
  });

  it('five wrong passwords lock the account: the console says for how long, and the right password waits too', async () => {
    const t = await tab();
    const who = newHuman('Forgetful');
    await signUp(t.page, who);
    await t.page.getByRole('button', { name: 'Log out' }).click();
    const tryLogin = async (password: string) => {
      await t.page.getByLabel('Email').fill(who.email);
      await t.page.getByLabel('Password').fill(password);
      await t.page.getByRole('button', { name: 'Log in', exact: true }).click();
    };
    for (let i = 0; i < 5; i++) {
      await tryLogin(`wrong guess ${i}`);
      // Each refusal is answered before the next try (the alert names it).
      await t.page.getByRole('alert').filter({ hasText: /email or password|too many/i }).waitFor();
      await t.page.getByRole('button', { name: 'Log in', exact: true }).and(t.page.locator(':enabled')).waitFor();
    }
    await tryLogin(who.password);
    await t.page.getByRole('alert').filter({ hasText: /too many failed logins.*try again in \d+ s/i }).waitFor();
    expect(await t.page.getByRole('button', { name: 'Log out' }).count()).toBe(0);
  });

  it('a human cannot act on an agent they are not bound to', async () => {
    const { agentId } = await owner('Holder');
    const stranger = await tab();
    await signUp(stranger.page, newHuman('Stranger'));
    const statuses = await stranger.page.evaluate(async (id) => {
      const s = (await (await fetch('/v1/account/session')).json()) as { csrf_token: string };
      const post = (path: string, body: unknown) =>
        fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-parley-csrf': s.csrf_token }, body: JSON.stringify(body) }).then((r) => r.status);
      const get = (path: string) => fetch(path).then((r) => r.status);
      const base = `/v1/account/agents/${id}`;
      return {
        keysCreate: await post(`${base}/keys`, { name: 'mine now' }),
        keysList: await get(`${base}/keys`),
        inviteRotate: await post(`${base}/invite`, {}),
        bindings: await get(`${base}/bindings`),
        consoleToken: await post(`${base}/console-token`, {}),
        activity: await get(`${base}/activity`),
      };
    }, agentId);
    // Refused, each of them, whether the agent is unknown to them (404) or known and not theirs (403).
    for (const [what, status] of Object.entries(statuses)) expect([403, 404], `${what}: ${status}`).toContain(status);
    const agents = await stranger.page.evaluate(async () => (await (await fetch('/v1/account/agents')).json()) as { agents: unknown[] });
    expect(agents.agents).toEqual([]);
  });
});
