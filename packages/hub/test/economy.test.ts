import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentStream, GOVERNANCE_STREAM, walletAddressFromPublicKey } from '@parley/protocol';
import type { RunningHub } from '../src/index.js';
import { auditLedger } from '../src/domains/economy/audit.js';
import {
  type Frame,
  type TestAgent,
  becomeChair,
  connectAgent,
  issueAsset,
  ok,
  readDataDir,
  register,
  rpc,
  signedTransfer,
  startTestHub,
  tempDir,
} from './helpers.js';

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const code = (f: Frame) => (f.status === 'error' ? (f.content as { code: string }).code : 'success');
const errorText = (f: Frame) => (f.status === 'error' ? (f.content as { error: string }).error : '');
const addressOf = (a: TestAgent) => walletAddressFromPublicKey(a.keys.publicKey);

interface WalletView {
  address: string;
  agent_id: string;
  balances: Array<{ asset: string; amount: string }>;
  last_nonce: number;
}
interface LedgerTxView {
  tx_id: string;
  kind: string;
  asset: string;
  entries: Array<{ account: string; amount: string }>;
  actor: string;
  memo: string | null;
  ref: string | null;
}

describe('economy against a hub', () => {
  const data = tempDir();
  let hub: RunningHub;
  let chair: TestAgent, alice: TestAgent, bob: TestAgent, carol: TestAgent;
  const wallet = async (a: TestAgent, of: TestAgent = a) => ok<WalletView>(await call(hub, a, 'wallet/get', { agent_id: of.agentId }));
  const balance = async (a: TestAgent, asset: string) => (await wallet(a)).balances.find((b) => b.asset === asset)?.amount ?? '0';
  const audit = () => readDataDir(data.dir, (store) => auditLedger(store.db, store.read));

  beforeAll(async () => {
    hub = await startTestHub({ governance: { quorum: 1, votesToElect: 1 }, dataDir: data.dir, dbPath: undefined });
    [chair, alice, bob, carol] = (await Promise.all(['chair', 'alice', 'bob', 'carol'].map((n) => register(hub, n)))) as [TestAgent, TestAgent, TestAgent, TestAgent];
    await becomeChair(hub, chair);
  });
  afterAll(async () => {
    await hub.close();
    data.cleanup();
  });

  it('issues an asset from application to deliberation to mint, and moves it by a signed transfer, with every push', async () => {
    const a = await connectAgent(hub, alice);
    const b = await connectAgent(hub, bob);
    try {
      const applied = ok<{ issuance: { issuance_id: string; status: string; symbol: string; total_supply: string }; proposal_id: string }>(
        await call(hub, alice, 'asset/issuance/apply', { name: 'Lamp oil', symbol: 'OIL', total_supply: '1000000', decimals: 2, reason: 'to pay for light' }),
      );
      expect(applied.issuance).toMatchObject({ status: 'proposed', symbol: 'OIL', total_supply: '1000000', applicant_id: alice.agentId, to_treasury: false, proposal_id: applied.proposal_id });
      const issuanceId = applied.issuance.issuance_id;
      const statusOf = async () => ok<{ issuances: Array<{ status: string }> }>(await call(hub, bob, 'asset/issuance/list', { symbol: 'OIL' })).issuances[0]!.status;
      // The symbol is held while the application is in progress.
      expect(errorText(await call(hub, bob, 'asset/issuance/apply', { name: 'Other oil', symbol: 'OIL', total_supply: 5 }))).toBe(`the symbol OIL is taken by an application in progress (${issuanceId})`);
      const proposal = ok<{ kind: string; issuance_id: string }>(await call(hub, bob, 'proposal/get', { proposal_id: applied.proposal_id }));
      expect(proposal).toMatchObject({ kind: 'asset_issue', issuance_id: issuanceId });

      const voted = ok<{ status: string; deliberation_id: string }>(await call(hub, chair, 'proposal/vote', { proposal_id: applied.proposal_id, support: true }));
      expect(voted.status).toBe('deliberating');
      // Not approved yet: the chair cannot issue.
      expect(code(await call(hub, chair, 'asset/issue', { deliberation_id: voted.deliberation_id, idempotency_key: 'oil-1' }))).toBe('conflict');
      ok(await call(hub, chair, 'deliberation/vote', { deliberation_id: voted.deliberation_id, choice: 'APPROVE', reason: 'light is good' }));
      expect(await statusOf()).toBe('approved');
      // Only the chair issues.
      expect(code(await call(hub, alice, 'asset/issue', { deliberation_id: voted.deliberation_id, idempotency_key: 'oil-1' }))).toBe('forbidden');

      const asset = ok<{ symbol: string; total_supply: string; issuer_id: string; tx_id: string; decimals: number }>(
        await call(hub, chair, 'asset/issue', { deliberation_id: voted.deliberation_id, idempotency_key: 'oil-1' }),
      );
      expect(asset).toMatchObject({ symbol: 'OIL', name: 'Lamp oil', decimals: 2, total_supply: '1000000', issuer_id: alice.agentId, issuance_id: issuanceId });
      expect(await statusOf()).toBe('issued');
      expect(ok(await call(hub, bob, 'asset/get', { symbol: 'OIL' }))).toEqual(asset);
      expect(ok<{ assets: Array<{ symbol: string }> }>(await call(hub, bob, 'asset/list', {})).assets.map((x) => x.symbol)).toContain('OIL');
      expect(ok<{ status: string; result: string }>(await call(hub, bob, 'proposal/get', { proposal_id: applied.proposal_id }))).toMatchObject({ status: 'executed', result: 'issued OIL' });
      expect(ok(await call(hub, bob, 'ledger/tx', { tx_id: asset.tx_id }))).toMatchObject({
        kind: 'issue',
        asset: 'OIL',
        actor: chair.agentId,
        ref: issuanceId,
        entries: [
          { account: 'issue:OIL', amount: '-1000000' },
          { account: `wallet:${addressOf(alice)}`, amount: '1000000' },
        ],
      });
      expect(await wallet(bob, alice)).toEqual({ address: addressOf(alice), agent_id: alice.agentId, balances: [{ asset: 'OIL', amount: '1000000' }], last_nonce: 0 });
      // Public on the governance stream (bob is online), direct to the applicant.
      await b.client.waitFrame((f) => f.stream === GOVERNANCE_STREAM && f.event === 'asset.issued', 5000, 'public asset.issued');
      const direct = await a.client.waitFrame((f) => f.stream === agentStream(alice.agentId) && f.event === 'asset.issued', 5000, 'direct asset.issued');
      expect(direct.data).toMatchObject({ variant: 'direct', asset: { symbol: 'OIL', tx_id: asset.tx_id } });

      // Alice pays Bob, naming his agent; the signature covers his wallet address.
      const moved = ok<LedgerTxView>(await call(hub, alice, 'asset/transfer', signedTransfer(alice, bob, { asset: 'OIL', amount: 2500, nonce: 1, memo: 'for the lamp' })));
      expect(moved).toMatchObject({
        kind: 'transfer',
        asset: 'OIL',
        actor: alice.agentId,
        memo: 'for the lamp',
        entries: [
          { account: `wallet:${addressOf(alice)}`, amount: '-2500' },
          { account: `wallet:${addressOf(bob)}`, amount: '2500' },
        ],
      });
      for (const c of [a.client, b.client]) {
        const push = await c.waitFrame((f) => f.event === 'asset.transfer', 5000, 'asset.transfer');
        expect(push.data).toEqual({ tx: moved, from: alice.agentId, to: bob.agentId });
      }
      // Carol never held anything: her wallet has no row yet, so only her agent id finds it.
      expect(errorText(await call(hub, bob, 'asset/transfer', signedTransfer(bob, addressOf(carol), { asset: 'OIL', amount: '500', nonce: 6 })))).toBe(
        `no wallet at ${addressOf(carol)}: pay an agent that never held anything by its agent id`,
      );
      ok(await call(hub, bob, 'asset/transfer', signedTransfer(bob, carol, { asset: 'OIL', amount: '500', nonce: 7 })));
      // And Carol pays Bob back by his address.
      ok(await call(hub, carol, 'asset/transfer', signedTransfer(carol, addressOf(bob), { asset: 'OIL', amount: '100', nonce: 1 })));
      expect([await balance(alice, 'OIL'), await balance(bob, 'OIL'), await balance(carol, 'OIL')]).toEqual(['997500', '2100', '400']);
      expect((await wallet(bob)).last_nonce).toBe(7);
      const bobs = ok<{ transactions: LedgerTxView[] }>(await call(hub, bob, 'ledger/list', {}));
      expect(bobs.transactions.map((t) => [t.kind, t.actor])).toEqual([
        ['transfer', carol.agentId],
        ['transfer', bob.agentId],
        ['transfer', alice.agentId],
      ]);
      expect(ok<{ transactions: LedgerTxView[] }>(await call(hub, carol, 'ledger/list', { account: 'issue:OIL' })).transactions.map((t) => t.tx_id)).toEqual([asset.tx_id]);
      expect(await audit()).toMatchObject({ ok: true, problems: [] });
    } finally {
      a.client.close();
      b.client.close();
    }
  });

  it('refuses a transfer with too little money, an unknown asset, a bad signature, a replayed nonce, an unknown receiver or itself, each changing nothing', async () => {
    await issueAsset(hub, chair, { symbol: 'CORN', supply: 100, applicant: alice });
    ok(await call(hub, alice, 'asset/transfer', signedTransfer(alice, bob, { asset: 'CORN', amount: 10, nonce: 100 })));
    const before = await Promise.all([wallet(alice), wallet(bob)]);
    const txsBefore = ok<{ transactions: unknown[] }>(await call(hub, alice, 'ledger/list', { limit: 100 })).transactions.length;

    const refused: Array<[string, Frame]> = [
      ['conflict', await call(hub, alice, 'asset/transfer', signedTransfer(alice, bob, { asset: 'CORN', amount: 91, nonce: 101 }))],
      ['not_found', await call(hub, alice, 'asset/transfer', signedTransfer(alice, bob, { asset: 'NOPE', amount: 1, nonce: 102 }))],
      // Signed over another amount than sent; and signed by someone else's key.
      ['forbidden', await call(hub, alice, 'asset/transfer', { ...signedTransfer(alice, bob, { asset: 'CORN', amount: 1, nonce: 103 }), amount: '2' })],
      ['forbidden', await call(hub, alice, 'asset/transfer', signedTransfer({ ...alice, keys: bob.keys }, bob, { asset: 'CORN', amount: 1, nonce: 104 }))],
      // The same signed transfer again (under a new request id), and an older nonce.
      ['conflict', await call(hub, alice, 'asset/transfer', signedTransfer(alice, bob, { asset: 'CORN', amount: 10, nonce: 100 }))],
      ['conflict', await call(hub, alice, 'asset/transfer', signedTransfer(alice, bob, { asset: 'CORN', amount: 1, nonce: 50 }))],
      // A wallet nobody holds, and an agent that does not exist: the value would vanish.
      ['not_found', await call(hub, alice, 'asset/transfer', signedTransfer(alice, 'wal_' + 'q'.repeat(32), { asset: 'CORN', amount: 1, nonce: 105 }))],
      ['not_found', await call(hub, alice, 'asset/transfer', signedTransfer(alice, 'agt_' + 'q'.repeat(32), { asset: 'CORN', amount: 1, nonce: 106 }))],
      ['invalid_params', await call(hub, alice, 'asset/transfer', signedTransfer(alice, alice, { asset: 'CORN', amount: 1, nonce: 107 }))],
    ];
    expect(refused.map(([, f]) => code(f))).toEqual(refused.map(([c]) => c));
    expect(errorText(refused[0]![1])).toBe(`insufficient funds: wallet:${addressOf(alice)} has 90 CORN, needs 91`);
    expect(errorText(refused[4]![1])).toMatch(/^nonce 100 is not larger than this wallet's last one \(100\)/);
    expect(await Promise.all([wallet(alice), wallet(bob)])).toEqual(before);
    expect(ok<{ transactions: unknown[] }>(await call(hub, alice, 'ledger/list', { limit: 100 })).transactions).toHaveLength(txsBefore);
    // A refused nonce was not used up: the next good transfer may take it.
    ok(await call(hub, alice, 'asset/transfer', signedTransfer(alice, bob, { asset: 'CORN', amount: 1, nonce: 101 })));
    expect(await audit()).toMatchObject({ ok: true });
  });

  it('asset/issue is idempotent on its key; another key for the same deliberation, or a key used for another, is a conflict', async () => {
    const first = await issueAsset(hub, chair, { symbol: 'SALT', supply: '12345678901234567890123456789', applicant: bob });
    const again = ok(await call(hub, chair, 'asset/issue', { deliberation_id: first.deliberation_id, idempotency_key: 'test-issue-SALT' }));
    expect(again).toMatchObject({ symbol: 'SALT', tx_id: first.tx_id, total_supply: '12345678901234567890123456789' });
    expect(errorText(await call(hub, chair, 'asset/issue', { deliberation_id: first.deliberation_id, idempotency_key: 'another-key' }))).toBe(
      "this deliberation's asset (SALT) was issued under another idempotency_key",
    );
    // An approved deliberation of another application cannot reuse SALT's key.
    const applied = ok<{ proposal_id: string }>(await call(hub, carol, 'asset/issuance/apply', { name: 'Pepper', symbol: 'PEPPER', total_supply: 9 }));
    const { deliberation_id } = ok<{ deliberation_id: string }>(await call(hub, chair, 'proposal/vote', { proposal_id: applied.proposal_id, support: true }));
    ok(await call(hub, chair, 'deliberation/vote', { deliberation_id, choice: 'APPROVE', reason: 'ok' }));
    expect(errorText(await call(hub, chair, 'asset/issue', { deliberation_id, idempotency_key: 'test-issue-SALT' }))).toBe('this idempotency_key issued another asset (SALT)');
    ok(await call(hub, chair, 'asset/issue', { deliberation_id, idempotency_key: 'pepper' }));
    // Minted once each.
    expect(await balance(bob, 'SALT')).toBe('12345678901234567890123456789');
    expect(await balance(carol, 'PEPPER')).toBe('9');
    expect((await audit()).assets).toMatchObject({ SALT: { supply: '12345678901234567890123456789', held: '12345678901234567890123456789' }, PEPPER: { supply: '9', held: '9' } });
    // A taken symbol cannot be applied for again.
    expect(errorText(await call(hub, alice, 'asset/issuance/apply', { name: 'x', symbol: 'SALT', total_supply: 1 }))).toBe('the symbol SALT is taken by an issued asset');
  });

  it('an application follows its proposal: rejected by the committee, or closed; the symbol is free again', async () => {
    const statusOf = async (symbol: string) => ok<{ issuances: Array<{ status: string }> }>(await call(hub, bob, 'asset/issuance/list', { symbol })).issuances.map((i) => i.status);
    const rejected = ok<{ proposal_id: string }>(await call(hub, bob, 'asset/issuance/apply', { name: 'Sand', symbol: 'SAND', total_supply: 5 }));
    const { deliberation_id } = ok<{ deliberation_id: string }>(await call(hub, chair, 'proposal/vote', { proposal_id: rejected.proposal_id, support: true }));
    ok(await call(hub, chair, 'deliberation/vote', { deliberation_id, choice: 'REJECT', reason: 'too much sand' }));
    expect(await statusOf('SAND')).toEqual(['rejected']);
    expect(code(await call(hub, chair, 'asset/issue', { deliberation_id, idempotency_key: 'sand' }))).toBe('conflict');

    const closed = ok<{ proposal_id: string }>(await call(hub, bob, 'asset/issuance/apply', { name: 'Sand again', symbol: 'SAND', total_supply: 6 }));
    ok(await call(hub, chair, 'proposal/close', { proposal_id: closed.proposal_id, reason: 'not now' }));
    expect(await statusOf('SAND')).toEqual(['closed', 'rejected']);
    const page = ok<{ issuances: unknown[]; next_cursor: string | null }>(await call(hub, bob, 'asset/issuance/list', { applicant: bob.agentId, limit: 1 }));
    expect(page.issuances).toHaveLength(1);
    expect(page.next_cursor).not.toBeNull();
    expect(ok<{ issuances: Array<{ status: string }> }>(await call(hub, bob, 'asset/issuance/list', { status: 'rejected' })).issuances.map((i) => i.status)).toEqual(['rejected']);
  });

  it('a task reward is escrowed from the owner at creation, paid to the runner on approval, refunded on cancel; an owner who cannot pay gets no task', async () => {
    const [owner, runner] = await Promise.all([register(hub, 'owner'), register(hub, 'runner')]);
    await issueAsset(hub, chair, { symbol: 'WAGE', supply: 100, applicant: owner });
    const r = await connectAgent(hub, runner);
    const o = await connectAgent(hub, owner);
    try {
      const task = (reward: unknown) => call(hub, owner, 'task/create', { title: 'dig', runner: runner.agentId, reward });
      const paid = ok<{ task_id: string; reward: { tx_id: string } }>(await task({ asset: 'WAGE', amount: '30' }));
      expect(paid.reward).toMatchObject({ asset: 'WAGE', amount: '30', state: 'held', paid_to: null });
      const escrow = `escrow:${paid.task_id}`;
      expect(ok(await call(hub, owner, 'ledger/tx', { tx_id: paid.reward.tx_id }))).toMatchObject({
        kind: 'escrow',
        ref: paid.task_id,
        entries: [
          { account: `wallet:${addressOf(owner)}`, amount: '-30' },
          { account: escrow, amount: '30' },
        ],
      });
      expect(await balance(owner, 'WAGE')).toBe('70');

      const refunded = ok<{ task_id: string }>(await task({ asset: 'WAGE', amount: 50 }));
      expect(await balance(owner, 'WAGE')).toBe('20');

      // Too much, or an asset that does not exist: no task, nothing moves.
      const count = async () => ok<{ tasks: unknown[] }>(await call(hub, owner, 'task/list', { owner: owner.agentId, limit: 100 })).tasks.length;
      const tasksBefore = await count();
      const tooMuch = await task({ asset: 'WAGE', amount: 21 });
      expect([code(tooMuch), errorText(tooMuch)]).toEqual(['conflict', `insufficient funds: wallet:${addressOf(owner)} has 20 WAGE, needs 21`]);
      expect(code(await task({ asset: 'GHOST', amount: 1 }))).toBe('not_found');
      expect(await count()).toBe(tasksBefore);
      expect(await balance(owner, 'WAGE')).toBe('20');

      ok(await call(hub, runner, 'task/start', { task_id: paid.task_id }));
      ok(await call(hub, runner, 'task/submit', { task_id: paid.task_id, output: 'dug' }));
      const done = ok<{ reward: { state: string; paid_to: string; tx_id: string } }>(await call(hub, owner, 'task/review', { task_id: paid.task_id, decision: 'approve' }));
      expect(done.reward).toMatchObject({ state: 'released', paid_to: runner.agentId, amount: '30' });
      expect(done.reward.tx_id).not.toBe(paid.reward.tx_id);
      expect(await balance(runner, 'WAGE')).toBe('30');
      const push = await r.client.waitFrame((f) => f.event === 'reward.paid', 5000, 'reward.paid to the runner');
      expect(push.data).toMatchObject({ kind: 'task', task_id: paid.task_id, period: null, tx: { tx_id: done.reward.tx_id, kind: 'release', actor: owner.agentId } });

      const cancelled = ok<{ reward: { state: string; paid_to: string | null; tx_id: string } }>(await call(hub, owner, 'task/cancel', { task_id: refunded.task_id }));
      expect(cancelled.reward).toMatchObject({ state: 'refunded', paid_to: null });
      expect(await balance(owner, 'WAGE')).toBe('70');
      const back = await o.client.waitFrame((f) => f.event === 'reward.paid', 5000, 'reward.paid to the owner');
      expect(back.data).toMatchObject({ kind: 'task_refund', task_id: refunded.task_id, tx: { tx_id: cancelled.reward.tx_id, kind: 'refund' } });
      // The escrow accounts are empty again, each with its two moves.
      for (const id of [paid.task_id, refunded.task_id]) {
        const moves = ok<{ transactions: LedgerTxView[] }>(await call(hub, owner, 'ledger/list', { account: `escrow:${id}` })).transactions;
        expect(moves.map((t) => t.kind)).toEqual([id === paid.task_id ? 'release' : 'refund', 'escrow']);
      }
      expect(await audit()).toMatchObject({ ok: true });
    } finally {
      r.client.close();
      o.client.close();
    }
  });

  it('a reward recorded before the ledger keeps its state-only behaviour: its state moves, no value does', async () => {
    const [owner, runner] = await Promise.all([register(hub, 'old owner'), register(hub, 'old runner')]);
    const made = ok<{ task_id: string; pipeline_id: string }>(await call(hub, owner, 'task/create', { title: 'new', runner: runner.agentId }));
    // Two tasks as 0013 left them: a reward amount and state, no exact units, no transaction (written as an operator would).
    const legacy = (id: string) => ({
      task_id: id, title: id, description: null, acceptance_criteria: null, priority: 'P2', status: 'review', owner_id: owner.agentId, runner_id: runner.agentId,
      reviewer_id: null, pipeline_id: made.pipeline_id, topic_id: null, capability: null, deadline: null, reward_asset: 'OLD', reward_amount: 2.5,
      reward_state: 'held', reward_to: null, reward_units: null, reward_tx: null, progress: 100, progress_note: null, output: 'x', artifacts: '[]',
      review_comment: null, created_at: Date.now(), updated_at: Date.now(), active_at: null,
    });
    await readDataDir(data.dir, (store) => store.writer.run((tx) => tx.run(store.db.insertInto('tasks').values([legacy('tsk_legacydone'), legacy('tsk_legacygone')]).compile())));
    const before = await audit();
    expect(ok(await call(hub, owner, 'task/review', { task_id: 'tsk_legacydone', decision: 'approve' }))).toMatchObject({
      status: 'done',
      reward: { asset: 'OLD', amount: '2.5', state: 'released', paid_to: runner.agentId, tx_id: null },
    });
    expect(ok(await call(hub, owner, 'task/cancel', { task_id: 'tsk_legacygone' }))).toMatchObject({
      status: 'cancelled',
      reward: { asset: 'OLD', amount: '2.5', state: 'refunded', paid_to: null, tx_id: null },
    });
    expect(await audit()).toEqual(before);
    expect((await wallet(runner)).balances).toEqual([]);
  });
});

describe('the committee reward', () => {
  const data = tempDir();
  let hub: RunningHub;
  let chair: TestAgent;

  beforeAll(async () => {
    hub = await startTestHub({
      governance: { quorum: 1, votesToElect: 1, committeeReward: { asset: 'TRS', amount: '5', periodMs: 400 } },
      dataDir: data.dir,
      dbPath: undefined,
    });
    chair = await register(hub, 'chair');
  });
  afterAll(async () => {
    await hub.close();
    data.cleanup();
  });

  it('pays every active member from the treasury once per period, and skips periods the treasury cannot pay, paying nobody', async () => {
    const c = await connectAgent(hub, chair);
    try {
      // The treasury gets 12: two periods of 5 for the one member, then it runs short.
      await issueAsset(hub, chair, { symbol: 'TRS', supply: 12, toTreasury: true });
      expect(ok(await call(hub, chair, 'asset/get', { symbol: 'TRS' }))).toMatchObject({ issuer_id: null });
      const rewards = () => c.client.frames.filter((f) => f.event === 'reward.paid');
      await c.client.waitUntil(() => rewards().length >= 2, 10_000, 'two committee rewards');
      // Then at least two more periods pass, unpaid.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(rewards()).toHaveLength(2);
      for (const f of rewards()) expect(f.data).toMatchObject({ kind: 'committee', task_id: null, tx: { kind: 'reward', actor: 'hub', asset: 'TRS' } });
      expect(new Set(rewards().map((f) => (f.data as { period: string }).period)).size).toBe(2);
      const w = ok<WalletView>(await call(hub, chair, 'wallet/get', {}));
      expect(w.balances).toEqual([{ asset: 'TRS', amount: '10' }]);
      const periods = await readDataDir(data.dir, (store) => store.db.selectFrom('reward_periods').select(['period', 'outcome', 'members']).orderBy('period').execute());
      expect(periods.filter((p) => p.outcome === 'paid')).toHaveLength(2);
      expect(periods.some((p) => p.outcome === 'skipped: the treasury holds 2 TRS, paying 1 members needs 5')).toBe(true);
      expect(await readDataDir(data.dir, (store) => auditLedger(store.db, store.read))).toMatchObject({ ok: true, assets: { TRS: { supply: '12', held: '12' } } });
    } finally {
      c.client.close();
    }
  });
});

describe('issuance applications per applicant', () => {
  let hub: RunningHub;
  let chair: TestAgent, applicant: TestAgent;

  beforeAll(async () => {
    hub = await startTestHub({ governance: { quorum: 1, votesToElect: 1, maxOpenProposals: 1 } });
    [chair, applicant] = (await Promise.all([register(hub, 'chair'), register(hub, 'applicant')])) as [TestAgent, TestAgent];
    await becomeChair(hub, chair);
  });
  afterAll(() => hub.close());

  it('are bounded while in progress, approved but not yet issued included; an issued one no longer counts', async () => {
    const first = ok<{ proposal_id: string }>(await call(hub, applicant, 'asset/issuance/apply', { name: 'One', symbol: 'ONE', total_supply: 1 }));
    const { deliberation_id } = ok<{ deliberation_id: string }>(await call(hub, chair, 'proposal/vote', { proposal_id: first.proposal_id, support: true }));
    ok(await call(hub, chair, 'deliberation/vote', { deliberation_id, choice: 'APPROVE', reason: 'fine' }));
    // Its proposal is no longer open, but the application is still in progress.
    expect(errorText(await call(hub, applicant, 'asset/issuance/apply', { name: 'Two', symbol: 'TWO', total_supply: 1 }))).toBe(
      'issuance applications in progress: you have 1, the most allowed',
    );
    ok(await call(hub, chair, 'asset/issue', { deliberation_id, idempotency_key: 'one' }));
    ok(await call(hub, applicant, 'asset/issuance/apply', { name: 'Two', symbol: 'TWO', total_supply: 1 }));
  });
});
