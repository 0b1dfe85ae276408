import type { LedgerTx, LedgerTxKind } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { conflict, notFound } from '../../core/errors.js';
import { encodeCursor, newLedgerTxId, readCursor } from '../../core/ids.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';
import { parseAccount } from './accounts.js';
import { MAY_GO_NEGATIVE, postingProblem, type PostingEntry } from './kinds.js';
import { toLedgerTx } from './rows.js';

const balanceQuery = precompiled(2, (db, account: string, asset: string) =>
  db.selectFrom('balances').select('amount').where('account', '=', account).where('asset', '=', asset),
);
const setBalance = precompiled(3, (db, account: string, asset: string, amount: string) =>
  db
    .insertInto('balances')
    .values({ account, asset, amount })
    .onConflict((oc) => oc.columns(['account', 'asset']).doUpdateSet({ amount })),
);
const assetExists = precompiled(1, (db, symbol: string) => db.selectFrom('assets').select('symbol').where('symbol', '=', symbol));
const insertTx = precompiled(7, (db, tx_id: string, kind: string, asset: string, actor: string, memo: string | null, ref: string | null, created_at: number) =>
  db.insertInto('ledger_txs').values({ tx_id, kind, asset, actor, memo, ref, created_at }),
);

/** One movement of value, as a caller asks for it. */
export interface Posting {
  kind: LedgerTxKind;
  asset: string;
  /** The agent that caused it, or "hub". */
  actor: string;
  memo: string | null;
  /** What it belongs to: a task id, an issuance id, a reward period. */
  ref: string | null;
  entries: readonly PostingEntry[];
}

/**
 * The double-entry ledger: the one place balances change. `post` runs inside
 * the caller's writer job, so a movement commits with the change that caused
 * it (a task approved, an asset issued) or not at all. Amounts are integers
 * kept as decimal text and added as BigInt: no dialect's integer width or
 * float bounds them.
 */
export class Ledger {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
  ) {}

  /**
   * Inside a writer job: checks the posting against the kinds table (a bad
   * one is a bug of the caller: it throws a plain Error, reported as
   * internal), refuses an unknown asset (not_found) and any account but an
   * issue account going below zero (conflict), then moves the balances and
   * writes the transaction and its entries. Every balance is read before any
   * is written, so a refusal leaves nothing half done even inside a job that
   * catches it.
   */
  async post(tx: Sql, p: Posting): Promise<LedgerTx> {
    const problem = postingProblem(p.kind, p.asset, p.entries);
    if (problem) throw new Error(`ledger: ${problem}`);
    // An issue posting creates the asset's supply; the assets row follows it in the same job.
    if (p.kind !== 'issue' && !(await tx.get(assetExists(this.db, p.asset)))) throw notFound(`asset ${p.asset}`);
    const next: string[] = [];
    for (const e of p.entries) {
      const has = await this.balance(tx, e.account, p.asset);
      const after = has + e.amount;
      if (after < 0n && !MAY_GO_NEGATIVE.has(parseAccount(e.account)!.kind)) {
        throw conflict(`insufficient funds: ${e.account} has ${has} ${p.asset}, needs ${-e.amount}`);
      }
      next.push(after.toString());
    }
    for (let i = 0; i < p.entries.length; i++) await tx.run(setBalance(this.db, p.entries[i]!.account, p.asset, next[i]!));
    const txId = newLedgerTxId();
    const now = Date.now();
    await tx.run(insertTx(this.db, txId, p.kind, p.asset, p.actor, p.memo, p.ref, now));
    const entries = p.entries.map((e, n) => ({ tx_id: txId, n, account: e.account, asset: p.asset, amount: e.amount.toString() }));
    await tx.run(this.db.insertInto('ledger_entries').values(entries).compile());
    return toLedgerTx({ tx_id: txId, kind: p.kind, asset: p.asset, actor: p.actor, memo: p.memo, ref: p.ref, created_at: now }, entries);
  }

  /** An account's balance in one asset (0 when it never held any); inside a writer job, pass its `tx`. */
  async balance(sql: Sql, account: string, asset: string): Promise<bigint> {
    return BigInt((await sql.get(balanceQuery(this.db, account, asset)))?.amount ?? '0');
  }

  /** An account's non-zero balances, by symbol. */
  async balancesOf(account: string, sql: Sql = this.read): Promise<Array<{ asset: string; amount: string }>> {
    const rows = await sql.all(
      this.db.selectFrom('balances').select(['asset', 'amount']).where('account', '=', account).where('amount', '<>', '0').orderBy('asset').compile(),
    );
    return rows.map((r) => ({ asset: r.asset, amount: r.amount }));
  }

  async get(txId: string): Promise<LedgerTx> {
    const [found] = await this.load([txId]);
    if (!found) throw notFound('ledger transaction');
    return found;
  }

  /**
   * Transactions touching `account`, newest first (ids are time-ordered), a
   * page of at most `limit`; an account appears once per transaction, so the
   * entries index alone pages them.
   */
  async list(account: string, asset: string | undefined, limit: number, cursor: string | undefined): Promise<{ transactions: LedgerTx[]; next_cursor: string | null }> {
    let q = this.db.selectFrom('ledger_entries').select('tx_id').where('account', '=', account);
    if (asset) q = q.where('asset', '=', asset);
    if (cursor) q = q.where('tx_id', '<', readCursor(cursor, ['string'])[0]);
    const ids = (await this.read.all(q.orderBy('tx_id', 'desc').limit(limit + 1).compile())).map((r) => r.tx_id);
    const page = ids.slice(0, limit);
    const transactions = await this.load(page);
    return { transactions, next_cursor: ids.length > limit ? encodeCursor([page[page.length - 1]!]) : null };
  }

  /** Transactions by id, with their entries, in the order asked. */
  private async load(txIds: readonly string[]): Promise<LedgerTx[]> {
    if (txIds.length === 0) return [];
    const rows = await this.read.all(this.db.selectFrom('ledger_txs').selectAll().where('tx_id', 'in', [...txIds]).compile());
    const entries = await this.read.all(this.db.selectFrom('ledger_entries').select(['tx_id', 'n', 'account', 'amount']).where('tx_id', 'in', [...txIds]).compile());
    const byTx = new Map<string, typeof entries>();
    for (const e of entries) {
      const list = byTx.get(e.tx_id);
      if (list) list.push(e);
      else byTx.set(e.tx_id, [e]);
    }
    const byId = new Map(rows.map((r) => [r.tx_id, toLedgerTx(r, byTx.get(r.tx_id) ?? [])]));
    return txIds.flatMap((id) => byId.get(id) ?? []);
  }
}
