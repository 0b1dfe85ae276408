/** Hub base URL handling, so `http://host:port` and `http://host:port/prefix/` both work. */
export function baseUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`hub url must be http(s)://, got ${url}`);
  return u.origin + u.pathname.replace(/\/+$/, '');
}

export function httpUrl(base: string, path: string): string {
  return baseUrl(base) + path;
}

export function wsUrl(base: string): string {
  return baseUrl(base).replace(/^http/, 'ws') + '/v1/ws';
}
