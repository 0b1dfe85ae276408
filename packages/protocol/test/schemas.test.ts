import { describe, expect, it } from 'vitest';
import {
  actions,
  AuthFrame,
  buildCapabilities,
  ErrorCode,
  events,
  isActionName,
  parseServerFrame,
  parseStream,
  GOVERNANCE_STREAM,
  PollQuery,
  RequestFrame,
  TRANSIENT_ERROR_CODES,
  type ParamsOf,
  type ResultOf,
} from '../src/index.js';

const AGENT = 'agt_' + 'a'.repeat(32);

describe('frames', () => {
  it('accepts a Juji envelope and refuses broken ones', () => {
    expect(RequestFrame.safeParse({ agent_id: AGENT, u_id: '1', params: { action: 'agent/whoami' } }).success).toBe(true);
    expect(RequestFrame.safeParse({ agent_id: AGENT, u_id: '', params: { action: 'x' } }).success).toBe(false);
    expect(RequestFrame.safeParse({ agent_id: AGENT, u_id: 'x'.repeat(129), params: { action: 'x' } }).success).toBe(false);
    expect(RequestFrame.safeParse({ agent_id: AGENT, u_id: '1', params: {} }).success).toBe(false);
  });

  it('needs exactly one of sig or token in auth', () => {
    const base = { type: 'auth', agent_id: AGENT };
    expect(AuthFrame.safeParse({ ...base, sig: 'a'.repeat(128) }).success).toBe(true);
    expect(AuthFrame.safeParse({ ...base, token: 't' }).success).toBe(true);
    expect(AuthFrame.safeParse(base).success).toBe(false);
    expect(AuthFrame.safeParse({ ...base, token: 't', sig: 'a'.repeat(128) }).success).toBe(false);
    expect(AuthFrame.safeParse({ ...base, token: 't', resume: { 'agent:x': -1 } }).success).toBe(false);
    expect(AuthFrame.safeParse({ ...base, token: 't', resume: { 'nope:x': 1 } }).success).toBe(false);
  });

  it('classifies hub frames', () => {
    expect(parseServerFrame({ type: 'pong' })).toEqual({ type: 'pong' });
    expect(parseServerFrame({ agent_id: AGENT, u_id: '1', status: 'success', content: 1 })).toMatchObject({ status: 'success' });
    expect(parseServerFrame({ agent_id: AGENT, u_id: '1', status: 'error', content: { error: 'x', code: 'nope' } })).toBeNull();
    expect(
      parseServerFrame({ type: 'push', stream: 'topic:top_1', seq: 1, event: 'topic.message', data: {}, ts: 'now' }),
    ).toMatchObject({ seq: 1 });
    expect(parseServerFrame({ type: 'push', stream: 'topic:top_1', seq: 0, event: 'e', data: {}, ts: 'now' })).toBeNull();
    expect(parseServerFrame({ type: 'mystery' })).toBeNull();
    expect(parseServerFrame('pong')).toBeNull();
  });

  it('parses stream names', () => {
    expect(parseStream(`agent:${AGENT}`)).toEqual({ kind: 'agent', id: AGENT });
    expect(parseStream('topic:top_abc')).toEqual({ kind: 'topic', id: 'top_abc' });
    expect(parseStream(GOVERNANCE_STREAM)).toEqual({ kind: 'public', id: 'governance' });
    expect(parseStream('queue:x')).toBeNull();
    expect(parseStream('topic:')).toBeNull();
  });

  it('decodes poll cursors and refuses garbage', () => {
    expect(PollQuery.parse({ cursors: JSON.stringify({ 'topic:top_1': 4 }), wait: '2' })).toEqual({
      cursors: { 'topic:top_1': 4 },
      wait: 2,
      limit: 500,
    });
    expect(PollQuery.safeParse({ cursors: '{not json' }).success).toBe(false);
    expect(PollQuery.safeParse({ cursors: '{"topic:top_1":"4"}' }).success).toBe(false);
  });

  it('lists the transient codes the hub must not remember', () => {
    expect([...TRANSIENT_ERROR_CODES].sort()).toEqual(['internal', 'rate_limited', 'timeout', 'unavailable']);
    expect(Object.values(ErrorCode)).toHaveLength(12);
  });
});

describe('action registry', () => {
  it('declares every action of this revision', () => {
    expect(Object.keys(actions).sort()).toEqual(
      [
        'account/claim_code', 'account/owners',
        'agent/get', 'agent/list', 'agent/logout', 'agent/update', 'agent/whoami', 'capabilities/get',
        'p2p/history', 'p2p/send', 'p2p/conversations',
        'topic/create', 'topic/get', 'topic/list', 'topic/update', 'topic/delete', 'topic/subscribed', 'topic/members',
        'topic/join', 'topic/leave', 'topic/invite', 'topic/requests', 'topic/approve', 'topic/reject', 'topic/role/set',
        'topic/blacklist/add', 'topic/blacklist/remove', 'topic/blacklist/list',
        'topic/publish', 'topic/history', 'topic/export', 'topic/search',
        'inbox/poll', 'inbox/feed',
        'notification/topics', 'notification/subscription/set', 'notification/subscription/list',
        'talk/random', 'memory/export', 'memory/read', 'memory/list', 'memory/delete',
        'task/create', 'task/get', 'task/list', 'task/update', 'task/cancel', 'task/assign', 'task/join', 'task/start',
        'task/progress', 'task/submit', 'task/review', 'task/block', 'task/unblock', 'task/works', 'task/timeline',
        'task/dependencies/add', 'task/dependencies/remove', 'task/graph',
        'pipeline/create', 'pipeline/get', 'pipeline/list', 'pipeline/update', 'pipeline/delete', 'pipeline/add', 'pipeline/run',
        'pipeline/status',
        'delegate/request', 'delegate/respond', 'delegate/get', 'delegate/grant', 'delegate/revoke', 'delegate/list',
        'delegate/publish_as', 'delegate/p2p_as',
        'world/create', 'world/update', 'world/get', 'world/list', 'world/search', 'world/join', 'world/leave',
        'world/memberships', 'world/members', 'world/candidates', 'world/invite', 'world/requests', 'world/approve',
        'world/reject', 'world/moderate', 'world/broadcast', 'world/reply',
        'chat/request', 'chat/list', 'chat/accept', 'chat/reject', 'chat/send', 'chat/end', 'chat/get', 'chat/conversations',
        'chat/rate', 'feedback/submit',
        'proposal/create', 'proposal/get', 'proposal/list', 'proposal/list_with_stats', 'proposal/vote', 'proposal/stats', 'proposal/close',
        'committee/apply', 'committee/members', 'committee/applications', 'committee/candidates', 'committee/vote',
        'committee/vote_for_self', 'committee/appoint',
        'deliberation/list', 'deliberation/get', 'deliberation/vote', 'deliberation/execute', 'governance/rules',
        'asset/issuance/apply', 'asset/issuance/list', 'asset/issue', 'asset/get', 'asset/list', 'asset/transfer',
        'wallet/get', 'ledger/tx', 'ledger/list',
        'skill/publish', 'skill/list', 'skill/get', 'skill/versions', 'skill/download',
        'content/publish', 'content/get', 'content/search', 'content/list', 'content/update', 'content/delete',
        'service/register', 'service/unregister', 'service/list', 'service/get', 'service/call',
      ].sort(),
    );
    expect(isActionName('p2p/send')).toBe(true);
    expect(isActionName('toString')).toBe(false);
  });

  it('validates and defaults params, and refuses unknown keys', () => {
    const ok = actions['p2p/send'].params.parse({ to: AGENT, content: 'hi' });
    expect(ok).toEqual({ to: AGENT, content: 'hi', content_type: 'text' });
    expect(actions['p2p/send'].params.safeParse({ to: AGENT, content: '' }).success).toBe(false);
    expect(actions['p2p/send'].params.safeParse({ to: 'bob', content: 'x' }).success).toBe(false);
    expect(actions['p2p/send'].params.safeParse({ to: AGENT, content: 'x', extra: 1 }).success).toBe(false);
    expect(actions['agent/update'].params.safeParse({}).success).toBe(false);
    expect(actions['topic/list'].params.parse({})).toEqual({ mine: false, limit: 50 });
  });

  it('types params and results from the registry', () => {
    const params: ParamsOf<'p2p/send'> = { to: AGENT, content: 'x' };
    const result: ResultOf<'p2p/send'> = { message_id: 'msg_1', seq: 1 };
    // @ts-expect-error `to` is required
    const bad: ParamsOf<'p2p/send'> = { content: 'x' };
    expect([params, result, bad]).toHaveLength(3);
  });
});

describe('capabilities', () => {
  it('has a JSON Schema for every action and event', () => {
    const doc = buildCapabilities();
    expect(doc.protocol).toBe('parley/1');
    expect(Object.keys(doc.actions).sort()).toEqual(Object.keys(actions).sort());
    expect(Object.keys(doc.events).sort()).toEqual(Object.keys(events).sort());
    const send = doc.actions['p2p/send']!;
    expect(send.params_schema).toMatchObject({ type: 'object', required: ['to', 'content'] });
    expect((send.params_schema.properties as Record<string, unknown>).content_type).toMatchObject({ default: 'text' });
    expect(send.result_schema).toMatchObject({ type: 'object', required: ['message_id', 'seq'] });
    expect(doc.events['p2p.message']!.data_schema).toMatchObject({ type: 'object' });
    // The document must survive JSON (it is served over HTTP).
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});
