/** Hub base URL handling, so `http://host:port` and `http://host:port/prefix/` both work. */
export function baseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new TypeError(`hub url is not a URL: ${JSON.stringify(url)}`, { cause: err });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`hub url must be http(s)://, got ${url}`);
  return u.origin + u.pathname.replace(/\/+$/, '');
}

/**
 * One hub URL, or several hubs sharing one database (same epoch, streams and
 * seqs), tried in turn: the client fails over from one to the next.
 */
export type HubUrls = string | readonly string[];

/**
 * The base URLs of `urls`, checked and normalised (see baseUrl), in order.
 * Throws a TypeError naming the culprit for an empty list or a bad URL, so a
 * misconfigured client fails at construction and not at its first reconnect.
 */
export function hubUrlList(urls: HubUrls): string[] {
  const list = typeof urls === 'string' ? [urls] : [...urls];
  if (list.length === 0) throw new TypeError('hub url list is empty: give at least one http(s):// URL');
  return list.map((u, i) => {
    if (typeof u !== 'string') throw new TypeError(`hub url #${i + 1} is not a string`);
    return baseUrl(u);
  });
}

/**
 * A comma-separated list of hub URLs, as written in a flag or an environment
 * variable (`PARLEY_URL=http://hub-a:8787,http://hub-b:8787`): the entries,
 * trimmed, checked as hubUrlList does. One URL gives a list of one.
 */
export function parseHubUrls(text: string): string[] {
  return hubUrlList(text.split(',').map((s) => s.trim()).filter((s) => s !== ''));
}

export function httpUrl(base: string, path: string): string {
  return baseUrl(base) + path;
}

export function wsUrl(base: string): string {
  return baseUrl(base).replace(/^http/, 'ws') + '/v1/ws';
}
