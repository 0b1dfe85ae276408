import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerTxKind } from '@parley/protocol';
import type { Compilable } from 'kysely';
import { HubError } from '../src/core/errors.js';
import { escrowAccount, issueAccount, parseAccount, TREASURY, walletAccount, type AccountKind } from '../src/domains/economy/accounts.js';
import { auditLedger } from '../src/domains/economy/audit.js';
import { KINDS, MAY_GO_NEGATIVE, postingProblem } from '../src/domains/economy/kinds.js';
import { Ledger, type Posting } from '../src/domains/economy/ledger.js';
import type { Store } from '../src/store/store.js';
import { memoryStore } from './helpers.js';

const A = 'wal_' + 'a'.repeat(32);
const B = 'wal_' + 'b'.repeat(32);
const C = 'wal_' + 'c'.repeat(32);
const SAMPLE: Record<AccountKind, string> = { wallet: walletAccount(A), escrow: escrowAccount('tsk_1'), treasury: TREASURY, issue: issueAccount('PLY') };
const ALL_KINDS = Object.keys(SAMPLE) as AccountKind[];

describe('ledger kinds (the table)', () => {
  it('allows each kind only from its one source kind to its destination kinds, and says why not', () => {
    for (const [kind, rule] of Object.entries(KINDS) as Array<[LedgerTxKind, (typeof KINDS)[LedgerTxKind]]>) {
      for (const from of ALL_KINDS) {
        for (const to of ALL_KINDS) {
          if (from === to) continue;
          const entries = [
            { account: SAMPLE[from], amount: -5n },
            { account: SAMPLE[to], amount: 5n },
          ];
          const allowed = from === rule.from && rule.to.includes(to);
          expect(postingProblem(kind, 'PLY', entries) === null, `${kind} ${from} -> ${to}: ${postingProblem(kind, 'PLY', entries)}`).toBe(allowed);
        }
      }
    }
    // Only issue accounts may go below zero, and only issue takes from one.
    expect([...MAY_GO_NEGATIVE]).toEqual(['issue']);
    expect(Object.entries(KINDS).filter(([, r]) => r.from === 'issue').map(([k]) => k)).toEqual(['issue']);
  });

  it('refuses postings that do not balance, move nothing, name an account twice, take from two, or issue another asset', () => {
    const w = (address: string, amount: bigint) => ({ account: walletAccount(address), amount });
    expect(postingProblem('transfer', 'PLY', [w(A, -5n), w(B, 4n)])).toBe('the entries of a transfer sum to -1, not zero');
    expect(postingProblem('transfer', 'PLY', [w(A, -5n)])).toBe('a transfer has at least two entries');
    expect(postingProblem('transfer', 'PLY', [w(A, 0n), w(B, 0n)])).toMatch(/moves nothing/);
    expect(postingProblem('transfer', 'PLY', [w(A, -5n), w(A, 5n)])).toMatch(/appears twice/);
    expect(postingProblem('transfer', 'PLY', [w(A, -5n), w(B, -5n), w(C, 10n)])).toBe('a transfer takes value from exactly one account, not 2');
    expect(postingProblem('issue', 'PLY', [{ account: issueAccount('GOLD'), amount: -5n }, w(A, 5n)])).toMatch(/issues another asset/);
    expect(postingProblem('reward', 'PLY', [{ account: TREASURY, amount: -10n }, w(A, 5n), w(B, 5n)])).toBeNull();
    expect(postingProblem('transfer', 'PLY', [{ account: 'wallet:nope', amount: -1n }, w(B, 1n)])).toMatch(/is not an account/);
  });

  it('names accounts one way', () => {
    expect(parseAccount(walletAccount(A))).toEqual({ kind: 'wallet', id: A });
    expect(parseAccount('escrow:tsk_abc')).toEqual({ kind: 'escrow', id: 'tsk_abc' });
    expect(parseAccount('treasury')).toEqual({ kind: 'treasury', id: null });
    expect(parseAccount('issue:PLY')).toEqual({ kind: 'issue', id: 'PLY' });
    for (const bad of ['wallet:', 'issue:ply', 'escrow:x', 'bank:1', 'treasury:1', '']) expect(parseAccount(bad), bad).toBeNull();
  });
});

describe('ledger on the store', () => {
  let store: Store;
  let ledger: Ledger;

  beforeAll(async () => {
    store = await memoryStore();
    ledger = new Ledger(store.db, store.read);
  });
  afterAll(() => store.close());

  const post = (p: Omit<Posting, 'actor' | 'memo' | 'ref'>) => store.writer.run((tx) => ledger.post(tx, { actor: 'hub', memo: null, ref: null, ...p }));
  // The store's db reads; writes go through its writer.
  const write = (q: Compilable) => store.writer.run((tx) => tx.run(q.compile()));
  const balance = (account: string, asset = 'PLY') => ledger.balance(store.read, account, asset);
  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    return err instanceof HubError ? `${err.code}: ${err.message}` : err instanceof Error ? `Error: ${err.message}` : err;
  };
  const issue = async (symbol: string, supply: bigint, to: string) => {
    const tx = await post({ kind: 'issue', asset: symbol, entries: [{ account: issueAccount(symbol), amount: -supply }, { account: to, amount: supply }] });
    await write(
      store.db
        .insertInto('assets')
        .values({ symbol, name: symbol, decimals: 0, total_supply: supply.toString(), issuer_id: null, issuance_id: `iss_${symbol.toLowerCase()}`, tx_id: tx.tx_id, idempotency_key: symbol, issued_at: 1 }),
    );
    return tx;
  };

  it('moves balances by the entries, keeps amounts beyond 2^64 exact, and refuses overdrafts with what was there', async () => {
    const big = 10n ** 37n + 7n;
    const minted = await issue('PLY', big, walletAccount(A));
    expect(minted).toMatchObject({ kind: 'issue', asset: 'PLY', entries: [{ account: 'issue:PLY', amount: `-${big}` }, { account: walletAccount(A), amount: `${big}` }] });
    expect(await balance(issueAccount('PLY'))).toBe(-big);

    const moved = await post({ kind: 'transfer', asset: 'PLY', entries: [{ account: walletAccount(A), amount: -big + 1n }, { account: walletAccount(B), amount: big - 1n }] });
    expect(await ledger.get(moved.tx_id)).toEqual(moved);
    expect(await balance(walletAccount(A))).toBe(1n);
    expect(await balance(walletAccount(B))).toBe(big - 1n);

    expect(await refusal(post({ kind: 'transfer', asset: 'PLY', entries: [{ account: walletAccount(A), amount: -2n }, { account: walletAccount(C), amount: 2n }] }))).toBe(
      `conflict: insufficient funds: ${walletAccount(A)} has 1 PLY, needs 2`,
    );
    expect(await refusal(post({ kind: 'transfer', asset: 'NOPE', entries: [{ account: walletAccount(A), amount: -1n }, { account: walletAccount(C), amount: 1n }] }))).toBe('not_found: asset NOPE not found');
    // A posting the table refuses is the caller's bug: a plain error (internal), and nothing moves.
    expect(await refusal(post({ kind: 'escrow', asset: 'PLY', entries: [{ account: walletAccount(A), amount: -1n }, { account: walletAccount(C), amount: 1n }] }))).toMatch(/^Error: ledger: a escrow gives value to escrow accounts/);
    expect(await balance(walletAccount(A))).toBe(1n);
    expect(await balance(walletAccount(C))).toBe(0n);

    const page = await ledger.list(walletAccount(A), undefined, 1, undefined);
    expect(page.transactions.map((t) => t.tx_id)).toEqual([moved.tx_id]);
    const next = await ledger.list(walletAccount(A), undefined, 1, page.next_cursor!);
    expect(next).toEqual({ transactions: [minted], next_cursor: null });
    expect((await ledger.list(walletAccount(A), 'GOLD', 10, undefined)).transactions).toEqual([]);
    expect(await ledger.balancesOf(walletAccount(C))).toEqual([]);

    const audit = await auditLedger(store.db, store.read);
    expect(audit).toMatchObject({ ok: true, problems: [], txs: 2, entries: 4, assets: { PLY: { supply: big.toString(), held: big.toString() } } });
  });

  it('the audit finds a balance that does not match its entries, a negative wallet, and value that came from nowhere', async () => {
    await issue('GOLD', 100n, TREASURY);
    expect((await auditLedger(store.db, store.read)).ok).toBe(true);
    // Tamper with the kept balances, as a bug writing around the ledger would.
    await write(store.db.updateTable('balances').set({ amount: '150' }).where('account', '=', TREASURY).where('asset', '=', 'GOLD'));
    await write(store.db.insertInto('balances').values({ account: walletAccount(C), asset: 'GOLD', amount: '-50' }));
    await write(store.db.insertInto('balances').values({ account: walletAccount(B), asset: 'FAKE', amount: '7' }));
    const audit = await auditLedger(store.db, store.read);
    expect(audit.ok).toBe(false);
    expect(audit.problems).toEqual([
      'treasury holds 150 GOLD but its entries sum to 100',
      `${walletAccount(B)} holds 7 FAKE but its entries sum to 0`,
      `${walletAccount(C)} holds -50 GOLD but its entries sum to 0`,
      `${walletAccount(C)} is below zero: -50 GOLD`,
      'FAKE is held (7) but was never issued',
    ]);
    await write(store.db.updateTable('balances').set({ amount: '100' }).where('account', '=', TREASURY).where('asset', '=', 'GOLD'));
    await write(store.db.deleteFrom('balances').where('account', '=', walletAccount(C)).where('asset', '=', 'GOLD'));
    await write(store.db.deleteFrom('balances').where('asset', '=', 'FAKE'));
    expect((await auditLedger(store.db, store.read)).problems).toEqual([]);
  });
});
