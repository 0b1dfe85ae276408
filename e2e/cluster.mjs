#!/usr/bin/env node
// Several hubs as an operator runs them, one PostgreSQL and one Redis between
// them, each hub its own `parley serve` process, driven over the wire:
//   1. kill -9 under load: senders on every hub send direct messages and topic
//      messages; chat conversations with a short turn timeout are started on
//      the hub that then dies, and delegated requests to workers that never
//      answer. Its clients reconnect elsewhere, resume from their cursors and
//      re-send what was not answered with the same u_id. No acknowledged write
//      lost, none stored twice, every receiver's streams dense and in order,
//      each conversation ended once and each delegated request moved to the
//      other worker once and then failed once (the dead hub's deadlines taken
//      over by a live hub).
//   2. Redis restarted during traffic: the same, and presence right again on
//      every hub afterwards.
//   3. two hubs behind the reference load balancer (deploy/nginx/parley.conf,
//      run with its own ports): register, connect and send through it, kill
//      one hub, clients come back through the balancer without loss.
//   4. a hub killed while Redis is down: once Redis is back, its agents are
//      offline everywhere and told so (a worker's pending delegated request
//      fails over at once, not at its deadline).
// The database (fresh, dropped at the end) is on the machine's PostgreSQL
// (PARLEY_E2E_PG, default postgres://postgres@127.0.0.1:5432); Redis is a
// private redis-server on a free port, so it can be restarted at will.
// Needs a build (`pnpm build`), redis-server and nginx (`apt-get install -y
// nginx-light`). PARLEY_E2E_KEEP=1 keeps the logs under the temp folder.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert, background, fetchRetry, freePort, main, repoRoot, step, waitFor } from './lib.mjs';

// The hub's own dependencies: this check adds none.
const hubRequire = createRequire(join(repoRoot, 'packages/hub/package.json'));
const WebSocket = hubRequire('ws');
const pg = hubRequire('pg');
const { generateKeyPair, registerSigningString, signMessage } = hubRequire('@parley/protocol');

const CLI = join(repoRoot, 'packages/cli/bin/parley.js');
const PG_BASE = process.env.PARLEY_E2E_PG ?? 'postgres://postgres@127.0.0.1:5432';
const keep = process.env.PARLEY_E2E_KEEP === '1';
const work = mkdtempSync(join(tmpdir(), 'parley-cluster-'));
const runId = randomBytes(4).toString('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Short timeouts so a dead hub's sessions and deadlines move on within the run. */
const HUB_ENV = {
  PARLEY_CLUSTER_TTL_MS: '2000',
  PARLEY_TIMER_GRACE_MS: '500',
  PARLEY_RATE_LIMIT: 'off',
  PARLEY_ADDRESS_RATE_LIMIT: 'off',
  PARLEY_REGISTER_RATE_LIMIT: 'off',
  PARLEY_TOKEN_RATE_LIMIT: 'off',
  PARLEY_LOG_LEVEL: 'warn',
};

// ---- the pieces: database, Redis, hubs, nginx --------------------------------

let dbName = null;
const dbUrl = () => `${PG_BASE}/${dbName}`;

async function admin(sql) {
  const c = new pg.Client({ connectionString: `${PG_BASE}/postgres` });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

async function query(sql, params) {
  const c = new pg.Client({ connectionString: dbUrl() });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

let redisProc = null;
let redisPort = 0;
let redisStarts = 0;
async function startRedis() {
  redisStarts++;
  redisProc = background('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work], {
    logFile: join(work, `redis-${redisStarts}.log`),
  });
  const proc = redisProc;
  await waitFor(`redis-server on port ${redisPort}`, () => {
    if (proc.child.exitCode !== null) throw new Error(`redis-server exited: ${proc.log().slice(-1000)}`);
    return spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redisPort), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG';
  }, { timeoutMs: 20_000 });
}

/** Every hub started, in order; `urls` is what clients rotate through when a connection fails. */
const hubs = [];
async function startHub(name, extraEnv = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = background(process.execPath, [CLI, 'serve', '--db', dbUrl(), '--redis', `redis://127.0.0.1:${redisPort}`, '--port', String(port)], {
    env: { ...process.env, ...HUB_ENV, ...extraEnv },
    logFile: join(work, `${name}.log`),
  });
  await waitFor(`${name} answering /healthz`, async () => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`${name} exited early:\n${proc.log().slice(-3000)}`);
    return (await fetch(`${url}/healthz`)).ok;
  }, { timeoutMs: 60_000, detail: () => proc.log().slice(-3000) });
  const hub = { name, url, port, proc, alive: true };
  hubs.push(hub);
  return hub;
}

/** kill -9 of the hub's whole process group: no shutdown, no goodbye to Redis. */
async function kill9(hub) {
  hub.alive = false;
  try {
    process.kill(-hub.proc.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await hub.proc.exited;
}

// ---- an agent over the wire -------------------------------------------------

let uidCounter = 0;
const newUid = () => `e2e-${runId}-${++uidCounter}`;

async function register(base) {
  const keys = generateKeyPair();
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetchRetry(`${base}/v1/agents/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ public_key: keys.publicKey, ts, sig: signMessage(keys.secretKey, registerSigningString(keys.publicKey, ts)) }),
  });
  const body = await res.json();
  assert(res.status === 200, `register through ${base}: ${res.status} ${JSON.stringify(body)}`);
  return { agentId: body.agent_id, token: body.token };
}

/** One request over HTTP (`POST /v1/rpc`); returns the response envelope. */
async function rpc(base, agent, action, params, uId = newUid()) {
  const res = await fetchRetry(`${base}/v1/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ agent_id: agent.agentId, u_id: uId, params: { action, params } }),
  });
  return res.json();
}

function ok(frame, what) {
  if (frame?.status !== 'success') throw new Error(`${what}: expected success, got ${JSON.stringify(frame)}`);
  return frame.content;
}

/**
 * A WebSocket client that behaves as the protocol asks of a client: on a
 * lost connection it connects again (to the next URL of `urls()`), resumes
 * every stream from the last seq it handled, and re-sends every request not
 * yet answered with success, with the same u_id, until it is.
 */
class Client {
  constructor(label, agent, urls, first = 0) {
    this.label = label;
    this.agent = agent;
    this.urls = urls;
    this.next = first;
    this.own = `agent:${agent.agentId}`;
    this.cursors = new Map();
    this.events = [];
    this.pending = new Map();
    this.ws = null;
    this.ready = false;
    this.closed = false;
    this.connects = 0;
    /** The URL of the hub (or balancer) the current session was opened on. */
    this.url = null;
    this.resent = 0;
    /** Error answers, as `code: error`: what a hub said while it could not serve. */
    this.refusals = [];
    this.watchdog = setInterval(() => this.tick(), 1000);
  }

  /** Connects, trying each URL in turn until one takes the session (bounded). */
  async connect() {
    const deadline = Date.now() + 60_000;
    let last;
    while (!this.closed && Date.now() < deadline) {
      const list = this.urls();
      const url = list[this.next++ % list.length];
      try {
        await this.open(url);
        return;
      } catch (err) {
        last = err;
        await sleep(250);
      }
    }
    if (!this.closed) throw new Error(`${this.label}: could not connect within 60 s (${last?.message})`);
  }

  open(url) {
    return new Promise((done, fail) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`);
      this.ws = ws;
      let connected = false;
      const timer = setTimeout(() => ws.terminate(), 10_000);
      ws.on('error', () => undefined);
      ws.on('message', (raw) => {
        const f = JSON.parse(raw.toString());
        if (f.type === 'challenge') {
          const resume = Object.fromEntries(this.cursors);
          ws.send(JSON.stringify({ type: 'auth', agent_id: this.agent.agentId, token: this.agent.token, ...(this.cursors.size > 0 ? { resume } : {}) }));
        } else if (f.type === 'connected') {
          clearTimeout(timer);
          connected = true;
          this.connects++;
          this.url = url;
          // A first connect learns where its own stream starts; later ones resume from the cursor.
          if (!this.cursors.has(this.own)) this.cursors.set(this.own, f.resumed[this.own].from);
          this.ready = true;
          for (const e of this.pending.values()) this.send(e);
          done();
        } else if (f.type === 'push') {
          this.events.push(f);
          if (f.seq > (this.cursors.get(f.stream) ?? -1)) this.cursors.set(f.stream, f.seq);
        } else if (typeof f.status === 'string' && f.u_id) {
          const e = this.pending.get(f.u_id);
          if (!e) return;
          if (f.status === 'success') {
            this.pending.delete(f.u_id);
            e.done(f.content);
          } else {
            // Not done: a hub may refuse while Redis is away. Again, same u_id, a little later.
            e.errors.push(f.content);
            this.refusals.push(`${f.content?.code}: ${f.content?.error}`);
            if (e.errors.length > 200) {
              this.pending.delete(f.u_id);
              e.fail(new Error(`${this.label}: ${e.action} failed 200 times, last ${JSON.stringify(f.content)}`));
            } else setTimeout(() => this.send(e), 250);
          }
        }
      });
      ws.on('close', () => {
        clearTimeout(timer);
        if (this.ws === ws) this.ready = false;
        if (!connected) return fail(new Error(`connection to ${url} closed before "connected"`));
        // A client that cannot get back in is named when its requests stay unanswered (load().finish).
        if (!this.closed) this.connect().catch((err) => (this.broken = err));
      });
    });
  }

  send(e) {
    if (!this.ready || !this.pending.has(e.uId)) return;
    if (e.attempts++ > 0) this.resent++;
    e.sentAt = Date.now();
    this.ws.send(e.text);
  }

  /** Re-sends what has gone unanswered for 5 s (a request lost with its connection's buffers), and keeps the session alive. */
  tick() {
    if (!this.ready) return;
    for (const e of this.pending.values()) if (Date.now() - e.sentAt > 5000) this.send(e);
    this.ws.send('{"type":"ping"}');
  }

  /** Resolves with the success content; re-sent with the same u_id until then. */
  request(action, params) {
    return new Promise((done, fail) => {
      const uId = newUid();
      const e = { uId, action, text: JSON.stringify({ agent_id: this.agent.agentId, u_id: uId, params: { action, params } }), done, fail, attempts: 0, sentAt: 0, errors: [] };
      this.pending.set(uId, e);
      this.send(e);
    });
  }

  /** Where each stream stands now: the checks below look at what arrives after it. */
  mark() {
    return { index: this.events.length, cursors: new Map(this.cursors), connects: this.connects, resent: this.resent, refused: this.refusals.length };
  }

  close() {
    this.closed = true;
    clearInterval(this.watchdog);
    this.ws?.terminate();
  }
}

// ---- load and checks ------------------------------------------------------------

/**
 * Senders in a loop until `finish()`: each sends a direct message to another
 * client, then (with a topic) publishes, each with content unique to the run,
 * and records it once acknowledged. `finish()` stops and waits for every
 * request in flight to be acknowledged.
 */
function load(tag, senders, receivers, topicId) {
  const acked = { dm: [], topic: [] };
  let stopped = false;
  const loops = senders.map(async (c, i) => {
    for (let n = 0; !stopped; n++) {
      const others = receivers.filter((r) => r !== c);
      const to = others[n % others.length];
      const dm = `${tag}:dm:${i}:${n}`;
      await c.request('p2p/send', { to: to.agent.agentId, content: dm });
      acked.dm.push(dm);
      if (topicId && !stopped) {
        const msg = `${tag}:topic:${i}:${n}`;
        await c.request('topic/publish', { topic_id: topicId, content: msg });
        acked.topic.push(msg);
      }
    }
  });
  // A sender that gives up is reported by finish(), not as an unhandled rejection meanwhile.
  for (const l of loops) l.catch(() => undefined);
  return {
    acked,
    async finish() {
      stopped = true;
      let timer;
      const late = new Promise((_, fail) => {
        timer = setTimeout(() => {
          const open = senders.flatMap((c) => [
            ...(c.broken ? [`${c.label}: ${c.broken.message}`] : []),
            ...[...c.pending.values()].map((e) => `${c.label} ${e.action} (${e.errors.length} errors, last ${JSON.stringify(e.errors.at(-1))})`),
          ]);
          fail(new Error(`requests still unacknowledged after 90 s:\n${open.join('\n')}`));
        }, 90_000);
      });
      try {
        await Promise.race([Promise.all(loops), late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Every acknowledged write stored, exactly once; nothing stored that was not acknowledged. */
async function checkWrites(tag, acked) {
  const out = {};
  for (const [kind, table] of [['dm', 'p2p_messages'], ['topic', 'topic_messages']]) {
    const rows = await query(`SELECT content, count(*)::int AS n FROM ${table} WHERE content LIKE $1 GROUP BY content`, [`${tag}:%`]);
    const stored = new Map(rows.map((r) => [r.content, r.n]));
    const lost = acked[kind].filter((c) => !stored.has(c));
    const twice = rows.filter((r) => r.n > 1).map((r) => `${r.content} x${r.n}`);
    const unasked = rows.filter((r) => !acked[kind].includes(r.content)).map((r) => r.content);
    assert(new Set(acked[kind]).size === acked[kind].length, `${tag}: a ${kind} acknowledged twice to its sender`);
    assert(lost.length === 0, `${tag}: ${lost.length} acknowledged ${kind} writes are not in ${table}: ${lost.slice(0, 5).join(', ')}`);
    assert(twice.length === 0, `${tag}: ${twice.length} ${kind} writes stored more than once: ${twice.slice(0, 5).join(', ')}`);
    assert(unasked.length === 0, `${tag}: ${unasked.length} ${kind} writes stored but never acknowledged: ${unasked.slice(0, 5).join(', ')}`);
    out[kind] = acked[kind].length;
  }
  return out;
}

/**
 * Each client got, since its mark, every push of each of its streams up to
 * the stream's head in the database: once each, in seq order, none missing.
 */
/** What the clients went through since their marks: reconnects, re-sent requests, error answers. */
function since(marks) {
  const sum = (f) => [...marks].reduce((n, [c, m]) => n + f(c, m), 0);
  return {
    reconnects: sum((c, m) => c.connects - m.connects),
    resent: sum((c, m) => c.resent - m.resent),
    refusals: [...marks].flatMap(([c, m]) => c.refusals.slice(m.refused)),
  };
}
function told(t) {
  const kinds = new Map();
  for (const r of t.refusals) kinds.set(r, (kinds.get(r) ?? 0) + 1);
  const list = [...kinds].map(([k, n]) => `${n}x ${k}`).join('; ');
  return `${t.reconnects} reconnects, ${t.resent} requests re-sent with their u_id, ${t.refusals.length} error answers${list ? ` (${list})` : ''}`;
}

async function checkStreams(tag, marks) {
  const streams = [...new Set([...marks.values()].flatMap((m) => [...m.cursors.keys()]))];
  const heads = new Map((await query('SELECT stream, head::int AS head FROM streams WHERE stream = ANY($1)', [streams])).map((r) => [r.stream, r.head]));
  const behind = () =>
    [...marks].flatMap(([c, m]) => [...m.cursors.keys()].filter((s) => (c.cursors.get(s) ?? 0) < (heads.get(s) ?? 0)).map((s) => `${c.label} ${s} at ${c.cursors.get(s)} of ${heads.get(s)}`));
  await waitFor(`every client at the head of its streams (${tag})`, () => behind().length === 0, { timeoutMs: 30_000, detail: () => behind().join('\n') });
  // Late duplicates would come now.
  await sleep(1000);
  let pushes = 0;
  for (const [c, m] of marks) {
    for (const [stream, from] of m.cursors) {
      const got = c.events.slice(m.index).filter((f) => f.stream === stream).map((f) => f.seq);
      const head = heads.get(stream) ?? from;
      const want = Array.from({ length: head - from }, (_, i) => from + 1 + i);
      const twice = got.filter((s, i) => got.indexOf(s) !== i);
      const missing = want.filter((s) => !got.includes(s));
      const disorder = got.filter((s, i) => i > 0 && s < got[i - 1]);
      // Handled before the mark, so sent again by a resume that started too early.
      const again = got.filter((s) => s <= from);
      assert(
        twice.length === 0 && missing.length === 0 && disorder.length === 0 && again.length === 0,
        `${tag}: ${c.label} on ${stream}: ${twice.length} pushes twice (${twice.slice(0, 5)}), ${missing.length} missing (${missing.slice(0, 5)}), ${disorder.length} out of order (${disorder.slice(0, 5)}), ${again.length} already handled before (${again.slice(0, 5)}); got ${got.length}, want ${from + 1}..${head}`,
      );
      pushes += got.length;
    }
  }
  return pushes;
}

const onlineEverywhere = (asker, clients, online = true) => presenceWrong(asker, clients, online).then((wrong) => wrong.length === 0);

/** "<client> on <hub>" for each live hub that does not see the client as `online` (agent/get). */
async function presenceWrong(asker, clients, online) {
  const wrong = [];
  for (const h of hubs.filter((x) => x.alive)) {
    for (const c of clients) {
      const p = ok(await rpc(h.url, asker, 'agent/get', { agent_id: c.agent.agentId }), 'agent/get');
      if (p.online !== online) wrong.push(`${c.label} ${p.online ? 'online' : 'offline'} on ${h.name}`);
    }
  }
  return wrong;
}

/** A gauge from one hub's /metrics. */
async function gauge(hub, name) {
  const text = await (await fetchRetry(`${hub.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
}

/** Open sessions on one hub. */
const sessionsOn = (hub) => gauge(hub, 'parley_connections');

/** The one live hub holding the timer lease, or null while none or several say they do. */
async function leaseHolder() {
  const live = hubs.filter((h) => h.alive);
  const held = await Promise.all(live.map((h) => gauge(h, 'parley_cluster_timer_lease')));
  const holders = live.filter((_, i) => held[i] === 1);
  return holders.length === 1 ? holders[0] : null;
}

// ---- nginx --------------------------------------------------------------------

/** The reference config with this run's hubs and port, inside a minimal main config with every path under `prefix`. */
function renderNginx(prefix, listenPort, upstreams) {
  const reference = readFileSync(join(repoRoot, 'deploy/nginx/parley.conf'), 'utf8');
  let servers = 0;
  const site = reference
    .replace(/^(\s*)server\s+[\d.]+:\d+(.*);$/gm, (line, indent, rest) => (servers++ === 0 ? upstreams.map((u) => `${indent}server ${u}${rest};`).join('\n') : ''))
    .replace(/^(\s*)listen\s+80;$/m, `$1listen 127.0.0.1:${listenPort};`);
  assert(servers >= 1 && site.includes(`listen 127.0.0.1:${listenPort};`), 'deploy/nginx/parley.conf: no upstream "server host:port" lines or no "listen 80;" to rewrite');
  for (const d of ['logs', 'temp']) mkdirSync(join(prefix, d), { recursive: true });
  // nginx started as root runs its workers as nobody: they must reach the temp folders.
  chmodSync(prefix, 0o755);
  chmodSync(join(prefix, 'temp'), 0o777);
  writeFileSync(join(prefix, 'parley.conf'), site);
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
worker_processes 1;
events { worker_connections 1024; }
http {
  access_log ${prefix}/logs/access.log;
  client_body_temp_path ${prefix}/temp/body;
  proxy_temp_path ${prefix}/temp/proxy;
  fastcgi_temp_path ${prefix}/temp/fastcgi;
  uwsgi_temp_path ${prefix}/temp/uwsgi;
  scgi_temp_path ${prefix}/temp/scgi;
  include ${prefix}/parley.conf;
}
`,
  );
  return conf;
}

/** The path of `name` on PATH; fails naming what it is for and how to install it. */
function binary(name, why) {
  const bin = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (!bin) throw new Error(`${name} is not installed: ${why}`);
  return bin;
}

// ---- the run ----------------------------------------------------------------------

const clients = [];
/** What else teardown stops or removes (nginx, its folder), last started first. */
const others = [];
const summary = [];

async function teardown(failed) {
  for (const c of clients) c.close();
  for (const o of others.reverse()) await o.stop(5000);
  for (const h of hubs) await h.proc.stop(5000);
  await redisProc?.stop(5000);
  if (dbName) await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch((err) => console.error(`[e2e] could not drop ${dbName}: ${err.message}`));
  // A failure after the start keeps the hubs', Redis's and nginx's logs for the report.
  if (keep || (failed && redisProc)) console.log(`[e2e] logs kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

await main('cluster check', async () => {
  let failed = true;
  try {
    await run();
    failed = false;
  } finally {
    await teardown(failed);
    // What passed before a failure is worth reading too.
    if (summary.length > 0) console.log(`[e2e] summary${failed ? ' (of the steps that passed)' : ''}:\n${summary.map((l) => `    ${l}`).join('\n')}`);
  }
});

async function run() {
  const nginx = binary('nginx', 'the load balancer check runs the reference config in a real nginx (Debian: apt-get install -y nginx-light)');
  for (const name of ['redis-server', 'redis-cli']) binary(name, 'the check runs a Redis of its own, to restart it at will (Debian: apt-get install -y redis-server)');

  step('a fresh PostgreSQL database, migrated once; a private Redis');
  dbName = `parley_e2e_cluster_${runId}`;
  await admin(`CREATE DATABASE "${dbName}"`);
  const migrated = spawnSync(process.execPath, [CLI, 'migrate', '--db', dbUrl()], { encoding: 'utf8', timeout: 120_000 });
  assert(migrated.status === 0, `parley migrate failed:\n${migrated.stdout}${migrated.stderr}`);
  redisPort = await freePort();
  await startRedis();

  step('three hubs');
  const three = [await startHub('hub-0'), await startHub('hub-1'), await startHub('hub-2')];
  // The hub to kill is the one holding the timer lease: the deadlines it armed are then
  // handled only once a live hub has taken the lease over (clusterTtlMs) and swept.
  const h2 = await waitFor('one hub holding the timer lease', leaseHolder, { timeoutMs: 20_000 });
  const [h0, h1] = three.filter((h) => h !== h2);
  // Clients of the first two steps try the hubs in turn; a dead one refuses at once.
  const hubUrls = () => hubs.filter((h) => !h.behindLb).map((h) => h.url);
  /** Where in hubUrls() a client starts, to open its first session on `hub`. */
  const at = (hub) => hubUrls().indexOf(hub.url);

  step('kill -9 of a hub under load');
  // Six agents, two on each hub, all members of one topic.
  const load1 = [];
  for (let i = 0; i < 6; i++) {
    const c = new Client(`agent-${i}`, await register(hubs[i % 3].url), hubUrls, i % 3);
    await c.connect();
    clients.push(c);
    load1.push(c);
  }
  const topic = ok(await rpc(h0.url, load1[0].agent, 'topic/create', { name: `cluster-${runId}`, visibility: 'public' }), 'topic/create');
  const topicStream = `topic:${topic.topic_id}`;
  for (const c of load1) await c.request('topic/join', { topic_id: topic.topic_id });
  // A first message, so that every member has a cursor on the topic stream to resume from.
  await load1[0].request('topic/publish', { topic_id: topic.topic_id, content: `warmup-${runId}` });
  await waitFor('the topic reaching every member', () => load1.every((c) => c.cursors.has(topicStream)), { timeoutMs: 20_000 });
  // Three pairs that talk through the doomed hub (HTTP), and listen on the others.
  const pairs = [];
  for (let i = 0; i < 3; i++) {
    const a = new Client(`chat-a${i}`, await register(h0.url), hubUrls, at(h0));
    const b = new Client(`chat-b${i}`, await register(h1.url), hubUrls, at(h1));
    await a.connect();
    await b.connect();
    clients.push(a, b);
    pairs.push({ a, b });
  }
  // A requester and two workers of a capability nobody else offers, on the hubs that live. The
  // workers never answer: each request times out on the first, moves to the second, times out again.
  const capability = `e2e-never-${runId}`;
  const requester = new Client('requester', await register(h0.url), hubUrls, at(h0));
  const workers = [new Client('worker-0', await register(h0.url), hubUrls, at(h0)), new Client('worker-1', await register(h1.url), hubUrls, at(h1))];
  for (const c of [requester, ...workers]) {
    await c.connect();
    clients.push(c);
  }
  for (const w of workers) await w.request('agent/update', { capabilities: [capability] });
  await waitFor('the workers online as seen from every hub', () => onlineEverywhere(requester.agent, workers), { timeoutMs: 20_000 });
  const marks1 = new Map([...load1, ...pairs.flatMap((p) => [p.a, p.b]), requester, ...workers].map((c) => [c, c.mark()]));
  const onDoomed = load1.filter((c) => c.url === h2.url).length;
  const run1 = load('s1', load1, load1, topic.topic_id);
  await sleep(2500);
  // Deadlines armed on the doomed hub, and only there: made at once so that every one is still ahead when it dies.
  const TIMER_MS = 3000;
  const armedFrom = Date.now();
  const [conversations, delegations] = await Promise.all([
    Promise.all(
      pairs.map(async ({ a, b }) => {
        const asked = ok(
          await rpc(h2.url, a.agent, 'chat/request', { target_agent_id: b.agent.agentId, opening_message: 'hi', episode_policy: { turn_timeout_ms: TIMER_MS, timeout_behavior: 'end' } }),
          'chat/request on the doomed hub',
        );
        let conversation = asked.conversation;
        if (!conversation) conversation = ok(await rpc(h2.url, b.agent, 'chat/accept', { request_id: asked.request.request_id }), 'chat/accept on the doomed hub').conversation;
        assert(conversation?.conversation_id, `chat/accept gave no conversation: ${JSON.stringify(conversation)}`);
        return { id: conversation.conversation_id, a, b };
      }),
    ),
    Promise.all(
      [0, 1, 2].map(async (n) => ok(await rpc(h2.url, requester.agent, 'delegate/request', { capability, input: { n }, timeout_ms: TIMER_MS }), 'delegate/request on the doomed hub')),
    ),
  ]);
  await kill9(h2);
  const killedAt = Date.now();
  const newHolder = await waitFor('a live hub taking the timer lease over', leaseHolder, { timeoutMs: 30_000 });
  // Otherwise the doomed hub may have fired them itself, and nothing was taken over.
  assert(killedAt - armedFrom < TIMER_MS, `arming the timers on the doomed hub took ${killedAt - armedFrom} ms, more than their ${TIMER_MS} ms: the machine is too slow for this check`);
  await sleep(5000);
  await run1.finish();
  const writes1 = await checkWrites('s1', run1.acked);
  const ended = (c, id) => c.events.filter((f) => f.event === 'conversation.ended' && f.data?.conversation?.conversation_id === id);
  await waitFor('every conversation ended on both sides', () => conversations.every(({ id, a, b }) => ended(a, id).length > 0 && ended(b, id).length > 0), {
    timeoutMs: 30_000,
    detail: () => conversations.map(({ id, a, b }) => `${id}: ${ended(a, id).length}/${ended(b, id).length}`).join('\n'),
  });
  // Past the takeover grace: still once.
  await sleep(1500);
  for (const { id, a, b } of conversations) {
    for (const side of [a, b]) {
      const got = ended(side, id);
      assert(got.length === 1, `conversation ${id}: ${side.label} got conversation.ended ${got.length} times`);
      assert(got[0].data.reason === 'turn_timeout', `conversation ${id}: ended with ${got[0].data.reason}, not turn_timeout`);
    }
  }
  const rows = await query('SELECT conversation_id, status, ended_reason, ended_at::bigint AS ended_at FROM conversations WHERE conversation_id = ANY($1)', [conversations.map((c) => c.id)]);
  for (const r of rows) {
    assert(r.status === 'ended' && r.ended_reason === 'turn_timeout', `conversation ${r.conversation_id} is ${r.status} (${r.ended_reason}) in the database`);
    assert(Number(r.ended_at) > killedAt, `conversation ${r.conversation_id} ended ${killedAt - Number(r.ended_at)} ms before the kill: its timer was not taken over`);
  }
  assert(rows.length === conversations.length, 'a conversation is missing from the database');

  // Each delegated request: the doomed hub's deadline, fired by a live hub, moves it to the other
  // worker (one delegate.request push each); that hub's own deadline then fails it (one delegate.result).
  const requestsFor = (w, id) => w.events.filter((f) => f.event === 'delegate.request' && f.data?.request_id === id);
  const resultsFor = (id) => requester.events.filter((f) => f.event === 'delegate.result' && f.data?.request_id === id);
  await waitFor('every delegated request failed, after one failover', () => delegations.every((d) => resultsFor(d.request_id).length > 0), {
    timeoutMs: 40_000,
    detail: () => delegations.map((d) => `${d.request_id}: requests ${workers.map((w) => requestsFor(w, d.request_id).length).join('/')}, results ${resultsFor(d.request_id).length}`).join('\n'),
  });
  // Past the grace again: nothing fires twice.
  await sleep(1500);
  const delegationRows = new Map(
    (await query('SELECT request_id, state, worker_id, tried FROM delegations WHERE request_id = ANY($1)', [delegations.map((d) => d.request_id)])).map((r) => [r.request_id, r]),
  );
  for (const d of delegations) {
    const first = workers.find((w) => w.agent.agentId === d.worker_id);
    const second = workers.find((w) => w !== first);
    assert(first, `${d.request_id} went to ${d.worker_id}, not one of the workers`);
    const got = [requestsFor(first, d.request_id), requestsFor(second, d.request_id)];
    assert(got[0].length === 1 && got[1].length === 1, `${d.request_id}: delegate.request ${got[0].length} times to its first worker, ${got[1].length} times to the second (want once each)`);
    assert(Date.parse(got[1][0].ts) > killedAt, `${d.request_id}: moved to the second worker at ${got[1][0].ts}, before the kill: the doomed hub's deadline was not taken over`);
    const results = resultsFor(d.request_id);
    assert(results.length === 1, `${d.request_id}: the requester got delegate.result ${results.length} times`);
    assert(results[0].data.state === 'failed' && results[0].data.attempts === 2, `${d.request_id}: delegate.result ${JSON.stringify(results[0].data)} (want failed after 2 attempts)`);
    const row = delegationRows.get(d.request_id);
    assert(row, `${d.request_id} is missing from the database`);
    assert(row.state === 'failed' && row.worker_id === null && JSON.parse(row.tried).length === 2, `${d.request_id} in the database: ${row.state}, worker ${row.worker_id}, tried ${row.tried}`);
  }
  const pushes1 = await checkStreams('s1', marks1);
  const moved = load1.filter((c) => c.connects > 1).length;
  assert(moved >= onDoomed, `${onDoomed} clients were on the killed hub but only ${moved} reconnected`);
  summary.push(
    `kill -9: ${writes1.dm} DMs + ${writes1.topic} topic messages acknowledged, all stored once; ${told(since(marks1))}; ` +
      `${pushes1} pushes dense and in order; ${conversations.length + 2 * delegations.length} timers fired once each ` +
      `(${conversations.length} conversations ended by turn timeout and ${delegations.length} delegated requests moved on, all armed on the killed hub, which held the timer lease, fired by ${newHolder.name} once it took the lease over; ${delegations.length} delegated requests then failed)`,
  );

  step('Redis restarted during traffic');
  const h3 = await startHub('hub-3');
  // Presence changes Redis cannot hear of: one agent leaves and another arrives while it is down.
  const leaver = new Client('leaver', await register(h0.url), hubUrls, at(h0));
  const arriver = new Client('arriver', await register(h1.url), hubUrls, at(h1));
  await leaver.connect();
  clients.push(leaver, arriver);
  const asker = await register(h0.url);
  await waitFor('the leaver online on every hub', () => onlineEverywhere(asker, [leaver]), { timeoutMs: 20_000 });
  const marks2 = new Map(load1.map((c) => [c, c.mark()]));
  const run2 = load('s2', load1, load1, topic.topic_id);
  await sleep(2000);
  await redisProc.stop(10_000);
  const ackedBeforeOutage = run2.acked.dm.length + run2.acked.topic.length;
  leaver.close();
  const arriving = arriver.connect();
  await sleep(2000);
  const ackedInOutage = run2.acked.dm.length + run2.acked.topic.length - ackedBeforeOutage;
  assert(arriver.connects === 1, `a session could not be opened on ${h1.name} in the 2 s Redis was down`);
  await startRedis();
  await arriving;
  await sleep(4000);
  await run2.finish();
  const writes2 = await checkWrites('s2', run2.acked);
  const pushes2 = await checkStreams('s2', marks2);
  const presence = async () => [...(await presenceWrong(asker, [...load1, arriver], true)), ...(await presenceWrong(asker, [leaver], false))];
  let wrongNow = [];
  await waitFor('presence right on every hub after the restart', async () => (wrongNow = await presence()).length === 0, { timeoutMs: 30_000, detail: () => wrongNow.join('\n') });
  summary.push(
    `Redis restart: ${writes2.dm} DMs + ${writes2.topic} topic messages acknowledged, all stored once (${ackedInOutage} of them while Redis was down); ${told(since(marks2))}; ${pushes2} pushes dense and in order; ` +
      `presence right again on ${hubs.filter((h) => h.alive).length} hubs (${load1.length + 1} agents online, one that arrived during the outage; one that left during it offline)`,
  );
  for (const c of clients) c.close();
  for (const h of [h0, h1, h3]) {
    h.alive = false;
    await h.proc.stop(10_000);
  }

  step('two hubs behind the reference load balancer');
  const lbHubs = [await startHub('lb-hub-0', { PARLEY_TRUST_PROXY: '127.0.0.1' }), await startHub('lb-hub-1', { PARLEY_TRUST_PROXY: '127.0.0.1' })];
  for (const h of lbHubs) h.behindLb = true;
  const lbPort = await freePort();
  // Its own folder, readable by the workers (nobody, when started as root), unlike `work`.
  const prefix = mkdtempSync(join(tmpdir(), 'parley-cluster-nginx-'));
  others.push({ stop: async () => rmSync(prefix, { recursive: true, force: true }) });
  const conf = renderNginx(prefix, lbPort, lbHubs.map((h) => `127.0.0.1:${h.port}`));
  const lbProc = background(nginx, ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { logFile: join(work, 'nginx.log') });
  others.push(lbProc);
  const lb = `http://127.0.0.1:${lbPort}`;
  await waitFor('nginx answering /healthz', async () => {
    if (lbProc.child.exitCode !== null) throw new Error(`nginx exited:\n${lbProc.log()}${readFileSync(join(prefix, 'logs/error.log'), 'utf8')}`);
    return (await fetch(`${lb}/healthz`)).ok;
  }, { timeoutMs: 20_000 });
  const load3 = [];
  for (let i = 0; i < 6; i++) {
    const c = new Client(`lb-agent-${i}`, await register(lb), () => [lb]);
    await c.connect();
    clients.push(c);
    load3.push(c);
  }
  // Kill the hub that holds most of the sessions (the balancer spreads them; only the hubs know where).
  const before = await Promise.all(lbHubs.map(sessionsOn));
  const victim = before[0] >= before[1] ? lbHubs[0] : lbHubs[1];
  const survivor = victim === lbHubs[0] ? lbHubs[1] : lbHubs[0];
  const onVictim = Math.max(...before);
  assert(Math.min(...before) > 0, `the balancer put all ${load3.length} sessions on one hub (${before.join('/')})`);
  const marks3 = new Map(load3.map((c) => [c, c.mark()]));
  const run3 = load('s3', load3, load3, null);
  await sleep(2000);
  await kill9(victim);
  await sleep(4000);
  await run3.finish();
  const writes3 = await checkWrites('s3', run3.acked);
  const pushes3 = await checkStreams('s3', marks3);
  assert((await sessionsOn(survivor)) === load3.length, 'not every client is on the surviving hub after the failover');
  const moved3 = load3.filter((c) => c.connects > 1).length;
  assert(moved3 === onVictim, `${onVictim} sessions were on the killed hub, ${moved3} clients reconnected`);
  summary.push(
    `load balancer: ${writes3.dm} DMs through nginx acknowledged, all stored once; ${onVictim} of ${load3.length} sessions moved through the balancer after kill -9; ${told(since(marks3))}; ${pushes3} pushes dense and in order`,
  );

  step('a hub killed while Redis is down: its agents told offline once Redis is back');
  // A worker whose one session is on a hub that dies while Redis is away. Redis comes back empty,
  // so no live hub can reap the dead one; its agents must still go offline, and be told: going
  // offline is what fails a worker's pending delegated requests over (here at once, where the
  // request's own deadline is a minute away).
  const gone = await startHub('hub-gone');
  const worker = await register(gone.url);
  const asking = await register(survivor.url);
  const workerSession = await rawSession(gone.url, worker);
  others.push({ stop: async () => workerSession.terminate() });
  const cap = `e2e-gone-${runId}`;
  ok(await rpc(gone.url, worker, 'agent/update', { capabilities: [cap] }), 'agent/update');
  await waitFor('the worker online as seen from the other hub', async () => ok(await rpc(survivor.url, asking, 'agent/get', { agent_id: worker.agentId }), 'agent/get').online, { timeoutMs: 20_000 });
  const asked = ok(await rpc(survivor.url, asking, 'delegate/request', { capability: cap, input: {}, timeout_ms: 60_000 }), 'delegate/request');
  assert(asked.worker_id === worker.agentId, `the delegated request went to ${asked.worker_id}, not the worker`);
  await redisProc.stop(10_000);
  await kill9(gone);
  const goneAt = Date.now();
  await startRedis();
  await waitFor('the worker offline as seen from the live hub', async () => !ok(await rpc(survivor.url, asking, 'agent/get', { agent_id: worker.agentId }), 'agent/get').online, { timeoutMs: 30_000 });
  const state = async () => (await query('SELECT state, error FROM delegations WHERE request_id = $1', [asked.request_id]))[0];
  let last;
  await waitFor(
    'the worker told offline, and so its delegated request failed over (no other worker: failed) long before its 60 s deadline',
    async () => (last = await state()).state !== 'pending',
    {
      timeoutMs: 20_000,
      detail: () =>
        `the request is still ${last?.state}: the worker is offline on every hub, but no hub was told it went offline ` +
        '(the dead hub is not in the restarted Redis, so no hub reaps it; cluster/presence.ts restore() reloads the mirror without announcing who left it)',
    },
  );
  assert(last.state === 'failed' && /went offline/.test(last.error ?? ''), `the delegated request is ${last.state}: ${last.error}`);
  summary.push(`hub killed while Redis was down: its worker offline everywhere and told so; its delegated request failed over ${((Date.now() - goneAt) / 1000).toFixed(1)} s after the kill`);
}

/** A bare session for `agent` on `url`, never resumed or moved: it ends with its hub. */
function rawSession(url, agent) {
  return new Promise((done, fail) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`);
    const timer = setTimeout(() => fail(new Error(`no session on ${url} within 20 s`)), 20_000);
    ws.on('error', () => undefined);
    ws.on('close', () => fail(new Error(`the session on ${url} closed before "connected"`)));
    ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString());
      if (f.type === 'challenge') ws.send(JSON.stringify({ type: 'auth', agent_id: agent.agentId, token: agent.token }));
      else if (f.type === 'connected') {
        clearTimeout(timer);
        done(ws);
      }
    });
  });
}
