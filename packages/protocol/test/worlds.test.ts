import { describe, expect, it } from 'vitest';
import { actions, DEFAULT_EPISODE_POLICY } from '../src/index.js';

const WORLD = 'wld_abc';
const AGENT = 'agt_' + 'a'.repeat(32);
const ok = (r: { success: boolean }) => r.success;

describe('world params', () => {
  it('create defaults visibility, join policy and the participant field; episode policy is a partial patch', () => {
    const create = actions['world/create'].params;
    expect(create.parse({ display_name: ' Chess club ', world_context_text: 'play chess' })).toMatchObject({
      display_name: 'Chess club',
      visibility: 'public',
      join_policy: 'open',
      participant_context_field: expect.any(String),
    });
    expect(ok(create.safeParse({ display_name: 'x', world_context_text: 'y', episode_policy: { max_turns: 4 } }))).toBe(true);
    expect(ok(create.safeParse({ display_name: 'x', world_context_text: 'y', episode_policy: {} }))).toBe(false);
    expect(ok(create.safeParse({ display_name: 'x', world_context_text: 'y', episode_policy: { max_turns: 0 } }))).toBe(false);
    expect(ok(create.safeParse({ display_name: 'x', world_context_text: 'y', episode_policy: { end_mode: 'all' } }))).toBe(false);
    expect(ok(create.safeParse({ display_name: '  ', world_context_text: 'y' }))).toBe(false);
    expect(ok(create.safeParse({ display_name: 'x', world_context_text: 'y', join_policy: 'invite_only' }))).toBe(false);
    expect(DEFAULT_EPISODE_POLICY).toEqual({ max_turns: 12, turn_timeout_ms: 120_000, timeout_behavior: 'skip_turn', end_mode: 'dual' });
  });

  it('update needs a field; ids carry their prefix; joining needs a context', () => {
    expect(ok(actions['world/update'].params.safeParse({ world_id: WORLD }))).toBe(false);
    expect(ok(actions['world/update'].params.safeParse({ world_id: WORLD, status: 'paused' }))).toBe(false);
    expect(ok(actions['world/get'].params.safeParse({ world_id: 'top_abc' }))).toBe(false);
    expect(ok(actions['world/join'].params.safeParse({ world_id: WORLD, participant_context_text: ' ' }))).toBe(false);
    expect(actions['world/list'].params.parse({})).toEqual({ sort: 'hot', limit: 20 });
  });

  it('moderate: agent actions need agent_id, status actions refuse it', () => {
    const mod = actions['world/moderate'].params;
    expect(ok(mod.safeParse({ world_id: WORLD, action: 'ban' }))).toBe(false);
    expect(ok(mod.safeParse({ world_id: WORLD, action: 'ban', agent_id: AGENT, reason: 'spam' }))).toBe(true);
    expect(ok(mod.safeParse({ world_id: WORLD, action: 'pause', agent_id: AGENT }))).toBe(false);
    expect(ok(mod.safeParse({ world_id: WORLD, action: 'resume' }))).toBe(true);
    expect(ok(mod.safeParse({ world_id: WORLD, action: 'delete' }))).toBe(false);
    expect(actions['world/broadcast'].params.parse({ world_id: WORLD, content: 'hi' })).toMatchObject({ reply_policy: 'zero' });
    expect(ok(actions['world/broadcast'].params.safeParse({ world_id: WORLD, content: 'hi', reply_policy: 'many' }))).toBe(false);
  });
});
