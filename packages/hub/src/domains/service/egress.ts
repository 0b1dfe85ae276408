import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { ErrorCode } from '@parley/protocol';
import { HubError } from '../../core/errors.js';

/**
 * The hub calling out to a service's HTTP endpoint, without becoming a tool
 * for server-side request forgery:
 *
 * - only hosts the operator listed (`serviceHosts`; none by default: no
 *   endpoint is ever called), compared as lowercase names, `*.example.com`
 *   matching its subdomains;
 * - never an address that is private, loopback, link-local, multicast or
 *   otherwise special (every address the name resolves to is checked), unless
 *   the operator allowed those too (`servicePrivateAddresses`);
 * - the hub resolves the name itself and connects to the address it checked
 *   (the name goes only in Host and TLS SNI), so a second lookup cannot
 *   answer differently (DNS rebinding);
 * - no redirect is followed (a 3xx is an error), the whole exchange has a
 *   deadline, and a response larger than MAX_RESPONSE_BYTES is cut off.
 */

/** Largest response body read from an endpoint (what a delegated output may be). */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface EgressPolicy {
  /** Hosts the hub may call; `*.example.com` matches subdomains of example.com. Empty: none. */
  hosts: readonly string[];
  /** Also private, loopback and other special addresses (for a hub and its services on one private network). */
  allowPrivate: boolean;
}

const special = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  special.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  // IPv4-mapped addresses are checked by their IPv4 part (isSpecialAddress); these are never public.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  special.addSubnet(net, prefix, 'ipv6');
}

/** Whether `address` (an IP literal) is anything but a public unicast address. */
export function isSpecialAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return special.check(address, 'ipv4');
  if (family !== 6) return true;
  const v4 = mappedIpv4(address);
  if (v4 !== null) return special.check(v4, 'ipv4');
  return special.check(address, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:127.0.0.1`, `::ffff:7f00:1`), or null. */
function mappedIpv4(address: string): string | null {
  const a = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted) return dotted[1]!;
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (!hex) return null;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function refused(message: string): HubError {
  return new HubError(ErrorCode.Forbidden, message);
}

/** The host of an endpoint URL, lowercase, IPv6 brackets removed. */
function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
}

export class Egress {
  private readonly hosts: string[];

  constructor(private readonly policy: EgressPolicy) {
    this.hosts = policy.hosts.map((h) => h.trim().toLowerCase()).filter((h) => h.length > 0);
  }

  /** Why the hub may not call `endpoint` (before any lookup), or null. */
  problem(endpoint: string): string | null {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return 'the endpoint is not a URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'an endpoint is an http(s) URL';
    if (url.username || url.password) return 'an endpoint may not carry credentials';
    const host = hostOf(url);
    if (this.hosts.length === 0) return "this hub calls no service endpoints (its operator lists none in serviceHosts): serve the service over your agent's connection";
    if (!this.hosts.some((h) => (h.startsWith('*.') ? host.endsWith(h.slice(1)) : host === h))) {
      return `this hub's operator does not allow service endpoints on ${host}`;
    }
    if (isIP(host) && !this.policy.allowPrivate && isSpecialAddress(host)) return `${host} is a private or special address`;
    return null;
  }

  /** Throws forbidden when the hub may not call `endpoint`. */
  assertAllowed(endpoint: string): void {
    const why = this.problem(endpoint);
    if (why) throw refused(why);
  }

  /** The address to connect to: every address the host resolves to must pass, and the first is used. */
  async resolve(host: string): Promise<{ address: string; family: 4 | 6 }> {
    const literal = isIP(host);
    const found = literal ? [{ address: host, family: literal }] : await lookup(host, { all: true, verbatim: true }).catch(() => []);
    if (found.length === 0) throw new HubError(ErrorCode.Unavailable, `the endpoint's host ${host} does not resolve`);
    if (!this.policy.allowPrivate) {
      const bad = found.find((a) => isSpecialAddress(a.address));
      if (bad) throw refused(`the endpoint's host ${host} resolves to ${bad.address}, a private or special address`);
    }
    return { address: found[0]!.address, family: found[0]!.family as 4 | 6 };
  }

  /**
   * POSTs `input` as JSON to `endpoint` and returns the JSON it answers.
   * Errors: forbidden (not allowed, or resolves where it may not go),
   * timeout, unavailable (unreachable, a non-2xx status, a redirect), conflict
   * (the endpoint's answer is not JSON or too large).
   */
  async call(endpoint: string, input: unknown, timeoutMs: number): Promise<unknown> {
    this.assertAllowed(endpoint);
    const url = new URL(endpoint);
    const host = hostOf(url);
    const deadline = AbortSignal.timeout(timeoutMs);
    const target = await this.resolve(host);
    if (deadline.aborted) throw new HubError(ErrorCode.Timeout, `the endpoint did not answer within ${timeoutMs} ms`);
    const body = Buffer.from(JSON.stringify(input ?? null));
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        {
          // The checked address; the name only names the site (Host) and the certificate (SNI).
          host: target.address,
          family: target.family,
          port: url.port || (secure ? 443 : 80),
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: { host: url.host, 'content-type': 'application/json', 'content-length': body.length, accept: 'application/json' },
          ...(secure && !isIP(host) ? { servername: host } : {}),
          signal: deadline,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400) {
            res.destroy();
            reject(new HubError(ErrorCode.Unavailable, `the endpoint answered a redirect (${status}); redirects are not followed`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              res.destroy();
              reject(new HubError(ErrorCode.Conflict, `the endpoint's answer is larger than ${MAX_RESPONSE_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', (err) => reject(failure(err, timeoutMs)));
          res.on('end', () => {
            if (size > MAX_RESPONSE_BYTES) return;
            const text = Buffer.concat(chunks).toString('utf8');
            if (status < 200 || status >= 300) {
              reject(new HubError(ErrorCode.Unavailable, `the endpoint answered HTTP ${status}`, { status, body: text.slice(0, 500) }));
              return;
            }
            try {
              resolve(text.length === 0 ? null : (JSON.parse(text) as unknown));
            } catch {
              reject(new HubError(ErrorCode.Conflict, 'the endpoint did not answer JSON'));
            }
          });
        },
      );
      req.on('error', (err) => reject(failure(err, timeoutMs)));
      req.end(body);
    });
  }
}

function failure(err: Error, timeoutMs: number): HubError {
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return new HubError(ErrorCode.Timeout, `the endpoint did not answer within ${timeoutMs} ms`);
  return new HubError(ErrorCode.Unavailable, `the endpoint could not be reached: ${err.message}`);
}
