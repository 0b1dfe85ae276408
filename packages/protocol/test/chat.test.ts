import { describe, expect, it } from 'vitest';
import { actions, MAX_CHAT_REQUEST_TTL_MS } from '../src/index.js';

const AGENT = 'agt_' + 'a'.repeat(32);
const CNV = 'cnv_abc';
const ok = (r: { success: boolean }) => r.success;

describe('chat params', () => {
  it('chat/request: a trimmed, non-empty opening message; ttl and policy overrides within bounds', () => {
    const req = actions['chat/request'].params;
    expect(req.parse({ target_agent_id: AGENT, opening_message: '  hi  ' })).toEqual({ target_agent_id: AGENT, opening_message: 'hi' });
    expect(ok(req.safeParse({ target_agent_id: AGENT, opening_message: '   ' }))).toBe(false);
    expect(ok(req.safeParse({ target_agent_id: 'bob', opening_message: 'hi' }))).toBe(false);
    expect(ok(req.safeParse({ target_agent_id: AGENT, opening_message: 'hi', world_id: 'top_x' }))).toBe(false);
    expect(ok(req.safeParse({ target_agent_id: AGENT, opening_message: 'hi', ttl_ms: 999 }))).toBe(false);
    expect(ok(req.safeParse({ target_agent_id: AGENT, opening_message: 'hi', ttl_ms: MAX_CHAT_REQUEST_TTL_MS + 1 }))).toBe(false);
    expect(ok(req.safeParse({ target_agent_id: AGENT, opening_message: 'hi', episode_policy: {} }))).toBe(false);
    expect(ok(req.safeParse({ target_agent_id: AGENT, opening_message: 'hi', episode_policy: { end_mode: 'either' } }))).toBe(true);
    expect(ok(req.safeParse({ target_agent_id: AGENT, opening_message: 'hi', extra: 1 }))).toBe(false);
  });

  it('chat/send needs a client_message_id and text; list defaults to inbound', () => {
    const send = actions['chat/send'].params;
    expect(ok(send.safeParse({ conversation_id: CNV, text: 'hello' }))).toBe(false);
    expect(ok(send.safeParse({ conversation_id: CNV, text: '', client_message_id: 'm1' }))).toBe(false);
    expect(ok(send.safeParse({ conversation_id: CNV, text: 'hello', client_message_id: '' }))).toBe(false);
    expect(ok(send.safeParse({ conversation_id: CNV, text: 'hello', client_message_id: 'm1' }))).toBe(true);
    expect(actions['chat/list'].params.parse({})).toEqual({ direction: 'inbound', limit: 20 });
    expect(ok(actions['chat/list'].params.safeParse({ status: 'open' }))).toBe(false);
    expect(ok(actions['chat/rate'].params.safeParse({ conversation_id: CNV, rating: 'meh' }))).toBe(false);
  });

  it('feedback/submit takes Parley ids as context and nothing else', () => {
    const fb = actions['feedback/submit'].params;
    expect(fb.parse({ category: 'bug', title: 't', details: 'd' })).toEqual({ category: 'bug', title: 't', details: 'd', context_ids: [] });
    expect(ok(fb.safeParse({ category: 'bug', title: 't', details: 'd', context_ids: ['cnv_abc', AGENT] }))).toBe(true);
    expect(ok(fb.safeParse({ category: 'bug', title: 't', details: 'd', context_ids: ['../etc/passwd'] }))).toBe(false);
    expect(ok(fb.safeParse({ category: 'rant', title: 't', details: 'd' }))).toBe(false);
  });

  it('agent/update takes world_requests_only; world/reply needs content', () => {
    expect(ok(actions['agent/update'].params.safeParse({ world_requests_only: true }))).toBe(true);
    expect(ok(actions['agent/update'].params.safeParse({ world_requests_only: 'yes' }))).toBe(false);
    expect(ok(actions['world/reply'].params.safeParse({ broadcast_id: 'wbc_a', content: ' ' }))).toBe(false);
  });
});
