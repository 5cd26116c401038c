/**
 * The resource-level diff of one stack between two synth outputs. Resources are matched by address
 * (`type.logicalId`): a renamed construct is a removal plus an addition, exactly as Terraform plans it.
 * Values are rendered for reading and never include a sensitive attribute or a secret-shaped string.
 */
import { changedPaths, childPath, sameJson, valueAt } from './paths';
import { ChangeEffect, effectOf, isSensitivePath, looksSecret } from './rules';
import { StackPlace, placeOf } from './stages';
import { Json, JsonObject, SynthResource, SynthStack, compareText, isObject } from './synth-output';

export enum ResourceAction {
  CREATE = 'create',
  UPDATE = 'update',
  REPLACE = 'replace',
  DELETE = 'delete',
}

export enum StackStatus {
  ADDED = 'added',
  CHANGED = 'changed',
  UNCHANGED = 'unchanged',
  REMOVED = 'removed',
}

/** Printed instead of any value that comes from a sensitive attribute or looks like a secret. */
export const REDACTED = '(sensitive)';

export interface AttributeChange {
  readonly path: string;
  /** The value before, rendered (undefined when the attribute was not set). */
  readonly before?: string;
  readonly after?: string;
  /** Set when this change replaces the resource or is refused by the API. */
  readonly effect?: ChangeEffect;
  readonly reason?: string;
  /**
   * Set when the attribute's text is the same on both sides but reads a stack local whose value
   * changed (`local.PoolGeneral_UserData_...`): the values shown are the local's.
   */
  readonly via?: string;
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly action: ResourceAction;
  /** Changed attributes (updates and replacements only), sorted by path. */
  readonly attributes: readonly AttributeChange[];
  /** Why Terraform chose the action (a plan's `action_reason`, e.g. `replace_because_tainted`). */
  readonly actionReason?: string;
  /** For a pool's launch template: the public node configuration diff (see node-config.ts). */
  readonly nodeConfig?: NodeConfigDiff;
}

/** The change of a worker pool's cloud-config, apply-time values as placeholders. */
export interface NodeConfigDiff {
  /** The pool's name, when the launch template belongs to a known pool. */
  readonly pool?: string;
  /** Unified diff lines (`@@`, ` `, `-`, `+`). */
  readonly lines: readonly string[];
}

/** Where a stack's resource changes come from. */
export enum DiffSource {
  /** Two synth outputs compared: configuration only, replacements from src/review/rules.ts. */
  SYNTH = 'synth',
  /** `terraform show -json` of a saved plan: Terraform's own actions against real state. */
  PLAN = 'plan',
}

export interface StackDiff extends StackPlace {
  readonly id: string;
  readonly status: StackStatus;
  readonly source: DiffSource;
  /** The head marks the stack `kamaji_decommission`: the pipeline destroys it instead of applying it. */
  readonly decommissioned?: boolean;
  /** Changes sorted by address; unchanged resources are left out. */
  readonly resources: readonly ResourceChange[];
}

export function diffStack(id: string, base: SynthStack | undefined, head: SynthStack | undefined): StackDiff {
  const addresses = new Set([...(base?.resources.keys() ?? []), ...(head?.resources.keys() ?? [])]);
  const resources: ResourceChange[] = [];
  const locals = base && head ? localChanges(base.locals, head.locals) : undefined;
  for (const address of [...addresses].sort()) {
    const change = diffResource(base?.resources.get(address), head?.resources.get(address), locals);
    if (change) resources.push(change);
  }
  const status = !base
    ? StackStatus.ADDED
    : !head
      ? StackStatus.REMOVED
      : resources.length > 0
        ? StackStatus.CHANGED
        : StackStatus.UNCHANGED;
  return { id, ...placeOf(id), status, source: DiffSource.SYNTH, resources };
}

/**
 * The stack locals of both sides and the names of those whose value differs. cdktf constructs keep
 * large texts in locals (AwsWorkerPool's user data is `${base64encode(local.<Pool>_UserData_...)}`),
 * so a resource whose own text is unchanged still changes when a local it reads does.
 */
export interface LocalChanges {
  readonly before: JsonObject;
  readonly after: JsonObject;
  readonly changed: ReadonlySet<string>;
}

const LOCAL_REF = /\blocal\.([A-Za-z0-9_-]+)/g;

/** Names of the locals a value reads (in any string inside it). */
function localsReadBy(value: Json | undefined): string[] {
  if (typeof value === 'string') return [...value.matchAll(LOCAL_REF)].map((m) => m[1]);
  if (Array.isArray(value)) return value.flatMap(localsReadBy);
  if (isObject(value)) return Object.values(value).flatMap(localsReadBy);
  return [];
}

/** Which locals change, directly or through another local they read. */
export function localChanges(before: JsonObject, after: JsonObject): LocalChanges {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compareText);
  const changed = new Set(names.filter((n) => !sameJson(before[n], after[n])));
  for (let grew = true; grew;) {
    grew = false;
    for (const n of names) {
      if (changed.has(n)) continue;
      if ([...localsReadBy(before[n]), ...localsReadBy(after[n])].some((r) => changed.has(r))) {
        changed.add(n);
        grew = true;
      }
    }
  }
  return { before, after, changed };
}

/** Paths of the strings in `value` that read a changed local, with the changed locals they read. */
function pathsReadingChangedLocals(
  value: Json | undefined,
  changed: ReadonlySet<string>,
  path = '',
  out: [string, string[]][] = [],
): [string, string[]][] {
  if (typeof value === 'string') {
    const read = [...new Set(localsReadBy(value))].filter((n) => changed.has(n)).sort(compareText);
    if (read.length > 0) out.push([path, read]);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => pathsReadingChangedLocals(item, changed, childPath(path, i), out));
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key !== '//') pathsReadingChangedLocals(item, changed, childPath(path, key), out);
    }
  }
  return out;
}

export function diffResource(
  before: SynthResource | undefined,
  after: SynthResource | undefined,
  locals?: LocalChanges,
): ResourceChange | undefined {
  const some = (after ?? before)!;
  if (!before) return { address: some.address, type: some.type, action: ResourceAction.CREATE, attributes: [] };
  if (!after) return { address: some.address, type: some.type, action: ResourceAction.DELETE, attributes: [] };
  const paths = changedPaths(before.config, after.config);
  const through = new Map<string, string[]>();
  if (locals && locals.changed.size > 0) {
    for (const [path, read] of pathsReadingChangedLocals(after.config, locals.changed)) {
      // Same text on both sides: only the local behind it changed (a changed text is listed already).
      if (sameJson(valueAt(before.config, path), valueAt(after.config, path))) through.set(path, read);
    }
  }
  if (paths.length === 0 && through.size === 0) return undefined;
  const attributes = [...paths, ...through.keys()].sort(compareText).map((path): AttributeChange => {
    const rule = effectOf(after.type, after.config, path) ?? effectOf(before.type, before.config, path);
    const sensitive =
      isSensitivePath(after.type, after.config, path) || isSensitivePath(before.type, before.config, path);
    const read = through.get(path);
    // One local behind the attribute: show its values, which is what changes.
    const only = read?.length === 1 && locals ? read[0] : undefined;
    return {
      path,
      before: render(only !== undefined ? locals!.before[only] : valueAt(before.config, path), sensitive),
      after: render(only !== undefined ? locals!.after[only] : valueAt(after.config, path), sensitive),
      ...(rule ? { effect: rule.effect, reason: rule.reason } : {}),
      ...(read ? { via: read.map((n) => `local.${n}`).join(', ') } : {}),
    };
  });
  const replaced = attributes.some((a) => a.effect === ChangeEffect.REPLACE);
  return {
    address: after.address,
    type: after.type,
    action: replaced ? ResourceAction.REPLACE : ResourceAction.UPDATE,
    attributes,
  };
}

const MAX_VALUE = 80;

/**
 * A short, safe rendering: scalars as JSON (shortened), structures by their size only (their contents
 * are listed as separate paths when both sides have the same shape).
 */
export function render(value: Json | undefined, sensitive: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (sensitive || looksSecret(value)) return REDACTED;
  if (Array.isArray(value)) return `(list of ${value.length})`;
  if (value !== null && typeof value === 'object') return `(object of ${Object.keys(value).length})`;
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 3)}...` : text;
}
