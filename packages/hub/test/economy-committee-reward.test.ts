import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair, walletAddressFromPublicKey, agentIdFromPublicKey } from '@parley/protocol';
import pino from 'pino';
import { LocalBus } from '../src/bus/local.js';
import { Streams, type StreamAccess } from '../src/core/streams.js';
import type { GovernanceConfig } from '../src/config.js';
import { issueAccount, TREASURY, walletAccount } from '../src/domains/economy/accounts.js';
import { auditLedger } from '../src/domains/economy/audit.js';
import { CommitteeReward } from '../src/domains/economy/committee-reward.js';
import { Ledger } from '../src/domains/economy/ledger.js';
import { Wallets } from '../src/domains/economy/wallets.js';
import type { GovernanceLink } from '../src/domains/governance/link.js';
import type { Store } from '../src/store/store.js';
import { memoryStore } from './helpers.js';

const PERIOD = 60_000;
const T0 = 100 * PERIOD;
const reward: NonNullable<GovernanceConfig['committeeReward']> = { asset: 'TRS', amount: '5', periodMs: PERIOD };

// The period logic on its own, against the store: a fake governance names the members, the clock is given.
describe('committee reward periods', () => {
  let store: Store;
  let ledger: Ledger;
  let wallets: Wallets;
  let streams: Streams;
  let members: string[];
  const keys = new Map<string, string>();
  const access: StreamAccess = { canRead: async () => true, readable: async () => [], recipients: async () => [] };
  const governance = (): GovernanceLink => ({
    activeMembers: async () => members,
    chairId: async () => members[0] ?? null,
    openIssuanceProposal: () => Promise.reject(new Error('not in this test')),
    deliberationFor: () => Promise.reject(new Error('not in this test')),
    execute: () => Promise.reject(new Error('not in this test')),
  });
  /** One hub's committee reward; several may share the store, as hubs share a database. */
  const hubReward = () => new CommitteeReward(store.db, store.read, store.writer, streams, governance, wallets, ledger, reward, pino({ level: 'silent' }));
  const agent = () => {
    const k = generateKeyPair();
    const id = agentIdFromPublicKey(k.publicKey);
    keys.set(id, k.publicKey);
    return id;
  };
  const held = (id: string) => ledger.balance(store.read, walletAccount(walletAddressFromPublicKey(keys.get(id)!)), 'TRS');
  const periods = async () =>
    (await store.db.selectFrom('reward_periods').select(['period', 'outcome', 'members']).orderBy('period').execute()).map((p) => ({ ...p, period: Number(p.period), members: Number(p.members) }));

  beforeEach(async () => {
    store = await memoryStore();
    ledger = new Ledger(store.db, store.read);
    wallets = new Wallets(store.db, store.read, { publicKeyOf: async (id) => keys.get(id) ?? null });
    streams = new Streams(store.db, store.read, store.writer, new LocalBus(), access);
    members = [agent(), agent(), agent()];
    // A treasury of 20 TRS: one period of 3 x 5, not two.
    await store.writer.run(async (tx) => {
      const minted = await ledger.post(tx, { kind: 'issue', asset: 'TRS', actor: 'hub', memo: null, ref: null, entries: [{ account: issueAccount('TRS'), amount: -20n }, { account: TREASURY, amount: 20n }] });
      await tx.run(
        store.db
          .insertInto('assets')
          .values({ symbol: 'TRS', name: 'treasury', decimals: 0, total_supply: '20', issuer_id: null, issuance_id: 'iss_trs', tx_id: minted.tx_id, idempotency_key: 'trs', issued_at: 1 })
          .compile(),
      );
    });
  });
  afterEach(() => store.close());

  it('pays each active member once per period, however many hubs and ticks try at once', async () => {
    const [a, b] = [hubReward(), hubReward()];
    const outcomes = await Promise.all([a.settle(T0 + 10), b.settle(T0 + 20), a.settle(T0 + 30), b.settle(T0 + PERIOD - 1)]);
    expect(outcomes.filter((o) => o !== null)).toEqual([{ period: T0, outcome: 'paid', members: 3 }]);
    expect(await Promise.all(members.map(held))).toEqual([5n, 5n, 5n]);
    // A later tick in the same period, or a hub restarted meanwhile, finds it settled.
    expect(await hubReward().settle(T0 + 500)).toBeNull();
    expect(await ledger.balance(store.read, TREASURY, 'TRS')).toBe(5n);
    const paid = await ledger.list(TREASURY, 'TRS', 10, undefined);
    expect(paid.transactions.filter((t) => t.kind === 'reward')).toHaveLength(1);
    expect(paid.transactions[0]).toMatchObject({ kind: 'reward', actor: 'hub', ref: `committee:${new Date(T0).toISOString()}` });
  });

  it('pays nobody when the treasury cannot pay everyone, or there is no committee, and records why', async () => {
    await hubReward().settle(T0);
    // 5 left for 3 members: the next period is skipped whole.
    expect(await hubReward().settle(T0 + PERIOD)).toEqual({ period: T0 + PERIOD, outcome: 'skipped: the treasury holds 5 TRS, paying 3 members needs 15', members: 3 });
    expect(await Promise.all(members.map(held))).toEqual([5n, 5n, 5n]);
    members = [];
    expect(await hubReward().settle(T0 + 2 * PERIOD)).toMatchObject({ outcome: 'skipped: no active committee members', members: 0 });
    expect(await periods()).toEqual([
      { period: T0, outcome: 'paid', members: 3 },
      { period: T0 + PERIOD, outcome: 'skipped: the treasury holds 5 TRS, paying 3 members needs 15', members: 3 },
      { period: T0 + 2 * PERIOD, outcome: 'skipped: no active committee members', members: 0 },
    ]);
    expect(await auditLedger(store.db, store.read)).toMatchObject({ ok: true });
  });

  it('the timer settles only on the hub holding the lease', async () => {
    const r = hubReward();
    r.start(() => false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    r.stop();
    await r.idle();
    expect(await periods()).toEqual([]);
    r.start(() => true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    r.stop();
    await r.idle();
    expect((await periods()).map((p) => p.outcome)).toEqual(['paid']);
  });
});
