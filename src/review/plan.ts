/**
 * Plan-based review: per stack, the JSON of a saved plan (`terraform plan -out tfplan` then
 * `terraform show -json tfplan > <DIR>/<stack id>.json`) turned into the same StackDiff the synth diff
 * produces, so the report and the risk flags come from Terraform's real actions. Format: Terraform's
 * "JSON Output Format" (https://developer.hashicorp.com/terraform/internals/json-format, source
 * hashicorp/terraform website/docs/internals/json-format.mdx): `format_version` (a major other than 1
 * is to be rejected, unknown properties ignored), `resource_changes[]` with `address`, `mode`, `type`,
 * `deposed`, `action_reason` and `change` = { `actions`, `before`, `after`, `after_unknown`,
 * `before_sensitive`, `after_sensitive`, `replace_paths` }. Valid `actions`: ["no-op"], ["create"],
 * ["read"], ["update"], ["delete","create"], ["create","delete"], ["delete"]; the docs advise
 * scanning for "delete" to catch every deletion.
 *
 * Values a plan marks sensitive (`before_sensitive`/`after_sensitive`), or that the review's own rules
 * call sensitive (rules.ts), or that look like a secret, are never rendered.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Problems } from '../model/errors';
import { AttributeChange, DiffSource, ResourceAction, ResourceChange, StackDiff, StackStatus, render } from './diff';
import { changedPaths, childPath, overlaps, valueAt } from './paths';
import { ChangeEffect, effectOf, isSensitivePath } from './rules';
import { placeOf } from './stages';
import { Json, JsonObject, SynthStack, compareText, isObject } from './synth-output';

/** Printed for a value Terraform knows only after apply. */
export const KNOWN_AFTER_APPLY = '(known after apply)';

/** One stack's plan, as read from `<stack id>.json`. */
export interface StackPlan {
  readonly stack: string;
  readonly file: string;
  readonly changes: readonly PlannedChange[];
}

export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly actions: readonly string[];
  readonly actionReason?: string;
  readonly before: Json | undefined;
  readonly after: Json | undefined;
  readonly afterUnknown: Json | undefined;
  readonly beforeSensitive: Json | undefined;
  readonly afterSensitive: Json | undefined;
  readonly replacePaths: readonly string[];
}

const ACTIONS = ['no-op', 'create', 'read', 'update', 'delete'];
const HOW = 'write it with `terraform show -json PLANFILE > DIR/<stack id>.json` (Terraform JSON output format 1.x)';

/**
 * Reads every `<stack id>.json` in `dir`. All problems of all files are reported at once, each with
 * the file and the field; a file that is not a plan is refused, never half-read.
 */
export function readPlans(dir: string, label = '--plan'): Map<string, StackPlan> {
  const problems = new Problems(label);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    problems.add(label, dir, 'must be a folder of plan JSON files, one <stack id>.json per stack');
    problems.throwIfAny();
    return new Map();
  }
  const plans = new Map<string, StackPlan>();
  for (const name of names.sort(compareText)) {
    const plan = parsePlan(path.join(dir, name), name, problems);
    if (plan) plans.set(plan.stack, plan);
  }
  problems.throwIfAny();
  return plans;
}

function parsePlan(file: string, name: string, problems: Problems): StackPlan | undefined {
  let json: Json;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  } catch (e) {
    problems.add(name, file, `must be valid JSON (${e instanceof Error ? e.message : String(e)}); ${HOW}`);
    return undefined;
  }
  if (!isObject(json)) {
    problems.add(name, typeof json, `must be a JSON object; ${HOW}`);
    return undefined;
  }
  const version = json.format_version;
  if (typeof version !== 'string' || !/^1\.\d+$/.test(version)) {
    problems.add(`${name}#format_version`, version, `must be "1.x" (the only major version this review reads); ${HOW}`);
    return undefined;
  }
  // A plan with no changes at all may leave resource_changes out; a state file has no such key but
  // has `values` and no `planned_values`.
  if (json.resource_changes === undefined && !isObject(json.planned_values)) {
    problems.add(`${name}#resource_changes`, undefined, `is missing: this is not a plan (a state file?); ${HOW}`);
    return undefined;
  }
  const list = json.resource_changes ?? [];
  if (!Array.isArray(list)) {
    problems.add(`${name}#resource_changes`, list, 'must be a list of resource changes');
    return undefined;
  }
  const changes: PlannedChange[] = [];
  list.forEach((rc, i) => {
    const field = `${name}#resource_changes[${i}]`;
    const change = isObject(rc) ? parseChange(rc, field, problems) : undefined;
    if (!isObject(rc)) problems.add(field, rc, 'must be an object');
    if (change) changes.push(change);
  });
  return { stack: name.replace(/\.json$/, ''), file, changes };
}

function parseChange(rc: JsonObject, field: string, problems: Problems): PlannedChange | undefined {
  const before = problems.all.length;
  const address = rc.address;
  const type = rc.type;
  if (typeof address !== 'string' || address === '') problems.add(`${field}.address`, address, 'must be a string');
  if (typeof type !== 'string' || type === '') problems.add(`${field}.type`, type, 'must be a string');
  const change = rc.change;
  if (!isObject(change)) {
    problems.add(`${field}.change`, change, 'must be an object with actions, before and after');
    return undefined;
  }
  const actions = change.actions;
  if (!Array.isArray(actions) || actions.length === 0 || !actions.every((a) => typeof a === 'string')) {
    problems.add(`${field}.change.actions`, actions, `must be a non-empty list of actions (${ACTIONS.join(', ')})`);
  }
  const replacePaths = change.replace_paths ?? [];
  if (!Array.isArray(replacePaths) || !replacePaths.every(isPathSteps)) {
    problems.add(`${field}.change.replace_paths`, replacePaths, 'must be a list of paths (lists of names and indexes)');
  }
  if (problems.all.length > before || typeof address !== 'string' || typeof type !== 'string') return undefined;
  // Data sources are read, never changed; the review lists managed resources only.
  if (rc.mode === 'data') return undefined;
  const deposed = typeof rc.deposed === 'string' ? ` (deposed ${rc.deposed})` : '';
  return {
    address: `${address}${deposed}`,
    type,
    actions: actions as string[],
    ...(typeof rc.action_reason === 'string' ? { actionReason: rc.action_reason } : {}),
    before: change.before ?? undefined,
    after: change.after ?? undefined,
    afterUnknown: change.after_unknown,
    beforeSensitive: change.before_sensitive,
    afterSensitive: change.after_sensitive,
    replacePaths: (replacePaths as Json[][]).map((steps) =>
      steps.reduce<string>((p, s) => childPath(p, s as string | number), ''),
    ),
  };
}

function isPathSteps(value: Json): boolean {
  return Array.isArray(value) && value.length > 0 && value.every((s) => typeof s === 'string' || typeof s === 'number');
}

/** The review's action for a plan's action list; undefined for no-op, read and unknown lists. */
export function actionOf(actions: readonly string[]): ResourceAction | undefined {
  const has = (a: string) => actions.includes(a);
  if (has('delete') && has('create')) return ResourceAction.REPLACE;
  if (has('delete')) return ResourceAction.DELETE;
  if (has('create')) return ResourceAction.CREATE;
  if (has('update')) return ResourceAction.UPDATE;
  return undefined;
}

const UNKNOWN = '\u0000unknown';

/** `after` with every value `after_unknown` marks replaced by a marker, so unknowns show as changes. */
function withUnknowns(after: Json | undefined, unknown: Json | undefined): Json | undefined {
  if (unknown === true) return UNKNOWN;
  if (Array.isArray(unknown)) {
    const list = Array.isArray(after) ? [...after] : [];
    unknown.forEach((u, i) => {
      if (u !== false && u !== null) list[i] = withUnknowns(list[i], u) as Json;
    });
    return list;
  }
  if (isObject(unknown)) {
    const obj: JsonObject = isObject(after) ? { ...after } : {};
    for (const [k, u] of Object.entries(unknown)) obj[k] = withUnknowns(obj[k], u) as Json;
    return obj;
  }
  return after;
}

/** True when a sensitivity mask marks the value at `p`, one of its parents, or anything inside it. */
export function markedSensitive(mask: Json | undefined, p: string): boolean {
  if (mask === true) return true;
  const steps = [...p.matchAll(/[A-Za-z_][A-Za-z0-9_-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\]/g)].map((m) => m[0]);
  let prefix = '';
  for (const step of steps) {
    prefix = step.startsWith('[') ? `${prefix}${step}` : prefix ? `${prefix}.${step}` : step;
    if (valueAt(mask, prefix) === true) return true;
  }
  return containsTrue(valueAt(mask, p));
}

function containsTrue(value: Json | undefined): boolean {
  if (value === true) return true;
  if (Array.isArray(value)) return value.some(containsTrue);
  if (isObject(value)) return Object.values(value).some(containsTrue);
  return false;
}

function renderPlanned(value: Json | undefined, sensitive: boolean): string | undefined {
  if (value === UNKNOWN) return KNOWN_AFTER_APPLY;
  return render(value, sensitive);
}

function plannedChange(c: PlannedChange, action: ResourceAction): ResourceChange {
  const base = {
    address: c.address,
    type: c.type,
    action,
    ...(c.actionReason ? { actionReason: c.actionReason } : {}),
  };
  if (action !== ResourceAction.UPDATE && action !== ResourceAction.REPLACE) return { ...base, attributes: [] };
  const after = withUnknowns(c.after, c.afterUnknown);
  const paths = new Set(changedPaths(c.before, after));
  // A replacement path that is not itself a changed leaf (a whole block) is still listed.
  for (const p of c.replacePaths) if (![...paths].some((q) => overlaps(p, q))) paths.add(p);
  const config = (isObject(c.after) ? c.after : isObject(c.before) ? c.before : {}) as JsonObject;
  const attributes = [...paths].sort(compareText).map((p): AttributeChange => {
    const sensitive =
      markedSensitive(c.beforeSensitive, p) ||
      markedSensitive(c.afterSensitive, p) ||
      isSensitivePath(c.type, config, p) ||
      (isObject(c.before) && isSensitivePath(c.type, c.before, p));
    const replaced = c.replacePaths.find((r) => overlaps(p, r));
    // The CRD's immutable fields (rules.ts): the API refuses them; Terraform's plan cannot know.
    const rule = effectOf(c.type, config, p);
    const rejected = rule?.effect === ChangeEffect.REJECTED ? rule : undefined;
    return {
      path: p,
      before: renderPlanned(valueAt(c.before, p), sensitive),
      after: renderPlanned(valueAt(after, p), sensitive),
      ...(replaced
        ? { effect: ChangeEffect.REPLACE, reason: `${replaced} forces replacement (plan)` }
        : rejected
          ? { effect: rejected.effect, reason: rejected.reason }
          : {}),
    };
  });
  return { ...base, attributes };
}

/**
 * A stack's diff from its plan. `base`/`head` are the synth outputs' stacks (for the status only: a
 * stack in no base synth output is added).
 */
export function diffFromPlan(plan: StackPlan, base: SynthStack | undefined, head: SynthStack | undefined): StackDiff {
  const resources: ResourceChange[] = [];
  for (const c of plan.changes) {
    const action = actionOf(c.actions);
    if (action) resources.push(plannedChange(c, action));
  }
  resources.sort((a, b) => compareText(a.address, b.address));
  const status = !base
    ? StackStatus.ADDED
    : !head
      ? StackStatus.REMOVED
      : resources.length > 0
        ? StackStatus.CHANGED
        : StackStatus.UNCHANGED;
  return { id: plan.stack, ...placeOf(plan.stack), status, source: DiffSource.PLAN, resources };
}
