/**
 * An AWS worker pool as data: defaults, validation, and the node bootstrap input it implies.
 *
 * Defaults follow terraform-aws-eks v21 and cluster-api-provider-aws (DESIGN.md section 6): IMDSv2
 * required with hop limit 1, an encrypted gp3 root volume, no inbound traffic from outside the pool.
 */
import { parseCidr } from './cidr';
import { Problems } from './errors';
import { NodeTaint, TaintEffect } from './kubeadm';
import { DNS1123_LABEL_RULE, isDns1123Label } from './names';
import { NodeBootstrapInput, TokenSource, USER_DATA_LIMIT_BYTES, worstCaseUserDataBytes } from './node-bootstrap';
import { checkVersion, KubernetesVersion, skewProblem } from './versions';
import { DEFAULT_API_PORT, DEFAULT_KONNECTIVITY_PORT } from './tenant-control-plane';
import {
  checkUbuntuImage,
  DEFAULT_IMAGE_ARCHITECTURE,
  DEFAULT_IMAGE_SERIAL,
  DEFAULT_UBUNTU_RELEASE,
  ImageArchitecture,
  instanceTypeArchitecture,
  UbuntuImage,
} from './ubuntu-images';

export { CANONICAL_OWNER_ID, ImageArchitecture } from './ubuntu-images';

export const DEFAULT_INSTANCE_TYPE = 't3.medium';
export const DEFAULT_ROOT_VOLUME_GIB = 30;
export const DEFAULT_HOP_LIMIT = 1;
export const DEFAULT_JOIN_ATTEMPTS = 5;
/** The tenant API server and konnectivity ports: the control plane's defaults. */
export const DEFAULT_TENANT_API_PORT = DEFAULT_API_PORT;
export const KONNECTIVITY_PORT = DEFAULT_KONNECTIVITY_PORT;
/** Seconds an instance refresh waits after a new node is InService before it counts it healthy. */
export const DEFAULT_INSTANCE_WARMUP_SECONDS = 300;
/** Launch before terminate (DESIGN.md section 6): never below the desired capacity, at most double. */
export const REFRESH_MIN_HEALTHY_PERCENTAGE = 100;
export const REFRESH_MAX_HEALTHY_PERCENTAGE = 200;
/** Kubernetes' default NodePort range (kube-apiserver `--service-node-port-range`). */
export const NODE_PORT_RANGE = { from: 30000, to: 32767 } as const;
/** An Auto Scaling group takes at most 40 launch-template overrides (instance types). */
const MAX_INSTANCE_TYPES = 40;

/** How a node receives its bootstrap token. */
export enum TokenDelivery {
  /**
   * From an SSM SecureString parameter the node's role alone may read: user data holds no secret and
   * does not change when the token rotates.
   */
  SSM = 'ssm',
  /**
   * In user data (the kubeadm/cluster-api convention): the group uses the template's `$Latest`
   * version, so a rotation rolls no node, and a node-config hash tag triggers instance refreshes.
   */
  INLINE = 'inline',
}

/** What the nodes' security group lets out. */
export enum NodeEgress {
  /**
   * Everything, IPv4 and IPv6, like EKS node groups (terraform-aws-eks `egress_all`): pods reach any
   * service, and their traffic leaves through the node's security group.
   */
  ALL = 'all',
  /**
   * Only the pool's own nodes, the tenant API server and konnectivity ports (`controlPlaneCidrs`) and
   * HTTP(S) to package mirrors and registries (`packageMirrorCidrs`): workloads that talk to anything
   * else fail.
   */
  RESTRICTED = 'restricted',
}

export interface WorkerPoolInput {
  name: string;
  instanceTypes?: readonly string[];
  minSize?: number;
  maxSize?: number;
  desiredSize?: number;
  subnetIds?: readonly string[];
  amiId?: string;
  ubuntuRelease?: string;
  imageSerial?: string;
  architecture?: ImageArchitecture;
  instanceWarmupSeconds?: number;
  checkpointPercentages?: readonly number[];
  checkpointDelaySeconds?: number;
  egress?: NodeEgress;
  nodePortIngress?: boolean;
  nodePortSourceCidrs?: readonly string[];
  rootVolumeSizeGiB?: number;
  httpPutResponseHopLimit?: number;
  kubernetesVersion?: string;
  labels?: Readonly<Record<string, string>>;
  taints?: readonly NodeTaint[];
  preJoinScript?: string;
  postJoinScript?: string;
  tokenDelivery?: TokenDelivery;
  joinAttempts?: number;
  capacityRebalance?: boolean;
  spot?: boolean;
  onDemandBaseCapacity?: number;
  onDemandPercentageAboveBaseCapacity?: number;
  apiPort?: number;
  konnectivityPort?: number;
  controlPlaneCidrs?: readonly string[];
  packageMirrorCidrs?: readonly string[];
  ssmSessionManager?: boolean;
  cloudProviderExternal?: boolean;
  waitForJoin?: boolean;
  tags?: Readonly<Record<string, string>>;
}

export interface WorkerPoolSpec {
  readonly name: string;
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredSize: number;
  readonly subnetIds: readonly string[];
  /** An explicit AMI: when set, {@link image} is undefined. */
  readonly amiId?: string;
  /** The pinned Canonical image, unless {@link amiId} is set. */
  readonly image?: UbuntuImage;
  /** Image settings given beside `amiId` (refused: one of them would be silently ignored). */
  readonly imageConflicts: readonly { readonly field: string; readonly value: unknown }[];
  readonly instanceWarmupSeconds: number;
  readonly checkpointPercentages: readonly number[];
  readonly checkpointDelaySeconds?: number;
  readonly egress: NodeEgress;
  readonly nodePortIngress: boolean;
  /** Undefined: the VPC's CIDR block (known at apply time). */
  readonly nodePortSourceCidrs?: readonly string[];
  readonly rootVolumeSizeGiB: number;
  readonly hopLimit: number;
  /** The worker version as given (defaults to the control plane's). */
  readonly kubernetesVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly NodeTaint[];
  readonly preJoinScript?: string;
  readonly postJoinScript?: string;
  readonly tokenDelivery: TokenDelivery;
  readonly joinAttempts: number;
  readonly capacityRebalance: boolean;
  readonly spot: boolean;
  readonly onDemandBaseCapacity: number;
  readonly onDemandPercentageAboveBaseCapacity: number;
  readonly apiPort: number;
  readonly konnectivityPort: number;
  readonly controlPlaneCidrs: readonly string[];
  readonly packageMirrorCidrs: readonly string[];
  readonly ssmSessionManager: boolean;
  /** kubelet `--cloud-provider=external` (a cloud-controller-manager initializes the nodes). */
  readonly cloudProviderExternal: boolean;
  /**
   * A launch lifecycle hook holds each new instance until it joined (the node completes it), so an
   * instance refresh never replaces a good node with one that failed to join.
   */
  readonly waitForJoin: boolean;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The image settings given beside an `amiId` (they would be ignored): the fields of `input` that
 * conflict. Checked on the input, since the spec drops them.
 */
export function conflictingImageFields(input: WorkerPoolInput): { field: string; value: unknown }[] {
  if (input.amiId === undefined) return [];
  return (['ubuntuRelease', 'imageSerial', 'architecture'] as const)
    .filter((field) => input[field] !== undefined)
    .map((field) => ({ field, value: input[field] }));
}

export function workerPoolSpec(input: WorkerPoolInput, controlPlaneVersion: string): WorkerPoolSpec {
  const minSize = input.minSize ?? 1;
  return {
    name: input.name,
    instanceTypes: input.instanceTypes ?? [DEFAULT_INSTANCE_TYPE],
    minSize,
    maxSize: input.maxSize ?? Math.max(minSize, 3),
    desiredSize: input.desiredSize ?? minSize,
    subnetIds: input.subnetIds ?? [],
    amiId: input.amiId,
    image:
      input.amiId === undefined
        ? {
            release: input.ubuntuRelease ?? DEFAULT_UBUNTU_RELEASE,
            architecture: input.architecture ?? DEFAULT_IMAGE_ARCHITECTURE,
            serial: input.imageSerial ?? DEFAULT_IMAGE_SERIAL,
          }
        : undefined,
    imageConflicts: conflictingImageFields(input),
    instanceWarmupSeconds: input.instanceWarmupSeconds ?? DEFAULT_INSTANCE_WARMUP_SECONDS,
    checkpointPercentages: input.checkpointPercentages ?? [],
    checkpointDelaySeconds: input.checkpointDelaySeconds,
    egress: input.egress ?? NodeEgress.ALL,
    nodePortIngress: input.nodePortIngress ?? true,
    nodePortSourceCidrs: input.nodePortSourceCidrs,
    rootVolumeSizeGiB: input.rootVolumeSizeGiB ?? DEFAULT_ROOT_VOLUME_GIB,
    hopLimit: input.httpPutResponseHopLimit ?? DEFAULT_HOP_LIMIT,
    kubernetesVersion: input.kubernetesVersion ?? controlPlaneVersion,
    labels: input.labels ?? {},
    taints: input.taints ?? [],
    preJoinScript: input.preJoinScript,
    postJoinScript: input.postJoinScript,
    tokenDelivery: input.tokenDelivery ?? TokenDelivery.SSM,
    joinAttempts: input.joinAttempts ?? DEFAULT_JOIN_ATTEMPTS,
    capacityRebalance: input.capacityRebalance ?? false,
    spot: input.spot ?? false,
    onDemandBaseCapacity: input.onDemandBaseCapacity ?? 0,
    onDemandPercentageAboveBaseCapacity: input.onDemandPercentageAboveBaseCapacity ?? (input.spot ? 0 : 100),
    apiPort: input.apiPort ?? DEFAULT_TENANT_API_PORT,
    konnectivityPort: input.konnectivityPort ?? KONNECTIVITY_PORT,
    controlPlaneCidrs: input.controlPlaneCidrs ?? ['0.0.0.0/0'],
    packageMirrorCidrs: input.packageMirrorCidrs ?? ['0.0.0.0/0'],
    ssmSessionManager: input.ssmSessionManager ?? false,
    cloudProviderExternal: input.cloudProviderExternal ?? false,
    waitForJoin: input.waitForJoin ?? true,
    tags: input.tags ?? {},
  };
}

// Kubernetes qualified names (apimachinery IsQualifiedName) and label values (IsValidLabelValue).
const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;

function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (name.length > 63 || !NAME_PART.test(name)) return false;
  if (parts.length === 2) {
    const prefix = parts[0];
    return prefix.length <= 253 && prefix.split('.').every((l) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(l));
  }
  return true;
}

export function isCidr(value: string): boolean {
  return parseCidr(value)?.network.family === 4;
}

/** The kubelet may set labels under kubernetes.io / k8s.io only from this allow-list (NodeRestriction). */
function restrictedLabel(key: string): boolean {
  const prefix = key.includes('/') ? key.split('/')[0] : '';
  const k8sDomain = /(^|\.)(kubernetes\.io|k8s\.io)$/.test(prefix);
  if (!k8sDomain) return false;
  const allowed = /(^|\.)node\.kubernetes\.io$/.test(prefix) || prefix === 'kubelet.kubernetes.io';
  const wellKnown = [
    'kubernetes.io/hostname',
    'kubernetes.io/arch',
    'kubernetes.io/os',
    'beta.kubernetes.io/instance-type',
    'node.kubernetes.io/instance-type',
    'failure-domain.beta.kubernetes.io/region',
    'failure-domain.beta.kubernetes.io/zone',
    'topology.kubernetes.io/region',
    'topology.kubernetes.io/zone',
  ];
  return !(allowed || wellKnown.includes(key)) || prefix === 'node-restriction.kubernetes.io';
}

const TAINT_EFFECTS: string[] = Object.values(TaintEffect);

/**
 * Checks a pool. `controlPlane` is the parsed control-plane version (undefined when it is itself
 * invalid: then only the worker version's own format is checked).
 */
export function validateWorkerPool(
  spec: WorkerPoolSpec,
  controlPlane: KubernetesVersion | undefined,
  problems: Problems,
): KubernetesVersion | undefined {
  problems.check(
    isDns1123Label(spec.name) && spec.name.length <= 32,
    'name',
    spec.name,
    `${DNS1123_LABEL_RULE} (and at most 32: it prefixes AWS names)`,
  );
  const version = checkVersion(problems, 'kubernetesVersion', spec.kubernetesVersion);
  if (version && controlPlane) {
    const skew = skewProblem(controlPlane, version);
    if (skew)
      problems.add('kubernetesVersion', spec.kubernetesVersion, `must respect the version-skew policy: ${skew}`);
  }

  const size = (field: string, value: number) =>
    problems.check(
      Number.isInteger(value) && value >= 0 && value <= 1000,
      field,
      value,
      'must be a whole number from 0 to 1000',
    );
  const sizesOk = [
    size('minSize', spec.minSize),
    size('maxSize', spec.maxSize),
    size('desiredSize', spec.desiredSize),
  ].every(Boolean);
  if (sizesOk) {
    problems.check(spec.maxSize >= 1, 'maxSize', spec.maxSize, 'must be at least 1');
    const ordered = problems.check(
      spec.minSize <= spec.maxSize,
      'minSize',
      spec.minSize,
      `must not be greater than maxSize (${spec.maxSize})`,
    );
    // With min > max every desired size is wrong; one problem says it.
    if (ordered)
      problems.check(
        spec.desiredSize >= spec.minSize && spec.desiredSize <= spec.maxSize,
        'desiredSize',
        spec.desiredSize,
        `must be between minSize (${spec.minSize}) and maxSize (${spec.maxSize})`,
      );
  }

  // Judged as one value: a list known only at apply time (default-VPC subnets) is skipped whole.
  if (
    problems.check(
      Array.isArray(spec.subnetIds) && spec.subnetIds.length > 0,
      'subnetIds',
      spec.subnetIds,
      'must name at least one subnet',
    )
  ) {
    const bad = spec.subnetIds.filter((id) => !/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id));
    problems.check(
      bad.length === 0,
      'subnetIds',
      spec.subnetIds,
      `must be subnet ids such as "subnet-0123456789abcdef0" (not: ${bad.join(', ')})`,
    );
  }
  if (
    problems.check(
      spec.instanceTypes.length >= 1 && spec.instanceTypes.length <= MAX_INSTANCE_TYPES,
      'instanceTypes',
      spec.instanceTypes,
      `must list 1 to ${MAX_INSTANCE_TYPES} instance types`,
    )
  ) {
    spec.instanceTypes.forEach((t, i) =>
      problems.check(
        INSTANCE_TYPE.test(t),
        `instanceTypes[${i}]`,
        t,
        'must be an EC2 instance type such as "t3.medium"',
      ),
    );
  }
  if (spec.amiId !== undefined) {
    problems.check(AMI_ID.test(spec.amiId), 'amiId', spec.amiId, 'must be an AMI id such as "ami-0123456789abcdef0"');
  }
  for (const { field, value } of spec.imageConflicts) {
    problems.add(
      field,
      value,
      'must not be set together with amiId: pin the image one way (an AMI id, or a Canonical release, architecture and serial)',
    );
  }
  if (spec.image && checkUbuntuImage(spec.image, problems)) {
    const image = spec.image;
    const other = spec.instanceTypes.filter((t) => {
      const arch = instanceTypeArchitecture(t);
      return arch !== undefined && arch !== image.architecture;
    });
    problems.check(
      other.length === 0,
      'architecture',
      image.architecture,
      `must match the instance types (${other.join(', ')} run ${image.architecture === ImageArchitecture.AMD64 ? 'arm64' : 'amd64'}): set architecture ${image.architecture === ImageArchitecture.AMD64 ? 'arm64' : 'amd64'} or pick ${image.architecture} instance types`,
    );
  }
  checkRefresh(spec, problems);
  problems.check(
    Number.isInteger(spec.rootVolumeSizeGiB) && spec.rootVolumeSizeGiB >= 8 && spec.rootVolumeSizeGiB <= 16384,
    'rootVolumeSizeGiB',
    spec.rootVolumeSizeGiB,
    'must be a whole number of GiB from 8 (the Ubuntu image) to 16384 (the gp3 maximum)',
  );
  problems.check(
    Number.isInteger(spec.hopLimit) && spec.hopLimit >= 1 && spec.hopLimit <= 64,
    'httpPutResponseHopLimit',
    spec.hopLimit,
    'must be a whole number from 1 to 64 (EC2 limit; 1 keeps IMDS away from pods, 2 lets pods on the host network reach it)',
  );
  problems.check(
    Number.isInteger(spec.joinAttempts) && spec.joinAttempts >= 1 && spec.joinAttempts <= 20,
    'joinAttempts',
    spec.joinAttempts,
    'must be a whole number from 1 to 20',
  );
  for (const field of ['apiPort', 'konnectivityPort'] as const) {
    problems.check(
      Number.isInteger(spec[field]) && spec[field] >= 1 && spec[field] <= 65535,
      field,
      spec[field],
      'must be a TCP port from 1 to 65535',
    );
  }
  problems.check(
    Number.isInteger(spec.onDemandBaseCapacity) && spec.onDemandBaseCapacity >= 0,
    'onDemandBaseCapacity',
    spec.onDemandBaseCapacity,
    'must be a whole number, 0 or more',
  );
  problems.check(
    Number.isInteger(spec.onDemandPercentageAboveBaseCapacity) &&
      spec.onDemandPercentageAboveBaseCapacity >= 0 &&
      spec.onDemandPercentageAboveBaseCapacity <= 100,
    'onDemandPercentageAboveBaseCapacity',
    spec.onDemandPercentageAboveBaseCapacity,
    'must be a whole percentage from 0 to 100',
  );
  problems.check(
    Object.values(NodeEgress).includes(spec.egress),
    'egress',
    spec.egress,
    `must be one of ${Object.values(NodeEgress).join(', ')}`,
  );
  for (const [field, list] of [
    ['controlPlaneCidrs', spec.controlPlaneCidrs],
    ['packageMirrorCidrs', spec.packageMirrorCidrs],
    ['nodePortSourceCidrs', spec.nodePortSourceCidrs ?? []],
  ] as const) {
    list.forEach((c, i) =>
      problems.check(isCidr(c), `${field}[${i}]`, c, 'must be an IPv4 CIDR such as "10.0.0.0/16"'),
    );
  }

  for (const [key, value] of Object.entries(spec.labels)) {
    if (
      !problems.check(
        isQualifiedName(key),
        `labels.${key}`,
        key,
        'must be a Kubernetes label key: [prefix/]name, name at most 63 characters of [A-Za-z0-9-_.]',
      )
    )
      continue;
    problems.check(
      !restrictedLabel(key),
      `labels.${key}`,
      key,
      'is in the kubernetes.io/k8s.io namespace, which the NodeRestriction admission plugin forbids kubelets to set (node-role.kubernetes.io/* included); use your own prefix or node.kubernetes.io/*',
    );
    problems.check(
      typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value),
      `labels.${key}`,
      value,
      'must be a label value: at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric',
    );
  }
  spec.taints.forEach((t, i) => {
    problems.check(
      isQualifiedName(t.key ?? ''),
      `taints[${i}].key`,
      t.key,
      'must be a qualified name such as "dedicated" or "example.com/gpu"',
    );
    if (t.value !== undefined) {
      problems.check(
        t.value.length <= 63 && LABEL_VALUE.test(t.value),
        `taints[${i}].value`,
        t.value,
        'must be a label value: at most 63 characters of [A-Za-z0-9-_.]',
      );
    }
    problems.check(
      TAINT_EFFECTS.includes(t.effect),
      `taints[${i}].effect`,
      t.effect,
      `must be one of ${TAINT_EFFECTS.join(', ')}`,
    );
  });
  return version;
}

/** Instance refresh preferences: warm-up, checkpoints and their delay. */
function checkRefresh(spec: WorkerPoolSpec, problems: Problems): void {
  problems.check(
    Number.isInteger(spec.instanceWarmupSeconds) &&
      spec.instanceWarmupSeconds >= 0 &&
      spec.instanceWarmupSeconds <= 3600,
    'instanceWarmupSeconds',
    spec.instanceWarmupSeconds,
    'must be a whole number of seconds from 0 to 3600 (the time a new node needs to join and turn Ready)',
  );
  const points = spec.checkpointPercentages;
  if (points.length > 0) {
    const whole = points.every((p) => Number.isInteger(p) && p >= 1 && p <= 100);
    const ascending = points.every((p, i) => i === 0 || p > points[i - 1]);
    problems.check(
      whole && ascending && points[points.length - 1] === 100,
      'checkpointPercentages',
      points,
      'must be whole percentages from 1 to 100 in strictly ascending order, the last 100 (else the refresh stops before replacing every node)',
    );
  }
  if (spec.checkpointDelaySeconds !== undefined) {
    const d = spec.checkpointDelaySeconds;
    if (
      problems.check(
        Number.isInteger(d) && d >= 0 && d <= 172800,
        'checkpointDelaySeconds',
        d,
        'must be a whole number of seconds from 0 to 172800 (AWS limit, 48 hours)',
      )
    )
      problems.check(
        points.length > 0,
        'checkpointDelaySeconds',
        d,
        'needs checkpointPercentages (AWS takes a delay only with checkpoints)',
      );
  }
}

/** The pool's Auto Scaling group name (known at synth: the node's launch hook calls name it). */
export function poolGroupName(tenantName: string, poolName: string): string {
  return `kamaji-${tenantName}-${poolName}`;
}

export interface PoolBootstrapContext {
  readonly tenantName: string;
  readonly endpoint: string;
  readonly caData: string;
  readonly token: TokenSource;
}

export function nodeBootstrapInput(
  spec: WorkerPoolSpec,
  version: KubernetesVersion,
  ctx: PoolBootstrapContext,
): NodeBootstrapInput {
  // Set only when on, so a pool without a cloud-controller-manager renders exactly as before.
  const cloud = spec.cloudProviderExternal ? { cloudProviderExternal: true } : {};
  const hook = spec.waitForJoin ? { launchHookGroup: poolGroupName(ctx.tenantName, spec.name) } : {};
  return {
    ...cloud,
    ...hook,
    tenantName: ctx.tenantName,
    poolName: spec.name,
    version,
    endpoint: ctx.endpoint,
    caData: ctx.caData,
    token: ctx.token,
    labels: spec.labels,
    taints: spec.taints,
    preJoinScript: spec.preJoinScript,
    postJoinScript: spec.postJoinScript,
    joinAttempts: spec.joinAttempts,
  };
}

/** Reports user data over EC2's limit, measured with worst-case apply-time values. */
export function checkUserDataSize(input: NodeBootstrapInput, problems: Problems): number {
  const bytes = worstCaseUserDataBytes(input);
  problems.check(
    bytes <= USER_DATA_LIMIT_BYTES,
    input.preJoinScript || input.postJoinScript ? 'userData (preJoinScript/postJoinScript)' : 'userData',
    `${bytes} bytes`,
    `must be at most ${USER_DATA_LIMIT_BYTES} bytes of raw user data (EC2 limit; gzip-compressed as sent), counting worst-case apply-time values (endpoint 267, CA 4096, token 23 characters); move large hook scripts to S3 or an AMI`,
  );
  return bytes;
}
