/**
 * The benchmark's baseline: the fleet written by hand with raw cdktf. Provider classes only (deep
 * imports), none of our constructs, no validation, no rendering: values are literals and template
 * strings, plus a few pieces of data from the model (admission controllers, join objects, IAM policy
 * documents, EventBridge patterns, the pinned image name). Per tenant it makes the same stacks with
 * the same resource types and counts as our app (bench/synth-child.ts checks it), with attribute
 * values of similar size, so the difference in synth time is what our library adds on top of cdktf.
 */
import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group';
import { AutoscalingLifecycleHook } from '@cdktf/provider-aws/lib/autoscaling-lifecycle-hook';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsSubnet } from '@cdktf/provider-aws/lib/data-aws-subnet';
import { DataAwsVpc } from '@cdktf/provider-aws/lib/data-aws-vpc';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecurityGroup, SecurityGroupEgress } from '@cdktf/provider-aws/lib/security-group';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
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
import { App, Fn, LocalBackend, Op, TerraformLocal, TerraformOutput, TerraformStack, Token } from 'cdktf';
import { BENCH_POOL, BENCH_REGION, BENCH_SUBNETS, BenchTenant } from './tenants';
import { ccmPolicy, CloudIntegrationSpec, ebsCsiPolicy, ResourceOwnership } from '../src/model/cloud-integration';
import { JOIN_PREREQUISITES } from '../src/model/join-prerequisites';
import { FAILURE_TAG_KEY } from '../src/model/node-bootstrap';
import { DEFAULT_ADMISSION_CONTROLLERS } from '../src/model/tenant-control-plane';
import { nthPolicy, nthQueuePolicy, terminationEventRules } from '../src/model/termination-handler';
import {
  DEFAULT_IMAGE_SERIAL,
  DEFAULT_UBUNTU_RELEASE,
  ImageArchitecture,
  ubuntuImageName,
} from '../src/model/ubuntu-images';

const KUBECONFIG = '~/.kube/config';
const olderKubeletPatches = [
  { op: 'add', path: '/crashLoopBackOff', value: {} },
  { op: 'remove', path: '/crashLoopBackOff' },
  { op: 'add', path: '/imagePullCredentialsVerificationPolicy', value: 'NeverVerify' },
  { op: 'remove', path: '/imagePullCredentialsVerificationPolicy' },
];

/**
 * Characters of the worker user data. Ours renders a cloud-config of about 12.5 KB per pool (most of
 * it the join script), 13.1 KB once JSON escapes its quotes; the baseline's has few quotes, so it pads
 * its hand-written one to this length and both sides write about the same bytes through cdktf.
 */
export const BASELINE_USER_DATA_CHARS = 12880;

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
  // The cloud-controller-manager's cluster tag and the termination handler's per-tenant tag, on
  // every resource of the pool (the cluster tag not on the pool's own security group).
  const clusterTag = `kubernetes.io/cluster/${t.name}`;
  const nthTag = `aws-node-termination-handler/${t.name}`;
  const tags: Record<string, string> = {
    'cdktf-kamaji/tenant': t.name,
    'cdktf-kamaji/pool': BENCH_POOL,
    [clusterTag]: 'owned',
    [nthTag]: 'true',
  };
  const stack = new TerraformStack(app, id);
  stateFile(stack, id);
  const aws = new AwsProvider(stack, 'aws', { region: BENCH_REGION });
  const random = new RandomProvider(stack, 'random', {});
  const time = new TimeProvider(stack, 'time', {});
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

  // Two overlapping token slots: B's base is A's + one period, so they rotate alternately; the SSM
  // parameter holds the newer one (the slot with the later base).
  const rotationA = new Rotating(stack, 'TokenRotation', { provider: time, rotationHours: 336 });
  const rotationB = new Rotating(stack, 'TokenRotationB', {
    provider: time,
    rotationHours: 336,
    rfc3339: Fn.timeadd(rotationA.rfc3339, '168h'),
    lifecycle: { ignoreChanges: ['rfc3339'] },
  });
  const slot = (suffix: string, rotation: Rotating) => {
    const keepers = { rotation: rotation.id };
    const part = (id: string, length: number) =>
      new StringResource(stack, id + suffix, {
        provider: random,
        length,
        lower: true,
        numeric: true,
        upper: false,
        special: false,
        keepers,
      });
    const tokenId = part('TokenId', 6);
    const tokenSecret = part('TokenSecret', 16);
    const secret = new SecretV1(stack, 'Token' + suffix, {
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
    return { token: `${tokenId.result}.${tokenSecret.result}`, secret };
  };
  const slotA = slot('', rotationA);
  const slotB = slot('B', rotationB);
  const parameterName = `/kamaji/${t.name}/bootstrap-token`;
  const parameter = new SsmParameter(stack, 'TokenParameter', {
    provider: aws,
    name: parameterName,
    type: 'SecureString',
    value: Token.asString(
      Fn.conditional(Op.neq(Fn.timecmp(rotationA.rfc3339, rotationB.rfc3339), -1), slotA.token, slotB.token),
    ),
    description: 'kubeadm bootstrap token for worker nodes (cdktf-kamaji): the newest of two overlapping tokens',
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
    provider: aws,
    namePrefix: `${base}-`,
    assumeRolePolicy:
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},' +
      '"Action":"sts:AssumeRole"}]}',
    tags,
  });
  const readToken = new IamRolePolicy(stack, 'ReadToken', {
    provider: aws,
    role: role.id,
    name: 'read-bootstrap-token',
    policy: Fn.jsonencode({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: parameter.arn }],
    }),
  });
  const profile = new IamInstanceProfile(stack, 'InstanceProfile', {
    provider: aws,
    namePrefix: `${base}-`,
    role: role.name,
    tags,
  });
  const subnet = new DataAwsSubnet(stack, 'FirstSubnet', { provider: aws, id: Fn.element(BENCH_SUBNETS, 0) });
  const vpc = new DataAwsVpc(stack, 'Vpc', { provider: aws, id: subnet.vpcId });
  const rule = (
    description: string,
    protocol: string,
    from: number,
    to: number,
    cidrBlocks: string[],
    self = false,
  ): SecurityGroupEgress => ({
    description,
    protocol,
    fromPort: from,
    toPort: to,
    cidrBlocks,
    ipv6CidrBlocks: [],
    prefixListIds: [],
    securityGroups: [],
    selfAttribute: self,
  });
  const ownGroupTags = Object.fromEntries(Object.entries(tags).filter(([key]) => key !== clusterTag));
  const sg = new SecurityGroup(stack, 'SecurityGroup', {
    provider: aws,
    namePrefix: `${base}-`,
    description: `cdktf-kamaji workers of tenant ${t.name}, pool ${BENCH_POOL}`,
    vpcId: subnet.vpcId,
    ingress: [
      rule('pool nodes', '-1', 0, 0, [], true),
      rule(
        'NodePorts (tenant load balancers)',
        'tcp',
        30000,
        32767,
        Token.asList(`\${[for a in ${vpc.fqn}.cidr_block_associations : a.cidr_block]}`),
      ),
    ],
    egress: [{ ...rule('all egress', '-1', 0, 0, ['0.0.0.0/0']), ipv6CidrBlocks: ['::/0'] }],
    tags: ownGroupTags,
    lifecycle: { createBeforeDestroy: true },
  });
  // The cluster tag goes on a rule-less group of its own: the cloud-controller-manager adds its rules there.
  const lbSg = new SecurityGroup(stack, 'LoadBalancerSecurityGroup', {
    provider: aws,
    namePrefix: `${base}-lb-`,
    description: `cdktf-kamaji workers of tenant ${t.name}, pool ${BENCH_POOL}: rules of the cloud-controller-manager`,
    vpcId: subnet.vpcId,
    tags,
    lifecycle: { createBeforeDestroy: true },
  });
  // The pinned image, by its exact name (a name from the model, like the admission list).
  const imageName = ubuntuImageName({
    release: DEFAULT_UBUNTU_RELEASE,
    architecture: ImageArchitecture.AMD64,
    serial: DEFAULT_IMAGE_SERIAL,
  });
  const ami = new DataAwsAmi(stack, 'Ami', {
    provider: aws,
    owners: ['099720109477'],
    includeDeprecated: true,
    filter: [
      { name: 'name', values: [imageName] },
      { name: 'architecture', values: ['x86_64'] },
    ],
  });
  const imageTag = { 'cdktf-kamaji/image': imageName };
  const partition = new DataAwsPartition(stack, 'Partition', { provider: aws }).partition;
  const userData = new TerraformLocal(stack, 'UserData', userDataText(t, server, caData, parameterName));
  const template = new LaunchTemplate(stack, 'LaunchTemplate', {
    provider: aws,
    namePrefix: `${base}-`,
    description: `cdktf-kamaji worker of tenant ${t.name}, pool ${BENCH_POOL}`,
    imageId: ami.id,
    instanceType: t.instanceType,
    userData: Fn.base64gzip(userData.asString),
    updateDefaultVersion: true,
    iamInstanceProfile: { arn: profile.arn },
    vpcSecurityGroupIds: [sg.id, lbSg.id],
    metadataOptions: {
      httpEndpoint: 'enabled',
      httpTokens: 'required',
      // 2: the EBS CSI controller (no host network) reaches IMDS through the pod network.
      httpPutResponseHopLimit: 2,
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
      { resourceType: 'instance', tags: { Name: base, ...tags, ...imageTag } },
      { resourceType: 'volume', tags: { Name: base, ...tags } },
    ],
    tags: { ...tags, ...imageTag },
  });
  const group = new AutoscalingGroup(stack, 'Group', {
    provider: aws,
    name: `kamaji-${base}`,
    minSize: t.minSize,
    maxSize: t.maxSize,
    desiredCapacity: t.desiredSize,
    vpcZoneIdentifier: [...BENCH_SUBNETS],
    capacityRebalance: false,
    healthCheckType: 'EC2',
    launchTemplate: { id: template.id, version: Token.asString(template.latestVersion) },
    instanceRefresh: {
      strategy: 'Rolling',
      preferences: { instanceWarmup: '300', minHealthyPercentage: 100, maxHealthyPercentage: 200, skipMatching: true },
    },
    tag: Object.entries({ Name: base, ...tags }).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
    waitForCapacityTimeout: '20m',
    dependsOn: [slotA.secret, ...joinChecks, parameter, readToken],
    lifecycle: { ignoreChanges: ['desired_capacity'] },
  });
  // A node that gives up booting tags itself with the failure tag (a key from the model) before it stops.
  new IamRolePolicy(stack, 'TagBootstrapFailure', {
    provider: aws,
    role: role.id,
    name: 'tag-bootstrap-failure',
    policy: Fn.jsonencode({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'ec2:CreateTags',
          Resource: `arn:${partition}:ec2:*:*:instance/*`,
          Condition: {
            StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': group.name },
            'ForAllValues:StringEquals': { 'aws:TagKeys': [FAILURE_TAG_KEY] },
          },
        },
      ],
    }),
  });
  // The launch hook the node completes once it joined, and the node role's grant on this group.
  const completeHook = new IamRolePolicy(stack, 'CompleteLaunchHook', {
    provider: aws,
    role: role.id,
    name: 'complete-launch-hook',
    policy: Fn.jsonencode({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
          Resource: group.arn,
        },
      ],
    }),
  });
  new AutoscalingLifecycleHook(stack, 'LaunchHook', {
    provider: aws,
    name: 'cdktf-kamaji-join',
    autoscalingGroupName: group.name,
    lifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
    defaultResult: 'ABANDON',
    heartbeatTimeout: 600,
    dependsOn: [completeHook],
  });

  // The tenant's AWS integration: cloud-controller-manager and EBS CSI driver, their policies on the
  // node role (the documents are the model's, like the join prerequisites).
  const integration: CloudIntegrationSpec = {
    clusterName: t.name,
    kubernetesVersion: t.kubernetesVersion,
    cloudControllerManager: true,
    ebsCsi: true,
    ccmChartVersion: '0.0.11',
    ebsCsiChartVersion: '2.64.0',
    defaultStorageClass: true,
    storageClassName: 'gp3',
    region: BENCH_REGION,
    subnets: [],
    subnetOwnership: ResourceOwnership.SHARED,
    partition: 'aws',
  };
  const ccmPolicyResource = new IamPolicy(stack, 'CcmPolicy', {
    provider: aws,
    namePrefix: `${t.name}-ccm-`,
    description: `AWS cloud-controller-manager of tenant ${t.name}`,
    policy: JSON.stringify(ccmPolicy(integration)),
  });
  const ccmAttachment = new IamRolePolicyAttachment(stack, 'CcmPolicyAttachment', {
    provider: aws,
    role: role.name,
    policyArn: ccmPolicyResource.arn,
  });
  new Release(stack, 'Ccm', {
    provider: tenantHelm,
    name: 'aws-cloud-controller-manager',
    namespace: 'kube-system',
    repository: 'https://kubernetes.github.io/cloud-provider-aws',
    chart: 'aws-cloud-controller-manager',
    version: '0.0.11',
    values: [
      `args:\n  - --v=2\n  - --cloud-provider=aws\n  - --cluster-name=${t.name}\n  - --configure-cloud-routes=false\n` +
        '  - --controllers=*,-route\nhostNetworking: true\nnodeSelector:\n  kubernetes.io/os: linux\n' +
        '  node-role.kubernetes.io/control-plane: null\ntolerations:\n  - effect: NoSchedule\n    operator: Exists\n' +
        '  - key: CriticalAddonsOnly\n    operator: Exists\n',
    ],
    wait: false,
    dependsOn: [ccmAttachment],
  });
  const ebsPolicyResource = new IamPolicy(stack, 'EbsCsiPolicy', {
    provider: aws,
    namePrefix: `${t.name}-ebs-csi-`,
    description: `EBS CSI driver of tenant ${t.name} (volumes tagged ebs.csi.aws.com/cluster-name=${t.name})`,
    policy: JSON.stringify(ebsCsiPolicy(integration)),
  });
  const ebsAttachment = new IamRolePolicyAttachment(stack, 'EbsCsiPolicyAttachment', {
    provider: aws,
    role: role.name,
    policyArn: ebsPolicyResource.arn,
  });
  new Release(stack, 'EbsCsi', {
    provider: tenantHelm,
    name: 'aws-ebs-csi-driver',
    namespace: 'kube-system',
    repository: 'https://kubernetes-sigs.github.io/aws-ebs-csi-driver',
    chart: 'aws-ebs-csi-driver',
    version: '2.64.0',
    values: [
      `controller:\n  k8sTagClusterId: ${t.name}\n  region: ${BENCH_REGION}\n  tolerations:\n` +
        '    - key: CriticalAddonsOnly\n      operator: Exists\n    - effect: NoExecute\n      operator: Exists\n' +
        '      tolerationSeconds: 300\nnode:\n  enableWindows: false\n  hostNetwork: true\nstorageClasses:\n' +
        '  - allowVolumeExpansion: true\n    annotations:\n      storageclass.kubernetes.io/is-default-class: "true"\n' +
        '    name: gp3\n    parameters:\n      csi.storage.k8s.io/fstype: ext4\n      encrypted: "true"\n' +
        '      type: gp3\n    reclaimPolicy: Delete\n    volumeBindingMode: WaitForFirstConsumer\n',
    ],
    wait: false,
    dependsOn: [ebsAttachment],
  });

  // Drain before termination: aws-node-termination-handler in queue mode, on the node role (the pods
  // reach it because the hop limit is 2 for EBS CSI).
  const nthTags = { 'cdktf-kamaji/tenant': t.name };
  const queue = new SqsQueue(stack, 'TerminationQueue', {
    provider: aws,
    name: `kamaji-${t.name}-nth`,
    messageRetentionSeconds: 300,
    sqsManagedSseEnabled: true,
    tags: nthTags,
  });
  const rules: CloudwatchEventRule[] = [];
  const targets: CloudwatchEventTarget[] = [];
  const events = terminationEventRules([group.name], {
    spotInterruptions: true,
    rebalanceRecommendations: true,
    scheduledChanges: true,
  });
  for (const event of events) {
    const kind = event.id[0].toUpperCase() + event.id.slice(1);
    const eventRule = new CloudwatchEventRule(stack, `TerminationRule${kind}`, {
      provider: aws,
      namePrefix: `${`nth-${event.id}-${t.name}`.slice(0, 37)}-`,
      description: `cdktf-kamaji tenant ${t.name}: ${event.description} to its termination handler`,
      eventPattern: JSON.stringify(event.pattern),
      tags: nthTags,
    });
    rules.push(eventRule);
    targets.push(
      new CloudwatchEventTarget(stack, `TerminationTarget${kind}`, {
        provider: aws,
        rule: eventRule.name,
        targetId: 'termination-queue',
        arn: queue.arn,
      }),
    );
  }
  const queuePolicy = new SqsQueuePolicy(stack, 'TerminationQueuePolicy', {
    provider: aws,
    queueUrl: queue.url,
    policy: JSON.stringify(
      nthQueuePolicy(
        queue.arn,
        rules.map((r) => r.arn),
      ),
    ),
  });
  new AutoscalingLifecycleHook(stack, 'DrainHook', {
    provider: aws,
    name: 'cdktf-kamaji-drain',
    autoscalingGroupName: group.name,
    lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
    heartbeatTimeout: 300,
    defaultResult: 'CONTINUE',
  });
  const nodeRolePolicy = new IamRolePolicy(stack, 'TerminationHandlerPolicy', {
    provider: aws,
    role: role.name,
    name: 'aws-node-termination-handler',
    policy: JSON.stringify(nthPolicy(queue.arn, [group.arn])),
  });
  new Release(stack, 'TerminationHandler', {
    provider: tenantHelm,
    name: 'aws-node-termination-handler',
    namespace: 'kube-system',
    repository: 'oci://public.ecr.aws/aws-ec2/helm',
    chart: 'aws-node-termination-handler',
    version: '0.27.6',
    values: [
      `awsRegion: ${BENCH_REGION}\ncheckASGTagBeforeDraining: true\ncheckTagBeforeDraining: true\n` +
        'deleteSqsMsgIfNodeNotFound: true\nemitKubernetesEvents: true\nenableSqsTerminationDraining: true\n' +
        'image:\n  repository: public.ecr.aws/aws-ec2/aws-node-termination-handler\n  tag: v1.25.6\n' +
        `managedAsgTag: ${nthTag}\nmanagedTag: ${nthTag}\nnodeSelector: {}\npodDisruptionBudget:\n` +
        '  maxUnavailable: 1\nrbac:\n  create: true\n  pspEnabled: false\nreplicas: 2\nresources:\n  limits:\n' +
        '    memory: 128Mi\n  requests:\n    cpu: 50m\n    memory: 64Mi\ntolerations:\n  - key: CriticalAddonsOnly\n' +
        '    operator: Exists\ntopologySpreadConstraints:\n  - labelSelector:\n      matchLabels:\n' +
        '        app.kubernetes.io/component: deployment\n        app.kubernetes.io/name: aws-node-termination-handler\n' +
        '    maxSkew: 1\n    topologyKey: kubernetes.io/hostname\n    whenUnsatisfiable: ScheduleAnyway\n' +
        'useProviderId: false\n',
    ],
    set: [{ name: 'queueURL', value: queue.url }],
    wait: false,
    dependsOn: [queuePolicy, ...targets, nodeRolePolicy],
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
