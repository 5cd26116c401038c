import { Ec2Tag } from '@cdktf/provider-aws/lib/ec2-tag';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Release } from '@cdktf/provider-helm/lib/release';
import { ITerraformDependable, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  CCM_CHART,
  CCM_CHART_REPOSITORY,
  CCM_NAMESPACE,
  ccmPolicy,
  ccmValues,
  CloudIntegrationSpec,
  clusterTagKey,
  DEFAULT_CCM_CHART_VERSION,
  DEFAULT_EBS_CSI_CHART_VERSION,
  DEFAULT_STORAGE_CLASS_NAME,
  EBS_CSI_CHART,
  EBS_CSI_CHART_REPOSITORY,
  EBS_CSI_NAMESPACE,
  ebsCsiPolicy,
  ebsCsiValues,
  ResourceOwnership,
  SubnetElbRole,
  subnetTags,
  validateCloudIntegration,
} from '../model/cloud-integration';
import { toYaml } from '../model/platform';
import { problemsFor } from './problems';
import { AWS_PROVIDER, providerOrDefault } from './providers';

/** A subnet this tenant tags for the cloud-controller-manager's load balancers. */
export interface CloudIntegrationSubnet {
  /** The subnet id (`subnet-...`). */
  readonly subnetId: string;
  /**
   * The load-balancer role tag to add besides the cluster tag. Only for subnets whose role tags no
   * one else manages (a VPC module's `public_subnet_tags`, another tenant): `aws_ec2_tag` removes the
   * tag when this tenant is destroyed.
   * @default SubnetElbRole.NONE
   */
  readonly elbRole?: SubnetElbRole;
}

/** The knobs of the tenant's AWS integration; shared by {@link TenantCloudIntegrationProps} and the nodes stack. */
export interface TenantCloudIntegrationOptions {
  /**
   * Install the AWS cloud-controller-manager (providerID, zone/instance-type labels, deletion of Nodes
   * whose instance is gone, `Service type: LoadBalancer`). Needs kubelets with
   * `--cloud-provider=external` ({@link TenantCloudIntegration.kubeletCloudProviderExternal}).
   * @default true
   */
  readonly cloudControllerManager?: boolean;
  /**
   * Install the EBS CSI driver.
   * @default true
   */
  readonly ebsCsi?: boolean;
  /**
   * aws-cloud-controller-manager chart version (exact).
   * @default "0.0.11"
   */
  readonly ccmChartVersion?: string;
  /**
   * cloud-controller-manager image tag, of the tenant's Kubernetes minor (cloud-provider-aws
   * guarantees compatibility only with its own minor; a tag of another minor is refused when
   * `kubernetesVersion` is given).
   * @default - the newest release of `kubernetesVersion`'s minor known to this release of cdktf-kamaji (CCM_IMAGE_BY_MINOR); the chart's (v1.35.0 for chart 0.0.11) without a `kubernetesVersion`
   */
  readonly ccmImageTag?: string;
  /**
   * The tenant control plane's version: picks (and checks) the cloud-controller-manager image of its
   * minor. The nodes stack passes it; bump it with the control plane (upgrades roll the CCM too).
   * @default - none (then set `ccmImageTag` to the tenant's minor)
   */
  readonly kubernetesVersion?: string;
  /**
   * aws-ebs-csi-driver chart version (exact).
   * @default "2.64.0"
   */
  readonly ebsCsiChartVersion?: string;
  /**
   * A default StorageClass: gp3, encrypted, WaitForFirstConsumer, expandable, reclaim Delete.
   * @default true (when ebsCsi)
   */
  readonly defaultStorageClass?: boolean;
  /**
   * Name of that StorageClass.
   * @default "gp3"
   */
  readonly storageClassName?: string;
  /**
   * Subnets to tag `kubernetes.io/cluster/<clusterName>` (and optionally a load-balancer role). The
   * CCM uses every subnet of the VPC that is not tagged for another cluster, so in a VPC shared by
   * tenants either every tenant tags the shared subnets or none does.
   * @default - none
   */
  readonly subnets?: CloudIntegrationSubnet[];
  /**
   * The value of the cluster tag on those subnets.
   * @default ResourceOwnership.SHARED
   */
  readonly subnetOwnership?: ResourceOwnership;
}

export interface TenantCloudIntegrationProps extends TenantCloudIntegrationOptions {
  /** The helm provider of the tenant cluster. */
  readonly helmProvider: HelmProvider;
  /**
   * The AWS provider of the workers' account.
   * @default - the stack's default AWS provider
   */
  readonly awsProvider?: AwsProvider;
  /**
   * The tenant's cluster id (`kubernetes.io/cluster/<clusterName>`, `--cluster-name`), usually the
   * tenant name. Every worker instance and the pools' security groups must carry
   * {@link TenantCloudIntegration.instanceTags}.
   */
  readonly clusterName: string;
  /** The workers' instance role names by pool name (stable construct ids); the policies are attached to each. */
  readonly nodeRoleNames: { [poolName: string]: string };
  /**
   * AWS region, given to the EBS CSI controller so it does not ask IMDS.
   * @default - from IMDS
   */
  readonly region?: string;
  /**
   * IAM partition of the ARNs.
   * @default "aws"
   */
  readonly partition?: string;
}

/**
 * AWS cloud-controller-manager and EBS CSI driver in the tenant, on the workers, with the workers'
 * instance role (policies here, attached to the given roles), plus the subnet tags.
 */
export class TenantCloudIntegration extends Construct {
  /** The CCM release, unless turned off. */
  readonly ccmRelease?: Release;
  /** The EBS CSI release, unless turned off. */
  readonly ebsCsiRelease?: Release;
  readonly ccmPolicy?: IamPolicy;
  readonly ebsCsiPolicy?: IamPolicy;
  /**
   * Tags every worker instance (ASG tag with propagate at launch) and each pool's security group must
   * carry: the CCM finds its cluster in its own instance's tags and opens the tagged group for load
   * balancers; the EBS policy attaches volumes only to tagged instances. Empty when both are off.
   */
  readonly instanceTags: { [key: string]: string };
  /** Whether kubelets must run with `--cloud-provider=external` (true exactly when the CCM is on). */
  readonly kubeletCloudProviderExternal: boolean;
  /**
   * The IMDSv2 hop limit the pools need: 2 with EBS CSI (its controller Deployment has no host-network
   * option, aws-ebs-csi-driver docs/install.md), else 1 (the CCM and the CSI node plugin run on the
   * host network).
   */
  readonly requiredMetadataHopLimit: number;

  constructor(scope: Construct, id: string, props: TenantCloudIntegrationProps) {
    super(scope, id);
    const ebsCsi = props.ebsCsi ?? true;
    const spec: CloudIntegrationSpec = {
      clusterName: props.clusterName,
      cloudControllerManager: props.cloudControllerManager ?? true,
      ebsCsi,
      ccmChartVersion: props.ccmChartVersion ?? DEFAULT_CCM_CHART_VERSION,
      ebsCsiChartVersion: props.ebsCsiChartVersion ?? DEFAULT_EBS_CSI_CHART_VERSION,
      ccmImageTag: props.ccmImageTag,
      kubernetesVersion: props.kubernetesVersion,
      defaultStorageClass: props.defaultStorageClass ?? ebsCsi,
      storageClassName: props.storageClassName ?? DEFAULT_STORAGE_CLASS_NAME,
      region: props.region,
      subnets: (props.subnets ?? []).map((s) => ({ subnetId: s.subnetId, elbRole: s.elbRole ?? SubnetElbRole.NONE })),
      subnetOwnership: props.subnetOwnership ?? ResourceOwnership.SHARED,
      partition: props.partition ?? 'aws',
    };
    const problems = problemsFor(this);
    validateCloudIntegration(spec, problems);
    problems.throwIfAny();

    this.kubeletCloudProviderExternal = spec.cloudControllerManager;
    this.requiredMetadataHopLimit = spec.ebsCsi ? 2 : 1;
    this.instanceTags =
      spec.cloudControllerManager || spec.ebsCsi ? { [clusterTagKey(spec.clusterName)]: ResourceOwnership.OWNED } : {};
    if (!spec.cloudControllerManager && !spec.ebsCsi) return;

    const provider = providerOrDefault(this, props.awsProvider, AWS_PROVIDER);
    const pools = Object.keys(props.nodeRoleNames).sort();
    const attach = (name: string, policy: IamPolicy): ITerraformDependable[] =>
      pools.map(
        (pool) =>
          new IamRolePolicyAttachment(this, `${name}-${pool}`, {
            provider,
            role: props.nodeRoleNames[pool],
            policyArn: policy.arn,
          }),
      );

    if (spec.cloudControllerManager) {
      this.ccmPolicy = new IamPolicy(this, 'CcmPolicy', {
        provider,
        namePrefix: `${spec.clusterName}-ccm-`,
        description: `AWS cloud-controller-manager of tenant ${spec.clusterName}`,
        policy: JSON.stringify(ccmPolicy(spec)),
      });
      const dependsOn = attach('CcmPolicy', this.ccmPolicy);
      subnetTags(spec).forEach((t, i) => {
        const subnet = Token.isUnresolved(t.subnetId) ? `subnet${i}` : t.subnetId;
        const kind = t.key.startsWith('kubernetes.io/cluster/') ? 'cluster' : t.key.split('/').pop();
        new Ec2Tag(this, `SubnetTag-${subnet}-${kind}`, {
          provider,
          resourceId: t.subnetId,
          key: t.key,
          value: t.value,
        });
      });
      this.ccmRelease = new Release(this, 'Ccm', {
        provider: props.helmProvider,
        name: 'aws-cloud-controller-manager',
        namespace: CCM_NAMESPACE,
        repository: CCM_CHART_REPOSITORY,
        chart: CCM_CHART,
        version: spec.ccmChartVersion,
        values: [toYaml(ccmValues(spec))],
        // Like the CNI: its pods need workers, which may be created by the same apply.
        wait: false,
        dependsOn,
      });
    }

    if (spec.ebsCsi) {
      this.ebsCsiPolicy = new IamPolicy(this, 'EbsCsiPolicy', {
        provider,
        namePrefix: `${spec.clusterName}-ebs-csi-`,
        description: `EBS CSI driver of tenant ${spec.clusterName} (volumes tagged ebs.csi.aws.com/cluster-name=${spec.clusterName})`,
        policy: JSON.stringify(ebsCsiPolicy(spec)),
      });
      const dependsOn = attach('EbsCsiPolicy', this.ebsCsiPolicy);
      this.ebsCsiRelease = new Release(this, 'EbsCsi', {
        provider: props.helmProvider,
        name: 'aws-ebs-csi-driver',
        namespace: EBS_CSI_NAMESPACE,
        repository: EBS_CSI_CHART_REPOSITORY,
        chart: EBS_CSI_CHART,
        version: spec.ebsCsiChartVersion,
        values: [toYaml(ebsCsiValues(spec))],
        wait: false,
        dependsOn,
      });
    }
  }
}
