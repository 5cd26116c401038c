import { App } from 'cdktf';
import { TenantControlPlaneStack } from '../../stacks/control-plane-stack';
import { PlatformStack } from '../../stacks/platform-stack';

/**
 * The quickstart: everything embedded, nothing to pass. Change these values to fit your cluster, or
 * move to the fleet app (examples/fleet) to manage tenants as data.
 */
export const QUICKSTART = {
  management: { kubeconfigPath: '~/.kube/config' },
  platform: { bundledEtcd: true },
  tenant: { name: 'demo', namespace: 'tenant-demo', kubernetesVersion: 'v1.35.3' },
} as const;

/** Builds the quickstart app into `app` (the entry point and the tests share this). */
export function buildQuickstart(app: App): { platform: PlatformStack; controlPlane: TenantControlPlaneStack } {
  const platform = new PlatformStack(app, 'platform', { ...QUICKSTART.management, ...QUICKSTART.platform });
  const controlPlane = new TenantControlPlaneStack(app, `tenant-${QUICKSTART.tenant.name}-control-plane`, {
    ...QUICKSTART.management,
    ...QUICKSTART.tenant,
    dependsOnStacks: [platform],
  });
  return { platform, controlPlane };
}
