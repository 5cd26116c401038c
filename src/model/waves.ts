/**
 * Deploy waves: stacks grouped so that every stack's dependencies sit in earlier waves. Each wave
 * can run in parallel (one CI job per stack); waves run in order. The wave of a stack is the length
 * of the longest dependency chain below it, so the number of waves does not grow with the number of
 * tenants (platform, datastores, control planes, nodes).
 *
 * Decommissioned stacks (a tenant or its last pools marked `decommission: true`) are not applied:
 * they are destroyed after the applies, in reverse dependency order (nodes, then control planes).
 */
import { Problems } from './errors';

export interface StackNode {
  readonly id: string;
  readonly dependencies: readonly string[];
  /** The stack is to be destroyed (its cdk.tf.json carries the `kamaji_decommission` local). */
  readonly decommission?: boolean;
}

/**
 * GitHub Actions: "A matrix will generate a maximum of 256 jobs per workflow run"
 * (docs.github.com, workflow syntax, jobs.<job_id>.strategy.matrix). Every matrix of the deploy
 * workflows is a list of batches, so a wave never needs more than this many jobs.
 */
export const GITHUB_MATRIX_LIMIT = 256;

/** Waves of stack ids, each sorted; throws a ValidationError for unknown dependencies or cycles. */
export function deployWaves(stacks: readonly StackNode[], where = 'manifest.json'): string[][] {
  const problems = new Problems(where);
  const byId = new Map(stacks.map((s) => [s.id, s]));
  for (const s of stacks) {
    for (const d of s.dependencies) {
      problems.check(byId.has(d), `stacks.${s.id}.dependencies`, d, 'must name a stack of this synth output');
    }
  }
  problems.throwIfAny();

  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string, chain: string[]): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) {
      problems.add(`stacks.${id}.dependencies`, [...chain, id], 'stack dependencies must not form a cycle');
      return 0;
    }
    visiting.add(id);
    const deps = byId.get(id)!.dependencies;
    const wave = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => visit(d, [...chain, id])));
    visiting.delete(id);
    level.set(id, wave);
    return wave;
  };
  for (const s of stacks) visit(s.id, []);
  problems.throwIfAny();

  const waves: string[][] = [];
  for (const [id, wave] of level) (waves[wave] ??= []).push(id);
  return waves.map((ids) => ids.sort(byText));
}

/** What a deploy does with a synth output: apply waves, then destroy waves. */
export interface DeployPlan {
  /** Waves of the stacks to apply (decommissioned stacks left out). */
  readonly waves: string[][];
  /**
   * Waves of the decommissioned stacks to destroy after the applies, dependents first: a tenant's
   * nodes stack in the first wave, its control-plane stack in the next. Empty when none.
   */
  readonly destroy: string[][];
}

/**
 * Splits a synth output into apply waves (stacks not decommissioned) and destroy waves (the
 * decommissioned ones, in reverse dependency order). A stack that stays may not depend on one that
 * goes: its apply would plan against a stack about to be destroyed.
 */
export function deployPlan(stacks: readonly StackNode[], where = 'manifest.json'): DeployPlan {
  const all = deployWaves(stacks, where); // unknown dependencies and cycles first
  const going = new Set(stacks.filter((s) => s.decommission).map((s) => s.id));
  const problems = new Problems(where);
  for (const s of stacks) {
    if (going.has(s.id)) continue;
    for (const d of s.dependencies) {
      if (going.has(d)) {
        problems.add(
          `stacks.${s.id}.dependencies`,
          d,
          `must not be decommissioned while "${s.id}" stays: decommission "${s.id}" too, or keep "${d}"`,
        );
      }
    }
  }
  problems.throwIfAny();
  const waves = all.map((ids) => ids.filter((id) => !going.has(id))).filter((ids) => ids.length > 0);
  // Destroy order: a stack goes after every decommissioned stack that depends on it.
  const dependents = new Map<string, string[]>();
  for (const s of stacks) {
    if (!going.has(s.id)) continue;
    for (const d of s.dependencies) if (going.has(d)) (dependents.get(d) ?? dependents.set(d, []).get(d)!).push(s.id);
  }
  const destroyLevel = new Map<string, number>();
  const levelOf = (id: string): number => {
    const known = destroyLevel.get(id);
    if (known !== undefined) return known;
    const above = dependents.get(id) ?? [];
    const value = above.length === 0 ? 0 : 1 + Math.max(...above.map(levelOf));
    destroyLevel.set(id, value);
    return value;
  };
  const destroy: string[][] = [];
  for (const id of [...going].sort(byText)) (destroy[levelOf(id)] ??= []).push(id);
  return { waves, destroy: destroy.map((ids) => ids.sort(byText)) };
}

/**
 * Splits waves into batches of at most `batchSize` stacks (one CI matrix job each), raising the size
 * just enough that all waves together need at most `maxJobs` batches: GitHub counts the limit per
 * workflow run, and one deploy run holds every wave. Throws when there are more waves than jobs.
 */
export function batchWaves(
  waves: readonly (readonly string[])[],
  batchSize: number,
  maxJobs = GITHUB_MATRIX_LIMIT,
): string[][][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be >= 1, got ${batchSize}`);
  const nonEmpty = waves.filter((w) => w.length > 0).length;
  if (!Number.isInteger(maxJobs) || maxJobs < nonEmpty) {
    throw new RangeError(`${nonEmpty} waves need at least ${nonEmpty} jobs, the limit is ${maxJobs}`);
  }
  const jobs = (size: number) => waves.reduce((n, w) => n + Math.ceil(w.length / size), 0);
  // The smallest size that fits: jobs() only falls as the size grows, so a binary search finds it.
  let size = batchSize;
  if (jobs(size) > maxJobs) {
    let low = size;
    let high = Math.max(size, ...waves.map((w) => w.length));
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (jobs(mid) <= maxJobs) high = mid;
      else low = mid + 1;
    }
    size = low;
  }
  return waves.map((w) => {
    const out: string[][] = [];
    for (let i = 0; i < w.length; i += size) out.push(w.slice(i, i + size));
    return out;
  });
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
