/**
 * Decommissioning: a tenant (or a pool) leaves the fleet in two reviewed steps.
 *
 * 1. `decommission: true` in the tenants file. A decommissioned tenant's stacks are still
 *    synthesized, with every `prevent_destroy` off and the top-level local
 *    `kamaji_decommission = true`; the deploy destroys them after the applies (nodes, then the
 *    control plane). A decommissioned pool leaves its nodes stack at once (its resources are
 *    destroyed by that stack's apply); when every pool of a tenant is decommissioned, the nodes
 *    stack itself is decommissioned.
 * 2. The entry is dropped from the file. {@link removalProblems} compares the tenants file of the
 *    last successful deploy with the new one and refuses a tenant or pool that disappears without
 *    having been decommissioned there: its stacks or resources would stay deployed, unmanaged.
 */
import { parse } from 'yaml';
import { Problems } from './errors';
import { isMapping } from './shape';

/** The local that marks a stack to destroy (a contract with `stacks` and the review). */
export const DECOMMISSION_LOCAL = 'kamaji_decommission';

/** Tenants and pools of a tenants file, with their decommission flags; tolerant of other content. */
export interface FleetInventory {
  readonly tenants: ReadonlyMap<string, { decommission: boolean; pools: ReadonlyMap<string, boolean> }>;
}

/**
 * Names only, from the raw YAML: the previous file may come from an older release whose other
 * fields this one would judge differently, and only names and flags matter here.
 */
export function fleetInventory(text: string): FleetInventory {
  let data: unknown;
  try {
    data = parse(text);
  } catch {
    data = undefined;
  }
  const tenants = new Map<string, { decommission: boolean; pools: Map<string, boolean> }>();
  const list = isMapping(data) && Array.isArray(data.tenants) ? data.tenants : [];
  for (const t of list) {
    if (!isMapping(t) || typeof t.name !== 'string') continue;
    const pools = new Map<string, boolean>();
    for (const w of Array.isArray(t.workers) ? t.workers : []) {
      if (isMapping(w) && typeof w.name === 'string') pools.set(w.name, w.decommission === true);
    }
    tenants.set(t.name, { decommission: t.decommission === true, pools });
  }
  return { tenants };
}

/**
 * Problems of dropping entries: every tenant or pool of `previous` (the file last deployed) that is
 * gone from `current` without `decommission: true` in `previous`. A tenant decommissioned in
 * `previous` may go with its pools.
 */
export function removalProblems(previous: FleetInventory, current: FleetInventory, problems: Problems): void {
  for (const [name, before] of previous.tenants) {
    const now = current.tenants.get(name);
    if (!now) {
      problems.check(
        before.decommission,
        `tenants.${name}`,
        name,
        'was dropped from the tenants file but the last deployed file did not decommission it: its stacks still exist. ' +
          'Put it back with `decommission: true`, deploy (its nodes and control-plane stacks are destroyed), then drop it',
      );
      continue;
    }
    if (before.decommission) continue;
    for (const [pool, poolDecommissioned] of before.pools) {
      problems.check(
        now.pools.has(pool) || poolDecommissioned,
        `tenants.${name}.workers.${pool}`,
        pool,
        'was dropped from the tenants file but the last deployed file did not decommission it: its nodes still run. ' +
          'Put it back with `decommission: true`, deploy (its resources are destroyed), then drop it',
      );
    }
  }
}
