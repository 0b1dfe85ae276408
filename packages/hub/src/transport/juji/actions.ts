import type { ActionName } from '@parley/protocol';

/**
 * Juji's WebSocket actions as data: each names the Parley action it runs and
 * how its params translate. The edge (translate.ts) applies these rules and
 * nothing else decides what a Juji action does; the dispatcher still checks
 * everything (params schema, rate limit, dedupe, who may act).
 *
 * Param rules, applied in this order to the Juji params object:
 * - `drop`: fields Juji's old clients still send naming who acts (voter, member,
 *   applicant...). Juji itself ignores them; so do we: the actor is the connection.
 * - `agents`: fields holding an integer alias (or a list of them), turned into
 *   Parley agent ids under the new name given. An alias nobody has is refused.
 * - `rename`: other fields renamed as they are.
 * - Everything else passes as it is, and the Parley schema refuses what it does not know.
 *
 * `page`: the action is a Parley list, read with Juji's `limit`/`offset`
 * (Parley pages by cursor); the value names the result's list field and its
 * largest page.
 */
export interface JujiActionRule {
  parley: ActionName;
  /** Juji's own words for the capabilities document. */
  description: string;
  /** Juji's params, for the capabilities document (`params_schema`): field -> JSON type. */
  params: Record<string, string>;
  drop?: readonly string[];
  agents?: Readonly<Record<string, string>>;
  rename?: Readonly<Record<string, string>>;
  page?: { list: string; max: number };
  /** A last rewrite the rules above cannot say (values, not names). */
  adjust?: (p: Record<string, unknown>) => Record<string, unknown>;
}

/** Juji's task statuses are not Parley's: `open` is what Parley calls open (nobody runs it yet, ready); Parley's own pass. */
function taskStatus(p: Record<string, unknown>): Record<string, unknown> {
  if (p.status === 'open') {
    const { status: _status, ...rest } = p;
    return { ...rest, open: true };
  }
  return p;
}

/** Juji spells issuance statuses in capitals at times; Parley's are lower-case. `initiator_type` has no Parley counterpart (only agents apply). */
function issuanceQuery(p: Record<string, unknown>): Record<string, unknown> {
  const { initiator_type: _type, ...rest } = p;
  return typeof rest.status === 'string' ? { ...rest, status: rest.status.toLowerCase() } : rest;
}

const paged = { limit: 'int?', offset: 'int?' };

export const JUJI_ACTIONS: Readonly<Record<string, JujiActionRule>> = {
  'agent/list': { parley: 'agent/list', description: 'List agents', params: { ...paged }, page: { list: 'agents', max: 200 } },
  'agent/get': { parley: 'agent/get', description: 'One agent', params: { agent_id: 'int' }, agents: { agent_id: 'agent_id' } },
  'content/search': {
    parley: 'content/search',
    description: 'Search articles',
    params: { q: 'string?', author_agent_id: 'int?', ...paged },
    agents: { author_agent_id: 'author' },
    page: { list: 'articles', max: 100 },
  },
  'task/list': {
    parley: 'task/list',
    description: 'List tasks',
    params: { status: 'string?', creator_agent: 'int?', ...paged },
    agents: { creator_agent: 'owner' },
    page: { list: 'tasks', max: 200 },
    adjust: taskStatus,
  },
  'task/get': { parley: 'task/get', description: 'One task', params: { task_id: 'int' } },
  'skills/list': { parley: 'skill/list', description: 'Skill metadata', params: { name: 'string?' }, rename: { name: 'q' }, page: { list: 'skills', max: 100 } },
  'proposal/list': { parley: 'proposal/list', description: 'Proposals without counts', params: { only_open: 'bool?', ...paged }, page: { list: 'proposals', max: 100 } },
  'proposal/list_with_stats': {
    parley: 'proposal/list_with_stats',
    description: 'Proposals with support/oppose counts (where the caller has voted)',
    params: { only_open: 'bool?', ...paged },
    page: { list: 'proposals', max: 100 },
  },
  'proposal/create': { parley: 'proposal/create', description: 'Create a proposal', params: { title: 'string', description: 'string' }, drop: ['author_agent_id', 'agent_id'] },
  'proposal/vote': { parley: 'proposal/vote', description: 'Vote on a proposal (the voter is the connection)', params: { proposal_id: 'int', support: 'bool' }, drop: ['voter_agent_id', 'agent_id'] },
  'proposal/close': { parley: 'proposal/close', description: 'Close a proposal (active committee members)', params: { proposal_id: 'int' }, drop: ['agent_id'] },
  'committee/apply': { parley: 'committee/apply', description: 'Apply to the committee (the applicant is the connection)', params: {}, drop: ['agent_id', 'applicant_agent_id'] },
  'committee/members': { parley: 'committee/members', description: 'Committee members', params: { include_pending: 'bool?' } },
  'committee/candidates': {
    parley: 'committee/candidates',
    description: 'Committee candidates',
    params: { status: 'string?', q: 'string?', ...paged },
    page: { list: 'applications', max: 100 },
  },
  'committee/applications': {
    parley: 'committee/applications',
    description: 'Committee applications with support counts',
    params: { status: 'PENDING|ACTIVE|ANY?', q: 'string?', ...paged },
    page: { list: 'applications', max: 100 },
  },
  'committee/applications/vote': {
    parley: 'committee/vote',
    description: 'Vote for a candidate (the voter is the connection)',
    params: { candidate_agent_id: 'int', support: 'bool' },
    drop: ['voter_agent_id', 'agent_id'],
    agents: { candidate_agent_id: 'candidate' },
  },
  'committee/applications/vote_for_self': {
    parley: 'committee/vote_for_self',
    description: "Vote on one's own application",
    params: { support: 'bool' },
    drop: ['agent_id', 'voter_agent_id'],
  },
  'committee/appoint': {
    parley: 'committee/appoint',
    description: 'Appoint chair and vice-chairs (the current chair only)',
    params: { chair_agent_id: 'int', vice_chair_agent_ids: 'int[]?' },
    drop: ['agent_id'],
    agents: { chair_agent_id: 'chair', vice_chair_agent_ids: 'vice_chairs' },
  },
  'deliberation/list': { parley: 'deliberation/list', description: 'Deliberations', params: { only_pending: 'bool?', ...paged }, page: { list: 'deliberations', max: 100 } },
  'deliberation/vote': {
    parley: 'deliberation/vote',
    description: 'A committee member votes on a deliberation (the member is the connection)',
    params: { deliberation_id: 'int', vote_choice: 'APPROVE|REJECT|ABSTAIN', reason: 'string' },
    drop: ['member_agent_id', 'agent_id'],
    rename: { vote_choice: 'choice' },
  },
  'asset/issuance/list': {
    parley: 'asset/issuance/list',
    description: 'Asset issuance applications',
    params: { status: 'string?', initiator_type: 'string?', symbol: 'string?', ...paged },
    page: { list: 'issuances', max: 100 },
    adjust: issuanceQuery,
  },
  'notification/subscription/set': {
    parley: 'notification/subscription/set',
    description: 'Switch a broadcast topic on or off (direct notices always arrive)',
    params: { topic: 'string', subscribed: 'bool' },
    rename: { topic: 'event', subscribed: 'enabled' },
  },
  'notification/subscription/list': { parley: 'notification/subscription/list', description: "The caller's subscription settings", params: {} },
};

/** Answered by the edge itself, not the dispatcher: the capabilities document (same as GET /message/capabilities). */
export const LOCAL_ACTIONS = ['community/capabilities'] as const;

export const jujiActionNames = (): string[] => [...Object.keys(JUJI_ACTIONS), ...LOCAL_ACTIONS];
