import { AssetSymbol, TaskId, WalletAddress } from '@parley/protocol';

/**
 * The ledger's accounts, by name. An account is text so that one balances
 * table and one entries table hold every kind:
 *
 * - `wallet:<address>`: an agent's wallet (walletAddressFromPublicKey);
 * - `escrow:<task_id>`: a task's reward, put aside from its owner's wallet;
 * - `treasury`: the community's (an asset issued `to_treasury`; it pays committee rewards);
 * - `issue:<SYMBOL>`: where an asset came from; its balance is minus the supply.
 */
export type AccountKind = 'wallet' | 'escrow' | 'treasury' | 'issue';

export const TREASURY = 'treasury';
export const walletAccount = (address: string): string => `wallet:${address}`;
export const escrowAccount = (taskId: string): string => `escrow:${taskId}`;
export const issueAccount = (symbol: string): string => `issue:${symbol}`;

/** What each kind's id must look like (the account names callers may pass to ledger/list). */
const ID: Readonly<Record<Exclude<AccountKind, 'treasury'>, { safeParse(v: unknown): { success: boolean } }>> = {
  wallet: WalletAddress,
  escrow: TaskId,
  issue: AssetSymbol,
};

/** The kind of a well-formed account name and the id in it; null for anything else. */
export function parseAccount(account: string): { kind: AccountKind; id: string | null } | null {
  if (account === TREASURY) return { kind: 'treasury', id: null };
  const colon = account.indexOf(':');
  if (colon < 0) return null;
  const kind = account.slice(0, colon);
  const id = account.slice(colon + 1);
  if (kind !== 'wallet' && kind !== 'escrow' && kind !== 'issue') return null;
  return ID[kind].safeParse(id).success ? { kind, id } : null;
}
