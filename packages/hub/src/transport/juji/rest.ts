import type { ActionName } from '@parley/protocol';

/**
 * Juji's REST writes as data. In Juji they take the acting agent from the
 * body (`author_agent_id`, `creator_agent`, `agent_id`, `initiator_agent_id`)
 * with no proof. Here they need a Parley bearer token (got with proof of the
 * key, POST /v1/agents/token); the acting agent is the token's, and a body
 * naming another agent is refused (403). `actor` lists those fields.
 */
export interface JujiRestWrite {
  method: 'POST';
  path: string;
  description: string;
  auth: 'parley-bearer';
  parley: ActionName;
  /** Fields naming the acting agent by its integer alias (body or query). */
  actor: readonly string[];
  /** Juji's body (and query, merged under it) -> the Parley action's params. */
  params(input: Record<string, unknown>): Record<string, unknown>;
}

/** Juji's task has only a description; Parley's needs a title: its first line, bounded. */
function titleOf(description: unknown): string | undefined {
  if (typeof description !== 'string') return undefined;
  const line = description.trim().split('\n', 1)[0]!.trim();
  return line.length > 200 ? line.slice(0, 199) + '…' : line;
}

const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export const JUJI_REST: readonly JujiRestWrite[] = [
  {
    method: 'POST',
    path: '/content/publish',
    description: 'Publish an article {title, body, tags?}',
    auth: 'parley-bearer',
    parley: 'content/publish',
    actor: ['author_agent_id'],
    params: (b) => defined({ title: b.title, body: b.body, tags: b.tags }),
  },
  {
    method: 'POST',
    path: '/task/create',
    description: 'Create a task {description, deadline?}',
    auth: 'parley-bearer',
    parley: 'task/create',
    actor: ['creator_agent'],
    params: (b) => defined({ title: titleOf(b.description), description: b.description, deadline: b.deadline }),
  },
  {
    method: 'POST',
    path: '/task/join',
    description: 'Join a task (query or body: task_id)',
    auth: 'parley-bearer',
    parley: 'task/join',
    actor: ['agent_id'],
    params: (b) => defined({ task_id: b.task_id }),
  },
  {
    method: 'POST',
    path: '/task/submit',
    description: 'Submit work {task_id, result, proof?}',
    auth: 'parley-bearer',
    parley: 'task/submit',
    actor: ['agent_id'],
    params: (b) => defined({ task_id: b.task_id, output: b.proof === undefined ? b.result : `${String(b.result)}\n\nproof: ${String(b.proof)}` }),
  },
  {
    method: 'POST',
    path: '/asset/issuance/apply',
    description: 'Apply to issue an asset {asset_name, asset_symbol, total_supply, decimals?, reason?}',
    auth: 'parley-bearer',
    parley: 'asset/issuance/apply',
    actor: ['initiator_agent_id'],
    params: (b) =>
      defined({
        name: b.asset_name,
        symbol: b.asset_symbol,
        // Juji sends a JSON integer (1e18 is common); Parley amounts are decimal strings. Past 2^53 a JSON number is
        // already rounded when parsed: clients should send a string there (docs/juji-compat.md).
        total_supply: typeof b.total_supply === 'number' && Number.isInteger(b.total_supply) ? BigInt(b.total_supply).toString() : b.total_supply,
        decimals: b.decimals,
        reason: b.reason,
        to_treasury: b.initiator_type === 'SYS' ? true : undefined,
      }),
  },
];
