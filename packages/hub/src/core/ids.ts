import { randomBytes } from 'node:crypto';
import { ErrorCode } from '@parley/protocol';
import { HubError } from './errors.js';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

// One call into the CSPRNG per 4 KiB of id material, not one per id: on the
// p2p/send path a randomBytes() call per message showed up at 3% of the hub.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

function randomByte(): number {
  if (poolAt >= pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  return pool[poolAt++]!;
}

function randomAlnum(n: number): string {
  let out = '';
  while (out.length < n) {
    const b = randomByte();
    // 252 = 7 * 36: dropping the last four byte values keeps every character equally likely.
    if (b < 252) out += ALNUM[b % 36];
  }
  return out;
}

let lastMs = 0;
let counter = 0;

/**
 * Time-ordered ids: fixed-width base36 milliseconds + a per-process counter +
 * randomness. Sorting by id is sorting by creation, which keeps `before`
 * paging of histories a plain `<` comparison on the id.
 */
function sortableId(prefix: string): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else counter++;
  return prefix + lastMs.toString(36).padStart(9, '0') + counter.toString(36).padStart(4, '0') + randomAlnum(10);
}

export const newMessageId = () => sortableId('msg_');
export const newTopicId = () => sortableId('top_');
export const newTaskId = () => sortableId('tsk_');
export const newPipelineId = () => sortableId('pip_');
export const newDelegationId = () => sortableId('dlg_');
export const newWorldId = () => sortableId('wld_');
export const newBroadcastId = () => sortableId('wbc_');
export const newChatRequestId = () => sortableId('chr_');
export const newConversationId = () => sortableId('cnv_');
export const newFeedbackId = () => sortableId('fbk_');
export const newSubmissionId = () => sortableId('sub_');
export const newProposalId = () => sortableId('prp_');
export const newDeliberationId = () => sortableId('dlb_');
export const newIssuanceId = () => sortableId('iss_');
/** Time-ordered, so an account's transactions page newest first by id alone (ledger_entries_account). */
export const newLedgerTxId = () => sortableId('ltx_');
/** Time-ordered, so articles created in the same millisecond still page newest first by (created_at, id). */
export const newContentId = () => sortableId('cnt_');
export const iso = (ms: number) => new Date(ms).toISOString();

/** Opaque page cursors: base64url of a small JSON array. */
export function encodeCursor(parts: Array<string | number>): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

type CursorPart = 'number' | 'string';
type CursorValue<P> = P extends 'number' ? number : string;

/** Decodes a page cursor of a known shape; a cursor that was not ours (or was edited) is invalid_params. */
export function readCursor<const S extends readonly CursorPart[]>(cursor: string, shape: S): { -readonly [K in keyof S]: CursorValue<S[K]> } {
  const c = decodeCursor(cursor);
  if (!c || c.length !== shape.length || c.some((x, i) => typeof x !== shape[i])) {
    throw new HubError(ErrorCode.InvalidParams, 'bad cursor: pass next_cursor from the previous page unchanged');
  }
  return c as { -readonly [K in keyof S]: CursorValue<S[K]> };
}

/** Compares sort keys (what cursors carry) element by element: numbers numerically, strings by code unit. */
export function compareKeys(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

export function decodeCursor(cursor: string): Array<string | number> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number') ? v : null;
  } catch {
    return null;
  }
}
