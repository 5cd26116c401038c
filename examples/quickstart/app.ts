import { App } from 'cdktf';
import { TenantControlPlaneStack } from '../../stacks/control-plane-stack';
import { TenantNodesStack } from '../../stacks/nodes-stack';
import { PlatformStack } from '../../stacks/platform-stack';

/**
 * The quickstart: everything embedded, nothing to pass. Change these values to fit your cluster, or
 * move to the fleet app (examples/fleet) to manage tenants as data.
 */
export const QUICKSTART = {
  management: { kubeconfigPath: '~/.kube/config' },
  platform: { bundledEtcd: true },
  tenant: { name: 'demo', namespace: 'tenant-demo', kubernetesVersion: 'v1.35.3' },
  // Pools without subnetIds use the default VPC's default subnets (found by data sources at plan).
  nodes: { awsRegion: 'eu-west-1', pools: [{ name: 'default', instanceTypes: ['m7i.large'], minSize: 1, maxSize: 3 }] },
} as const;

export interface Quickstart {
  readonly platform: PlatformStack;
  readonly controlPlane: TenantControlPlaneStack;
  readonly nodes: TenantNodesStack;
}

/** Builds the quickstart app into `app` (the entry point and the tests share this). */
export function buildQuickstart(app: App): Quickstart {
  const { management, tenant } = QUICKSTART;
  const platform = new PlatformStack(app, 'platform', { ...management, ...QUICKSTART.platform });
  const controlPlane = new TenantControlPlaneStack(app, `tenant-${tenant.name}-control-plane`, {
    ...management,
    ...tenant,
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
    awsRegion: QUICKSTART.nodes.awsRegion,
    pools: QUICKSTART.nodes.pools.map((pool) => ({ ...pool, instanceTypes: [...pool.instanceTypes] })),
  });
  nodes.addDependency(controlPlane);
  return { platform, controlPlane, nodes };
}
