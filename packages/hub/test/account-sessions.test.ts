import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { resolveHubOptionsFromEnv } from '../src/config.js';
import { MAX_ACTIVITY_PER_BINDING } from '../src/domains/account/index.js';
import { lockFor } from '../src/domains/account/sessions.js';
import { claimedAgent, Human } from './account-client.js';
import { readDataDir, startTestHub, tempDir } from './helpers.js';

describe('account: sign up, log in, sessions', () => {
  let hub: RunningHub;
  const data = tempDir();
  beforeAll(async () => {
    hub = await startTestHub({ dataDir: data.dir, dbPath: undefined, loginRateLimit: false, signupRateLimit: false });
  });
  afterAll(async () => {
    await hub.close();
    data.cleanup();
  });

  it('signup sets an HttpOnly, SameSite=Strict session cookie on / and answers the session with its CSRF token', async () => {
    const h = new Human(hub, 'Ada');
    const res = await h.call('POST', '/v1/account/signup', { email: `  ${h.email.toUpperCase()} `, password: h.password, display_name: 'Ada' });
    expect(res.status).toBe(200);
    const set = res.headers.getSetCookie().find((c) => c.startsWith('parley_session='))!;
    expect(set).toMatch(/; HttpOnly/);
    expect(set).toMatch(/; SameSite=Strict/);
    expect(set).toMatch(/; Path=\//);
    // Plain http here: not Secure (a browser would drop it); over https it is.
    expect(set).not.toMatch(/; Secure/);
    expect(res.body).toMatchObject({ user: { email: h.email, display_name: 'Ada' }, csrf_token: expect.any(String) });
    const me = await h.get('/v1/account/session');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { email: h.email }, csrf_token: h.csrf });
    // Only hashes are stored: the password as an argon2id string, the cookie as its sha256.
    const rows = await readDataDir(data.dir, async (s) => ({
      user: await s.db.selectFrom('users').selectAll().where('email', '=', h.email).executeTakeFirstOrThrow(),
      sessions: await s.db.selectFrom('user_sessions').select('session_hash').execute(),
    }));
    expect(rows.user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(rows.sessions.map((r) => r.session_hash)).not.toContain(h.cookie);
  });

  it('a taken email is a 409; a bad body is a 400 with details, and nothing is made', async () => {
    const h = await Human.signup(hub);
    const again = await new Human(hub).call('POST', '/v1/account/signup', { email: h.email, password: 'another long password', display_name: 'x' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'conflict' });
    const short = await new Human(hub).call('POST', '/v1/account/signup', { email: 'short@example.com', password: 'short', display_name: 'x' });
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({ code: 'bad_request', details: { issues: [expect.objectContaining({ path: 'password' })] } });
    expect(short.headers.getSetCookie()).toEqual([]);
  });

  it('a wrong password and an unknown email get the same 401, in about the same time', async () => {
    const h = await Human.signup(hub);
    const other = new Human(hub);
    const time = async (f: () => Promise<{ status: number; body: unknown }>) => {
      const t = process.hrtime.bigint();
      const r = await f();
      return { ...r, ms: Number(process.hrtime.bigint() - t) / 1e6 };
    };
    const wrong = await time(() => other.login('not the password at all', h.email));
    const unknown = await time(() => other.login('not the password at all', `nobody-${Date.now()}@example.com`));
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(other.cookie).toBeNull();
    // Both ran the KDF (milliseconds, not microseconds): an unknown email is not answered at once.
    expect(unknown.ms).toBeGreaterThan(2);
    expect(wrong.ms).toBeGreaterThan(2);
  });

  it('logout ends the session: the cookie no longer works', async () => {
    const h = await Human.signup(hub);
    const cookie = h.cookie;
    const out = await h.post('/v1/account/logout');
    expect(out.status).toBe(204);
    expect((await h.get('/v1/account/session')).status).toBe(401);
    expect((await h.call('GET', '/v1/account/session', undefined, { cookie })).status).toBe(401);
    // Logged in again: a new session.
    expect((await h.login()).status).toBe(200);
    expect(h.cookie).not.toBe(cookie);
    expect((await h.get('/v1/account/session')).status).toBe(200);
  });

  it('five failed logins in a row lock the account (429 with Retry-After), even for the right password; a good login resets the count', async () => {
    const h = await Human.signup(hub);
    const guesser = new Human(hub);
    for (let i = 0; i < 4; i++) expect((await guesser.login('wrong password ' + i, h.email)).status).toBe(401);
    // A good login before the fifth failure resets the count.
    expect((await h.login()).status).toBe(200);
    const failures = await readDataDir(data.dir, (s) => s.db.selectFrom('users').select('failed_logins').where('email', '=', h.email).executeTakeFirstOrThrow());
    expect(Number(failures.failed_logins)).toBe(0);
    for (let i = 0; i < 5; i++) expect((await guesser.login('wrong password ' + i, h.email)).status).toBe(401);
    const locked = await guesser.login(h.password, h.email);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(locked.body).toMatchObject({ code: 'rate_limited', details: { retry_after_ms: expect.any(Number) } });
    expect(guesser.cookie).toBeNull();
    // The lock lifts after its wait (made to have passed here), and the right password works and resets the count.
    await readDataDir(data.dir, (s) => s.writer.run((tx) => tx.run(s.db.updateTable('users').set({ locked_until: Date.now() - 1 }).where('email', '=', h.email).compile())));
    expect((await h.login()).status).toBe(200);
    const after = await readDataDir(data.dir, (s) => s.db.selectFrom('users').select(['failed_logins', 'locked_until']).where('email', '=', h.email).executeTakeFirstOrThrow());
    expect(Number(after.failed_logins)).toBe(0);
    expect(after.locked_until).toBeNull();
  });

  it('the lock grows with the failures: none before 5, then 30 s doubling to 15 minutes', () => {
    expect([4, 5, 6, 7, 20].map(lockFor)).toEqual([0, 30_000, 60_000, 120_000, 15 * 60_000]);
  });

  it('at most 20 sessions per human: the 21st login retires the oldest', async () => {
    const h = await Human.signup(hub);
    const first = h.cookie;
    for (let i = 0; i < 19; i++) expect((await h.login()).status).toBe(200);
    expect((await h.call('GET', '/v1/account/session', undefined, { cookie: first })).status).toBe(200);
    expect((await h.login()).status).toBe(200);
    expect((await h.call('GET', '/v1/account/session', undefined, { cookie: first })).status).toBe(401);
    expect((await h.get('/v1/account/session')).status).toBe(200);
  });

  it('no session: 401 on every account endpoint', async () => {
    const anon = new Human(hub);
    expect((await anon.get('/v1/account/agents')).status).toBe(401);
    expect((await anon.post('/v1/account/claim', {}, { code: 'PARLEY-CLAIM-AAAAAAAA' })).status).toBe(401);
  });
});

describe('account: the Secure flag', () => {
  it('is set when the request came over https (X-Forwarded-Proto from a trusted proxy), or always when configured', async () => {
    const proxied = await startTestHub({ trustProxy: true, signupRateLimit: false });
    const always = await startTestHub({ accounts: { secureCookies: true }, signupRateLimit: false });
    try {
      const signup = (hub: RunningHub, headers: Record<string, string>) =>
        fetch(`${hub.url}/v1/account/signup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ email: `s${Date.now()}${Math.random()}@example.com`, password: 'a long password', display_name: 'x' }),
        }).then((r) => r.headers.getSetCookie().find((c) => c.startsWith('parley_session='))!);
      expect(await signup(proxied, { 'x-forwarded-proto': 'https' })).toMatch(/; Secure/);
      expect(await signup(proxied, {})).not.toMatch(/; Secure/);
      expect(await signup(always, {})).toMatch(/; Secure/);
    } finally {
      await proxied.close();
      await always.close();
    }
  });
});

describe('account: housekeeping', () => {
  it('removes expired sessions, claim codes and console tokens (a console token ends with its session)', async () => {
    const data = tempDir();
    // A short retention makes housekeeping run every few hundred milliseconds.
    const hub = await startTestHub({ dataDir: data.dir, dbPath: undefined, retentionMs: 400, signupRateLimit: false, codeRateLimit: false });
    try {
      const { agent, human } = await claimedAgent(hub);
      const token = await human.post<{ token: string }>('/v1/account/agents/:agent_id/console-token', { agent_id: agent.agentId });
      expect(token.status).toBe(200);
      const past = Date.now() - 1;
      await readDataDir(data.dir, (s) =>
        s.writer.run(async (tx) => {
          await tx.run(s.db.updateTable('user_sessions').set({ expires_at: past }).compile());
          await tx.run(s.db.updateTable('claim_codes').set({ expires_at: past }).compile());
        }),
      );
      const counts = () =>
        readDataDir(data.dir, async (s) => {
          const n = async (t: 'user_sessions' | 'claim_codes' | 'api_keys') => Number((await s.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
          return [await n('user_sessions'), await n('claim_codes'), await n('api_keys')];
        });
      const deadline = Date.now() + 10_000;
      let left = await counts();
      while (left.some((x) => x > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        left = await counts();
      }
      expect(left).toEqual([0, 0, 0]);
      expect((await human.get('/v1/account/session')).status).toBe(401);
    } finally {
      await hub.close();
      data.cleanup();
    }
  });
});

describe('account: activity is bounded per binding', () => {
  it('keeps the newest 10,000 entries of a binding, and none of a binding that is gone', async () => {
    const data = tempDir();
    const hub = await startTestHub({ dataDir: data.dir, dbPath: undefined, retentionMs: 400, signupRateLimit: false, codeRateLimit: false });
    try {
      const { agent, human } = await claimedAgent(hub);
      const binding = (await human.get<{ agents: Array<{ binding_id: string }> }>('/v1/account/agents')).body.agents[0]!.binding_id;
      const total = MAX_ACTIVITY_PER_BINDING + 25;
      const at = Date.now() - 60_000;
      await readDataDir(data.dir, async (s) => {
        for (let i = 0; i < total; i += 500) {
          const rows = Array.from({ length: Math.min(500, total - i) }, (_, j) => ({
            binding_id: binding,
            seq: String(i + j).padStart(9, '0'),
            key_id: 'key_x',
            agent_id: agent.agentId,
            action: 'agent/whoami',
            u_id: `u-${i + j}`,
            status: 'success',
            at: at + i + j,
          }));
          await s.writer.runAlone((tx) => tx.run(s.db.insertInto('binding_actions').values(rows).compile()));
        }
        // An entry of a binding that no longer exists.
        await s.writer.run((tx) =>
          tx.run(s.db.insertInto('binding_actions').values({ binding_id: 'bnd_gone', seq: '1', key_id: 'key_x', agent_id: agent.agentId, action: 'agent/whoami', u_id: 'u', status: 'success', at }).compile()),
        );
      });
      const count = () =>
        readDataDir(data.dir, async (s) => ({
          mine: Number((await s.db.selectFrom('binding_actions').select((eb) => eb.fn.countAll<number>().as('n')).where('binding_id', '=', binding).executeTakeFirstOrThrow()).n),
          gone: Number((await s.db.selectFrom('binding_actions').select((eb) => eb.fn.countAll<number>().as('n')).where('binding_id', '=', 'bnd_gone').executeTakeFirstOrThrow()).n),
        }));
      const deadline = Date.now() + 15_000;
      let n = await count();
      while ((n.mine > MAX_ACTIVITY_PER_BINDING || n.gone > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        n = await count();
      }
      expect(n).toEqual({ mine: MAX_ACTIVITY_PER_BINDING, gone: 0 });
      // The newest are the ones kept.
      const newest = (await human.call<{ entries: Array<{ u_id: string }> }>('GET', `/v1/account/agents/${agent.agentId}/activity?limit=1`)).body.entries[0]!;
      expect(newest.u_id).toBe(`u-${total - 1}`);
    } finally {
      await hub.close();
      data.cleanup();
    }
  });
});

describe('account: limits per address', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ loginRateLimit: { perSecond: 0.001, burst: 3 }, signupRateLimit: { perSecond: 0.001, burst: 2 } });
  });
  afterAll(() => hub.close());

  it('logins and signups from one address are limited (429, Retry-After)', async () => {
    await Human.signup(hub);
    await Human.signup(hub);
    const third = await new Human(hub).call('POST', '/v1/account/signup', { email: 'third@example.com', password: 'a long password', display_name: 'x' });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const g = new Human(hub);
    for (let i = 0; i < 3; i++) expect((await g.login('nope nope nope', 'x@example.com')).status).toBe(401);
    const limited = await g.login('nope nope nope', 'x@example.com');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
  });

  it('signup can be closed by the operator', async () => {
    const closed = await startTestHub({ accounts: { signup: false } });
    expect(resolveHubOptionsFromEnv({ PARLEY_SIGNUP: '0', PARLEY_CLAIM_CODE_TTL_SECONDS: '60', PARLEY_LOGIN_RATE_LIMIT: 'off' })).toEqual({
      accounts: { signup: false, claimCodeTtlSeconds: 60 },
      loginRateLimit: false,
    });
    expect(() => resolveHubOptionsFromEnv({ PARLEY_SECURE_COOKIES: 'maybe' })).toThrow(/PARLEY_SECURE_COOKIES/);
    try {
      const res = await new Human(closed).call('POST', '/v1/account/signup', { email: 'no@example.com', password: 'a long password', display_name: 'x' });
      expect(res.status).toBe(403);
    } finally {
      await closed.close();
    }
  });
});
