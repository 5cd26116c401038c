import Ajv from 'ajv';
import {
  awsNlbServiceAnnotations,
  ControlPlaneExposure,
  renderTenantControlPlane,
  tenantControlPlaneSpec,
  TenantControlPlaneInput,
} from '../src/model/tenant-control-plane';
import { buildQuickstart } from '../examples/quickstart/app';
import { onlyResource, synthApp } from './support/synth';
import { crdValidator } from './support/crd';
import { describeWithShared } from './support/tools';

/**
 * Every manifest the model renders, for the defaults and each option, validated against the real
 * TenantControlPlane CRD schema. Unknown fields are errors here (the API server would prune them
 * silently and Terraform would then show drift), so typos in field names fail the test.
 */
const CASES: Record<string, TenantControlPlaneInput> = {
  defaults: { name: 'demo', kubernetesVersion: 'v1.35.3' },
  'node port': {
    name: 'np',
    kubernetesVersion: '1.34.1',
    exposure: ControlPlaneExposure.NODE_PORT,
    address: '203.0.113.10',
    port: 31443,
  },
  ingress: {
    name: 'ing',
    kubernetesVersion: '1.36.0',
    exposure: ControlPlaneExposure.INGRESS,
    ingressHostname: 'ing.k8s.example.com',
    ingressClassName: 'nginx',
    ingressAnnotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' },
    certSans: ['ing.k8s.example.com'],
  },
  'aws nlb': {
    name: 'aws',
    kubernetesVersion: '1.35.0',
    address: '198.51.100.7',
    loadBalancerSourceRanges: ['198.51.100.0/24', '2001:db8::/32'],
    loadBalancerClass: 'service.k8s.aws/nlb',
    serviceAnnotations: awsNlbServiceAnnotations({ eipAllocationIds: ['eipalloc-0a1'], subnetIds: ['subnet-01'] }),
    serviceLabels: { team: 'a' },
  },
  'old kubelets (#1062 patches)': { name: 'old', kubernetesVersion: '1.35.3', oldestKubeletVersion: '1.32.0' },
  'everything else': {
    name: 'full',
    namespace: 'team-a',
    kubernetesVersion: '1.33.7',
    dataStore: 'postgres-gold',
    dataStoreSchema: 'full_db',
    dataStoreUsername: 'full_user',
    replicas: 3,
    podCidr: '10.200.0.0/16',
    serviceCidr: '10.100.0.0/16',
    dnsServiceIp: '10.100.0.53',
    clusterDomain: 'full.local',
    konnectivityPort: 9132,
    apiServerResources: { cpuRequest: '250m', memoryRequest: '512Mi', cpuLimit: '2', memoryLimit: '2Gi' },
    controllerManagerResources: { cpuRequest: '100m' },
    schedulerResources: { memoryLimit: '256Mi' },
    apiServerExtraArgs: ['--profiling=false'],
    controllerManagerExtraArgs: ['--profiling=false'],
    schedulerExtraArgs: ['--profiling=false'],
    admissionControllers: ['NodeRestriction', 'PodSecurity', 'ServiceAccount'],
  },
  'addons off': { name: 'bare', kubernetesVersion: '1.30.0', coreDns: false, kubeProxy: false, konnectivity: false },
};

describeWithShared('TenantControlPlane manifests against the Kamaji CRD', () => {
  let validate: ReturnType<Ajv['compile']>;

  beforeAll(() => {
    validate = crdValidator('kamaji.clastix.io_tenantcontrolplanes.yaml');
  });

  test.each(Object.entries(CASES))('%s validates', (_name, input) => {
    const manifest = renderTenantControlPlane(tenantControlPlaneSpec(input));
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('the manifests the quickstart and the construct synthesize validate too', () => {
    const { stacks } = synthApp(buildQuickstart);
    const tcp = onlyResource(stacks['tenant-demo-control-plane'], 'kubernetes_manifest');
    expect(validate(tcp.manifest)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  });

  test('the translated schema still catches mistakes (an unknown field, a bad enum, a missing required field)', () => {
    const manifest = renderTenantControlPlane(tenantControlPlaneSpec(CASES.defaults)) as Record<string, any>;
    const broken = structuredClone(manifest);
    broken.spec.networkProfile.podCIDR = '10.0.0.0/8';
    broken.spec.controlPlane.service.serviceType = 'Ingress';
    delete broken.spec.kubernetes.version;
    expect(validate(broken)).toBe(false);
    const messages = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        '/spec/networkProfile must NOT have additional properties',
        '/spec/controlPlane/service/serviceType must be equal to one of the allowed values',
        "/spec/kubernetes must have required property 'version'",
      ]),
    );
  });
});
