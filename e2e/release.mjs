#!/usr/bin/env node
// The release path, end to end, as a user meets it:
//   1. a private npm registry (Verdaccio 6.8, the last line that runs on
//      Node 20) starts on loopback with nothing in it;
//   2. a copy of this checkout (with its builds) is versioned and published
//      the way a release is: `changeset version`, then `changeset publish`;
//   3. in a fresh folder outside the repository, `npm install` takes
//      @parley/client and @parley/cli from that registry (everything else from
//      the usual one), the installed `parley --help` runs, the installed
//      `parley serve` starts a hub, the client is used from Node (ESM and
//      CommonJS: register, connect, call, receive a push) and from a browser
//      bundle in headless Chromium against that hub, and the OpenClaw plugin
//      is fetched as the one archive with no dependencies.
// Run after a build (`npm test` or `pnpm build`): `node e2e/release.mjs`.
// Needs Chromium (`apt-get install -y chromium`, or PARLEY_E2E_CHROMIUM).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assert, background, fetchRetry, freePort, main, pnpmCommand, repoRoot, run, step, waitFor } from './lib.mjs';
import { startRegistry, VERDACCIO } from './registry.mjs';

const cache = process.env.PARLEY_E2E_CACHE ?? join(homedir(), '.cache', 'parley-e2e');
const chromium = process.env.PARLEY_E2E_CHROMIUM ?? '/usr/bin/chromium';
const keep = process.env.PARLEY_E2E_KEEP === '1';
const work = mkdtempSync(join(tmpdir(), 'parley-release-'));

/** Every workspace package that is not private: what a release publishes. */
function publicPackages() {
  const out = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(repoRoot, group))) {
      const file = join(repoRoot, group, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (!pkg.private) out.push({ dir: join(group, name), name: pkg.name });
    }
  }
  return out;
}

/** The checkout as a release sees it: tracked and new files, plus every package's build. */
function copyCheckout(to) {
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { quiet: true }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(repoRoot, f))) continue; // deleted, not yet committed
    mkdirSync(dirname(join(to, f)), { recursive: true });
    cpSync(join(repoRoot, f), join(to, f));
  }
  for (const p of publicPackages()) {
    const dist = join(repoRoot, p.dir, 'dist');
    assert(existsSync(dist), `${p.name} is not built (${dist} is missing): run "pnpm build" first`);
    cpSync(dist, join(to, p.dir, 'dist'), { recursive: true });
  }
  const git = (...args) => run('git', ['-c', 'user.name=release-check', '-c', 'user.email=release-check@localhost', ...args], { cwd: to, quiet: true });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'release check');
}

async function serve(dir, port) {
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
  const server = createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.slice(1) || 'index.html';
    const file = join(dir, name);
    if (!/^[\w.-]+$/.test(name) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((done) => server.listen(port, '127.0.0.1', done));
  return server;
}

await main('release check', async () => {
  const packages = publicPackages();
  console.log(`[e2e] work folder ${work}; packages: ${packages.map((p) => p.name).join(', ')}`);

  step(`starting ${VERDACCIO} on loopback`);
  const registry = await startRegistry(work, cache);

  step('versioning and publishing a copy of the checkout with changesets');
  const repo = join(work, 'repo');
  copyCheckout(repo);
  const changeset = join(repoRoot, 'node_modules', '@changesets', 'cli', 'bin.js');
  const pending = readdirSync(join(repo, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
  run(process.execPath, [changeset, 'version'], { cwd: repo });
  const left = readdirSync(join(repo, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
  assert(pending.length === 0 || left.length === 0, `changeset version left ${left.length} changesets behind`);
  // changesets runs `pnpm publish` (which turns workspace:^ into versions):
  // give it pnpm 10 even where only npx can fetch it.
  const shims = join(work, 'bin');
  mkdirSync(shims, { recursive: true });
  const [pnpmCmd, pnpmPre] = pnpmCommand();
  if (pnpmCmd !== 'pnpm') writeFileSync(join(shims, 'pnpm'), `#!/bin/sh\nexec ${pnpmCmd} ${pnpmPre.join(' ')} "$@"\n`, { mode: 0o755 });
  // pnpm resolves workspace:^ through the installed links, as in a real
  // release from a developer's checkout; the packages are already built.
  run(pnpmCmd, [...pnpmPre, 'install', '--frozen-lockfile', '--prefer-offline', '--ignore-scripts', '--reporter=silent'], { cwd: repo, env: { ...process.env, CI: 'true' } });
  const npmrc = join(work, 'publish.npmrc');
  writeFileSync(npmrc, `registry=${registry.url}\n//127.0.0.1:${registry.port}/:_authToken=${registry.token}\n`);
  const publishEnv = {
    ...process.env,
    PATH: `${shims}:${process.env.PATH}`,
    npm_config_registry: registry.url,
    NPM_CONFIG_USERCONFIG: npmrc,
    npm_config_userconfig: npmrc,
  };
  run(process.execPath, [changeset, 'publish', '--no-git-tag'], { cwd: repo, env: publishEnv });
  const versions = {};
  for (const p of packages) {
    const version = JSON.parse(readFileSync(join(repo, p.dir, 'package.json'), 'utf8')).version;
    const doc = await (await fetchRetry(`${registry.url}${p.name.replace('/', '%2f')}`)).json();
    assert(doc.versions?.[version], `${p.name}@${version} is not on the registry after publishing (has: ${Object.keys(doc.versions ?? {}).join(', ') || 'nothing'})`);
    const deps = doc.versions[version].dependencies ?? {};
    for (const [d, range] of Object.entries(deps)) assert(!String(range).startsWith('workspace:'), `${p.name} was published with ${d}@${range}`);
    versions[p.name] = version;
  }
  console.log(`    published ${Object.entries(versions).map(([n, v]) => `${n}@${v}`).join(', ')}`);

  step('installing @parley/client and @parley/cli into a fresh folder outside the repository');
  const app = join(work, 'app');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'parley-release-app', private: true, type: 'module' }, null, 2));
  // Only @parley/* come from the new registry; the rest from the usual one.
  writeFileSync(join(app, '.npmrc'), `@parley:registry=${registry.url}\n`);
  // The user's own npm settings stay (a machine may need them to build
  // better-sqlite3); the folder's .npmrc adds the scope.
  const npmEnv = process.env;
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `@parley/client@${versions['@parley/client']}`, `@parley/cli@${versions['@parley/cli']}`, 'esbuild@0.28', 'playwright-core@1'], {
    cwd: app,
    env: npmEnv,
  });
  for (const f of readdirSync(join(repoRoot, 'e2e', 'consumer'))) cpSync(join(repoRoot, 'e2e', 'consumer', f), join(app, f));

  step('the installed `parley --help`');
  const parley = join(app, 'node_modules', '.bin', 'parley');
  const help = run(parley, ['--help'], { cwd: app, quiet: true });
  for (const cmd of ['serve', 'register', 'call', 'task', 'world', 'chat']) assert(new RegExp(`^\\s+(?:[\\w-]+\\|)*${cmd}\\b`, 'm').test(help), `parley --help does not list "${cmd}":\n${help}`);

  step('the installed `parley serve` starts a hub');
  const hubPort = await freePort();
  const hub = `http://127.0.0.1:${hubPort}`;
  const hubProc = background(parley, ['serve', '--port', String(hubPort), '--data-dir', join(work, 'hub-data'), '--log-level', 'warn'], {
    cwd: app,
    logFile: join(work, 'hub.log'),
  });
  await waitFor('the installed hub to answer /healthz', async () => (await fetchRetry(`${hub}/healthz`)).ok, { detail: hubProc.log });

  step('the installed client from Node: register, connect, call, receive a push (ESM and CommonJS)');
  const nodeOut = JSON.parse(run(process.execPath, ['node-check.mjs', hub], { cwd: app, quiet: true }).trim().split('\n').pop());
  assert(nodeOut.push.content === 'hello from the registry' && nodeOut.push.message_id === nodeOut.message_id, `Node check: ${JSON.stringify(nodeOut)}`);
  assert(nodeOut.push.from === nodeOut.whoami, `the push names its sender: ${JSON.stringify(nodeOut)}`);

  step('the installed client bundled for the browser, in headless Chromium');
  assert(existsSync(chromium), `no Chromium at ${chromium}: apt-get install -y chromium (or set PARLEY_E2E_CHROMIUM)`);
  // platform=browser: a Node built-in reached from the entry fails the bundle.
  run(join(app, 'node_modules', '.bin', 'esbuild'), ['browser-entry.js', '--bundle', '--platform=browser', '--format=esm', '--outfile=site/bundle.js', '--log-level=warning'], { cwd: app });
  const client = await import(pathToFileURL(createRequire(join(app, 'package.json')).resolve('@parley/client')).href);
  const pageIdentity = client.createIdentity();
  const peerIdentity = client.createIdentity();
  await client.register(hub, pageIdentity, { name: 'release-browser' });
  await client.register(hub, peerIdentity, { name: 'release-peer' });
  const config = { hub, identity: client.serializeIdentity(pageIdentity), peer: peerIdentity.agentId };
  writeFileSync(
    join(app, 'site', 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>parley</title><script>window.PARLEY = ${JSON.stringify(config)};</script><script type="module" src="bundle.js"></script>`,
  );
  // The peer answers the page's message with a direct message of its own.
  const peer = new client.ParleyClient({ url: hub, identity: peerIdentity, cursorStore: new client.MemoryCursorStore() });
  const heard = new Promise((done) => {
    peer.on('p2p.message', (m) => {
      void peer.call('p2p/send', { to: m.from, content: `echo: ${m.content}` }, { timeoutMs: 30_000 }).then(() => done(m));
    });
  });
  await peer.connect();
  const sitePort = await freePort();
  const site = await serve(join(app, 'site'), sitePort);
  const { chromium: pw } = createRequire(join(app, 'package.json'))('playwright-core');
  const browser = await pw.launch({
    executablePath: chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${sitePort}/`);
    await page.waitForFunction(() => window.PARLEY_RESULT !== undefined, null, { timeout: 120_000 });
    const result = await page.evaluate(() => window.PARLEY_RESULT);
    assert(result.ok, `the page failed: ${result.error} ${errors.join('\n')}`);
    assert(result.native === true, 'the page did not have a native WebSocket');
    assert(result.whoami === pageIdentity.agentId, `whoami in the page: ${result.whoami}`);
    assert(result.answer.from === peerIdentity.agentId && result.answer.content === 'echo: hello from a browser', `the page's push: ${JSON.stringify(result)}`);
    const m = await heard;
    assert(m.from === pageIdentity.agentId && m.message_id === result.sent, `the peer got ${JSON.stringify(m)}`);
  } finally {
    await browser.close();
    site.close();
    await peer.close();
  }
  const stopped = await hubProc.stop();
  assert(stopped.code === 0 || stopped.signal === 'SIGTERM', `the hub did not stop cleanly: ${JSON.stringify(stopped)}\n${hubProc.log()}`);

  step('the OpenClaw plugin from the registry: one archive, nothing to install with it');
  const adapter = '@parley/openclaw-adapter';
  const packed = run('npm', ['pack', `${adapter}@${versions[adapter]}`, '--json', '--pack-destination', work], { cwd: app, env: npmEnv, quiet: true });
  const info = JSON.parse(packed)[0];
  const files = info.files.map((f) => f.path);
  for (const f of ['openclaw.plugin.json', 'package.json', 'dist/index.js', 'skills/parley/SKILL.md']) assert(files.includes(f), `the plugin archive lacks ${f}`);
  const manifest = JSON.parse(run('tar', ['-xOzf', join(work, info.filename), 'package/package.json'], { quiet: true }));
  assert(Object.keys(manifest.dependencies ?? {}).length === 0, `the plugin archive declares dependencies: ${JSON.stringify(manifest.dependencies)}`);

  await registry.proc.stop();
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`[e2e] kept ${work}`);
});
