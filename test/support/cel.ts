/**
 * The CEL validation rules (`x-kubernetes-validations`) of a Kamaji CRD, evaluated the way the API
 * server does, with the CEL engine `@marcbachmann/cel-js` and the Kubernetes library functions the
 * rules call.
 *
 * What the API server does, and so what this does (k8s.io/apiextensions-apiserver):
 * - defaults first (pkg/apiserver/schema/defaulting/algorithm.go: a property's `default` fills an
 *   absent key, then the defaulted value is defaulted in turn), then validation;
 * - a rule runs at every place its schema node occurs in the object, with `self` bound to the value
 *   there; absent (or null) values are not validated;
 * - a rule that mentions `oldSelf` is a transition rule: it runs only on update, and only where the
 *   old object has a value at the same place (object properties and map keys correlate; items of
 *   atomic/set lists do not). An evaluation error rejects the object like a false result does.
 * - integers of `type: integer` fields are CEL `int` (bigint here), not `double`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transformSync } from '@swc/core';
import type { Environment, ParseResult } from '@marcbachmann/cel-js';
import { parse as parseYaml } from 'yaml';
import { SHARED_REFERENCE } from './tools';

type Schema = Record<string, any>;

// ---- the engine ----

type CelJs = typeof import('@marcbachmann/cel-js');
let celJs: CelJs | undefined;

/**
 * `@marcbachmann/cel-js` is ESM only, and jest here runs tests as CommonJS without transforming
 * node_modules (jest.config.js), so a plain import fails. The package is small and has no
 * dependencies: its modules are transpiled to CommonJS with @swc/core (what @swc/jest uses) and
 * linked here. Node 24.9+ jest would `require()` it natively; this works on every Node we support.
 */
export function celEngine(): CelJs {
  if (celJs) return celJs;
  const cache = new Map<string, { exports: any }>();
  const load = (file: string): any => {
    const hit = cache.get(file);
    if (hit) return hit.exports;
    const mod = { exports: {} as any };
    cache.set(file, mod);
    const { code } = transformSync(fs.readFileSync(file, 'utf8'), {
      filename: file,
      isModule: true,
      jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    const requireFrom = (spec: string) => {
      if (!spec.startsWith('.'))
        throw new Error(`${file} imports ${spec}: the package was expected to have no dependencies`);
      return load(path.resolve(path.dirname(file), spec));
    };
    new Function('exports', 'require', 'module', code)(mod.exports, requireFrom, mod);
    return mod.exports;
  };
  celJs = load(require.resolve('@marcbachmann/cel-js')) as CelJs;
  return celJs;
}

// ---- Go's net/netip, as the Kubernetes CEL library uses it ----

/**
 * A port of Go's `netip.ParseAddr` / `netip.ParsePrefix` (golang/go src/net/netip/netip.go):
 * dotted IPv4 without leading zeros, IPv6 with at most one `::`, an embedded IPv4 tail and an
 * optional `%zone`; a prefix length of decimal digits without sign or leading zero (`/08` fails).
 * Note what it does NOT check: host bits after the prefix (`10.0.0.1/8` parses).
 */
export interface GoAddr {
  readonly family: 4 | 6;
  readonly value: bigint;
  readonly zone: string;
}

export interface GoPrefix {
  readonly addr: GoAddr;
  readonly bits: number;
}

export class NetParseError extends Error {}

function fail(what: string, input: string, msg: string): never {
  throw new NetParseError(`${what}(${JSON.stringify(input)}): ${msg}`);
}

function parseIPv4(s: string, input: string): bigint {
  const fields = [0, 0, 0, 0];
  let val = 0;
  let pos = 0;
  let digLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c >= '0' && c <= '9') {
      if (digLen === 1 && val === 0) fail('ParseAddr', input, 'IPv4 field has octet with leading zero');
      val = val * 10 + Number(c);
      digLen++;
      if (val > 255) fail('ParseAddr', input, 'IPv4 field has value >255');
    } else if (c === '.') {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') {
        fail('ParseAddr', input, 'IPv4 field must have at least one digit');
      }
      if (pos === 3) fail('ParseAddr', input, 'IPv4 address too long');
      fields[pos++] = val;
      val = 0;
      digLen = 0;
    } else {
      fail('ParseAddr', input, 'unexpected character');
    }
  }
  if (pos < 3) fail('ParseAddr', input, 'IPv4 address too short');
  fields[3] = val;
  return fields.reduce((acc, f) => (acc << 8n) | BigInt(f), 0n);
}

function hexDigit(c: string): number {
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'a' && c <= 'f') return c.charCodeAt(0) - 87;
  if (c >= 'A' && c <= 'F') return c.charCodeAt(0) - 55;
  return -1;
}

function parseIPv6(input: string): GoAddr {
  let s = input;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct !== -1) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') fail('ParseAddr', input, 'zone must be a non-empty string');
  }
  const ip = new Array<number>(16).fill(0);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return { family: 6, value: 0n, zone };
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const d = hexDigit(s[off]);
      if (d < 0) break;
      acc = acc * 16 + d;
      if (acc > 0xffff) fail('ParseAddr', input, 'IPv6 field has value >=2^16');
    }
    if (off === 0) fail('ParseAddr', input, 'each colon-separated field must have at least one digit');
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) {
        fail('ParseAddr', input, 'embedded IPv4 address must replace the final 2 fields of the address');
      }
      if (i + 4 > 16) fail('ParseAddr', input, 'too many hex fields to fit an embedded IPv4 at the end of the address');
      const v4 = parseIPv4(s, input);
      for (let k = 0; k < 4; k++) ip[i + k] = Number((v4 >> BigInt(24 - 8 * k)) & 0xffn);
      s = '';
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ':') fail('ParseAddr', input, 'unexpected character, want colon');
    if (s.length === 1) fail('ParseAddr', input, 'colon must be followed by more characters');
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) fail('ParseAddr', input, 'multiple :: in address');
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) fail('ParseAddr', input, 'trailing garbage after address');
  if (i < 16) {
    if (ellipsis < 0) fail('ParseAddr', input, 'address string too short');
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j];
    for (let j = ellipsis + n - 1; j >= ellipsis; j--) ip[j] = 0;
  } else if (ellipsis >= 0) {
    fail('ParseAddr', input, 'the :: must expand to at least one field of zeros');
  }
  return { family: 6, value: ip.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n), zone };
}

/** Go's `netip.ParseAddr`; throws {@link NetParseError}. */
export function goParseAddr(s: string): GoAddr {
  for (const c of s) {
    if (c === '.') return { family: 4, value: parseIPv4(s, s), zone: '' };
    if (c === ':') return parseIPv6(s);
    if (c === '%') fail('ParseAddr', s, 'missing IPv6 address');
  }
  return fail('ParseAddr', s, 'unable to parse IP');
}

/** Go's `netip.ParsePrefix`; throws {@link NetParseError}. */
export function goParsePrefix(s: string): GoPrefix {
  const slash = s.lastIndexOf('/');
  if (slash < 0) fail('netip.ParsePrefix', s, "no '/'");
  const addr = goParseAddr(s.slice(0, slash));
  if (addr.family === 6 && addr.zone !== '') fail('netip.ParsePrefix', s, 'IPv6 zones cannot be present in a prefix');
  const bitsStr = s.slice(slash + 1);
  // "strconv.Atoi accepts a leading sign and leading zeroes, but we don't want that."
  if (!/^(0|[1-9][0-9]*)$/.test(bitsStr)) fail('netip.ParsePrefix', s, `bad bits after slash: "${bitsStr}"`);
  const bits = Number(bitsStr);
  if (bits > (addr.family === 4 ? 32 : 128)) fail('netip.ParsePrefix', s, 'prefix length out of range');
  return { addr, bits };
}

function is4In6(a: GoAddr): boolean {
  return a.family === 6 && a.value >> 32n === 0xffffn;
}

/**
 * k8s.io/apiserver/pkg/cel/library/ip.go `parseIPAddr`: `netip.ParseAddr`, then no zone and no
 * IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, whatever its spelling).
 */
export function k8sParseIp(s: string): GoAddr {
  const addr = goParseAddr(s);
  if (addr.zone !== '') throw new NetParseError(`IP address ${JSON.stringify(s)} with zone value is not allowed`);
  if (is4In6(addr)) throw new NetParseError(`IPv4-mapped IPv6 address ${JSON.stringify(s)} is not allowed`);
  return addr;
}

/**
 * k8s.io/apiserver/pkg/cel/library/cidr.go `parseCIDR`: `netip.ParsePrefix`, then no IPv4-mapped
 * IPv6 address. Host bits may be set (`isCIDR('10.0.0.1/8')` is true; the doc comment's
 * "error, because there are non-0 bits after the prefix" is not what the code does).
 */
export function k8sParseCidr(s: string): GoPrefix {
  const prefix = goParsePrefix(s);
  if (is4In6(prefix.addr)) throw new NetParseError(`IPv4-mapped IPv6 address ${JSON.stringify(s)} is not allowed`);
  return prefix;
}

function succeeds(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (e) {
    if (e instanceof NetParseError) return false;
    throw e;
  }
}

/** CEL `net.IP` (apiserver/pkg/cel/ip.go). */
export class CelIp {
  constructor(readonly addr: GoAddr) {}
}

/** CEL `net.CIDR` (apiserver/pkg/cel/cidr.go). */
export class CelCidr {
  constructor(readonly prefix: GoPrefix) {}
}

/** Go's `Prefix.Contains`: same family, equal leading `bits` bits (host bits of the prefix ignored). */
function prefixContains(p: GoPrefix, ip: GoAddr): boolean {
  if (ip.zone !== '' || p.addr.family !== ip.family) return false;
  const width = ip.family === 4 ? 32 : 128;
  const shift = BigInt(width - p.bits);
  return p.addr.value >> shift === ip.value >> shift;
}

/**
 * The Kubernetes CEL library functions a CRD rule may call, as far as implemented here. From
 * k8s.io/apiserver/pkg/cel/library (kubernetes/kubernetes, staging/src/k8s.io/apiserver):
 * - ip.go: `isIP(string)`, `ip(string)`, `<IP>.family()`;
 * - cidr.go: `isCIDR(string)`, `cidr(string)`, `<CIDR>.containsIP(string | IP)`, `<CIDR>.ip()`,
 *   `<CIDR>.prefixLength()`.
 * Anything else (`url`, `quantity`, `format`, `containsCIDR`, `masked`, the IP predicates ...)
 * is not declared, so a rule calling it fails to compile instead of being silently skipped.
 * Standard CEL (`has`, `size`, `all`, `exists`, `matches`, `startsWith`, ...) is the engine's.
 */
export function kubernetesCelEnvironment(): Environment {
  const { Environment } = celEngine();
  const toIp = (s: string) => new CelIp(k8sParseIp(s));
  return new Environment()
    .registerType('net.IP', CelIp)
    .registerType('net.CIDR', CelCidr)
    .registerVariable('self', 'dyn')
    .registerVariable('oldSelf', 'dyn')
    .registerFunction('isIP(string): bool', (s: string) => succeeds(() => k8sParseIp(s)))
    .registerFunction('ip(string): net.IP', toIp)
    .registerFunction('net.IP.family(): int', (ip: CelIp) => BigInt(ip.addr.family))
    .registerFunction('isCIDR(string): bool', (s: string) => succeeds(() => k8sParseCidr(s)))
    .registerFunction('cidr(string): net.CIDR', (s: string) => new CelCidr(k8sParseCidr(s)))
    .registerFunction('net.CIDR.containsIP(string): bool', (c: CelCidr, s: string) =>
      prefixContains(c.prefix, toIp(s).addr),
    )
    .registerFunction('net.CIDR.containsIP(net.IP): bool', (c: CelCidr, ip: CelIp) => prefixContains(c.prefix, ip.addr))
    .registerFunction('net.CIDR.ip(): net.IP', (c: CelCidr) => new CelIp(c.prefix.addr))
    .registerFunction('net.CIDR.prefixLength(): int', (c: CelCidr) => BigInt(c.prefix.bits));
}

// ---- the CRD's rules ----

/** One `x-kubernetes-validations` entry and where it sits in the schema. */
export interface CelRule {
  /** Schema path of `self`: `spec.networkProfile.podCidr`; `[*]` for list items, `{*}` for map values. */
  readonly path: string;
  readonly rule: string;
  readonly message: string;
  /** Mentions `oldSelf`: runs only on update (a transition rule). */
  readonly transition: boolean;
  /** The compiled rule, or why it does not compile. */
  readonly program?: ParseResult;
  readonly compileError?: string;
}

/** A rule a value breaks. */
export interface CelViolation {
  /** Where in the object: `spec.networkProfile.loadBalancerSourceRanges`. */
  readonly path: string;
  readonly message: string;
  readonly rule: string;
  /** Set when the rule did not evaluate to true but failed (the API server rejects then too). */
  readonly error?: string;
}

/** The openAPIV3Schema of one version of a CRD in ../shared/reference/kamaji/crds. */
export function crdSchema(file: string, version = 'v1alpha1'): Schema {
  const crd = parseYaml(fs.readFileSync(path.join(SHARED_REFERENCE, 'kamaji', 'crds', file), 'utf8'));
  const v = crd.spec.versions.find((x: Schema) => x.name === version);
  if (!v) throw new Error(`${file} has no version ${version}`);
  return v.schema.openAPIV3Schema;
}

function mentionsOldSelf(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(mentionsOldSelf);
  if (typeof node !== 'object' || node === null) return false;
  const n = node as { op?: unknown; args?: unknown };
  if (n.op === 'id' && n.args === 'oldSelf') return true;
  return n.args !== undefined && mentionsOldSelf(n.args);
}

/** Every rule of a schema, compiled (parsed and type-checked) in the Kubernetes environment. */
export class CrdCelRules {
  readonly rules: readonly CelRule[];
  private readonly bySchema = new Map<Schema, CelRule[]>();

  constructor(
    readonly schema: Schema,
    env: Environment = kubernetesCelEnvironment(),
  ) {
    const rules: CelRule[] = [];
    const visit = (node: Schema, at: string) => {
      const own: CelRule[] = [];
      for (const v of (node['x-kubernetes-validations'] ?? []) as Schema[]) {
        const base = { path: at, rule: String(v.rule), message: String(v.message ?? v.rule) };
        let compiled: CelRule;
        try {
          const program = env.parse(base.rule);
          const check = env.check(base.rule);
          compiled = check.valid
            ? { ...base, program, transition: mentionsOldSelf(program.ast) }
            : { ...base, transition: /\boldSelf\b/.test(base.rule), compileError: String(check.error?.message) };
        } catch (e) {
          compiled = { ...base, transition: /\boldSelf\b/.test(base.rule), compileError: (e as Error).message };
        }
        for (const key of ['messageExpression', 'optionalOldSelf']) {
          if (v[key] !== undefined && !compiled.compileError) {
            compiled = { ...compiled, compileError: `${key} is not supported by this evaluator` };
          }
        }
        own.push(compiled);
      }
      if (own.length > 0) this.bySchema.set(node, own);
      rules.push(...own);
      for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, Schema>)) {
        visit(child, at ? `${at}.${key}` : key);
      }
      if (node.items && typeof node.items === 'object') visit(node.items, `${at}[*]`);
      if (node.additionalProperties && typeof node.additionalProperties === 'object') {
        visit(node.additionalProperties, `${at}{*}`);
      }
    };
    visit(schema, '');
    this.rules = rules;
  }

  /**
   * The rules `object` breaks, after the CRD's defaults are applied. With `old`, an update: the
   * transition rules run too, where the old object has a value at the same place.
   */
  violations(object: unknown, old?: unknown): CelViolation[] {
    const out: CelViolation[] = [];
    const now = withDefaults(object, this.schema);
    const before = old === undefined ? undefined : withDefaults(old, this.schema);
    this.walk(now, before, this.schema, '', out);
    return out;
  }

  private walk(value: unknown, old: unknown, schema: Schema, at: string, out: CelViolation[]): void {
    if (value === undefined || value === null) return;
    for (const r of this.bySchema.get(schema) ?? []) {
      if (r.transition && (old === undefined || old === null)) continue;
      if (!r.program) {
        out.push({ path: at, message: r.message, rule: r.rule, error: `does not compile: ${r.compileError}` });
        continue;
      }
      try {
        const ctx: Record<string, unknown> = { self: toCel(value, schema) };
        if (r.transition) ctx.oldSelf = toCel(old, schema);
        const result = r.program(ctx);
        if (result !== true) {
          out.push({
            path: at,
            message: r.message,
            rule: r.rule,
            ...(result === false ? {} : { error: `not a bool: ${String(result)}` }),
          });
        }
      } catch (e) {
        out.push({ path: at, message: r.message, rule: r.rule, error: (e as Error).message.split('\n')[0] });
      }
    }
    if (Array.isArray(value)) {
      // Items of atomic and set lists have no identity: they never correlate with old items.
      if (schema.items) value.forEach((item, i) => this.walk(item, undefined, schema.items, `${at}[${i}]`, out));
      return;
    }
    if (typeof value !== 'object') return;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    const oldObject = isPlainObject(old) ? old : undefined;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childSchema =
        props[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (!childSchema) continue;
      const step = props[key] ? (at ? `${at}.${key}` : key) : `${at}[${JSON.stringify(key)}]`;
      this.walk(child, oldObject?.[key], childSchema, step, out);
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A deep copy built from literals. (Not structuredClone: under jest it makes objects of another
 * realm, whose arrays and objects the engine does not recognize as lists and maps.)
 */
export function jsonCopy<T>(value: T): T {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(jsonCopy(item));
    return out as T;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = jsonCopy(child);
    return out as T;
  }
  return value;
}

/** The API server's structural defaulting, on a copy. */
export function withDefaults(value: unknown, schema: Schema): unknown {
  const copy = jsonCopy(value);
  applyDefaults(copy, schema);
  return copy;
}

function applyDefaults(value: unknown, schema: Schema | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [key, prop] of Object.entries(props)) {
    if (prop.default === undefined) continue;
    if (!(key in value) || (value[key] === null && !prop.nullable)) value[key] = jsonCopy(prop.default);
  }
  for (const [key, child] of Object.entries(value)) {
    const s = props[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    applyDefaults(child, s);
  }
}

/** A JSON value as CEL sees it under its schema: `integer` fields (and unknown whole numbers) are ints. */
export function toCel(value: unknown, schema: Schema | undefined): unknown {
  if (typeof value === 'number') {
    const integral = schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'] || schema?.type === undefined;
    return integral && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(toCel(item, schema?.items));
    return out;
  }
  if (isPlainObject(value)) {
    const props = (schema?.properties ?? {}) as Record<string, Schema>;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined) continue;
      const s =
        props[key] ?? (typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      out[key] = toCel(child, s);
    }
    return out;
  }
  return value;
}
