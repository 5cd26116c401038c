/**
 * Risk flags: changes a reviewer must not miss, each with the tenant it hits and a one-line reason.
 * Each detector compares a tenant's base and head facts (or a stack's diff) and returns its flags.
 */
import { formatVersion, parseVersion, skewProblem, upgradeProblem, compareVersions } from '../model/versions';
import { DiffSource, ResourceAction, ResourceChange, StackDiff } from './diff';
import {
  TenantControlPlaneFacts,
  WorkerPoolFacts,
  caSource,
  changesCa,
  imageByLaunchTemplate,
  isCaResource,
  isDecommissioned,
  kubeletVersions,
  tenantControlPlanes,
  tokenDelivery,
  tokenDeliveryByLaunchTemplate,
  withoutFilePaths,
  workerPools,
} from './facts';
import { isUnder, sameJson, valueAt } from './paths';
import { SynthOutput, SynthStack, compareText } from './synth-output';

export enum RiskKind {
  /** A stack left the app without being decommissioned first: the deploy refuses it. */
  STACK_REMOVED = 'stack-removed',
  /** A tenant newly marked `decommission: true`: the pipeline destroys its stacks. */
  TENANT_DECOMMISSIONED = 'tenant-decommissioned',
  /** A stack that was marked for decommission left the app: the decommission is complete. */
  DECOMMISSION_COMPLETED = 'decommission-completed',
  CONTROL_PLANE_REMOVED = 'control-plane-removed',
  CONTROL_PLANE_REPLACED = 'control-plane-replaced',
  PREVENT_DESTROY_OFF = 'prevent-destroy-off',
  CA_CHANGED = 'ca-changed',
  ENDPOINT_CHANGED = 'endpoint-changed',
  VERSION_SKIP = 'version-skip',
  VERSION_DOWNGRADE = 'version-downgrade',
  WORKER_VERSION_SKEW = 'worker-version-skew',
  DATASTORE_CHANGED = 'datastore-changed',
  WORKER_POOL_REPLACED = 'worker-pool-replaced',
  /** A pool's ASG leaves a nodes stack that stays: its nodes are drained and terminated. */
  WORKER_POOL_REMOVED = 'worker-pool-removed',
  /** A pool's launch template (or refresh trigger) changes: an instance refresh replaces every node. */
  WORKER_POOL_ROLLED = 'worker-pool-rolled',
  /** A pool's image (AMI id, Canonical serial or name) changes: every node of the pool is replaced. */
  WORKER_IMAGE_CHANGED = 'worker-image-changed',
  TOKEN_DELIVERY_CHANGED = 'token-delivery-changed',
  KONNECTIVITY_OFF = 'konnectivity-off',
}

/** Report order: the worst first. */
const KIND_ORDER: readonly RiskKind[] = [
  RiskKind.TENANT_DECOMMISSIONED,
  RiskKind.CONTROL_PLANE_REMOVED,
  RiskKind.CONTROL_PLANE_REPLACED,
  RiskKind.STACK_REMOVED,
  RiskKind.PREVENT_DESTROY_OFF,
  RiskKind.DATASTORE_CHANGED,
  RiskKind.CA_CHANGED,
  RiskKind.ENDPOINT_CHANGED,
  RiskKind.VERSION_DOWNGRADE,
  RiskKind.VERSION_SKIP,
  RiskKind.WORKER_VERSION_SKEW,
  RiskKind.KONNECTIVITY_OFF,
  RiskKind.WORKER_POOL_REPLACED,
  RiskKind.WORKER_POOL_REMOVED,
  RiskKind.WORKER_IMAGE_CHANGED,
  RiskKind.WORKER_POOL_ROLLED,
  RiskKind.TOKEN_DELIVERY_CHANGED,
  RiskKind.DECOMMISSION_COMPLETED,
];

/** How much a flag asks of the reviewer. */
export enum RiskLevel {
  /** Data loss, an outage, a refused apply or orphaned resources unless someone acts. */
  HIGH = 'high',
  /** Nodes are replaced or drained: expected for the change, but the reviewer should know. */
  WARNING = 'warning',
  /** For the record. */
  INFO = 'info',
}

const WARNING_KINDS: readonly RiskKind[] = [
  RiskKind.WORKER_POOL_REPLACED,
  RiskKind.WORKER_POOL_REMOVED,
  RiskKind.WORKER_IMAGE_CHANGED,
  RiskKind.WORKER_POOL_ROLLED,
  RiskKind.TOKEN_DELIVERY_CHANGED,
];

export function levelOf(kind: RiskKind): RiskLevel {
  if (kind === RiskKind.DECOMMISSION_COMPLETED) return RiskLevel.INFO;
  return WARNING_KINDS.includes(kind) ? RiskLevel.WARNING : RiskLevel.HIGH;
}

export interface RiskFlag {
  readonly kind: RiskKind;
  readonly level: RiskLevel;
  /** The tenant hit, when the stack belongs to one. */
  readonly tenant?: string;
  readonly stack: string;
  readonly reason: string;
}

interface TenantSide {
  readonly controlPlane?: SynthStack;
  readonly nodes?: SynthStack;
}

function sideOf(output: SynthOutput, tenant: string): TenantSide {
  return {
    controlPlane: output.stacks.get(`tenant-${tenant}-control-plane`),
    nodes: output.stacks.get(`tenant-${tenant}-nodes`),
  };
}

function only<T>(list: T[]): T | undefined {
  return list.length === 1 ? list[0] : undefined;
}

type UnleveledFlag = Omit<RiskFlag, 'level'>;

export function riskFlags(base: SynthOutput, head: SynthOutput, diffs: readonly StackDiff[]): RiskFlag[] {
  const flags: UnleveledFlag[] = [];
  for (const d of diffs) if (d.status === 'removed') flags.push(stackRemoved(d, base.stacks.get(d.id)));
  flags.push(...decommissionFlags(base, head, diffs));
  const tenants = new Set(diffs.map((d) => d.tenant).filter((t): t is string => t !== undefined));
  for (const tenant of tenants) {
    const b = sideOf(base, tenant);
    const h = sideOf(head, tenant);
    // A tenant being decommissioned, or whose decommission completed, has one flag for all of it:
    // the destroy is the change (its TCP removal is what decommissioning means).
    // A revoked mark (marked in base, back in head) is reviewed like any change.
    const beingDestroyed = [h.controlPlane, h.nodes].some((s) => isDecommissioned(s));
    const destroyed = !h.controlPlane && !h.nodes && [b.controlPlane, b.nodes].some((s) => isDecommissioned(s));
    if (beingDestroyed || destroyed) continue;
    const cpDiff = diffs.find((d) => d.id === `tenant-${tenant}-control-plane`);
    const nodesDiff = diffs.find((d) => d.id === `tenant-${tenant}-nodes`);
    if (b.controlPlane) flags.push(...controlPlaneFlags(tenant, b.controlPlane, h.controlPlane, cpDiff));
    if (b.controlPlane && h.controlPlane && cpDiff) {
      flags.push(...caFlags(tenant, b.controlPlane, h.controlPlane, cpDiff));
      flags.push(...endpointFlags(tenant, cpDiff));
    }
    if (h.controlPlane && h.nodes) flags.push(...workerSkewFlags(tenant, h.controlPlane, h.nodes));
    if (b.nodes && h.nodes && nodesDiff) {
      const removed = removedPools(b.nodes, h.nodes);
      flags.push(...removed.map((p) => poolRemovedFlag(tenant, h.nodes!.id, p)));
      flags.push(...workerPoolFlags(tenant, nodesDiff, removed));
      const images = workerImageFlags(tenant, b.nodes, h.nodes);
      flags.push(...images.map((i) => i.flag));
      flags.push(...rollingFlags(tenant, b.nodes, h.nodes, nodesDiff, new Set(images.map((i) => i.launchTemplate))));
      flags.push(...tokenDeliveryFlags(tenant, b.nodes, h.nodes));
    }
  }
  return flags.map((f): RiskFlag => ({ ...f, level: levelOf(f.kind) })).sort(compareFlags);
}

function compareFlags(a: RiskFlag, b: RiskFlag): number {
  return (
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
    compareText(a.tenant ?? '', b.tenant ?? '') ||
    compareText(a.stack, b.stack) ||
    compareText(a.reason, b.reason)
  );
}

function stackRemoved(d: StackDiff, base: SynthStack | undefined): UnleveledFlag {
  if (isDecommissioned(base)) {
    return {
      kind: RiskKind.DECOMMISSION_COMPLETED,
      tenant: d.tenant,
      stack: d.id,
      reason: `stack ${d.id} was marked for decommission and is gone from the app: decommission completed`,
    };
  }
  const what = d.resources.length === 1 ? '1 resource' : `${d.resources.length} resources`;
  const how =
    d.tenant !== undefined ? `mark tenant ${d.tenant} \`decommission: true\`` : 'mark the stack for decommission';
  return {
    kind: RiskKind.STACK_REMOVED,
    tenant: d.tenant,
    stack: d.id,
    reason: `stack ${d.id} is gone from the app without being decommissioned: refused by the deploy, its ${what} would be orphaned (${how}, deploy, then remove it)`,
  };
}

/**
 * Stacks newly marked `kamaji_decommission` (the tenants file's `decommission: true`): the pipeline
 * destroys them, the nodes stack before the control plane. One flag per tenant (or per stack that
 * belongs to none).
 */
function decommissionFlags(base: SynthOutput, head: SynthOutput, diffs: readonly StackDiff[]): UnleveledFlag[] {
  const newly = diffs.filter(
    (d) => isDecommissioned(head.stacks.get(d.id)) && !isDecommissioned(base.stacks.get(d.id)),
  );
  const byOwner = new Map<string, StackDiff[]>();
  for (const d of newly) {
    const owner = d.tenant !== undefined ? `tenant ${d.tenant}` : `stack ${d.id}`;
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), d]);
  }
  return [...byOwner].map(([owner, stacks]) => {
    // Stacks are in report order (control plane before nodes); the flag sits on the first.
    const tenant = stacks[0].tenant;
    const order = tenant !== undefined ? ' (nodes, then control plane)' : '';
    const which = stacks.map((s) => s.id).join(', ');
    return {
      kind: RiskKind.TENANT_DECOMMISSIONED,
      tenant,
      stack: stacks[0].id,
      reason:
        tenant !== undefined
          ? `${owner} decommissioned: its stacks will be destroyed${order}: ${which}; Kamaji deletes the tenant's data with its TenantControlPlane`
          : `${owner} decommissioned: it will be destroyed`,
    };
  });
}

/** Why a resource is replaced: the attributes that force it, else the plan's action reason. */
function replacedBecause(r: ResourceChange): string {
  const why = r.attributes.filter((a) => a.effect === 'replace').map((a) => a.path);
  if (why.length > 0) return `${why.join(', ')} changed`;
  return r.actionReason ? r.actionReason.replace(/_/g, ' ') : 'the plan replaces it';
}

function tcpLabel(t: TenantControlPlaneFacts): string {
  return `TenantControlPlane ${t.namespace ?? '?'}/${t.name ?? '?'}`;
}

/** Removal, replacement, protection, DataStore, version and addon changes of the tenant's TCP. */
function controlPlaneFlags(
  tenant: string,
  base: SynthStack,
  head: SynthStack | undefined,
  diff: StackDiff | undefined,
): UnleveledFlag[] {
  const stack = base.id;
  const flag = (kind: RiskKind, reason: string): UnleveledFlag => ({ kind, tenant, stack, reason });
  const before = tenantControlPlanes(base);
  const after = head ? tenantControlPlanes(head) : [];
  const flags: UnleveledFlag[] = [];
  for (const old of before) {
    const same = after.find((t) => t.address === old.address);
    if (!same) {
      // A TCP under a new address with the same name is the same tenant destroyed and recreated.
      const moved = after.find((t) => t.name === old.name && t.namespace === old.namespace);
      flags.push(
        moved
          ? flag(
              RiskKind.CONTROL_PLANE_REPLACED,
              `${tcpLabel(old)} moves from ${old.address} to ${moved.address}: Terraform destroys and recreates it, and Kamaji deletes the tenant's data`,
            )
          : flag(
              RiskKind.CONTROL_PLANE_REMOVED,
              `${tcpLabel(old)} is removed: Kamaji's finalizer deletes the tenant's data in its DataStore`,
            ),
      );
      continue;
    }
    const change = diff?.resources.find((r) => r.address === old.address);
    if (change?.action === ResourceAction.REPLACE) {
      flags.push(
        flag(
          RiskKind.CONTROL_PLANE_REPLACED,
          `${tcpLabel(old)} is replaced (${replacedBecause(change)}): the tenant's data is deleted with the old object`,
        ),
      );
    }
    if (old.preventDestroy && !same.preventDestroy) {
      flags.push(
        flag(
          RiskKind.PREVENT_DESTROY_OFF,
          `${tcpLabel(same)} loses prevent_destroy: a destroy or replacement would go ahead and delete the tenant's data`,
        ),
      );
    }
    flags.push(...dataStoreFlags(old, same).map((reason) => flag(RiskKind.DATASTORE_CHANGED, reason)));
    const version = versionFlag(old, same);
    if (version) flags.push(flag(version.kind, version.reason));
    if (old.konnectivity && !same.konnectivity) {
      flags.push(
        flag(
          RiskKind.KONNECTIVITY_OFF,
          `${tcpLabel(same)} turns konnectivity off: kubectl logs/exec and webhooks stop reaching workers the management cluster cannot route to`,
        ),
      );
    }
  }
  return flags;
}

function dataStoreFlags(before: TenantControlPlaneFacts, after: TenantControlPlaneFacts): string[] {
  const reasons: string[] = [];
  if (before.dataStore !== after.dataStore) {
    reasons.push(
      `${tcpLabel(after)} moves from DataStore ${before.dataStore ?? '(default)'} to ${after.dataStore ?? '(default)'}: a data migration (only between DataStores of the same driver)`,
    );
  }
  for (const field of ['dataStoreSchema', 'dataStoreUsername'] as const) {
    if (before[field] !== after[field]) {
      reasons.push(
        `${tcpLabel(after)} changes ${field} ${before[field] ?? '(unset)'} -> ${after[field] ?? '(unset)'}: immutable in Kamaji's CRD, the apply will fail`,
      );
    }
  }
  return reasons;
}

function versionFlag(
  before: TenantControlPlaneFacts,
  after: TenantControlPlaneFacts,
): { kind: RiskKind; reason: string } | undefined {
  const from = parseVersion(before.version);
  const to = parseVersion(after.version);
  if (!from || !to) return undefined;
  const problem = upgradeProblem(from, to);
  if (!problem) return undefined;
  const kind = compareVersions(to, from) < 0 ? RiskKind.VERSION_DOWNGRADE : RiskKind.VERSION_SKIP;
  return { kind, reason: `${tcpLabel(after)}: ${problem}` };
}

/** A new CA, or a CA from a new source: every kubeconfig and every node must trust it again. */
function caFlags(tenant: string, base: SynthStack, head: SynthStack, diff: StackDiff): UnleveledFlag[] {
  const from = caSource(base);
  const to = caSource(head);
  const consequence = 'every kubeconfig and every node must trust the new CA';
  if (from !== to) {
    return [
      {
        kind: RiskKind.CA_CHANGED,
        tenant,
        stack: diff.id,
        reason: `CA source changes from ${from} to ${to}: ${consequence}`,
      },
    ];
  }
  const touched = diff.resources.filter((r) => {
    const resource = head.resources.get(r.address) ?? base.resources.get(r.address);
    if (!resource || !isCaResource(resource)) return false;
    if (r.action !== ResourceAction.UPDATE) return true;
    const was = base.resources.get(r.address);
    const is = head.resources.get(r.address);
    return r.attributes.some(
      (a) =>
        changesCa(resource, a.path) &&
        // A plan compares the bytes Terraform reads; the synth diff compares configuration, where a
        // moved checkout or tenants file changes only the path a file is read from.
        (diff.source === DiffSource.PLAN ||
          !was ||
          !is ||
          !sameJson(withoutFilePaths(valueAt(was.config, a.path)), withoutFilePaths(valueAt(is.config, a.path)))),
    );
  });
  if (touched.length === 0) return [];
  const what = touched.map((r) => `${r.address} (${r.action})`).join(', ');
  return [
    { kind: RiskKind.CA_CHANGED, tenant, stack: diff.id, reason: `the tenant CA changes: ${what}; ${consequence}` },
  ];
}

/** Where clients and nodes reach the API server: the TCP's networkProfile and Service type. */
const ENDPOINT_PATHS = [
  'manifest.spec.networkProfile.address',
  'manifest.spec.networkProfile.port',
  'manifest.spec.controlPlane.service.serviceType',
  'manifest.spec.controlPlane.ingress.hostname',
];

/**
 * A new endpoint for the tenant: a changed address, port or exposure of the TCP, or an Elastic IP
 * (AwsElasticIP) replaced or removed. Running kubelets keep the old server in their kubeconfig, and
 * every user's kubeconfig points at it.
 */
function endpointFlags(tenant: string, diff: StackDiff): UnleveledFlag[] {
  const consequence =
    "every kubeconfig and every running node's kubelet still point at the old endpoint: nodes must be replaced and kubeconfigs fetched again";
  const reasons: string[] = [];
  for (const r of diff.resources) {
    if (r.type === 'kubernetes_manifest' && r.action === ResourceAction.UPDATE) {
      const changed = r.attributes.filter((a) =>
        ENDPOINT_PATHS.some((p) => a.path === p || a.path.startsWith(`${p}.`)),
      );
      if (changed.length > 0) {
        const what = changed.map(
          (a) => `${a.path.replace(/^manifest\.spec\./, '')} ${a.before ?? '(unset)'} -> ${a.after ?? '(unset)'}`,
        );
        reasons.push(`the API endpoint of ${r.address} changes (${what.join(', ')})`);
      }
    }
    if (r.type === 'aws_eip' && (r.action === ResourceAction.REPLACE || r.action === ResourceAction.DELETE)) {
      reasons.push(`Elastic IP ${r.address} is ${r.action === ResourceAction.REPLACE ? 'replaced' : 'released'}`);
    }
  }
  return reasons.map((reason) => ({
    kind: RiskKind.ENDPOINT_CHANGED,
    tenant,
    stack: diff.id,
    reason: `${reason}: ${consequence}`,
  }));
}

/** The kubelet must not be newer than the control plane, nor more than 3 minors older (each pool's version). */
function workerSkewFlags(tenant: string, controlPlane: SynthStack, nodes: SynthStack): UnleveledFlag[] {
  const cp = parseVersion(only(tenantControlPlanes(controlPlane))?.version);
  if (!cp) return [];
  const flags: UnleveledFlag[] = [];
  for (const text of kubeletVersions(nodes)) {
    const kubelet = parseVersion(text);
    const problem = kubelet && skewProblem(cp, kubelet);
    if (problem) {
      flags.push({
        kind: RiskKind.WORKER_VERSION_SKEW,
        tenant,
        stack: nodes.id,
        reason: `${problem} (workers ${formatVersion(kubelet)})`,
      });
    }
  }
  return flags;
}

const POOL_TYPES = ['aws_autoscaling_group', 'aws_launch_template'];

function poolSize(p: WorkerPoolFacts): string {
  const n = (v: number | undefined) => (v === undefined ? '?' : String(v));
  return `${n(p.minSize)}..${n(p.maxSize)} nodes`;
}

/** Pools of the base whose ASG is gone from the head and whose name no head pool carries. */
function removedPools(base: SynthStack, head: SynthStack): WorkerPoolFacts[] {
  const after = workerPools(head);
  return workerPools(base).filter((p) => !after.some((h) => h.asg === p.asg) && !after.some((h) => h.name === p.name));
}

function poolRemovedFlag(tenant: string, stack: string, pool: WorkerPoolFacts): UnleveledFlag {
  return {
    kind: RiskKind.WORKER_POOL_REMOVED,
    tenant,
    stack,
    reason: `pool ${pool.name} removed: its nodes are drained and terminated (${pool.asg}, ${poolSize(pool)})`,
  };
}

/**
 * An ASG or launch template replaced in place (a ForceNew attribute) or under a new address (the
 * same type removed and added in the stack): the pool's nodes are all recreated. Resources of a
 * removed pool are left to its own flag.
 */
function workerPoolFlags(tenant: string, diff: StackDiff, removed: readonly WorkerPoolFacts[]): UnleveledFlag[] {
  const gone = new Set(removed.flatMap((p) => [p.asg, ...(p.launchTemplate ? [p.launchTemplate] : [])]));
  const flags: UnleveledFlag[] = [];
  for (const type of POOL_TYPES) {
    const ofType = diff.resources.filter((r) => r.type === type);
    for (const r of ofType.filter((c) => c.action === ResourceAction.REPLACE)) {
      flags.push({
        kind: RiskKind.WORKER_POOL_REPLACED,
        tenant,
        stack: diff.id,
        reason: `${r.address} is replaced (${replacedBecause(r)}): the pool's nodes are recreated`,
      });
    }
    const removedHere = ofType
      .filter((c) => c.action === ResourceAction.DELETE && !gone.has(c.address))
      .map((c) => c.address);
    const added = ofType.filter((c) => c.action === ResourceAction.CREATE).map((c) => c.address);
    if (removedHere.length > 0 && added.length > 0) {
      flags.push({
        kind: RiskKind.WORKER_POOL_REPLACED,
        tenant,
        stack: diff.id,
        reason: `${removedHere.join(', ')} replaced by ${added.join(', ')}: the pool's nodes are recreated`,
      });
    }
  }
  return flags;
}

/**
 * A launch template (same address on both sides) whose image changes: the next deploy starts an
 * instance refresh that replaces every node of the pool (launch before terminate, drained).
 */
function workerImageFlags(
  tenant: string,
  base: SynthStack,
  head: SynthStack,
): { flag: UnleveledFlag; launchTemplate: string }[] {
  const before = imageByLaunchTemplate(base);
  const after = imageByLaunchTemplate(head);
  const pools = workerPools(head);
  return [...after.keys()]
    .filter((address) => before.has(address) && before.get(address) !== after.get(address))
    .sort(compareText)
    .map((address) => {
      const pool = pools.find((p) => p.launchTemplate === address);
      const which = pool ? `pool ${pool.name} (${poolSize(pool)})` : `the pool of ${address}`;
      return {
        launchTemplate: address,
        flag: {
          kind: RiskKind.WORKER_IMAGE_CHANGED,
          tenant,
          stack: head.id,
          reason: `rolling replacement of ${which}: the image of ${address} changes from ${before.get(address)} to ${after.get(address)} (instance refresh, launch before terminate, each node drained)`,
        },
      };
    });
}

/**
 * Launch template attributes that are not part of a template version: resource tags, and the version
 * numbers a plan shows as computed (a new version shows on the ASG when it follows one).
 */
const UNVERSIONED_TEMPLATE_PATHS = ['tags', 'tags_all', 'latest_version', 'default_version'];
/** ASG properties whose change always starts an instance refresh (AWS provider docs, below). */
const REFRESH_PROPERTIES = ['launch_configuration', 'launch_template', 'mixed_instances_policy'];

/**
 * A rolling replacement of a pool's nodes: its ASG has an `instance_refresh` block and the deploy
 * changes what starts one. The AWS provider's `aws_autoscaling_group` docs (instance_refresh): "A
 * refresh is started when any of the following Auto Scaling Group properties change:
 * launch_configuration, launch_template, mixed_instances_policy. Additional properties can be
 * specified in the triggers property", and "A refresh will not start when version = "$Latest" is
 * configured in the launch_template block" (mirrored at pub.dev/documentation/pulumi_aws,
 * GroupInstanceRefresh/triggers). So a new launch template version rolls the pool when the ASG
 * follows `latest_version`; with `$Latest` (inline token delivery) only a trigger such as the
 * node-config `tag` does. Pools replaced or with a changed image have their own flag.
 */
function rollingFlags(
  tenant: string,
  base: SynthStack,
  head: SynthStack,
  diff: StackDiff,
  imageChanged: ReadonlySet<string>,
): UnleveledFlag[] {
  const before = workerPools(base);
  const changeOf = (address: string | undefined): ResourceChange | undefined =>
    address === undefined ? undefined : diff.resources.find((r) => r.address === address);
  const flags: UnleveledFlag[] = [];
  for (const pool of workerPools(head)) {
    if (!pool.refreshes || !before.some((p) => p.asg === pool.asg)) continue;
    if (pool.launchTemplate && imageChanged.has(pool.launchTemplate)) continue;
    const asg = changeOf(pool.asg);
    const lt = changeOf(pool.launchTemplate);
    if (asg?.action === ResourceAction.REPLACE || lt?.action === ResourceAction.REPLACE) continue;
    const why: string[] = [];
    if (lt?.action === ResourceAction.UPDATE && pool.followsTemplateVersion) {
      const paths = lt.attributes
        .map((a) => a.path)
        .filter((p) => !UNVERSIONED_TEMPLATE_PATHS.some((u) => isUnder(p, u)));
      if (paths.length > 0) why.push(`its launch template changes (${paths.join(', ')})`);
    }
    if (asg?.action === ResourceAction.UPDATE) {
      const triggers = [...REFRESH_PROPERTIES, ...pool.refreshTriggers];
      const paths = asg.attributes.map((a) => a.path).filter((p) => triggers.some((t) => isUnder(p, t)));
      if (paths.length > 0) why.push(`its Auto Scaling group changes a refresh trigger (${paths.join(', ')})`);
    }
    if (why.length === 0) continue;
    flags.push({
      kind: RiskKind.WORKER_POOL_ROLLED,
      tenant,
      stack: diff.id,
      reason: `rolling replacement of pool ${pool.name} (${poolSize(pool)}): ${why.join('; ')}; an instance refresh replaces every node (launch before terminate, each drained)`,
    });
  }
  return flags;
}

function tokenDeliveryFlags(tenant: string, base: SynthStack, head: SynthStack): UnleveledFlag[] {
  const flag = (from: string, to: string, which: string): UnleveledFlag => ({
    kind: RiskKind.TOKEN_DELIVERY_CHANGED,
    tenant,
    stack: head.id,
    reason: `token delivery${which} changes from ${from} to ${to}: ${
      to === 'inline'
        ? 'the bootstrap token moves into user data (readable by anything on the node with IMDS access) and token rotation now creates launch template versions'
        : 'nodes now fetch the token from SSM: the instance role needs the parameter and the nodes are rolled for the new user data'
    }`,
  });
  // Per pool first: pools of one stack may use different deliveries.
  const before = tokenDeliveryByLaunchTemplate(base);
  const after = tokenDeliveryByLaunchTemplate(head);
  const common = [...after.keys()].filter((address) => before.has(address)).sort(compareText);
  if (common.length > 0) {
    return common
      .filter((address) => before.get(address) !== after.get(address))
      .map((address) => flag(before.get(address)!, after.get(address)!, ` of ${address}`));
  }
  const from = tokenDelivery(base);
  const to = tokenDelivery(head);
  return from === to ? [] : [flag(from, to, '')];
}
