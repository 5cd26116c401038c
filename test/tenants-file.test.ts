import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { loadTenantsFile } from '../src/model/tenants-file';

const EXAMPLE = path.join(__dirname, '..', 'examples', 'fleet', 'tenants.yaml');

const BASE = `defaults:
  awsRegion: eu-west-1
  kubernetesVersion: v1.35.3
  workers:
    instanceType: m7i.large
    subnetIds: [subnet-0a1b2c3d4e5f60718]
tenants:
  - name: alpha
    workers:
      - name: general
        minSize: 1
        maxSize: 3
`;

function load(text: string) {
  return loadTenantsFile(text, 'tenants.yaml');
}

/** Sets `value` at `yamlPath` in BASE (or removes it when undefined) and returns the problems. */
function mutate(edits: [(string | number)[], unknown][], base = BASE) {
  const doc = parseDocument(base);
  for (const [at, value] of edits) {
    if (value === undefined) doc.deleteIn(at);
    else doc.setIn(at, doc.createNode(value));
  }
  const text = doc.toString();
  return { text, problems: load(text).problems };
}

function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`"${needle}" not in the file`);
  return index + 1;
}

describe('tenants file', () => {
  test('the shipped example is valid and resolves defaults', () => {
    const loaded = loadTenantsFile(fs.readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    expect(loaded.problems).toEqual([]);
    const [alpha, bravo, charlie] = loaded.tenants!;
    expect(alpha).toMatchObject({ name: 'alpha', kubernetesVersion: 'v1.35.3', dataStore: 'default', cni: 'calico' });
    expect(alpha.workers[0]).toMatchObject({ name: 'general', instanceType: 'm7i.large', tokenDelivery: 'ssm' });
    expect(bravo).toMatchObject({ kubernetesVersion: 'v1.34.6', dataStore: 'postgres-gold', podCidr: '10.32.0.0/16' });
    expect(bravo.pki).toEqual({
      source: 'aws-secrets-manager',
      certPath: 'ca/bravo.crt',
      secretId: 'kamaji/bravo/ca-key',
    });
    expect(charlie.workers.map((w) => w.name)).toEqual(['general', 'batch']);
    expect(charlie.workers[1]).toMatchObject({ instanceType: 'c7i.xlarge', tokenDelivery: 'inline', minSize: 0 });
  });

  test('a valid minimal file has no problems', () => {
    expect(load(BASE).problems).toEqual([]);
  });

  test('YAML syntax errors carry a line', () => {
    const problems = load('tenants:\n  - name: a\n    cni: [calico\n').problems;
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0].rule).toMatch(/not valid YAML/);
    expect(problems[0].line).toBeGreaterThanOrEqual(3);
  });

  test('aliases that expand past the YAML limit are a problem, not a crash', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'tenants: []',
    ].join('\n');
    expect(load(bomb).problems).toEqual([
      expect.objectContaining({
        field: '(file)',
        value: undefined,
        rule: expect.stringMatching(/^is not valid YAML: .*alias/),
      }),
    ]);
  });

  test('an invalid value that other rules depend on is reported once, without wrong follow-up problems', () => {
    // Typos of `exposure`, `pki.source` and `state.lock`: judging the fields that depend on them
    // against the defaults would claim that ingressHostname, certPath/keyPath and dynamodbTable are
    // misplaced, which they are not.
    const { text, problems } = mutate([
      [
        ['state'],
        { backend: 's3', bucket: 'fleet-state', region: 'eu-west-1', lock: 'DynamoDB', dynamodbTable: 'locks' },
      ],
      [['tenants', 0, 'controlPlane'], { exposure: 'ingress', ingressHostname: 'alpha.example.com' }],
      [['tenants', 0, 'pki'], { source: 'filez', certPath: 'ca.crt', keyPath: 'ca.key' }],
    ]);
    expect(problems.map((p) => [p.field, p.value, p.line])).toEqual([
      ['state.lock', 'DynamoDB', lineOf(text, 'lock: DynamoDB')],
      ['tenants[0].controlPlane.exposure', 'ingress', lineOf(text, 'exposure: ingress')],
      ['tenants[0].pki.source', 'filez', lineOf(text, 'source: filez')],
    ]);
    expect(problems.map((p) => p.rule)).toEqual([
      expect.stringContaining('(did you mean "dynamodb"?)'),
      expect.stringContaining('(did you mean "Ingress"?)'),
      expect.stringContaining('(did you mean "files"?)'),
    ]);
  });

  test("an incomplete part of a tenant does not hide the tenant's other problems", () => {
    // A taint without `effect` used to skip every cross-field rule of the whole tenant.
    const { text, problems } = mutate([
      [['tenants', 0, 'workers', 0, 'taints'], [{ key: 'dedicated' }]],
      [['tenants', 0, 'workers', 0, 'minSize'], 5],
      [['tenants', 0, 'network'], { podCidr: '10.0.0.0/8', serviceCidr: '10.96.0.0/12' }],
      [['tenants', 0, 'pki'], { certPath: 'ca.crt' }],
    ]);
    expect(problems.map((p) => [p.field, p.value, p.rule])).toEqual([
      ['tenants[0].pki.source', undefined, 'is required'],
      ['tenants[0].workers[0].taints[0].effect', undefined, 'is required'],
      ['tenants[0].network.serviceCidr', '10.96.0.0/12', 'must not overlap the pod CIDR 10.0.0.0/8'],
      ['tenants[0].workers[0].minSize', 5, 'must be <= maxSize (3)'],
    ]);
    expect(problems[2].line).toBe(lineOf(text, 'serviceCidr'));
    expect(problems[3].line).toBe(lineOf(text, 'minSize: 5'));
  });

  test('a file that is not a mapping is named as the file, not as an empty path', () => {
    expect(load('- name: alpha\n- name: beta\n').problems).toEqual([
      {
        where: 'tenants.yaml',
        field: '(file)',
        value: [{ name: 'alpha' }, { name: 'beta' }],
        rule: 'is not a tenants file: its top level is a list; a tenants file is a YAML mapping with a "tenants" list at the top (optional: platform, defaults, state)',
        line: 1,
        column: 1,
      },
    ]);
    expect(load('just text\n').problems.map((p) => [p.field, p.rule.split(';')[0]])).toEqual([
      ['(file)', expect.stringMatching(/^is not a tenants file/)],
    ]);
  });

  test('platform.extraValues must be a mapping (a list became chart values "0", "1", ...)', () => {
    const bad = mutate([[['platform'], { extraValues: ['a', 'b'] }]]);
    expect(bad.problems).toEqual([
      {
        where: 'tenants.yaml',
        field: 'platform.extraValues',
        value: ['a', 'b'],
        rule: 'must be a mapping, not a list',
        line: lineOf(bad.text, 'extraValues'),
        column: 3,
      },
    ]);
    expect(mutate([[['platform'], { extraValues: { image: { pullPolicy: 'Always' } } }]]).problems).toEqual([]);
  });

  test('duplicate keys are errors (the second value must not silently win)', () => {
    const problems = load(BASE + '    name: beta\n').problems;
    expect(problems[0].rule).toMatch(/not valid YAML/);
  });

  test('unknown keys are errors with a did-you-mean hint, at the key', () => {
    const text = BASE.replace('        maxSize: 3', '        maxSise: 3');
    const [p] = load(text).problems;
    expect(p).toMatchObject({
      field: 'tenants[0].workers[0].maxSise',
      value: 'maxSise',
      line: lineOf(text, 'maxSise'),
      column: 9,
    });
    expect(p.rule).toMatch(/unknown key "maxSise" \(did you mean "maxSize"\?\)/);
  });

  test.each<[string, [(string | number)[], unknown][], string, unknown, RegExp]>([
    [
      'wrong type',
      [[['tenants', 0, 'workers', 0, 'minSize'], 'one']],
      'tenants[0].workers[0].minSize',
      'one',
      /whole number/,
    ],
    ['missing tenants', [[['tenants'], undefined]], 'tenants', undefined, /is required/],
    ['bad enum', [[['tenants', 0, 'cni'], 'flannel']], 'tenants[0].cni', 'flannel', /one of "calico", "none"/],
    ['bad tenant name', [[['tenants', 0, 'name'], 'Alpha_1']], 'tenants[0].name', 'Alpha_1', /DNS-1035/],
    [
      'bad version',
      [[['tenants', 0, 'kubernetesVersion'], '1.35']],
      'tenants[0].kubernetesVersion',
      '1.35',
      /Kubernetes version/,
    ],
    [
      'version above the ceiling',
      [[['tenants', 0, 'kubernetesVersion'], 'v1.37.0']],
      'tenants[0].kubernetesVersion',
      'v1.37.0',
      /ceiling/,
    ],
    [
      'bad default version',
      [[['defaults', 'kubernetesVersion'], 'v1.20.0']],
      'defaults.kubernetesVersion',
      'v1.20.0',
      /supported range/,
    ],
    [
      'no version at all',
      [[['defaults', 'kubernetesVersion'], undefined]],
      'tenants[0].kubernetesVersion',
      undefined,
      /required/,
    ],
    [
      'worker newer than control plane',
      [[['tenants', 0, 'workers', 0, 'kubernetesVersion'], 'v1.36.0']],
      'tenants[0].workers[0].kubernetesVersion',
      'v1.36.0',
      /newer than the control plane/,
    ],
    [
      'worker too old',
      [[['tenants', 0, 'workers', 0, 'kubernetesVersion'], 'v1.31.0']],
      'tenants[0].workers[0].kubernetesVersion',
      'v1.31.0',
      /more than 3 minors/,
    ],
    [
      'bad pod CIDR',
      [[['tenants', 0, 'network'], { podCidr: '10.244.0.1/16' }]],
      'tenants[0].network.podCidr',
      '10.244.0.1/16',
      /no host bits/,
    ],
    [
      'overlapping CIDRs',
      [[['tenants', 0, 'network'], { podCidr: '10.0.0.0/8', serviceCidr: '10.96.0.0/16' }]],
      'tenants[0].network.serviceCidr',
      '10.96.0.0/16',
      /overlap the pod CIDR/,
    ],
    [
      'min > max',
      [[['tenants', 0, 'workers', 0, 'minSize'], 5]],
      'tenants[0].workers[0].minSize',
      5,
      /<= maxSize \(3\)/,
    ],
    [
      'desired above max',
      [[['tenants', 0, 'workers', 0, 'desiredSize'], 9]],
      'tenants[0].workers[0].desiredSize',
      9,
      /between minSize \(1\) and maxSize \(3\)/,
    ],
    [
      'port out of range',
      [[['tenants', 0, 'controlPlane'], { port: 70000 }]],
      'tenants[0].controlPlane.port',
      70000,
      /from 1 to 65535/,
    ],
    [
      'empty subnets',
      [[['defaults', 'workers', 'subnetIds'], []]],
      'defaults.workers.subnetIds',
      [],
      /at least one subnet/,
    ],
    [
      'bad subnet id',
      [[['defaults', 'workers', 'subnetIds'], ['sn-1']]],
      'defaults.workers.subnetIds[0]',
      'sn-1',
      /subnet id/,
    ],
    [
      'no instance type',
      [[['defaults', 'workers', 'instanceType'], undefined]],
      'tenants[0].workers[0].instanceType',
      undefined,
      /required/,
    ],
    [
      'unknown DataStore',
      [[['tenants', 0, 'dataStore'], 'mysql-x']],
      'tenants[0].dataStore',
      'mysql-x',
      /known: default/,
    ],
    [
      'files PKI without a key path',
      [[['tenants', 0, 'pki'], { source: 'files', certPath: 'ca.crt' }]],
      'tenants[0].pki.keyPath',
      undefined,
      /required with source files/,
    ],
    [
      'generated PKI with a path',
      [[['tenants', 0, 'pki'], { source: 'generated', keyPath: 'ca.key' }]],
      'tenants[0].pki.keyPath',
      'ca.key',
      /only applies to source files/,
    ],
    [
      'source ranges without LoadBalancer',
      [
        [
          ['tenants', 0, 'controlPlane'],
          {
            exposure: 'NodePort',
            address: '198.51.100.4',
            port: 31443,
            konnectivityPort: 31132,
            loadBalancerSourceRanges: ['10.0.0.0/8'],
          },
        ],
      ],
      'tenants[0].controlPlane.loadBalancerSourceRanges',
      ['10.0.0.0/8'],
      /supported only with the LoadBalancer exposure/,
    ],
    [
      'ingress without hostname',
      [[['tenants', 0, 'controlPlane'], { exposure: 'Ingress', address: '203.0.113.7' }]],
      'tenants[0].controlPlane.ingressHostname',
      undefined,
      /required with the Ingress exposure/,
    ],
    [
      // Kamaji: konnectivity/agent.go dials the advertised address, else the Service ClusterIP.
      'ingress without address',
      [[['tenants', 0, 'controlPlane'], { exposure: 'Ingress', ingressHostname: 'api.example.com' }]],
      'tenants[0].controlPlane.address',
      undefined,
      /required with the Ingress exposure: the IP of the Ingress controller/,
    ],
    [
      // Kamaji: DeclaredControlPlaneAddress has no NodePort branch (MissingValidIPError).
      'node port without address',
      [[['tenants', 0, 'controlPlane'], { exposure: 'NodePort', port: 31443, konnectivityPort: 31132 }]],
      'tenants[0].controlPlane.address',
      undefined,
      /required with the NodePort exposure/,
    ],
    [
      // Kamaji: k8s_service_resource.go sets Ports[0].NodePort = networkProfile.port.
      'node port with the default API port',
      [[['tenants', 0, 'controlPlane'], { exposure: 'NodePort', address: '198.51.100.4', konnectivityPort: 31132 }]],
      'tenants[0].controlPlane.port',
      6443,
      /node-port range 30000-32767/,
    ],
    [
      'node port with the default konnectivity port',
      [[['tenants', 0, 'controlPlane'], { exposure: 'NodePort', address: '198.51.100.4', port: 31443 }]],
      'tenants[0].controlPlane.konnectivityPort',
      8132,
      /node-port range 30000-32767/,
    ],
    [
      'elastic IPs without subnets',
      [[['tenants', 0, 'controlPlane'], { exposure: 'AwsElasticIP' }]],
      'tenants[0].controlPlane.publicSubnetIds',
      [],
      /required with the AwsElasticIP exposure/,
    ],
    [
      'elastic IPs and an address',
      [
        [
          ['tenants', 0, 'controlPlane'],
          { exposure: 'AwsElasticIP', publicSubnetIds: ['subnet-0a1b2c3d4e5f60711'], address: '203.0.113.9' },
        ],
      ],
      'tenants[0].controlPlane.address',
      '203.0.113.9',
      /set to the first Elastic IP/,
    ],
    [
      'subnets without elastic IPs',
      [[['tenants', 0, 'controlPlane'], { publicSubnetIds: ['subnet-0a1b2c3d4e5f60711'] }]],
      'tenants[0].controlPlane.publicSubnetIds',
      ['subnet-0a1b2c3d4e5f60711'],
      /only used with the AwsElasticIP exposure/,
    ],
    [
      'elastic IPs without any region',
      [
        [['defaults', 'awsRegion'], undefined],
        [['tenants', 0, 'workers'], undefined],
        [['tenants', 0, 'controlPlane'], { exposure: 'AwsElasticIP', publicSubnetIds: ['subnet-0a1b2c3d4e5f60711'] }],
      ],
      'platform.awsRegion',
      undefined,
      /required .* when a tenant uses exposure AwsElasticIP/,
    ],
    [
      'hostname address',
      [[['tenants', 0, 'controlPlane'], { address: 'lb.example.com' }]],
      'tenants[0].controlPlane.address',
      'lb.example.com',
      /must be an IP address \(v4 or v6\).*--advertise-address/,
    ],
    [
      'no region with pools',
      [[['defaults', 'awsRegion'], undefined]],
      'defaults.awsRegion',
      undefined,
      /required when a tenant has worker pools/,
    ],
    [
      'duplicate pool names',
      [[['tenants', 0, 'workers', 1], { name: 'general' }]],
      'tenants[0].workers[1].name',
      'general',
      /unique within the tenant/,
    ],
  ])('%s', (_name, edits, field, value, rule) => {
    const { problems } = mutate(edits);
    const match = problems.filter((p) => p.field === field);
    expect(match).toHaveLength(1);
    expect(match[0].value).toEqual(value);
    expect(match[0].rule).toMatch(rule);
    expect(match[0].line).toBeGreaterThanOrEqual(1);
    expect(problems).toHaveLength(1);
  });

  test('duplicate tenant names point at the second one and name the first', () => {
    const text = BASE + '  - name: alpha\n';
    const problems = load(text).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: 'tenants[1].name', value: 'alpha', line: text.split('\n').length - 1 });
    expect(problems[0].rule).toMatch(/tenants\[0\] has the same name/);
  });

  test('DataStore rules: etcd needs client TLS, SQL needs auth, names unique', () => {
    const ref = { name: 's', namespace: 'kamaji-system', keyPath: 'k' };
    const { problems } = mutate([
      [
        ['platform'],
        {
          dataStores: [
            {
              name: 'etcd-a',
              driver: 'etcd',
              endpoints: ['etcd:2379'],
              tls: { certificateAuthority: { certificate: ref } },
            },
            { name: 'pg', driver: 'PostgreSQL', endpoints: ['pg:5432'] },
            { name: 'pg', driver: 'MySQL', endpoints: ['my'], basicAuth: { username: ref, password: ref } },
          ],
        },
      ],
    ]);
    expect(problems.map((p) => [p.field, p.rule.slice(0, 30)])).toEqual([
      ['platform.dataStores[0].tls.certificateAuthority.privateKey', 'is required for etcd (Kamaji s'],
      ['platform.dataStores[0].tls.clientCertificate', 'is required for etcd'],
      ['platform.dataStores[1].basicAuth', 'PostgreSQL DataStores need bas'],
      ['platform.dataStores[2].endpoints[0]', 'must be host:port'],
      ['platform.dataStores[2].name', 'must be unique among platform.'],
    ]);
  });

  test('inline secret content is impossible: a DataStore takes Secret references only', () => {
    const { problems } = mutate([
      [
        ['platform'],
        {
          dataStores: [
            {
              name: 'pg',
              driver: 'PostgreSQL',
              endpoints: ['pg:5432'],
              basicAuth: { username: 'admin', password: 'hunter2' },
            },
          ],
        },
      ],
    ]);
    expect(problems.map((p) => p.field)).toEqual([
      'platform.dataStores[0].basicAuth.username',
      'platform.dataStores[0].basicAuth.password',
    ]);
    expect(problems[0].rule).toMatch(/must be a mapping/);
  });

  test('ten different mistakes (structural and cross-field) give ten precise problems', () => {
    const text = `defaults:
  awsRegion: eu-west-1
  kubernetesVersion: v1.35.3
  workers: { instanceType: m7i.large, subnetIds: [subnet-0a1b2c3d4e5f60718] }
tenants:
  - name: Alpha
    kubernetesVersion: v1.37.1
    network: { podCidr: 10.0.0.0/8, serviceCidr: 10.96.0.0/12 }
    dataStore: nowhere
    controlPlane: { exposure: Ingress, address: 203.0.113.7 }
    pki: { source: files, certPath: ca.crt }
    workers:
      - { name: a, minSize: 4, maxSize: 2, desiredSize: 3 }
      - { name: a }
      - { name: b, subnetIds: [bad] }
  - name: beta
    cni: flanel
`;
    const problems = load(text).problems;
    const byLine = (a: string, b: string) => parseInt(a) - parseInt(b) || a.localeCompare(b);
    expect(problems.map((p) => `${p.line}:${p.field}`).sort(byLine)).toEqual(
      [
        '6:tenants[0].name',
        '7:tenants[0].kubernetesVersion',
        '8:tenants[0].network.serviceCidr',
        '10:tenants[0].controlPlane.ingressHostname',
        '11:tenants[0].pki.keyPath',
        '9:tenants[0].dataStore',
        '17:tenants[1].cni',
        '13:tenants[0].workers[0].minSize',
        '14:tenants[0].workers[1].name',
        '15:tenants[0].workers[2].subnetIds[0]',
      ].sort(byLine),
    );
  });
});
