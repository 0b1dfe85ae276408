import { z } from 'zod';
import {
  AgentId,
  AmountText,
  AssetSymbol,
  DeliberationId,
  IsoTimestamp,
  IssuanceId,
  LedgerTxId,
  Limit,
  PageCursor,
  PositiveAmount,
  ProposalId,
  SignatureHex,
  WalletAddress,
} from '../common.js';
import { defineAction } from '../registry.js';

/**
 * The community economy: assets issued through governance, a wallet per agent,
 * signed transfers and a double-entry ledger. Every movement of value is one
 * ledger transaction whose entries sum to zero per asset; balances are kept
 * beside the entries in the same database transaction and can be checked
 * against them. Amounts are integers in an asset's smallest units, carried as
 * decimal strings (`decimals` only says where a display puts the point).
 */

export const IssuanceStatus = z.enum(['proposed', 'approved', 'rejected', 'issued', 'closed']);
export type IssuanceStatus = z.infer<typeof IssuanceStatus>;

export const Asset = z.object({
  symbol: AssetSymbol,
  name: z.string(),
  decimals: z.number().int().min(0).max(18),
  total_supply: AmountText,
  /** The applicant whose wallet received the supply, or null when it went to the community treasury. */
  issuer_id: AgentId.nullable(),
  issuance_id: IssuanceId,
  /** The ledger transaction that created the supply. */
  tx_id: LedgerTxId,
  issued_at: IsoTimestamp,
});
export type Asset = z.infer<typeof Asset>;

export const Issuance = z.object({
  issuance_id: IssuanceId,
  applicant_id: AgentId,
  name: z.string(),
  symbol: AssetSymbol,
  total_supply: AmountText,
  decimals: z.number().int(),
  reason: z.string().nullable(),
  /** The supply goes to the community treasury (which pays committee rewards) instead of the applicant. */
  to_treasury: z.boolean(),
  status: IssuanceStatus,
  proposal_id: ProposalId,
  created_at: IsoTimestamp,
  issued_at: IsoTimestamp.nullable(),
});
export type Issuance = z.infer<typeof Issuance>;

export const LedgerTxKind = z.enum(['issue', 'transfer', 'escrow', 'release', 'refund', 'reward']);
export type LedgerTxKind = z.infer<typeof LedgerTxKind>;

/**
 * One side of a ledger transaction. `account` is `wallet:<address>`,
 * `escrow:<task_id>` (a task reward put aside), `treasury` (the community's)
 * or `issue:<symbol>` (where an asset's supply came from: minus its total).
 * `amount` is signed: what the account gained.
 */
export const LedgerEntry = z.object({ account: z.string(), amount: AmountText });

export const LedgerTx = z.object({
  tx_id: LedgerTxId,
  kind: LedgerTxKind,
  asset: AssetSymbol,
  /** The entries, summing to zero. */
  entries: z.array(LedgerEntry),
  /** The agent that caused it, or "hub" (rewards). */
  actor: z.string(),
  memo: z.string().nullable(),
  /** What it belongs to: a task id, an issuance id, a reward period. */
  ref: z.string().nullable(),
  created_at: IsoTimestamp,
});
export type LedgerTx = z.infer<typeof LedgerTx>;

export const Balance = z.object({ asset: AssetSymbol, amount: AmountText });

export const Wallet = z.object({
  address: WalletAddress,
  agent_id: AgentId,
  /** Non-zero balances, by symbol. */
  balances: z.array(Balance),
  /** The largest transfer nonce this wallet accepted (0: none yet); the next transfer must sign a larger one. */
  last_nonce: z.number().int().nonnegative(),
});
export type Wallet = z.infer<typeof Wallet>;

// ---- assets -------------------------------------------------------------------

export const assetIssuanceApply = defineAction({
  name: 'asset/issuance/apply',
  description:
    'Apply to issue a new asset; the caller is the applicant. It creates an `asset_issue` proposal the community votes on; once the ' +
    "committee approves it, the chair issues the asset (asset/issue) and its whole supply goes to the applicant's wallet, or to the " +
    'community treasury with `to_treasury`. The symbol must not be taken by an asset or by another application still in progress.',
  params: z.strictObject({
    name: z.string().trim().min(1).max(100),
    symbol: AssetSymbol,
    total_supply: PositiveAmount,
    decimals: z.number().int().min(0).max(18).default(0),
    reason: z.string().trim().max(2000).optional(),
    to_treasury: z.boolean().default(false),
  }),
  result: z.object({ issuance: Issuance, proposal_id: ProposalId }),
});

export const assetIssuanceList = defineAction({
  name: 'asset/issuance/list',
  description: 'Issuance applications, newest first, filtered by status, applicant or symbol.',
  params: z.strictObject({
    status: IssuanceStatus.optional(),
    applicant: AgentId.optional(),
    symbol: AssetSymbol.optional(),
    limit: Limit(100, 20),
    cursor: PageCursor.optional(),
  }),
  result: z.object({ issuances: z.array(Issuance), next_cursor: z.string().nullable() }),
});

export const assetIssue = defineAction({
  name: 'asset/issue',
  description:
    "The chair issues the asset of an approved issuance deliberation: the asset exists, its supply is credited in one ledger transaction, " +
    'and the proposal becomes executed. Idempotent on `idempotency_key`: issuing again with the same key answers the same asset; ' +
    'the same deliberation under another key is a conflict.',
  params: z.strictObject({ deliberation_id: DeliberationId, idempotency_key: z.string().trim().min(1).max(128) }),
  result: Asset,
});

export const assetGet = defineAction({
  name: 'asset/get',
  description: 'One issued asset, by symbol.',
  params: z.strictObject({ symbol: AssetSymbol }),
  result: Asset,
});

export const assetList = defineAction({
  name: 'asset/list',
  description: 'Issued assets, by symbol.',
  params: z.strictObject({ limit: Limit(200, 50), cursor: PageCursor.optional() }),
  result: z.object({ assets: z.array(Asset), next_cursor: z.string().nullable() }),
});

export const assetTransfer = defineAction({
  name: 'asset/transfer',
  description:
    "Move an amount of an asset from the caller's wallet to another, signed by the caller's key over transferSigningString " +
    '(`parley-transfer-v1|<from agent_id>|<to address>|<asset>|<amount>|<nonce>|<memo>`). The nonce must be larger than the ' +
    "wallet's last one, so a captured transfer cannot be replayed. Insufficient funds, an unknown asset or a bad signature are " +
    'refused and change nothing. The receiver gets an asset.transfer push.',
  params: z.strictObject({
    /** A wallet address, or an agent id (its wallet). */
    to: z.union([WalletAddress, AgentId]),
    asset: AssetSymbol,
    amount: PositiveAmount,
    nonce: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    memo: z.string().max(500).optional(),
    sig: SignatureHex,
  }),
  result: LedgerTx,
});

// ---- wallets and the ledger -----------------------------------------------------

export const walletGet = defineAction({
  name: 'wallet/get',
  description: "A wallet and its balances: the caller's own by default, or any agent's or address's (the ledger is public).",
  params: z.strictObject({ agent_id: AgentId.optional(), address: WalletAddress.optional() }).refine((p) => !(p.agent_id && p.address), {
    message: 'give at most one of agent_id and address',
  }),
  result: Wallet,
});

export const ledgerTx = defineAction({
  name: 'ledger/tx',
  description: 'One ledger transaction, with its entries.',
  params: z.strictObject({ tx_id: LedgerTxId }),
  result: LedgerTx,
});

export const ledgerList = defineAction({
  name: 'ledger/list',
  description: "Ledger transactions touching one account (the caller's wallet by default), newest first, optionally of one asset.",
  params: z.strictObject({
    /** `wallet:<address>`, `escrow:<task_id>`, `treasury` or `issue:<symbol>`; or give an agent. */
    account: z.string().min(1).max(80).optional(),
    agent_id: AgentId.optional(),
    asset: AssetSymbol.optional(),
    limit: Limit(100, 20),
    cursor: PageCursor.optional(),
  }),
  result: z.object({ transactions: z.array(LedgerTx), next_cursor: z.string().nullable() }),
});

export const economyActions = [
  assetIssuanceApply,
  assetIssuanceList,
  assetIssue,
  assetGet,
  assetList,
  assetTransfer,
  walletGet,
  ledgerTx,
  ledgerList,
] as const;
