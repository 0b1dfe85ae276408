import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * Which peers may tell the hub who the client is, through X-Forwarded-For.
 * `false` (the default): nobody; the client is the TCP peer. A number: that
 * many proxy hops in front of the hub. A list: proxies by address or CIDR
 * (`10.0.0.0/8`), or the names `loopback`, `linklocal`, `uniquelocal`.
 * `true` trusts every hop, so any client can claim any address: only for a
 * hub that no one reaches except through its proxy.
 */
export type TrustProxy = boolean | number | readonly string[];

/** `(address, hop) => trusted`, the form Fastify's `trustProxy` also takes, so request.ip and upgrades agree. */
export type TrustFn = (address: string, hop: number) => boolean;

const NAMED: Record<string, Array<[string, number, 'ipv4' | 'ipv6']>> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  linklocal: [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
  ],
  uniquelocal: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
  ],
};

export function trustFunction(trust: TrustProxy): TrustFn {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_a, hop) => hop < trust;
  const list = new BlockList();
  for (const entry of trust) {
    const named = NAMED[entry];
    if (named) {
      for (const [net, prefix, type] of named) list.addSubnet(net, prefix, type);
      continue;
    }
    const [ip = '', bits] = entry.split('/');
    const version = isIP(ip);
    if (version === 0) throw new Error(`trustProxy: "${entry}" is not an IP address, a CIDR or one of ${Object.keys(NAMED).join(', ')}`);
    const type = version === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(ip, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (version === 4 ? 32 : 128)) throw new Error(`trustProxy: bad prefix in "${entry}"`);
      list.addSubnet(ip, prefix, type);
    }
  }
  return (address) => {
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * The client's address, as proxy-addr (Fastify's request.ip) computes it: start
 * at the TCP peer and walk X-Forwarded-For from right to left while the
 * current hop is trusted; the first untrusted one is the client.
 */
export function clientAddress(req: IncomingMessage, trust: TrustFn): string {
  const peer = req.socket.remoteAddress ?? '';
  const header = req.headers['x-forwarded-for'];
  if (!header || !trust(peer, 0)) return peer;
  const forwarded = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .reverse();
  let current = peer;
  for (let i = 0; i < forwarded.length; i++) {
    if (!trust(current, i)) return current;
    current = forwarded[i]!;
  }
  return current;
}

/**
 * The key per-address limits count under. IPv4 (also when mapped into IPv6):
 * the address. IPv6: its /64, since one host or home network usually holds a
 * whole /64 and could otherwise take a fresh address for every request.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  return ipv6Prefix64(address);
}

function ipv6Prefix64(address: string): string {
  const zoneless = address.split('%')[0]!;
  const [head = '', tail] = zoneless.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail === undefined ? [] : tail ? tail.split(':') : [];
  // An embedded IPv4 tail (e.g. ::1.2.3.4) is in the low 64 bits, which the key drops anyway.
  const missing = 8 - headParts.length - tailParts.length;
  const groups = tail === undefined ? headParts : [...headParts, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailParts];
  return (
    groups
      .slice(0, 4)
      .map((g) => (parseInt(g, 16) || 0).toString(16))
      .join(':') + '::/64'
  );
}
