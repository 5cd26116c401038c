import { main } from '../src/cli';
import { loadTenantsFile } from '../src/model/tenants-file';
import { Problems } from '../src/model/errors';
import { checkDistinctState, stateLocation } from '../src/model/state';
import { ensureExamplePki, synthEditedFleet } from './support/fleet';

beforeAll(ensureExamplePki);

const BASE = `defaults: { kubernetesVersion: v1.35.3 }
tenants: [{ name: a }]
`;

describe('fleet state backends', () => {
  test('s3: every stack of the fleet gets its own key, encrypted, with the S3 lockfile', () => {
    const { stacks } = synthEditedFleet((d) =>
      d.set(
        'state',
        d.createNode({ backend: 's3', bucket: 'acme-kamaji-state', region: 'eu-west-1', keyPrefix: 'prod' }),
      ),
    );
    const backends = Object.entries(stacks).map(([id, s]) => [id, s.terraform!.backend.s3]);
    const keys = backends.map(([, b]) => b.key);
    expect(new Set(keys).size).toBe(Object.keys(stacks).length);
    for (const [id, b] of backends) {
      expect(b).toEqual({
        bucket: 'acme-kamaji-state',
        key: `prod/${id}.tfstate`,
        region: 'eu-west-1',
        encrypt: true,
        use_lockfile: true,
      });
    }
  });

  test('s3 with DynamoDB locking', () => {
    const { stacks } = synthEditedFleet((d) =>
      d.set(
        'state',
        d.createNode({
          backend: 's3',
          bucket: 'acme-kamaji-state',
          region: 'eu-west-1',
          lock: 'dynamodb',
          dynamodbTable: 'locks',
        }),
      ),
    );
    for (const s of Object.values(stacks)) {
      expect(s.terraform!.backend.s3).toMatchObject({ dynamodb_table: 'locks', encrypt: true });
      expect(s.terraform!.backend.s3.use_lockfile).toBeUndefined();
    }
  });

  test('remote: one workspace per stack', () => {
    const { stacks } = synthEditedFleet((d) =>
      d.set('state', d.createNode({ backend: 'remote', organization: 'acme', workspacePrefix: 'kamaji-prod-' })),
    );
    const workspaces = Object.entries(stacks).map(([id, s]) => [id, s.terraform!.cloud.workspaces.name]);
    for (const [id, ws] of workspaces) expect(ws).toBe(`kamaji-prod-${id}`);
  });

  test('local (the default): relative paths only, so synth stays deterministic', () => {
    const { stacks, texts } = synthEditedFleet((d) => d.delete('state'));
    for (const [id, s] of Object.entries(stacks)) {
      expect(s.terraform!.backend).toEqual({ local: { path: `../../../terraform.${id}.tfstate` } });
      expect(texts[id]).not.toContain(process.cwd());
    }
  });

  test.each<[string, string, string, RegExp]>([
    [
      'bad bucket name',
      '{ backend: s3, bucket: Acme_State, region: eu-west-1 }',
      'state.bucket',
      /valid S3 bucket name/,
    ],
    ['missing region', '{ backend: s3, bucket: acme-state }', 'state.region', /required with backend s3/],
    [
      'lock table without lock: dynamodb',
      '{ backend: s3, bucket: acme-state, region: eu-west-1, dynamodbTable: t }',
      'state.dynamodbTable',
      /lock: dynamodb/,
    ],
    [
      'remote without organization',
      '{ backend: remote, workspacePrefix: k- }',
      'state.organization',
      /required with backend remote/,
    ],
    ['unknown backend', '{ backend: gcs }', 'state.backend', /one of "local", "s3", "remote"/],
  ])('rejects %s (%s) with path and line', (_name, state, field, rule) => {
    const problems = loadTenantsFile(`${BASE}state: ${state}\n`, 't.yaml').problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field, line: 3 });
    expect(problems[0].rule).toMatch(rule);
  });

  test('two stacks mapping to the same state are reported', () => {
    const problems = new Problems('fleet');
    const state = { backend: 's3' as const, bucket: 'b', region: 'eu-west-1' };
    checkDistinctState(state, ['platform', 'tenant-a-nodes', 'platform'], problems);
    expect(problems.all).toEqual([
      expect.objectContaining({
        field: 'state',
        value: stateLocation(state, 'platform'),
        rule: expect.stringMatching(/would share one state/),
      }),
    ]);
  });
});

describe('cdktf-kamaji stacks', () => {
  test('prints the fleet in deploy waves, as text and as JSON', async () => {
    const { outdir } = synthEditedFleet(() => undefined);
    let out = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
    try {
      expect(await main(['stacks', outdir, '--format', 'json'])).toBe(0);
      const json = JSON.parse(out);
      expect(json.waves.map((w: { stacks: string[] }) => w.stacks)).toEqual([
        ['platform'],
        ['datastores'],
        ['tenant-alpha-control-plane', 'tenant-bravo-control-plane', 'tenant-charlie-control-plane'],
        ['tenant-alpha-nodes', 'tenant-bravo-nodes', 'tenant-charlie-nodes'],
      ]);
      out = '';
      expect(await main(['stacks', outdir])).toBe(0);
      expect(out.split('\n')[0]).toBe('wave 0: platform');
    } finally {
      spy.mockRestore();
    }
  });
});
