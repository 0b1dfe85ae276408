import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  agentIdFromPublicKey,
  generateKeyPair,
  registerSigningString,
  signMessage,
  transferSigningString,
  walletAddressFromPublicKey,
  wsSigningString,
  type KeyPair,
  type TokenResponse,
} from '@parley/protocol';
import WebSocket from 'ws';
import { startHub, type HubOptions, type RunningHub } from '../src/index.js';
import { openStore } from '../src/store/open.js';
import { onTestStore, testDb } from '../src/testing.js';
import type { Store } from '../src/store/store.js';

/** A migrated, empty store on the suite's store (src/testing.ts: SQLite, or PostgreSQL), for tests of the pieces below the hub. */
export async function memoryStore(): Promise<Store> {
  const store = await openStore(testDb(), { poolSize: 4 });
  await store.migrate();
  return store;
}

/**
 * Reads the data a test hub on `dataDir` keeps (its SQLite file or its
 * PostgreSQL schema), from outside the hub, as an operator would.
 */
export async function readDataDir<T>(dataDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(testDb(dataDir), { poolSize: 1 });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * A hub on a free port, on the suite's store. `dataDir` (with `dbPath:
 * undefined`, as restart tests pass it) names data that outlives the hub: the
 * next hub with the same dataDir finds it, on either store.
 */
export async function startTestHub(opts: HubOptions = {}): Promise<RunningHub> {
  return startHub({ port: 0, logLevel: (process.env.HUB_LOG as 'silent') ?? 'silent', strictUnits: true, ...onTestStore(opts) });
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-hub-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestAgent {
  keys: KeyPair;
  agentId: string;
  token: string;
}

export const nowS = () => Math.floor(Date.now() / 1000);

export function identity(): { keys: KeyPair; agentId: string } {
  const keys = generateKeyPair();
  return { keys, agentId: agentIdFromPublicKey(keys.publicKey) };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep text
  }
  return { status: res.status, body: parsed };
}

export async function register(hub: RunningHub, name?: string, keys = generateKeyPair()): Promise<TestAgent> {
  const ts = nowS();
  const res = await postJson(`${hub.url}/v1/agents/register`, {
    public_key: keys.publicKey,
    ...(name ? { name } : {}),
    ts,
    sig: signMessage(keys.secretKey, registerSigningString(keys.publicKey, ts)),
  });
  if (res.status !== 200) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as TokenResponse;
  return { keys, agentId: body.agent_id, token: body.token };
}

export interface Frame {
  [k: string]: unknown;
}

let uidCounter = 0;
export const uid = () => `u-${process.pid}-${Date.now()}-${++uidCounter}`;

/** A raw WebSocket that records every frame, for asserting on the wire protocol itself. */
export class RawClient {
  readonly frames: Frame[] = [];
  readonly texts: string[] = [];
  closeCode: number | null = null;
  private waiters: Array<() => void> = [];
  readonly closed: Promise<number>;
  readonly opened: Promise<void>;

  constructor(
    readonly ws: WebSocket,
  ) {
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
        this.wake();
      });
    });
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const text = data.toString();
      this.texts.push(text);
      try {
        this.frames.push(JSON.parse(text) as Frame);
      } catch {
        this.frames.push({ raw: text });
      }
      this.wake();
    });
  }

  static connect(hub: RunningHub, path = '/v1/ws'): RawClient {
    return new RawClient(new WebSocket(hub.url.replace(/^http/, 'ws') + path));
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `pred` holds over the frames seen so far (bounded). */
  async waitUntil<T>(pred: () => T | undefined | null | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const v = pred();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames.slice(-5)).slice(0, 800)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitFrame(pred: (f: Frame) => boolean, timeoutMs = 5000, what = 'frame'): Promise<Frame> {
    return this.waitUntil(() => this.frames.find(pred), timeoutMs, what);
  }

  async waitClose(timeoutMs = 5000): Promise<number> {
    return this.waitUntil(() => (this.closeCode !== null ? { code: this.closeCode } : null), timeoutMs, 'close').then((c) => c.code);
  }

  send(v: unknown): void {
    this.ws.send(typeof v === 'string' ? v : JSON.stringify(v));
  }

  async challenge(): Promise<string> {
    const f = await this.waitFrame((x) => x.type === 'challenge', 5000, 'challenge');
    return f.nonce as string;
  }

  /** Answers the challenge with a signature and waits for `connected`. */
  async authSig(agent: { keys: KeyPair; agentId: string }, resume?: Record<string, number>): Promise<Frame> {
    const nonce = await this.challenge();
    this.send({ type: 'auth', agent_id: agent.agentId, sig: signMessage(agent.keys.secretKey, wsSigningString(agent.agentId, nonce)), ...(resume ? { resume } : {}) });
    return this.waitFrame((x) => x.type === 'connected', 5000, 'connected');
  }

  /** Sends a request envelope and waits for its response. */
  async call(agentId: string, action: string, params?: unknown, uId = uid()): Promise<Frame> {
    const from = this.frames.length;
    this.send({ agent_id: agentId, u_id: uId, params: { action, ...(params === undefined ? {} : { params }) } });
    return this.waitUntil(() => this.frames.slice(from).find((f) => f.u_id === uId && typeof f.status === 'string'), 10_000, `response to ${action}`);
  }

  pushes(stream?: string): Frame[] {
    return this.frames.filter((f) => f.type === 'push' && (stream === undefined || f.stream === stream));
  }

  close(): void {
    this.ws.close();
  }
}

/** Registers an agent and opens an authenticated socket for it. */
export async function connectAgent(hub: RunningHub, agent?: TestAgent, resume?: Record<string, number>): Promise<{ agent: TestAgent; client: RawClient; connected: Frame }> {
  const a = agent ?? (await register(hub));
  const client = RawClient.connect(hub);
  const connected = await client.authSig(a, resume);
  return { agent: a, client, connected };
}

export async function rpc(hub: RunningHub, agent: TestAgent, action: string, params?: unknown, uId = uid()): Promise<{ status: number; body: Frame }> {
  const res = await postJson(
    `${hub.url}/v1/rpc`,
    { agent_id: agent.agentId, u_id: uId, params: { action, ...(params === undefined ? {} : { params }) } },
    { authorization: `Bearer ${agent.token}` },
  );
  return { status: res.status, body: res.body as Frame };
}

/** Expects a success envelope and returns its content. */
export function ok<T = Frame>(res: Frame): T {
  if (res.status !== 'success') throw new Error(`expected success, got ${JSON.stringify(res)}`);
  return res.content as T;
}

/** Waits until the hub reports `n` long polls waiting (from /metrics), so a test knows its poll is parked. */
export function waitForLongPolls(hub: RunningHub, n: number, timeoutMs = 5000): Promise<void> {
  return waitForMetric(hub, 'parley_long_polls_waiting', n, timeoutMs);
}

/** Waits until a gauge on /metrics reaches `n`. */
export async function waitForMetric(hub: RunningHub, name: string, n: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const re = new RegExp(`^${name} (\\d+)$`, 'm');
  while (Date.now() < deadline) {
    const text = await (await fetch(`${hub.url}/metrics`)).text();
    const m = re.exec(text);
    if (m && Number(m[1]) >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${name} >= ${n}`);
}

/**
 * An agent whose client stops reading, sent 60 KiB direct messages until the
 * hub drops it as a slow consumer (bounded: kernel buffers on loopback hold a
 * few MB at most). `resume()` lets its client read again.
 */
export async function stalledConsumer(hub: RunningHub): Promise<{ slow: Awaited<ReturnType<typeof connectAgent>>; sent: number; resume: () => void }> {
  const slow = await connectAgent(hub);
  const sender = await register(hub);
  const socket = (slow.client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause();
  const content = 'x'.repeat(60 * 1024);
  let sent = 0;
  while (sent < 400) {
    ok((await rpc(hub, sender, 'p2p/send', { to: slow.agent.agentId, content })).body);
    sent++;
    const who = ok<{ online: boolean }>((await rpc(hub, sender, 'agent/get', { agent_id: slow.agent.agentId })).body);
    if (!who.online) break;
  }
  return { slow, sent, resume: () => socket.resume() };
}

/** A call over HTTP that must succeed; its content. */
async function must<T>(hub: RunningHub, agent: TestAgent, action: string, params?: unknown): Promise<T> {
  return ok<T>((await rpc(hub, agent, action, params)).body);
}

/**
 * Makes `chair` the committee's chair on a hub started with
 * `governance: { quorum: 1, votesToElect: 1 }`, the real way: it applies and
 * votes for itself, which elects it, and the first member elected chairs.
 * Does nothing when it already chairs.
 */
export async function becomeChair(hub: RunningHub, chair: TestAgent): Promise<void> {
  const { chair_id } = await must<{ chair_id: string | null }>(hub, chair, 'committee/members', {});
  if (chair_id === chair.agentId) return;
  await must(hub, chair, 'committee/apply', { statement: 'test chair' });
  await must(hub, chair, 'committee/vote_for_self', { support: true });
  const after = await must<{ chair_id: string | null }>(hub, chair, 'committee/members', {});
  if (after.chair_id !== chair.agentId) throw new Error(`${chair.agentId} did not become the chair (chair: ${after.chair_id}); start the hub with governance { quorum: 1, votesToElect: 1 }`);
}

export interface IssuedAsset {
  symbol: string;
  total_supply: string;
  issuance_id: string;
  tx_id: string;
  issuer_id: string | null;
  deliberation_id: string;
  proposal_id: string;
}

/**
 * Issues a funded asset through the real governance flow, on a hub started
 * with `governance: { quorum: 1, votesToElect: 1 }`: `chair` becomes the chair
 * (becomeChair), `applicant` (default: the chair) applies with
 * asset/issuance/apply, the chair's vote passes the proposal into
 * deliberation, its APPROVE approves it, and asset/issue mints the supply to
 * the applicant's wallet (or the treasury). So tests get funded wallets
 * honestly, through every check a real issuance passes.
 */
export async function issueAsset(
  hub: RunningHub,
  chair: TestAgent,
  opts: { symbol: string; supply: string | number; applicant?: TestAgent; toTreasury?: boolean; name?: string },
): Promise<IssuedAsset> {
  const applicant = opts.applicant ?? chair;
  await becomeChair(hub, chair);
  const applied = await must<{ issuance: { issuance_id: string }; proposal_id: string }>(hub, applicant, 'asset/issuance/apply', {
    name: opts.name ?? `${opts.symbol} test asset`,
    symbol: opts.symbol,
    total_supply: String(opts.supply),
    to_treasury: opts.toTreasury ?? false,
  });
  const voted = await must<{ status: string; deliberation_id: string | null }>(hub, chair, 'proposal/vote', { proposal_id: applied.proposal_id, support: true });
  if (voted.status !== 'deliberating' || !voted.deliberation_id) throw new Error(`the proposal did not go to deliberation: ${JSON.stringify(voted)}`);
  await must(hub, chair, 'deliberation/vote', { deliberation_id: voted.deliberation_id, choice: 'APPROVE', reason: 'funds for the test' });
  const asset = await must<Omit<IssuedAsset, 'deliberation_id' | 'proposal_id'>>(hub, chair, 'asset/issue', {
    deliberation_id: voted.deliberation_id,
    idempotency_key: `test-issue-${opts.symbol}`,
  });
  return { ...asset, deliberation_id: voted.deliberation_id, proposal_id: applied.proposal_id };
}

/** asset/transfer params signed by `from`'s key; `to` is the receiver's wallet address (or its agent, whose address is signed). */
export function signedTransfer(
  from: TestAgent,
  to: string | TestAgent,
  t: { asset: string; amount: string | number; nonce: number; memo?: string },
): { to: string; asset: string; amount: string; nonce: number; memo?: string; sig: string } {
  const [toParam, address] = typeof to === 'string' ? [to, to] : [to.agentId, walletAddressFromPublicKey(to.keys.publicKey)];
  const amount = String(t.amount);
  const sig = signMessage(from.keys.secretKey, transferSigningString({ from: from.agentId, to: address, asset: t.asset, amount, nonce: t.nonce, memo: t.memo }));
  return { to: toParam, asset: t.asset, amount, nonce: t.nonce, ...(t.memo !== undefined ? { memo: t.memo } : {}), sig };
}
