import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Release } from '@cdktf/provider-helm/lib/release';
import { Construct } from 'constructs';
import {
  CALICO_CHART,
  CALICO_CHART_REPOSITORY,
  CALICO_NAMESPACE,
  calicoValues,
  DEFAULT_CALICO_VERSION,
  validateCalico,
} from '../model/cni';
import { toYaml } from '../model/platform';
import { problemsFor } from './problems';

/** Which CNI the tenant gets. */
export enum CniPlugin {
  /** Calico via the tigera-operator chart, VXLAN, one IP pool equal to the pod CIDR. */
  CALICO = 'calico',
  /** None: bring your own (nodes stay NotReady until one runs). */
  NONE = 'none',
}

/** The knobs of the tenant CNI; shared by {@link TenantCniProps} and the nodes stack. */
export interface TenantCniOptions {
  /**
   * The CNI to install.
   * @default CniPlugin.CALICO
   */
  readonly plugin?: CniPlugin;
  /**
   * tigera-operator chart version (exact).
   * @default "v3.32.2"
   */
  readonly calicoVersion?: string;
}

export interface TenantCniProps extends TenantCniOptions {
  /** The helm provider of the tenant cluster. */
  readonly helmProvider: HelmProvider;
  /** The tenant's pod CIDR (the TenantControlPlane's `networkProfile.podCidr`). */
  readonly podCidr: string;
}

/** The tenant's pod network. Kamaji installs none; without one, joined nodes stay NotReady. */
export class TenantCni extends Construct {
  /** The Calico release, unless the plugin is `none`. */
  readonly release?: Release;

  constructor(scope: Construct, id: string, props: TenantCniProps) {
    super(scope, id);
    const plugin = props.plugin ?? CniPlugin.CALICO;
    const problems = problemsFor(this);
    problems.check(
      Object.values(CniPlugin).includes(plugin),
      'plugin',
      plugin,
      `must be one of ${Object.values(CniPlugin).join(', ')}`,
    );
    const spec = { podCidr: props.podCidr, chartVersion: props.calicoVersion ?? DEFAULT_CALICO_VERSION };
    if (plugin === CniPlugin.CALICO) validateCalico(spec, problems);
    problems.throwIfAny();
    if (plugin !== CniPlugin.CALICO) return;

    this.release = new Release(this, 'Calico', {
      provider: props.helmProvider,
      name: 'calico',
      namespace: CALICO_NAMESPACE,
      createNamespace: true,
      repository: CALICO_CHART_REPOSITORY,
      chart: CALICO_CHART,
      version: spec.chartVersion,
      values: [toYaml(calicoValues(spec))],
      // No node may be Ready before the first worker joins, so waiting for the operator's pods
      // would block the apply that creates those workers.
      wait: false,
    });
  }
}
