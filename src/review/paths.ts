/**
 * Attribute paths as a reviewer reads them (`manifest.spec.kubernetes.version`, `tag[1].value`,
 * `data["ca.crt"]`) and the deep comparison that lists the paths that differ.
 */
import { Json, compareText, isObject } from './synth-output';

/** cdktf's per-resource metadata (construct path, unique id): not configuration, never compared. */
const METADATA_KEY = '//';
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const step = PLAIN_KEY.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (!parent) return step;
  return step.startsWith('[') ? `${parent}${step}` : `${parent}.${step}`;
}

/** True when `path` is `prefix` itself or lies below it. */
export function isUnder(path: string, prefix: string): boolean {
  if (path === prefix) return true;
  if (!path.startsWith(prefix)) return false;
  const next = path[prefix.length];
  return next === '.' || next === '[';
}

/** True when one path lies under the other: a change at either touches both. */
export function overlaps(a: string, b: string): boolean {
  return isUnder(a, b) || isUnder(b, a);
}

/**
 * The paths at which `before` and `after` differ, sorted. Objects are compared key by key; lists of
 * equal length element by element; a list that grew or shrank is reported as the list itself (its
 * elements have no identity to match them by).
 */
export function changedPaths(before: Json | undefined, after: Json | undefined, path = ''): string[] {
  const out: string[] = [];
  collect(before, after, path, out);
  return out.sort(compareText);
}

function collect(before: Json | undefined, after: Json | undefined, path: string, out: string[]): void {
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      if (key === METADATA_KEY) continue;
      collect(before[key], after[key], childPath(path, key), out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((item, i) => collect(item, after[i], childPath(path, i), out));
    return;
  }
  if (!sameJson(before, after)) out.push(path);
}

export function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  return canonical(a) === canonical(b);
}

/** JSON with sorted keys and without cdktf metadata: equal configurations give equal text. */
export function canonical(value: Json | undefined): string {
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}

function sortKeys(value: Json | undefined): Json | undefined {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v) as Json);
  if (!isObject(value)) return value;
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(value).sort(compareText)) {
    if (key !== METADATA_KEY) out[key] = sortKeys(value[key]) as Json;
  }
  return out;
}

/** The value at a path built by {@link childPath}, or undefined. */
export function valueAt(root: Json | undefined, path: string): Json | undefined {
  let current: Json | undefined = root;
  const steps = /([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  let m: RegExpExecArray | null;
  while ((m = steps.exec(path)) !== null) {
    if (current === undefined || current === null) return undefined;
    if (m[2] !== undefined) {
      current = Array.isArray(current) ? current[Number(m[2])] : undefined;
    } else {
      const key = m[1] ?? (JSON.parse(m[3]) as string);
      current = isObject(current) ? current[key] : undefined;
    }
  }
  return current;
}
