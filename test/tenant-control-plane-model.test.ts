import { Problems } from '../src/model/errors';
import {
  awsNlbServiceAnnotations,
  ControlPlaneExposure,
  dnsServiceIpOf,
  installedVersionAllows,
  kubeletConfigPatches,
  renderTenantControlPlane,
  tenantControlPlaneSpec,
  TenantControlPlaneInput,
  upgradePreconditionExpression,
  validateTenantControlPlane,
} from '../src/model/tenant-control-plane';
import { parseVersion } from '../src/model/versions';

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
    expect(m.spec.kubernetes.admissionControllers).toHaveLength(17);
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
      ingressHostname: 'demo.k8s.example.com',
      ingressClassName: 'nginx',
      ingressAnnotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' },
    });
    expect(m.spec.controlPlane.service).toEqual({ serviceType: 'ClusterIP' });
    expect(m.spec.controlPlane.ingress).toEqual({
      hostname: 'demo.k8s.example.com',
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
      { exposure: ControlPlaneExposure.NODE_PORT, loadBalancerSourceRanges: ['10.0.0.0/8'] },
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
      { exposure: ControlPlaneExposure.NODE_PORT, loadBalancerClass: 'x' },
      'loadBalancerClass',
      'x',
      /only with the LoadBalancer/,
    ],
    [
      'Ingress without a hostname',
      { exposure: ControlPlaneExposure.INGRESS },
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
      /one of LoadBalancer, NodePort, Ingress/,
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
    ['a bad address', { address: 'not an address' }, 'address', 'not an address', /IP address or a DNS name/],
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
    expect(problems.map((p) => p.field).sort()).toEqual(['loadBalancerSourceRanges', 'name', 'podCidr', 'replicas']);
  });
});

describe('plan-time upgrade precondition', () => {
  const v = (s: string) => parseVersion(s)!;

  test.each([
    ['v1.34.9', 'v1.35.3', true],
    ['v1.35.0', 'v1.35.3', true],
    ['v1.35.3', 'v1.35.3', true],
    ['v1.35.4', 'v1.35.3', false],
    ['v1.36.0', 'v1.35.3', false],
    ['v1.33.5', 'v1.35.3', false],
  ])('installed %s -> %s allowed: %s', (installed, target, allowed) => {
    expect(installedVersionAllows(v(installed), v(target))).toBe(allowed);
    expect(evaluate(upgradePreconditionExpression('objs', v(target)), [installed])).toBe(allowed);
  });

  test('nothing installed yet is allowed (and objects[0] is not evaluated)', () => {
    expect(evaluate(upgradePreconditionExpression('objs', v('v1.35.3')), [])).toBe(true);
  });

  /**
   * Evaluates the generated HCL with a tiny translation to JavaScript: the functions it uses
   * (length, split, trimprefix, tonumber) and the ternary/||/&& operators mean the same thing in both.
   */
  function evaluate(expression: string, installed: string[]): boolean {
    const objs = installed.map((version) => ({ spec: { kubernetes: { version } } }));
    const js = expression
      .replace(/length\(objs\)/g, 'objs.length')
      .replace(/trimprefix\(([^,]+), "v"\)/g, '$1.replace(/^v/, "")')
      .replace(/split\("\.", /g, 'split(');
    const fn = new Function('objs', 'split', 'tonumber', `return ${js};`) as (
      o: unknown,
      s: (x: string) => string[],
      n: (x: string) => number,
    ) => boolean;
    return fn(objs, (x: string) => x.split('.'), Number);
  }
});
