import { Testing } from 'cdktf';
import { TenantControlPlaneStack, TenantControlPlaneStackProps } from '../../stacks/control-plane-stack';
import { PlatformStack } from '../../stacks/platform-stack';

/** A tenant `acme` control-plane stack (after a platform stack) with `props` on top, synthesized. */
export function synthControlPlaneStack(props: Partial<TenantControlPlaneStackProps> = {}) {
  const app = Testing.app();
  const platform = new PlatformStack(app, 'platform');
  const stack = new TenantControlPlaneStack(app, 'tenant-acme-control-plane', {
    name: 'acme',
    namespace: 'tenant-acme',
    kubernetesVersion: '1.34.2',
    dependsOnStacks: [platform],
    ...props,
  });
  return { stack, platform, json: JSON.parse(Testing.synth(stack)) };
}
