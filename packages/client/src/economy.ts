// Amounts, rewards and signed transfers: the economy's client side, shared by
// every face (the CLI, the OpenClaw adapter, apps) so that each parses and
// prints amounts the same way and none of them handles a secret key.
//
// Amounts are integers in an asset's smallest units, carried as decimal
// strings (the protocol's `Amount`); `decimals` only says where a display puts
// the point. Everything here works on strings and BigInt: a float would turn
// 0.1 + 0.2 into a wrong balance, and a JSON number loses digits past 2^53.
import { AssetSymbol, MAX_AMOUNT_DIGITS, transferSigningString, WalletAddress, type LedgerTx } from '@parley/protocol';
import type { ActionCaller } from './paging.js';

/** Most decimals an asset may have (asset/issuance/apply). */
export const MAX_DECIMALS = 18;

const UNITS_RE = /^-?(0|[1-9][0-9]*)$/;
const DISPLAY_RE = /^([0-9]+)(?:\.([0-9]+))?$/;

function checkDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new RangeError(`decimals must be an integer from 0 to ${MAX_DECIMALS}, got ${String(decimals)}`);
  }
}

/**
 * An amount in smallest units as a person reads it: `formatAmount('1250', 2)`
 * is `'12.5'`, `formatAmount('-5', 3)` is `'-0.005'`. Exact (string
 * arithmetic), trailing zeros of the fraction dropped. Signed amounts are
 * accepted because ledger entries carry them.
 */
export function formatAmount(units: string, decimals: number): string {
  checkDecimals(decimals);
  if (!UNITS_RE.test(units)) throw new TypeError(`an amount in smallest units is an integer written in decimal digits, got "${units}"`);
  const negative = units.startsWith('-');
  const digits = negative ? units.slice(1) : units;
  if (decimals === 0) return units;
  const padded = digits.padStart(decimals + 1, '0');
  const whole = padded.slice(0, padded.length - decimals);
  const fraction = padded.slice(padded.length - decimals).replace(/0+$/, '');
  const text = fraction ? `${whole}.${fraction}` : whole;
  return negative && text !== '0' ? `-${text}` : text;
}

/**
 * The inverse of formatAmount: `parseAmount('12.5', 2)` is `'1250'`. Exact:
 * more fractional digits than the asset has (other than trailing zeros) is
 * an error, never rounded away. Only non-negative plain decimals (`12`,
 * `12.5`, `0.05`); no signs, exponents or separators.
 */
export function parseAmount(text: string, decimals: number): string {
  checkDecimals(decimals);
  const m = DISPLAY_RE.exec(text.trim());
  if (!m) throw new TypeError(`an amount is a non-negative decimal number such as 12 or 12.5, got "${text}"`);
  const whole = m[1]!;
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > decimals) {
    throw new RangeError(
      decimals === 0
        ? `"${text}" has a fraction, and this asset has no decimals: amounts are whole units`
        : `"${text}" has more than ${decimals} decimal place${decimals === 1 ? '' : 's'}, the asset's smallest unit`,
    );
  }
  const units = (whole + fraction.padEnd(decimals, '0')).replace(/^0+(?=[0-9])/, '');
  if (units.length > MAX_AMOUNT_DIGITS) throw new RangeError(`"${text}" is too large: at most ${MAX_AMOUNT_DIGITS} digits in smallest units`);
  return units;
}

/** A positive integer in smallest units, normalised (no leading zeros), or null. */
function positiveUnits(text: string): string | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const units = text.replace(/^0+(?=[0-9])/, '');
  if (units === '0' || units.length > MAX_AMOUNT_DIGITS) return null;
  return units;
}

/** A reward (or any amount of one asset) as task/create and asset/transfer take it. */
export interface AssetAmount {
  /** The asset's symbol, upper case. */
  asset: string;
  /** Integer smallest units, as a decimal string. */
  amount: string;
}

/**
 * A `--reward` (or any "amount of an asset") argument, one parser for every
 * face: `5 PLY` or `5:PLY` (as separate words or one string), the amount in
 * the asset's smallest units (a positive integer: `2.5` is refused, since
 * where the point goes depends on the asset), the symbol upper-cased.
 * Words after the amount and symbol are handed back in `rest`, for a command
 * line whose variadic flag swallowed a following argument. `what` names the
 * flag in errors (TypeError, one line).
 */
export function parseReward(values: string | readonly string[], what = 'a reward'): AssetAmount & { rest: string[] } {
  const words = (typeof values === 'string' ? [values] : values).flatMap((v) => v.trim().split(/\s+/)).filter((w) => w !== '');
  const given = words.join(' ');
  const bad = (why: string): TypeError => new TypeError(`${what} must be AMOUNT SYMBOL or AMOUNT:SYMBOL (e.g. 5 PLY): ${why}, got "${given}"`);
  const [first = '', ...more] = words;
  let amountText: string;
  let symbol: string;
  let rest: string[];
  const colon = /^([^:]*):(.*)$/.exec(first);
  if (colon) [amountText, symbol, rest] = [colon[1]!, colon[2]!, more];
  else if (more.length > 0) [amountText, symbol, rest] = [first, more[0]!, more.slice(1)];
  else throw bad('no asset symbol');
  const amount = positiveUnits(amountText);
  if (amount === null) {
    throw bad(
      /^[0-9]*\.[0-9]+$/.test(amountText)
        ? "the amount is an integer in the asset's smallest units (2.5 of an asset with 2 decimals is 250)"
        : `the amount is a positive integer of at most ${MAX_AMOUNT_DIGITS} digits`,
    );
  }
  const asset = symbol.toUpperCase();
  if (!AssetSymbol.safeParse(asset).success) throw bad('the symbol is 2 to 12 letters and digits, starting with a letter');
  return { asset, amount, rest };
}

/** What to send with `client.transfer`. */
export interface TransferRequest {
  /** An agent id (its wallet receives) or a wallet address. */
  to: string;
  /** The asset's symbol. */
  asset: string;
  /** Integer smallest units, as a decimal string (parseAmount turns "12.5" into one). */
  amount: string;
  memo?: string;
}

/**
 * What signs a transfer: the agent it is from and a signing function. The
 * client builds one around its Identity, so the secret key never leaves it.
 */
export interface TransferSigner {
  readonly agentId: string;
  sign(message: string): Promise<string>;
  /**
   * A nonce larger than `lastAccepted` (the wallet's last_nonce) and than any
   * this signer handed out before: two transfers started at once from one
   * client must not sign the same nonce (the hub would refuse the second).
   */
  nextNonce(lastAccepted: number): number;
}

/**
 * The nonce rule in one place: the time in milliseconds (so nonces keep
 * rising across processes and restarts without stored state), raised past
 * the wallet's last accepted nonce and this process's last one.
 */
export function pickNonce(lastAccepted: number, lastUsed: number, now: number = Date.now()): number {
  return Math.max(now, lastAccepted + 1, lastUsed + 1);
}

/**
 * A signed asset/transfer: resolves an agent id to its wallet address (the
 * signed string names the address, as the hub rebuilds it), reads the
 * sender's wallet for its last nonce, signs transferSigningString and sends.
 * `to` goes to the hub as given: an agent id, not its address, because the
 * hub knows a wallet by address only once it exists, and an agent that never
 * held anything is paid by its id (its wallet is made by that payment).
 */
export async function sendTransfer(caller: ActionCaller, signer: TransferSigner, req: TransferRequest): Promise<LedgerTx> {
  const toAddress = async (): Promise<string> => {
    if (WalletAddress.safeParse(req.to).success) return req.to;
    return (await caller.call('wallet/get', { agent_id: req.to })).address;
  };
  const [to, own] = await Promise.all([toAddress(), caller.call('wallet/get', {})]);
  const nonce = signer.nextNonce(own.last_nonce);
  const memo = req.memo;
  const sig = await signer.sign(transferSigningString({ from: signer.agentId, to, asset: req.asset, amount: req.amount, nonce, memo }));
  return caller.call('asset/transfer', { to: req.to, asset: req.asset, amount: req.amount, nonce, sig, ...(memo !== undefined ? { memo } : {}) });
}
