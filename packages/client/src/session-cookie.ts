/**
 * The account session cookie, kept by hand where no browser keeps it (Node,
 * scripts). In a browser this never holds anything: `Set-Cookie` is not
 * readable by scripts there, and a `cookie` request header is dropped by
 * fetch, so the browser's own cookie store does the work (the cookie is
 * HttpOnly; this code could not read it if it tried).
 */
export class SessionCookie {
  #value: string | null = null;

  constructor(private readonly name: string) {}

  /** The `cookie` header to send, if a session cookie is held. */
  header(): string | null {
    return this.#value === null ? null : `${this.name}=${this.#value}`;
  }

  /** Takes the session cookie from an answer's `Set-Cookie` lines: a new value replaces it, an expired or empty one clears it. */
  update(headers: Headers): void {
    for (const line of setCookieLines(headers)) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim() !== this.name) continue;
      const value = pair.slice(eq + 1).trim();
      this.#value = value === '' || expiresNow(attributes) ? null : value;
    }
  }

  clear(): void {
    this.#value = null;
  }
}

function setCookieLines(headers: Headers): string[] {
  // getSetCookie keeps the lines apart (an Expires date has a comma in it); fetch implementations without it join them.
  const h = headers as Headers & { getSetCookie?: () => string[] };
  if (typeof h.getSetCookie === 'function') return h.getSetCookie();
  const joined = headers.get('set-cookie');
  return joined === null ? [] : joined.split(/,(?=\s*[^;=\s]+=)/);
}

function expiresNow(attributes: string[]): boolean {
  for (const a of attributes) {
    const [k = '', v = ''] = a.split('=').map((s) => s.trim());
    const key = k.toLowerCase();
    if (key === 'max-age' && Number(v) <= 0) return true;
    if (key === 'expires' && Date.parse(v) <= Date.now()) return true;
  }
  return false;
}
