import { Eip } from '@cdktf/provider-aws/lib/eip';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataKubernetesNodes } from '@cdktf/provider-kubernetes/lib/data-kubernetes-nodes';
import { DataKubernetesResource } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resource';
import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { Fn, ITerraformDependable, TerraformResourceLifecycle, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  ComponentResources,
  ControlPlaneExposure,
  dependsOnLoadBalancerIp,
  ElasticIpEndpoint,
  loadBalancerHostnameMessage,
  noAwsNodesExpression,
  readinessWaitFields,
  VERSION_WAIT_FIELD,
  renderTenantControlPlane,
  serviceIngressIpExpression,
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
import { AWS_PROVIDER, providerOrDefault } from './providers';
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
   * How the API server is exposed. On AWS management clusters (EKS included) use
   * `ControlPlaneExposure.AWS_ELASTIC_IP`: AWS load balancers report hostnames, which Kamaji refuses.
   * @default ControlPlaneExposure.LOAD_BALANCER
   */
  readonly exposure?: ControlPlaneExposure;
  /**
   * The IP clients and workers use (v4 or v6; Kamaji also makes it the API server's advertise
   * address, so no DNS names). Required with NodePort and Ingress; set from the Elastic IP with
   * AwsElasticIP.
   * @default - the IP the LoadBalancer Service gets
   */
  readonly address?: string;
  /**
   * Public subnets of the management cluster's VPC for the NLB, at most one per availability zone;
   * one Elastic IP is allocated for each (`ControlPlaneExposure.AWS_ELASTIC_IP` only).
   * @default - none
   */
  readonly publicSubnetIds?: string[];
  /**
   * Port of the Ingress controller, carried in the kubeconfig URLs (`ControlPlaneExposure.INGRESS` only).
   * @default 443
   */
  readonly ingressPort?: number;
  /**
   * With a LoadBalancer exposure and no address, refuse at plan time a management cluster on AWS and
   * a Service whose load balancer reports a hostname (Kamaji would never publish an endpoint). Turn
   * off for a load balancer that reports IPs on AWS (MetalLB, say).
   * @default true
   */
  readonly loadBalancerIpCheck?: boolean;
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
   * Annotations of the API server Service (see `AwsNlb.serviceAnnotations`).
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
   * tls provider for the default CA (when `pki` is not given).
   * @default - the stack's default tls provider (synth fails, naming this prop, when there is none)
   */
  readonly tlsProvider?: TlsProvider;
  /**
   * aws provider of the management cluster's account and region, for the Elastic IPs
   * (`ControlPlaneExposure.AWS_ELASTIC_IP`).
   * @default - the stack's default aws provider (synth fails, naming this prop, when there is none)
   */
  readonly awsProvider?: AwsProvider;
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
  /**
   * Endpoint host: the configured address or the first Elastic IP, else the host of Kamaji's
   * `status.controlPlaneEndpoint` (apply time).
   */
  readonly endpointHost: string;
  /** The Elastic IPs (`ControlPlaneExposure.AWS_ELASTIC_IP`), one per public subnet. */
  readonly elasticIps: Eip[];
  readonly port: number;
  readonly konnectivityPort?: number;
  /** `<name>-admin-kubeconfig`: holds a credential; read it with a data source, never an output. */
  readonly adminKubeconfigSecretName: string;
  readonly adminKubeconfigSecretKey = ADMIN_KUBECONFIG_KEY;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly dnsServiceIp: string;
  readonly pki: TenantPki;
  /**
   * The oldest kubelet version that may join (`v1.34.2`): give it to the nodes as their
   * `oldestKubeletVersion`.
   */
  readonly oldestKubeletVersion: string;
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
    // The subnets decide how many Elastic IPs are allocated: they must be known at synth.
    if (
      Token.isUnresolved(props.publicSubnetIds) ||
      (props.publicSubnetIds ?? []).some((id) => Token.isUnresolved(id))
    ) {
      problems.add(
        'publicSubnetIds',
        '(a token)',
        'must be listed at synth (subnet ids, not a reference): one Elastic IP is allocated per subnet',
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

    this.oldestKubeletVersion = spec.oldestKubeletVersion;
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

    const preventDestroy = props.preventDestroy ?? true;
    const aws = spec.publicSubnetIds.length > 0 ? providerOrDefault(this, props.awsProvider, AWS_PROVIDER) : undefined;
    this.elasticIps = spec.publicSubnetIds.map(
      (subnetId, i) =>
        new Eip(this, `ElasticIp${i}`, {
          provider: aws,
          domain: 'vpc',
          tags: {
            Name: `${spec.namespace}/${spec.name}-api-${i}`,
            'cdktf-kamaji/tenant': spec.name,
            'cdktf-kamaji/stack': TerraformStack.of(this).node.id,
            'cdktf-kamaji/subnet': subnetId,
          },
          // The tenant's address: every kubeconfig and node trusts it.
          lifecycle: { preventDestroy },
        }),
    );
    const elasticIps: ElasticIpEndpoint | undefined =
      this.elasticIps.length > 0
        ? {
            allocationIds: this.elasticIps.map((e) => e.allocationId),
            publicIps: this.elasticIps.map((e) => e.publicIp),
          }
        : undefined;

    const preconditions: NonNullable<TerraformResourceLifecycle['precondition']> = [];
    if (target) {
      preconditions.push({
        condition: `\${${upgradePreconditionExpression(`${current.fqn}.objects`, target)}}`,
        errorMessage: upgradePreconditionMessage(spec, target),
      });
    }
    if (dependsOnLoadBalancerIp(spec) && (props.loadBalancerIpCheck ?? true)) {
      const nodes = new DataKubernetesNodes(this, 'ManagementNodes', { provider: props.kubernetesProvider });
      // Kamaji names the Service after the TenantControlPlane (k8s_service_resource.go).
      const service = new DataKubernetesResources(this, 'Service', {
        provider: props.kubernetesProvider,
        apiVersion: 'v1',
        kind: 'Service',
        namespace: spec.namespace,
        fieldSelector: `metadata.name=${spec.name}`,
      });
      preconditions.push(
        {
          condition: `\${${noAwsNodesExpression(`${nodes.fqn}.nodes`)}}`,
          errorMessage: loadBalancerHostnameMessage(
            spec,
            'the management cluster runs on AWS (a node has an aws:// providerID), and AWS load balancers report hostnames',
          ),
        },
        {
          condition: `\${${serviceIngressIpExpression(`${service.fqn}.objects`)}}`,
          errorMessage: loadBalancerHostnameMessage(
            spec,
            `the load balancer of Service ${spec.namespace}/${spec.name} reports a hostname, not an IP`,
          ),
        },
      );
    }

    this.manifest = new Manifest(this, 'Resource', {
      provider: props.kubernetesProvider,
      manifest: renderTenantControlPlane(spec, elasticIps),
      // The TCP has no status.conditions: wait on anchored fields (see readinessWaitFields).
      wait: { fields: this.waitFields(spec) },
      timeouts,
      // The CA Secret must exist before the TCP, or Kamaji generates its own CA.
      dependsOn: [this.pki.secret, ...(props.dependsOn ?? [])],
      lifecycle: {
        preventDestroy,
        precondition: preconditions.length > 0 ? preconditions : undefined,
      },
    });

    this.endpointHost =
      spec.address ?? elasticIps?.publicIps[0] ?? this.publishedEndpointHost(props.kubernetesProvider);
  }

  /** readinessWaitFields; a version known only at apply gets its pattern built by Terraform. */
  private waitFields(spec: TenantControlPlaneSpec): { [key: string]: string } {
    const fields = readinessWaitFields(spec);
    if (Token.isUnresolved(spec.kubernetesVersion)) {
      // `[.]` rather than `\.`: no backslash to survive two layers of escaping.
      fields[VERSION_WAIT_FIELD] = Fn.join('', ['^', Fn.replace(spec.kubernetesVersion, '.', '[.]'), '$']);
    }
    return fields;
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
    // Kamaji writes it with net.JoinHostPort: `10.0.0.1:6443`, `[2001:db8::1]:6443`.
    return Fn.trim(Fn.replace(endpoint, '/:[0-9]+$/', ''), '[]');
  }
}
