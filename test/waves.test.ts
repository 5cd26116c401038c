import { ValidationError } from '../src/model/errors';
import { deployWaves, StackNode } from '../src/model/waves';

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
