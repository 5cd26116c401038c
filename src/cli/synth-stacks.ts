/** The stacks of a synth output as dependency nodes, decommission marks included (stacks, run). */
import { DECOMMISSION_LOCAL } from '../model/decommission';
import { StackNode } from '../model/waves';
import { readSynthOutput } from '../review/synth-output';

export function synthStackNodes(dir: string): StackNode[] {
  return [...readSynthOutput(dir).stacks.values()].map((s) => ({
    id: s.id,
    dependencies: s.dependencies,
    decommission: s.locals[DECOMMISSION_LOCAL] === true,
  }));
}
