/**
 * The web console in a real browser against a real hub: a hub on an
 * ephemeral port with its own data directory (serving apps/console's build at
 * /console), Debian's Chromium driven by playwright-core, the real `parley`
 * CLI as a separate process for the agent's side (register, bind), and
 * @parley/client in Node for everything other agents and scripts do.
 *
 * Every wait is Playwright's own (auto-waiting locators, 30 s) or an event
 * from a real connection; nothing sleeps to let something happen.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHub, type HubOptions, type RunningHub } from '@parley/hub';
import { ParleyClient, createIdentity, register, type Identity } from '@parley/client';
import { loadIdentity } from '@parley/client/node';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it), or another named by PARLEY_E2E_CHROMIUM. */
export const CHROMIUM = process.env.PARLEY_E2E_CHROMIUM ?? '/usr/bin/chromium';

/** How long any one step in the browser may take: generous, a loaded CI machine is slow, and a working step is quick anyway. */
export const STEP_MS = 30_000;

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
/** The console's build as the hub finds it (@parley/console, a workspace link to apps/console). */
const CONSOLE_INDEX = here('../node_modules/@parley/console/dist/index.html');
/** The `parley` file npm and pnpm link (bin/parley.js loads dist/bin.js). */
const CLI_BIN = here('../node_modules/@parley/cli/bin/parley.js');
export const SCREENSHOTS = here('../../../apps/console/screenshots');

export interface ConsoleHub {
  url: string;
  /** `${url}/console/` */
  consoleUrl: string;
  dataDir: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A hub on a free port, in a temp data directory (SQLite), serving the
 * console; fails clearly when the console is not built. `opts` may name a
 * port and a dataDir (a restart of an earlier hub): a dataDir given is kept.
 */
export async function startConsoleHub(opts: HubOptions = {}): Promise<ConsoleHub> {
  if (!existsSync(CONSOLE_INDEX)) {
    throw new Error(
      'the web console is not built (no apps/console/dist/index.html): run `pnpm --filter @parley/console build` ' +
        '(`npm test` builds it before these tests)',
    );
  }
  const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'parley-console-e2e-'));
  const remove = (): void => {
    if (opts.dataDir === undefined) rmSync(dir, { recursive: true, force: true });
  };
  let hub: RunningHub;
  try {
    // Every human of a test file signs up from 127.0.0.1: more than the 5 signups per address the hub allows by default.
    const signups = { perSecond: 0.02, burst: 100 };
    hub = await startHub({ port: 0, host: '127.0.0.1', logLevel: 'silent', signupRateLimit: signups, ...opts, dataDir: dir });
  } catch (err) {
    remove();
    throw err;
  }
  const consoleUrl = `${hub.url}/console/`;
  const res = await fetch(consoleUrl);
  if (res.status !== 200) {
    await hub.close();
    throw new Error(`the hub does not serve the console at ${consoleUrl}: HTTP ${res.status} ${await res.text()}`);
  }
  return {
    url: hub.url,
    consoleUrl,
    dataDir: dir,
    port: hub.port,
    close: async () => {
      await hub.close();
      remove();
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set PARLEY_E2E_CHROMIUM)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors in the page, for failure messages. */
  errors: string[];
}

/** A fresh browser context (its own cookies: one human) with one page on the console. */
export async function openConsole(browser: Browser, hub: ConsoleHub, viewport = { width: 1280, height: 860 }): Promise<Tab> {
  const context = await browser.newContext({ viewport, baseURL: hub.url });
  context.setDefaultTimeout(STEP_MS);
  context.setDefaultNavigationTimeout(STEP_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The address people type (the README's); the hub redirects it to /console/.
  await page.goto('/console');
  return { context, page, errors };
}

let humans = 0;
export interface Human {
  email: string;
  displayName: string;
  password: string;
}
/** A new human, unique within the run. */
export function newHuman(name: string): Human {
  humans++;
  return { email: `${name.toLowerCase()}.${process.pid}.${humans}@example.test`, displayName: name, password: `correct horse ${name} battery` };
}

/** Signs up through the console's form; resolves once the console shows the signed-in app (its "Log out" button). */
export async function signUp(page: Page, who: Human): Promise<void> {
  const toSignup = page.getByRole('button', { name: 'Create an account' });
  const displayName = page.getByLabel('Display name');
  // The page opens on the login form (or already on sign-up): switch when it is the former.
  await toSignup.or(displayName).first().waitFor();
  if (await toSignup.isVisible()) await toSignup.click();
  await page.getByLabel('Email').fill(who.email);
  await displayName.fill(who.displayName);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  const signedIn = page.getByRole('button', { name: 'Log out' });
  const refused = page.getByRole('alert');
  await signedIn.or(refused).first().waitFor();
  if (!(await signedIn.isVisible())) throw new Error(`signing up ${who.email} was refused: ${(await refused.allTextContents()).join(' ')}`);
}

/** Goes to one of the console's views through its nav link. */
export async function goTo(page: Page, view: string): Promise<void> {
  await page.getByRole('link', { name: view, exact: true }).click();
  await page.waitForURL(new RegExp(`#/${view.toLowerCase()}`));
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `parley <args>` as a separate process, as a person types it, bounded. */
export function parley(args: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`parley ${args.join(' ')} did not finish in ${STEP_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, STEP_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

/** An agent registered with the CLI: its home holds its identity, as on a user's machine. */
export interface CliAgent {
  agentId: string;
  name: string;
  home: string;
  hubUrl: string;
}

async function parleyOk(agent: Pick<CliAgent, 'home' | 'hubUrl'>, args: string[]): Promise<string> {
  const res = await parley(args, { PARLEY_HOME: agent.home, PARLEY_URL: agent.hubUrl });
  if (res.code !== 0) throw new Error(`parley ${args.join(' ')} exited ${res.code}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
  return res.stdout;
}

/** `parley register --name <name>` in a fresh home. */
export async function cliAgent(hubUrl: string, name: string): Promise<CliAgent> {
  const home = mkdtempSync(join(tmpdir(), 'parley-console-e2e-home-'));
  const out = JSON.parse(await parleyOk({ home, hubUrl }, ['register', '--name', name, '--json'])) as { agent_id: string };
  return { agentId: out.agent_id, name, home, hubUrl };
}

const CLAIM_CODE = /PARLEY-CLAIM-[A-Z2-7]{8}/;

/** `parley bind`: the claim code it prints for a human to enter. */
export async function bindCode(agent: CliAgent): Promise<string> {
  const out = await parleyOk(agent, ['bind']);
  const code = CLAIM_CODE.exec(out)?.[0];
  if (code === undefined) throw new Error(`parley bind printed no claim code:\n${out}`);
  return code;
}

/** The `npx parley ...` lines of the README's "Web console" section, as argument lists (comments dropped). */
export function readmeConsoleCommands(): string[][] {
  const text = readFileSync(here('../../../README.md'), 'utf8');
  const at = text.indexOf('## Web console');
  if (at < 0) throw new Error('the README has no "## Web console" section');
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at))?.[1] ?? '';
  return block
    .split('\n')
    .filter((l) => l.startsWith('npx parley '))
    .map((l) => l.replace(/\s+#.*$/, '').split(/\s+/).slice(2));
}

/**
 * The README's steps for getting a claim code, run as written (with `npx
 * parley` as this checkout's CLI) in a fresh home against `hubUrl`: the agent
 * they register and the code the last one prints.
 */
export async function readmeClaimCode(hubUrl: string): Promise<{ agent: CliAgent; code: string }> {
  const home = mkdtempSync(join(tmpdir(), 'parley-console-e2e-readme-'));
  const commands = readmeConsoleCommands();
  if (commands.length === 0) throw new Error('the README\'s "Web console" section has no `npx parley` command');
  let out = '';
  for (const args of commands) out = await parleyOk({ home, hubUrl }, args);
  const code = CLAIM_CODE.exec(out)?.[0];
  if (code === undefined) throw new Error(`the README's last console command (parley ${commands.at(-1)!.join(' ')}) printed no claim code:\n${out}`);
  const identity = await loadIdentity(join(home, 'identity.json'));
  const registration = commands.find((a) => a[0] === 'register') ?? [];
  const name = registration[registration.indexOf('--name') + 1];
  if (!registration.includes('--name') || name === undefined) throw new Error('the README\'s console steps register the agent without --name');
  return { agent: { agentId: identity.agentId, name, home, hubUrl }, code };
}

/** The CLI agent's own identity (its home's identity.json), for acting as it from Node. */
export function identityOf(agent: CliAgent): Promise<Identity> {
  return loadIdentity(join(agent.home, 'identity.json'));
}

/** Another agent, registered from Node. */
export async function nodeAgent(hubUrl: string, name: string): Promise<Identity> {
  const identity = createIdentity();
  await register(hubUrl, identity, { name });
  return identity;
}

const clients = new Set<ParleyClient>();
/** A connected client acting as `identity`; closed by closeClients. */
export async function connectAs(hubUrl: string, identity: Identity): Promise<ParleyClient> {
  const c = new ParleyClient({ url: hubUrl, identity });
  clients.add(c);
  await c.connect();
  return c;
}
/** Keeps track of a client made elsewhere, so closeClients closes it. */
export function track(c: ParleyClient): ParleyClient {
  clients.add(c);
  return c;
}
export async function closeClients(): Promise<void> {
  await Promise.all([...clients].map((c) => c.close()));
  clients.clear();
}

/** Saves the page as apps/console/screenshots/<name>.png (overwritten each run, so they stay current). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Transitions finished (a nav link's highlight fading out is not part of the view), and no pointer over anything.
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
}
