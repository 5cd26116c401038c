/**
 * Running Terraform over a synth output in wave order, the way the CI deploy does, for operators
 * working from their own machine: which commands, in which order, which may run at once.
 */
import { deployPlan, deployWaves, StackNode } from './waves';

export type FleetAction = 'plan' | 'apply' | 'destroy' | 'drift';
export const FLEET_ACTIONS: readonly FleetAction[] = ['plan', 'apply', 'destroy', 'drift'];

/** One stack's Terraform invocations (init, then the action), run in order. */
export interface StackStep {
  readonly stack: string;
  /** What the step does to the stack: `destroy` for decommissioned stacks during `apply`. */
  readonly action: 'plan' | 'apply' | 'destroy' | 'drift';
  readonly commands: readonly (readonly string[])[];
}

/** Steps in phases: phases run in order, the steps of a phase may run at once. */
export type FleetRun = StackStep[][];

/**
 * The phases of an action:
 * - `plan`, `drift`: the apply waves (drift: `plan -detailed-exitcode`: 0 no changes, 1 error, 2 changes;
 *   developer.hashicorp.com/terraform/cli/commands/plan);
 * - `apply`: the apply waves, then the decommissioned stacks destroyed (nodes first);
 * - `destroy`: every stack, the waves in reverse (nodes, control planes, datastores, platform).
 */
export function fleetRun(action: FleetAction, stacks: readonly StackNode[], outDir: string): FleetRun {
  const plan = deployPlan(stacks);
  const dir = (stack: string) => `-chdir=${outDir.replace(/\/+$/, '')}/stacks/${stack}`;
  const step = (stack: string, what: StackStep['action']): StackStep => {
    const args: Record<StackStep['action'], string[]> = {
      plan: ['plan', '-input=false'],
      drift: ['plan', '-input=false', '-detailed-exitcode'],
      apply: ['apply', '-input=false', '-auto-approve'],
      destroy: ['destroy', '-input=false', '-auto-approve'],
    };
    return {
      stack,
      action: what,
      commands: [
        ['terraform', dir(stack), 'init', '-input=false'],
        ['terraform', dir(stack), ...args[what]],
      ],
    };
  };
  const phases = (waves: string[][], what: StackStep['action']) => waves.map((ids) => ids.map((id) => step(id, what)));
  switch (action) {
    case 'plan':
    case 'drift':
      return phases(plan.waves, action);
    case 'apply':
      return [...phases(plan.waves, 'apply'), ...phases(plan.destroy, 'destroy')];
    case 'destroy':
      // Everything goes, dependents first: the dependency waves of every stack, reversed.
      return phases([...deployWaves(stacks)].reverse(), 'destroy');
  }
}

/** A command line for people (and dry runs): arguments quoted only where the shell needs it. */
export function shellLine(command: readonly string[]): string {
  return command.map((a) => (/^[A-Za-z0-9_./=:@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
