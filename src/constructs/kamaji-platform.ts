import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Release } from '@cdktf/provider-helm/lib/release';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { certManagerValues, kamajiValues, platformSpec, toYaml, validatePlatform } from '../model/platform';
import { problemsFor } from './problems';

/** The knobs of the Kamaji platform; shared by {@link KamajiPlatformProps} and the platform stack. */
export interface KamajiPlatformOptions {
  /**
   * Install cert-manager (Kamaji's webhooks need it). Turn off when the cluster already runs it.
   * @default true
   */
  readonly installCertManager?: boolean;
  /**
   * cert-manager chart version (exact).
   * @default "v1.19.1"
   */
  readonly certManagerChartVersion?: string;
  /**
   * cert-manager chart repository.
   * @default "https://charts.jetstack.io"
   */
  readonly certManagerChartRepository?: string;
  /**
   * Namespace of the cert-manager release (created if missing).
   * @default "cert-manager"
   */
  readonly certManagerNamespace?: string;
  /**
   * Kamaji chart version (exact). The public repository only carries a rolling build; mirror it to
   * pin the chart bytes.
   * @default "0.0.0+latest"
   */
  readonly kamajiChartVersion?: string;
  /**
   * Kamaji chart repository (http(s) or oci).
   * @default "https://clastix.github.io/charts"
   */
  readonly kamajiChartRepository?: string;
  /**
   * Kamaji controller image tag; this is what pins Kamaji's behaviour and its Kubernetes ceiling.
   * @default "26.8.2-edge"
   */
  readonly kamajiImageTag?: string;
  /**
   * Kamaji release name. Only `kamaji` works (the CRDs hard-code it); the prop exists to fail loudly.
   * @default "kamaji"
   */
  readonly kamajiReleaseName?: string;
  /**
   * Kamaji namespace. Only `kamaji-system` works (the CRDs hard-code it).
   * @default "kamaji-system"
   */
  readonly kamajiNamespace?: string;
  /**
   * Send Kamaji's anonymous usage telemetry.
   * @default false
   */
  readonly telemetry?: boolean;
  /**
   * Deploy the chart's bundled etcd as the default DataStore. Fine for a quickstart; the chart calls
   * it not production-grade (a single StatefulSet on the management cluster, no backups). Turn it off
   * and name a DataStore of your own for production.
   * @default true
   */
  readonly bundledEtcd?: boolean;
  /**
   * The DataStore tenants use when they name none. Required when `bundledEtcd` is false.
   * @default "default" (the bundled etcd)
   */
  readonly defaultDataStoreName?: string;
  /**
   * Extra Kamaji chart values, merged under the values this construct sets from its props.
   * @default - none
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- jsii's type for free-form JSON
  readonly extraValues?: { [key: string]: any };
  /**
   * Helm wait timeout for each release, in seconds.
   * @default 600
   */
  readonly timeoutSeconds?: number;
}

export interface KamajiPlatformProps extends KamajiPlatformOptions {
  /** The helm provider of the management cluster. */
  readonly helmProvider: HelmProvider;
}

/**
 * cert-manager and Kamaji on the management cluster, in that order.
 *
 * Works in any stack that has a helm provider for the management cluster. Later stages depend on
 * {@link KamajiPlatform.release} (the Kamaji release: CRDs and webhooks exist once it is applied).
 */
export class KamajiPlatform extends Construct {
  /** Namespace Kamaji runs in. */
  readonly namespace: string;
  /** DataStore used by tenants that name none. */
  readonly defaultDataStoreName: string;
  /** The Kamaji release; depend on it before creating TenantControlPlanes or DataStores. */
  readonly release: Release;
  /** The cert-manager release, when this construct installs it. */
  readonly certManagerRelease?: Release;

  constructor(scope: Construct, id: string, props: KamajiPlatformProps) {
    super(scope, id);
    const spec = platformSpec(props);
    const problems = problemsFor(this);
    validatePlatform(spec, problems);
    problems.throwIfAny();
    this.namespace = spec.kamaji.namespace;
    this.defaultDataStoreName = spec.kamaji.defaultDataStore;

    const dependsOn: ITerraformDependable[] = [];
    if (spec.certManager.install) {
      this.certManagerRelease = new Release(this, 'CertManager', {
        provider: props.helmProvider,
        name: 'cert-manager',
        namespace: spec.certManager.namespace,
        createNamespace: true,
        repository: spec.certManager.repository,
        chart: 'cert-manager',
        version: spec.certManager.chartVersion,
        values: [toYaml(certManagerValues())],
        wait: true,
        timeout: spec.timeoutSeconds,
      });
      dependsOn.push(this.certManagerRelease);
    }

    this.release = new Release(this, 'Kamaji', {
      provider: props.helmProvider,
      name: spec.kamaji.releaseName,
      namespace: spec.kamaji.namespace,
      createNamespace: true,
      repository: spec.kamaji.repository,
      chart: 'kamaji',
      version: spec.kamaji.chartVersion,
      values: [toYaml(kamajiValues(spec))],
      wait: true,
      timeout: spec.timeoutSeconds,
      dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
    });
  }
}
