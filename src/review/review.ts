/**
 * The review of a change: base and head synth outputs in, per-stack resource changes, risk flags, a
 * summary and the stage graph out. Everything is sorted, so the same inputs give the same bytes.
 */
import { Problems } from '../model/errors';
import { DiffSource, ResourceAction, ResourceChange, StackDiff, StackStatus, diffStack } from './diff';
import { isDecommissioned, workerPools } from './facts';
import { RiskFlag, riskFlags } from './flags';
import { GraphNode, renderMermaid } from './mermaid';
import { nodeConfigOf, unifiedDiff } from './node-config';
import { StackPlan, diffFromPlan } from './plan';
import { compareStacks } from './stages';
import { SynthOutput, SynthStack, compareText } from './synth-output';

export interface Counts {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
}

export interface ResourceCounts extends Counts {
  /** Of `changed`, how many are replaced. */
  readonly replaced: number;
}

export interface ReviewSummary {
  readonly tenants: { readonly added: string[]; readonly changed: string[]; readonly removed: string[] };
  readonly stacks: Counts & { readonly unchanged: number };
  readonly resources: ResourceCounts;
}

export interface Review {
  readonly summary: ReviewSummary;
  readonly flags: readonly RiskFlag[];
  /** Every stack of base or head, in report order (platform, datastores, tenants, others). */
  readonly stacks: readonly StackDiff[];
  /** Mermaid flowchart source (no fences). */
  readonly graph: string;
}

/**
 * Reviews head against base. A stack with a plan in `plans` (by stack id) takes its resource changes
 * from Terraform's plan; the others from the synth diff. Node configuration diffs and the facts the
 * flags read (versions, CA source, token delivery, images, pools) come from the synth outputs.
 */
export function review(
  base: SynthOutput,
  head: SynthOutput,
  plans: ReadonlyMap<string, StackPlan> = new Map(),
): Review {
  const problems = new Problems('--plan');
  for (const [id, plan] of plans) {
    if (!head.stacks.has(id)) {
      problems.add(
        `${id}.json`,
        plan.file,
        `names no stack of --head (stacks: ${[...head.stacks.keys()].join(', ') || 'none'}); plan files are <stack id>.json`,
      );
    }
  }
  problems.throwIfAny();
  const ids = [...new Set([...base.stacks.keys(), ...head.stacks.keys()])].sort(compareStacks);
  const stacks = ids.map((id) => {
    const b = base.stacks.get(id);
    const h = head.stacks.get(id);
    const plan = plans.get(id);
    const diff = withNodeConfig(plan ? diffFromPlan(plan, b, h) : diffStack(id, b, h), b, h);
    if (!isDecommissioned(h)) return diff;
    // The marker is a local no resource reads: the stack changes all the same (it is destroyed).
    const status =
      b && !isDecommissioned(b) && diff.status === StackStatus.UNCHANGED ? StackStatus.CHANGED : diff.status;
    return { ...diff, status, decommissioned: true };
  });
  const flags = riskFlags(base, head, stacks);
  const graph = renderMermaid(graphNodes(base, head, stacks, flags));
  return { summary: summarize(stacks), flags, stacks, graph };
}

/** Attaches the public node configuration diff to each changed launch template of a pool. */
function withNodeConfig(diff: StackDiff, base: SynthStack | undefined, head: SynthStack | undefined): StackDiff {
  if (!base || !head) return diff;
  const pools = workerPools(head);
  const resources = diff.resources.map((r): ResourceChange => {
    if (r.type !== 'aws_launch_template') return r;
    if (r.action !== ResourceAction.UPDATE && r.action !== ResourceAction.REPLACE) return r;
    const before = nodeConfigOf(base, r.address);
    const after = nodeConfigOf(head, r.address);
    const lines = before !== undefined && after !== undefined ? unifiedDiff(before, after) : undefined;
    if (!lines) return r;
    const pool = pools.find((p) => p.launchTemplate === r.address)?.name;
    return { ...r, nodeConfig: { ...(pool !== undefined ? { pool } : {}), lines } };
  });
  return { ...diff, resources };
}

/** Stacks whose changes come from a plan, in report order. */
export function plannedStacks(r: Review): string[] {
  return r.stacks.filter((s) => s.source === DiffSource.PLAN).map((s) => s.id);
}

function summarize(stacks: readonly StackDiff[]): ReviewSummary {
  const count = (status: StackStatus) => stacks.filter((s) => s.status === status).length;
  const changes = stacks.flatMap((s) => s.resources);
  const actions = (...a: ResourceAction[]) => changes.filter((c) => a.includes(c.action)).length;
  const tenantStatus = new Map<string, Set<StackStatus>>();
  for (const s of stacks) {
    if (s.tenant === undefined) continue;
    tenantStatus.set(s.tenant, (tenantStatus.get(s.tenant) ?? new Set()).add(s.status));
  }
  const tenants = { added: [] as string[], changed: [] as string[], removed: [] as string[] };
  for (const [tenant, statuses] of [...tenantStatus].sort(([a], [b]) => compareText(a, b))) {
    const all = (st: StackStatus) => [...statuses].every((x) => x === st);
    if (all(StackStatus.ADDED)) tenants.added.push(tenant);
    else if (all(StackStatus.REMOVED)) tenants.removed.push(tenant);
    else if (!all(StackStatus.UNCHANGED)) tenants.changed.push(tenant);
  }
  return {
    tenants,
    stacks: {
      added: count(StackStatus.ADDED),
      changed: count(StackStatus.CHANGED),
      removed: count(StackStatus.REMOVED),
      unchanged: count(StackStatus.UNCHANGED),
    },
    resources: {
      added: actions(ResourceAction.CREATE),
      changed: actions(ResourceAction.UPDATE, ResourceAction.REPLACE),
      removed: actions(ResourceAction.DELETE),
      replaced: actions(ResourceAction.REPLACE),
    },
  };
}

function graphNodes(
  base: SynthOutput,
  head: SynthOutput,
  stacks: readonly StackDiff[],
  flags: readonly RiskFlag[],
): GraphNode[] {
  return stacks.map((s) => {
    const n = (a: ResourceAction) => s.resources.filter((r) => r.action === a).length;
    const replaced = n(ResourceAction.REPLACE);
    const note = `+${n(ResourceAction.CREATE)} ~${n(ResourceAction.UPDATE) + replaced} -${n(ResourceAction.DELETE)}${replaced ? ` (${replaced} replaced)` : ''}`;
    return {
      id: s.id,
      status: s.status,
      dependencies: (head.stacks.get(s.id) ?? base.stacks.get(s.id))?.dependencies ?? [],
      note,
      risks: flags.filter((f) => f.stack === s.id).length,
    };
  });
}
