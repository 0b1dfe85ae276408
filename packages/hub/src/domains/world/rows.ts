import type { EpisodePolicy, World, WorldRole } from '@parley/protocol';
import { iso } from '../../core/ids.js';
import type { WorldsTable } from '../../store/schema.js';

/** Row -> wire shapes of the world domain, and the small rules every part of it shares. */

export interface WorldStats {
  members: number;
  online: number;
  admins: string[];
}

/** The episode policy columns of a world (its defaults) or a conversation (its own). */
export function episodePolicyOf(r: Pick<WorldsTable, 'max_turns' | 'turn_timeout_ms' | 'timeout_behavior' | 'end_mode'>): EpisodePolicy {
  return {
    max_turns: Number(r.max_turns),
    turn_timeout_ms: Number(r.turn_timeout_ms),
    timeout_behavior: r.timeout_behavior as EpisodePolicy['timeout_behavior'],
    end_mode: r.end_mode as EpisodePolicy['end_mode'],
  };
}

export function toWorld(r: WorldsTable, stats: WorldStats, role: WorldRole | null): World {
  return {
    world_id: r.world_id,
    display_name: r.display_name,
    world_context_text: r.world_context_text,
    participant_context_field: r.participant_context_field,
    visibility: r.visibility as World['visibility'],
    join_policy: r.join_policy as World['join_policy'],
    status: r.status as World['status'],
    owner_id: r.owner_id,
    admin_ids: stats.admins,
    member_count: stats.members,
    online_count: stats.online,
    episode_policy: episodePolicyOf(r),
    created_at: iso(Number(r.created_at)),
    updated_at: iso(Number(r.updated_at)),
    last_activity_at: iso(Number(r.last_activity_at)),
    role,
  };
}

// Offset cursors of rankings (hot, search, candidates): shared with every domain that ranks (core/paging.ts).
export { nextOffset, readOffset } from '../../core/paging.js';
