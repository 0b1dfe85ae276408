import type { RunningHub } from '@parley/hub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccountClient, AccountError } from '../src/account.js';
import { ParleyError } from '../src/errors.js';
import { agent, client, closeClients, hub, nextEvent, tokenClient } from './helpers/env.js';

/**
 * The human's side against a real hub: the AccountClient in Node keeps the
 * session cookie itself and sends the CSRF token, and answers come back as
 * the protocol's types or as AccountErrors with the hub's code and status.
 */
let h: RunningHub;
beforeAll(async () => {
  // Many signups from one address in one file: the signup limit is tested on its own hub below.
  h = await hub({ signupRateLimit: false });
});
afterAll(async () => {
  await h?.close();
});
afterEach(async () => {
  await closeClients();
});

let humans = 0;
/** A new human, signed up and logged in on its own AccountClient. */
async function human(name = `human ${++humans}`): Promise<AccountClient> {
  const account = new AccountClient({ url: h.url });
  await account.signup({ email: `h${humans}-${Date.now()}@example.test`, password: 'correct horse battery', display_name: name });
  return account;
}

/** An agent connected with its key, and a claim code it asked for. */
async function agentWithCode(): Promise<{ agentId: string; code: string; owner: ReturnType<typeof client> }> {
  const id = await agent(h.url, 'claimable');
  const c = client(h.url, id);
  await c.connect();
  const { code } = await c.account.claimCode();
  return { agentId: id.agentId, code, owner: c };
}

const refusal = async (p: Promise<unknown>): Promise<AccountError> => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AccountError);
  return err as AccountError;
};

describe('AccountClient: account and session', () => {
  it('outside a browser it needs a url', () => {
    expect(() => new AccountClient()).toThrow(/needs a hub url outside a browser/);
    expect(() => new AccountClient({ url: 'ftp://x' })).toThrow(TypeError);
  });

  it('signup starts a session it keeps (cookie and CSRF token); logout ends it', async () => {
    const account = new AccountClient({ url: h.url });
    expect(account.csrfToken).toBeNull();
    expect(await account.session()).toBeNull();
    const email = `Ada-${Date.now()}@Example.test`;
    const s = await account.signup({ email, password: 'correct horse battery', display_name: 'Ada' });
    expect(s.user.email).toBe(email.toLowerCase());
    expect(s.user.display_name).toBe('Ada');
    expect(account.csrfToken).toBe(s.csrf_token);
    const again = await account.session();
    expect(again?.user.user_id).toBe(s.user.user_id);

    // Another AccountClient has no cookie: no session there.
    expect(await new AccountClient({ url: h.url }).session()).toBeNull();

    await account.logout();
    expect(account.csrfToken).toBeNull();
    expect(await account.session()).toBeNull();

    // Log in again with the same password; a wrong one is a 401 AccountError.
    const wrong = await refusal(account.login({ email, password: 'not the password' }));
    expect(wrong.status).toBe(401);
    expect(wrong.code).toBe('unauthorized');
    expect(wrong).toBeInstanceOf(ParleyError);
    const back = await account.login({ email, password: 'correct horse battery' });
    expect(back.user.user_id).toBe(s.user.user_id);
    expect((await account.session())?.user.user_id).toBe(s.user.user_id);
  });

  it('an email taken is a 409 conflict; bad input a 400 with the hub\'s message', async () => {
    const email = `taken-${Date.now()}@example.test`;
    await new AccountClient({ url: h.url }).signup({ email, password: 'correct horse battery', display_name: 'First' });
    const taken = await refusal(new AccountClient({ url: h.url }).signup({ email, password: 'another long one', display_name: 'Second' }));
    expect(taken.status).toBe(409);
    expect(taken.code).toBe('conflict');
    const short = await refusal(new AccountClient({ url: h.url }).signup({ email: `s-${Date.now()}@example.test`, password: 'short', display_name: 'S' }));
    expect(short.status).toBe(400);
    expect(short.message).toMatch(/password/);
  });

  it('refuses ids that would change the path before sending anything', async () => {
    const seen: string[] = [];
    const account = new AccountClient({
      url: h.url,
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    const agentId = `agt_${'a'.repeat(32)}`;
    await expect(account.unbind('..')).rejects.toThrow(/not an agent id/);
    await expect(account.revokeKey(agentId, '..')).rejects.toThrow(/not an API key id/);
    await expect(account.keys(`${agentId}/../..`)).rejects.toThrow(TypeError);
    expect(seen).toEqual([]);
  });

  it('a hub that cannot be reached is an AccountError unavailable with status 0', async () => {
    const err = await refusal(new AccountClient({ url: 'http://127.0.0.1:1' }).session());
    expect(err.code).toBe('unavailable');
    expect(err.status).toBe(0);
  });
});

describe('AccountClient: claim, invite, bindings', () => {
  it('claims an agent with its code (once), shares it by invite, and both see the bindings', async () => {
    const alice = await human('Alice');
    const { agentId, code, owner } = await agentWithCode();
    const bound = await alice.claim(` ${code.toLowerCase()} `); // typed by a person: spaces and case forgiven
    expect(bound).toMatchObject({ agent_id: agentId, is_primary: true, method: 'claim', agent_name: 'claimable', online: true });
    expect((await alice.agents()).map((a) => a.agent_id)).toEqual([agentId]);

    const used = await refusal((await human()).claim(code));
    expect(used.code).toBe('conflict');
    expect(used.status).toBe(409);

    expect(await alice.inviteState(agentId)).toMatchObject({ agent_id: agentId, invite_status: 'none' });
    const first = await alice.rotateInvite(agentId);
    const invite = await alice.rotateInvite(agentId); // rotation invalidates the first
    expect(invite.code).not.toBe(first.code);
    expect(await alice.inviteState(agentId)).toMatchObject({ invite_status: 'active' });

    const bob = await human('Bob');
    const stale = await refusal(bob.acceptInvite(agentId, first.code));
    expect(stale.status).toBeGreaterThanOrEqual(400);
    const shared = await bob.acceptInvite(agentId, invite.code);
    expect(shared).toMatchObject({ agent_id: agentId, is_primary: false, method: 'invite' });
    expect(await alice.inviteState(agentId)).toMatchObject({ invite_status: 'none' }); // used up

    const seen = await bob.bindings(agentId);
    expect(seen.map((b) => [b.display_name, b.is_primary, b.mine])).toEqual([
      ['Alice', true, false],
      ['Bob', false, true],
    ]);
    // The agent sees its humans too.
    const { owners } = await owner.account.owners();
    expect(owners.map((o) => [o.display_name, o.is_primary])).toEqual([
      ['Alice', true],
      ['Bob', false],
    ]);

    // The primary owner cannot unbind; Bob can.
    expect((await refusal(alice.unbind(agentId))).status).toBe(409);
    await bob.unbind(agentId);
    expect(await bob.agents()).toEqual([]);
    const notBound = await refusal(bob.keys(agentId));
    expect(notBound.status).toBe(403);
  });
});

describe('AccountClient: API keys and console tokens act as the agent', () => {
  it('a key works as ParleyClient credentials, is listed without its secret, is recorded, and stops at once when revoked', async () => {
    const alice = await human();
    const { agentId, code } = await agentWithCode();
    await alice.claim(code);
    const created = await alice.createKey(agentId, 'nightly script');
    expect(created.key).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const listed = await alice.keys(agentId);
    expect(listed).toEqual([expect.objectContaining({ key_id: created.key_id, name: 'nightly script' })]);
    expect(listed[0]).not.toHaveProperty('key');

    const script = tokenClient(h.url, { agentId, token: () => created.key });
    await script.connect();
    const me = await script.call('agent/whoami', {});
    expect(me.agent_id).toBe(agentId);
    // Over the HTTP fallback too (bearer on /v1/rpc and /v1/poll).
    const overHttp = tokenClient(h.url, { agentId, token: () => created.key }, { transports: ['http'] });
    await overHttp.connect();
    expect((await overHttp.call('agent/whoami', {})).agent_id).toBe(agentId);
    await overHttp.close();
    // A human's key cannot ask for a claim code (or a bound human could make itself primary).
    const claimErr = await script.account.claimCode().catch((e: unknown) => e);
    expect((claimErr as ParleyError).code).toBe('forbidden');

    // A change is recorded with its effect; a read rides with the next commit (here: that change).
    await script.agents.update({ description: 'changed through an API key' });
    const { entries } = await alice.activity(agentId, { limit: 10 });
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['agent/whoami', 'agent/update']));
    expect(entries.every((e) => e.key_id === created.key_id)).toBe(true);

    const dropped = nextEvent(script, 'disconnected');
    await alice.revokeKey(agentId, created.key_id);
    expect((await dropped)[0].code).toBe(4401);
    expect(await alice.keys(agentId)).toEqual([]);
    // Over HTTP too: refused.
    const res = await fetch(`${h.url}/v1/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${created.key}` },
      body: JSON.stringify({ agent_id: agentId, u_id: 'after-revoke', params: { action: 'agent/whoami' } }),
    });
    expect(res.status).toBe(401);
  });

  it('a console token acts as the agent until its session logs out', async () => {
    const alice = await human();
    const { agentId, code } = await agentWithCode();
    await alice.claim(code);
    const t = await alice.consoleToken(agentId);
    expect(t.agent_id).toBe(agentId);
    const consoleClient = tokenClient(h.url, { agentId, token: () => t.token }, { reconnect: { enabled: false } });
    await consoleClient.connect();
    expect((await consoleClient.call('agent/whoami', {})).agent_id).toBe(agentId);
    const dropped = nextEvent(consoleClient, 'disconnected');
    await alice.logout();
    expect((await dropped)[0].code).toBe(4401);
  });
});

describe('AccountClient: rate limits', () => {
  it('a 429 is rate_limited, with the Retry-After seconds in details', async () => {
    const strict = await hub({ signupRateLimit: { perSecond: 0.001, burst: 1 } });
    try {
      const first = new AccountClient({ url: strict.url });
      await first.signup({ email: `rl-${Date.now()}@example.test`, password: 'correct horse battery', display_name: 'One' });
      const err = await refusal(new AccountClient({ url: strict.url }).signup({ email: `rl2-${Date.now()}@example.test`, password: 'correct horse battery', display_name: 'Two' }));
      expect(err.status).toBe(429);
      expect(err.code).toBe('rate_limited');
      expect(err.details?.retry_after_seconds).toBeGreaterThan(0);
    } finally {
      await strict.close();
    }
  });
});
