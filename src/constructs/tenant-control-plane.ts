import { DataKubernetesResource } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resource';
import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { Fn, ITerraformDependable, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  ComponentResources,
  ControlPlaneExposure,
  renderTenantControlPlane,
  TCP_API_VERSION,
  TCP_KIND,
  tenantControlPlaneSpec,
  TenantControlPlaneSpec,
  upgradePreconditionExpression,
  upgradePreconditionMessage,
  validateTenantControlPlane,
} from '../model/tenant-control-plane';
import { parseVersion } from '../model/versions';
import { problemsFor } from './problems';
import { TenantPki } from './tenant-pki';

/** The knobs of a tenant control plane; shared by {@link TenantControlPlaneProps} and the stack. */
export interface TenantControlPlaneOptions {
  /** Kubernetes version of the control plane (`1.35.3` or `v1.35.3`), within v1.30 to v1.36. */
  readonly kubernetesVersion: string;
  /**
   * Oldest kubelet that will join (at most 3 minors older). Below 1.35 the kubelet configuration is
   * patched for Kamaji issue #1062.
   * @default - the control plane's version
   */
  readonly oldestKubeletVersion?: string;
  /**
   * DataStore holding the tenant's data.
   * @default "default" (the platform's bundled etcd)
   */
  readonly dataStore?: string;
  /**
   * Database name (SQL) or key prefix (etcd) in the DataStore. Immutable.
   * @default - `<namespace>_<name>` with "-" as "_"
   */
  readonly dataStoreSchema?: string;
  /**
   * Database user (SQL DataStores). Immutable.
   * @default - `<namespace>_<name>` with "-" as "_"
   */
  readonly dataStoreUsername?: string;
  /**
   * API server / controller-manager / scheduler replicas.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * How the API server is exposed.
   * @default ControlPlaneExposure.LOAD_BALANCER
   */
  readonly exposure?: ControlPlaneExposure;
  /**
   * Address clients use (an IP for LoadBalancer on AWS: Kamaji rejects load-balancer hostnames).
   * @default - the address the Service gets
   */
  readonly address?: string;
  /**
   * API server port.
   * @default 6443
   */
  readonly port?: number;
  /**
   * Extra names and IPs in the API server certificate.
   * @default - none
   */
  readonly certSans?: string[];
  /**
   * CIDRs allowed to reach a LoadBalancer Service.
   * @default - everyone
   */
  readonly loadBalancerSourceRanges?: string[];
  /**
   * LoadBalancer class (immutable).
   * @default - the cluster's default load balancer
   */
  readonly loadBalancerClass?: string;
  /**
   * Annotations of the API server Service (see `awsNlbServiceAnnotations`).
   * @default - none
   */
  readonly serviceAnnotations?: { [key: string]: string };
  /**
   * Labels of the API server Service.
   * @default - none
   */
  readonly serviceLabels?: { [key: string]: string };
  /**
   * Host name of the Ingress (required with ControlPlaneExposure.INGRESS).
   * @default - none
   */
  readonly ingressHostname?: string;
  /**
   * Ingress class.
   * @default - the cluster's default class
   */
  readonly ingressClassName?: string;
  /**
   * Annotations of the Ingress (TLS passthrough for your controller).
   * @default - none
   */
  readonly ingressAnnotations?: { [key: string]: string };
  /**
   * Pod CIDR of the tenant (the CNI must use the same).
   * @default "10.244.0.0/16"
   */
  readonly podCidr?: string;
  /**
   * Service CIDR of the tenant.
   * @default "10.96.0.0/16"
   */
  readonly serviceCidr?: string;
  /**
   * Cluster DNS Service IP.
   * @default - the Service CIDR's network address + 10
   */
  readonly dnsServiceIp?: string;
  /**
   * Cluster domain. Immutable.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
  /**
   * Install CoreDNS.
   * @default true
   */
  readonly coreDns?: boolean;
  /**
   * Install kube-proxy.
   * @default true
   */
  readonly kubeProxy?: boolean;
  /**
   * Install konnectivity (needed for logs/exec/webhooks when workers are not reachable).
   * @default true
   */
  readonly konnectivity?: boolean;
  /**
   * konnectivity server port.
   * @default 8132
   */
  readonly konnectivityPort?: number;
  /** @default - no requests or limits */
  readonly apiServerResources?: ComponentResources;
  /** @default - no requests or limits */
  readonly controllerManagerResources?: ComponentResources;
  /** @default - no requests or limits */
  readonly schedulerResources?: ComponentResources;
  /** @default - none */
  readonly apiServerExtraArgs?: string[];
  /** @default - none */
  readonly controllerManagerExtraArgs?: string[];
  /** @default - none */
  readonly schedulerExtraArgs?: string[];
  /**
   * Admission controllers of the API server.
   * @default - Kamaji's default list
   */
  readonly admissionControllers?: string[];
  /**
   * Refuse `terraform destroy` of the TenantControlPlane (deleting it deletes the tenant's data).
   * @default true
   */
  readonly preventDestroy?: boolean;
  /**
   * Create timeout (includes waiting for readiness), as a Terraform duration.
   * @default "20m"
   */
  readonly createTimeout?: string;
  /**
   * Update timeout, as a Terraform duration.
   * @default "20m"
   */
  readonly updateTimeout?: string;
  /**
   * Delete timeout, as a Terraform duration.
   * @default "10m"
   */
  readonly deleteTimeout?: string;
}

export interface TenantControlPlaneProps extends TenantControlPlaneOptions {
  /** The kubernetes provider of the management cluster. */
  readonly kubernetesProvider: KubernetesProvider;
  /** Name of the TenantControlPlane (DNS-1035 label). */
  readonly name: string;
  /**
   * Namespace of the TenantControlPlane (must exist).
   * @default "default"
   */
  readonly namespace?: string;
  /**
   * The tenant CA. When absent, this construct creates a generated one as its child `Pki`.
   * @default - a generated CA (child `Pki`)
   */
  readonly pki?: TenantPki;
  /**
   * tls provider for the default CA.
   * @default - the stack's default tls provider
   */
  readonly tlsProvider?: TlsProvider;
  /**
   * Things the control plane waits for (the namespace, typically).
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
}

const DURATION = /^(\d+h)?(\d+m)?(\d+s)?$/;
const ADMIN_KUBECONFIG_KEY = 'admin.conf';

/**
 * A Kamaji TenantControlPlane, waited on until its API server is Ready and its bootstrap RBAC
 * exists, protected from destroy, refused at plan time when the version step is not allowed.
 */
export class TenantControlPlane extends Construct {
  readonly name: string;
  readonly namespace: string;
  readonly kubernetesVersion: string;
  /** Endpoint host: the configured address, else Kamaji's `status.controlPlaneEndpoint` (apply time). */
  readonly endpointHost: string;
  readonly port: number;
  readonly konnectivityPort?: number;
  /** `<name>-admin-kubeconfig`: holds a credential; read it with a data source, never an output. */
  readonly adminKubeconfigSecretName: string;
  readonly adminKubeconfigSecretKey = ADMIN_KUBECONFIG_KEY;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly dnsServiceIp: string;
  readonly pki: TenantPki;
  /** The defaulted, validated spec. */
  readonly spec: TenantControlPlaneSpec;
  readonly manifest: Manifest;

  constructor(scope: Construct, id: string, props: TenantControlPlaneProps) {
    super(scope, id);
    const spec = tenantControlPlaneSpec({
      ...props,
      serviceAnnotations: props.serviceAnnotations,
      serviceLabels: props.serviceLabels,
      ingressAnnotations: props.ingressAnnotations,
    });
    const problems = problemsFor(this);
    validateTenantControlPlane(spec, problems);
    const timeouts = {
      create: props.createTimeout ?? '20m',
      update: props.updateTimeout ?? '20m',
      delete: props.deleteTimeout ?? '10m',
    };
    for (const [key, value] of Object.entries(timeouts)) {
      problems.check(
        DURATION.test(value) && value !== '',
        `${key}Timeout`,
        value,
        'must be a Terraform duration such as "20m" or "1h30m"',
      );
    }
    if (props.pki) {
      problems.check(
        props.pki.secretName === `${spec.name}-ca` && props.pki.namespace === spec.namespace,
        'pki',
        `${props.pki.namespace}/${props.pki.secretName}`,
        `must be the CA Secret of this control plane: ${spec.namespace}/${spec.name}-ca`,
      );
    }
    problems.throwIfAny();

    this.spec = spec;
    this.name = spec.name;
    this.namespace = spec.namespace;
    this.kubernetesVersion = spec.kubernetesVersion;
    this.port = spec.port;
    this.konnectivityPort = spec.konnectivity ? spec.konnectivityPort : undefined;
    this.podCidr = spec.podCidr;
    this.serviceCidr = spec.serviceCidr;
    this.dnsServiceIp = spec.dnsServiceIp;
    this.adminKubeconfigSecretName = `${spec.name}-admin-kubeconfig`;
    this.pki =
      props.pki ??
      new TenantPki(this, 'Pki', {
        kubernetesProvider: props.kubernetesProvider,
        tlsProvider: props.tlsProvider,
        tenantName: spec.name,
        namespace: spec.namespace,
        dependsOn: props.dependsOn,
      });

    const current = new DataKubernetesResources(this, 'Current', {
      provider: props.kubernetesProvider,
      apiVersion: TCP_API_VERSION,
      kind: TCP_KIND,
      namespace: spec.namespace,
      fieldSelector: `metadata.name=${spec.name}`,
    });
    const target = parseVersion(spec.kubernetesVersion);

    this.manifest = new Manifest(this, 'Resource', {
      provider: props.kubernetesProvider,
      manifest: renderTenantControlPlane(spec),
      // The TCP has no status.conditions: wait on fields. The bootstrap-token checksum appears once
      // the in-tenant RBAC and kube-public/cluster-info exist, which is what a joining node needs.
      wait: {
        fields: {
          'status.kubernetesResources.version.status': 'Ready',
          'status.kubeadmPhase.bootstrapToken.checksum': '.+',
        },
      },
      timeouts,
      // The CA Secret must exist before the TCP, or Kamaji generates its own CA.
      dependsOn: [this.pki.secret, ...(props.dependsOn ?? [])],
      lifecycle: {
        preventDestroy: props.preventDestroy ?? true,
        precondition: target
          ? [
              {
                condition: `\${${upgradePreconditionExpression(`${current.fqn}.objects`, target)}}`,
                errorMessage: upgradePreconditionMessage(spec, target),
              },
            ]
          : undefined,
      },
    });

    this.endpointHost = spec.address ?? this.publishedEndpointHost(props.kubernetesProvider);
  }

  /**
   * The host of Kamaji's `status.controlPlaneEndpoint` (`host:port`), read at apply time.
   *
   * Not from the manifest: kubernetes_manifest's `object` never holds `status` (the provider drops it,
   * `RemoveServerSideFields` and `TFTypeFromOpenAPI(..., status=false)` in its manifest/provider), so
   * `object.status.controlPlaneEndpoint` fails the plan with "Unsupported attribute". The
   * kubernetes_resource data source keeps status; it is read once the TCP is applied and Ready.
   */
  private publishedEndpointHost(provider: KubernetesProvider): string {
    const status = new DataKubernetesResource(this, 'Status', {
      provider,
      apiVersion: TCP_API_VERSION,
      kind: TCP_KIND,
      metadata: { name: this.name, namespace: this.namespace },
      dependsOn: [this.manifest],
    });
    const endpoint = Token.asString(Fn.lookupNested(status.object, ['status', 'controlPlaneEndpoint']));
    return Token.asString(Fn.element(Fn.split(':', endpoint), 0));
  }
}
