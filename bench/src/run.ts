import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FULL, SMOKE } from './params.js';
import { buildRows, markdownTable, textTable, SCENARIO_TITLES, type CellOutcome } from './report.js';
import { findNatsServer, natsMissing } from './servers/nats-binary.js';
import { SCENARIOS, SERVERS, SERVER_LABELS, runsOn, type BenchParams, type ChildMessage, type LoadJob, type ScenarioName, type ServerKind } from './types.js';

/**
 * The orchestrator: for each scenario, for each server in turn, start the
 * server in its own process (and the cutting proxy for the storm), start the
 * load generator in another, relay their questions, collect the figures.
 * Nothing is measured in this process.
 */
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = `${pkgDir}results`;

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    scenario: { type: 'string' },
    server: { type: 'string' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`usage: pnpm bench [--smoke] [--scenario ${SCENARIOS.join(',')}] [--server ${SERVERS.join(',')}] [--profile] [--out NAME]

  --smoke     tiny sizes: checks the harness works; the figures mean nothing
  --scenario  run only these scenarios (comma-separated)
  --server    run only against these servers
  --profile   start servers with --cpu-prof; profiles go to bench/results/profiles/
  --out NAME  write results/NAME.json and NAME.md (default: latest, smoke, or partial)`);
  process.exit(0);
}

function pick<T extends string>(list: string | undefined, all: readonly T[], what: string): T[] {
  if (!list) return [...all];
  const chosen = list.split(',').map((s) => s.trim());
  for (const c of chosen) if (!all.includes(c as T)) throw new Error(`unknown ${what} "${c}"; choose from ${all.join(', ')}`);
  return chosen as T[];
}

const scenarios = pick(args.scenario, SCENARIOS, 'scenario');
const chosen = pick(args.server, SERVERS, 'server');
// The smoke run only proves the harness works, so a machine without nats-server may leave JetStream out
// (saying so); a measuring run fails for it instead, as parley-pg does without its database.
const skipped = args.smoke && chosen.includes('jetstream') && !findNatsServer() ? [{ server: 'jetstream' as const, reason: natsMissing() }] : [];
for (const s of skipped) console.log(`skipping ${s.server} in this smoke run: ${s.reason}`);
const servers = chosen.filter((s) => !skipped.some((k) => k.server === s));
// The two-hub server runs only the cross-hub scenario, which runs only on PostgreSQL's one and two hubs (types.ts).
if (args.server) for (const s of servers) if (!scenarios.some((sc) => runsOn(sc, s))) console.log(`${s} runs none of the scenarios chosen (${scenarios.join(', ')}): left out`);
const params: BenchParams = args.smoke ? SMOKE : FULL;
const complete = scenarios.length === SCENARIOS.length && servers.length === SERVERS.length;
const outName = args.out ?? (args.smoke ? 'smoke' : complete ? 'latest' : 'partial');
const cellTimeoutMs = args.smoke ? 120_000 : 600_000;

// ---- child processes --------------------------------------------------------

function start(file: string, argv: string[] = [], execArgv: string[] = []): ChildProcess {
  const child = fork(here(file), argv, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // A message sent while the child is exiting (its channel still looks connected) fails with EPIPE as an
  // 'error' event; unhandled, that would crash the whole run. The child's exit is what the run acts on.
  child.on('error', () => {});
  return child;
}

/** Resolves with the first message `pick` accepts; rejects when the child fails, exits or takes too long. */
function expect<T>(child: ChildProcess, what: string, timeoutMs: number, pickMsg: (m: ChildMessage) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${what}: no answer in ${timeoutMs / 1000} s`)), timeoutMs);
    const onMessage = (m: ChildMessage) => {
      if (m.type === 'failed') return finish(new Error(`${what}: ${m.error}`));
      const v = pickMsg(m);
      if (v !== undefined) finish(null, v);
    };
    const onExit = (code: number | null, signal: string | null) => finish(new Error(`${what}: process exited (${signal ?? code})`));
    const finish = (err: Error | null, v?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(v as T);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (child.connected) child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const portOf = (m: ChildMessage) => (m.type === 'ready' ? m.port : undefined);
const readyOf = (m: ChildMessage) => (m.type === 'ready' ? m : undefined);

async function runCell(scenario: ScenarioName, server: ServerKind): Promise<CellOutcome> {
  const what = `${scenario}/${server}`;
  const profileArgs = (who: string) =>
    args.profile ? ['--cpu-prof', `--cpu-prof-dir=${resultsDir}/profiles`, `--cpu-prof-name=${scenario}-${server}-${who}.cpuprofile`] : [];
  if (args.profile) mkdirSync(`${resultsDir}/profiles`, { recursive: true });
  const srv = start(`servers/${server}.js`, [], ['--expose-gc', ...profileArgs('server')]);
  let proxy: ChildProcess | undefined;
  let load: ChildProcess | undefined;
  try {
    const { port, peers = [] } = await expect(srv, `${what} server start`, 30_000, readyOf);
    const url = `http://127.0.0.1:${port}`;
    const job: LoadJob = { scenario, server, url, urls: [url, ...peers.map((p) => `http://127.0.0.1:${p}`)], params };
    if (scenario === 'storm') {
      proxy = start('proxy.js', [String(port)]);
      job.proxyUrl = `http://127.0.0.1:${await expect(proxy, `${what} proxy start`, 30_000, portOf)}`;
    }
    load = start('load.js', [], profileArgs('load'));
    // Questions from the load generator go to the server or the proxy; answers come back.
    const loadProc = load;
    const targets = { server: srv, proxy };
    loadProc.on('message', (m: ChildMessage) => {
      if (m.type !== 'ask') return;
      const target = targets[m.to];
      if (target?.connected) target.send(m);
      else loadProc.send({ type: 'answer', id: m.id, error: `no ${m.to} process` });
    });
    const relayBack = (m: ChildMessage) => {
      if (m.type === 'answer' && loadProc.connected) loadProc.send(m);
    };
    srv.on('message', relayBack);
    proxy?.on('message', relayBack);
    const result = expect(load, what, cellTimeoutMs, (m) => (m.type === 'result' ? m : undefined));
    load.send({ type: 'run', job });
    const { measurements, notes } = await result;
    return { scenario, server, measurements, notes };
  } catch (err) {
    return { scenario, server, measurements: [], notes: [], error: err instanceof Error ? err.message : String(err) };
  } finally {
    // A profiled load generator must exit on its own (it does, 50 ms after its result) to write its profile.
    if (!args.profile) load?.kill('SIGKILL');
    await Promise.all([stop(load), stop(srv), stop(proxy)]);
  }
}

// ---- main -----------------------------------------------------------------

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: pkgDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

// On a shared machine the figures move with whatever else runs: the load average says how busy it was.
const loadBefore = loadavg()[0]!;
const cells: CellOutcome[] = [];
for (const scenario of scenarios) {
  for (const server of servers) {
    if (!runsOn(scenario, server)) continue;
    process.stdout.write(`${SCENARIO_TITLES[scenario]} · ${SERVER_LABELS[server]} … `);
    const t0 = Date.now();
    const cell = await runCell(scenario, server);
    cells.push(cell);
    console.log(cell.error ? `FAILED: ${cell.error}` : `done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const n of cell.notes) console.log(`    ${n}`);
  }
}

const rows = buildRows(cells);
const meta = {
  date: new Date().toISOString(),
  mode: args.smoke ? 'smoke' : 'full',
  commit: gitCommit(),
  node: process.version,
  os: `${osType()} ${release()}`,
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  memory_gib: Math.round(totalmem() / 2 ** 30),
  /** 1-minute load average when the run began and when it ended. */
  load: [loadBefore, loadavg()[0]!].map((l) => Math.round(l * 100) / 100),
  params,
};
const failures = cells.filter((c) => c.error).map((c) => ({ scenario: c.scenario, server: c.server, error: c.error }));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  `${resultsDir}/${outName}.json`,
  JSON.stringify({ meta, rows, notes: cells.map(({ scenario, server, notes }) => ({ scenario, server, notes })), failures, skipped }, null, 2) + '\n',
);

const md = [
  `Measured ${meta.date.slice(0, 10)} at ${meta.commit ?? 'an uncommitted tree'}, Node ${meta.node}, ${meta.cpu}, ${meta.memory_gib} GiB, ${meta.os}, load average ${meta.load[0]} → ${meta.load[1]}${args.smoke ? ' (smoke sizes: not a measurement)' : ''}.`,
  '',
  markdownTable(rows, servers),
  ...skipped.map((k) => `\nNot run: ${k.server}: ${k.reason}.`),
  ...(failures.length ? ['', '**Failed:**', ...failures.map((f) => `- ${f.scenario} / ${f.server}: ${f.error}`)] : []),
].join('\n');
writeFileSync(`${resultsDir}/${outName}.md`, md + '\n');

// A complete full run is the table bench/README.md shows.
const readme = `${pkgDir}README.md`;
if (outName === 'latest' && existsSync(readme)) {
  const text = readFileSync(readme, 'utf8');
  const re = /(<!-- results:start -->\n)[\s\S]*?(\n<!-- results:end -->)/;
  if (re.test(text)) writeFileSync(readme, text.replace(re, `$1${md}$2`));
}

console.log('\n' + textTable(rows, servers));
console.log(`\nwrote bench/results/${outName}.json and ${outName}.md`);
if (failures.length) {
  console.error(`${failures.length} run(s) failed`);
  process.exitCode = 1;
}
// Children are gone; nothing should keep us, but do not wait on a stray handle.
setTimeout(() => process.exit(), 100).unref();
