import type { LedgerTxKind } from '@parley/protocol';
import { parseAccount, type AccountKind } from './accounts.js';

/**
 * The ledger's transaction kinds in one table: for each, the one kind of
 * account value leaves (`from`) and the kinds it may go to (`to`). Every
 * posting is checked against it here (`postingProblem`), and so is every
 * stored transaction by the audit, so the rules are read and tested in one
 * place.
 */
interface KindRule {
  from: AccountKind;
  to: readonly AccountKind[];
  /** What it is, for readers and error messages. */
  what: string;
}

export const KINDS: Readonly<Record<LedgerTxKind, KindRule>> = {
  issue: { from: 'issue', to: ['wallet', 'treasury'], what: "an asset's supply, created once, to its applicant or the treasury" },
  transfer: { from: 'wallet', to: ['wallet'], what: 'a signed move between two wallets' },
  escrow: { from: 'wallet', to: ['escrow'], what: "a task's reward put aside from its owner's wallet" },
  release: { from: 'escrow', to: ['wallet'], what: "a done task's reward paid to its runner" },
  refund: { from: 'escrow', to: ['wallet'], what: "a cancelled task's reward back to its owner" },
  reward: { from: 'treasury', to: ['wallet'], what: "the committee's periodic reward from the treasury" },
};

/**
 * Accounts that may go below zero: only where an asset came from, whose
 * balance is minus its supply. Every other account holds what it was given.
 */
export const MAY_GO_NEGATIVE: ReadonlySet<AccountKind> = new Set<AccountKind>(['issue']);

export interface PostingEntry {
  account: string;
  /** What the account gains (negative: what it gives). */
  amount: bigint;
}

/**
 * Why a transaction of `kind` in `asset` with these entries cannot be, or
 * null when it can: at least two entries, each a well-formed account named
 * once, none zero; value leaves exactly one account, of the kind's `from`
 * kind (an issue account only for its own asset), and goes only to its `to`
 * kinds; the entries sum to zero.
 */
export function postingProblem(kind: LedgerTxKind, asset: string, entries: readonly PostingEntry[]): string | null {
  const rule = KINDS[kind];
  if (entries.length < 2) return `a ${kind} has at least two entries`;
  const seen = new Set<string>();
  let sum = 0n;
  let debits = 0;
  for (const e of entries) {
    const parsed = parseAccount(e.account);
    if (!parsed) return `"${e.account}" is not an account`;
    if (seen.has(e.account)) return `${e.account} appears twice`;
    seen.add(e.account);
    if (e.amount === 0n) return `${e.account} moves nothing`;
    if (e.amount < 0n) {
      debits++;
      if (parsed.kind !== rule.from) return `a ${kind} takes value from a ${rule.from} account, not ${e.account}`;
      if (parsed.kind === 'issue' && parsed.id !== asset) return `${e.account} issues another asset than ${asset}`;
    } else if (!rule.to.includes(parsed.kind)) return `a ${kind} gives value to ${rule.to.join(' or ')} accounts, not ${e.account}`;
    sum += e.amount;
  }
  if (debits !== 1) return `a ${kind} takes value from exactly one account, not ${debits}`;
  if (sum !== 0n) return `the entries of a ${kind} sum to ${sum}, not zero`;
  return null;
}
