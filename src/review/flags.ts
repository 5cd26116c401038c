/**
 * Risk flags: changes a reviewer must not miss, each with the tenant it hits and a one-line reason.
 * Each detector compares a tenant's base and head facts (or a stack's diff) and returns its flags.
 */
import { formatVersion, parseVersion, skewProblem, upgradeProblem, compareVersions } from '../model/versions';
import { ResourceAction, StackDiff } from './diff';
import {
  TenantControlPlaneFacts,
  caSource,
  changesCa,
  imageByLaunchTemplate,
  isCaResource,
  kubeletVersions,
  tenantControlPlanes,
  tokenDelivery,
  tokenDeliveryByLaunchTemplate,
} from './facts';
import { SynthOutput, SynthStack, compareText } from './synth-output';

export enum RiskKind {
  STACK_REMOVED = 'stack-removed',
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
  /** A pool's image (AMI id, Canonical serial or name) changes: every node of the pool is replaced. */
  WORKER_IMAGE_CHANGED = 'worker-image-changed',
  TOKEN_DELIVERY_CHANGED = 'token-delivery-changed',
  KONNECTIVITY_OFF = 'konnectivity-off',
}

/** Report order: the worst first. */
const KIND_ORDER: readonly RiskKind[] = [
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
  RiskKind.WORKER_POOL_REPLACED,
  RiskKind.WORKER_IMAGE_CHANGED,
  RiskKind.TOKEN_DELIVERY_CHANGED,
  RiskKind.KONNECTIVITY_OFF,
];

export interface RiskFlag {
  readonly kind: RiskKind;
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

export function riskFlags(base: SynthOutput, head: SynthOutput, diffs: readonly StackDiff[]): RiskFlag[] {
  const flags: RiskFlag[] = [];
  for (const d of diffs) if (d.status === 'removed') flags.push(stackRemoved(d));
  const tenants = new Set(diffs.map((d) => d.tenant).filter((t): t is string => t !== undefined));
  for (const tenant of tenants) {
    const b = sideOf(base, tenant);
    const h = sideOf(head, tenant);
    const cpDiff = diffs.find((d) => d.id === `tenant-${tenant}-control-plane`);
    const nodesDiff = diffs.find((d) => d.id === `tenant-${tenant}-nodes`);
    if (b.controlPlane) flags.push(...controlPlaneFlags(tenant, b.controlPlane, h.controlPlane, cpDiff));
    if (b.controlPlane && h.controlPlane && cpDiff) {
      flags.push(...caFlags(tenant, b.controlPlane, h.controlPlane, cpDiff));
      flags.push(...endpointFlags(tenant, cpDiff));
    }
    if (h.controlPlane && h.nodes) flags.push(...workerSkewFlags(tenant, h.controlPlane, h.nodes));
    if (b.nodes && h.nodes && nodesDiff) {
      flags.push(...workerPoolFlags(tenant, nodesDiff));
      flags.push(...workerImageFlags(tenant, b.nodes, h.nodes));
      flags.push(...tokenDeliveryFlags(tenant, b.nodes, h.nodes));
    }
  }
  return flags.sort(compareFlags);
}

function compareFlags(a: RiskFlag, b: RiskFlag): number {
  return (
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
    compareText(a.tenant ?? '', b.tenant ?? '') ||
    compareText(a.stack, b.stack) ||
    compareText(a.reason, b.reason)
  );
}

function stackRemoved(d: StackDiff): RiskFlag {
  const what = d.resources.length === 1 ? '1 resource' : `${d.resources.length} resources`;
  return {
    kind: RiskKind.STACK_REMOVED,
    tenant: d.tenant,
    stack: d.id,
    reason: `stack ${d.id} is gone from the app: its ${what} stay orphaned in its state, or are destroyed if someone runs destroy on it`,
  };
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
): RiskFlag[] {
  const stack = base.id;
  const flag = (kind: RiskKind, reason: string): RiskFlag => ({ kind, tenant, stack, reason });
  const before = tenantControlPlanes(base);
  const after = head ? tenantControlPlanes(head) : [];
  const flags: RiskFlag[] = [];
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
      const why = change.attributes.filter((a) => a.effect === 'replace').map((a) => a.path);
      flags.push(
        flag(
          RiskKind.CONTROL_PLANE_REPLACED,
          `${tcpLabel(old)} is replaced (${why.join(', ')} changed): the tenant's data is deleted with the old object`,
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
function caFlags(tenant: string, base: SynthStack, head: SynthStack, diff: StackDiff): RiskFlag[] {
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
    return r.action !== ResourceAction.UPDATE || r.attributes.some((a) => changesCa(resource, a.path));
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
function endpointFlags(tenant: string, diff: StackDiff): RiskFlag[] {
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
function workerSkewFlags(tenant: string, controlPlane: SynthStack, nodes: SynthStack): RiskFlag[] {
  const cp = parseVersion(only(tenantControlPlanes(controlPlane))?.version);
  if (!cp) return [];
  const flags: RiskFlag[] = [];
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

/**
 * An ASG or launch template replaced in place (a ForceNew attribute) or under a new address (the
 * same type removed and added in the stack): the pool's nodes are all recreated.
 */
function workerPoolFlags(tenant: string, diff: StackDiff): RiskFlag[] {
  const flags: RiskFlag[] = [];
  for (const type of POOL_TYPES) {
    const ofType = diff.resources.filter((r) => r.type === type);
    for (const r of ofType.filter((c) => c.action === ResourceAction.REPLACE)) {
      const why = r.attributes.filter((a) => a.effect === 'replace').map((a) => a.path);
      flags.push({
        kind: RiskKind.WORKER_POOL_REPLACED,
        tenant,
        stack: diff.id,
        reason: `${r.address} is replaced (${why.join(', ')} changed): the pool's nodes are recreated`,
      });
    }
    const removed = ofType.filter((c) => c.action === ResourceAction.DELETE).map((c) => c.address);
    const added = ofType.filter((c) => c.action === ResourceAction.CREATE).map((c) => c.address);
    if (removed.length > 0 && added.length > 0) {
      flags.push({
        kind: RiskKind.WORKER_POOL_REPLACED,
        tenant,
        stack: diff.id,
        reason: `${removed.join(', ')} replaced by ${added.join(', ')}: the pool's nodes are recreated`,
      });
    }
  }
  return flags;
}

/**
 * A launch template (same address on both sides) whose image changes: the next deploy starts an
 * instance refresh that replaces every node of the pool (launch before terminate, drained).
 */
function workerImageFlags(tenant: string, base: SynthStack, head: SynthStack): RiskFlag[] {
  const before = imageByLaunchTemplate(base);
  const after = imageByLaunchTemplate(head);
  return [...after.keys()]
    .filter((address) => before.has(address) && before.get(address) !== after.get(address))
    .sort(compareText)
    .map((address) => ({
      kind: RiskKind.WORKER_IMAGE_CHANGED,
      tenant,
      stack: head.id,
      reason: `the image of ${address} changes from ${before.get(address)} to ${after.get(address)}: a rolling replacement of every node of the pool (instance refresh, launch before terminate)`,
    }));
}

function tokenDeliveryFlags(tenant: string, base: SynthStack, head: SynthStack): RiskFlag[] {
  const flag = (from: string, to: string, which: string): RiskFlag => ({
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
