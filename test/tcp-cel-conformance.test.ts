import fc from 'fast-check';
import { Problem, Problems } from '../src/model/errors';
import {
  ControlPlaneExposure,
  renderTenantControlPlane,
  tenantControlPlaneSpec,
  TenantControlPlaneInput,
  validateTenantControlPlane,
} from '../src/model/tenant-control-plane';
import { changedPaths } from '../src/review/paths';
import { ChangeEffect, effectOf } from '../src/review/rules';
import { Json, JsonObject } from '../src/review/synth-output';
import { crdValidator } from './support/crd';
import { CelViolation, CrdCelRules, crdSchema, kubernetesCelEnvironment } from './support/cel';
import { describeWithShared } from './support/tools';

/**
 * The model's rules held against the CEL rules (`x-kubernetes-validations`) of Kamaji's real
 * TenantControlPlane CRD, evaluated with a CEL engine and the Kubernetes CEL library functions
 * (test/support/cel.ts). tcp-crd-conformance.test.ts does the same for the OpenAPI schema.
 *
 * The contract: whatever the model accepts, the API server accepts (the model may be stricter,
 * never looser). So: a manifest of a model-valid input breaks no rule, and every input the rules
 * refuse is refused by the model too.
 */

const CRD_FILE = 'kamaji.clastix.io_tenantcontrolplanes.yaml';
/** Stand-ins for the Elastic IPs the construct allocates with the AwsElasticIP exposure. */
const ELASTIC_IPS = { allocationIds: ['eipalloc-0a1b2c3d'], publicIps: ['198.51.100.7'] };

/**
 * Rules of the CRD this test cannot evaluate, by message, with the reason. Empty: all of them
 * compile and run (transition rules run in the update cases below).
 */
const SKIPPED_RULES: Readonly<Record<string, string>> = {};

/** The CRD's rule messages (kamaji.clastix.io_tenantcontrolplanes.yaml). */
const M = {
  unsetDataStore: 'unsetting the dataStore is not supported',
  unsetDataStoreSchema: 'unsetting the dataStoreSchema is not supported',
  unsetDataStoreUsername: 'unsetting the dataStoreUsername is not supported',
  sourceRangesNeedLoadBalancer: 'LoadBalancer source ranges are supported only with LoadBalancer service type',
  classNeedsLoadBalancer: 'LoadBalancerClass is supported only with LoadBalancer service type',
  allocateNodePortsNeedsLoadBalancer: 'allocateLoadBalancerNodePorts is supported only with LoadBalancer service type',
  classSetAtRuntime: 'LoadBalancerClass cannot be set or unset at runtime',
  agentReplicas:
    'replicas must be 0 (or unset) when mode is DaemonSet, and greater than 0 (or unset) when mode is Deployment',
  ingressAndGateway: 'using both ingress and gateway is not supported',
  changeDataStoreSchema: 'changing the dataStoreSchema is not supported',
  changeDataStoreUsername: 'changing the dataStoreUsername is not supported',
  advertiseAddress: 'advertiseAddress must be a valid IP address',
  changeClusterDomain: 'changing the cluster domain is not supported',
  classImmutable: 'LoadBalancerClass is immutable',
  sourceRangeCidr: 'all LoadBalancer source range entries must be valid CIDR',
  podCidr: 'podCidr must be empty or a valid CIDR',
  podCidrs: 'all podCidrs entries must be valid CIDRs',
  serviceCidr: 'serviceCidr must be empty or a valid CIDR',
  serviceCidrs: 'all serviceCidrs entries must be valid CIDRs',
} as const;

// ---- the model ----

function render(input: TenantControlPlaneInput): Record<string, any> {
  return renderTenantControlPlane(tenantControlPlaneSpec(input), ELASTIC_IPS) as Record<string, any>;
}

function modelProblems(input: TenantControlPlaneInput): readonly Problem[] {
  const problems = new Problems('test');
  validateTenantControlPlane(tenantControlPlaneSpec(input), problems);
  return problems.all;
}

const show = (problems: readonly Problem[]) => problems.map((p) => `${p.field}: ${p.rule}`);
const messages = (violations: readonly CelViolation[]) =>
  [...new Set(violations.map((v) => (v.error ? `${v.message} (${v.error})` : v.message)))].sort();

const V = '1.35.3';
const LOAD_BALANCER: TenantControlPlaneInput = { name: 'lb', kubernetesVersion: V };
const NODE_PORT: TenantControlPlaneInput = {
  name: 'np',
  kubernetesVersion: V,
  exposure: ControlPlaneExposure.NODE_PORT,
  address: '203.0.113.10',
  port: 31443,
  konnectivityPort: 31132,
};
const INGRESS: TenantControlPlaneInput = {
  name: 'ing',
  kubernetesVersion: V,
  exposure: ControlPlaneExposure.INGRESS,
  ingressHostname: 'ing.k8s.example.com',
  ingressClassName: 'nginx',
  address: '203.0.113.20',
};

/** Inputs the CRD's rules accept (whatever the model says: it may be stricter). */
const ACCEPTED_BY_CRD: Record<string, TenantControlPlaneInput> = {
  defaults: LOAD_BALANCER,
  'LoadBalancer with loadBalancerSourceRanges (IPv4 and IPv6)': {
    ...LOAD_BALANCER,
    loadBalancerSourceRanges: ['198.51.100.0/24', '2001:db8::/32', '0.0.0.0/0'],
  },
  'LoadBalancer with a source range that has host bits (isCIDR does not require the network address)': {
    ...LOAD_BALANCER,
    loadBalancerSourceRanges: ['198.51.100.7/24'],
  },
  'LoadBalancer with loadBalancerClass': { ...LOAD_BALANCER, loadBalancerClass: 'service.k8s.aws/nlb' },
  'NodePort with an IPv4 address': NODE_PORT,
  'NodePort with an IPv6 address': { ...NODE_PORT, address: '2001:db8::10' },
  'address as a DNS name (no CEL rule on networkProfile.address)': { ...LOAD_BALANCER, address: 'api.example.com' },
  Ingress: INGRESS,
  'IPv6 pod and Service CIDRs': { ...LOAD_BALANCER, podCidr: 'fd00:10:244::/56', serviceCidr: 'fd00:10:96::/112' },
  'serviceCidr with host bits (isCIDR accepts them)': { ...LOAD_BALANCER, serviceCidr: '10.96.0.1/16' },
  'dnsServiceIp outside the Service CIDR (no CEL rule on dnsServiceIPs)': {
    ...LOAD_BALANCER,
    serviceCidr: '10.96.0.0/16',
    dnsServiceIp: '10.200.0.10',
  },
  'konnectivity off': { ...LOAD_BALANCER, konnectivity: false },
};

/** An otherwise accepted `base` that `change` makes the CRD refuse, with the rules it breaks. */
interface RefusedCase {
  readonly base: TenantControlPlaneInput;
  readonly change: Partial<TenantControlPlaneInput>;
  readonly refusedBy: readonly string[];
}

const REFUSED_BY_CRD: Record<string, RefusedCase> = {
  'NodePort with loadBalancerSourceRanges': {
    base: NODE_PORT,
    change: { loadBalancerSourceRanges: ['198.51.100.0/24'] },
    refusedBy: [M.sourceRangesNeedLoadBalancer],
  },
  'Ingress (ClusterIP) with loadBalancerSourceRanges': {
    base: INGRESS,
    change: { loadBalancerSourceRanges: ['198.51.100.0/24'] },
    refusedBy: [M.sourceRangesNeedLoadBalancer],
  },
  'NodePort with a bad source range': {
    base: NODE_PORT,
    change: { loadBalancerSourceRanges: ['office'] },
    refusedBy: [M.sourceRangesNeedLoadBalancer, M.sourceRangeCidr],
  },
  'NodePort with loadBalancerClass': {
    base: NODE_PORT,
    change: { loadBalancerClass: 'service.k8s.aws/nlb' },
    refusedBy: [M.classNeedsLoadBalancer],
  },
  'Ingress (ClusterIP) with loadBalancerClass': {
    base: INGRESS,
    change: { loadBalancerClass: 'nginx' },
    refusedBy: [M.classNeedsLoadBalancer],
  },
  'source range with a prefix longer than 32': {
    base: LOAD_BALANCER,
    change: { loadBalancerSourceRanges: ['10.0.0.0/33'] },
    refusedBy: [M.sourceRangeCidr],
  },
  'source range without a prefix': {
    base: LOAD_BALANCER,
    change: { loadBalancerSourceRanges: ['198.51.100.7'] },
    refusedBy: [M.sourceRangeCidr],
  },
  'source range with a leading-zero octet': {
    base: LOAD_BALANCER,
    change: { loadBalancerSourceRanges: ['198.051.100.0/24'] },
    refusedBy: [M.sourceRangeCidr],
  },
  'source range with an IPv6 zone': {
    base: LOAD_BALANCER,
    change: { loadBalancerSourceRanges: ['fe80::%eth0/64'] },
    refusedBy: [M.sourceRangeCidr],
  },
  'empty source range': {
    base: LOAD_BALANCER,
    change: { loadBalancerSourceRanges: [''] },
    refusedBy: [M.sourceRangeCidr],
  },
  'serviceCidr that is no CIDR': {
    base: LOAD_BALANCER,
    change: { serviceCidr: 'services' },
    refusedBy: [M.serviceCidr, M.serviceCidrs],
  },
  'empty serviceCidr (the singular field allows "", the serviceCidrs list does not)': {
    base: LOAD_BALANCER,
    change: { serviceCidr: '' },
    refusedBy: [M.serviceCidrs],
  },
  'IPv6 serviceCidr with a prefix longer than 128': {
    base: LOAD_BALANCER,
    change: { serviceCidr: 'fd00:10:96::/129' },
    refusedBy: [M.serviceCidr, M.serviceCidrs],
  },
  'podCidr with a prefix longer than 32': {
    base: LOAD_BALANCER,
    change: { podCidr: '10.244.0.0/40' },
    refusedBy: [M.podCidr, M.podCidrs],
  },
  'podCidr without a prefix': {
    base: LOAD_BALANCER,
    change: { podCidr: '10.244.0.0' },
    refusedBy: [M.podCidr, M.podCidrs],
  },
  // Shapes Go's netip.ParsePrefix and Kubernetes' isCIDR refuse (src/model/cidr.ts follows them).
  'source range with a leading-zero prefix length ("/08": netip.ParsePrefix refuses it)': {
    base: LOAD_BALANCER,
    change: { loadBalancerSourceRanges: ['10.0.0.0/08'] },
    refusedBy: [M.sourceRangeCidr],
  },
  'source range in IPv4-mapped IPv6 (::ffff:0:0/96; isCIDR refuses Is4In6 addresses)': {
    base: LOAD_BALANCER,
    change: { loadBalancerSourceRanges: ['::ffff:a00:0/104'] },
    refusedBy: [M.sourceRangeCidr],
  },
  'podCidr with a leading-zero prefix length ("/016")': {
    base: LOAD_BALANCER,
    change: { podCidr: '10.244.0.0/016' },
    refusedBy: [M.podCidr, M.podCidrs],
  },
  'serviceCidr in IPv4-mapped IPv6 (::ffff:a60:0/112)': {
    base: LOAD_BALANCER,
    change: { serviceCidr: '::ffff:a60:0/112' },
    refusedBy: [M.serviceCidr, M.serviceCidrs],
  },
};

/** Updates of a model-valid tenant to another, and the transition rules they break. */
interface UpdateCase {
  readonly before: TenantControlPlaneInput;
  readonly after: TenantControlPlaneInput;
  readonly refusedBy: readonly string[];
}

const WITH_CLASS: TenantControlPlaneInput = { ...LOAD_BALANCER, loadBalancerClass: 'service.k8s.aws/nlb' };

const UPDATES: Record<string, UpdateCase> = {
  'a minor upgrade': { before: LOAD_BALANCER, after: { ...LOAD_BALANCER, kubernetesVersion: '1.36.0' }, refusedBy: [] },
  'a move to another DataStore (spec.dataStore may change)': {
    before: LOAD_BALANCER,
    after: { ...LOAD_BALANCER, dataStore: 'postgres-gold' },
    refusedBy: [],
  },
  'another dataStoreSchema': {
    before: LOAD_BALANCER,
    after: { ...LOAD_BALANCER, dataStoreSchema: 'other_db' },
    refusedBy: [M.changeDataStoreSchema],
  },
  'another dataStoreUsername': {
    before: LOAD_BALANCER,
    after: { ...LOAD_BALANCER, dataStoreUsername: 'other_user' },
    refusedBy: [M.changeDataStoreUsername],
  },
  'another clusterDomain': {
    before: LOAD_BALANCER,
    after: { ...LOAD_BALANCER, clusterDomain: 'tenant.local' },
    refusedBy: [M.changeClusterDomain],
  },
  'another loadBalancerClass': {
    before: WITH_CLASS,
    after: { ...WITH_CLASS, loadBalancerClass: 'metallb' },
    refusedBy: [M.classImmutable],
  },
  'a loadBalancerClass set on a running LoadBalancer': {
    before: LOAD_BALANCER,
    after: WITH_CLASS,
    refusedBy: [M.classSetAtRuntime],
  },
  'a loadBalancerClass unset on a running LoadBalancer': {
    before: WITH_CLASS,
    after: LOAD_BALANCER,
    refusedBy: [M.classSetAtRuntime],
  },
  'NodePort to a LoadBalancer with a class (the class comes with the new Service)': {
    before: { ...NODE_PORT, name: 'lb' },
    after: WITH_CLASS,
    refusedBy: [],
  },
  'a LoadBalancer with a class to NodePort': { before: WITH_CLASS, after: { ...NODE_PORT, name: 'lb' }, refusedBy: [] },
  'new loadBalancerSourceRanges': {
    before: LOAD_BALANCER,
    after: { ...LOAD_BALANCER, loadBalancerSourceRanges: ['198.51.100.0/24'] },
    refusedBy: [],
  },
};

/**
 * Every rule of the CRD, with a change of the default manifest (`spec`) that breaks it and nothing
 * else. A transition rule's change is an update from `before` (the default manifest, changed by
 * `before` when given). `model` says how the model keeps its manifests inside the rule.
 */
interface RuleWitness {
  readonly path: string;
  readonly message: string;
  readonly model: string;
  readonly before?: (spec: any) => void;
  readonly breakIt: (spec: any) => void;
}

const WITNESSES: readonly RuleWitness[] = [
  {
    path: 'spec',
    message: M.unsetDataStore,
    model: 'always renders dataStore',
    breakIt: (s) => delete s.dataStore,
  },
  {
    path: 'spec',
    message: M.unsetDataStoreSchema,
    model: 'always renders dataStoreSchema',
    breakIt: (s) => delete s.dataStoreSchema,
  },
  {
    path: 'spec',
    message: M.unsetDataStoreUsername,
    model: 'always renders dataStoreUsername',
    breakIt: (s) => delete s.dataStoreUsername,
  },
  {
    path: 'spec',
    message: M.sourceRangesNeedLoadBalancer,
    model: 'loadBalancerSourceRanges only with a LoadBalancer exposure (REFUSED_BY_CRD)',
    breakIt: (s) => {
      s.controlPlane.service.serviceType = 'NodePort';
      s.networkProfile.loadBalancerSourceRanges = ['198.51.100.0/24'];
    },
  },
  {
    path: 'spec',
    message: M.classNeedsLoadBalancer,
    model: 'loadBalancerClass only with a LoadBalancer exposure (REFUSED_BY_CRD)',
    breakIt: (s) => {
      s.controlPlane.service.serviceType = 'NodePort';
      s.networkProfile.loadBalancerClass = 'metallb';
    },
  },
  {
    path: 'spec',
    message: M.allocateNodePortsNeedsLoadBalancer,
    model: 'never renders allocateLoadBalancerNodePorts',
    breakIt: (s) => {
      s.controlPlane.service.serviceType = 'NodePort';
      s.controlPlane.service.allocateLoadBalancerNodePorts = false;
    },
  },
  {
    path: 'spec',
    message: M.classSetAtRuntime,
    model: 'UPDATES; the review flags loadBalancerClass changes as rejected',
    breakIt: (s) => (s.networkProfile.loadBalancerClass = 'metallb'),
  },
  {
    path: 'spec.addons.konnectivity.agent',
    message: M.agentReplicas,
    model: 'never renders the konnectivity agent (the CRD default, a DaemonSet without replicas, applies)',
    // `mode` is left to the CRD default (DaemonSet): the evaluator applies defaults first.
    breakIt: (s) => (s.addons.konnectivity.agent = { replicas: 2 }),
  },
  {
    path: 'spec.controlPlane',
    message: M.ingressAndGateway,
    model: 'never renders a gateway',
    breakIt: (s) => {
      s.controlPlane.ingress = { hostname: 'api.example.com' };
      s.controlPlane.gateway = { hostname: 'api.example.com' };
    },
  },
  {
    path: 'spec.dataStoreSchema',
    message: M.changeDataStoreSchema,
    model: 'UPDATES; the review flags it as rejected',
    breakIt: (s) => (s.dataStoreSchema = 'other_db'),
  },
  {
    path: 'spec.dataStoreUsername',
    message: M.changeDataStoreUsername,
    model: 'UPDATES; the review flags it as rejected',
    breakIt: (s) => (s.dataStoreUsername = 'other_user'),
  },
  {
    path: 'spec.networkProfile.advertiseAddress',
    message: M.advertiseAddress,
    model: 'never renders advertiseAddress',
    breakIt: (s) => (s.networkProfile.advertiseAddress = 'api.example.com'),
  },
  {
    path: 'spec.networkProfile.clusterDomain',
    message: M.changeClusterDomain,
    model: 'UPDATES; the review flags it as rejected',
    breakIt: (s) => (s.networkProfile.clusterDomain = 'tenant.local'),
  },
  {
    path: 'spec.networkProfile.loadBalancerClass',
    message: M.classImmutable,
    model: 'UPDATES; the review flags it as rejected',
    before: (s) => (s.networkProfile.loadBalancerClass = 'service.k8s.aws/nlb'),
    breakIt: (s) => (s.networkProfile.loadBalancerClass = 'metallb'),
  },
  {
    path: 'spec.networkProfile.loadBalancerSourceRanges',
    message: M.sourceRangeCidr,
    model: 'REFUSED_BY_CRD',
    breakIt: (s) => (s.networkProfile.loadBalancerSourceRanges = ['10.0.0.0/33']),
  },
  {
    path: 'spec.networkProfile.podCidr',
    message: M.podCidr,
    model: 'REFUSED_BY_CRD',
    breakIt: (s) => (s.networkProfile.podCidr = '10.244.0.0/33'),
  },
  {
    path: 'spec.networkProfile.podCidrs',
    message: M.podCidrs,
    model: 'renders [podCidr]',
    breakIt: (s) => (s.networkProfile.podCidrs = ['pods']),
  },
  {
    path: 'spec.networkProfile.serviceCidr',
    message: M.serviceCidr,
    model: 'REFUSED_BY_CRD',
    breakIt: (s) => (s.networkProfile.serviceCidr = '10.96.0.0/33'),
  },
  {
    path: 'spec.networkProfile.serviceCidrs',
    message: M.serviceCidrs,
    model: 'renders [serviceCidr]',
    breakIt: (s) => (s.networkProfile.serviceCidrs = ['services']),
  },
];

/** The Kubernetes CEL library as implemented in support/cel.ts, against the examples and tests in
 * k8s.io/apiserver/pkg/cel/library (ip.go, cidr.go, cidr_test.go) and Go's netip rules. */
const LIBRARY: ReadonlyArray<[string, boolean]> = [
  ["isIP('127.0.0.1')", true],
  ["isIP('::1')", true],
  ["isIP('2001:db8::68')", true],
  ["isIP('::')", true],
  ["isIP('127.0.0.256')", false],
  ["isIP(':::1')", false],
  ["isIP('01.2.3.4')", false], // leading zero
  ["isIP('1.2.3')", false],
  ["isIP('::ffff:1.2.3.4')", false], // IPv4-mapped
  ["isIP('::ffff:102:304')", false], // IPv4-mapped, hex spelling
  ["isIP('64:ff9b::1.2.3.4')", true], // embedded IPv4, not mapped
  ["isIP('fe80::1%eth0')", false], // zone
  ["isIP('api.example.com')", false],
  ["isIP('')", false],
  ["isCIDR('192.168.0.0/16')", true],
  ["isCIDR('::1/128')", true],
  ["isCIDR('0.0.0.0/0')", true],
  ["isCIDR('192.168.0.1/16')", true], // host bits are allowed (parseCIDR does not mask)
  ["isCIDR('192.168.0.0/33')", false],
  ["isCIDR('::1/129')", false],
  ["isCIDR('192.168.0.0/')", false],
  ["isCIDR('192.168.0.0/08')", false], // "bad bits after slash"
  ["isCIDR('192.168.0.0/+8')", false],
  ["isCIDR('192.168.0.0')", false],
  ["isCIDR('::ffff:1.2.3.0/120')", false], // IPv4-mapped
  ["isCIDR('fe80::%eth0/64')", false], // zone
  ["cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))", true],
  ["cidr('192.168.0.0/24').containsIP(ip('192.168.1.1'))", false],
  ["cidr('192.168.0.0/24').containsIP('192.168.0.1')", true],
  ["cidr('2001:db8::/32').containsIP('2001:db8::1')", true],
  ["cidr('2001:db8::/32').containsIP('2001:dc8::1')", false],
  ["cidr('10.0.0.0/8').containsIP('::a00:1')", false], // families differ
  ["cidr('192.168.0.1/24').containsIP(cidr('192.168.0.1/24').ip())", true],
  ["cidr('192.168.0.0/16').prefixLength() == 16", true],
  ["ip('127.0.0.1').family() == 4", true],
  ["ip('::1').family() == 6", true],
];

describeWithShared('TenantControlPlane manifests against the CEL rules of the Kamaji CRD', () => {
  let crd: CrdCelRules;
  let schemaValid: ReturnType<typeof crdValidator>;

  beforeAll(() => {
    crd = new CrdCelRules(crdSchema(CRD_FILE));
    schemaValid = crdValidator(CRD_FILE);
  });

  /** The rules `manifest` breaks (with `old`: as an update of `old`). */
  const celRefusals = (manifest: unknown, old?: unknown) => messages(crd.violations(manifest, old));

  describe('the rules', () => {
    test('every x-kubernetes-validations rule compiles in the Kubernetes CEL environment (none skipped unlisted)', () => {
      expect(crd.rules.length).toBeGreaterThan(0);
      const broken = crd.rules
        .filter((r) => r.compileError !== undefined && SKIPPED_RULES[r.message] === undefined)
        .map((r) => `${r.path}: ${r.rule}: ${r.compileError}`);
      expect(broken).toEqual([]);
    });

    test('every rule of the CRD has a witness here (a new rule fails until someone checks the model against it)', () => {
      const found = crd.rules.map((r) => `${r.path} | ${r.message}`).sort();
      expect(found).toEqual(WITNESSES.map((w) => `${w.path} | ${w.message}`).sort());
    });

    test('the transition rules (those mentioning oldSelf, run on update only) are these eight', () => {
      const transition = crd.rules.filter((r) => r.transition).map((r) => r.message);
      expect(transition.sort()).toEqual(
        [
          M.unsetDataStore,
          M.unsetDataStoreSchema,
          M.unsetDataStoreUsername,
          M.classSetAtRuntime,
          M.changeDataStoreSchema,
          M.changeDataStoreUsername,
          M.changeClusterDomain,
          M.classImmutable,
        ].sort(),
      );
    });

    test('the default manifest breaks no rule, on create and as an update of itself', () => {
      const manifest = render(LOAD_BALANCER);
      expect(crd.violations(manifest)).toEqual([]);
      expect(crd.violations(manifest, manifest)).toEqual([]);
    });

    test.each(WITNESSES.map((w) => [`${w.path}: "${w.message}" (model: ${w.model})`, w] as const))(
      '%s is enforced by the evaluator',
      (_name, w) => {
        const old = render(LOAD_BALANCER);
        w.before?.(old.spec);
        const changed = JSON.parse(JSON.stringify(old));
        w.breakIt(changed.spec);
        const transition = crd.rules.some((r) => r.message === w.message && r.transition);
        // A transition rule does not run on create: the change alone is accepted.
        if (transition) expect(celRefusals(changed)).toEqual([]);
        const violations = transition ? crd.violations(changed, old) : crd.violations(changed);
        expect(violations.map((v) => ({ path: v.path, message: v.message, error: v.error }))).toEqual([
          { path: w.path, message: w.message, error: undefined },
        ]);
      },
    );

    test.each(LIBRARY)('Kubernetes CEL library: %s == %s', (expression, expected) => {
      expect(kubernetesCelEnvironment().evaluate(expression)).toBe(expected);
    });

    test('a call of a library function this evaluator lacks fails to compile (never silently passes)', () => {
      const env = kubernetesCelEnvironment();
      expect(env.check("self.all(x, url(x).getScheme() == 'https')").valid).toBe(false);
      expect(env.check('isQuantity(self) && quantity(self).isInteger()').valid).toBe(false);
      expect(env.check('self == oldSelf').valid).toBe(true);
    });
  });

  describe('the model against the rules', () => {
    test.each(Object.entries(ACCEPTED_BY_CRD))('%s: the CRD rules accept it', (_name, input) => {
      expect(celRefusals(render(input))).toEqual([]);
    });

    const refusedName = ([name, c]: [string, RefusedCase]) =>
      [`${name}: the CRD refuses it (${c.refusedBy.map((m) => `"${m}"`).join(', ')})`, c] as const;

    test.each(Object.entries(REFUSED_BY_CRD).map(refusedName))('%s, and so does the model', (_name, c) => {
      assertRefusedByCrd(c);
      assertRefusedByModel(c);
    });

    function assertRefusedByCrd(c: RefusedCase): void {
      expect(celRefusals(render(c.base))).toEqual([]);
      expect(celRefusals(render({ ...c.base, ...c.change }))).toEqual([...c.refusedBy].sort());
    }

    /** The change adds a problem about a field it changed (problems `base` already has do not count). */
    function assertRefusedByModel(c: RefusedCase): void {
      const key = (p: Problem) => `${p.field}: ${p.rule}`;
      const before = new Set(modelProblems(c.base).map(key));
      const added = modelProblems({ ...c.base, ...c.change }).filter((p) => !before.has(key(p)));
      const changed = Object.keys(c.change);
      const touches = (field: string) =>
        changed.some((f) => field === f || field.startsWith(`${f}[`) || field.startsWith(`${f}.`));
      expect(show(added.filter((p) => touches(p.field)))).not.toEqual([]);
    }

    test.each(
      Object.entries(UPDATES).map(
        ([name, u]) =>
          [
            `${name}: ${u.refusedBy.length ? `the CRD refuses it (${u.refusedBy.map((m) => `"${m}"`).join(', ')})` : 'the CRD accepts it'}`,
            u,
          ] as const,
      ),
    )('update, %s; a refused update is flagged by the review', (_name, u) => {
      const before = render(u.before);
      const after = render(u.after);
      expect(celRefusals(before)).toEqual([]);
      expect(celRefusals(after)).toEqual([]);
      expect(celRefusals(after, before)).toEqual([...u.refusedBy].sort());
      if (u.refusedBy.length > 0) expect(reviewRejections(before, after)).not.toEqual([]);
    });

    test('property: an input the model accepts renders a manifest the CRD (CEL rules and schema) accepts', () => {
      let accepted = 0;
      fc.assert(
        fc.property(tenantInput, (input) => {
          if (modelProblems(input).length > 0) return;
          accepted++;
          const manifest = render(input);
          expect(celRefusals(manifest)).toEqual([]);
          const ok = schemaValid(manifest);
          expect(schemaValid.errors ?? []).toEqual([]);
          expect(ok).toBe(true);
        }),
        { numRuns: 400 },
      );
      // Not vacuous: a fair share of the random inputs is valid.
      expect(accepted).toBeGreaterThan(20);
    });

    test('property: an update between inputs the model accepts that the CRD refuses is flagged by the review', () => {
      let refused = 0;
      fc.assert(
        fc.property(tenantInput, tenantChange, (input, change) => {
          const next = { ...input, ...change };
          if (modelProblems(input).length > 0 || modelProblems(next).length > 0) return;
          const before = render(input);
          const after = render(next);
          if (celRefusals(after, before).length === 0) return;
          refused++;
          expect(reviewRejections(before, after)).not.toEqual([]);
        }),
        { numRuns: 600 },
      );
      expect(refused).toBeGreaterThan(3);
    });
  });
});

/** The changed manifest paths the review marks as refused by the API server or forcing replacement. */
function reviewRejections(before: Record<string, any>, after: Record<string, any>): string[] {
  const config = { manifest: after as Json } as JsonObject;
  return changedPaths({ manifest: before as Json }, config).filter((p) => {
    const effect = effectOf('kubernetes_manifest', config, p)?.effect;
    return effect === ChangeEffect.REJECTED || effect === ChangeEffect.REPLACE;
  });
}

// ---- random inputs ----

const randomIpv4Cidr = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 34 }))
  .map(([octets, bits]) => `${octets.join('.')}/${bits}`);
const randomIpv6Cidr = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }),
    fc.integer({ min: 0, max: 130 }),
  )
  .map(([groups, bits]) => `${groups.map((g) => g.toString(16)).join(':')}/${bits}`);
const cidrText = fc.oneof(
  fc.constantFrom(
    '198.51.100.0/24',
    '198.51.100.7/24',
    '2001:db8::/32',
    '0.0.0.0/0',
    '::/0',
    '10.0.0.0/33',
    '198.51.100.7',
    '198.051.100.0/24',
    'fe80::%eth0/64',
    '::1/129',
    'office',
    '',
    // Shapes Go's netip.ParsePrefix / isCIDR refuse (the model does too).
    '10.0.0.0/08',
    '::ffff:a00:0/104',
  ),
  randomIpv4Cidr,
  randomIpv6Cidr,
);

const exposure = fc.constantFrom(...(Object.values(ControlPlaneExposure) as ControlPlaneExposure[]));

/** `fits` `n` times out of 10, else `other`: most inputs are valid, the rest break one or two rules. */
const usually = <T>(n: number, fits: fc.Arbitrary<T>, other: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ weight: n, arbitrary: fits }, { weight: 10 - n, arbitrary: other });
const unset = fc.constant(undefined);
const ip = fc.constantFrom('203.0.113.10', '2001:db8::10');
const badAddress = fc.constantFrom('api.example.com', '', '010.1.1.1', '::ffff:203.0.113.10', 'no ip');
const goodRanges = fc.array(fc.constantFrom('198.51.100.0/24', '2001:db8::/32', '198.51.100.7/24'), {
  minLength: 1,
  maxLength: 2,
});

/**
 * Random inputs, each exposure with what it needs most of the time (NodePort: an address and node
 * ports; Ingress: a hostname and an address; exposures this test does not know by name, such as
 * AwsElasticIP: public subnets and no address), then source ranges, classes and CIDRs good or bad.
 */
const tenantInput: fc.Arbitrary<TenantControlPlaneInput> = exposure.chain((x) => {
  const known = [ControlPlaneExposure.LOAD_BALANCER, ControlPlaneExposure.NODE_PORT, ControlPlaneExposure.INGRESS];
  const needsAddress = x === ControlPlaneExposure.NODE_PORT || x === ControlPlaneExposure.INGRESS;
  return fc
    .record({
      address: needsAddress
        ? usually(8, ip, fc.oneof(unset, badAddress))
        : x === ControlPlaneExposure.LOAD_BALANCER
          ? usually(5, unset, fc.oneof(ip, ip, badAddress))
          : usually(8, unset, fc.oneof(ip, badAddress)),
      nodePorts: usually(x === ControlPlaneExposure.NODE_PORT ? 9 : 2, fc.constant(true), fc.constant(false)),
      hostname: usually(x === ControlPlaneExposure.INGRESS ? 9 : 1, fc.constant(true), fc.constant(false)),
      publicSubnetIds: known.includes(x)
        ? usually<string[] | undefined>(9, unset, fc.constant(['subnet-0123456789abcdef0']))
        : usually<string[] | undefined>(
            8,
            fc.constant(['subnet-0123456789abcdef0']),
            fc.constantFrom<string[] | undefined>(undefined, ['subnet-x']),
          ),
      ranges: usually(5, unset, fc.oneof(goodRanges, goodRanges, fc.array(cidrText, { maxLength: 3 }))),
      loadBalancerClass: usually(6, unset, fc.constantFrom('service.k8s.aws/nlb', 'metallb', '')),
      podCidr: usually(6, unset, fc.oneof(fc.constantFrom('10.244.0.0/16', 'fd00:10:244::/56'), cidrText)),
      serviceCidr: usually(6, unset, fc.oneof(fc.constantFrom('10.96.0.0/16', 'fd00:10:96::/112'), cidrText)),
    })
    .map((r) => {
      const input: TenantControlPlaneInput = { name: 'prop', kubernetesVersion: V, exposure: x };
      if (r.address !== undefined) input.address = r.address;
      if (r.nodePorts) Object.assign(input, { port: 31443, konnectivityPort: 31132 });
      if (r.hostname) input.ingressHostname = 'ing.k8s.example.com';
      if (r.publicSubnetIds !== undefined) input.publicSubnetIds = r.publicSubnetIds;
      if (r.ranges !== undefined) input.loadBalancerSourceRanges = r.ranges;
      if (r.loadBalancerClass !== undefined) input.loadBalancerClass = r.loadBalancerClass;
      if (r.podCidr !== undefined) input.podCidr = r.podCidr;
      if (r.serviceCidr !== undefined) input.serviceCidr = r.serviceCidr;
      return input;
    });
});

/** What an update may change: the immutable fields, the Service and its class. */
const tenantChange: fc.Arbitrary<Partial<TenantControlPlaneInput>> = fc
  .record(
    {
      exposure,
      loadBalancerClass: fc.option(fc.constantFrom('service.k8s.aws/nlb', 'metallb'), { nil: undefined }),
      clusterDomain: fc.constantFrom('cluster.local', 'tenant.local'),
      dataStoreSchema: fc.constantFrom('default_prop', 'other_db'),
      dataStoreUsername: fc.constantFrom('default_prop', 'other_user'),
      kubernetesVersion: fc.constantFrom(V, '1.36.0'),
    },
    { requiredKeys: [] },
  )
  .map((c) => (c.exposure === ControlPlaneExposure.NODE_PORT ? { ...c, port: 31443, konnectivityPort: 31132 } : c));
