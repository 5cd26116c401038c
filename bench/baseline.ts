/**
 * The benchmark's baseline: the fleet written by hand with raw cdktf. Provider classes only (deep
 * imports), none of our constructs, no validation, no rendering: values are literals and template
 * strings. Per tenant it makes the same stacks with the same resource types and counts as our app
 * (bench/synth-child.ts checks it), with attribute values of similar size, so the difference in
 * synth time is what our library adds on top of cdktf.
 */
import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami';
import { DataAwsSubnet } from '@cdktf/provider-aws/lib/data-aws-subnet';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecurityGroup, SecurityGroupEgress } from '@cdktf/provider-aws/lib/security-group';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Release } from '@cdktf/provider-helm/lib/release';
import { DataKubernetesNodes } from '@cdktf/provider-kubernetes/lib/data-kubernetes-nodes';
import { DataKubernetesResource } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resource';
import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { DataKubernetesSecretV1 } from '@cdktf/provider-kubernetes/lib/data-kubernetes-secret-v1';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { StringResource } from '@cdktf/provider-random/lib/string-resource';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import { Rotating } from '@cdktf/provider-time/lib/rotating';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { SelfSignedCert } from '@cdktf/provider-tls/lib/self-signed-cert';
import { App, Fn, LocalBackend, TerraformLocal, TerraformOutput, TerraformStack, Token } from 'cdktf';
import { BENCH_POOL, BENCH_REGION, BENCH_SUBNETS, BenchTenant } from './tenants';
import { JOIN_PREREQUISITES } from '../src/model/join-prerequisites';
import { DEFAULT_ADMISSION_CONTROLLERS } from '../src/model/tenant-control-plane';

const KUBECONFIG = '~/.kube/config';
const olderKubeletPatches = [
  { op: 'add', path: '/crashLoopBackOff', value: {} },
  { op: 'remove', path: '/crashLoopBackOff' },
  { op: 'add', path: '/imagePullCredentialsVerificationPolicy', value: 'NeverVerify' },
  { op: 'remove', path: '/imagePullCredentialsVerificationPolicy' },
];

/**
 * Characters of the worker user data. Ours renders a cloud-config of about 8 KB per pool (most of it
 * the join script); the baseline pads its hand-written one to this length so both sides move the same
 * bytes through cdktf.
 */
export const BASELINE_USER_DATA_CHARS = 7980;

export function buildBaseline(app: App, tenants: readonly BenchTenant[]): void {
  const platform = platformStack(app);
  for (const t of tenants) {
    const cp = controlPlaneStack(app, t, platform);
    nodesStack(app, t).addDependency(cp);
  }
}

function stateFile(stack: TerraformStack, id: string): void {
  new LocalBackend(stack, { path: `../../../terraform.${id}.tfstate` });
}

function managementProvider(stack: TerraformStack): KubernetesProvider {
  return new KubernetesProvider(stack, 'management', { alias: 'management', configPath: KUBECONFIG });
}

function platformStack(app: App): TerraformStack {
  const stack = new TerraformStack(app, 'platform');
  stateFile(stack, 'platform');
  // Helm releases only: no kubernetes provider in this stack.
  const helm = new HelmProvider(stack, 'management-helm', {
    alias: 'management',
    kubernetes: { configPath: KUBECONFIG },
  });
  const certManager = new Release(stack, 'CertManager', {
    provider: helm,
    name: 'cert-manager',
    namespace: 'cert-manager',
    createNamespace: true,
    repository: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: 'v1.19.1',
    values: ['crds:\n  enabled: true\n'],
    wait: true,
    timeout: 600,
  });
  new Release(stack, 'Kamaji', {
    provider: helm,
    name: 'kamaji',
    namespace: 'kamaji-system',
    createNamespace: true,
    repository: 'https://clastix.github.io/charts',
    chart: 'kamaji',
    version: '0.0.0+latest',
    values: [
      'defaultDatastoreName: default\nimage:\n  tag: 26.8.2-edge\nkamaji-etcd:\n  datastore:\n    enabled: true\n' +
        '    name: default\n  deploy: true\ntelemetry:\n  disabled: true\n',
    ],
    wait: true,
    timeout: 600,
    dependsOn: [certManager],
  });
  new TerraformOutput(stack, 'kamaji_namespace', { value: 'kamaji-system' });
  new TerraformOutput(stack, 'default_datastore', { value: 'default' });
  return stack;
}

function controlPlaneStack(app: App, t: BenchTenant, platform: TerraformStack): TerraformStack {
  const id = `tenant-${t.name}-control-plane`;
  const ns = `tenant-${t.name}`;
  const stack = new TerraformStack(app, id);
  stateFile(stack, id);
  stack.addDependency(platform);
  const k8s = managementProvider(stack);
  const tls = new TlsProvider(stack, 'tls');

  const namespace = new NamespaceV1(stack, 'Namespace', { provider: k8s, metadata: { name: ns } });
  const key = new PrivateKey(stack, 'CaKey', { provider: tls, algorithm: 'RSA', rsaBits: 2048 });
  const cert = new SelfSignedCert(stack, 'CaCertificate', {
    provider: tls,
    privateKeyPem: key.privateKeyPem,
    isCaCertificate: true,
    subject: [{ commonName: 'kubernetes' }],
    validityPeriodHours: 87600,
    allowedUses: ['cert_signing', 'crl_signing', 'digital_signature', 'key_encipherment'],
    setSubjectKeyId: true,
  });
  const secret = new SecretV1(stack, 'CaSecret', {
    provider: k8s,
    metadata: { name: `${t.name}-ca`, namespace: ns },
    data: {
      'ca.crt': cert.certPem,
      'ca.key': key.privateKeyPem,
      'tls.crt': cert.certPem,
      'tls.key': key.privateKeyPem,
    },
    dependsOn: [namespace],
    lifecycle: { ignoreChanges: ['metadata[0].annotations', 'metadata[0].labels'] },
  });

  const current = new DataKubernetesResources(stack, 'Current', {
    provider: k8s,
    apiVersion: 'kamaji.clastix.io/v1alpha1',
    kind: 'TenantControlPlane',
    namespace: ns,
    fieldSelector: `metadata.name=${t.name}`,
  });
  const [, minor, patch] = t.kubernetesVersion.slice(1).split('.');
  const part = (i: number) =>
    `tonumber(split(".", trimprefix(${current.fqn}.objects[0].spec.kubernetes.version, "v"))[${i}])`;
  // LoadBalancer exposure without an address: plan-time checks that the load balancer reports an IP.
  const nodes = new DataKubernetesNodes(stack, 'ManagementNodes', { provider: k8s });
  const service = new DataKubernetesResources(stack, 'Service', {
    provider: k8s,
    apiVersion: 'v1',
    kind: 'Service',
    namespace: ns,
    fieldSelector: `metadata.name=${t.name}`,
  });
  const ingress = `${service.fqn}.objects[0].status.loadBalancer.ingress`;
  const hostnameMessage = (why: string) =>
    `TenantControlPlane ${ns}/${t.name}: ${why}. Kamaji takes the endpoint from the load balancer's IP and ` +
    'refuses a hostname ("hostname not supported for LoadBalancer ingress"), so the control plane would never ' +
    'get an endpoint. Use the AwsElasticIP exposure (EIPs fronted by an NLB), or set address to a fixed IP ' +
    'your load balancer serves, or set loadBalancerIpCheck to false if this load balancer does report IPs ' +
    '(MetalLB on AWS, say).';
  const manifest = new Manifest(stack, 'ControlPlane', {
    provider: k8s,
    manifest: {
      apiVersion: 'kamaji.clastix.io/v1alpha1',
      kind: 'TenantControlPlane',
      metadata: { name: t.name, namespace: ns, labels: { 'tenant.clastix.io': t.name } },
      spec: {
        dataStore: 'default',
        dataStoreSchema: `${ns}_${t.name}`.replace(/-/g, '_'),
        dataStoreUsername: `${ns}_${t.name}`.replace(/-/g, '_'),
        controlPlane: { deployment: { replicas: t.replicas }, service: { serviceType: 'LoadBalancer' } },
        kubernetes: {
          version: t.kubernetesVersion,
          kubelet: {
            preferredAddressTypes: ['InternalIP', 'ExternalIP', 'Hostname'],
            configurationJSONPatches: [
              { op: 'add', path: '/cgroupDriver', value: 'systemd' },
              // The same extra patches as ours for kubelets older than 1.35 (Kamaji issue #1062).
              ...(Number(minor) < 35 ? olderKubeletPatches : []),
            ],
          },
          // The same list as ours: a constant, not a construct (the baseline uses no code of ours beyond data).
          admissionControllers: [...DEFAULT_ADMISSION_CONTROLLERS],
        },
        networkProfile: {
          port: 6443,
          clusterDomain: 'cluster.local',
          podCidr: t.podCidr,
          podCidrs: [t.podCidr],
          serviceCidr: t.serviceCidr,
          serviceCidrs: [t.serviceCidr],
          dnsServiceIPs: [t.serviceCidr.replace(/\.0\/\d+$/, '.10')],
        },
        addons: { coreDNS: {}, kubeProxy: {}, konnectivity: { server: { port: 8132 } } },
      },
    },
    wait: {
      fields: {
        'status.kubernetesResources.version.status': '^Ready$',
        'status.kubernetesResources.version.version': `^${t.kubernetesVersion.replace(/\./g, '\\.')}$`,
        'status.kubeadmPhase.bootstrapToken.checksum': '^.+$',
      },
    },
    timeouts: { create: '20m', update: '20m', delete: '10m' },
    dependsOn: [secret, namespace],
    lifecycle: {
      preventDestroy: true,
      precondition: [
        {
          condition:
            `\${length(${current.fqn}.objects) == 0 ? true : ((${part(1)} == ${minor} && ${part(2)} <= ${patch}) ` +
            `|| ${part(1)} == ${Number(minor) - 1})}`,
          errorMessage:
            `TenantControlPlane ${ns}/${t.name}: ${t.kubernetesVersion} can only replace v1.${Number(minor) - 1}.x ` +
            `or v1.${minor}.0 to ${t.kubernetesVersion}. Kamaji upgrades one minor version at a time and never ` +
            'downgrades; set kubernetesVersion to the next minor first.',
        },
        {
          condition: `\${!anytrue([for n in ${nodes.fqn}.nodes : try(startswith(n.spec[0].provider_id, "aws://"), false)])}`,
          errorMessage: hostnameMessage(
            'the management cluster runs on AWS (a node has an aws:// providerID), and AWS load balancers report hostnames',
          ),
        },
        {
          condition:
            `\${length(${service.fqn}.objects) == 0 ? true : try(length(${ingress}), 0) == 0 ? true : ` +
            `try(coalesce(${ingress}[0].ip, ""), "") != ""}`,
          errorMessage: hostnameMessage(`the load balancer of Service ${ns}/${t.name} reports a hostname, not an IP`),
        },
      ],
    },
  });

  // kubernetes_manifest's object holds no status: read it with a data source once the TCP is applied.
  const status = new DataKubernetesResource(stack, 'Status', {
    provider: k8s,
    apiVersion: 'kamaji.clastix.io/v1alpha1',
    kind: 'TenantControlPlane',
    metadata: { name: t.name, namespace: ns },
    dependsOn: [manifest],
  });
  const endpoint = Token.asString(Fn.lookupNested(status.object, ['status', 'controlPlaneEndpoint']));
  new TerraformOutput(stack, 'name', { value: t.name });
  new TerraformOutput(stack, 'namespace', { value: ns });
  new TerraformOutput(stack, 'kubernetes_version', { value: t.kubernetesVersion });
  new TerraformOutput(stack, 'endpoint_host', { value: Fn.trim(Fn.replace(endpoint, '/:[0-9]+$/', ''), '[]') });
  new TerraformOutput(stack, 'port', { value: 6443 });
  new TerraformOutput(stack, 'konnectivity_port', { value: 8132 });
  new TerraformOutput(stack, 'admin_kubeconfig_secret', { value: `${ns}/${t.name}-admin-kubeconfig` });
  new TerraformOutput(stack, 'ca_certificate_pem', { value: cert.certPem });
  return stack;
}

function nodesStack(app: App, t: BenchTenant): TerraformStack {
  const id = `tenant-${t.name}-nodes`;
  const ns = `tenant-${t.name}`;
  const base = `${t.name}-${BENCH_POOL}`;
  const tags = { 'cdktf-kamaji/tenant': t.name, 'cdktf-kamaji/pool': BENCH_POOL };
  const stack = new TerraformStack(app, id);
  stateFile(stack, id);
  new AwsProvider(stack, 'aws', { region: BENCH_REGION });
  new RandomProvider(stack, 'random', {});
  new TimeProvider(stack, 'time', {});
  const management = managementProvider(stack);

  const admin = new DataKubernetesSecretV1(stack, 'AdminKubeconfig', {
    provider: management,
    metadata: { name: `${t.name}-admin-kubeconfig`, namespace: ns },
  });
  const kubeconfig = new TerraformLocal(stack, 'TenantKubeconfig', Fn.yamldecode(admin.data.lookup('admin.conf')));
  const field = (...path: (string | number)[]) => Token.asString(Fn.lookupNested(kubeconfig.expression, path));
  const server = field('clusters', 0, 'cluster', 'server');
  const caData = field('clusters', 0, 'cluster', 'certificate-authority-data');
  const connection = {
    host: server,
    clusterCaCertificate: Fn.base64decode(caData),
    clientCertificate: Fn.base64decode(field('users', 0, 'user', 'client-certificate-data')),
    clientKey: Fn.base64decode(field('users', 0, 'user', 'client-key-data')),
  };
  const tenantK8s = new KubernetesProvider(stack, 'tenant', { alias: 'tenant', ...connection });
  const tenantHelm = new HelmProvider(stack, 'tenant-helm', { alias: 'tenant', kubernetes: connection });

  // Plan-time join checks: the control plane rolled out this version, and each object kubeadm join needs exists.
  const version = 'self.objects[0].status.kubernetesResources.version';
  const rollout = new DataKubernetesResources(stack, 'ControlPlaneRollout', {
    provider: management,
    apiVersion: 'kamaji.clastix.io/v1alpha1',
    kind: 'TenantControlPlane',
    namespace: ns,
    fieldSelector: `metadata.name=${t.name}`,
    lifecycle: {
      postcondition: [
        {
          condition:
            `\${length(self.objects) == 1 ? (try(coalesce(${version}.version, ""), "") == "${t.kubernetesVersion}" && ` +
            `!contains(["NotReady", "Sleeping"], try(coalesce(${version}.status, ""), ""))) : false}`,
          errorMessage:
            `TenantControlPlane ${ns}/${t.name} has not finished rolling out ${t.kubernetesVersion}, or has no ` +
            'ready API server (status.kubernetesResources.version). Apply its control-plane stack first and let it ' +
            'finish: workers never join, or roll to, a version the API server does not run yet.',
        },
      ],
    },
  });
  const joinChecks = [rollout];
  // The objects are the model's list (data, like the admission controllers); the data sources are ours.
  for (const o of JOIN_PREREQUISITES) {
    joinChecks.push(
      new DataKubernetesResources(stack, o.id, {
        provider: tenantK8s,
        apiVersion: o.apiVersion,
        kind: o.kind,
        namespace: o.namespace,
        fieldSelector: `metadata.name=${o.name}`,
        dependsOn: [rollout],
        lifecycle: {
          postcondition: [
            {
              condition: '${length(self.objects) == 1}',
              errorMessage:
                `Tenant ${t.name}: ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} does not exist yet; ` +
                `${o.why}. Kamaji writes it shortly after the control plane is Ready: wait a minute and plan ` +
                "again. If it stays missing, see the Kamaji controller's logs on the management cluster.",
            },
          ],
        },
      }),
    );
  }

  const rotation = new Rotating(stack, 'TokenRotation', { rotationHours: 168 });
  const keepers = { rotation: rotation.id };
  const tokenId = new StringResource(stack, 'TokenId', {
    length: 6,
    lower: true,
    numeric: true,
    upper: false,
    special: false,
    keepers,
  });
  const tokenSecret = new StringResource(stack, 'TokenSecret', {
    length: 16,
    lower: true,
    numeric: true,
    upper: false,
    special: false,
    keepers,
  });
  const tokenSecretResource = new SecretV1(stack, 'Token', {
    provider: tenantK8s,
    metadata: { name: `bootstrap-token-${tokenId.result}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    data: {
      description: 'Worker join token managed by cdktf-kamaji; rotated by time_rotating',
      'token-id': tokenId.result,
      'token-secret': tokenSecret.result,
      expiration: Fn.timeadd(rotation.rfc3339, '720h'),
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
    },
  });
  const parameterName = `/kamaji/${t.name}/bootstrap-token`;
  const parameter = new SsmParameter(stack, 'TokenParameter', {
    name: parameterName,
    type: 'SecureString',
    value: `${tokenId.result}.${tokenSecret.result}`,
    description: 'kubeadm bootstrap token for worker nodes (cdktf-kamaji); rotated with the token Secret',
  });

  new Release(stack, 'Calico', {
    provider: tenantHelm,
    name: 'calico',
    namespace: 'tigera-operator',
    createNamespace: true,
    repository: 'https://docs.tigera.io/calico/charts',
    chart: 'tigera-operator',
    version: 'v3.32.2',
    values: [
      `installation:\n  calicoNetwork:\n    bgp: Disabled\n    ipPools:\n      - blockSize: 26\n        cidr: ${t.podCidr}\n` +
        '        encapsulation: VXLAN\n        name: default-ipv4-ippool\n        natOutgoing: Enabled\n' +
        '        nodeSelector: all()\n  cni:\n    type: Calico\n  enabled: true\n',
    ],
    wait: false,
  });

  const role = new IamRole(stack, 'Role', {
    namePrefix: `${base}-`,
    assumeRolePolicy:
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},' +
      '"Action":"sts:AssumeRole"}]}',
    tags,
  });
  new IamRolePolicy(stack, 'ReadToken', {
    role: role.id,
    name: 'read-bootstrap-token',
    policy: Fn.jsonencode({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: parameter.arn }],
    }),
  });
  const profile = new IamInstanceProfile(stack, 'InstanceProfile', { namePrefix: `${base}-`, role: role.name, tags });
  const subnet = new DataAwsSubnet(stack, 'FirstSubnet', { id: Fn.element(BENCH_SUBNETS, 0) });
  const egress = (description: string, protocol: string, port: number, self: boolean): SecurityGroupEgress => ({
    description,
    protocol,
    fromPort: port,
    toPort: port,
    cidrBlocks: self ? [] : ['0.0.0.0/0'],
    ipv6CidrBlocks: [],
    prefixListIds: [],
    securityGroups: [],
    selfAttribute: self,
  });
  const sg = new SecurityGroup(stack, 'SecurityGroup', {
    namePrefix: `${base}-`,
    description: `cdktf-kamaji workers of tenant ${t.name}, pool ${BENCH_POOL}`,
    vpcId: subnet.vpcId,
    ingress: [egress('pool nodes', '-1', 0, true)],
    egress: [
      egress('pool nodes', '-1', 0, true),
      egress('tenant API server', 'tcp', 6443, false),
      egress('konnectivity', 'tcp', 8132, false),
      egress('package mirrors (https)', 'tcp', 443, false),
      egress('package mirrors (http)', 'tcp', 80, false),
    ],
    tags,
    lifecycle: { createBeforeDestroy: true },
  });
  const ami = new DataAwsAmi(stack, 'Ami', {
    mostRecent: true,
    owners: ['099720109477'],
    filter: [
      { name: 'name', values: ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*'] },
      { name: 'virtualization-type', values: ['hvm'] },
      { name: 'architecture', values: ['x86_64'] },
    ],
  });
  const userData = new TerraformLocal(stack, 'UserData', userDataText(t, server, caData, parameterName));
  const template = new LaunchTemplate(stack, 'LaunchTemplate', {
    namePrefix: `${base}-`,
    description: `cdktf-kamaji worker of tenant ${t.name}, pool ${BENCH_POOL}`,
    imageId: ami.id,
    instanceType: t.instanceType,
    userData: Fn.base64encode(userData.asString),
    updateDefaultVersion: true,
    iamInstanceProfile: { arn: profile.arn },
    vpcSecurityGroupIds: [sg.id],
    metadataOptions: {
      httpEndpoint: 'enabled',
      httpTokens: 'required',
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: 'disabled',
    },
    monitoring: { enabled: false },
    blockDeviceMappings: [
      {
        deviceName: '/dev/sda1',
        ebs: { volumeSize: 30, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
      },
    ],
    tagSpecifications: [
      { resourceType: 'instance', tags: { Name: base, ...tags } },
      { resourceType: 'volume', tags: { Name: base, ...tags } },
    ],
    tags,
  });
  new AutoscalingGroup(stack, 'Group', {
    name: `kamaji-${base}`,
    minSize: t.minSize,
    maxSize: t.maxSize,
    desiredCapacity: t.desiredSize,
    vpcZoneIdentifier: [...BENCH_SUBNETS],
    capacityRebalance: false,
    healthCheckType: 'EC2',
    launchTemplate: { id: template.id, version: Token.asString(template.latestVersion) },
    instanceRefresh: { strategy: 'Rolling', preferences: { minHealthyPercentage: 90, skipMatching: true } },
    tag: Object.entries({ Name: base, ...tags }).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
    dependsOn: [tokenSecretResource, ...joinChecks, parameter],
    lifecycle: { ignoreChanges: ['desired_capacity'] },
  });
  return stack;
}

/**
 * A hand-written cloud-config of BASELINE_USER_DATA_CHARS characters: the tenant's values and the
 * apply-time references in the same places as ours, padded with comment lines to the same size.
 */
function userDataText(t: BenchTenant, server: string, caData: string, parameter: string): string {
  const version = t.kubernetesVersion.slice(1);
  const minor = t.kubernetesVersion.split('.').slice(0, 2).join('.');
  const text = [
    '#cloud-config',
    `# worker: tenant ${t.name}, pool ${BENCH_POOL}, Kubernetes ${t.kubernetesVersion}`,
    'write_files:',
    '- path: "/etc/kamaji-node/discovery.conf"',
    '  permissions: "0644"',
    '  content: |',
    '    apiVersion: v1',
    '    kind: Config',
    '    clusters:',
    '      - name: tenant',
    '        cluster:',
    `          server: "${server}"`,
    `          certificate-authority-data: "${caData}"`,
    '    contexts: [{ name: tenant, context: { cluster: tenant, user: bootstrap } }]',
    '    current-context: tenant',
    '    users: [{ name: bootstrap, user: {} }]',
    '- path: "/usr/local/sbin/join.sh"',
    '  permissions: "0700"',
    '  content: |',
    '    #!/usr/bin/env bash',
    '    set -euo pipefail',
    `    VERSION='${version}'`,
    `    REPO="https://pkgs.k8s.io/core:/stable:/${minor}/deb/"`,
    `    PARAMETER='${parameter}'`,
    `    REGION='${BENCH_REGION}'`,
    '    swapoff -a; modprobe overlay; modprobe br_netfilter; sysctl --system >/dev/null',
    '    apt-get update -q && apt-get install -y -q containerd curl gpg',
    '    curl -fsSL "$${REPO}Release.key" | gpg --dearmor -o /etc/apt/keyrings/k8s.gpg',
    '    apt-get install -y -q "kubelet=$${VERSION}-*" "kubeadm=$${VERSION}-*"',
    '    kubeadm join --config /etc/kamaji-node/join.yaml',
  ];
  const padding = '    # (baseline padding to the size of the rendered join script)';
  let out = text.join('\n') + '\n';
  while (out.length + padding.length + 1 <= BASELINE_USER_DATA_CHARS - 40) out += padding + '\n';
  return out + 'runcmd:\n- ["/usr/local/sbin/join.sh"]\n';
}
