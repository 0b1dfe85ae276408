import type { LedgerTxKind } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';
import { issueAccount, parseAccount } from './accounts.js';
import { KINDS, MAY_GO_NEGATIVE, postingProblem } from './kinds.js';

export interface LedgerAudit {
  /** No problem found. */
  ok: boolean;
  /** Each thing found wrong, in words (at most MAX_PROBLEMS). */
  problems: string[];
  txs: number;
  entries: number;
  accounts: number;
  /** Per asset: its supply and what all accounts but its issue account hold. */
  assets: Record<string, { supply: string; held: string }>;
}

const PAGE = 500;
const MAX_PROBLEMS = 100;

/**
 * Recomputes the ledger from its entries and compares it with what is kept
 * beside them: every transaction fits the kinds table (its entries sum to
 * zero, value leaves one account of the right kind) and has the asset of its
 * transaction; each account's entries sum to its balance row; no balance is
 * below zero but issue accounts'; minus each issue account's balance is its
 * asset's total supply, and everything else together holds exactly that. For
 * tests and operators: it reads the whole ledger (a page at a time). Give it
 * a writer job's `tx` for a snapshot of a busy hub; on the read side, run it
 * when the ledger is quiet.
 */
export async function auditLedger(db: Kysely<Database>, sql: Sql): Promise<LedgerAudit> {
  const problems: string[] = [];
  const problem = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const sums = new Map<string, bigint>();
  const key = (account: string, asset: string) => `${account}\u0000${asset}`;
  let txs = 0;
  let entries = 0;
  let after = '';
  for (;;) {
    const page = await sql.all(db.selectFrom('ledger_txs').select(['tx_id', 'kind', 'asset']).where('tx_id', '>', after).orderBy('tx_id').limit(PAGE).compile());
    if (page.length === 0) break;
    after = page[page.length - 1]!.tx_id;
    const rows = await sql.all(
      db
        .selectFrom('ledger_entries')
        .select(['tx_id', 'account', 'asset', 'amount'])
        .where('tx_id', 'in', page.map((t) => t.tx_id))
        .orderBy('tx_id')
        .orderBy('n')
        .compile(),
    );
    const byTx = new Map<string, typeof rows>();
    for (const r of rows) {
      const list = byTx.get(r.tx_id);
      if (list) list.push(r);
      else byTx.set(r.tx_id, [r]);
    }
    for (const t of page) {
      txs++;
      const own = byTx.get(t.tx_id) ?? [];
      entries += own.length;
      if (!(t.kind in KINDS)) {
        problem(`${t.tx_id}: unknown kind "${t.kind}"`);
        continue;
      }
      const bad = postingProblem(t.kind as LedgerTxKind, t.asset, own.map((e) => ({ account: e.account, amount: BigInt(e.amount) })));
      if (bad) problem(`${t.tx_id}: ${bad}`);
      for (const e of own) {
        if (e.asset !== t.asset) problem(`${t.tx_id}: an entry of ${e.account} is in ${e.asset}, its transaction in ${t.asset}`);
        const k = key(e.account, e.asset);
        sums.set(k, (sums.get(k) ?? 0n) + BigInt(e.amount));
      }
    }
  }
  const stored = await sql.all(db.selectFrom('ledger_entries').select((eb) => eb.fn.countAll<number>().as('n')).compile());
  if (Number(stored[0]?.n ?? 0) !== entries) problem(`${Number(stored[0]?.n ?? 0) - entries} entries belong to no transaction`);

  // Every balance row against its entries; rows are paged by their key.
  const balances = new Map<string, bigint>();
  let from: [string, string] = ['', ''];
  for (;;) {
    const [a, s] = from;
    const page = await sql.all(
      db
        .selectFrom('balances')
        .select(['account', 'asset', 'amount'])
        .where((eb) => eb.or([eb('account', '>', a), eb.and([eb('account', '=', a), eb('asset', '>', s)])]))
        .orderBy('account')
        .orderBy('asset')
        .limit(PAGE)
        .compile(),
    );
    if (page.length === 0) break;
    const last = page[page.length - 1]!;
    from = [last.account, last.asset];
    for (const b of page) {
      const amount = BigInt(b.amount);
      balances.set(key(b.account, b.asset), amount);
      const want = sums.get(key(b.account, b.asset)) ?? 0n;
      if (amount !== want) problem(`${b.account} holds ${amount} ${b.asset} but its entries sum to ${want}`);
      const kind = parseAccount(b.account)?.kind;
      if (!kind) problem(`"${b.account}" is not an account`);
      else if (amount < 0n && !MAY_GO_NEGATIVE.has(kind)) problem(`${b.account} is below zero: ${amount} ${b.asset}`);
    }
  }
  for (const [k, sum] of sums) {
    if (sum !== 0n && !balances.has(k)) problem(`${k.replace('\u0000', ' in ')} has entries summing to ${sum} and no balance`);
  }

  // Supply: minus the issue account, and what everyone else holds.
  const assets: LedgerAudit['assets'] = {};
  const held = new Map<string, bigint>();
  for (const [k, amount] of balances) {
    const [account, asset] = k.split('\u0000') as [string, string];
    if (parseAccount(account)?.kind !== 'issue') held.set(asset, (held.get(asset) ?? 0n) + amount);
  }
  const supplies = await sql.all(db.selectFrom('assets').select(['symbol', 'total_supply']).compile());
  for (const a of supplies) {
    const supply = BigInt(a.total_supply);
    const issued = -(balances.get(key(issueAccount(a.symbol), a.symbol)) ?? 0n);
    const h = held.get(a.symbol) ?? 0n;
    assets[a.symbol] = { supply: supply.toString(), held: h.toString() };
    if (issued !== supply) problem(`${a.symbol}: its issue account says ${issued} were issued, its supply is ${supply}`);
    if (h !== supply) problem(`${a.symbol}: accounts hold ${h}, its supply is ${supply}`);
    held.delete(a.symbol);
  }
  for (const [asset, h] of held) if (h !== 0n) problem(`${asset} is held (${h}) but was never issued`);

  return { ok: problems.length === 0, problems, txs, entries, accounts: balances.size, assets };
}
