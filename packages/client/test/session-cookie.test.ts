import { describe, expect, it } from 'vitest';
import { SessionCookie } from '../src/session-cookie.js';

/** Headers as an answer would carry them, one Set-Cookie line each. */
const answer = (...setCookies: string[]): Headers => {
  const h = new Headers();
  for (const line of setCookies) h.append('set-cookie', line);
  return h;
};

describe('SessionCookie (the session cookie kept by hand outside a browser)', () => {
  it('keeps only its own cookie, replaces it, and clears it when the hub expires it', () => {
    const jar = new SessionCookie('parley_session');
    expect(jar.header()).toBeNull();
    jar.update(answer('other=1; Path=/', 'parley_session=abc.def; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800'));
    expect(jar.header()).toBe('parley_session=abc.def');
    jar.update(answer()); // an answer without Set-Cookie changes nothing
    expect(jar.header()).toBe('parley_session=abc.def');
    jar.update(answer('parley_session=xyz; Path=/'));
    expect(jar.header()).toBe('parley_session=xyz');
    jar.update(answer('parley_session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT'));
    expect(jar.header()).toBeNull();
    jar.update(answer('parley_session=again; Path=/'));
    jar.update(answer('parley_session=again; Max-Age=0'));
    expect(jar.header()).toBeNull();
  });

  it('a name that merely starts like it is another cookie', () => {
    const jar = new SessionCookie('parley_session');
    jar.update(answer('parley_session_old=zzz; Path=/', 'xparley_session=yyy'));
    expect(jar.header()).toBeNull();
  });

  it('reads a joined Set-Cookie header (fetch implementations without getSetCookie), commas in dates included', () => {
    const jar = new SessionCookie('parley_session');
    const joined = new Headers({ 'set-cookie': 'a=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT, parley_session=kept; Path=/' });
    Object.defineProperty(joined, 'getSetCookie', { value: undefined });
    jar.update(joined);
    expect(jar.header()).toBe('parley_session=kept');
  });
});
