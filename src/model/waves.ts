/**
 * Deploy waves: stacks grouped so that every stack's dependencies sit in earlier waves. Each wave
 * can run in parallel (one CI job per stack); waves run in order. The wave of a stack is the length
 * of the longest dependency chain below it, so the number of waves does not grow with the number of
 * tenants (platform, datastores, control planes, nodes).
 */
import { Problems } from './errors';

export interface StackNode {
  readonly id: string;
  readonly dependencies: readonly string[];
}

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
  return waves.map((ids) => ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
}
