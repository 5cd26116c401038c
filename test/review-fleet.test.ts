import { parseDocument } from 'yaml';
import { readSynthOutput, review } from '../src/review';
import { renderMarkdown } from '../src/review/markdown';
import { ensureExamplePki, EXAMPLE_FLEET, synthEditedFleet, synthFleetFile } from './support/fleet';

/**
 * Review fixtures built the way a pull request produces them: the fleet example synthesized before
 * and after an edit of its tenants file. Each change must raise exactly the expected flags.
 */
type Edit = (doc: ReturnType<typeof parseDocument>) => void;

let base: ReturnType<typeof readSynthOutput>;

beforeAll(() => {
  ensureExamplePki();
  base = readSynthOutput(synthFleetFile(EXAMPLE_FLEET).outdir);
});

function flagsAfter(edit: Edit): string[] {
  const head = readSynthOutput(synthEditedFleet(edit).outdir);
  return review(base, head).flags.map((f) => `${f.kind}:${f.tenant ?? '-'}`);
}

describe('review of fleet changes', () => {
  test.each<[string, Edit, string[]]>([
    ['add a tenant', (d) => d.addIn(['tenants'], d.createNode({ name: 'delta', workers: [{ name: 'general' }] })), []],
    [
      'remove a tenant',
      (d) => d.deleteIn(['tenants', 2]),
      ['control-plane-removed:charlie', 'stack-removed:charlie', 'stack-removed:charlie'],
    ],
    // A new kubelet version is new node configuration: the pool rolls (instance refresh).
    [
      'bump a version by one minor',
      (d) => d.setIn(['tenants', 1, 'kubernetesVersion'], 'v1.35.0'),
      ['worker-pool-rolled:bravo'],
    ],
    [
      'bump a version by two minors',
      (d) => d.setIn(['tenants', 1, 'kubernetesVersion'], 'v1.36.0'),
      ['version-skip:bravo', 'worker-pool-rolled:bravo'],
    ],
    [
      'downgrade',
      (d) => d.setIn(['tenants', 1, 'kubernetesVersion'], 'v1.33.9'),
      ['version-downgrade:bravo', 'worker-pool-rolled:bravo'],
    ],
    [
      'change the CA source',
      (d) =>
        d.setIn(
          ['tenants', 0, 'pki'],
          d.createNode({ source: 'files', certPath: 'pki/bravo/ca.crt', keyPath: 'pki/bravo/ca.key' }),
        ),
      ['ca-changed:alpha'],
    ],
    [
      'switch token delivery',
      (d) => d.setIn(['tenants', 0, 'workers', 0, 'tokenDelivery'], 'inline'),
      ['token-delivery-changed:alpha', 'worker-pool-rolled:alpha'],
    ],
    ['resize a pool', (d) => d.setIn(['tenants', 2, 'workers', 0, 'maxSize'], 8), []],
    [
      // One subnet less: the second Elastic IP is released (the first stays the address).
      'drop an Elastic IP subnet',
      (d) => d.setIn(['tenants', 2, 'controlPlane', 'publicSubnetIds'], d.createNode(['subnet-0f1e2d3c4b5a60711'])),
      ['endpoint-changed:charlie'],
    ],
    [
      'move a tenant from its load-balancer IP to Elastic IPs',
      (d) =>
        d.setIn(
          ['tenants', 0, 'controlPlane'],
          d.createNode({ exposure: 'AwsElasticIP', publicSubnetIds: ['subnet-0f1e2d3c4b5a60711'] }),
        ),
      ['endpoint-changed:alpha'],
    ],
    [
      'add a certificate SAN (not an endpoint change)',
      (d) =>
        d.setIn(
          ['tenants', 2, 'controlPlane', 'certSANs'],
          d.createNode(['charlie.k8s.example.com', 'api.example.com']),
        ),
      [],
    ],
    [
      'turn off konnectivity',
      (d) => d.setIn(['tenants', 0, 'controlPlane'], d.createNode({ konnectivity: false })),
      ['konnectivity-off:alpha'],
    ],
    [
      // charlie's general pool keeps SSM: the stack still has the SecureString parameter.
      'switch token delivery of one pool of two',
      (d) => d.setIn(['tenants', 2, 'workers', 1, 'tokenDelivery'], 'ssm'),
      ['token-delivery-changed:charlie', 'worker-pool-rolled:charlie'],
    ],
    [
      'bump the image serial of one pool',
      (d) => d.setIn(['tenants', 2, 'workers', 1, 'imageSerial'], '20250821'),
      ['worker-image-changed:charlie'],
    ],
    [
      'pin a pool to an AMI id',
      (d) => d.setIn(['tenants', 0, 'workers', 0, 'amiId'], 'ami-0123456789abcdef0'),
      ['worker-image-changed:alpha'],
    ],
    ['open egress of a pool (no flag)', (d) => d.setIn(['tenants', 0, 'workers', 0, 'egress'], 'restricted'), []],
    [
      'move a tenant to another DataStore',
      (d) => d.setIn(['tenants', 0, 'dataStore'], 'postgres-gold'),
      ['datastore-changed:alpha'],
    ],
  ])('%s', (_name, edit, expected) => {
    expect(flagsAfter(edit).sort()).toEqual([...expected].sort());
  });

  test('the report of a real change is deterministic and holds no secret', () => {
    const edit: Edit = (d) => {
      d.setIn(['tenants', 0, 'workers', 0, 'tokenDelivery'], 'inline');
      d.setIn(['tenants', 1, 'kubernetesVersion'], 'v1.35.0');
    };
    const a = renderMarkdown(review(base, readSynthOutput(synthEditedFleet(edit).outdir)));
    const b = renderMarkdown(review(base, readSynthOutput(synthEditedFleet(edit).outdir)));
    expect(a).toBe(b);
    expect(a).toContain('token-delivery-changed');
    expect(a).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    expect(a).not.toMatch(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/);
  });

  test('a worker change that only reaches the user data local shows on the launch template', () => {
    // AwsWorkerPool keeps user data in a stack local; the launch template's own text stays
    // `${base64encode(local.<Pool>_UserData_...)}`, yet every node of the pool is rolled.
    const r = review(
      base,
      readSynthOutput(synthEditedFleet((d) => d.setIn(['tenants', 1, 'kubernetesVersion'], 'v1.35.0')).outdir),
    );
    const nodes = r.stacks.find((s) => s.id === 'tenant-bravo-nodes')!;
    expect(nodes.status).toBe('changed');
    const lt = nodes.resources.find((c) => c.type === 'aws_launch_template')!;
    expect(lt).toMatchObject({ action: 'update' });
    expect(lt.attributes).toEqual([
      {
        path: 'user_data',
        before: '(sensitive)',
        after: '(sensitive)',
        via: expect.stringMatching(/^local\.PoolGeneral_UserData_[0-9A-F]{8}$/),
      },
    ]);
    expect(renderMarkdown(r)).toMatch(/`user_data` \(through `local\.PoolGeneral_UserData_[0-9A-F]{8}`\)/);
    expect(r.stacks.find((s) => s.id === 'tenant-alpha-nodes')!.status).toBe('unchanged');
  });
});
