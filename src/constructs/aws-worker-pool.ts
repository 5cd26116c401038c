import { AutoscalingGroup, AutoscalingGroupTag } from '@cdktf/provider-aws/lib/autoscaling-group';
import { AutoscalingLifecycleHook } from '@cdktf/provider-aws/lib/autoscaling-lifecycle-hook';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami';
import { DataAwsSubnet } from '@cdktf/provider-aws/lib/data-aws-subnet';
import { DataAwsVpc } from '@cdktf/provider-aws/lib/data-aws-vpc';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecurityGroup, SecurityGroupEgress } from '@cdktf/provider-aws/lib/security-group';
import { Fn, ITerraformDependable, TerraformLocal, Token } from 'cdktf';
import { Construct } from 'constructs';
import { NodeTaint } from '../model/kubeadm';
import { NodeBootstrapInput, nodeConfigHash, renderCloudConfig, TokenSource } from '../model/node-bootstrap';
import { CANONICAL_OWNER_ID, ec2Architecture, ImageArchitecture, ubuntuImageName } from '../model/ubuntu-images';
import {
  checkUserDataSize,
  NODE_PORT_RANGE,
  NodeEgress,
  nodeBootstrapInput,
  poolGroupName,
  REFRESH_MAX_HEALTHY_PERCENTAGE,
  REFRESH_MIN_HEALTHY_PERCENTAGE,
  TokenDelivery,
  validateWorkerPool,
  workerPoolSpec,
} from '../model/worker-pool';
import { parseVersion } from '../model/versions';
import { BootstrapToken } from './bootstrap-token';
import { FAILURE_TAG_KEY, LAUNCH_HOOK_HEARTBEAT_TIMEOUT_SECONDS, LAUNCH_HOOK_NAME } from '../model/node-bootstrap';
import { problemsFor } from './problems';
import { AWS_PROVIDER, providerOrDefault } from './providers';

export { ImageArchitecture, NodeEgress, TokenDelivery };

/** The knobs of one worker pool; shared by {@link AwsWorkerPoolProps} and the nodes stack. */
export interface AwsWorkerPoolOptions {
  /** Pool name, a DNS-1123 label of at most 32 characters; part of AWS resource names. */
  readonly name: string;
  /**
   * EC2 instance types; more than one (or `spot`) makes a mixed-instances group.
   * @default ["t3.medium"]
   */
  readonly instanceTypes?: string[];
  /**
   * Minimum number of nodes.
   * @default 1
   */
  readonly minSize?: number;
  /**
   * Maximum number of nodes.
   * @default - the larger of minSize and 3
   */
  readonly maxSize?: number;
  /**
   * Initial number of nodes. Terraform ignores later changes (autoscalers own it).
   * @default - minSize
   */
  readonly desiredSize?: number;
  /**
   * Subnets of the group (their VPC is the security group's).
   * @default - required here; the nodes stack fills in the default VPC's subnets
   */
  readonly subnetIds?: string[];
  /**
   * AMI id. It must be an Ubuntu 22.04/24.04 image with cloud-init, python3 and apt. Excludes
   * `ubuntuRelease`, `imageSerial` and `architecture`. Changing it rolls the pool.
   * @default - Canonical's image of `ubuntuRelease`, `architecture` and `imageSerial`
   */
  readonly amiId?: string;
  /**
   * Ubuntu release of Canonical's image: "24.04" or "22.04".
   * @default "24.04"
   */
  readonly ubuntuRelease?: string;
  /**
   * Canonical's build serial (the image name's last part, `YYYYMMDD[.N]`): the pool runs exactly this
   * image, found by its exact name and Canonical's owner id. Changing it rolls the pool; `cdktf-kamaji
   * image` prints how to find the newest.
   * @default - DEFAULT_IMAGE_SERIAL of this release of cdktf-kamaji
   */
  readonly imageSerial?: string;
  /**
   * CPU architecture of Canonical's image; must match the instance types (arm64 for Graviton).
   * @default ImageArchitecture.AMD64
   */
  readonly architecture?: ImageArchitecture;
  /**
   * Seconds an instance refresh waits after a new node is InService (with `waitForJoin`: joined) before
   * it goes on: the time to turn Ready.
   * @default 300
   */
  readonly instanceWarmupSeconds?: number;
  /**
   * Instance refresh checkpoints: percentages of replaced nodes after which the refresh pauses for
   * `checkpointDelaySeconds`; whole numbers, strictly ascending, the last 100.
   * @default - none (the refresh runs through)
   */
  readonly checkpointPercentages?: number[];
  /**
   * Pause at each checkpoint, in seconds (0 to 172800); needs `checkpointPercentages`.
   * @default - 3600 when checkpoints are set (AWS default)
   */
  readonly checkpointDelaySeconds?: number;
  /**
   * What the nodes' security group lets out: everything (like EKS node groups), or only the control
   * plane, package mirrors and the pool's own nodes.
   * @default NodeEgress.ALL
   */
  readonly egress?: NodeEgress;
  /**
   * Admit TCP to the NodePort range (30000-32767) from `nodePortSourceCidrs`, so load balancers of
   * `Service type: LoadBalancer` (a cloud-controller-manager's CLB/NLB) reach the nodes.
   * @default true
   */
  readonly nodePortIngress?: boolean;
  /**
   * Where NodePort traffic comes from (`nodePortIngress`). Internet-facing NLBs keep the client's
   * address: add the clients' ranges, or let the cloud-controller-manager open them.
   * @default - the CIDR blocks of the pool's VPC
   */
  readonly nodePortSourceCidrs?: string[];
  /**
   * Size of the encrypted gp3 root volume, in GiB.
   * @default 30
   */
  readonly rootVolumeSizeGiB?: number;
  /**
   * IMDSv2 hop limit. 1 keeps the instance role away from pods; 2 lets host-network pods use it.
   * @default 1
   */
  readonly httpPutResponseHopLimit?: number;
  /**
   * Kubelet/kubeadm version; never newer than the control plane and at most 3 minors older.
   * @default - the control plane's version
   */
  readonly kubernetesVersion?: string;
  /**
   * Node labels (the kubelet sets them; kubernetes.io/k8s.io keys other than node.kubernetes.io/* are refused).
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Node taints set at registration.
   * @default - none
   */
  readonly taints?: NodeTaint[];
  /**
   * bash run as root before the node is set up (it counts toward the 16 KB user-data limit).
   * @default - none
   */
  readonly preJoinScript?: string;
  /**
   * bash run as root after a successful join.
   * @default - none
   */
  readonly postJoinScript?: string;
  /**
   * How nodes receive the bootstrap token.
   * @default TokenDelivery.SSM
   */
  readonly tokenDelivery?: TokenDelivery;
  /**
   * How many times `kubeadm join` runs (with doubling back-off from 10 s) before the node gives up.
   * @default 5
   */
  readonly joinAttempts?: number;
  /**
   * Let the group replace Spot instances at elevated interruption risk.
   * @default false
   */
  readonly capacityRebalance?: boolean;
  /**
   * Use Spot capacity (price-capacity-optimized) above `onDemandBaseCapacity`.
   * @default false
   */
  readonly spot?: boolean;
  /**
   * On-demand instances before any Spot capacity (mixed-instances groups only).
   * @default 0
   */
  readonly onDemandBaseCapacity?: number;
  /**
   * Percentage of on-demand instances above the base (mixed-instances groups only).
   * @default - 0 with spot, 100 without
   */
  readonly onDemandPercentageAboveBaseCapacity?: number;
  /**
   * The tenant API server's port (the control plane's `networkProfile.port`).
   * @default 6443
   */
  readonly apiPort?: number;
  /**
   * The konnectivity server's port (the control plane's `addons.konnectivity.server.port`).
   * @default 8132
   */
  readonly konnectivityPort?: number;
  /**
   * With `NodeEgress.RESTRICTED`: where the control plane is (egress on the API and konnectivity ports).
   * @default ["0.0.0.0/0"] (the endpoint is only known at apply time)
   */
  readonly controlPlaneCidrs?: string[];
  /**
   * With `NodeEgress.RESTRICTED`: package mirrors and registries (apt, pkgs.k8s.io, container
   * images), egress on 80 and 443.
   * @default ["0.0.0.0/0"]
   */
  readonly packageMirrorCidrs?: string[];
  /**
   * Attach AmazonSSMManagedInstanceCore so nodes are reachable through Session Manager.
   * @default false
   */
  readonly ssmSessionManager?: boolean;
  /**
   * Start kubelets with `--cloud-provider=external`: a cloud-controller-manager in the tenant sets
   * each Node's providerID, addresses and zone labels (the node stays tainted uninitialized until then).
   * @default false
   */
  readonly cloudProviderExternal?: boolean;
  /**
   * A launch lifecycle hook (`cdktf-kamaji-join`, default result ABANDON) holds each new instance in
   * Pending:Wait until its bootstrap completes the hook after `kubeadm join` succeeded: an instance
   * refresh or scale-out counts only nodes that joined, and a node that hangs (no heartbeat for
   * 600 s) or gives up is terminated and replaced. The node role may complete and heartbeat this
   * group's lifecycle actions only. The hook is its own resource (adding it never replaces the
   * group), created after the group: the pool's very first nodes are not held.
   * @default true
   */
  readonly waitForJoin?: boolean;
  /**
   * Tags on every resource of the pool, propagated to instances and volumes. A
   * `kubernetes.io/cluster/<id>` tag (the cloud-controller-manager's) is put on a separate, rule-less
   * security group of the pool instead of the pool's own group: the controller adds its load-balancer
   * rules there, which Terraform leaves alone (it would delete them from a group whose rules it owns).
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

export interface AwsWorkerPoolProps extends AwsWorkerPoolOptions {
  /** Tenant name (for names, tags and logs). */
  readonly tenantName: string;
  /** The control plane's Kubernetes version, for the skew check. */
  readonly controlPlaneVersion: string;
  /** The tenant API server URL (usually apply-time, from the admin kubeconfig). */
  readonly endpoint: string;
  /** The tenant CA as base64 PEM (`certificate-authority-data`; public). */
  readonly caData: string;
  /** The bootstrap token nodes join with. */
  readonly token: BootstrapToken;
  /** AWS region of the pool (the SSM endpoint the nodes call). */
  readonly region: string;
  /**
   * VPC of the security group.
   * @default - the VPC of the first subnet
   */
  readonly vpcId?: string;
  /**
   * More security groups for the nodes, such as one shared by all pools of the tenant: the pool's
   * own group admits traffic from its own nodes only, so pods, VXLAN (UDP 4789) and kubelets of
   * different pools need a common group to reach each other (the nodes stack adds one).
   * @default - none
   */
  readonly additionalSecurityGroupIds?: string[];
  /**
   * What the Auto Scaling group waits for before it starts or replaces nodes, such as the checks of
   * `TenantJoinPrerequisites`.
   * @default - the bootstrap token only
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * The aws provider of the pool's account and region.
   * @default - the stack's default aws provider (synth fails, naming this prop, when there is none)
   */
  readonly awsProvider?: AwsProvider;
}

const NODE_CONFIG_TAG = 'cdktf-kamaji/node-config';
/** The cloud provider's cluster tag: `kubernetes.io/cluster/<cluster id>`. */
const CLUSTER_TAG_PREFIX = 'kubernetes.io/cluster/';
/** The pool's image (AMI id or Canonical name) on the launch template and the instances; the review reads it. */
export const IMAGE_TAG = 'cdktf-kamaji/image';

/**
 * An Auto Scaling group of Ubuntu workers that join a tenant with kubeadm.
 *
 * Logical ids: `Role`, `InstanceProfile`, `ReadToken` (SSM read policy), `SessionManager`,
 * `FirstSubnet` (without `vpcId`), `Vpc` (NodePort sources by default), `SecurityGroup`,
 * `LoadBalancerSecurityGroup` (with a cluster tag), `Ami`,
 * `UserData` (a local), `LaunchTemplate`, `Group`.
 */
export class AwsWorkerPool extends Construct {
  /** The pool's name. */
  readonly poolName: string;
  /** How this pool's nodes receive the token. */
  readonly tokenDelivery: TokenDelivery;
  readonly role: IamRole;
  readonly securityGroup: SecurityGroup;
  /**
   * The rule-less group that carries the `kubernetes.io/cluster/<id>` tag, when `tags` hold one: the
   * cloud-controller-manager opens load-balancer traffic there.
   */
  readonly loadBalancerSecurityGroup?: SecurityGroup;
  readonly launchTemplate: LaunchTemplate;
  readonly group: AutoscalingGroup;
  /** The launch lifecycle hook the nodes complete once they joined (unless `waitForJoin` is false). */
  readonly launchHook?: AutoscalingLifecycleHook;
  /** The rendered cloud-config (Terraform references where values are apply-time). */
  readonly userData: string;
  /** Worst-case raw user-data size, as checked against the EC2 limit. */
  readonly userDataBytes: number;

  constructor(scope: Construct, id: string, props: AwsWorkerPoolProps) {
    super(scope, id);
    const problems = problemsFor(this);
    const spec = workerPoolSpec(props, props.controlPlaneVersion);
    const controlPlane = parseVersion(props.controlPlaneVersion);
    problems.check(
      controlPlane !== undefined,
      'controlPlaneVersion',
      props.controlPlaneVersion,
      'must be a Kubernetes version such as "v1.33.4"',
    );
    const version = validateWorkerPool(spec, controlPlane, problems);
    (props.additionalSecurityGroupIds ?? []).forEach((id, i) =>
      problems.check(
        /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id),
        `additionalSecurityGroupIds[${i}]`,
        id,
        'must be a security group id such as "sg-0123456789abcdef0"',
      ),
    );
    let tokenSource: TokenSource | undefined;
    if (spec.tokenDelivery === TokenDelivery.SSM) {
      if (props.token.parameterName === undefined) {
        problems.add(
          'tokenDelivery',
          'ssm',
          'needs the BootstrapToken to have an SSM parameter (set its ssmParameterName), or use TokenDelivery.INLINE',
        );
      } else {
        tokenSource = { delivery: 'ssm', parameterName: props.token.parameterName, region: props.region };
      }
    } else {
      tokenSource = { delivery: 'inline', token: props.token.token };
    }
    let input: NodeBootstrapInput | undefined;
    if (version && tokenSource) {
      input = nodeBootstrapInput(spec, version, {
        tenantName: props.tenantName,
        endpoint: props.endpoint,
        caData: props.caData,
        token: tokenSource,
      });
      this.userDataBytes = checkUserDataSize(input, problems);
    } else {
      this.userDataBytes = 0;
    }
    problems.throwIfAny();
    this.poolName = spec.name;
    this.tokenDelivery = spec.tokenDelivery;
    this.userData = renderCloudConfig(input!);

    const provider = providerOrDefault(this, props.awsProvider, AWS_PROVIDER);
    const baseName = `${props.tenantName}-${spec.name}`;
    const tags = { 'cdktf-kamaji/tenant': props.tenantName, 'cdktf-kamaji/pool': spec.name, ...spec.tags };
    // ARNs in the partition of the provider's region (aws, aws-cn, aws-us-gov).
    const partition = new DataAwsPartition(this, 'Partition', { provider }).partition;

    this.role = new IamRole(this, 'Role', {
      provider,
      namePrefix: `${baseName}-`.slice(0, 38),
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      tags,
    });
    // Both tokens' Secrets: the delivered token is the newest, which may be either slot's.
    const dependsOn: ITerraformDependable[] = [
      ...props.token.slots.map((slot) => slot.secret),
      ...(props.dependsOn ?? []),
    ];
    if (spec.tokenDelivery === TokenDelivery.SSM && props.token.parameter) {
      // Only this parameter: a node can read its join token and nothing else. The AWS-managed
      // aws/ssm key needs no kms:Decrypt grant (its key policy allows use through SSM).
      const readToken = new IamRolePolicy(this, 'ReadToken', {
        provider,
        role: this.role.id,
        name: 'read-bootstrap-token',
        policy: Fn.jsonencode({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: props.token.parameter.arn }],
        }),
      });
      // The group starts nodes only once they may read the token (the role alone is not enough).
      dependsOn.push(props.token.parameter, readToken);
    }
    if (spec.ssmSessionManager) {
      new IamRolePolicyAttachment(this, 'SessionManager', {
        provider,
        role: this.role.name,
        policyArn: `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
      });
    }
    const profile = new IamInstanceProfile(this, 'InstanceProfile', {
      provider,
      namePrefix: `${baseName}-`.slice(0, 38),
      role: this.role.name,
      tags,
    });

    const vpcId =
      props.vpcId ?? new DataAwsSubnet(this, 'FirstSubnet', { provider, id: Fn.element(spec.subnetIds, 0) }).vpcId;
    const rule = (
      description: string,
      protocol: string,
      ports: number | { from: number; to: number },
      cidrs: readonly string[] | string[],
    ): SecurityGroupEgress => ({
      description,
      protocol,
      fromPort: typeof ports === 'number' ? ports : ports.from,
      toPort: typeof ports === 'number' ? ports : ports.to,
      cidrBlocks: Token.isUnresolved(cidrs) ? (cidrs as string[]) : [...cidrs],
      ipv6CidrBlocks: [],
      prefixListIds: [],
      securityGroups: [],
      selfAttribute: false,
    });
    const self = (description: string): SecurityGroupEgress => ({
      ...rule(description, '-1', 0, []),
      selfAttribute: true,
    });
    // Inbound: the pool's own nodes, and NodePorts from where tenant load balancers are (the VPC).
    const ingress = [self('pool nodes')];
    if (spec.nodePortIngress) {
      const sources =
        spec.nodePortSourceCidrs ??
        Token.asList(
          `\${[for a in ${new DataAwsVpc(this, 'Vpc', { provider, id: vpcId }).fqn}.cidr_block_associations : a.cidr_block]}`,
        );
      ingress.push(rule('NodePorts (tenant load balancers)', 'tcp', NODE_PORT_RANGE, sources));
    }
    // Outbound: everything by default, like EKS node groups (pods' traffic leaves through this group);
    // restricted: the pool's nodes (Calico VXLAN on UDP 4789, kubelet 10250 for konnectivity agents,
    // pod traffic), the control plane and package mirrors. DNS to the VPC resolver, IMDS and NTP
    // (169.254.169.123) are not filtered by security groups.
    const egress =
      spec.egress === NodeEgress.ALL
        ? [{ ...rule('all egress', '-1', 0, ['0.0.0.0/0']), ipv6CidrBlocks: ['::/0'] }]
        : [
            self('pool nodes'),
            rule('tenant API server', 'tcp', spec.apiPort, spec.controlPlaneCidrs),
            rule('konnectivity', 'tcp', spec.konnectivityPort, spec.controlPlaneCidrs),
            rule('package mirrors (https)', 'tcp', 443, spec.packageMirrorCidrs),
            rule('package mirrors (http)', 'tcp', 80, spec.packageMirrorCidrs),
          ];
    // The cloud-controller-manager edits the one security group of an instance that carries its
    // cluster tag (cloud-provider-aws findSecurityGroupForInstance). Terraform owns every rule of the
    // pool's group (inline rules are authoritative) and would delete the controller's, so the tag goes
    // on a group of its own, whose rules Terraform does not manage.
    const clusterTag = (key: string) => key.startsWith(CLUSTER_TAG_PREFIX);
    const ownGroupTags = Object.fromEntries(Object.entries(tags).filter(([key]) => !clusterTag(key)));
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      provider,
      namePrefix: `${baseName}-`,
      description: `cdktf-kamaji workers of tenant ${props.tenantName}, pool ${spec.name}`,
      vpcId,
      ingress,
      egress,
      tags: ownGroupTags,
      lifecycle: { createBeforeDestroy: true },
    });
    this.loadBalancerSecurityGroup = Object.keys(tags).some(clusterTag)
      ? new SecurityGroup(this, 'LoadBalancerSecurityGroup', {
          provider,
          namePrefix: `${baseName}-lb-`,
          description: `cdktf-kamaji workers of tenant ${props.tenantName}, pool ${spec.name}: rules of the cloud-controller-manager`,
          vpcId,
          tags,
          lifecycle: { createBeforeDestroy: true },
        })
      : undefined;

    // One exact image: an AMI id, or Canonical's image of one release, architecture and serial (its
    // exact name and owner match one image per region; deprecated images still launch, so they count).
    const imageName = spec.image ? ubuntuImageName(spec.image) : undefined;
    const imageId =
      spec.amiId ??
      new DataAwsAmi(this, 'Ami', {
        provider,
        owners: [CANONICAL_OWNER_ID],
        includeDeprecated: true,
        filter: [
          { name: 'name', values: [imageName!] },
          { name: 'architecture', values: [ec2Architecture(spec.image!.architecture)] },
        ],
      }).id;
    const imageTag = { [IMAGE_TAG]: spec.amiId ?? imageName! };

    // Terraform would read the script's ${...} as interpolations: escape everything but cdktf tokens.
    const userData = new TerraformLocal(this, 'UserData', escapeTemplate(this.userData));
    const mixed = spec.spot || spec.instanceTypes.length > 1;
    this.launchTemplate = new LaunchTemplate(this, 'LaunchTemplate', {
      provider,
      namePrefix: `${baseName}-`,
      description: `cdktf-kamaji worker of tenant ${props.tenantName}, pool ${spec.name}`,
      imageId,
      instanceType: mixed ? undefined : spec.instanceTypes[0],
      // gzip: cloud-init decompresses it, and EC2's 16 KiB limit counts the compressed bytes.
      userData: Fn.base64gzip(userData.asString),
      updateDefaultVersion: true,
      iamInstanceProfile: { arn: profile.arn },
      vpcSecurityGroupIds: [
        this.securityGroup.id,
        ...(this.loadBalancerSecurityGroup ? [this.loadBalancerSecurityGroup.id] : []),
        ...(props.additionalSecurityGroupIds ?? []),
      ],
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: spec.hopLimit,
        instanceMetadataTags: 'disabled',
      },
      monitoring: { enabled: false },
      blockDeviceMappings: [
        {
          // The root device of Canonical's Ubuntu AMIs.
          deviceName: '/dev/sda1',
          ebs: {
            volumeSize: spec.rootVolumeSizeGiB,
            volumeType: 'gp3',
            encrypted: 'true',
            deleteOnTermination: 'true',
          },
        },
      ],
      tagSpecifications: [
        { resourceType: 'instance', tags: { Name: baseName, ...tags, ...imageTag } },
        { resourceType: 'volume', tags: { Name: baseName, ...tags } },
      ],
      tags: { ...tags, ...imageTag },
    });

    // SSM delivery pins the template's latest version: a node-config change is a new version, which
    // the group sees and rolls. Inline delivery uses $Latest, so a token rotation (also a new
    // version) rolls nothing; the node-config tag (hash without the token, plus endpoint and CA)
    // triggers the refresh instead.
    const version_ =
      spec.tokenDelivery === TokenDelivery.SSM ? Token.asString(this.launchTemplate.latestVersion) : '$Latest';
    const groupTags: AutoscalingGroupTag[] = Object.entries({ Name: baseName, ...tags }).map(([key, value]) => ({
      key,
      value,
      propagateAtLaunch: true,
    }));
    if (spec.tokenDelivery === TokenDelivery.INLINE) {
      groupTags.push({
        key: NODE_CONFIG_TAG,
        // The image too: with $Latest a new AMI is a template version the group does not see.
        value: Fn.sha256(Fn.join('\n', [nodeConfigHash(input!), props.endpoint, props.caData, imageId])),
        propagateAtLaunch: false,
      });
    }
    const templateRef = { id: this.launchTemplate.id, version: version_ };
    this.group = new AutoscalingGroup(this, 'Group', {
      provider,
      name: poolGroupName(props.tenantName, spec.name),
      minSize: spec.minSize,
      maxSize: spec.maxSize,
      desiredCapacity: spec.desiredSize,
      vpcZoneIdentifier: [...spec.subnetIds],
      capacityRebalance: spec.capacityRebalance,
      healthCheckType: 'EC2',
      launchTemplate: mixed ? undefined : templateRef,
      mixedInstancesPolicy: mixed
        ? {
            launchTemplate: {
              launchTemplateSpecification: { launchTemplateId: templateRef.id, version: templateRef.version },
              override: spec.instanceTypes.map((instanceType) => ({ instanceType })),
            },
            instancesDistribution: {
              onDemandBaseCapacity: spec.onDemandBaseCapacity,
              onDemandPercentageAboveBaseCapacity: spec.onDemandPercentageAboveBaseCapacity,
              spotAllocationStrategy: 'price-capacity-optimized',
            },
          }
        : undefined,
      // Launch before terminate for every size, 1 included: a new node joins and warms up before an
      // old one goes (min 100 %, max 200 % of the desired capacity).
      instanceRefresh: {
        strategy: 'Rolling',
        preferences: {
          minHealthyPercentage: REFRESH_MIN_HEALTHY_PERCENTAGE,
          maxHealthyPercentage: REFRESH_MAX_HEALTHY_PERCENTAGE,
          skipMatching: true,
          instanceWarmup: String(spec.instanceWarmupSeconds),
          checkpointPercentages: spec.checkpointPercentages.length > 0 ? [...spec.checkpointPercentages] : undefined,
          checkpointDelay: spec.checkpointDelaySeconds !== undefined ? String(spec.checkpointDelaySeconds) : undefined,
        },
        triggers: spec.tokenDelivery === TokenDelivery.INLINE ? ['tag'] : undefined,
      },
      tag: groupTags,
      // Terraform waits for InService capacity after a size change; with the launch hook a node is
      // InService only once joined, and one attempt may wait 10 minutes for the dpkg lock alone.
      waitForCapacityTimeout: '20m',
      dependsOn,
      lifecycle: { ignoreChanges: ['desired_capacity'] },
    });

    // A node that gives up booting tags itself (FAILURE_TAG_KEY, the reason) before it shuts down:
    // only that tag, only on instances of this group.
    new IamRolePolicy(this, 'TagBootstrapFailure', {
      provider,
      role: this.role.id,
      name: 'tag-bootstrap-failure',
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'ec2:CreateTags',
            Resource: `arn:${partition}:ec2:*:*:instance/*`,
            Condition: {
              StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': this.group.name },
              'ForAllValues:StringEquals': { 'aws:TagKeys': [FAILURE_TAG_KEY] },
            },
          },
        ],
      }),
    });

    if (spec.waitForJoin) {
      // The node completes (CONTINUE after the join, ABANDON when it gives up) and heartbeats its
      // own launch action: this group only. The hook waits for the grant, so no node is held that
      // could not release itself.
      const completeHook = new IamRolePolicy(this, 'CompleteLaunchHook', {
        provider,
        role: this.role.id,
        name: 'complete-launch-hook',
        policy: Fn.jsonencode({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
              Resource: this.group.arn,
            },
          ],
        }),
      });
      this.launchHook = new AutoscalingLifecycleHook(this, 'LaunchHook', {
        provider,
        name: LAUNCH_HOOK_NAME,
        autoscalingGroupName: this.group.name,
        lifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        defaultResult: 'ABANDON',
        heartbeatTimeout: LAUNCH_HOOK_HEARTBEAT_TIMEOUT_SECONDS,
        dependsOn: [completeHook],
      });
    }
  }
}

/**
 * Escapes Terraform template sequences (`${`, `%{`) in rendered text, leaving cdktf token markers
 * (`${TfToken[...]}`) intact so they still resolve to references.
 */
export function escapeTemplate(text: string): string {
  return text.replace(/\$\{(?!TfToken\[)/g, () => '$${').replace(/%\{/g, () => '%%{');
}
