/**
 * AWS cloud integration inside a tenant (issue 13 item 4; DESIGN.md section 6): the AWS
 * cloud-controller-manager (CCM) and the EBS CSI driver, both installed by Helm into the tenant and
 * running on the tenant's workers with the workers' instance role.
 *
 * Where the CCM runs. A Kamaji tenant has no control-plane nodes, so the upstream chart (which selects
 * `node-role.kubernetes.io/control-plane`) is overridden to run on the workers:
 * - in the tenant, on the workers (chosen): credentials are the node instance role through IMDSv2,
 *   which a `hostNetwork` pod reaches with the pools' default hop limit 1; nothing AWS-related has to
 *   live in the management cluster; the CCM's API access is an ordinary in-tenant ServiceAccount.
 *   Cost: every worker's role carries the CCM's (scoped) ELB/security-group permissions, so any
 *   hostNetwork pod on a worker can use them; and the CCM needs one worker up to initialize the
 *   others (the first node initializes itself: the DaemonSet tolerates the uninitialized taint).
 * - beside the control plane (TCP additional containers in the management cluster): worker roles stay
 *   minimal and the CCM runs before any worker exists, but the management cluster then needs AWS
 *   credentials for every tenant's account (IRSA/Pod Identity on the management cluster, or keys),
 *   the CCM runs outside the workers' VPC (the chart has no cloud config for `VPC`/`SubnetID`, which
 *   upstream requires for that mode, pkg/providers/v1/aws.go), and Kamaji's additional-containers
 *   API becomes part of this project's contract. Not implemented.
 *
 * Facts (upstream, cited in the README text):
 * - kubernetes/cloud-provider-aws charts/aws-cloud-controller-manager (Chart.yaml 0.0.11, appVersion
 *   v1.35.0): DaemonSet, `nodeSelector` control-plane, `hostNetworking` value, `args` list.
 * - The CCM finds its cluster id in the tags of the instance it runs on (`kubernetes.io/cluster/<id>`,
 *   pkg/providers/v1/tags.go `initFromTags`); LoadBalancer subnets: all subnets of the VPC not tagged
 *   for another cluster, internet-facing only on public ones, ties in an AZ broken by
 *   `kubernetes.io/role/elb` / `kubernetes.io/role/internal-elb`, then the cluster tag
 *   (pkg/providers/v1/aws.go `findSubnets`, `findELBSubnets`); the instance's security group to open
 *   for the load balancer is the one tagged with the cluster tag (`findSecurityGroupForInstance`).
 * - Resources the CCM creates carry the cluster tag at creation (CLB/NLB/target group `Tags`, security
 *   group `TagSpecifications`), which the policy below uses to scope mutations.
 * - kubernetes-sigs/aws-ebs-csi-driver charts/aws-ebs-csi-driver (Chart.yaml 2.64.0): the controller
 *   Deployment has no hostNetwork option, so it reaches IMDS only with a hop limit of 2
 *   (docs/install.md "IMDS (EC2) Metadata"); the node DaemonSet has `node.hostNetwork`.
 *   docs/AmazonEBSCSIDriverEKSClusterScopedPolicy.json scopes volumes to `ebs.csi.aws.com/cluster-name`,
 *   which the driver sets when `k8sTagClusterId` is given (docs/tagging.md).
 */
import { Problems } from './errors';
import { isAwsRegion, isDns1123Subdomain } from './names';
import { parseVersion } from './versions';

/**
 * The newest cloud-controller-manager release of each Kubernetes minor that is both a git tag of
 * kubernetes/cloud-provider-aws and an image promoted to registry.k8s.io/provider-aws/
 * cloud-controller-manager (kubernetes/k8s.io registry.k8s.io/images/k8s-staging-provider-aws/
 * images.yaml; read 2026-12-02). 1.36 has tags (v1.36.1) but no promoted image there.
 * cloud-provider-aws docs/README.md "Compatibility with Kubernetes": the major and minor equal the
 * compatible Kubernetes release, upgraded with the cluster like kube-controller-manager. The
 * Kubernetes version skew policy (kubernetes.io/releases/version-skew-policy, "kube-controller-manager,
 * kube-scheduler, and cloud-controller-manager"): not newer than the API server, expected to match its
 * minor, may be one minor older (live upgrades). So a tenant gets its minor's release, else (1.36
 * today) the previous minor's; the chart's default image (v1.35.0 in chart 0.0.11) would be newer
 * than a 1.34 tenant's API server.
 */
export const CCM_IMAGE_BY_MINOR: Readonly<Record<number, string>> = {
  30: 'v1.30.10',
  31: 'v1.31.9',
  32: 'v1.32.8',
  33: 'v1.33.4',
  34: 'v1.34.3',
  35: 'v1.35.2',
};

/**
 * The CCM image tag for a tenant: `explicit` if given, else the release of the control plane's
 * minor, else of the minor before (allowed by the skew policy); undefined when none is known.
 */
export function ccmImageTagFor(
  explicit: string | undefined,
  kubernetesVersion: string | undefined,
): string | undefined {
  if (explicit !== undefined) return explicit;
  const version = kubernetesVersion === undefined ? undefined : parseVersion(kubernetesVersion);
  return version ? (CCM_IMAGE_BY_MINOR[version.minor] ?? CCM_IMAGE_BY_MINOR[version.minor - 1]) : undefined;
}

export const CCM_CHART_REPOSITORY = 'https://kubernetes.github.io/cloud-provider-aws';
export const CCM_CHART = 'aws-cloud-controller-manager';
/** charts/aws-cloud-controller-manager/Chart.yaml at kubernetes/cloud-provider-aws 63ec440 (appVersion v1.35.0). */
export const DEFAULT_CCM_CHART_VERSION = '0.0.11';
export const CCM_NAMESPACE = 'kube-system';

export const EBS_CSI_CHART_REPOSITORY = 'https://kubernetes-sigs.github.io/aws-ebs-csi-driver';
export const EBS_CSI_CHART = 'aws-ebs-csi-driver';
/** charts/aws-ebs-csi-driver/Chart.yaml at kubernetes-sigs/aws-ebs-csi-driver 429e202 (driver v1.64.0). */
export const DEFAULT_EBS_CSI_CHART_VERSION = '2.64.0';
export const EBS_CSI_NAMESPACE = 'kube-system';
export const DEFAULT_STORAGE_CLASS_NAME = 'gp3';

/** The tag the CCM (and EBS CSI with `k8sTagClusterId`) uses to know a resource belongs to a cluster. */
export const CLUSTER_TAG_PREFIX = 'kubernetes.io/cluster/';
export const PUBLIC_ELB_SUBNET_TAG = 'kubernetes.io/role/elb';
export const INTERNAL_ELB_SUBNET_TAG = 'kubernetes.io/role/internal-elb';
/** Set by the EBS CSI driver on volumes and snapshots when `k8sTagClusterId` is given. */
export const EBS_CLUSTER_NAME_TAG = 'ebs.csi.aws.com/cluster-name';
/** The taint a kubelet with `--cloud-provider=external` puts on its Node until a CCM initializes it. */
export const UNINITIALIZED_TAINT = 'node.cloudprovider.kubernetes.io/uninitialized';

export enum ResourceOwnership {
  /** The resource lives and dies with the tenant. */
  OWNED = 'owned',
  /** Shared with other clusters (or not managed here): the CCM never deletes it. */
  SHARED = 'shared',
}

export enum SubnetElbRole {
  /** `kubernetes.io/role/elb=1`: preferred for internet-facing load balancers (must route to an IGW). */
  PUBLIC = 'public',
  /** `kubernetes.io/role/internal-elb=1`: preferred for internal load balancers. */
  INTERNAL = 'internal',
  /** Only the cluster tag. */
  NONE = 'none',
}

export interface SubnetTagSpec {
  readonly subnetId: string;
  readonly elbRole: SubnetElbRole;
}

export interface CloudIntegrationSpec {
  /** The tenant's cluster id, as in `kubernetes.io/cluster/<clusterName>` and `--cluster-name`. */
  readonly clusterName: string;
  readonly cloudControllerManager: boolean;
  readonly ebsCsi: boolean;
  readonly ccmChartVersion: string;
  readonly ebsCsiChartVersion: string;
  /** CCM image tag; undefined keeps the chart's. */
  readonly ccmImageTag?: string;
  /** The tenant's control-plane version, when known: the CCM image must be of its minor. */
  readonly kubernetesVersion?: string;
  readonly defaultStorageClass: boolean;
  readonly storageClassName: string;
  /** AWS region for the EBS CSI controller (skips its IMDS region lookup); undefined: from IMDS. */
  readonly region?: string;
  readonly subnets: readonly SubnetTagSpec[];
  readonly subnetOwnership: ResourceOwnership;
  /** IAM partition for ARNs (`aws`, `aws-us-gov`, `aws-cn`). */
  readonly partition: string;
}

const EXACT_VERSION = /^v?\d+\.\d+\.\d+$/;
// A tag-key segment and a DNS-1123 label: the CCM and the driver put it in tag keys and flags.
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function validateCloudIntegration(spec: CloudIntegrationSpec, problems: Problems): void {
  problems.check(
    CLUSTER_NAME.test(spec.clusterName),
    'clusterName',
    spec.clusterName,
    'must be a DNS label (lower case letters, digits, "-", at most 63 characters): it becomes the tag key kubernetes.io/cluster/<clusterName>',
  );
  problems.check(
    EXACT_VERSION.test(spec.ccmChartVersion),
    'ccmChartVersion',
    spec.ccmChartVersion,
    'must be an exact chart version such as "0.0.11"',
  );
  problems.check(
    EXACT_VERSION.test(spec.ebsCsiChartVersion),
    'ebsCsiChartVersion',
    spec.ebsCsiChartVersion,
    'must be an exact chart version such as "2.64.0"',
  );
  if (spec.ccmImageTag !== undefined) {
    problems.check(
      EXACT_VERSION.test(spec.ccmImageTag),
      'ccmImageTag',
      spec.ccmImageTag,
      'must be an exact cloud-controller-manager release such as "v1.33.2"',
    );
  }
  const version = spec.kubernetesVersion === undefined ? undefined : parseVersion(spec.kubernetesVersion);
  if (spec.cloudControllerManager && version) {
    const tag = ccmImageTagFor(spec.ccmImageTag, spec.kubernetesVersion);
    const tagMinor = tag === undefined ? undefined : parseVersion(tag)?.minor;
    if (tag === undefined) {
      problems.add(
        'ccmImageTag',
        undefined,
        `is required for Kubernetes 1.${version.minor}: no cloud-controller-manager release of that minor or the one before is known to this version of cdktf-kamaji (known: 1.${Object.keys(CCM_IMAGE_BY_MINOR).join(', 1.')})`,
      );
    } else if (tagMinor !== undefined) {
      problems.check(
        tagMinor === version.minor || tagMinor === version.minor - 1,
        'ccmImageTag',
        tag,
        `must be a release of the tenant's minor 1.${version.minor}, or of 1.${version.minor - 1} during an upgrade (version skew policy: never newer than the API server, at most one minor older), such as "${ccmImageTagFor(undefined, spec.kubernetesVersion) ?? `v1.${version.minor}.0`}"`,
      );
    }
  }
  problems.check(
    isDns1123Subdomain(spec.storageClassName),
    'storageClassName',
    spec.storageClassName,
    'must be a DNS subdomain such as "gp3"',
  );
  if (spec.region !== undefined) {
    problems.check(isAwsRegion(spec.region), 'region', spec.region, 'must be an AWS region such as "eu-west-1"');
  }
  problems.check(
    /^aws(-[a-z]+)*$/.test(spec.partition),
    'partition',
    spec.partition,
    'must be an AWS partition such as "aws" or "aws-us-gov"',
  );
  problems.check(
    Object.values(ResourceOwnership).includes(spec.subnetOwnership),
    'subnetOwnership',
    spec.subnetOwnership,
    `must be one of ${Object.values(ResourceOwnership).join(', ')}`,
  );
  const seen = new Set<string>();
  spec.subnets.forEach((s, i) => {
    const p = problems.child(`subnets[${i}]`);
    p.check(
      /^subnet-[0-9a-f]{8,17}$/.test(s.subnetId),
      'subnetId',
      s.subnetId,
      'must be a subnet id such as "subnet-0123abcd"',
    );
    p.check(!seen.has(s.subnetId), 'subnetId', s.subnetId, 'is listed twice');
    seen.add(s.subnetId);
    p.check(
      Object.values(SubnetElbRole).includes(s.elbRole),
      'elbRole',
      s.elbRole,
      `must be one of ${Object.values(SubnetElbRole).join(', ')}`,
    );
  });
  if (!spec.cloudControllerManager) {
    problems.check(
      spec.subnets.length === 0,
      'subnets',
      spec.subnets.map((s) => s.subnetId),
      "are tagged for the cloud-controller-manager's load balancers: leave them empty when it is off",
    );
  }
  if (!spec.ebsCsi) {
    problems.check(
      !spec.defaultStorageClass,
      'defaultStorageClass',
      spec.defaultStorageClass,
      'needs the EBS CSI driver (ebsCsi: true)',
    );
  }
}

/** The tag every instance, the pool security group and the tagged subnets carry. */
export function clusterTagKey(clusterName: string): string {
  return `${CLUSTER_TAG_PREFIX}${clusterName}`;
}

/** The subnet tags, one entry per (subnet, key), in a fixed order. */
export function subnetTags(spec: CloudIntegrationSpec): { subnetId: string; key: string; value: string }[] {
  const out: { subnetId: string; key: string; value: string }[] = [];
  for (const s of spec.subnets) {
    out.push({ subnetId: s.subnetId, key: clusterTagKey(spec.clusterName), value: spec.subnetOwnership });
    if (s.elbRole === SubnetElbRole.PUBLIC) out.push({ subnetId: s.subnetId, key: PUBLIC_ELB_SUBNET_TAG, value: '1' });
    if (s.elbRole === SubnetElbRole.INTERNAL) {
      out.push({ subnetId: s.subnetId, key: INTERNAL_ELB_SUBNET_TAG, value: '1' });
    }
  }
  return out;
}

/**
 * aws-cloud-controller-manager chart values. The chart's `nodeSelector` (control-plane) is removed
 * with a null (Helm deletes a default key set to null; an empty map would merge with the default), so
 * the DaemonSet runs on every Linux worker; host network so the node role is reachable through IMDSv2
 * with hop limit 1 and the CCM does not depend on the CNI; `--configure-cloud-routes=false` and no
 * route controller because Calico VXLAN carries pod traffic.
 */
export function ccmValues(spec: CloudIntegrationSpec): Record<string, unknown> {
  const ccmTag = ccmImageTagFor(spec.ccmImageTag, spec.kubernetesVersion);
  return {
    args: [
      '--v=2',
      '--cloud-provider=aws',
      `--cluster-name=${spec.clusterName}`,
      '--configure-cloud-routes=false',
      '--controllers=*,-route',
    ],
    ...(ccmTag ? { image: { tag: ccmTag } } : {}),
    nodeSelector: { 'node-role.kubernetes.io/control-plane': null, 'kubernetes.io/os': 'linux' },
    hostNetworking: true,
    // The CCM initializes the nodes, so it runs on uninitialized ones (UNINITIALIZED_TAINT); a tenant
    // has no control-plane taints, but taints of dedicated pools must not starve it either.
    // Every NoSchedule taint: the uninitialized one above all, and pools' own taints.
    tolerations: [
      { operator: 'Exists', effect: 'NoSchedule' },
      { key: 'CriticalAddonsOnly', operator: 'Exists' },
    ],
  };
}

/**
 * aws-ebs-csi-driver chart values: volumes tagged with the cluster (the IAM policy below depends on
 * it), node DaemonSet on the host network (IMDS with hop limit 1), no Windows DaemonSet, and the
 * default StorageClass.
 */
export function ebsCsiValues(spec: CloudIntegrationSpec): Record<string, unknown> {
  const controller: Record<string, unknown> = {
    k8sTagClusterId: spec.clusterName,
    // Until the CCM has initialized a node, the scheduler may only place this on an uninitialized one.
    tolerations: [
      { key: 'CriticalAddonsOnly', operator: 'Exists' },
      { effect: 'NoExecute', operator: 'Exists', tolerationSeconds: 300 },
    ],
  };
  if (spec.region) controller.region = spec.region;
  return {
    controller,
    node: { hostNetwork: true, enableWindows: false },
    storageClasses: spec.defaultStorageClass
      ? [
          {
            name: spec.storageClassName,
            annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
            volumeBindingMode: 'WaitForFirstConsumer',
            reclaimPolicy: 'Delete',
            allowVolumeExpansion: true,
            parameters: { type: 'gp3', encrypted: 'true', 'csi.storage.k8s.io/fstype': 'ext4' },
          },
        ]
      : [],
  };
}

type Statement = Record<string, unknown>;
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: Statement[];
}

/**
 * The CCM's policy: docs/prerequisites.md "Control Plane Policy" of kubernetes/cloud-provider-aws,
 * minus what this setup never calls (routes and `ec2:ModifyInstanceAttribute`: route controller off;
 * volumes and `kms:DescribeKey`: EBS CSI owns volumes; autoscaling: unused by the v1 provider), with
 * mutations scoped to resources carrying `kubernetes.io/cluster/<clusterName>` (the CCM tags what it
 * creates at creation), like the AWS Load Balancer Controller's published policy; listeners and NLB
 * target registration (untaggable at that point) are limited to ELB resource types only.
 */
export function ccmPolicy(spec: CloudIntegrationSpec): PolicyDocument {
  const tag = clusterTagKey(spec.clusterName);
  const arn = (service: string, resource: string) => `arn:${spec.partition}:${service}:*:*:${resource}`;
  const tagged = (kind: 'aws:ResourceTag' | 'aws:RequestTag') => ({ Null: { [`${kind}/${tag}`]: 'false' } });
  const elbResources = [
    arn('elasticloadbalancing', 'loadbalancer/*'),
    arn('elasticloadbalancing', 'targetgroup/*/*'),
    arn('elasticloadbalancing', 'listener/net/*/*/*'),
  ];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Describe',
        Effect: 'Allow',
        Action: [
          'ec2:DescribeAvailabilityZones',
          'ec2:DescribeInstances',
          'ec2:DescribeInstanceTopology',
          'ec2:DescribeRegions',
          'ec2:DescribeRouteTables',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSubnets',
          'ec2:DescribeVolumes',
          'ec2:DescribeVpcs',
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeLoadBalancerAttributes',
          'elasticloadbalancing:DescribeLoadBalancerPolicies',
          'elasticloadbalancing:DescribeLoadBalancers',
          'elasticloadbalancing:DescribeTargetGroups',
          'elasticloadbalancing:DescribeTargetGroupAttributes',
          'elasticloadbalancing:DescribeTargetHealth',
          'elasticloadbalancing:DescribeTags',
        ],
        Resource: '*',
      },
      {
        Sid: 'CreateClusterSecurityGroups',
        Effect: 'Allow',
        Action: ['ec2:CreateSecurityGroup'],
        Resource: arn('ec2', 'security-group/*'),
        Condition: tagged('aws:RequestTag'),
      },
      {
        Sid: 'CreateSecurityGroupsInVpcs',
        Effect: 'Allow',
        Action: ['ec2:CreateSecurityGroup'],
        Resource: arn('ec2', 'vpc/*'),
      },
      {
        Sid: 'TagSecurityGroupsOnCreation',
        Effect: 'Allow',
        Action: ['ec2:CreateTags'],
        Resource: arn('ec2', 'security-group/*'),
        Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' } },
      },
      {
        Sid: 'ManageClusterSecurityGroups',
        Effect: 'Allow',
        Action: [
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:RevokeSecurityGroupIngress',
          'ec2:DeleteSecurityGroup',
          'ec2:CreateTags',
        ],
        Resource: arn('ec2', 'security-group/*'),
        Condition: tagged('aws:ResourceTag'),
      },
      {
        Sid: 'CreateClusterLoadBalancers',
        Effect: 'Allow',
        Action: [
          'elasticloadbalancing:CreateLoadBalancer',
          'elasticloadbalancing:CreateTargetGroup',
          'elasticloadbalancing:AddTags',
        ],
        Resource: elbResources,
        Condition: tagged('aws:RequestTag'),
      },
      {
        Sid: 'ManageClusterLoadBalancers',
        Effect: 'Allow',
        Action: [
          'elasticloadbalancing:AddTags',
          'elasticloadbalancing:ApplySecurityGroupsToLoadBalancer',
          'elasticloadbalancing:AttachLoadBalancerToSubnets',
          'elasticloadbalancing:ConfigureHealthCheck',
          'elasticloadbalancing:CreateLoadBalancerListeners',
          'elasticloadbalancing:CreateLoadBalancerPolicy',
          'elasticloadbalancing:DeleteLoadBalancer',
          'elasticloadbalancing:DeleteLoadBalancerListeners',
          'elasticloadbalancing:DeleteTargetGroup',
          'elasticloadbalancing:DeregisterInstancesFromLoadBalancer',
          'elasticloadbalancing:DetachLoadBalancerFromSubnets',
          'elasticloadbalancing:ModifyLoadBalancerAttributes',
          'elasticloadbalancing:ModifyTargetGroup',
          'elasticloadbalancing:ModifyTargetGroupAttributes',
          'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
          'elasticloadbalancing:SetLoadBalancerPoliciesForBackendServer',
          'elasticloadbalancing:SetLoadBalancerPoliciesOfListener',
          'elasticloadbalancing:SetSecurityGroups',
        ],
        Resource: elbResources,
        Condition: tagged('aws:ResourceTag'),
      },
      {
        // New listeners and NLB targets carry no tags; as in the AWS Load Balancer Controller's policy.
        Sid: 'ListenersAndTargets',
        Effect: 'Allow',
        Action: [
          'elasticloadbalancing:CreateListener',
          'elasticloadbalancing:DeleteListener',
          'elasticloadbalancing:DeregisterTargets',
          'elasticloadbalancing:ModifyListener',
          'elasticloadbalancing:RegisterTargets',
        ],
        Resource: elbResources,
      },
      {
        Sid: 'ElbServiceLinkedRole',
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole'],
        Resource: '*',
        Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
      },
    ],
  };
}

/**
 * The EBS CSI driver's policy: docs/AmazonEBSCSIDriverEKSClusterScopedPolicy.json of
 * kubernetes-sigs/aws-ebs-csi-driver with the principal-tag placeholder replaced by the tenant's
 * name (the tenants of one account cannot touch each other's volumes, unlike the account-wide
 * AmazonEBSCSIDriverPolicyV2), and instances recognised by the CCM's cluster tag instead of EKS's.
 */
export function ebsCsiPolicy(spec: CloudIntegrationSpec): PolicyDocument {
  const arn = (resource: string) => `arn:${spec.partition}:ec2:*:*:${resource}`;
  const mine = (kind: 'ec2:ResourceTag' | 'aws:RequestTag') => ({
    StringEquals: { [`${kind}/${EBS_CLUSTER_NAME_TAG}`]: spec.clusterName },
  });
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadOnlyDescribeOperations',
        Effect: 'Allow',
        Action: [
          'ec2:DescribeAvailabilityZones',
          'ec2:DescribeInstances',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeSnapshots',
          'ec2:DescribeVolumes',
          'ec2:DescribeVolumesModifications',
          'ec2:DescribeVolumeStatus',
        ],
        Resource: '*',
      },
      {
        Sid: 'CreateAndCopyVolumesWithClusterTag',
        Effect: 'Allow',
        Action: ['ec2:CreateVolume', 'ec2:CopyVolumes'],
        Resource: arn('volume/*'),
        Condition: mine('aws:RequestTag'),
      },
      {
        Sid: 'CopyClusterVolumes',
        Effect: 'Allow',
        Action: ['ec2:CopyVolumes'],
        Resource: arn('volume/vol-*'),
        Condition: mine('ec2:ResourceTag'),
      },
      {
        Sid: 'CreateSnapshotsWithClusterTag',
        Effect: 'Allow',
        Action: ['ec2:CreateSnapshot'],
        Resource: arn('snapshot/*'),
        Condition: mine('aws:RequestTag'),
      },
      {
        Sid: 'CreateSnapshotsFromClusterVolumes',
        Effect: 'Allow',
        Action: ['ec2:CreateSnapshot'],
        Resource: arn('volume/*'),
        Condition: mine('ec2:ResourceTag'),
      },
      {
        Sid: 'ManageClusterVolumes',
        Effect: 'Allow',
        Action: ['ec2:ModifyVolume', 'ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:DeleteVolume'],
        Resource: arn('volume/*'),
        Condition: mine('ec2:ResourceTag'),
      },
      {
        Sid: 'CreateVolumesFromAndEnableFSROnClusterSnapshots',
        Effect: 'Allow',
        Action: ['ec2:CreateVolume', 'ec2:EnableFastSnapshotRestores'],
        Resource: arn('snapshot/*'),
        Condition: mine('ec2:ResourceTag'),
      },
      {
        Sid: 'AttachDetachVolumesToClusterInstances',
        Effect: 'Allow',
        Action: ['ec2:AttachVolume', 'ec2:DetachVolume'],
        Resource: arn('instance/*'),
        Condition: { Null: { [`ec2:ResourceTag/${clusterTagKey(spec.clusterName)}`]: 'false' } },
      },
      {
        Sid: 'DeleteAndLockClusterSnapshots',
        Effect: 'Allow',
        Action: ['ec2:DeleteSnapshot', 'ec2:LockSnapshot'],
        Resource: arn('snapshot/*'),
        Condition: mine('ec2:ResourceTag'),
      },
      {
        Sid: 'TagResourcesOnCreation',
        Effect: 'Allow',
        Action: ['ec2:CreateTags'],
        Resource: [arn('volume/*'), arn('snapshot/*')],
        Condition: { StringEquals: { 'ec2:CreateAction': ['CreateVolume', 'CreateSnapshot', 'CopyVolumes'] } },
      },
      {
        Sid: 'ModifyTagsOnClusterVolumes',
        Effect: 'Allow',
        Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
        Resource: arn('volume/*'),
        Condition: {
          ...mine('ec2:ResourceTag'),
          Null: { 'aws:TagKeys': 'false' },
          'ForAllValues:StringNotEquals': {
            'aws:TagKeys': ['ebs.csi.aws.com/cluster', EBS_CLUSTER_NAME_TAG, 'kubernetes.io/created-for/pvc/name'],
          },
        },
      },
    ],
  };
}
