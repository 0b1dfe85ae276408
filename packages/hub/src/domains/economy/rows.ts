import type { Asset, Issuance, IssuanceStatus, LedgerTx, LedgerTxKind } from '@parley/protocol';
import { iso } from '../../core/ids.js';
import type { AssetIssuancesTable, AssetsTable, LedgerEntriesTable, LedgerTxsTable } from '../../store/schema.js';

/** Row -> wire shapes of the economy domain. */

export function toAsset(r: AssetsTable): Asset {
  return {
    symbol: r.symbol,
    name: r.name,
    decimals: Number(r.decimals),
    total_supply: r.total_supply,
    issuer_id: r.issuer_id,
    issuance_id: r.issuance_id,
    tx_id: r.tx_id,
    issued_at: iso(Number(r.issued_at)),
  };
}

export function toIssuance(r: AssetIssuancesTable): Issuance {
  return {
    issuance_id: r.issuance_id,
    applicant_id: r.applicant_id,
    name: r.name,
    symbol: r.symbol,
    total_supply: r.total_supply,
    decimals: Number(r.decimals),
    reason: r.reason,
    to_treasury: Number(r.to_treasury) === 1,
    status: r.status as IssuanceStatus,
    proposal_id: r.proposal_id,
    created_at: iso(Number(r.created_at)),
    issued_at: r.issued_at === null ? null : iso(Number(r.issued_at)),
  };
}

/** A transaction with its entries (in the order they were posted). */
export function toLedgerTx(r: LedgerTxsTable, entries: readonly Pick<LedgerEntriesTable, 'n' | 'account' | 'amount'>[]): LedgerTx {
  return {
    tx_id: r.tx_id,
    kind: r.kind as LedgerTxKind,
    asset: r.asset,
    entries: [...entries].sort((a, b) => Number(a.n) - Number(b.n)).map((e) => ({ account: e.account, amount: e.amount })),
    actor: r.actor,
    memo: r.memo,
    ref: r.ref,
    created_at: iso(Number(r.created_at)),
  };
}
