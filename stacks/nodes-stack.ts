import { DataAwsSubnet } from '@cdktf/provider-aws/lib/data-aws-subnet';
import { DataAwsSubnets } from '@cdktf/provider-aws/lib/data-aws-subnets';
import { DataAwsVpc } from '@cdktf/provider-aws/lib/data-aws-vpc';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { DataKubernetesSecretV1 } from '@cdktf/provider-kubernetes/lib/data-kubernetes-secret-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import { Fn, TerraformLocal, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import { AwsWorkerPool, AwsWorkerPoolOptions, TokenDelivery } from '../src/constructs/aws-worker-pool';
import { BootstrapToken, BootstrapTokenOptions } from '../src/constructs/bootstrap-token';
import { TenantJoinPrerequisites } from '../src/constructs/join-prerequisites';
import { problemsFor } from '../src/constructs/problems';
import { TenantCni, TenantCniOptions } from '../src/constructs/tenant-cni';
import { TenantCloudIntegration, TenantCloudIntegrationOptions } from '../src/constructs/tenant-cloud-integration';
import {
  NodeTerminationHandler,
  NodeTerminationHandlerOptions,
  TerminationHandlerCredentials,
} from '../src/constructs/node-termination-handler';
import { clusterTagKey, ResourceOwnership } from '../src/model/cloud-integration';
import { keepProblems, Problem, ValidationError } from '../src/model/errors';
import { DNS1035_LABEL_RULE, DNS1123_LABEL_RULE, isDns1035Label, isDns1123Label } from '../src/model/names';
import { KUBELET_CONFIG_FIELDS_MINOR } from '../src/model/tenant-control-plane';
import { parseVersion } from '../src/model/versions';
import { ManagementClusterProps, managementKubernetesProvider } from './management-cluster';
import { configureState, StateProps } from './state';

export interface TenantNodesStackProps extends ManagementClusterProps {
  /** Tenant name (names, tags, the SSM parameter path). */
  readonly tenantName: string;
  /** Name of the TenantControlPlane; its admin kubeconfig is the Secret `<tcpName>-admin-kubeconfig`. */
  readonly tcpName: string;
  /** Namespace of the TenantControlPlane on the management cluster. */
  readonly tcpNamespace: string;
  /** The control plane's Kubernetes version (workers default to it; the skew check uses it). */
  readonly controlPlaneVersion: string;
  /** The tenant's pod CIDR (Calico's IP pool). */
  readonly podCidr: string;
  /** AWS region of the workers. */
  readonly awsRegion: string;
  /**
   * Bootstrap token rotation and TTL.
   * @default - rotate every 7 days, each token valid 30 days
   */
  readonly token?: BootstrapTokenOptions;
  /**
   * The tenant CNI.
   * @default - Calico
   */
  readonly cni?: TenantCniOptions;
  /**
   * AWS cloud-controller-manager and EBS CSI driver in the tenant (each on by default).
   * @default - both on
   */
  readonly cloudIntegration?: TenantCloudIntegrationOptions;
  /**
   * Drain before termination: aws-node-termination-handler in queue mode, lifecycle hooks on the pools.
   * @default - on, with the construct's defaults
   */
  readonly drain?: NodeTerminationHandlerOptions;
  /**
   * Turn the drain (termination handler) off.
   * @default true
   */
  readonly drainEnabled?: boolean;
  /** One or more worker pools. Pools without subnets use the default VPC's default subnets. */
  readonly pools: AwsWorkerPoolOptions[];
  /**
   * SSM parameter holding the token (pools with SSM delivery).
   * @default "/kamaji/<tenantName>/bootstrap-token"
   */
  readonly tokenParameterName?: string;
  /**
   * Where the stack keeps its state.
   * @default - a local file, `terraform.<stack-id>.tfstate`
   */
  readonly state?: StateProps;
  /**
   * The `oldestKubeletVersion` the tenant's TenantControlPlane was given. Kamaji's generated
   * kubelet-config carries fields kubelets older than 1.35 reject (Kamaji issue #1062) unless the
   * control plane patches them out, so a pool older than 1.35 is refused when this is 1.35 or later.
   * @default - the control plane's version
   */
  readonly oldestKubeletVersion?: string;
  /**
   * The control plane's API port, for the pools' egress rules (a pool's own `apiPort` wins).
   * @default 6443
   */
  readonly apiPort?: number;
  /**
   * The control plane's konnectivity port, for the pools' egress rules (a pool's own value wins).
   * @default 8132
   */
  readonly konnectivityPort?: number;
}

/**
 * Stage 4: the tenant's workers. Reads the tenant's admin kubeconfig on the management cluster with a
 * data source (no credential passes through another stack's outputs or state), configures the
 * tenant kubernetes/helm providers from it, and holds the bootstrap token, the CNI and the pools.
 * The composition calls `nodes.addDependency(controlPlaneStack)`.
 */
export class TenantNodesStack extends TerraformStack {
  readonly token: BootstrapToken;
  readonly cni: TenantCni;
  /** The AWS cloud-controller-manager and EBS CSI driver of the tenant. */
  readonly cloudIntegration?: TenantCloudIntegration;
  /** Drain before termination (absent with `drainEnabled: false`). */
  readonly terminationHandler?: NodeTerminationHandler;
  readonly pools: AwsWorkerPool[];
  readonly tenantKubernetesProvider: KubernetesProvider;
  readonly tenantHelmProvider: HelmProvider;
  /** Plan-time checks that the control plane runs the nodes' version and the join objects exist. */
  readonly joinPrerequisites: TenantJoinPrerequisites;

  constructor(scope: Construct, id: string, props: TenantNodesStackProps) {
    super(scope, id);
    const problems = problemsFor(this);
    problems.check(isDns1123Label(props.tenantName), 'tenantName', props.tenantName, DNS1123_LABEL_RULE);
    problems.check(isDns1035Label(props.tcpName), 'tcpName', props.tcpName, DNS1035_LABEL_RULE);
    problems.check(isDns1123Label(props.tcpNamespace), 'tcpNamespace', props.tcpNamespace, DNS1123_LABEL_RULE);
    problems.check(props.pools.length > 0, 'pools', props.pools, 'must hold at least one worker pool');
    const seen = new Set<string>();
    const floor = parseVersion(props.oldestKubeletVersion ?? props.controlPlaneVersion);
    props.pools.forEach((pool, i) => {
      problems.check(!seen.has(pool.name), `pools[${i}].name`, pool.name, 'must be unique within the tenant');
      seen.add(pool.name);
      const kubelet = parseVersion(pool.kubernetesVersion);
      if (
        kubelet &&
        floor &&
        kubelet.minor < KUBELET_CONFIG_FIELDS_MINOR &&
        floor.minor >= KUBELET_CONFIG_FIELDS_MINOR
      ) {
        problems.add(
          `pools[${i}].kubernetesVersion`,
          pool.kubernetesVersion,
          `is older than 1.35 while the control plane's oldestKubeletVersion is ${props.oldestKubeletVersion ?? props.controlPlaneVersion}: set oldestKubeletVersion (here and on the TenantControlPlane) to this version, or the kubelet rejects Kamaji's kubelet-config (Kamaji issue #1062)`,
        );
      }
    });
    problems.throwIfAny();

    configureState(this, id, props.state);
    const aws = new AwsProvider(this, 'aws', { region: props.awsRegion });
    const random = new RandomProvider(this, 'random', {});
    const time = new TimeProvider(this, 'time', {});
    const management = managementKubernetesProvider(this, props);

    // Kamaji's admin kubeconfig for the tenant: server URL, CA and an admin client certificate.
    const adminSecret = new DataKubernetesSecretV1(this, 'AdminKubeconfig', {
      provider: management,
      metadata: { name: `${props.tcpName}-admin-kubeconfig`, namespace: props.tcpNamespace },
    });
    const kubeconfig = new TerraformLocal(
      this,
      'TenantKubeconfig',
      Fn.yamldecode(adminSecret.data.lookup('admin.conf')),
    );
    const field = (...path: (string | number)[]) => Token.asString(Fn.lookupNested(kubeconfig.expression, path));
    const endpoint = field('clusters', 0, 'cluster', 'server');
    const caData = field('clusters', 0, 'cluster', 'certificate-authority-data');
    const connection = {
      host: endpoint,
      clusterCaCertificate: Fn.base64decode(caData),
      clientCertificate: Fn.base64decode(field('users', 0, 'user', 'client-certificate-data')),
      clientKey: Fn.base64decode(field('users', 0, 'user', 'client-key-data')),
    };
    this.tenantKubernetesProvider = new KubernetesProvider(this, 'tenant', { alias: 'tenant', ...connection });
    this.tenantHelmProvider = new HelmProvider(this, 'tenant-helm', { alias: 'tenant', kubernetes: connection });
    this.joinPrerequisites = new TenantJoinPrerequisites(this, 'JoinPrerequisites', {
      tenantKubernetesProvider: this.tenantKubernetesProvider,
      managementKubernetesProvider: management,
      tenantName: props.tenantName,
      tcpName: props.tcpName,
      tcpNamespace: props.tcpNamespace,
      controlPlaneVersion: props.controlPlaneVersion,
    });

    // Each construct throws its own ValidationError; collect them so one run reports every problem
    // (a bad token TTL, a bad pod CIDR and a bad pool together, not one per run).
    const found: Problem[] = [];
    const needsParameter = props.pools.some((p) => (p.tokenDelivery ?? TokenDelivery.SSM) === TokenDelivery.SSM);
    const tokenProps = {
      ...props.token,
      kubernetesProvider: this.tenantKubernetesProvider,
      randomProvider: random,
      timeProvider: time,
      awsProvider: aws,
      ssmParameterName: needsParameter
        ? (props.tokenParameterName ?? `/kamaji/${props.tenantName}/bootstrap-token`)
        : undefined,
    };
    let token: BootstrapToken | undefined;
    let tokenOk = true;
    try {
      token = new BootstrapToken(this, 'BootstrapToken', tokenProps);
    } catch (e) {
      keepProblems(e, found);
      tokenOk = false;
      // A stand-in with the default rotation, only so the pools are checked in the same run; it is
      // never synthesized (the stack throws below). Its own problems, if any, are already reported.
      try {
        token = new BootstrapToken(this, 'UncheckedToken', {
          ...tokenProps,
          rotationHours: undefined,
          ttlHours: undefined,
        });
      } catch (again) {
        keepProblems(again, []);
      }
    }
    let cni: TenantCni | undefined;
    try {
      cni = new TenantCni(this, 'Cni', { ...props.cni, helmProvider: this.tenantHelmProvider, podCidr: props.podCidr });
    } catch (e) {
      keepProblems(e, found);
    }

    let defaultNetwork: { vpcId: string; subnetIds: string[] } | undefined;
    const defaults = () => {
      if (!defaultNetwork) {
        const vpc = new DataAwsVpc(this, 'DefaultVpc', { default: true });
        const subnets = new DataAwsSubnets(this, 'DefaultSubnets', {
          filter: [
            { name: 'vpc-id', values: [vpc.id] },
            { name: 'default-for-az', values: ['true'] },
          ],
        });
        defaultNetwork = { vpcId: vpc.id, subnetIds: subnets.ids };
      }
      return defaultNetwork;
    };

    // Each pool's own security group admits its own nodes only. With several pools, pods, Calico
    // VXLAN (UDP 4789), Typha and kubelets (konnectivity agents reach them) must also talk across
    // pools, so every pool joins one more group that admits all of the tenant's nodes. Its VPC is the
    // first pool's; all pools of a tenant share one VPC (AWS refuses a group from another VPC).
    let shared: SecurityGroup | undefined;
    if (props.pools.length > 1) {
      const first = props.pools[0].subnetIds;
      const vpcId =
        first === undefined
          ? defaults().vpcId
          : new DataAwsSubnet(this, 'SharedSecurityGroupSubnet', { id: Fn.element(first, 0) }).vpcId;
      const allNodes = {
        description: 'all nodes of the tenant',
        protocol: '-1',
        fromPort: 0,
        toPort: 0,
        cidrBlocks: [],
        ipv6CidrBlocks: [],
        prefixListIds: [],
        securityGroups: [],
        selfAttribute: true,
      };
      shared = new SecurityGroup(this, 'SharedSecurityGroup', {
        namePrefix: `${props.tenantName}-nodes-`,
        description: `cdktf-kamaji workers of tenant ${props.tenantName}, all pools`,
        vpcId,
        ingress: [allNodes],
        egress: [allNodes],
        tags: { 'cdktf-kamaji/tenant': props.tenantName },
        lifecycle: { createBeforeDestroy: true },
      });
    }

    // What the pools must carry for the tenant's AWS integration: the cluster tag the CCM and the EBS
    // policy look for, the termination handler's per-tenant tag, and IMDS hop limit 2 for the EBS CSI
    // controller (no host network in its chart); see TenantCloudIntegration and NodeTerminationHandler.
    const cloudOn = props.cloudIntegration?.cloudControllerManager ?? true;
    const ebsOn = props.cloudIntegration?.ebsCsi ?? true;
    const drainOn = props.drainEnabled ?? true;
    const integrationTags: { [key: string]: string } = {
      ...(cloudOn || ebsOn ? { [clusterTagKey(props.tenantName)]: ResourceOwnership.OWNED } : {}),
      ...(drainOn ? { [NodeTerminationHandler.managedTagFor(props.tenantName)]: 'true' } : {}),
    };

    // A plain loop, not map(): see keepProblems on stack depth.
    const pools: AwsWorkerPool[] = [];
    for (const pool of token ? props.pools : []) {
      try {
        pools.push(
          new AwsWorkerPool(this, `Pool${pascal(pool.name)}`, {
            apiPort: props.apiPort,
            konnectivityPort: props.konnectivityPort,
            httpPutResponseHopLimit: ebsOn ? 2 : undefined,
            ...pool,
            tags: { ...integrationTags, ...pool.tags },
            cloudProviderExternal: cloudOn,
            ...(pool.subnetIds === undefined ? defaults() : {}),
            tenantName: props.tenantName,
            controlPlaneVersion: props.controlPlaneVersion,
            endpoint,
            caData,
            token: token!,
            region: props.awsRegion,
            additionalSecurityGroupIds: shared ? [shared.id] : undefined,
            dependsOn: this.joinPrerequisites.checks,
            awsProvider: aws,
          }),
        );
      } catch (e) {
        keepProblems(e, found);
      }
    }
    if (pools.length === props.pools.length) {
      try {
        this.cloudIntegration = new TenantCloudIntegration(this, 'CloudIntegration', {
          ...props.cloudIntegration,
          helmProvider: this.tenantHelmProvider,
          awsProvider: aws,
          clusterName: props.tenantName,
          kubernetesVersion: props.controlPlaneVersion,
          nodeRoleNames: Object.fromEntries(pools.map((p) => [p.poolName, p.role.name])),
          region: props.awsRegion,
        });
      } catch (e) {
        keepProblems(e, found);
      }
      if (drainOn) {
        try {
          this.terminationHandler = new NodeTerminationHandler(this, 'TerminationHandler', {
            // With EBS CSI the pools run IMDS hop limit 2, so pods can reach the node role anyway:
            // the handler then uses it too, and no static access key exists.
            credentials: ebsOn ? TerminationHandlerCredentials.NODE_ROLE : undefined,
            ...props.drain,
            tenantName: props.tenantName,
            region: props.awsRegion,
            autoScalingGroups: pools.map((p) => p.group),
            nodeRoleNames: pools.map((p) => p.role.name),
            helmProvider: this.tenantHelmProvider,
            kubernetesProvider: this.tenantKubernetesProvider,
            awsProvider: aws,
          });
        } catch (e) {
          keepProblems(e, found);
        }
      }
    }
    if (found.length > 0 || !tokenOk || !token || !cni) throw new ValidationError(found);
    this.token = token;
    this.cni = cni;
    this.pools = pools;
  }
}

/** `gpu-a` -> `GpuA`: pool construct ids (logical ids, so never change this mapping). */
function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}
