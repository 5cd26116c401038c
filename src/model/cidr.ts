/**
 * IP addresses and CIDRs, IPv4 and IPv6, as bigint arithmetic: the one place the project parses,
 * compares and formats them (control-plane networks, DNS Service IP, pool egress ranges, the tenants
 * file).
 */

export interface Ip {
  readonly family: 4 | 6;
  readonly value: bigint;
}

export interface Cidr {
  readonly network: Ip;
  readonly prefix: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses a dotted IPv4 address (no leading zeros) or an IPv6 address (with `::`). */
export function parseIp(text: unknown): Ip | undefined {
  if (typeof text !== 'string') return undefined;
  if (IPV4.test(text)) {
    return { family: 4, value: text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(part), 0n) };
  }
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split('::').length > 2) return undefined;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const missing = 8 - h.length - t.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...h, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...t];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const value = all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  // IPv4-mapped IPv6 (::ffff:0:0/96) is refused by Kubernetes' CEL isIP/isCIDR
  // (k8s.io/apiserver/pkg/cel/library/ip.go and cidr.go) and by Go's net.ParseIP users alike.
  if (value >> 32n === 0xffffn) return undefined;
  return { family: 6, value };
}

function bitsOf(ip: Ip): number {
  return ip.family === 4 ? 32 : 128;
}

/** Parses `a.b.c.d/n` or `x::/n`; host bits may be set (as in a security group's source range). */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  // No sign and no leading zero in the prefix length (Go's netip.ParsePrefix, which isCIDR uses).
  const m = /^([^/]+)\/(0|[1-9]\d{0,2})$/.exec(text);
  if (!m) return undefined;
  const network = parseIp(m[1]);
  const prefix = Number(m[2]);
  if (!network || prefix > bitsOf(network)) return undefined;
  return { network, prefix };
}

function hostMask(c: Cidr): bigint {
  return (1n << BigInt(bitsOf(c.network) - c.prefix)) - 1n;
}

/** Parses a CIDR with no host bits set (Kubernetes' rule for pod and Service networks). */
export function parseStrictCidr(text: unknown): Cidr | undefined {
  const c = parseCidr(text);
  return c && (c.network.value & hostMask(c)) === 0n ? c : undefined;
}

export function contains(c: Cidr, ip: Ip): boolean {
  return c.network.family === ip.family && (ip.value & ~hostMask(c)) === (c.network.value & ~hostMask(c));
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return contains(a, b.network) || contains(b, a.network);
}

/** Canonical text: dotted IPv4, or RFC 5952 IPv6 (the longest run of zero groups becomes "::"). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => ((ip.value >> s) & 255n).toString()).join('.');
  }
  const groups = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { start: i, len: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.len).join(':')}`;
}

export const CIDR_RULE = 'must be a CIDR such as "10.96.0.0/16" with no host bits set';
export const IPV4_CIDR_RULE = 'must be an IPv4 CIDR with no host bits set, such as "10.96.0.0/16"';
