/**
 * A small description language for YAML/JSON input shapes. One description gives both the structural
 * check (types, required keys, unknown keys with a "did you mean" hint) and the JSON Schema shipped
 * for editors, so the two cannot drift apart.
 */
import { Problems } from './errors';

export type Shape =
  | { readonly kind: 'string'; readonly description?: string; readonly enum?: readonly string[] }
  | { readonly kind: 'integer'; readonly description?: string; readonly minimum?: number; readonly maximum?: number }
  | { readonly kind: 'boolean'; readonly description?: string }
  | { readonly kind: 'array'; readonly description?: string; readonly items: Shape }
  | {
      readonly kind: 'object';
      readonly description?: string;
      readonly properties: Readonly<Record<string, Shape>>;
      readonly required?: readonly string[];
    }
  | { readonly kind: 'map'; readonly description?: string; readonly values: Shape }
  | { readonly kind: 'any'; readonly description?: string };

export const str = (description?: string, values?: readonly string[]): Shape => ({
  kind: 'string',
  description,
  enum: values,
});
export const int = (description?: string, minimum?: number, maximum?: number): Shape => ({
  kind: 'integer',
  description,
  minimum,
  maximum,
});
export const bool = (description?: string): Shape => ({ kind: 'boolean', description });
export const list = (items: Shape, description?: string): Shape => ({ kind: 'array', items, description });
export const map = (values: Shape, description?: string): Shape => ({ kind: 'map', values, description });
export const obj = (
  properties: Record<string, Shape>,
  required: readonly string[] = [],
  description?: string,
): Shape => ({ kind: 'object', properties, required, description });
export const anything = (description?: string): Shape => ({ kind: 'any', description });

/** A path into a document: keys and indexes. */
export type DocPath = readonly (string | number)[];

/** `tenants[1].workers[0].maxSize` */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

/** Where a path sits in the source file (line and column, 1-based), if known. */
export type Locate = (path: DocPath) => { line: number; column: number } | undefined;

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/** Structural check of `value` against `shape`; reports into `problems` with file positions. */
export function checkShape(value: unknown, shape: Shape, path: DocPath, problems: Problems, locate: Locate): void {
  const report = (rule: string, at: DocPath = path, shown: unknown = value) =>
    problems.add(formatPath(at), shown, rule, locate(at));
  const missing = (at: DocPath) => problems.add(formatPath(at), undefined, 'is required', locate(at));
  switch (shape.kind) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') return report(`must be a string, not ${typeName(value)}`);
      if (shape.enum && !shape.enum.includes(value)) {
        return report(
          `must be one of ${shape.enum.map((v) => JSON.stringify(v)).join(', ')}${hint(value, shape.enum)}`,
        );
      }
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        return report(`must be a whole number, not ${typeName(value)}`);
      }
      if (
        (shape.minimum !== undefined && value < shape.minimum) ||
        (shape.maximum !== undefined && value > shape.maximum)
      ) {
        return report(`must be from ${shape.minimum ?? '-inf'} to ${shape.maximum ?? 'inf'}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') return report(`must be true or false, not ${typeName(value)}`);
      return;
    case 'array':
      if (!Array.isArray(value)) return report(`must be a list, not ${typeName(value)}`);
      value.forEach((item, i) => checkShape(item, shape.items, [...path, i], problems, locate));
      return;
    case 'map':
      if (!isMapping(value)) return report(`must be a mapping, not ${typeName(value)}`);
      for (const [key, item] of Object.entries(value)) checkShape(item, shape.values, [...path, key], problems, locate);
      return;
    case 'object': {
      if (!isMapping(value)) return report(`must be a mapping, not ${typeName(value)}`);
      const allowed = Object.keys(shape.properties);
      for (const key of Object.keys(value)) {
        if (!(key in shape.properties)) {
          report(`unknown key "${key}"${hint(key, allowed)}; allowed keys: ${allowed.join(', ')}`, [...path, key], key);
        }
      }
      for (const key of shape.required ?? []) {
        if (value[key] === undefined) missing([...path, key]);
      }
      for (const [key, sub] of Object.entries(shape.properties)) {
        if (value[key] !== undefined) checkShape(value[key], sub, [...path, key], problems, locate);
      }
      return;
    }
  }
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ` (did you mean "x"?)` when a close candidate exists. */
export function hint(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3))
    ? ` (did you mean "${best}"?)`
    : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The JSON Schema (draft 2020-12) of a shape. */
export function toJsonSchema(shape: Shape): Record<string, unknown> {
  const describe = (s: Record<string, unknown>) => (shape.description ? { description: shape.description, ...s } : s);
  switch (shape.kind) {
    case 'any':
      return describe({});
    case 'string':
      return describe(shape.enum ? { type: 'string', enum: [...shape.enum] } : { type: 'string' });
    case 'integer':
      return describe({
        type: 'integer',
        ...(shape.minimum !== undefined ? { minimum: shape.minimum } : {}),
        ...(shape.maximum !== undefined ? { maximum: shape.maximum } : {}),
      });
    case 'boolean':
      return describe({ type: 'boolean' });
    case 'array':
      return describe({ type: 'array', items: toJsonSchema(shape.items) });
    case 'map':
      return describe({ type: 'object', additionalProperties: toJsonSchema(shape.values) });
    case 'object':
      return describe({
        type: 'object',
        properties: Object.fromEntries(Object.entries(shape.properties).map(([k, v]) => [k, toJsonSchema(v)])),
        ...(shape.required?.length ? { required: [...shape.required] } : {}),
        additionalProperties: false,
      });
  }
}
