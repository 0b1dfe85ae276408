import { ACCOUNT_PATHS, MAX_PASSKEYS_PER_USER, type PasskeyInfo } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { Human } from './account-client.js';
import { SoftAuthenticator } from './authenticator.js';
import { MAX_PENDING_PASSKEY_LOGINS } from '../src/domains/account/passkeys.js';
import { readDataDir, startTestHub, tempDir } from './helpers.js';

interface Options {
  options: { challenge: string; rp: { id?: string; name: string }; user: { id: string }; rpId?: string; authenticatorSelection?: unknown };
}

/** A human's new passkey, made through the hub's two registration steps. */
async function addPasskey(h: Human, auth: SoftAuthenticator, name = 'laptop') {
  const begin = await h.post<Options>(ACCOUNT_PATHS.passkeyRegisterBegin);
  if (begin.status !== 200) return { begin, finish: null };
  const finish = await h.post<PasskeyInfo>(ACCOUNT_PATHS.passkeyRegisterFinish, {}, { name, response: auth.create(begin.body.options) });
  return { begin, finish };
}

/** The login prompt's options, for a browser with no session. */
async function loginOptions(h: Human) {
  const res = await h.post<Options>(ACCOUNT_PATHS.passkeyLoginBegin);
  expect(res.status).toBe(200);
  return res.body.options;
}

describe('account: passkeys', () => {
  let hub: RunningHub;
  const data = tempDir();
  beforeAll(async () => {
    hub = await startTestHub({ dataDir: data.dir, dbPath: undefined, loginRateLimit: false, signupRateLimit: false });
  });
  afterAll(async () => {
    await hub.close();
    data.cleanup();
  });

  const count = (table: 'passkeys' | 'passkey_challenges' | 'user_sessions', userId?: string) =>
    readDataDir(data.dir, async (s) => {
      let q = s.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
      if (userId !== undefined) q = q.where('user_id', '=', userId);
      return Number((await q.executeTakeFirstOrThrow()).n);
    });
  const counterOf = (passkeyId: string) =>
    readDataDir(data.dir, async (s) => Number((await s.db.selectFrom('passkeys').select('counter').where('passkey_id', '=', passkeyId).executeTakeFirstOrThrow()).counter));

  it('register a passkey while logged in, then log in with it alone: the same session cookie and CSRF token as a password login', async () => {
    const h = await Human.signup(hub, 'Grace');
    const auth = new SoftAuthenticator(hub.url);
    const { begin, finish } = await addPasskey(h, auth, 'YubiKey');
    // The hub's own host is the relying party when none is configured; a discoverable, verified credential is asked for.
    expect(begin.body.options.rp).toEqual({ id: '127.0.0.1', name: 'Parley' });
    expect(begin.body.options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(finish?.body).toMatchObject({ name: 'YubiKey', transports: ['internal'], last_used_at: null, passkey_id: expect.stringMatching(/^psk_/) });
    const list = await h.get<{ passkeys: PasskeyInfo[] }>(ACCOUNT_PATHS.passkeys);
    expect(list.body.passkeys.map((p) => p.name)).toEqual(['YubiKey']);

    const browser = new Human(hub);
    const res = await browser.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: auth.get(await loginOptions(browser)) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { email: h.email, display_name: 'Grace' }, csrf_token: expect.any(String) });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('parley_session='))!;
    expect(set).toMatch(/; HttpOnly/);
    expect(set).toMatch(/; SameSite=Strict/);
    expect((await browser.get('/v1/account/session')).body).toMatchObject({ user: { email: h.email } });
    // The new session changes things with its CSRF token, like any other.
    const again = await addPasskey(browser, new SoftAuthenticator(hub.url), 'phone');
    expect(again.finish?.status).toBe(200);
    const after = (await browser.get<{ passkeys: PasskeyInfo[] }>(ACCOUNT_PATHS.passkeys)).body.passkeys;
    expect(after.map((p) => p.name)).toEqual(['YubiKey', 'phone']);
    expect(after[0]!.last_used_at).not.toBeNull();
    expect(await counterOf(finish!.body.passkey_id)).toBe(1);
  });

  it('a challenge is answered once: the same answer again is a 401 and opens nothing', async () => {
    const h = await Human.signup(hub);
    const auth = new SoftAuthenticator(hub.url);
    await addPasskey(h, auth);
    const browser = new Human(hub);
    const answer = auth.get(await loginOptions(browser));
    expect((await browser.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: answer })).status).toBe(200);
    const replay = new Human(hub);
    const res = await replay.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: answer });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'unauthorized', error: expect.stringMatching(/already answered or expired/) });
    expect(replay.cookie).toBeNull();

    // A registration's challenge too: the second finish of one begin is refused, and only one passkey is made.
    const begin = await h.post<Options>(ACCOUNT_PATHS.passkeyRegisterBegin);
    const second = new SoftAuthenticator(hub.url);
    const created = second.create(begin.body.options);
    expect((await h.post(ACCOUNT_PATHS.passkeyRegisterFinish, {}, { name: 'a', response: created })).status).toBe(200);
    expect((await h.post(ACCOUNT_PATHS.passkeyRegisterFinish, {}, { name: 'b', response: created })).status).toBe(401);
    expect(await count('passkeys', h.session!.user.user_id)).toBe(2);
  });

  it('an expired challenge is refused (401), and nothing is opened', async () => {
    const h = await Human.signup(hub);
    const auth = new SoftAuthenticator(hub.url);
    await addPasskey(h, auth);
    const browser = new Human(hub);
    const options = await loginOptions(browser);
    // Five minutes made to have passed.
    await readDataDir(data.dir, (s) =>
      s.writer.run((tx) => tx.run(s.db.updateTable('passkey_challenges').set({ expires_at: Date.now() - 1 }).where('challenge', '=', options.challenge).compile())),
    );
    const res = await browser.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: auth.get(options) });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: expect.stringMatching(/expired/) });
    expect(browser.cookie).toBeNull();
  });

  it('an answer from another origin is a 400 that names it; a bad signature is a 401 that changes nothing', async () => {
    const h = await Human.signup(hub);
    const evil = new SoftAuthenticator('https://evil.example', '127.0.0.1');
    const begin = await h.post<Options>(ACCOUNT_PATHS.passkeyRegisterBegin);
    const reg = await h.post(ACCOUNT_PATHS.passkeyRegisterFinish, {}, { name: 'x', response: evil.create(begin.body.options) });
    expect(reg.status).toBe(400);
    expect(reg.body).toMatchObject({ code: 'bad_request', error: expect.stringContaining('not allowed from https://evil.example') });
    expect(await count('passkeys', h.session!.user.user_id)).toBe(0);
    // A browser asking from a page of another origin is refused before any challenge is made.
    // (Its host is this hub's, so the check that every change comes from this site lets it through; https is not this hub's origin.)
    const https = hub.url.replace('http:', 'https:');
    const foreign = await h.call('POST', ACCOUNT_PATHS.passkeyLoginBegin, {}, { origin: https });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toMatchObject({ details: { origin: https, allowed: [hub.url] } });

    const auth = new SoftAuthenticator(hub.url);
    const { finish } = await addPasskey(h, auth);
    const browser = new Human(hub);
    const options = await loginOptions(browser);
    const tampered = await browser.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: auth.get(options, { tamper: true }) });
    expect(tampered.status).toBe(401);
    expect(tampered.body).toMatchObject({ code: 'unauthorized', error: expect.stringMatching(/^the passkey could not be verified/) });
    expect(browser.cookie).toBeNull();
    expect(await counterOf(finish!.body.passkey_id)).toBe(0);
    // Not verified without the user-verified flag either (a passkey is the only factor).
    expect((await browser.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: auth.get(options, { flags: 0x01 }) })).status).toBe(401);
    // Nothing was used up: the right answer to the same challenge still works.
    expect((await browser.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: auth.get(options) })).status).toBe(200);
  });

  it('a signature counter that does not grow is refused (a copied authenticator)', async () => {
    const h = await Human.signup(hub);
    const auth = new SoftAuthenticator(hub.url);
    const { finish } = await addPasskey(h, auth);
    const browser = new Human(hub);
    expect((await browser.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: auth.get(await loginOptions(browser)) })).status).toBe(200);
    expect((await browser.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: auth.get(await loginOptions(browser)) })).status).toBe(200);
    auth.counter = 1; // the next signature says 2 again
    const clone = new Human(hub);
    const res = await clone.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: auth.get(await loginOptions(clone)) });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: expect.stringMatching(/counter/) });
    expect(clone.cookie).toBeNull();
    expect(await counterOf(finish!.body.passkey_id)).toBe(2);
  });

  it(`at most ${MAX_PASSKEYS_PER_USER} passkeys per human: the next is a 409 with details.limit, at begin and at finish`, async () => {
    const h = await Human.signup(hub);
    for (let i = 0; i < MAX_PASSKEYS_PER_USER - 1; i++) expect((await addPasskey(h, new SoftAuthenticator(hub.url), `key ${i}`)).finish?.status).toBe(200);
    // Two prompts begun with room for one: the second finish is refused.
    const a = await h.post<Options>(ACCOUNT_PATHS.passkeyRegisterBegin);
    const b = await h.post<Options>(ACCOUNT_PATHS.passkeyRegisterBegin);
    expect((await h.post(ACCOUNT_PATHS.passkeyRegisterFinish, {}, { name: 'tenth', response: new SoftAuthenticator(hub.url).create(a.body.options) })).status).toBe(200);
    const late = await h.post(ACCOUNT_PATHS.passkeyRegisterFinish, {}, { name: 'eleventh', response: new SoftAuthenticator(hub.url).create(b.body.options) });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'conflict', details: { limit: MAX_PASSKEYS_PER_USER } });
    const more = await h.post(ACCOUNT_PATHS.passkeyRegisterBegin);
    expect(more.status).toBe(409);
    expect(more.body).toMatchObject({ details: { limit: MAX_PASSKEYS_PER_USER } });
    expect(await count('passkeys', h.session!.user.user_id)).toBe(MAX_PASSKEYS_PER_USER);
  });

  it('registering and removing need the session and its CSRF token; only the owner removes a passkey', async () => {
    const h = await Human.signup(hub);
    expect((await h.post(ACCOUNT_PATHS.passkeyRegisterBegin, {}, {}, { csrf: null })).status).toBe(403);
    expect((await new Human(hub).post(ACCOUNT_PATHS.passkeyRegisterBegin)).status).toBe(401);
    expect((await new Human(hub).get(ACCOUNT_PATHS.passkeys)).status).toBe(401);
    const { finish } = await addPasskey(h, new SoftAuthenticator(hub.url));
    const id = finish!.body.passkey_id;
    const noCsrf = await h.del(ACCOUNT_PATHS.passkey, { passkey_id: id }, { csrf: null });
    expect(noCsrf.status).toBe(403);
    const other = await Human.signup(hub);
    expect((await other.del(ACCOUNT_PATHS.passkey, { passkey_id: id })).status).toBe(404);
    expect(await count('passkeys', h.session!.user.user_id)).toBe(1);
    expect((await h.del(ACCOUNT_PATHS.passkey, { passkey_id: id })).status).toBe(204);
    expect((await h.get<{ passkeys: PasskeyInfo[] }>(ACCOUNT_PATHS.passkeys)).body.passkeys).toEqual([]);
    expect((await h.del(ACCOUNT_PATHS.passkey, { passkey_id: id })).status).toBe(404);
  });

  it('a removed passkey logs nobody in', async () => {
    const h = await Human.signup(hub);
    const auth = new SoftAuthenticator(hub.url);
    const { finish } = await addPasskey(h, auth);
    const browser = new Human(hub);
    const options = await loginOptions(browser);
    expect((await h.del(ACCOUNT_PATHS.passkey, { passkey_id: finish!.body.passkey_id })).status).toBe(204);
    const res = await browser.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: auth.get(options) });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: expect.stringMatching(/not registered here/) });
    expect(browser.cookie).toBeNull();
  });

  it(`at most ${MAX_PENDING_PASSKEY_LOGINS} unanswered login prompts at once: the next is a 503 with Retry-After, and one frees when they expire`, async () => {
    const now = Date.now();
    // Earlier tests' prompts left unanswered count too: fill up to the bound exactly.
    const pending = await readDataDir(data.dir, async (s) =>
      Number(
        (await s.db.selectFrom('passkey_challenges').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', 'login').where('expires_at', '>', now).executeTakeFirstOrThrow()).n,
      ),
    );
    const rows = Array.from({ length: MAX_PENDING_PASSKEY_LOGINS - pending }, (_, i) => ({
      challenge: `flood-${now}-${i}`,
      kind: 'login',
      user_id: null,
      created_at: now,
      expires_at: now + 300_000,
    }));
    // As if that many browsers (from as many addresses) had asked for a prompt and never answered.
    await readDataDir(data.dir, (s) =>
      s.writer.run(async (tx) => {
        for (let i = 0; i < rows.length; i += 500) await tx.run(s.db.insertInto('passkey_challenges').values(rows.slice(i, i + 500)).compile());
      }),
    );
    try {
      const refused = await new Human(hub).post(ACCOUNT_PATHS.passkeyLoginBegin);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'unavailable', error: expect.stringMatching(/too many passkey logins/), details: { retry_after_ms: 5000 } });
      // The wait is in the header too, for clients that read only HTTP.
      expect(refused.headers.get('retry-after')).toBe('5');
      // Expired ones do not count: the bound is on what is live.
      await readDataDir(data.dir, (s) =>
        s.writer.run((tx) => tx.run(s.db.updateTable('passkey_challenges').set({ expires_at: Date.now() - 1 }).where('challenge', '=', rows[0]!.challenge).compile())),
      );
      await loginOptions(new Human(hub));
    } finally {
      await readDataDir(data.dir, (s) => s.writer.run((tx) => tx.run(s.db.deleteFrom('passkey_challenges').where('challenge', 'like', `flood-${now}-%`).compile())));
    }
  });

  it('malformed answers are a 400 with details', async () => {
    const browser = new Human(hub);
    const res = await browser.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: { id: 'x', type: 'public-key' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'bad_request', details: { issues: expect.any(Array) } });
    const huge = await browser.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: { ...new SoftAuthenticator(hub.url).get({ challenge: 'AA', rpId: 'x' }), clientExtensionResults: { pad: 'x'.repeat(70_000) } } });
    expect(huge.status).toBe(400);
  });
});

describe('account: passkeys with a configured relying party, and the login rate limit', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({
      signupRateLimit: false,
      loginRateLimit: { perSecond: 0.001, burst: 4 },
      accounts: { webauthn: { rpId: 'parley.example.com', rpName: 'Parley test', origins: ['https://parley.example.com'] } },
    });
  });
  afterAll(async () => {
    await hub.close();
  });

  it('the configured rp id, name and origin are used; passkey logins count against the per-address login allowance', async () => {
    const h = await Human.signup(hub);
    const auth = new SoftAuthenticator('https://parley.example.com');
    const { begin, finish } = await addPasskey(h, auth);
    expect(begin.body.options.rp).toEqual({ id: 'parley.example.com', name: 'Parley test' });
    expect(finish?.status).toBe(200);
    const browser = new Human(hub);
    // A password login (1), a passkey prompt (2) and its answer (3): the allowance of 4 has one left.
    expect((await browser.login(h.password, h.email)).status).toBe(200);
    const options = await loginOptions(browser);
    expect(options.rpId).toBe('parley.example.com');
    expect((await browser.post(ACCOUNT_PATHS.passkeyLoginFinish, {}, { response: auth.get(options) })).status).toBe(200);
    expect((await browser.post(ACCOUNT_PATHS.passkeyLoginBegin)).status).toBe(200);
    const limited = await browser.post(ACCOUNT_PATHS.passkeyLoginBegin);
    expect(limited.status).toBe(429);
    expect((await browser.login(h.password, h.email)).status).toBe(429);
  });
});
