import { compareKeys, encodeCursor, readCursor } from './ids.js';

/** The roles topics and worlds give their members (the protocol's MemberRole and WorldRole). */
export type MemberRank = 'owner' | 'admin' | 'member';

/** Sort rank of a role in member lists: owner, then admins, then members. */
export const roleRank: Readonly<Record<MemberRank, number>> = { owner: 0, admin: 1, member: 2 };

/** Owners and admins manage a topic or a world. */
export const isManager = (role: MemberRank | null): boolean => role === 'owner' || role === 'admin';

/**
 * One page of a member list (topic/members, world/members): owner, then
 * admins, then members by join time, agent id breaking ties; the cursor is
 * the last row's sort key, so members who join meanwhile do not shift pages.
 * Member lists are small enough to sort in memory.
 */
export function memberPage<R extends { role: string; joined_at: number; agent_id: string }>(
  rows: R[],
  cursor: string | undefined,
  limit: number,
): { page: R[]; next_cursor: string | null } {
  const key = (r: R): [number, number, string] => [roleRank[r.role as MemberRank], Number(r.joined_at), r.agent_id];
  const sorted = [...rows].sort((a, b) => compareKeys(key(a), key(b)));
  let start = 0;
  if (cursor) {
    const after = readCursor(cursor, ['number', 'number', 'string']);
    start = sorted.findIndex((r) => compareKeys(key(r), after) > 0);
    if (start < 0) start = sorted.length;
  }
  const page = sorted.slice(start, start + limit);
  const last = page[page.length - 1];
  return { page, next_cursor: start + limit < sorted.length && last ? encodeCursor(key(last)) : null };
}
