import type { TaskStatus } from '@parley/protocol';

/**
 * The task state machine in one table: for each move, the statuses it may
 * start from, where it goes, and who may make it. Everything that changes a
 * task's status is checked here, so the rules can be read (and tested) in one
 * place. `hub` is the hub itself (stale runners, auto review).
 */
export type Actor = 'owner' | 'runner' | 'reviewer' | 'anyone' | 'hub';

export type Move =
  | 'start'
  | 'submit'
  | 'approve'
  | 'reject'
  | 'block_review'
  | 'block'
  | 'unblock'
  | 'cancel'
  | 'stale'
  | 'auto_approve';

interface Rule {
  from: readonly TaskStatus[];
  to: TaskStatus;
  by: readonly Actor[];
}

export const RULES: Readonly<Record<Move, Rule>> = {
  start: { from: ['todo'], to: 'doing', by: ['runner'] },
  submit: { from: ['doing'], to: 'review', by: ['runner'] },
  approve: { from: ['review'], to: 'done', by: ['reviewer'] },
  reject: { from: ['review'], to: 'todo', by: ['reviewer'] },
  block_review: { from: ['review'], to: 'blocked', by: ['reviewer'] },
  block: { from: ['todo', 'doing'], to: 'blocked', by: ['runner', 'owner'] },
  unblock: { from: ['blocked'], to: 'todo', by: ['owner'] },
  cancel: { from: ['todo', 'doing', 'review', 'blocked'], to: 'cancelled', by: ['owner'] },
  stale: { from: ['doing'], to: 'todo', by: ['hub'] },
  auto_approve: { from: ['review'], to: 'done', by: ['hub'] },
};

/** Who the caller is to this task; one agent can be several (an owner reviewing its own task). */
export function rolesOf(
  task: { owner_id: string; runner_id: string | null; reviewer_id: string | null },
  agentId: string,
): Set<Actor> {
  const roles = new Set<Actor>(['anyone']);
  if (task.owner_id === agentId) roles.add('owner');
  if (task.runner_id === agentId) roles.add('runner');
  // No reviewer named: the owner reviews.
  if ((task.reviewer_id ?? task.owner_id) === agentId) roles.add('reviewer');
  return roles;
}

const WHO: Record<Actor, string> = { owner: 'its owner', runner: 'its runner', reviewer: 'its reviewer', anyone: 'anyone', hub: 'the hub' };

/** Null when allowed; otherwise why not, in words for the error message. */
export function refusal(move: Move, status: TaskStatus, roles: ReadonlySet<Actor>): { code: 'forbidden' | 'conflict'; why: string } | null {
  const rule = RULES[move];
  if (!rule.by.some((r) => roles.has(r))) {
    return { code: 'forbidden', why: `only ${rule.by.map((r) => WHO[r]).join(' or ')} may ${verb(move)} this task` };
  }
  if (!rule.from.includes(status)) {
    return { code: 'conflict', why: `cannot ${verb(move)} a task that is ${status} (only from ${rule.from.join(' or ')})` };
  }
  return null;
}

function verb(move: Move): string {
  return move === 'block_review' ? 'block' : move === 'auto_approve' ? 'approve' : move.replace('_', ' ');
}
