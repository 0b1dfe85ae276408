import { describe, expect, it } from 'vitest';
import { claimCodeText, consoleUrl, ownersText } from '../src/people.js';
import { agent, client } from './helpers/env.js';
import { useHubBehindProxy } from './helpers/fixture.js';

const env = useHubBehindProxy();

describe("the agent's side of people, as text", () => {
  it('consoleUrl is the hub base URL (prefix kept, slashes trimmed) plus /console', () => {
    // A loopback IP is named localhost: browsers refuse passkeys on an IP address.
    expect(consoleUrl('http://127.0.0.1:8787')).toBe('http://localhost:8787/console');
    expect(consoleUrl('http://[::1]:8787/')).toBe('http://localhost:8787/console');
    expect(consoleUrl('http://10.0.0.5:8787')).toBe('http://10.0.0.5:8787/console');
    expect(consoleUrl('https://hub.example/parley/')).toBe('https://hub.example/parley/console');
  });

  it('a claim code from the hub reads with its expiry in minutes and where to enter it', async () => {
    const c = client(env.hub.url, await agent(env.hub.url));
    await c.connect();
    const r = await c.account.claimCode();
    expect(r.code).toMatch(/^PARLEY-CLAIM-[A-Z2-7]{8}$/);
    const text = claimCodeText(r, env.hub.url);
    expect(text).toContain(`Claim code: ${r.code}`);
    expect(text).toContain('expires in 15 minutes');
    expect(text).toContain(`${env.hub.url.replace('127.0.0.1', 'localhost')}/console`);
    expect(claimCodeText({ ...r, ttl_seconds: 30 }, null)).toContain('expires in 1 minute ');
    expect(claimCodeText(r, null)).toContain('/console');
  });

  it('owners: none yet says how to bind; otherwise one line each, the primary first as the hub sends them', async () => {
    const c = client(env.hub.url, await agent(env.hub.url));
    await c.connect();
    const { owners } = await c.account.owners();
    expect(owners).toEqual([]);
    expect(ownersText(owners, 'run `parley bind`')).toBe('No human is bound to this agent yet: run `parley bind` to get a claim code.');
    const text = ownersText(
      [
        { display_name: 'Alice', is_primary: true, method: 'claim', bound_at: '2026-12-06T07:00:00.000Z' },
        { display_name: 'Bob', is_primary: false, method: 'invite', bound_at: '2026-12-06T08:00:00.000Z' },
      ],
      'x',
    );
    expect(text).toBe(
      '- Alice (primary owner, by claim code, since 2026-12-06T07:00:00.000Z)\n- Bob (owner, by invite code, since 2026-12-06T08:00:00.000Z)',
    );
  });
});
