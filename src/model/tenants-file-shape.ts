/**
 * The tenants file, described once: the structural validator and the shipped JSON Schema
 * (schema/tenants.schema.json) both come from this description.
 */
import { anything, bool, int, list, map, obj, Shape, str } from './shape';

const secretRef = obj(
  {
    name: str('Secret name'),
    namespace: str('Secret namespace'),
    keyPath: str('Key in the Secret data'),
  },
  ['name', 'namespace', 'keyPath'],
  'A reference to a key of a Secret on the management cluster (never inline content)',
);

const certificateRef = obj(
  { certificate: secretRef, privateKey: secretRef },
  ['certificate'],
  'A certificate (and optionally its key) by Secret reference',
);

const dataStore = obj(
  {
    name: str('DataStore name (cluster-scoped, DNS-1123 subdomain)'),
    driver: str('DataStore driver (immutable)', ['etcd', 'PostgreSQL', 'MySQL']),
    endpoints: list(str('host:port'), 'Endpoints of the datastore'),
    basicAuth: obj({ username: secretRef, password: secretRef }, ['username', 'password'], 'Basic auth'),
    tls: obj(
      { certificateAuthority: certificateRef, clientCertificate: certificateRef },
      ['certificateAuthority'],
      'TLS configuration',
    ),
  },
  ['name', 'driver', 'endpoints'],
);

const taint = obj(
  { key: str(), value: str(), effect: str('Taint effect', ['NoSchedule', 'PreferNoSchedule', 'NoExecute']) },
  ['key', 'effect'],
);

const poolSettings = {
  instanceType: str('EC2 instance type, e.g. m7i.large'),
  minSize: int('Minimum number of nodes', 0),
  maxSize: int('Maximum number of nodes', 1),
  desiredSize: int('Initial desired number of nodes (autoscalers own it afterwards)', 0),
  subnetIds: list(str(), 'Subnets of the autoscaling group'),
  labels: map(str(), 'Node labels'),
  taints: list(taint, 'Node taints'),
  tokenDelivery: str('How nodes get the bootstrap token', ['ssm', 'inline']),
  kubernetesVersion: str('Kubelet version (defaults to the control plane version)'),
  rootVolumeSizeGiB: int('Root volume size in GiB', 8, 16384),
  amiId: str('AMI id (excludes ubuntuRelease, imageSerial, architecture); changing it rolls the pool'),
  ubuntuRelease: str("Ubuntu release of Canonical's image (default 24.04)", ['24.04', '22.04']),
  imageSerial: str(
    "Canonical's image build serial YYYYMMDD[.N] (default: the pinned serial of this cdktf-kamaji release); `cdktf-kamaji image` finds the newest; changing it rolls the pool",
  ),
  architecture: str("CPU architecture of Canonical's image (default amd64; arm64 for Graviton)", ['amd64', 'arm64']),
  instanceWarmupSeconds: int(
    'Instance refresh: seconds a new node warms up before the next replacement (default 300)',
    0,
    3600,
  ),
  checkpointPercentages: list(
    int(undefined, 1, 100),
    'Instance refresh checkpoints: ascending percentages of replaced nodes, the last 100',
  ),
  checkpointDelaySeconds: int('Instance refresh: pause at each checkpoint in seconds (default 3600)', 0, 172800),
  egress: str('Node egress: all (default, like EKS node groups) or restricted (control plane, mirrors, pool)', [
    'all',
    'restricted',
  ]),
  nodePortIngress: bool('Admit TCP 30000-32767 (NodePorts) for tenant load balancers (default true)'),
  nodePortSourceCidrs: list(str(), "Where NodePort traffic comes from (default: the pool VPC's CIDR blocks)"),
  waitForJoin: bool(
    'A launch lifecycle hook holds each new node until it joined, so a refresh never replaces good nodes with unjoined ones (default true)',
  ),
  spot: bool('Use spot capacity'),
};

const pool = obj(
  {
    name: str('Pool name (DNS-1123 label)'),
    ...poolSettings,
    decommission: bool(
      'Remove the pool: its resources leave the nodes stack at the next deploy (all pools: the nodes stack is destroyed); drop the entry after that deploy',
    ),
  },
  ['name'],
);

const tenant = obj(
  {
    name: str('Tenant name: the TenantControlPlane name (DNS-1035 label)'),
    kubernetesVersion: str('Control plane version, e.g. v1.35.3'),
    controlPlane: obj({
      replicas: int('API server replicas', 1, 9),
      exposure: str('How the API server is exposed (AwsElasticIP on AWS management clusters, EKS included)', [
        'LoadBalancer',
        'AwsElasticIP',
        'NodePort',
        'Ingress',
      ]),
      address: str('Fixed IP of the endpoint (v4 or v6; required with NodePort and Ingress)'),
      port: int('API server port (inside 30000-32767 with NodePort)', 1, 65535),
      publicSubnetIds: list(
        str(),
        "AwsElasticIP: public subnets of the management cluster's VPC, one per zone; one Elastic IP each",
      ),
      ingressPort: int('Ingress: the Ingress controller port in the kubeconfig URLs (default 443)', 1, 65535),
      konnectivityPort: int('konnectivity server port (default 8132; inside 30000-32767 with NodePort)', 1, 65535),
      certSANs: list(str(), 'Extra names in the API server certificate'),
      loadBalancerSourceRanges: list(str(), 'CIDRs allowed to reach the load balancer'),
      ingressHostname: str('Hostname for Ingress exposure'),
      ingressClassName: str('Ingress class for Ingress exposure'),
      konnectivity: bool('Run konnectivity (default true)'),
      loadBalancerIpCheck: bool(
        'LoadBalancer without address: refuse at plan an AWS management cluster or a hostname load balancer (default true)',
      ),
      resources: obj(
        {
          apiServer: obj({ cpu: str(), memory: str() }),
          controllerManager: obj({ cpu: str(), memory: str() }),
          scheduler: obj({ cpu: str(), memory: str() }),
        },
        [],
        'Resource requests of the control-plane components',
      ),
    }),
    network: obj({ podCidr: str('Pod network CIDR'), serviceCidr: str('Service network CIDR') }),
    pki: obj(
      {
        source: str(
          'Where the tenant CA comes from: generated at apply (default), files (local use: the key file must be on the deploying machine), or your CA with its key read at apply from AWS Secrets Manager or SSM Parameter Store',
          ['generated', 'files', 'aws-secrets-manager', 'aws-ssm-parameter'],
        ),
        certPath: str(
          'Path of the CA certificate ca.crt (public; sources files, aws-secrets-manager, aws-ssm-parameter), relative to the tenants file',
        ),
        keyPath: str('Path of ca.key (source: files), relative to the tenants file'),
        secretId: str(
          'Secrets Manager secret (name or ARN) whose SecretString is the PEM CA key (source: aws-secrets-manager)',
        ),
        parameterName: str(
          'SSM Parameter Store SecureString parameter (name or ARN) holding the PEM CA key (source: aws-ssm-parameter)',
        ),
        region: str(
          "AWS region of the secret or parameter (default: the ARN's region, else defaults.awsRegion, else platform.awsRegion)",
        ),
        algorithm: str('Key algorithm (source: generated)', ['RSA', 'ECDSA']),
        validityYears: int('CA validity in years (source: generated)', 1, 30),
      },
      ['source'],
    ),
    dataStore: str('Name of the DataStore holding this tenant (default: the platform default)'),
    workers: list(pool, 'Worker pools'),
    cni: str('CNI installed into the tenant', ['calico', 'none']),
    cloudIntegration: obj(
      {
        cloudControllerManager: bool('AWS cloud-controller-manager in the tenant (default true)'),
        ebsCsi: bool('EBS CSI driver in the tenant (default true; needs IMDS hop limit 2 on the pools)'),
        defaultStorageClass: bool('A default gp3 StorageClass (default: with EBS CSI)'),
      },
      [],
      'AWS integration inside the tenant: LoadBalancer Services, Node lifecycle, volumes',
    ),
    drain: obj(
      {
        enabled: bool('aws-node-termination-handler in queue mode and lifecycle hooks (default true)'),
        heartbeatTimeoutSeconds: int(
          'Terminating lifecycle hook heartbeat timeout in seconds; the handler heartbeats every third of it (default 300)',
          90,
          7200,
        ),
        drainTimeoutSeconds: int('How long a drain may take before the instance goes anyway (default 900)', 30, 86400),
        spotInterruptions: bool('Drain on spot interruption warnings (default true)'),
        rebalanceRecommendations: bool('Drain on rebalance recommendations (default true)'),
      },
      [],
      'Drain nodes before EC2 terminates them (refresh, scale-in, spot interruption)',
    ),
    decommission: bool(
      'Remove the tenant: protection off, its nodes then control-plane stacks destroyed by the next deploy; drop the entry after that deploy',
    ),
  },
  ['name'],
);

const state = obj(
  {
    backend: str('Where every stack keeps its state', ['local', 's3', 'remote']),
    bucket: str('S3 bucket'),
    region: str('S3 bucket region'),
    keyPrefix: str('Key prefix: state of stack S is <keyPrefix>/<S>.tfstate'),
    encrypt: bool('Server-side encryption (default true)'),
    lock: str('Locking (default lockfile, Terraform >= 1.10)', ['lockfile', 'dynamodb']),
    dynamodbTable: str('DynamoDB lock table (lock: dynamodb)'),
    kmsKeyId: str('KMS key for state encryption'),
    roleArn: str('IAM role to assume for state access'),
    organization: str('HCP Terraform / TFE organization (backend: remote)'),
    workspacePrefix: str('Workspace prefix: stack S uses workspace <prefix><S>'),
    hostname: str('HCP Terraform / TFE hostname (default app.terraform.io)'),
  },
  ['backend'],
);

export const TENANTS_FILE_SHAPE: Shape = obj(
  {
    platform: obj({
      kubeconfigPath: str('Management cluster kubeconfig (default ~/.kube/config)'),
      awsRegion: str("Management cluster's AWS region, for AwsElasticIP tenants (default defaults.awsRegion)"),
      kubeconfigContext: str('Kubeconfig context (default: current context)'),
      kamajiChartVersion: str('Kamaji chart version'),
      kamajiImageTag: str('Kamaji image tag'),
      certManagerChartVersion: str('cert-manager chart version'),
      installCertManager: bool('Install cert-manager (default true)'),
      bundledEtcd: bool('Deploy the chart bundled etcd DataStore "default" (default true; not production-grade)'),
      defaultDataStore: str('DataStore for tenants that name none'),
      extraValues: map(anything(), 'Extra Kamaji chart values (a mapping, merged into the chart values)'),
      dataStores: list(dataStore, 'DataStores (a "datastores" stack is synthesized when any is declared)'),
    }),
    defaults: obj({
      awsRegion: str('AWS region of the worker pools'),
      kubernetesVersion: str('Version for tenants that set none'),
      workers: obj(poolSettings, [], 'Pool settings applied to every pool unless it overrides them'),
    }),
    state,
    tenants: list(tenant, 'The tenants'),
  },
  ['tenants'],
  'cdktf-kamaji tenants file',
);
