/**
 * A tenant's Kamaji control plane as data: the defaulted spec, its rules and the
 * `TenantControlPlane` (`kamaji.clastix.io/v1alpha1`) manifest.
 *
 * Facts (DESIGN.md section 3, checked against the CRD in ../shared/reference/kamaji/crds/):
 * - Kamaji's defaulting webhook fills dataStore, dataStoreSchema, dataStoreUsername, replicas,
 *   serviceCidrs, podCidrs and dnsServiceIPs. We set every one of them, or each plan shows drift.
 * - Addons are off unless present. Konnectivity is on by default: workers on AWS cannot be reached
 *   from the management cluster, and without it `kubectl logs/exec` and webhooks fail.
 * - The kubelet uses the systemd cgroup driver (containerd `SystemdCgroup = true`); the CRD's
 *   `cgroupfs` field is deprecated, so a JSON patch sets it. `add` sets or replaces; `replace` fails
 *   when the field is absent from the generated config.
 * - Kamaji issue #1062: Kamaji renders `kubelet-config` from its own (1.35+) defaults, and kubelets
 *   older than 1.35 refuse the unknown fields `crashLoopBackOff` and
 *   `imagePullCredentialsVerificationPolicy`. An `add` followed by a `remove` deletes a field whether
 *   or not it is there (a bare `remove` of an absent path fails the whole patch).
 * - CEL rules of the CRD checked here: ingress and gateway are exclusive, loadBalancerSourceRanges,
 *   loadBalancerClass and allocateLoadBalancerNodePorts only with a LoadBalancer Service, CIDR lists,
 *   advertise address is an IP, konnectivity agent replicas vs mode; plus the DNS-1035 name.
 */
import { Cidr, CIDR_RULE, cidrsOverlap, contains, formatIp, parseCidr, parseIp, parseStrictCidr } from './cidr';
import { Problems } from './errors';
import { DNS1035_LABEL_RULE, DNS1123_LABEL_RULE, isDns1035Label, isDns1123Label, isDns1123Subdomain } from './names';
import { DEFAULT_DATASTORE_NAME } from './platform';
import {
  checkVersion,
  formatVersion,
  kubeletSkewProblem,
  KubernetesVersion,
  parseVersion,
  upgradeProblem,
} from './versions';

export const TCP_API_VERSION = 'kamaji.clastix.io/v1alpha1';
export const TCP_KIND = 'TenantControlPlane';
export const DEFAULT_TENANT_NAMESPACE = 'default';
export const DEFAULT_REPLICAS = 2;
export const DEFAULT_API_PORT = 6443;
export const DEFAULT_KONNECTIVITY_PORT = 8132;
export const DEFAULT_POD_CIDR = '10.244.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** The kubelet version from which the #1062 workaround is not needed. */
export const KUBELET_CONFIG_FIELDS_MINOR = 35;
/**
 * The CRD's default admission controllers (`spec.kubernetes.admissionControllers`, kubebuilder default
 * in clastix/kamaji api/v1alpha1/tenantcontrolplane_types.go, KubernetesSpec.AdmissionControllers).
 */
export const KAMAJI_DEFAULT_ADMISSION_CONTROLLERS: readonly string[] = [
  'CertificateApproval',
  'CertificateSigning',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'DefaultStorageClass',
  'DefaultTolerationSeconds',
  'LimitRanger',
  'MutatingAdmissionWebhook',
  'NamespaceLifecycle',
  'PersistentVolumeClaimResize',
  'Priority',
  'ResourceQuota',
  'RuntimeClass',
  'ServiceAccount',
  'StorageObjectInUseProtection',
  'TaintNodesByCondition',
  'ValidatingAdmissionWebhook',
];
/**
 * Our default: Kamaji's list plus `NodeRestriction`, which `kubeadm init` enables
 * (cmd/kubeadm/app/phases/controlplane/manifests.go, `--enable-admission-plugins=NodeRestriction`)
 * and Kamaji does not add (it passes the list verbatim as `--enable-admission-plugins`). Without it a
 * kubelet's credentials may label and taint other nodes and edit any pod's status.
 */
export const DEFAULT_ADMISSION_CONTROLLERS: readonly string[] = [
  ...KAMAJI_DEFAULT_ADMISSION_CONTROLLERS,
  'NodeRestriction',
].sort();
/** The CRD's enum of admission controllers. */
export const KNOWN_ADMISSION_CONTROLLERS: readonly string[] = [
  ...KAMAJI_DEFAULT_ADMISSION_CONTROLLERS,
  'AlwaysAdmit',
  'AlwaysDeny',
  'AlwaysPullImages',
  'DenyEscalatingExec',
  'DenyExecOnPrivileged',
  'DenyServiceExternalIPs',
  'EventRateLimit',
  'ExtendedResourceToleration',
  'ImagePolicyWebhook',
  'LimitPodHardAntiAffinityTopology',
  'NamespaceAutoProvision',
  'NamespaceExists',
  'NodeRestriction',
  'OwnerReferencesPermissionEnforcement',
  'PersistentVolumeLabel',
  'PodNodeSelector',
  'PodSecurity',
  'PodSecurityPolicy',
  'PodTolerationRestriction',
  'SecurityContextDeny',
].sort();

/**
 * How the tenant API server is reached from outside the management cluster. Kamaji takes the
 * endpoint from `networkProfile.address`, else from the Service: a ClusterIP, or a LoadBalancer's
 * ingress IP; a LoadBalancer that reports a hostname is refused ("hostname not supported for
 * LoadBalancer ingress: use static IP instead") and the endpoint never appears (clastix/kamaji
 * api/v1alpha1/tenantcontrolplane_funcs.go, DeclaredControlPlaneAddress / getLoadBalancerAddress).
 */
export enum ControlPlaneExposure {
  /**
   * A `LoadBalancer` Service whose load balancer reports an IP (AKS, GKE, MetalLB, kube-vip), or any
   * load balancer with a fixed `address`. The default.
   */
  LOAD_BALANCER = 'LoadBalancer',
  /**
   * AWS (EKS or any AWS management cluster): Elastic IPs allocated by the construct, one per public
   * subnet, fronted by an internet-facing NLB of the AWS Load Balancer Controller; the first Elastic
   * IP is the address, all of them are in the certificate.
   */
  AWS_ELASTIC_IP = 'AwsElasticIP',
  /** A `NodePort` Service: `address` (a node's or a VIP's IP) and ports in the node-port range. */
  NODE_PORT = 'NodePort',
  /** A `ClusterIP` Service behind an Ingress (TLS passthrough); needs `ingressHostname` and `address`. */
  INGRESS = 'Ingress',
}

/** Kubernetes' default `--service-node-port-range`. Kamaji uses the API and konnectivity ports as nodePorts. */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;
/** The port clients reach an Ingress controller on (TLS passthrough). */
export const DEFAULT_INGRESS_PORT = 443;

/** Requests and limits of one control-plane container (Kubernetes quantities such as `250m`, `512Mi`). */
export interface ComponentResources {
  /** @default - none */
  readonly cpuRequest?: string;
  /** @default - none */
  readonly memoryRequest?: string;
  /** @default - none */
  readonly cpuLimit?: string;
  /** @default - none */
  readonly memoryLimit?: string;
}

/** One RFC 6902 operation on Kamaji's generated kubelet configuration. */
export interface KubeletConfigPatch {
  readonly op: string;
  readonly path: string;
  readonly value?: unknown;
}

/** What a user may say about a tenant control plane; everything but name and version is optional. */
export interface TenantControlPlaneInput {
  name: string;
  namespace?: string;
  kubernetesVersion: string;
  oldestKubeletVersion?: string;
  dataStore?: string;
  dataStoreSchema?: string;
  dataStoreUsername?: string;
  replicas?: number;
  exposure?: ControlPlaneExposure;
  address?: string;
  port?: number;
  publicSubnetIds?: string[];
  ingressPort?: number;
  certSans?: string[];
  loadBalancerSourceRanges?: string[];
  loadBalancerClass?: string;
  serviceAnnotations?: Record<string, string>;
  serviceLabels?: Record<string, string>;
  ingressHostname?: string;
  ingressClassName?: string;
  ingressAnnotations?: Record<string, string>;
  podCidr?: string;
  serviceCidr?: string;
  dnsServiceIp?: string;
  clusterDomain?: string;
  coreDns?: boolean;
  kubeProxy?: boolean;
  konnectivity?: boolean;
  konnectivityPort?: number;
  apiServerResources?: ComponentResources;
  controllerManagerResources?: ComponentResources;
  schedulerResources?: ComponentResources;
  apiServerExtraArgs?: string[];
  controllerManagerExtraArgs?: string[];
  schedulerExtraArgs?: string[];
  admissionControllers?: string[];
}

/** A tenant control plane with every default applied. */
export interface TenantControlPlaneSpec {
  readonly name: string;
  readonly namespace: string;
  /** `v1.MINOR.PATCH` when the input parses, else the input as given (validation reports it). */
  readonly kubernetesVersion: string;
  readonly oldestKubeletVersion: string;
  readonly dataStore: string;
  readonly dataStoreSchema: string;
  readonly dataStoreUsername: string;
  readonly replicas: number;
  readonly exposure: ControlPlaneExposure;
  readonly address?: string;
  readonly port: number;
  /** AWS_ELASTIC_IP: the public subnets of the NLB, one Elastic IP each. */
  readonly publicSubnetIds: readonly string[];
  /** INGRESS: the port of the Ingress controller, carried in the kubeconfig URLs. */
  readonly ingressPort: number;
  readonly certSans: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  readonly loadBalancerClass?: string;
  readonly serviceAnnotations: Readonly<Record<string, string>>;
  readonly serviceLabels: Readonly<Record<string, string>>;
  readonly ingressHostname?: string;
  readonly ingressClassName?: string;
  readonly ingressAnnotations: Readonly<Record<string, string>>;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly dnsServiceIp: string;
  readonly clusterDomain: string;
  readonly coreDns: boolean;
  readonly kubeProxy: boolean;
  readonly konnectivity: boolean;
  readonly konnectivityPort: number;
  readonly resources: {
    readonly apiServer?: ComponentResources;
    readonly controllerManager?: ComponentResources;
    readonly scheduler?: ComponentResources;
  };
  readonly extraArgs: {
    readonly apiServer: readonly string[];
    readonly controllerManager: readonly string[];
    readonly scheduler: readonly string[];
  };
  readonly admissionControllers: readonly string[];
}

/**
 * The database name / key prefix and user Kamaji would derive from namespace and name. Both are
 * immutable once created, so we fix them at creation; `_` keeps them valid SQL identifiers.
 */
export function defaultDataStoreIdentity(namespace: string, name: string): string {
  return `${namespace}_${name}`.replace(/-/g, '_');
}

export function tenantControlPlaneSpec(input: TenantControlPlaneInput): TenantControlPlaneSpec {
  const namespace = input.namespace ?? DEFAULT_TENANT_NAMESPACE;
  const parsed = parseVersion(input.kubernetesVersion);
  const kubernetesVersion = parsed ? formatVersion(parsed) : input.kubernetesVersion;
  const oldest = input.oldestKubeletVersion ?? kubernetesVersion;
  const oldestParsed = parseVersion(oldest);
  const serviceCidr = input.serviceCidr ?? DEFAULT_SERVICE_CIDR;
  const identity = defaultDataStoreIdentity(namespace, input.name);
  return {
    name: input.name,
    namespace,
    kubernetesVersion,
    oldestKubeletVersion: oldestParsed ? formatVersion(oldestParsed) : oldest,
    dataStore: input.dataStore ?? DEFAULT_DATASTORE_NAME,
    dataStoreSchema: input.dataStoreSchema ?? identity,
    dataStoreUsername: input.dataStoreUsername ?? identity,
    replicas: input.replicas ?? DEFAULT_REPLICAS,
    exposure: input.exposure ?? ControlPlaneExposure.LOAD_BALANCER,
    address: input.address,
    port: input.port ?? DEFAULT_API_PORT,
    publicSubnetIds: input.publicSubnetIds ?? [],
    ingressPort: input.ingressPort ?? DEFAULT_INGRESS_PORT,
    certSans: input.certSans ?? [],
    loadBalancerSourceRanges: input.loadBalancerSourceRanges ?? [],
    loadBalancerClass: input.loadBalancerClass,
    serviceAnnotations: input.serviceAnnotations ?? {},
    serviceLabels: input.serviceLabels ?? {},
    ingressHostname: input.ingressHostname,
    ingressClassName: input.ingressClassName,
    ingressAnnotations: input.ingressAnnotations ?? {},
    podCidr: input.podCidr ?? DEFAULT_POD_CIDR,
    serviceCidr,
    dnsServiceIp: input.dnsServiceIp ?? dnsServiceIpOf(serviceCidr) ?? '',
    clusterDomain: input.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    coreDns: input.coreDns ?? true,
    kubeProxy: input.kubeProxy ?? true,
    konnectivity: input.konnectivity ?? true,
    konnectivityPort: input.konnectivityPort ?? DEFAULT_KONNECTIVITY_PORT,
    resources: {
      apiServer: input.apiServerResources,
      controllerManager: input.controllerManagerResources,
      scheduler: input.schedulerResources,
    },
    extraArgs: {
      apiServer: input.apiServerExtraArgs ?? [],
      controllerManager: input.controllerManagerExtraArgs ?? [],
      scheduler: input.schedulerExtraArgs ?? [],
    },
    admissionControllers: input.admissionControllers ?? [...DEFAULT_ADMISSION_CONTROLLERS],
  };
}

/** Kamaji's rule for the cluster DNS Service IP: the Service CIDR's network address + 10. */
export function dnsServiceIpOf(serviceCidr: string): string | undefined {
  const c = parseStrictCidr(serviceCidr);
  return c && formatIp({ family: c.network.family, value: c.network.value + 10n });
}

// ---- validation ----

const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
// Kubernetes resource quantity (apimachinery resource.Quantity).
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function isHost(value: string): boolean {
  return parseIp(value) !== undefined || isDns1123Subdomain(value);
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

function checkStrictCidr(problems: Problems, field: string, value: string): Cidr | undefined {
  const c = parseStrictCidr(value);
  return problems.check(c !== undefined, field, value, CIDR_RULE) ? c : undefined;
}

function checkKeys(problems: Problems, field: string, map: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(map)) {
    problems.check(
      LABEL_KEY.test(key),
      `${field}["${key}"]`,
      key,
      'must be a Kubernetes annotation/label key: [prefix/]name, name of 1-63 characters from [A-Za-z0-9-_.]',
    );
    problems.check(typeof value === 'string', `${field}["${key}"]`, value, 'must be a string');
  }
}

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;

/**
 * The endpoint rules of each exposure, from what Kamaji does with the fields (clastix/kamaji at
 * 26.8.2-edge):
 * - `address` becomes the API server's `--advertise-address` (internal/builders/controlplane/
 *   deployment.go, buildKubeAPIServerCommand), which takes an IP only.
 * - NodePort: the API and konnectivity ports are set as the Service's nodePorts
 *   (internal/resources/k8s_service_resource.go and konnectivity/service_resource.go, mutate), and
 *   without `address` DeclaredControlPlaneAddress has no endpoint to publish (MissingValidIPError).
 * - Ingress: the kubeconfigs and cluster-info carry `https://<ingress hostname>:<port>`, the port
 *   taken from the hostname when it has one (internal/resources/kubeadm_config.go, mutate); the
 *   konnectivity agents dial `address`, else the Service's ClusterIP (konnectivity/agent.go, mutate).
 *   The Ingress rule itself gets the host without the port (k8s_ingress_resource.go). In-tenant
 *   traffic reaches `address` without a host name (Kamaji docs, enterprise-addons/ingress.md), so
 *   the README states the layer-4 listeners it needs.
 */
function checkEndpoint(spec: TenantControlPlaneSpec, problems: Problems): void {
  if (spec.address !== undefined) {
    problems.check(
      parseIp(spec.address) !== undefined,
      'address',
      spec.address,
      'must be an IP address (v4 or v6): Kamaji passes it to the API server as --advertise-address, which takes no DNS name (put DNS names in certSans)',
    );
  }
  const nodePortRange = `${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`;
  const inNodePortRange = (port: number) => port >= NODE_PORT_RANGE.min && port <= NODE_PORT_RANGE.max;
  switch (spec.exposure) {
    case ControlPlaneExposure.AWS_ELASTIC_IP: {
      problems.check(
        spec.address === undefined,
        'address',
        spec.address,
        'is set to the first Elastic IP with the AwsElasticIP exposure: leave it out',
      );
      problems.check(
        spec.publicSubnetIds.length > 0,
        'publicSubnetIds',
        spec.publicSubnetIds,
        "is required with the AwsElasticIP exposure: the public subnets of the management cluster's VPC, at most one per availability zone (each gets one Elastic IP)",
      );
      const seen = new Set<string>();
      spec.publicSubnetIds.forEach((id, i) => {
        problems.check(
          SUBNET_ID.test(id),
          `publicSubnetIds[${i}]`,
          id,
          'must be a subnet id such as "subnet-0123456789abcdef0"',
        );
        problems.check(!seen.has(id), `publicSubnetIds[${i}]`, id, 'must not repeat a subnet');
        seen.add(id);
      });
      if (spec.loadBalancerClass !== undefined) {
        problems.add(
          'loadBalancerClass',
          spec.loadBalancerClass,
          'is not used with the AwsElasticIP exposure: the AWS Load Balancer Controller takes the Service by its annotations',
        );
      }
      for (const key of AWS_NLB_ANNOTATION_KEYS) {
        if (spec.serviceAnnotations[key] !== undefined) {
          problems.add(
            `serviceAnnotations["${key}"]`,
            spec.serviceAnnotations[key],
            'is set by the AwsElasticIP exposure',
          );
        }
      }
      break;
    }
    case ControlPlaneExposure.NODE_PORT:
      problems.check(
        spec.address !== undefined,
        'address',
        spec.address,
        'is required with the NodePort exposure: the IP of a management-cluster node (or a VIP in front of them) that clients and workers reach; without it Kamaji publishes no endpoint',
      );
      problems.check(
        inNodePortRange(spec.port),
        'port',
        spec.port,
        `must be inside the node-port range ${nodePortRange} with the NodePort exposure: Kamaji uses it as the Service's nodePort`,
      );
      if (spec.konnectivity) {
        problems.check(
          inNodePortRange(spec.konnectivityPort),
          'konnectivityPort',
          spec.konnectivityPort,
          `must be inside the node-port range ${nodePortRange} with the NodePort exposure: Kamaji uses it as the Service's nodePort`,
        );
      }
      break;
    case ControlPlaneExposure.INGRESS:
      problems.check(
        isDns1123Subdomain(spec.ingressHostname),
        'ingressHostname',
        spec.ingressHostname,
        'is required with the Ingress exposure: the DNS name clients use (a DNS-1123 subdomain, without a port: see ingressPort)',
      );
      problems.check(
        spec.address !== undefined,
        'address',
        spec.address,
        "is required with the Ingress exposure: the IP of the Ingress controller; konnectivity agents and the tenant's kubernetes Service dial it (without it they dial the Service's ClusterIP, which workers cannot reach)",
      );
      problems.check(
        isPort(spec.ingressPort),
        'ingressPort',
        spec.ingressPort,
        'must be a port number from 1 to 65535',
      );
      break;
  }
  if (spec.exposure !== ControlPlaneExposure.AWS_ELASTIC_IP && spec.publicSubnetIds.length > 0) {
    problems.add('publicSubnetIds', spec.publicSubnetIds, 'is only used with the AwsElasticIP exposure');
  }
  if (spec.exposure !== ControlPlaneExposure.INGRESS) {
    for (const field of ['ingressHostname', 'ingressClassName'] as const) {
      problems.check(spec[field] === undefined, field, spec[field], 'is only used with the Ingress exposure');
    }
    problems.check(
      Object.keys(spec.ingressAnnotations).length === 0,
      'ingressAnnotations',
      spec.ingressAnnotations,
      'is only used with the Ingress exposure',
    );
    problems.check(
      spec.ingressPort === DEFAULT_INGRESS_PORT,
      'ingressPort',
      spec.ingressPort,
      'is only used with the Ingress exposure',
    );
  }
}

/** Checks a spec against Kamaji's rules (schema, CEL, webhook) and ours; reports every problem. */
export function validateTenantControlPlane(spec: TenantControlPlaneSpec, problems: Problems): void {
  problems.check(isDns1035Label(spec.name), 'name', spec.name, DNS1035_LABEL_RULE);
  problems.check(isDns1123Label(spec.namespace), 'namespace', spec.namespace, DNS1123_LABEL_RULE);

  const version = checkVersion(problems, 'kubernetesVersion', spec.kubernetesVersion);
  // Unset, the oldest kubelet is the control plane's version: report a bad version once.
  const oldest =
    spec.oldestKubeletVersion === spec.kubernetesVersion
      ? version
      : checkVersion(problems, 'oldestKubeletVersion', spec.oldestKubeletVersion);
  if (version && oldest) {
    // Any kubelet (not only kubeadm workers, whose floor the worker pools check): the skew policy alone.
    const skew = kubeletSkewProblem(version, oldest);
    problems.check(skew === undefined, 'oldestKubeletVersion', spec.oldestKubeletVersion, skew ?? '');
  }

  problems.check(
    isDns1123Subdomain(spec.dataStore),
    'dataStore',
    spec.dataStore,
    'must name a DataStore (a DNS-1123 subdomain)',
  );
  for (const field of ['dataStoreSchema', 'dataStoreUsername'] as const) {
    problems.check(
      SQL_IDENTIFIER.test(spec[field]),
      field,
      spec[field],
      'must be 1-63 characters from [A-Za-z0-9_], not starting with a digit (a database name / user for SQL DataStores); it can never change',
    );
  }
  problems.check(
    Number.isInteger(spec.replicas) && spec.replicas >= 1 && spec.replicas <= 10,
    'replicas',
    spec.replicas,
    'must be a whole number from 1 to 10',
  );

  const exposures = Object.values(ControlPlaneExposure) as string[];
  problems.check(
    exposures.includes(spec.exposure),
    'exposure',
    spec.exposure,
    `must be one of ${exposures.join(', ')}`,
  );
  // The Service is a LoadBalancer in both load-balancer modes (CRD rules on LoadBalancer fields).
  const isLoadBalancer =
    spec.exposure === ControlPlaneExposure.LOAD_BALANCER || spec.exposure === ControlPlaneExposure.AWS_ELASTIC_IP;
  checkEndpoint(spec, problems);
  problems.check(isPort(spec.port), 'port', spec.port, 'must be a port number from 1 to 65535');
  spec.certSans.forEach((san, i) =>
    problems.check(isHost(san), `certSans[${i}]`, san, 'must be an IP address or a DNS name'),
  );
  // CEL: "LoadBalancer source ranges are supported only with LoadBalancer service type".
  if (spec.loadBalancerSourceRanges.length > 0 && !isLoadBalancer) {
    problems.add(
      'loadBalancerSourceRanges',
      spec.loadBalancerSourceRanges,
      'is supported only with the LoadBalancer exposure (CRD rule)',
    );
  }
  problems.check(
    spec.loadBalancerSourceRanges.length <= 16,
    'loadBalancerSourceRanges',
    spec.loadBalancerSourceRanges.length,
    'may hold at most 16 entries (CRD maxItems)',
  );
  spec.loadBalancerSourceRanges.forEach((r, i) =>
    problems.check(parseCidr(r) !== undefined, `loadBalancerSourceRanges[${i}]`, r, 'must be a CIDR (CRD rule)'),
  );
  if (spec.loadBalancerClass !== undefined) {
    problems.check(
      isLoadBalancer,
      'loadBalancerClass',
      spec.loadBalancerClass,
      'is supported only with the LoadBalancer exposure (CRD rule)',
    );
    problems.check(spec.loadBalancerClass.length > 0, 'loadBalancerClass', spec.loadBalancerClass, 'must not be empty');
  }
  checkKeys(problems, 'serviceAnnotations', spec.serviceAnnotations);
  checkKeys(problems, 'serviceLabels', spec.serviceLabels);
  checkKeys(problems, 'ingressAnnotations', spec.ingressAnnotations);
  const pod = checkStrictCidr(problems, 'podCidr', spec.podCidr);
  const service = checkStrictCidr(problems, 'serviceCidr', spec.serviceCidr);
  if (pod && service) {
    problems.check(
      !cidrsOverlap(pod, service),
      'serviceCidr',
      spec.serviceCidr,
      `must not overlap podCidr ${spec.podCidr}`,
    );
  }
  const dns = parseIp(spec.dnsServiceIp);
  if (problems.check(dns !== undefined, 'dnsServiceIp', spec.dnsServiceIp, 'must be an IP address') && service) {
    problems.check(
      contains(service, dns!),
      'dnsServiceIp',
      spec.dnsServiceIp,
      `must lie inside serviceCidr ${spec.serviceCidr}`,
    );
  }
  // CRD pattern `.*\..*`.
  problems.check(
    /\./.test(spec.clusterDomain) && isDns1123Subdomain(spec.clusterDomain),
    'clusterDomain',
    spec.clusterDomain,
    'must be a DNS name with at least one dot, such as "cluster.local"; it can never change',
  );
  if (spec.konnectivity) {
    problems.check(
      isPort(spec.konnectivityPort) && spec.konnectivityPort !== spec.port,
      'konnectivityPort',
      spec.konnectivityPort,
      'must be a port number from 1 to 65535, different from the API server port',
    );
  }

  for (const component of ['apiServer', 'controllerManager', 'scheduler'] as const) {
    const r = spec.resources[component];
    for (const key of ['cpuRequest', 'memoryRequest', 'cpuLimit', 'memoryLimit'] as const) {
      const value = r?.[key];
      if (value !== undefined) {
        problems.check(
          QUANTITY.test(value),
          `${component}Resources.${key}`,
          value,
          'must be a Kubernetes quantity such as "250m", "1" or "512Mi"',
        );
      }
    }
    spec.extraArgs[component].forEach((arg, i) =>
      problems.check(
        /^--[a-z0-9-]+(=.*)?$/.test(arg),
        `${component}ExtraArgs[${i}]`,
        arg,
        'must be a flag such as "--profiling=false"',
      ),
    );
  }

  const seen = new Set<string>();
  spec.admissionControllers.forEach((name, i) => {
    problems.check(
      KNOWN_ADMISSION_CONTROLLERS.includes(name),
      `admissionControllers[${i}]`,
      name,
      'must be an admission controller Kamaji knows (the CRD enum), such as "NodeRestriction"',
    );
    problems.check(!seen.has(name), `admissionControllers[${i}]`, name, 'must not repeat an entry');
    seen.add(name);
  });
}

// ---- rendering ----

/** Whether the oldest kubelet needs the Kamaji #1062 workaround. */
export function needsKubeletConfigWorkaround(spec: TenantControlPlaneSpec): boolean {
  const oldest = parseVersion(spec.oldestKubeletVersion);
  return oldest !== undefined && oldest.minor < KUBELET_CONFIG_FIELDS_MINOR;
}

/** The kubelet configuration patches: systemd cgroups, and the #1062 workaround when needed. */
export function kubeletConfigPatches(spec: TenantControlPlaneSpec): KubeletConfigPatch[] {
  const patches: KubeletConfigPatch[] = [{ op: 'add', path: '/cgroupDriver', value: 'systemd' }];
  if (needsKubeletConfigWorkaround(spec)) {
    // add-then-remove: removes the field whether or not Kamaji's generated config has it.
    patches.push(
      { op: 'add', path: '/crashLoopBackOff', value: {} },
      { op: 'remove', path: '/crashLoopBackOff' },
      { op: 'add', path: '/imagePullCredentialsVerificationPolicy', value: 'NeverVerify' },
      { op: 'remove', path: '/imagePullCredentialsVerificationPolicy' },
    );
  }
  return patches;
}

function renderResources(r: ComponentResources | undefined): Record<string, unknown> | undefined {
  if (!r) return undefined;
  const pick = (cpu?: string, memory?: string) => {
    const out: Record<string, string> = {};
    if (cpu !== undefined) out.cpu = cpu;
    if (memory !== undefined) out.memory = memory;
    return Object.keys(out).length > 0 ? out : undefined;
  };
  return compact({ requests: pick(r.cpuRequest, r.memoryRequest), limits: pick(r.cpuLimit, r.memoryLimit) });
}

/** Drops undefined values and empty objects/arrays, so the manifest only holds what is set. */
function compact(o: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function metadataOf(annotations: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> = {}) {
  return compact({ annotations: compact({ ...annotations }), labels: compact({ ...labels }) });
}

/** The Elastic IPs of an AWS_ELASTIC_IP control plane (tokens at synth, known after apply). */
export interface ElasticIpEndpoint {
  /** `eipalloc-...` ids, one per public subnet, in the subnets' order. */
  readonly allocationIds: readonly string[];
  /** Their public IPs, in the same order; the first is the address. */
  readonly publicIps: readonly string[];
}

/** The Service type Kamaji creates for each exposure. */
function serviceTypeOf(exposure: ControlPlaneExposure): string {
  switch (exposure) {
    case ControlPlaneExposure.INGRESS:
      return 'ClusterIP';
    case ControlPlaneExposure.NODE_PORT:
      return 'NodePort';
    default:
      return 'LoadBalancer';
  }
}

/**
 * The `TenantControlPlane` manifest, with keys in a fixed order (deterministic synth). With the
 * AwsElasticIP exposure, `elasticIps` supplies the address, the certificate SANs and the NLB
 * annotations.
 */
export function renderTenantControlPlane(
  spec: TenantControlPlaneSpec,
  elasticIps?: ElasticIpEndpoint,
): Record<string, unknown> {
  const ingress = spec.exposure === ControlPlaneExposure.INGRESS;
  const serviceType = serviceTypeOf(spec.exposure);
  const aws = spec.exposure === ControlPlaneExposure.AWS_ELASTIC_IP ? elasticIps : undefined;
  const serviceAnnotations = aws
    ? {
        ...spec.serviceAnnotations,
        ...awsNlbServiceAnnotations({ eipAllocationIds: [...aws.allocationIds], subnetIds: [...spec.publicSubnetIds] }),
      }
    : spec.serviceAnnotations;
  const addons: Record<string, unknown> = {};
  if (spec.coreDns) addons.coreDNS = {};
  if (spec.konnectivity) addons.konnectivity = { server: { port: spec.konnectivityPort } };
  if (spec.kubeProxy) addons.kubeProxy = {};
  return {
    apiVersion: TCP_API_VERSION,
    kind: TCP_KIND,
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: { 'tenant.clastix.io': spec.name },
    },
    spec: {
      dataStore: spec.dataStore,
      dataStoreSchema: spec.dataStoreSchema,
      dataStoreUsername: spec.dataStoreUsername,
      controlPlane: compact({
        deployment: compact({
          replicas: spec.replicas,
          resources: compact({
            apiServer: renderResources(spec.resources.apiServer),
            controllerManager: renderResources(spec.resources.controllerManager),
            scheduler: renderResources(spec.resources.scheduler),
          }),
          extraArgs: compact({
            apiServer: [...spec.extraArgs.apiServer],
            controllerManager: [...spec.extraArgs.controllerManager],
            scheduler: [...spec.extraArgs.scheduler],
          }),
        }),
        service: compact({
          serviceType,
          additionalMetadata: metadataOf(serviceAnnotations, spec.serviceLabels),
        }),
        ingress: ingress
          ? compact({
              // Kamaji builds the kubeconfig URL from `host:port` here; the port defaults to the API port.
              hostname: spec.ingressHostname === undefined ? undefined : `${spec.ingressHostname}:${spec.ingressPort}`,
              ingressClassName: spec.ingressClassName,
              additionalMetadata: metadataOf(spec.ingressAnnotations),
            })
          : undefined,
      }),
      kubernetes: {
        version: spec.kubernetesVersion,
        kubelet: {
          configurationJSONPatches: kubeletConfigPatches(spec),
          preferredAddressTypes: ['InternalIP', 'ExternalIP', 'Hostname'],
        },
        admissionControllers: [...spec.admissionControllers],
      },
      networkProfile: compact({
        address: aws ? aws.publicIps[0] : spec.address,
        port: spec.port,
        certSANs: [...(aws?.publicIps ?? []), ...spec.certSans],
        loadBalancerSourceRanges: [...spec.loadBalancerSourceRanges],
        loadBalancerClass: spec.loadBalancerClass,
        clusterDomain: spec.clusterDomain,
        // The deprecated singular fields carry CRD defaults (10.244.0.0/16, 10.96.0.0/16): set them
        // to the same values, or the API server fills in defaults that contradict the lists.
        podCidr: spec.podCidr,
        podCidrs: [spec.podCidr],
        serviceCidr: spec.serviceCidr,
        serviceCidrs: [spec.serviceCidr],
        dnsServiceIPs: [spec.dnsServiceIp],
      }),
      addons,
    },
  };
}

// ---- AWS exposure helper ----

/** Options of {@link AwsNlb.serviceAnnotations} (and of awsNlbServiceAnnotations). */
export interface AwsNlbOptions {
  /** Elastic IP allocation ids (`eipalloc-...`), one per subnet. */
  readonly eipAllocationIds: string[];
  /** Public subnet ids (`subnet-...`), one per Elastic IP, in the same order. */
  readonly subnetIds: string[];
}

/**
 * Service annotations for an internet-facing AWS NLB with fixed Elastic IPs (AWS Load Balancer
 * Controller). Kamaji rejects load-balancer hostnames, so on AWS the API server needs a fixed IP:
 * put one of the Elastic IPs in `address`. The controller requires one EIP per subnet
 * (kubernetes-sigs.github.io/aws-load-balancer-controller, guide/service/annotations).
 */
export function awsNlbServiceAnnotations(options: AwsNlbOptions, problems?: Problems): Record<string, string> {
  const { eipAllocationIds, subnetIds } = options;
  problems?.check(
    eipAllocationIds.length > 0 && eipAllocationIds.length === subnetIds.length,
    'eipAllocationIds',
    eipAllocationIds,
    `must hold one Elastic IP allocation per subnet (${subnetIds.length} subnet(s))`,
  );
  eipAllocationIds.forEach((id, i) =>
    problems?.check(/^eipalloc-[0-9a-f]+$/.test(id), `eipAllocationIds[${i}]`, id, 'must be an "eipalloc-..." id'),
  );
  subnetIds.forEach((id, i) =>
    problems?.check(/^subnet-[0-9a-f]+$/.test(id), `subnetIds[${i}]`, id, 'must be a "subnet-..." id'),
  );
  return {
    'service.beta.kubernetes.io/aws-load-balancer-eip-allocations': eipAllocationIds.join(','),
    'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
    'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
    'service.beta.kubernetes.io/aws-load-balancer-subnets': subnetIds.join(','),
    'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
  };
}

/** The annotation keys {@link awsNlbServiceAnnotations} sets. */
export const AWS_NLB_ANNOTATION_KEYS: readonly string[] = Object.keys(
  awsNlbServiceAnnotations({ eipAllocationIds: [], subnetIds: [] }),
);

// ---- readiness ----

/** The status field holding the version Kamaji has finished rolling out. */
export const VERSION_WAIT_FIELD = 'status.kubernetesResources.version.version';

/** Escapes a literal for an RE2 / JavaScript regular expression. */
function regexLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The `wait.fields` of the TenantControlPlane manifest. The kubernetes provider matches each value as
 * an unanchored Go regular expression (`Ready` would match `NotReady`), so every one is anchored.
 * - `version.status` is `Ready` once the Deployment has rolled out (internal/resources/
 *   k8s_deployment_resource.go, computeStatus).
 * - `version.version` is copied from the spec only while the status is Ready or Sleeping, so it equals
 *   the desired version only when an upgrade has finished (same file, UpdateTenantControlPlaneStatus);
 *   without it an upgrade apply returns on the old, still-Ready status.
 * - the bootstrap-token checksum is set once `kube-public/cluster-info` and the bootstrap RBAC exist
 *   (internal/resources/kubeadm_phases.go, PhaseBootstrapToken). The other objects a joining kubelet
 *   needs come from separate controllers: the nodes stage checks them (see join-prerequisites).
 */
export function readinessWaitFields(spec: TenantControlPlaneSpec): Record<string, string> {
  return {
    'status.kubernetesResources.version.status': '^Ready$',
    [VERSION_WAIT_FIELD]: `^${regexLiteral(spec.kubernetesVersion)}$`,
    'status.kubeadmPhase.bootstrapToken.checksum': '^.+$',
  };
}

// ---- plan-time endpoint rule ----

/**
 * Whether the plan-time load-balancer checks apply: a LoadBalancer exposure with no fixed address
 * depends on the load balancer reporting an IP.
 */
export function dependsOnLoadBalancerIp(spec: TenantControlPlaneSpec): boolean {
  return spec.exposure === ControlPlaneExposure.LOAD_BALANCER && spec.address === undefined;
}

/**
 * A Terraform expression (without `${}`) that is true when no node listed in `nodes` (a
 * `kubernetes_nodes` data source's `nodes`) runs on AWS (`spec.providerID` `aws:///...`, set by the
 * AWS cloud provider on EKS and self-managed clusters alike). AWS load balancers report hostnames.
 */
export function noAwsNodesExpression(nodes: string): string {
  return `!anytrue([for n in ${nodes} : try(startswith(n.spec[0].provider_id, "aws://"), false)])`;
}

/**
 * A Terraform expression (without `${}`) that is true unless the control plane's Service, listed in
 * `services` (a `kubernetes_resources` data source's `objects`), has a load balancer whose first
 * ingress entry has no IP: Kamaji takes the first entry and refuses a hostname. The data source
 * returns typed objects whose absent fields are null, not missing (terraform-provider-kubernetes
 * manifest/payload/to_value.go), so every step is null-safe: `try` catches errors, not nulls.
 */
export function serviceIngressIpExpression(services: string): string {
  const ingress = `${services}[0].status.loadBalancer.ingress`;
  return (
    `length(${services}) == 0 ? true : try(length(${ingress}), 0) == 0 ? true : ` +
    `try(coalesce(${ingress}[0].ip, ""), "") != ""`
  );
}

/** The message of a failed load-balancer check: what is wrong and the fixes. */
export function loadBalancerHostnameMessage(spec: TenantControlPlaneSpec, why: string): string {
  return (
    `TenantControlPlane ${spec.namespace}/${spec.name}: ${why}. Kamaji takes the endpoint from the ` +
    `load balancer's IP and refuses a hostname ("hostname not supported for LoadBalancer ingress"), ` +
    `so the control plane would never get an endpoint. Use the AwsElasticIP exposure (EIPs fronted by ` +
    `an NLB), or set address to a fixed IP your load balancer serves, or set loadBalancerIpCheck to ` +
    `false if this load balancer does report IPs (MetalLB on AWS, say).`
  );
}

// ---- plan-time upgrade rule ----

/**
 * Whether a control plane installed at `installed` may move to `target` (the rule the plan-time
 * precondition evaluates; see {@link upgradePreconditionExpression}).
 */
export function installedVersionAllows(installed: KubernetesVersion, target: KubernetesVersion): boolean {
  return upgradeProblem(installed, target) === undefined;
}

/**
 * A Terraform expression (without `${}`) that is true when the TCP listed in `objects` (a
 * `kubernetes_resources` data source's `objects`) may move to `target`: none installed yet, or the
 * installed spec version is the same minor with a patch <= target's, or exactly one minor below.
 * Terraform's `||` does not short-circuit, so the empty-list case is a conditional.
 */
export function upgradePreconditionExpression(objects: string, target: KubernetesVersion): string {
  const parts = `split(".", trimprefix(${objects}[0].spec.kubernetes.version, "v"))`;
  const minor = `tonumber(${parts}[1])`;
  const patch = `tonumber(${parts}[2])`;
  return (
    `length(${objects}) == 0 ? true : ` +
    `((${minor} == ${target.minor} && ${patch} <= ${target.patch}) || ${minor} == ${target.minor - 1})`
  );
}

/** The message a failed upgrade precondition shows. */
export function upgradePreconditionMessage(spec: TenantControlPlaneSpec, target: KubernetesVersion): string {
  return (
    `TenantControlPlane ${spec.namespace}/${spec.name}: ${formatVersion(target)} can only replace ` +
    `v1.${target.minor - 1}.x or v1.${target.minor}.0 to ${formatVersion(target)}. Kamaji upgrades one ` +
    `minor version at a time and never downgrades; set kubernetesVersion to the next minor first.`
  );
}
