import { ValidationError } from '../src/model/errors';
import { batchWaves, deployPlan, deployWaves, GITHUB_MATRIX_LIMIT, StackNode } from '../src/model/waves';

const fleet = (tenants: string[], datastores = true): StackNode[] => [
  { id: 'platform', dependencies: [] },
  ...(datastores ? [{ id: 'datastores', dependencies: ['platform'] }] : []),
  ...tenants.flatMap((t) => [
    { id: `tenant-${t}-control-plane`, dependencies: datastores ? ['platform', 'datastores'] : ['platform'] },
    { id: `tenant-${t}-nodes`, dependencies: [`tenant-${t}-control-plane`] },
  ]),
];

describe('deployWaves', () => {
  test('platform, datastores, control planes, nodes', () => {
    expect(deployWaves(fleet(['b', 'a']))).toEqual([
      ['platform'],
      ['datastores'],
      ['tenant-a-control-plane', 'tenant-b-control-plane'],
      ['tenant-a-nodes', 'tenant-b-nodes'],
    ]);
  });

  test('the number of waves does not grow with the number of tenants', () => {
    const many = Array.from({ length: 300 }, (_, i) => `t${i}`);
    const waves = deployWaves(fleet(many));
    expect(waves).toHaveLength(4);
    expect(waves[3]).toHaveLength(300);
  });

  test('without datastores, control planes come right after the platform', () => {
    expect(deployWaves(fleet(['a'], false))).toEqual([['platform'], ['tenant-a-control-plane'], ['tenant-a-nodes']]);
  });

  test('a stack never lands in the wave of a dependency or earlier', () => {
    const stacks = fleet(['a', 'b', 'c']);
    const waves = deployWaves(stacks);
    const waveOf = new Map(waves.flatMap((ids, w) => ids.map((id) => [id, w] as const)));
    for (const s of stacks) for (const d of s.dependencies) expect(waveOf.get(s.id)!).toBeGreaterThan(waveOf.get(d)!);
  });

  test('unknown dependencies and cycles are errors', () => {
    expect(() => deployWaves([{ id: 'a', dependencies: ['ghost'] }])).toThrow(/must name a stack/);
    let error: unknown;
    try {
      deployWaves([
        { id: 'a', dependencies: ['b'] },
        { id: 'b', dependencies: ['a'] },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/cycle/);
  });
});

describe('deployPlan: decommissioned stacks leave the apply waves and are destroyed dependents first', () => {
  const gone =
    (ids: string[]) =>
    (s: StackNode): StackNode => ({ ...s, decommission: ids.includes(s.id) });

  test('a decommissioned tenant: its nodes stack, then its control plane, after the applies', () => {
    const stacks = fleet(['a', 'b', 'c']).map(gone(['tenant-b-control-plane', 'tenant-b-nodes']));
    expect(deployPlan(stacks)).toEqual({
      waves: [
        ['platform'],
        ['datastores'],
        ['tenant-a-control-plane', 'tenant-c-control-plane'],
        ['tenant-a-nodes', 'tenant-c-nodes'],
      ],
      destroy: [['tenant-b-nodes'], ['tenant-b-control-plane']],
    });
  });

  test('only the nodes stack (every pool decommissioned): one destroy wave', () => {
    expect(deployPlan(fleet(['a', 'b']).map(gone(['tenant-a-nodes']))).destroy).toEqual([['tenant-a-nodes']]);
  });

  test('nothing decommissioned: no destroy waves', () => {
    expect(deployPlan(fleet(['a'])).destroy).toEqual([]);
  });

  test('a stack that stays may not depend on one that goes', () => {
    expect(() => deployPlan(fleet(['a']).map(gone(['tenant-a-control-plane'])))).toThrow(
      /tenant-a-nodes.*must not be decommissioned while "tenant-a-nodes" stays/s,
    );
  });
});

describe('batchWaves: within the job budget of one workflow run', () => {
  const ids = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);

  test('batches of the given size when they fit', () => {
    expect(batchWaves([ids(5, 'a'), ['b']], 2)).toEqual([[['a0', 'a1'], ['a2', 'a3'], ['a4']], [['b']]]);
  });

  test('1,000 tenants: the size grows just enough that all waves together stay within 256 jobs', () => {
    const waves = [['platform'], ['datastores'], ids(1000, 'cp'), ids(1000, 'nodes')];
    const out = batchWaves(waves, 4);
    const jobs = out.reduce((n, w) => n + w.length, 0);
    expect(jobs).toBe(252); // the README: "1,000 tenants (2,002 stacks) deploy as 252 jobs of 8 stacks"
    expect(jobs).toBeLessThanOrEqual(GITHUB_MATRIX_LIMIT);
    expect(out[2][0]).toHaveLength(8); // 4 would need 502 jobs; 8 needs 252
    expect(batchWaves(waves, 8)).toEqual(out); // the workflow's default batch size
    expect(out.map((w) => w.flat())).toEqual(waves); // every stack once, order kept
    // and no smaller size would do
    expect(2 + 2 * Math.ceil(1000 / 7)).toBeGreaterThan(GITHUB_MATRIX_LIMIT);
  });

  test('bad sizes and more waves than jobs are refused', () => {
    expect(() => batchWaves([['a']], 0)).toThrow(/batch size must be >= 1/);
    expect(() => batchWaves([['a'], ['b'], ['c']], 1, 2)).toThrow(/3 waves need at least 3 jobs/);
  });
});
