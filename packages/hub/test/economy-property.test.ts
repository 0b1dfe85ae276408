import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walletAddressFromPublicKey } from '@parley/protocol';
import type { RunningHub } from '../src/index.js';
import { auditLedger } from '../src/domains/economy/audit.js';
import { parseAccount } from '../src/domains/economy/accounts.js';
import { type Frame, type TestAgent, issueAsset, ok, readDataDir, register, rpc, signedTransfer, startTestHub, tempDir } from './helpers.js';

/**
 * A property of the whole economy, against a real hub: whatever mix of
 * transfers, rewarded tasks, approvals and cancellations runs, many at once,
 * no value is created or destroyed (per asset, all balances but the issue
 * account's sum to the supply), no balance goes below zero, each task's
 * escrow holds its reward exactly while the reward is held, and the audit
 * recomputes the same ledger from its entries. The run is seeded: set
 * PARLEY_PROPERTY_SEED to replay one (the seed is printed).
 */

/** mulberry32: a small seeded PRNG, enough to pick operations reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AGENTS = 8;
const ROUNDS = 10;
const OPS_PER_ROUND = 40;
const SUPPLY: Record<string, number> = { AAA: 5000, BBB: 3000 };

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;

interface TaskRef {
  task_id: string;
  owner: TestAgent;
  runner: TestAgent;
  asset: string;
  amount: string;
}

describe('economy property: value is conserved under concurrent transfers and task rewards', () => {
  const data = tempDir();
  const seed = Number(process.env.PARLEY_PROPERTY_SEED ?? Date.now() % 2 ** 31);
  const random = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  let hub: RunningHub;
  let agents: TestAgent[];
  const nonces = new Map<string, number>();
  const nextNonce = (a: TestAgent) => {
    const n = (nonces.get(a.agentId) ?? 0) + 1;
    nonces.set(a.agentId, n);
    return n;
  };

  beforeAll(async () => {
    console.log(`economy property seed: ${seed} (replay with PARLEY_PROPERTY_SEED=${seed})`);
    hub = await startTestHub({ governance: { quorum: 1, votesToElect: 1 }, dataDir: data.dir, dbPath: undefined });
    agents = await Promise.all(Array.from({ length: AGENTS }, (_, i) => register(hub, `agent ${i}`)));
    const [chair, first, second] = agents as [TestAgent, TestAgent, TestAgent];
    await issueAsset(hub, chair, { symbol: 'AAA', supply: SUPPLY.AAA!, applicant: first });
    await issueAsset(hub, chair, { symbol: 'BBB', supply: SUPPLY.BBB!, applicant: second });
    // Everyone starts with some of each, handed out by the issuers.
    for (const a of agents) {
      if (a !== first) ok(await call(hub, first, 'asset/transfer', signedTransfer(first, a, { asset: 'AAA', amount: 300, nonce: nextNonce(first) })));
      if (a !== second) ok(await call(hub, second, 'asset/transfer', signedTransfer(second, a, { asset: 'BBB', amount: 200, nonce: nextNonce(second) })));
    }
  });
  afterAll(async () => {
    await hub.close();
    data.cleanup();
  });

  it('holds after many random operations run in parallel', async () => {
    const open: TaskRef[] = [];
    const tasks: TaskRef[] = [];
    const outcomes = new Map<string, number>();
    const count = (what: string, f: Frame) => {
      const key = `${what}: ${f.status === 'success' ? 'ok' : (f.content as { code: string }).code}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      return f;
    };

    const transfer = async () => {
      const from = pick(agents);
      const to = pick(agents.filter((a) => a !== from));
      // By agent id or by address (every agent holds something, so its wallet has a row).
      const receiver = random() < 0.5 ? to : walletAddressFromPublicKey(to.keys.publicKey);
      // Sometimes more than anyone holds.
      const amount = random() < 0.1 ? int(5000, 9000) : int(1, 150);
      count('transfer', await call(hub, from, 'asset/transfer', signedTransfer(from, receiver, { asset: pick(['AAA', 'BBB']), amount, nonce: nextNonce(from) })));
    };
    const create = async () => {
      const owner = pick(agents);
      const runner = pick(agents.filter((a) => a !== owner));
      const asset = pick(['AAA', 'BBB']);
      const amount = String(random() < 0.1 ? int(3000, 6000) : int(1, 80));
      const f = count('task/create', await call(hub, owner, 'task/create', { title: 'work', runner: runner.agentId, reward: { asset, amount } }));
      if (f.status === 'success') {
        const t: TaskRef = { task_id: (f.content as { task_id: string }).task_id, owner, runner, asset, amount };
        open.push(t);
        tasks.push(t);
      }
    };
    const finish = async (t: TaskRef) => {
      // Start and submit may lose to a cancel running at the same time: then the approval is refused too.
      await call(hub, t.runner, 'task/start', { task_id: t.task_id });
      await call(hub, t.runner, 'task/submit', { task_id: t.task_id, output: 'done' });
      count('task/review approve', await call(hub, t.owner, 'task/review', { task_id: t.task_id, decision: 'approve' }));
    };
    const cancel = async (t: TaskRef) => {
      count('task/cancel', await call(hub, t.owner, 'task/cancel', { task_id: t.task_id }));
    };

    for (let round = 0; round < ROUNDS; round++) {
      const ops: Array<Promise<void>> = [];
      for (let i = 0; i < OPS_PER_ROUND; i++) {
        const r = random();
        if (r < 0.45 || open.length === 0) ops.push(r < 0.3 ? transfer() : create());
        else {
          const t = open.splice(Math.floor(random() * open.length), 1)[0]!;
          // Now and then the same task is both approved and cancelled at once: one must win, whole.
          if (random() < 0.1) ops.push(finish(t), cancel(t));
          else ops.push(random() < 0.6 ? finish(t) : cancel(t));
        }
      }
      await Promise.all(ops);
    }
    console.log(`economy property outcomes (seed ${seed}): ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
    // The run exercised what it claims to.
    expect(outcomes.get('transfer: ok') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('task/review approve: ok') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('task/cancel: ok') ?? 0).toBeGreaterThan(0);

    const { balances, audit } = await readDataDir(data.dir, async (store) => ({
      balances: await store.db.selectFrom('balances').select(['account', 'asset', 'amount']).execute(),
      audit: await auditLedger(store.db, store.read),
    }));
    // Conservation, computed here from the balances alone: per asset, what all accounts but the issue account hold is the supply.
    const held = new Map<string, bigint>();
    for (const b of balances) {
      const kind = parseAccount(b.account)?.kind;
      if (kind === 'issue') {
        expect(BigInt(b.amount), `${b.account}`).toBe(-BigInt(SUPPLY[b.asset]!));
        continue;
      }
      expect(BigInt(b.amount) >= 0n, `${b.account} holds ${b.amount} ${b.asset}`).toBe(true);
      held.set(b.asset, (held.get(b.asset) ?? 0n) + BigInt(b.amount));
    }
    for (const [asset, supply] of Object.entries(SUPPLY)) {
      expect(held.get(asset), asset).toBe(BigInt(supply));
      expect(ok<{ total_supply: string }>(await call(hub, agents[0]!, 'asset/get', { symbol: asset })).total_supply).toBe(String(supply));
    }
    // Each task's escrow holds its reward exactly while it is held, and it went where its status says.
    const escrow = new Map(balances.filter((b) => b.account.startsWith('escrow:')).map((b) => [b.account.slice('escrow:'.length), b.amount]));
    for (const t of tasks) {
      const task = ok<{ status: string; reward: { state: string; amount: string; paid_to: string | null } }>(await call(hub, t.owner, 'task/get', { task_id: t.task_id }));
      const expected = task.status === 'done' ? 'released' : task.status === 'cancelled' ? 'refunded' : 'held';
      expect(task.reward.state, t.task_id).toBe(expected);
      expect(escrow.get(t.task_id) ?? '0', t.task_id).toBe(expected === 'held' ? t.amount : '0');
      if (expected === 'released') expect(task.reward.paid_to).toBe(t.runner.agentId);
    }
    expect(audit.problems).toEqual([]);
    expect(audit).toMatchObject({ ok: true, assets: { AAA: { supply: '5000', held: '5000' }, BBB: { supply: '3000', held: '3000' } } });
  }, 120_000);
});
