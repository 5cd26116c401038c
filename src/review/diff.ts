/**
 * The resource-level diff of one stack between two synth outputs. Resources are matched by address
 * (`type.logicalId`): a renamed construct is a removal plus an addition, exactly as Terraform plans it.
 * Values are rendered for reading and never include a sensitive attribute or a secret-shaped string.
 */
import { changedPaths, valueAt } from './paths';
import { ChangeEffect, effectOf, isSensitivePath, looksSecret } from './rules';
import { StackPlace, placeOf } from './stages';
import { Json, SynthResource, SynthStack } from './synth-output';

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
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly action: ResourceAction;
  /** Changed attributes (updates and replacements only), sorted by path. */
  readonly attributes: readonly AttributeChange[];
}

export interface StackDiff extends StackPlace {
  readonly id: string;
  readonly status: StackStatus;
  /** Changes sorted by address; unchanged resources are left out. */
  readonly resources: readonly ResourceChange[];
}

export function diffStack(id: string, base: SynthStack | undefined, head: SynthStack | undefined): StackDiff {
  const addresses = new Set([...(base?.resources.keys() ?? []), ...(head?.resources.keys() ?? [])]);
  const resources: ResourceChange[] = [];
  for (const address of [...addresses].sort()) {
    const change = diffResource(base?.resources.get(address), head?.resources.get(address));
    if (change) resources.push(change);
  }
  const status = !base
    ? StackStatus.ADDED
    : !head
      ? StackStatus.REMOVED
      : resources.length > 0
        ? StackStatus.CHANGED
        : StackStatus.UNCHANGED;
  return { id, ...placeOf(id), status, resources };
}

export function diffResource(
  before: SynthResource | undefined,
  after: SynthResource | undefined,
): ResourceChange | undefined {
  const some = (after ?? before)!;
  if (!before) return { address: some.address, type: some.type, action: ResourceAction.CREATE, attributes: [] };
  if (!after) return { address: some.address, type: some.type, action: ResourceAction.DELETE, attributes: [] };
  const paths = changedPaths(before.config, after.config);
  if (paths.length === 0) return undefined;
  const attributes = paths.map((path) => {
    const rule = effectOf(after.type, after.config, path) ?? effectOf(before.type, before.config, path);
    const sensitive =
      isSensitivePath(after.type, after.config, path) || isSensitivePath(before.type, before.config, path);
    return {
      path,
      before: render(valueAt(before.config, path), sensitive),
      after: render(valueAt(after.config, path), sensitive),
      ...(rule ? { effect: rule.effect, reason: rule.reason } : {}),
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
