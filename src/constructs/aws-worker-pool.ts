import { AutoscalingGroup, AutoscalingGroupTag } from '@cdktf/provider-aws/lib/autoscaling-group';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami';
import { DataAwsSubnet } from '@cdktf/provider-aws/lib/data-aws-subnet';
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
import {
  CANONICAL_OWNER_ID,
  checkUserDataSize,
  nodeBootstrapInput,
  TokenDelivery,
  UBUNTU_2404_AMI_NAME,
  validateWorkerPool,
  workerPoolSpec,
} from '../model/worker-pool';
import { parseVersion } from '../model/versions';
import { BootstrapToken } from './bootstrap-token';
import { problemsFor } from './problems';
import { AWS_PROVIDER, providerOrDefault } from './providers';

export { TokenDelivery };

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
   * AMI id. It must be an Ubuntu 22.04/24.04 image with cloud-init, python3 and apt.
   * @default - the newest Ubuntu 24.04 amd64 image from Canonical
   */
  readonly amiId?: string;
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
   * Where the control plane is: egress on the API port and the konnectivity port goes there.
   * @default ["0.0.0.0/0"] (the endpoint is only known at apply time)
   */
  readonly controlPlaneCidrs?: string[];
  /**
   * Package mirrors and registries (apt, pkgs.k8s.io, container images): egress on 80 and 443.
   * @default ["0.0.0.0/0"]
   */
  readonly packageMirrorCidrs?: string[];
  /**
   * Attach AmazonSSMManagedInstanceCore so nodes are reachable through Session Manager.
   * @default false
   */
  readonly ssmSessionManager?: boolean;
  /**
   * Tags on every resource of the pool, propagated to instances and volumes.
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

/**
 * An Auto Scaling group of Ubuntu workers that join a tenant with kubeadm.
 *
 * Logical ids: `Role`, `InstanceProfile`, `ReadToken` (SSM read policy), `SessionManager`,
 * `SecurityGroup`, `Ami`, `UserData` (a local), `LaunchTemplate`, `Group`.
 */
export class AwsWorkerPool extends Construct {
  /** The pool's name. */
  readonly poolName: string;
  /** How this pool's nodes receive the token. */
  readonly tokenDelivery: TokenDelivery;
  readonly role: IamRole;
  readonly securityGroup: SecurityGroup;
  readonly launchTemplate: LaunchTemplate;
  readonly group: AutoscalingGroup;
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

    this.role = new IamRole(this, 'Role', {
      provider,
      namePrefix: `${baseName}-`.slice(0, 38),
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      tags,
    });
    const dependsOn: ITerraformDependable[] = [props.token.secret, ...(props.dependsOn ?? [])];
    if (spec.tokenDelivery === TokenDelivery.SSM && props.token.parameter) {
      // Only this parameter: a node can read its join token and nothing else. The AWS-managed
      // aws/ssm key needs no kms:Decrypt grant (its key policy allows use through SSM).
      new IamRolePolicy(this, 'ReadToken', {
        provider,
        role: this.role.id,
        name: 'read-bootstrap-token',
        policy: Fn.jsonencode({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: props.token.parameter.arn }],
        }),
      });
      dependsOn.push(props.token.parameter);
    }
    if (spec.ssmSessionManager) {
      new IamRolePolicyAttachment(this, 'SessionManager', {
        provider,
        role: this.role.name,
        policyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
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
      port: number,
      cidrs: readonly string[],
    ): SecurityGroupEgress => ({
      description,
      protocol,
      fromPort: port,
      toPort: port,
      cidrBlocks: [...cidrs],
      ipv6CidrBlocks: [],
      prefixListIds: [],
      securityGroups: [],
      selfAttribute: false,
    });
    const self = (description: string): SecurityGroupEgress => ({
      ...rule(description, '-1', 0, []),
      selfAttribute: true,
    });
    // No inbound from outside the pool. Nodes talk to each other (Calico VXLAN on UDP 4789, kubelet
    // 10250 for konnectivity agents, pod traffic), to the control plane, and to package mirrors.
    // DNS to the VPC resolver, IMDS and NTP (169.254.169.123) are not filtered by security groups.
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      provider,
      namePrefix: `${baseName}-`,
      description: `cdktf-kamaji workers of tenant ${props.tenantName}, pool ${spec.name}`,
      vpcId,
      ingress: [self('pool nodes')],
      egress: [
        self('pool nodes'),
        rule('tenant API server', 'tcp', spec.apiPort, spec.controlPlaneCidrs),
        rule('konnectivity', 'tcp', spec.konnectivityPort, spec.controlPlaneCidrs),
        rule('package mirrors (https)', 'tcp', 443, spec.packageMirrorCidrs),
        rule('package mirrors (http)', 'tcp', 80, spec.packageMirrorCidrs),
      ],
      tags,
      lifecycle: { createBeforeDestroy: true },
    });

    const imageId =
      spec.amiId ??
      new DataAwsAmi(this, 'Ami', {
        provider,
        mostRecent: true,
        owners: [CANONICAL_OWNER_ID],
        filter: [
          { name: 'name', values: [UBUNTU_2404_AMI_NAME] },
          { name: 'virtualization-type', values: ['hvm'] },
          { name: 'architecture', values: ['x86_64'] },
        ],
      }).id;

    // Terraform would read the script's ${...} as interpolations: escape everything but cdktf tokens.
    const userData = new TerraformLocal(this, 'UserData', escapeTemplate(this.userData));
    const mixed = spec.spot || spec.instanceTypes.length > 1;
    this.launchTemplate = new LaunchTemplate(this, 'LaunchTemplate', {
      provider,
      namePrefix: `${baseName}-`,
      description: `cdktf-kamaji worker of tenant ${props.tenantName}, pool ${spec.name}`,
      imageId,
      instanceType: mixed ? undefined : spec.instanceTypes[0],
      userData: Fn.base64encode(userData.asString),
      updateDefaultVersion: true,
      iamInstanceProfile: { arn: profile.arn },
      vpcSecurityGroupIds: [this.securityGroup.id, ...(props.additionalSecurityGroupIds ?? [])],
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
        { resourceType: 'instance', tags: { Name: baseName, ...tags } },
        { resourceType: 'volume', tags: { Name: baseName, ...tags } },
      ],
      tags,
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
        value: Fn.sha256(Fn.join('\n', [nodeConfigHash(input!), props.endpoint, props.caData])),
        propagateAtLaunch: false,
      });
    }
    const templateRef = { id: this.launchTemplate.id, version: version_ };
    this.group = new AutoscalingGroup(this, 'Group', {
      provider,
      name: `kamaji-${baseName}`,
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
      instanceRefresh: {
        strategy: 'Rolling',
        preferences: { minHealthyPercentage: 90, skipMatching: true },
        triggers: spec.tokenDelivery === TokenDelivery.INLINE ? ['tag'] : undefined,
      },
      tag: groupTags,
      dependsOn,
      lifecycle: { ignoreChanges: ['desired_capacity'] },
    });
  }
}

/**
 * Escapes Terraform template sequences (`${`, `%{`) in rendered text, leaving cdktf token markers
 * (`${TfToken[...]}`) intact so they still resolve to references.
 */
export function escapeTemplate(text: string): string {
  return text.replace(/\$\{(?!TfToken\[)/g, () => '$${').replace(/%\{/g, () => '%%{');
}
