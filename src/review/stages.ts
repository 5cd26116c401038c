/**
 * Which stage (DESIGN.md section 1) and tenant a stack belongs to, read from its id:
 * `platform`, `datastores`, `tenant-<name>-control-plane`, `tenant-<name>-nodes`. Anything else is
 * `other`, so a user's own stacks still appear in the review.
 */
import { compareText } from './synth-output';

export enum Stage {
  PLATFORM = 'platform',
  DATASTORES = 'datastores',
  CONTROL_PLANE = 'control-plane',
  NODES = 'nodes',
  OTHER = 'other',
}

export interface StackPlace {
  readonly stage: Stage;
  /** The tenant's name for control-plane and nodes stacks. */
  readonly tenant?: string;
}

const TENANT_STACK = /^tenant-(.+)-(control-plane|nodes)$/;

export function placeOf(stackId: string): StackPlace {
  if (stackId === 'platform') return { stage: Stage.PLATFORM };
  if (stackId === 'datastores') return { stage: Stage.DATASTORES };
  const m = TENANT_STACK.exec(stackId);
  if (m) return { stage: m[2] === 'nodes' ? Stage.NODES : Stage.CONTROL_PLANE, tenant: m[1] };
  return { stage: Stage.OTHER };
}

const STAGE_ORDER = [Stage.PLATFORM, Stage.DATASTORES, Stage.CONTROL_PLANE, Stage.NODES, Stage.OTHER];

/** Report order: platform, datastores, then tenants by name (control plane before nodes), then others. */
export function compareStacks(a: string, b: string): number {
  const pa = placeOf(a);
  const pb = placeOf(b);
  const group = (p: StackPlace) =>
    p.tenant !== undefined ? 2 : p.stage === Stage.OTHER ? 3 : STAGE_ORDER.indexOf(p.stage) === 0 ? 0 : 1;
  return (
    group(pa) - group(pb) ||
    compareText(pa.tenant ?? '', pb.tenant ?? '') ||
    STAGE_ORDER.indexOf(pa.stage) - STAGE_ORDER.indexOf(pb.stage) ||
    compareText(a, b)
  );
}

export function stageLabel(stage: Stage): string {
  switch (stage) {
    case Stage.PLATFORM:
      return 'platform';
    case Stage.DATASTORES:
      return 'datastores';
    case Stage.CONTROL_PLANE:
      return 'control plane';
    case Stage.NODES:
      return 'nodes';
    default:
      return 'other';
  }
}
