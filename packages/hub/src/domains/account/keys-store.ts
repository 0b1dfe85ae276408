import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';

/**
 * Keys deleted in a writer job, by agent: once the job commits, what they
 * opened (WebSocket sessions, long polls) must end, here and on the other
 * hubs (`Revoker`). Every path that deletes keys -- revoke, unbind, logout, a
 * session or console token retired past its bound -- goes through here.
 */
export type RevokedKeys = Map<string, Set<string>>;

/** What the account domain needs from core/auth.ts to end what a deleted key opened. */
export interface Revoker {
  announceRevoked(agentId: string, keyHashes: ReadonlySet<string>): void;
}

export function announce(revoker: Revoker, revoked: RevokedKeys): void {
  for (const [agentId, hashes] of revoked) if (hashes.size > 0) revoker.announceRevoked(agentId, hashes);
}

export function mergeRevoked(into: RevokedKeys, rows: ReadonlyArray<{ agent_id: string; key_hash: string }>): RevokedKeys {
  for (const r of rows) {
    let set = into.get(r.agent_id);
    if (!set) into.set(r.agent_id, (set = new Set()));
    set.add(r.key_hash);
  }
  return into;
}

type KeyColumn = 'key_id' | 'binding_id' | 'session_hash';

/** Deletes the keys whose `column` is among `values` (chunked: SQLite caps bound parameters). */
export async function deleteKeysBy(db: Kysely<Database>, tx: Sql, column: KeyColumn, values: readonly string[], into: RevokedKeys = new Map()): Promise<RevokedKeys> {
  for (let i = 0; i < values.length; i += 500) {
    const rows = await tx.all(db.deleteFrom('api_keys').where(column, 'in', values.slice(i, i + 500)).returning(['agent_id', 'key_hash']).compile());
    mergeRevoked(into, rows);
  }
  return into;
}
