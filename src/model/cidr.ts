/** IPv4 CIDR parsing and overlap checks (pod and service networks of a tenant). */

export interface Cidr {
  readonly text: string;
  /** First address as an unsigned 32-bit number. */
  readonly start: number;
  readonly prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `10.244.0.0/16`; undefined for anything else, including host bits set (`10.244.1.0/16`). */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const m = CIDR.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o, i) => o > 255 || (m[i + 1].length > 1 && m[i + 1].startsWith('0'))) || prefix > 32) {
    return undefined;
  }
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  if ((address & mask) >>> 0 !== address) return undefined;
  return { text, start: address, prefix };
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.start < b.start + cidrSize(b) && b.start < a.start + cidrSize(a);
}

/** The n-th address of a CIDR as dotted text (the cluster DNS service is conventionally the 10th). */
export function nthAddress(c: Cidr, n: number): string {
  const a = (c.start + n) >>> 0;
  return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
}

export const CIDR_RULE = 'must be an IPv4 CIDR with no host bits set, such as "10.96.0.0/16"';
