import { Problems } from '../src/model/errors';
import {
  awsNlbServiceAnnotations,
  ControlPlaneExposure,
  dnsServiceIpOf,
  installedVersionAllows,
  kubeletConfigPatches,
  noAwsNodesExpression,
  readinessWaitFields,
  renderTenantControlPlane,
  serviceIngressIpExpression,
  tenantControlPlaneSpec,
  TenantControlPlaneInput,
  upgradePreconditionExpression,
  validateTenantControlPlane,
} from '../src/model/tenant-control-plane';
import { parseVersion } from '../src/model/versions';
import { terraformEval } from './support/terraform';
import { testWithTool } from './support/tools';

const withTerraform = testWithTool('terraform');

const base: TenantControlPlaneInput = { name: 'demo', namespace: 'tenants', kubernetesVersion: '1.35.3' };

function problemsOf(input: Partial<TenantControlPlaneInput>) {
  const problems = new Problems('tcp');
  validateTenantControlPlane(tenantControlPlaneSpec({ ...base, ...input }), problems);
  return problems.all;
}

const render = (input: Partial<TenantControlPlaneInput> = {}) =>
  renderTenantControlPlane(tenantControlPlaneSpec({ ...base, ...input })) as any;

describe('TenantControlPlane model: defaults', () => {
  test('every field the Kamaji webhook would default is set', () => {
    const m = render();
    expect(m).toMatchObject({ apiVersion: 'kamaji.clastix.io/v1alpha1', kind: 'TenantControlPlane' });
    expect(m.metadata).toEqual({ name: 'demo', namespace: 'tenants', labels: { 'tenant.clastix.io': 'demo' } });
    expect(m.spec).toMatchObject({
      dataStore: 'default',
      dataStoreSchema: 'tenants_demo',
      dataStoreUsername: 'tenants_demo',
    });
    expect(m.spec.controlPlane).toEqual({ deployment: { replicas: 2 }, service: { serviceType: 'LoadBalancer' } });
    expect(m.spec.networkProfile).toEqual({
      port: 6443,
      clusterDomain: 'cluster.local',
      podCidr: '10.244.0.0/16',
      podCidrs: ['10.244.0.0/16'],
      serviceCidr: '10.96.0.0/16',
      serviceCidrs: ['10.96.0.0/16'],
      dnsServiceIPs: ['10.96.0.10'],
    });
    expect(m.spec.addons).toEqual({ coreDNS: {}, konnectivity: { server: { port: 8132 } }, kubeProxy: {} });
    expect(m.spec.kubernetes.version).toBe('v1.35.3');
    expect(m.spec.kubernetes.kubelet.configurationJSONPatches).toEqual([
      { op: 'add', path: '/cgroupDriver', value: 'systemd' },
    ]);
    // Kamaji's 17 (the CRD default) plus NodeRestriction, which kubeadm enables and Kamaji does not.
    expect(m.spec.kubernetes.admissionControllers).toHaveLength(18);
    expect(m.spec.kubernetes.admissionControllers).toContain('NodeRestriction');
    expect(problemsOf({})).toEqual([]);
  });

  test('the DataStore identity replaces "-" with "_"', () => {
    expect(render({ name: 'my-tenant', namespace: 'team-a' }).spec.dataStoreSchema).toBe('team_a_my_tenant');
  });

  test.each([
    ['10.96.0.0/16', '10.96.0.10'],
    ['172.16.0.0/12', '172.16.0.10'],
    ['fd00:10:96::/112', 'fd00:10:96::a'],
    ['10.96.0.5/16', undefined],
  ])('the DNS Service IP of %s is %s', (cidr, ip) => {
    expect(dnsServiceIpOf(cidr)).toBe(ip);
  });
});

describe('TenantControlPlane model: options', () => {
  test('NodePort exposure with address, port, SANs and extra service metadata', () => {
    const m = render({
      exposure: ControlPlaneExposure.NODE_PORT,
      address: '203.0.113.10',
      port: 31443,
      certSans: ['api.example.com', '203.0.113.10'],
      serviceLabels: { team: 'a' },
    });
    expect(m.spec.controlPlane.service).toEqual({
      serviceType: 'NodePort',
      additionalMetadata: { labels: { team: 'a' } },
    });
    expect(m.spec.networkProfile).toMatchObject({
      address: '203.0.113.10',
      port: 31443,
      certSANs: ['api.example.com', '203.0.113.10'],
    });
  });

  test('Ingress exposure: ClusterIP Service and an ingress block', () => {
    const m = render({
      exposure: ControlPlaneExposure.INGRESS,
      address: '203.0.113.7',
      ingressHostname: 'demo.k8s.example.com',
      ingressClassName: 'nginx',
      ingressAnnotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' },
    });
    expect(m.spec.controlPlane.service).toEqual({ serviceType: 'ClusterIP' });
    // Kamaji (kubeadm_config.go) takes the kubeconfig URL's port from the hostname, else the API port.
    expect(m.spec.controlPlane.ingress).toEqual({
      hostname: 'demo.k8s.example.com:443',
      ingressClassName: 'nginx',
      additionalMetadata: { annotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' } },
    });
  });

  test('LoadBalancer with source ranges, class and AWS NLB + Elastic IP annotations', () => {
    const problems = new Problems('tcp');
    const annotations = awsNlbServiceAnnotations(
      { eipAllocationIds: ['eipalloc-0a1', 'eipalloc-0b2'], subnetIds: ['subnet-01', 'subnet-02'] },
      problems,
    );
    expect(problems.all).toEqual([]);
    const m = render({
      loadBalancerSourceRanges: ['198.51.100.0/24'],
      loadBalancerClass: 'service.k8s.aws/nlb',
      serviceAnnotations: annotations,
    });
    expect(m.spec.networkProfile).toMatchObject({
      loadBalancerSourceRanges: ['198.51.100.0/24'],
      loadBalancerClass: 'service.k8s.aws/nlb',
    });
    expect(m.spec.controlPlane.service.additionalMetadata.annotations).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-eip-allocations': 'eipalloc-0a1,eipalloc-0b2',
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
      'service.beta.kubernetes.io/aws-load-balancer-subnets': 'subnet-01,subnet-02',
      'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
    });
  });

  test('the NLB helper wants one EIP per subnet', () => {
    const problems = new Problems('tcp');
    awsNlbServiceAnnotations({ eipAllocationIds: ['eipalloc-0a1'], subnetIds: ['subnet-01', 'bad'] }, problems);
    expect(problems.all.map((p) => [p.field, p.value])).toEqual([
      ['eipAllocationIds', ['eipalloc-0a1']],
      ['subnetIds[1]', 'bad'],
    ]);
  });

  test('resources, extra args, admission controllers, CIDRs, DataStore and addons off', () => {
    const m = render({
      replicas: 3,
      dataStore: 'postgres-gold',
      dataStoreSchema: 'demo_db',
      dataStoreUsername: 'demo_user',
      apiServerResources: { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
      schedulerResources: { cpuLimit: '1' },
      apiServerExtraArgs: ['--profiling=false'],
      controllerManagerExtraArgs: ['--node-monitor-grace-period=50s'],
      admissionControllers: ['NodeRestriction', 'PodSecurity'],
      podCidr: '10.200.0.0/16',
      serviceCidr: '10.100.0.0/16',
      clusterDomain: 'demo.local',
      coreDns: false,
      kubeProxy: false,
      konnectivity: false,
    });
    expect(m.spec).toMatchObject({
      dataStore: 'postgres-gold',
      dataStoreSchema: 'demo_db',
      dataStoreUsername: 'demo_user',
    });
    expect(m.spec.controlPlane.deployment).toEqual({
      replicas: 3,
      resources: {
        apiServer: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
        scheduler: { limits: { cpu: '1' } },
      },
      extraArgs: { apiServer: ['--profiling=false'], controllerManager: ['--node-monitor-grace-period=50s'] },
    });
    expect(m.spec.kubernetes.admissionControllers).toEqual(['NodeRestriction', 'PodSecurity']);
    expect(m.spec.networkProfile).toMatchObject({
      podCidrs: ['10.200.0.0/16'],
      serviceCidrs: ['10.100.0.0/16'],
      dnsServiceIPs: ['10.100.0.10'],
      clusterDomain: 'demo.local',
    });
    expect(m.spec.addons).toEqual({});
  });
});

describe('kubelet configuration patches (Kamaji #1062)', () => {
  const patchesFor = (kubernetesVersion: string, oldestKubeletVersion?: string) =>
    kubeletConfigPatches(tenantControlPlaneSpec({ ...base, kubernetesVersion, oldestKubeletVersion }));

  test.each([
    ['1.35.3', undefined, false],
    ['1.36.0', '1.35.0', false],
    ['1.35.3', '1.34.9', true],
    ['1.34.2', undefined, true],
    ['1.36.1', '1.33.0', true],
  ])('control plane %s, oldest kubelet %s: workaround %s', (cp, oldest, expected) => {
    const patches = patchesFor(cp, oldest);
    expect(patches[0]).toEqual({ op: 'add', path: '/cgroupDriver', value: 'systemd' });
    const removed = patches.filter((p) => p.op === 'remove').map((p) => p.path);
    expect(removed).toEqual(expected ? ['/crashLoopBackOff', '/imagePullCredentialsVerificationPolicy'] : []);
  });

  test('each removed field is added first, so the patch works whether or not Kamaji rendered it', () => {
    const patches = patchesFor('1.35.3', '1.33.0');
    const apply = (doc: Record<string, unknown>) => {
      const out = { ...doc };
      for (const p of patches) {
        const key = p.path.slice(1);
        if (p.op === 'add') out[key] = p.value;
        else if (p.op === 'remove') {
          if (!(key in out)) throw new Error(`remove of absent ${p.path}`);
          delete out[key];
        }
      }
      return out;
    };
    const expected = { kind: 'KubeletConfiguration', cgroupDriver: 'systemd' };
    expect(apply({ kind: 'KubeletConfiguration' })).toEqual(expected);
    expect(
      apply({
        kind: 'KubeletConfiguration',
        crashLoopBackOff: { maxContainerRestartPeriod: '5m' },
        imagePullCredentialsVerificationPolicy: 'NeverVerifyPreloadedImages',
      }),
    ).toEqual(expected);
  });
});

describe('TenantControlPlane model: validation', () => {
  test.each<[string, Partial<TenantControlPlaneInput>, string, unknown, RegExp]>([
    ['a name that is not DNS-1035', { name: '1demo' }, 'name', '1demo', /DNS-1035/],
    ['a bad namespace', { namespace: 'Tenants' }, 'namespace', 'Tenants', /DNS-1123/],
    ['a version above the ceiling', { kubernetesVersion: '1.37.0' }, 'kubernetesVersion', 'v1.37.0', /supported range/],
    ['a version below the floor', { kubernetesVersion: 'v1.29.9' }, 'kubernetesVersion', 'v1.29.9', /supported range/],
    ['a malformed version', { kubernetesVersion: '1.35' }, 'kubernetesVersion', '1.35', /v1.MINOR.PATCH/],
    [
      'a kubelet newer than the control plane',
      { oldestKubeletVersion: '1.36.0' },
      'oldestKubeletVersion',
      'v1.36.0',
      /newer than the control plane/,
    ],
    [
      'a kubelet 4 minors older',
      { kubernetesVersion: '1.35.0', oldestKubeletVersion: '1.31.0' },
      'oldestKubeletVersion',
      'v1.31.0',
      /more than 3 minors older/,
    ],
    [
      'source ranges without a LoadBalancer',
      {
        exposure: ControlPlaneExposure.NODE_PORT,
        address: '198.51.100.4',
        port: 31443,
        konnectivityPort: 31132,
        loadBalancerSourceRanges: ['10.0.0.0/8'],
      },
      'loadBalancerSourceRanges',
      ['10.0.0.0/8'],
      /only with the LoadBalancer/,
    ],
    [
      'a source range that is not a CIDR',
      { loadBalancerSourceRanges: ['10.0.0.1'] },
      'loadBalancerSourceRanges[0]',
      '10.0.0.1',
      /CIDR/,
    ],
    [
      'a class without a LoadBalancer',
      {
        exposure: ControlPlaneExposure.NODE_PORT,
        address: '198.51.100.4',
        port: 31443,
        konnectivityPort: 31132,
        loadBalancerClass: 'x',
      },
      'loadBalancerClass',
      'x',
      /only with the LoadBalancer/,
    ],
    [
      'Ingress without a hostname',
      { exposure: ControlPlaneExposure.INGRESS, address: '203.0.113.7' },
      'ingressHostname',
      undefined,
      /required with the Ingress/,
    ],
    [
      'an ingress class without Ingress',
      { ingressClassName: 'nginx' },
      'ingressClassName',
      'nginx',
      /only used with the Ingress/,
    ],
    [
      'an unknown exposure',
      { exposure: 'Gateway' as ControlPlaneExposure },
      'exposure',
      'Gateway',
      /one of LoadBalancer, AwsElasticIP, NodePort, Ingress/,
    ],
    ['a pod CIDR with host bits', { podCidr: '10.244.1.0/16' }, 'podCidr', '10.244.1.0/16', /no host bits/],
    [
      'overlapping CIDRs',
      { podCidr: '10.0.0.0/8' },
      'serviceCidr',
      '10.96.0.0/16',
      /must not overlap podCidr 10.0.0.0\/8/,
    ],
    [
      'a DNS IP outside the Service CIDR',
      { dnsServiceIp: '10.97.0.10' },
      'dnsServiceIp',
      '10.97.0.10',
      /inside serviceCidr/,
    ],
    ['a cluster domain without a dot', { clusterDomain: 'local' }, 'clusterDomain', 'local', /at least one dot/],
    ['zero replicas', { replicas: 0 }, 'replicas', 0, /1 to 10/],
    ['a port out of range', { port: 70000 }, 'port', 70000, /1 to 65535/],
    [
      'konnectivity on the API port',
      { konnectivityPort: 6443 },
      'konnectivityPort',
      6443,
      /different from the API server port/,
    ],
    ['a bad address', { address: 'not an address' }, 'address', 'not an address', /must be an IP address/],
    [
      // Kamaji passes address to --advertise-address (builders/controlplane/deployment.go).
      'a DNS name as address',
      { address: 'api.example.com' },
      'address',
      'api.example.com',
      /must be an IP address \(v4 or v6\).*--advertise-address/,
    ],
    [
      // Kamaji: DeclaredControlPlaneAddress has no NodePort branch, so no endpoint without address.
      'NodePort without an address',
      { exposure: ControlPlaneExposure.NODE_PORT, port: 31443, konnectivityPort: 31132 },
      'address',
      undefined,
      /required with the NodePort exposure/,
    ],
    [
      // Kamaji: k8s_service_resource.go uses networkProfile.port as the nodePort.
      'NodePort on the default API port',
      { exposure: ControlPlaneExposure.NODE_PORT, address: '198.51.100.4', konnectivityPort: 31132 },
      'port',
      6443,
      /node-port range 30000-32767/,
    ],
    [
      // Kamaji: konnectivity/service_resource.go uses the konnectivity port as the nodePort.
      'NodePort on the default konnectivity port',
      { exposure: ControlPlaneExposure.NODE_PORT, address: '198.51.100.4', port: 31443 },
      'konnectivityPort',
      8132,
      /node-port range 30000-32767/,
    ],
    [
      // Kamaji: konnectivity/agent.go dials the advertised address, else the Service's ClusterIP.
      'Ingress without an address',
      { exposure: ControlPlaneExposure.INGRESS, ingressHostname: 'demo.example.com' },
      'address',
      undefined,
      /required with the Ingress exposure: the IP of the Ingress controller/,
    ],
    [
      'an Ingress hostname with a port',
      { exposure: ControlPlaneExposure.INGRESS, address: '203.0.113.7', ingressHostname: 'demo.example.com:443' },
      'ingressHostname',
      'demo.example.com:443',
      /without a port: see ingressPort/,
    ],
    ['an ingress port without Ingress', { ingressPort: 8443 }, 'ingressPort', 8443, /only used with the Ingress/],
    [
      'Elastic IPs without subnets',
      { exposure: ControlPlaneExposure.AWS_ELASTIC_IP },
      'publicSubnetIds',
      [],
      /required with the AwsElasticIP exposure/,
    ],
    [
      'Elastic IPs and an address',
      { exposure: ControlPlaneExposure.AWS_ELASTIC_IP, publicSubnetIds: ['subnet-0a1b2c3d'], address: '203.0.113.9' },
      'address',
      '203.0.113.9',
      /set to the first Elastic IP/,
    ],
    [
      'Elastic IPs with a bad subnet id',
      { exposure: ControlPlaneExposure.AWS_ELASTIC_IP, publicSubnetIds: ['subnet-0a1b2c3d', 'sn-1'] },
      'publicSubnetIds[1]',
      'sn-1',
      /subnet id/,
    ],
    [
      'Elastic IPs with a repeated subnet',
      { exposure: ControlPlaneExposure.AWS_ELASTIC_IP, publicSubnetIds: ['subnet-0a1b2c3d', 'subnet-0a1b2c3d'] },
      'publicSubnetIds[1]',
      'subnet-0a1b2c3d',
      /must not repeat/,
    ],
    [
      'Elastic IPs with a load-balancer class',
      {
        exposure: ControlPlaneExposure.AWS_ELASTIC_IP,
        publicSubnetIds: ['subnet-0a1b2c3d'],
        loadBalancerClass: 'service.k8s.aws/nlb',
      },
      'loadBalancerClass',
      'service.k8s.aws/nlb',
      /by its annotations/,
    ],
    [
      'Elastic IPs with an annotation of their own',
      {
        exposure: ControlPlaneExposure.AWS_ELASTIC_IP,
        publicSubnetIds: ['subnet-0a1b2c3d'],
        serviceAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' },
      },
      'serviceAnnotations["service.beta.kubernetes.io/aws-load-balancer-scheme"]',
      'internal',
      /set by the AwsElasticIP exposure/,
    ],
    [
      'subnets without Elastic IPs',
      { publicSubnetIds: ['subnet-0a1b2c3d'] },
      'publicSubnetIds',
      ['subnet-0a1b2c3d'],
      /only used with the AwsElasticIP/,
    ],
    ['a bad SAN', { certSans: ['ok.example.com', '*bad*'] }, 'certSans[1]', '*bad*', /IP address or a DNS name/],
    [
      'a bad quantity',
      { apiServerResources: { memoryRequest: '512MB' } },
      'apiServerResources.memoryRequest',
      '512MB',
      /quantity/,
    ],
    ['an extra arg that is not a flag', { schedulerExtraArgs: ['v=4'] }, 'schedulerExtraArgs[0]', 'v=4', /flag/],
    [
      'an unknown admission controller',
      { admissionControllers: ['NodeRestrictions'] },
      'admissionControllers[0]',
      'NodeRestrictions',
      /Kamaji knows/,
    ],
    ['a bad schema', { dataStoreSchema: 'my-db' }, 'dataStoreSchema', 'my-db', /A-Za-z0-9_/],
    ['a bad DataStore name', { dataStore: 'Gold_DS' }, 'dataStore', 'Gold_DS', /DNS-1123 subdomain/],
    [
      'a bad annotation key',
      { serviceAnnotations: { 'bad key': 'x' } },
      'serviceAnnotations["bad key"]',
      'bad key',
      /annotation\/label key/,
    ],
  ])('rejects %s', (_name, input, field, value, rule) => {
    const problems = problemsOf(input);
    expect(problems).toEqual([expect.objectContaining({ where: 'tcp', field, value })]);
    expect(problems[0].rule).toMatch(rule);
  });

  test('reports every problem at once', () => {
    const problems = problemsOf({
      name: 'Demo',
      replicas: -1,
      podCidr: 'x',
      exposure: ControlPlaneExposure.NODE_PORT,
      loadBalancerSourceRanges: ['1.2.3.0/24'],
    });
    expect(problems.map((p) => p.field).sort()).toEqual([
      'address',
      'konnectivityPort',
      'loadBalancerSourceRanges',
      'name',
      'podCidr',
      'port',
      'replicas',
    ]);
  });
});

describe('plan-time upgrade precondition', () => {
  const v = (s: string) => parseVersion(s)!;

  // The real expression, evaluated by terraform console (objects as the kubernetes_resources data
  // source lists them).
  const evaluate = (expression: string, installed: string[]) =>
    terraformEval(expression, { objs: installed.map((version) => ({ spec: { kubernetes: { version } } })) });

  test.each([
    ['v1.34.9', 'v1.35.3', true],
    ['v1.35.0', 'v1.35.3', true],
    ['v1.35.3', 'v1.35.3', true],
    ['v1.35.4', 'v1.35.3', false],
    ['v1.36.0', 'v1.35.3', false],
    ['v1.33.5', 'v1.35.3', false],
  ])('installed %s -> %s allowed: %s', (installed, target, allowed) => {
    expect(installedVersionAllows(v(installed), v(target))).toBe(allowed);
  });

  withTerraform('terraform console agrees with the model on every step (and on nothing installed)', () => {
    for (const [installed, target] of [
      ['v1.34.9', 'v1.35.3'],
      ['v1.35.0', 'v1.35.3'],
      ['v1.35.3', 'v1.35.3'],
      ['v1.35.4', 'v1.35.3'],
      ['v1.36.0', 'v1.35.3'],
      ['v1.33.5', 'v1.35.3'],
    ]) {
      expect([installed, evaluate(upgradePreconditionExpression('local.objs', v(target)), [installed])]).toEqual([
        installed,
        installedVersionAllows(v(installed), v(target)),
      ]);
    }
    // objects[0] is not evaluated when the list is empty (Terraform's || does not short-circuit).
    expect(evaluate(upgradePreconditionExpression('local.objs', v('v1.35.3')), [])).toBe(true);
  });
});

describe('readiness wait', () => {
  // The provider compiles each value with Go's regexp and tests it unanchored
  // (hashicorp/terraform-provider-kubernetes manifest/provider/waiter.go, FieldWaiter.Wait); for these
  // patterns JavaScript's RegExp.test has the same semantics.
  const fields = readinessWaitFields(tenantControlPlaneSpec(base));
  const matches = (field: string, value: string) => new RegExp(fields[field]).test(value);

  test('status: Ready only, not NotReady or Upgrading', () => {
    expect(matches('status.kubernetesResources.version.status', 'Ready')).toBe(true);
    for (const other of ['NotReady', 'Upgrading', 'Provisioning', 'Ready2', '']) {
      expect([other, matches('status.kubernetesResources.version.status', other)]).toEqual([other, false]);
    }
  });

  test('version: exactly the desired one (Kamaji copies it only when the rollout is Ready)', () => {
    expect(matches('status.kubernetesResources.version.version', 'v1.35.3')).toBe(true);
    for (const other of ['v1.34.9', 'v1.35.30', 'v1x35x3', 'v1.35.3-rc.1', '']) {
      expect([other, matches('status.kubernetesResources.version.version', other)]).toEqual([other, false]);
    }
  });

  test('bootstrap-token checksum: any non-empty value', () => {
    expect(matches('status.kubeadmPhase.bootstrapToken.checksum', '5f3c')).toBe(true);
    expect(matches('status.kubeadmPhase.bootstrapToken.checksum', '')).toBe(false);
  });
});

describe('plan-time load-balancer checks (terraform console)', () => {
  // Shaped as the provider returns them: typed objects whose absent fields are null, not missing
  // (terraform-provider-kubernetes manifest/payload/to_value.go; SDKv2 nodes store "" for unset).
  const node = (providerId: string | null) => ({ spec: [{ provider_id: providerId }] });
  const entry = (e: { ip?: string; hostname?: string }) => ({
    ip: e.ip ?? null,
    hostname: e.hostname ?? null,
    ipMode: null,
    ports: null,
  });
  const service = (ingress: object[] | null) => ({ status: { loadBalancer: { ingress }, conditions: null } });

  withTerraform('a management cluster with an aws:// node is refused; others pass', () => {
    const noAws = (nodes: object[]) => terraformEval(noAwsNodesExpression('local.nodes'), { nodes });
    expect(noAws([node('aws:///eu-west-1a/i-0123'), node('aws:///eu-west-1b/i-0456')])).toBe(false);
    expect(noAws([node('gce://project/zone/vm'), node('aws:///eu-west-1a/i-1')])).toBe(false);
    expect(noAws([node('azure:///subscriptions/x'), node('kind://docker/kind/node'), node(''), node(null)])).toBe(true);
    expect(noAws([])).toBe(true);
  });

  withTerraform("a Service whose load balancer's first entry is a hostname is refused", () => {
    const ok = (objs: object[]) => terraformEval(serviceIngressIpExpression('local.objs'), { objs });
    expect(ok([])).toBe(true); // not created yet
    expect(ok([{ status: null }])).toBe(true);
    expect(ok([service(null)])).toBe(true); // load balancer pending
    expect(ok([service([])])).toBe(true);
    expect(ok([service([entry({ ip: '203.0.113.5' })])])).toBe(true);
    expect(ok([service([entry({ ip: '2001:db8::5' })])])).toBe(true);
    expect(ok([service([entry({ hostname: 'a1b2.elb.eu-west-1.amazonaws.com' })])])).toBe(false);
    // Kamaji takes the first entry (getLoadBalancerAddress).
    expect(ok([service([entry({ hostname: 'x.elb.amazonaws.com' }), entry({ ip: '203.0.113.5' })])])).toBe(false);
  });
});

describe('AwsElasticIP exposure', () => {
  const input: Partial<TenantControlPlaneInput> = {
    exposure: ControlPlaneExposure.AWS_ELASTIC_IP,
    publicSubnetIds: ['subnet-0a1b2c3d', 'subnet-0e5f6a7b'],
    certSans: ['api.example.com'],
    serviceAnnotations: { team: 'platform' },
  };

  test('is valid with subnets, renders a LoadBalancer with the NLB annotations, address and SANs', () => {
    expect(problemsOf(input)).toEqual([]);
    const m = renderTenantControlPlane(tenantControlPlaneSpec({ ...base, ...input }), {
      allocationIds: ['eipalloc-01', 'eipalloc-02'],
      publicIps: ['203.0.113.1', '203.0.113.2'],
    }) as any;
    expect(m.spec.controlPlane.service).toEqual({
      serviceType: 'LoadBalancer',
      additionalMetadata: {
        annotations: {
          team: 'platform',
          'service.beta.kubernetes.io/aws-load-balancer-eip-allocations': 'eipalloc-01,eipalloc-02',
          'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
          'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
          'service.beta.kubernetes.io/aws-load-balancer-subnets': 'subnet-0a1b2c3d,subnet-0e5f6a7b',
          'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
        },
      },
    });
    expect(m.spec.networkProfile.address).toBe('203.0.113.1');
    expect(m.spec.networkProfile.certSANs).toEqual(['203.0.113.1', '203.0.113.2', 'api.example.com']);
  });
});
