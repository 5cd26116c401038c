/**
 * The stage graph as a Mermaid flowchart (GitHub renders ```mermaid blocks in comments): platform ->
 * datastores -> tenant control planes -> tenant nodes, each tenant in its own subgraph. Edges come
 * from the dependencies cdktf wrote into manifest.json; a stack that declares none gets its stage's
 * natural parent, so the picture holds for apps that order stacks some other way.
 */
import { StackStatus } from './diff';
import { Stage, compareStacks, placeOf, stageLabel } from './stages';
import { SynthOutput, compareText } from './synth-output';

export interface GraphNode {
  readonly id: string;
  /** Review status; `unchanged` for a graph of one synth output. */
  readonly status: StackStatus;
  readonly dependencies: readonly string[];
  /** A short note under the label (`+3 ~1 -0`). */
  readonly note?: string;
  /** Risk flags raised on this stack. */
  readonly risks?: number;
}

const CLASSES: Record<string, string> = {
  added: 'fill:#dafbe1,stroke:#1a7f37,color:#0d1117',
  changed: 'fill:#fff8c5,stroke:#9a6700,color:#0d1117',
  removed: 'fill:#ffebe9,stroke:#cf222e,color:#0d1117,stroke-dasharray:5 5',
  risk: 'fill:#ffebe9,stroke:#cf222e,stroke-width:3px,color:#0d1117',
};

/** Graph nodes of one synth output (the `graph` command). */
export function nodesOf(output: SynthOutput): GraphNode[] {
  return [...output.stacks.values()].map((s) => ({
    id: s.id,
    status: StackStatus.UNCHANGED,
    dependencies: s.dependencies,
  }));
}

function inferredParent(id: string, present: Set<string>): string | undefined {
  const place = placeOf(id);
  const upstream = present.has('datastores') ? 'datastores' : 'platform';
  switch (place.stage) {
    case Stage.DATASTORES:
      return present.has('platform') ? 'platform' : undefined;
    case Stage.CONTROL_PLANE:
      return present.has(upstream) ? upstream : undefined;
    case Stage.NODES: {
      const cp = `tenant-${place.tenant}-control-plane`;
      return present.has(cp) ? cp : undefined;
    }
    default:
      return undefined;
  }
}

/** A quoted Mermaid label, one line per part (entity codes: a raw quote would end the label). */
function quote(...parts: string[]): string {
  const escape = (text: string) => text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
  return `"${parts.map(escape).join('<br/>')}"`;
}

export function renderMermaid(nodes: readonly GraphNode[]): string {
  const sorted = [...nodes].sort((a, b) => compareStacks(a.id, b.id));
  const key = new Map(sorted.map((n, i) => [n.id, `s${i}`]));
  const present = new Set(sorted.map((n) => n.id));
  const lines = ['flowchart LR'];
  const label = (n: GraphNode) => {
    const place = placeOf(n.id);
    const parts = [n.id, place.tenant !== undefined ? stageLabel(place.stage) : undefined];
    if (n.status !== StackStatus.UNCHANGED) parts.push(n.note ? `${n.status}: ${n.note}` : n.status);
    if (n.risks) parts.push(`${n.risks} risk flag${n.risks === 1 ? '' : 's'}`);
    return quote(...parts.filter((p): p is string => p !== undefined));
  };
  const node = (n: GraphNode) => `${key.get(n.id)}[${label(n)}]`;

  const tenants = [...new Set(sorted.map((n) => placeOf(n.id).tenant).filter((t): t is string => t !== undefined))];
  for (const n of sorted.filter((x) => placeOf(x.id).tenant === undefined)) lines.push(`  ${node(n)}`);
  tenants.forEach((tenant, i) => {
    lines.push(`  subgraph t${i}[${quote(`tenant ${tenant}`)}]`);
    for (const n of sorted.filter((x) => placeOf(x.id).tenant === tenant)) lines.push(`    ${node(n)}`);
    lines.push('  end');
  });

  const edges: string[] = [];
  for (const n of sorted) {
    const declared = n.dependencies.filter((d) => present.has(d));
    const parents = declared.length > 0 ? declared : [inferredParent(n.id, present)].filter((p): p is string => !!p);
    const arrow = n.status === StackStatus.REMOVED ? '-.->' : '-->';
    for (const p of parents) edges.push(`  ${key.get(p)} ${arrow} ${key.get(n.id)}`);
  }
  lines.push(...edges.sort(compareText));

  const byClass = new Map<string, string[]>();
  for (const n of sorted) {
    const cls = n.risks ? 'risk' : n.status === StackStatus.UNCHANGED ? undefined : n.status;
    if (cls) byClass.set(cls, [...(byClass.get(cls) ?? []), key.get(n.id)!]);
  }
  for (const cls of Object.keys(CLASSES)) {
    if (!byClass.has(cls)) continue;
    lines.push(`  classDef ${cls} ${CLASSES[cls]}`);
    lines.push(`  class ${byClass.get(cls)!.join(',')} ${cls}`);
  }
  return lines.join('\n');
}
