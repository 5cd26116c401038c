import { App } from 'cdktf';
import { TenantControlPlaneStack } from '../../stacks/control-plane-stack';
import { TenantNodesStack } from '../../stacks/nodes-stack';
import { PlatformStack } from '../../stacks/platform-stack';
import { ControlPlaneExposure } from '../../src/model/tenant-control-plane';

/**
 * The quickstart: everything embedded, nothing to pass. Change these values to fit your cluster, or
 * move to the fleet app (examples/fleet) to manage tenants as data.
 */
export const QUICKSTART = {
  management: { kubeconfigPath: '~/.kube/config' },
  platform: { bundledEtcd: true },
  tenant: { name: 'demo', namespace: 'tenant-demo', kubernetesVersion: 'v1.35.3' },
  // How the tenant API server is reached. `LoadBalancer` takes the IP of the Service's load balancer
  // (AKS, GKE, MetalLB, kube-vip). On EKS or any AWS management cluster set `AwsElasticIP`: AWS load
  // balancers report hostnames, which Kamaji refuses; the stack then allocates one Elastic IP per
  // public subnet below and fronts them with an NLB (AWS Load Balancer Controller required).
  endpoint: 'LoadBalancer' as 'LoadBalancer' | 'AwsElasticIP',
  awsEndpoint: {
    awsRegion: 'eu-west-1',
    publicSubnetIds: ['subnet-0a1b2c3d4e5f60711', 'subnet-0a1b2c3d4e5f60712'],
  },
  // Pools without subnetIds use the default VPC's default subnets (found by data sources at plan).
  nodes: { awsRegion: 'eu-west-1', pools: [{ name: 'default', instanceTypes: ['m7i.large'], minSize: 1, maxSize: 3 }] },
} as const;

export interface Quickstart {
  readonly platform: PlatformStack;
  readonly controlPlane: TenantControlPlaneStack;
  readonly nodes: TenantNodesStack;
}

export type QuickstartSettings = typeof QUICKSTART;

/** Builds the quickstart app into `app` (the entry point and the tests share this). */
export function buildQuickstart(app: App, settings: QuickstartSettings = QUICKSTART): Quickstart {
  const { management, tenant } = settings;
  const endpoint =
    settings.endpoint === 'AwsElasticIP'
      ? {
          exposure: ControlPlaneExposure.AWS_ELASTIC_IP,
          awsRegion: settings.awsEndpoint.awsRegion,
          publicSubnetIds: [...settings.awsEndpoint.publicSubnetIds],
        }
      : { exposure: ControlPlaneExposure.LOAD_BALANCER };
  const platform = new PlatformStack(app, 'platform', { ...management, ...settings.platform });
  const controlPlane = new TenantControlPlaneStack(app, `tenant-${tenant.name}-control-plane`, {
    ...management,
    ...tenant,
    ...endpoint,
    dependsOnStacks: [platform],
  });
  const cp = controlPlane.controlPlane;
  const nodes = new TenantNodesStack(app, `tenant-${tenant.name}-nodes`, {
    ...management,
    tenantName: tenant.name,
    tcpName: cp.name,
    tcpNamespace: cp.namespace,
    controlPlaneVersion: cp.kubernetesVersion,
    podCidr: cp.podCidr,
    apiPort: cp.port,
    konnectivityPort: cp.konnectivityPort,
    awsRegion: settings.nodes.awsRegion,
    pools: settings.nodes.pools.map((pool) => ({ ...pool, instanceTypes: [...pool.instanceTypes] })),
  });
  nodes.addDependency(controlPlane);
  return { platform, controlPlane, nodes };
}
