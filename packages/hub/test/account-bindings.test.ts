import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVITE_CODE_RE, type BoundAgent } from '@parley/protocol';
import type { RunningHub } from '../src/index.js';
import { claimedAgent, Human } from './account-client.js';
import { MAX_BINDINGS_PER_AGENT, MAX_BINDINGS_PER_USER } from '../src/domains/account/index.js';
import { ok, readDataDir, register, rpc, startTestHub, tempDir, type Frame } from './helpers.js';

const code = async (hub: RunningHub, agent: Awaited<ReturnType<typeof register>>) =>
  ok<{ code: string }>((await rpc(hub, agent, 'account/claim_code', {})).body).code;

describe('account: claim and invite codes, bindings', () => {
  let hub: RunningHub;
  const data = tempDir();
  beforeAll(async () => {
    hub = await startTestHub({ dataDir: data.dir, dbPath: undefined, loginRateLimit: false, signupRateLimit: false, codeRateLimit: false });
  });
  afterAll(async () => {
    await hub.close();
    data.cleanup();
  });

  const count = (table: 'bindings' | 'api_keys' | 'agent_invites', agentId: string) =>
    readDataDir(data.dir, async (s) => Number((await s.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('agent_id', '=', agentId).executeTakeFirstOrThrow()).n));

  it('a claim code makes the human the primary owner; the agent sees its owner; the code cannot be used twice', async () => {
    const ada = await Human.signup(hub, 'Ada');
    const agent = await register(hub, 'claimed');
    ok(await rpc(hub, agent, 'agent/update', { capabilities: ['search'] }).then((r) => r.body));
    const c = await code(hub, agent);
    // Typed by a person: spaces and lower case are forgiven.
    const claimed = await ada.post<BoundAgent>('/v1/account/claim', {}, { code: ` ${c.toLowerCase()} ` });
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ agent_id: agent.agentId, agent_name: 'claimed', is_primary: true, method: 'claim', capabilities: ['search'], invite_status: 'none' });
    expect(ok((await rpc(hub, agent, 'account/owners', {})).body)).toMatchObject({ owners: [{ display_name: 'Ada', is_primary: true, method: 'claim' }] });
    const list = await ada.get<{ agents: BoundAgent[] }>('/v1/account/agents');
    expect(list.body.agents.map((a) => a.agent_id)).toEqual([agent.agentId]);

    const bob = await Human.signup(hub, 'Bob');
    const twice = await bob.post('/v1/account/claim', {}, { code: c });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ code: 'conflict', error: expect.stringMatching(/already used/) });
    expect(await count('bindings', agent.agentId)).toBe(1);
  });

  it('two humans entering the same code at once: one binds, the other is told it was used', async () => {
    const agent = await register(hub);
    const c = await code(hub, agent);
    const [a, b] = await Promise.all([Human.signup(hub), Human.signup(hub)]);
    const answers = await Promise.all([a.post('/v1/account/claim', {}, { code: c }), b.post('/v1/account/claim', {}, { code: c })]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await count('bindings', agent.agentId)).toBe(1);
  });

  it('an expired claim code is refused with a clear message and binds nobody', async () => {
    const shortHub = await startTestHub({ dataDir: data.dir, dbPath: undefined, accounts: { claimCodeTtlSeconds: 1 }, codeRateLimit: false });
    try {
      const h = await Human.signup(shortHub);
      const agent = await register(shortHub);
      const c = await code(shortHub, agent);
      // Made to have expired (rather than waiting a second).
      await readDataDir(data.dir, (s) => s.writer.run((tx) => tx.run(s.db.updateTable('claim_codes').set({ expires_at: Date.now() - 1 }).where('agent_id', '=', agent.agentId).compile())));
      const res = await h.post('/v1/account/claim', {}, { code: c });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: expect.stringMatching(/expired/), details: { reason: 'expired' } });
      expect(await count('bindings', agent.agentId)).toBe(0);
      // Unknown and malformed codes.
      expect((await h.post('/v1/account/claim', {}, { code: 'PARLEY-CLAIM-AAAAAAAA' })).status).toBe(404);
      expect((await h.post('/v1/account/claim', {}, { code: 'PARLEY-INV-AAAAAAAA' })).status).toBe(400);
    } finally {
      await shortHub.close();
    }
  });

  it('a new claim moves "primary" to the claimer; the previous primary stays bound', async () => {
    const { agent, human: first } = await claimedAgent(hub);
    const second = await Human.signup(hub, 'second');
    expect((await second.post('/v1/account/claim', {}, { code: await code(hub, agent) })).status).toBe(200);
    const owners = ok<{ owners: Array<{ display_name: string; is_primary: boolean }> }>((await rpc(hub, agent, 'account/owners', {})).body).owners;
    expect(owners).toEqual([expect.objectContaining({ display_name: 'second', is_primary: true }), expect.objectContaining({ display_name: first.name, is_primary: false })]);
    // The former primary may now unbind; the new primary may not.
    expect((await second.del('/v1/account/agents/:agent_id', { agent_id: agent.agentId })).status).toBe(409);
    expect((await first.del('/v1/account/agents/:agent_id', { agent_id: agent.agentId })).status).toBe(204);
    expect(await count('bindings', agent.agentId)).toBe(1);
  });

  it('invite codes: rotation ends the old code at once; a code is consumed on use; wrong agent or code alike; already bound 409', async () => {
    const { agent, human: owner } = await claimedAgent(hub);
    const other = await register(hub);
    expect((await owner.get('/v1/account/agents/:agent_id/invite', { agent_id: agent.agentId })).body).toMatchObject({ invite_status: 'none', created_at: null });
    const first = await owner.post<{ code: string }>('/v1/account/agents/:agent_id/invite', { agent_id: agent.agentId });
    expect(first.status).toBe(200);
    expect(first.body.code).toMatch(INVITE_CODE_RE);
    const state = await owner.get('/v1/account/agents/:agent_id/invite', { agent_id: agent.agentId });
    expect(state.body).toMatchObject({ invite_status: 'active', created_at: expect.any(String) });
    expect(JSON.stringify(state.body)).not.toContain(first.body.code);
    const second = await owner.post<{ code: string }>('/v1/account/agents/:agent_id/invite', { agent_id: agent.agentId });
    expect(second.body.code).not.toBe(first.body.code);

    const guest = await Human.signup(hub, 'guest');
    const old = await guest.post('/v1/account/invites/accept', {}, { agent_id: agent.agentId, code: first.body.code });
    expect(old.status).toBe(404);
    const wrongAgent = await guest.post('/v1/account/invites/accept', {}, { agent_id: other.agentId, code: second.body.code });
    // Wrong code and wrong agent read the same: nothing says which part was wrong.
    expect(wrongAgent.status).toBe(404);
    expect(wrongAgent.body).toEqual(old.body);
    expect((await owner.post('/v1/account/invites/accept', {}, { agent_id: agent.agentId, code: second.body.code })).status).toBe(409);
    const accepted = await guest.post<BoundAgent>('/v1/account/invites/accept', {}, { agent_id: agent.agentId, code: second.body.code });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ agent_id: agent.agentId, is_primary: false, method: 'invite', invite_status: 'none' });
    // Consumed: nobody else can use it.
    const late = await Human.signup(hub, 'late');
    expect((await late.post('/v1/account/invites/accept', {}, { agent_id: agent.agentId, code: second.body.code })).status).toBe(404);
    const bindings = await guest.get<{ bindings: Array<{ display_name: string; mine: boolean; is_primary: boolean }> }>('/v1/account/agents/:agent_id/bindings', { agent_id: agent.agentId });
    expect(bindings.body.bindings).toEqual([
      expect.objectContaining({ display_name: owner.name, is_primary: true, mine: false }),
      expect.objectContaining({ display_name: 'guest', is_primary: false, mine: true }),
    ]);
    // The invited human unbinds; the primary cannot.
    expect((await guest.del('/v1/account/agents/:agent_id', { agent_id: agent.agentId })).status).toBe(204);
    const primary = await owner.del('/v1/account/agents/:agent_id', { agent_id: agent.agentId });
    expect(primary.status).toBe(409);
    expect(primary.body).toMatchObject({ error: 'the primary owner cannot unbind' });
    expect(await count('bindings', agent.agentId)).toBe(1);
  });

  it('a human not bound to an agent can do nothing with it (403) and nothing changes; a malformed id is a 404', async () => {
    const { agent, human: owner } = await claimedAgent(hub);
    const keyed = await owner.post<{ key_id: string }>('/v1/account/agents/:agent_id/keys', { agent_id: agent.agentId }, { name: 'owner key' });
    expect(keyed.status).toBe(200);
    const mallory = await Human.signup(hub, 'mallory');
    const on = { agent_id: agent.agentId };
    const tries: Array<Promise<{ status: number; body: Frame }>> = [
      mallory.get('/v1/account/agents/:agent_id/keys', on),
      mallory.post('/v1/account/agents/:agent_id/keys', on, { name: 'mine now' }),
      mallory.del('/v1/account/agents/:agent_id/keys/:key_id', { agent_id: agent.agentId, key_id: keyed.body.key_id }),
      mallory.get('/v1/account/agents/:agent_id/invite', on),
      mallory.post('/v1/account/agents/:agent_id/invite', on),
      mallory.post('/v1/account/agents/:agent_id/console-token', on),
      mallory.get('/v1/account/agents/:agent_id/bindings', on),
      mallory.get('/v1/account/agents/:agent_id/activity', on),
      mallory.del('/v1/account/agents/:agent_id', on),
    ];
    for (const r of await Promise.all(tries)) {
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ code: 'forbidden', error: 'you are not bound to this agent' });
    }
    expect(await count('api_keys', agent.agentId)).toBe(1);
    expect(await count('agent_invites', agent.agentId)).toBe(0);
    expect(await count('bindings', agent.agentId)).toBe(1);
    expect((await owner.get<{ keys: unknown[] }>('/v1/account/agents/:agent_id/keys', on)).body.keys).toHaveLength(1);
    expect((await mallory.get('/v1/account/agents/:agent_id/keys', { agent_id: 'agt_nope' })).status).toBe(404);
    expect((await owner.del('/v1/account/agents/:agent_id/keys/:key_id', { agent_id: agent.agentId, key_id: 'nonsense' })).status).toBe(404);
  });

  it('a stolen session cookie without the CSRF token, a wrong token or a foreign Origin: 403, and nothing is made', async () => {
    const { agent, human: owner } = await claimedAgent(hub);
    const on = { agent_id: agent.agentId };
    const stolen = owner.cookie;
    const thief = new Human(hub, 'thief');
    const noToken = await thief.post('/v1/account/agents/:agent_id/keys', on, { name: 'stolen' }, { cookie: stolen, csrf: null });
    expect(noToken.status).toBe(403);
    expect(noToken.body).toMatchObject({ code: 'forbidden', error: expect.stringMatching(/x-parley-csrf/) });
    const wrong = await thief.post('/v1/account/agents/:agent_id/keys', on, { name: 'stolen' }, { cookie: stolen, csrf: 'A'.repeat(43) });
    expect(wrong.status).toBe(403);
    // Another session's token is no better.
    const other = await Human.signup(hub);
    expect((await thief.post('/v1/account/agents/:agent_id/keys', on, { name: 'stolen' }, { cookie: stolen, csrf: other.csrf })).status).toBe(403);
    expect((await thief.del('/v1/account/agents/:agent_id', on, { cookie: stolen, csrf: null })).status).toBe(403);
    expect((await thief.post('/v1/account/logout', {}, {}, { cookie: stolen, csrf: null })).status).toBe(403);
    // The right token from another site's page: refused by its Origin.
    const foreign = await owner.post('/v1/account/agents/:agent_id/keys', on, { name: 'cross-site' }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ error: expect.stringMatching(/another site/) });
    expect((await thief.post('/v1/account/login', {}, { email: owner.email, password: owner.password }, { origin: 'https://evil.example' })).status).toBe(403);
    expect(await count('api_keys', agent.agentId)).toBe(0);
    // The session still works for its owner, with its token and this hub's own Origin.
    const mine = await owner.post('/v1/account/agents/:agent_id/keys', on, { name: 'mine' }, { origin: hub.url });
    expect(mine.status).toBe(200);
    expect(await count('api_keys', agent.agentId)).toBe(1);
    expect((await owner.get('/v1/account/session')).status).toBe(200);
  });
});

describe('account: bounds on bindings', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ signupRateLimit: false, codeRateLimit: false, loginRateLimit: false });
  });
  afterAll(() => hub.close());

  it(`an agent has at most ${MAX_BINDINGS_PER_AGENT} humans: one more is a 409 with the limit, and the invite is not consumed`, async () => {
    const { agent, human: owner } = await claimedAgent(hub);
    const invite = async () => (await owner.post<{ code: string }>('/v1/account/agents/:agent_id/invite', { agent_id: agent.agentId })).body.code;
    for (let i = 1; i < MAX_BINDINGS_PER_AGENT; i++) {
      const h = await Human.signup(hub);
      expect((await h.post('/v1/account/invites/accept', {}, { agent_id: agent.agentId, code: await invite() })).status).toBe(200);
    }
    const code = await invite();
    const extra = await Human.signup(hub);
    const refused = await extra.post('/v1/account/invites/accept', {}, { agent_id: agent.agentId, code });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'conflict', details: { limit: MAX_BINDINGS_PER_AGENT } });
    expect((await owner.get('/v1/account/agents/:agent_id/invite', { agent_id: agent.agentId })).body).toMatchObject({ invite_status: 'active' });
    expect((await extra.get<{ agents: unknown[] }>('/v1/account/agents')).body.agents).toEqual([]);
  });
});

describe('account: what one human may hold', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ signupRateLimit: false, codeRateLimit: false, loginRateLimit: false, registerRateLimit: false });
  });
  afterAll(() => hub.close());

  it(`a human is bound to at most ${MAX_BINDINGS_PER_USER} agents: one more claim is a 409 with the limit, and its code stays unused`, async () => {
    const human = await Human.signup(hub);
    for (let i = 0; i < MAX_BINDINGS_PER_USER; i++) await claimedAgent(hub, human, `pet-${i}`);
    const extra = await register(hub, 'one-too-many');
    const c = await code(hub, extra);
    const refused = await human.post('/v1/account/claim', {}, { code: c });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'conflict', details: { limit: MAX_BINDINGS_PER_USER } });
    expect((await human.get<{ agents: BoundAgent[] }>('/v1/account/agents')).body.agents).toHaveLength(MAX_BINDINGS_PER_USER);
    expect(ok((await rpc(hub, extra, 'account/owners', {})).body)).toMatchObject({ owners: [] });
    // The code was not consumed: another human can still claim with it.
    const other = await Human.signup(hub);
    expect((await other.post('/v1/account/claim', {}, { code: c })).status).toBe(200);
  });
});

describe('account: code attempts are limited per human and per address', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ codeRateLimit: { perSecond: 0.001, burst: 3 } });
  });
  afterAll(() => hub.close());

  it('guessing claim codes stops at the limit (429)', async () => {
    const h = await Human.signup(hub);
    for (let i = 0; i < 3; i++) expect((await h.post('/v1/account/claim', {}, { code: `PARLEY-CLAIM-AAAAAAA${'234'[i]}` })).status).toBe(404);
    const limited = await h.post('/v1/account/invites/accept', {}, { agent_id: 'agt_' + 'a'.repeat(32), code: 'PARLEY-INV-AAAAAAAA' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
  });
});
