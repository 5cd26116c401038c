import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Construct } from 'constructs';

/** How a stack reaches the management cluster (the one that runs Kamaji). */
export interface ManagementClusterProps {
  /**
   * Path of the kubeconfig file; `~` is expanded by the providers at plan time, so the synthesized
   * configuration does not depend on the machine that synthesized it.
   * @default "~/.kube/config"
   */
  readonly kubeconfigPath?: string;
  /**
   * Context of the kubeconfig to use.
   * @default - the kubeconfig's current context
   */
  readonly kubeconfigContext?: string;
}

export const DEFAULT_KUBECONFIG_PATH = '~/.kube/config';

export function managementKubernetesProvider(scope: Construct, props: ManagementClusterProps): KubernetesProvider {
  return new KubernetesProvider(scope, 'management', {
    alias: 'management',
    configPath: props.kubeconfigPath ?? DEFAULT_KUBECONFIG_PATH,
    configContext: props.kubeconfigContext,
  });
}

export function managementHelmProvider(scope: Construct, props: ManagementClusterProps): HelmProvider {
  return new HelmProvider(scope, 'management-helm', {
    alias: 'management',
    kubernetes: {
      configPath: props.kubeconfigPath ?? DEFAULT_KUBECONFIG_PATH,
      configContext: props.kubeconfigContext,
    },
  });
}
