import { App } from 'cdktf';
import { PlatformStack } from '../../stacks/platform-stack';

/**
 * The quickstart: everything embedded, nothing to pass. Change these values to fit your cluster, or
 * move to the fleet app (examples/fleet) to manage tenants as data.
 */
export const QUICKSTART = {
  management: { kubeconfigPath: '~/.kube/config' },
  platform: { bundledEtcd: true },
} as const;

/** Builds the quickstart app into `app` (the entry point and the tests share this). */
export function buildQuickstart(app: App): { platform: PlatformStack } {
  const platform = new PlatformStack(app, 'platform', { ...QUICKSTART.management, ...QUICKSTART.platform });
  return { platform };
}
