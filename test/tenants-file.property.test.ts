import fc from 'fast-check';
import { parseDocument, stringify } from 'yaml';
import { loadTenantsFile } from '../src/model/tenants-file';

/** Arbitrary valid tenants files: distinct names, versions in range, consistent pool sizes. */
const tenantName = fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/);
const version = fc.record({ minor: fc.integer({ min: 30, max: 36 }), patch: fc.integer({ min: 0, max: 12 }) });
const pool = fc
  .record({
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/),
    min: fc.integer({ min: 0, max: 5 }),
    extra: fc.integer({ min: 0, max: 5 }),
    delivery: fc.constantFrom('ssm', 'inline'),
    labels: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z0-9]{0,8}$/), { maxKeys: 2 }),
  })
  .map((p) => ({
    name: p.name,
    minSize: p.min,
    maxSize: p.min + p.extra,
    desiredSize: p.min,
    tokenDelivery: p.delivery,
    labels: p.labels,
  }));

export const validFile = fc
  .uniqueArray(
    fc.record({ name: tenantName, v: version, pools: fc.uniqueArray(pool, { selector: (p) => p.name, maxLength: 2 }) }),
    {
      selector: (t) => t.name,
      minLength: 1,
      maxLength: 4,
    },
  )
  .map((tenants) => ({
    defaults: {
      awsRegion: 'eu-west-1',
      workers: { instanceType: 'm7i.large', subnetIds: ['subnet-0a1b2c3d4e5f60718'] },
    },
    tenants: tenants.map((t) => ({
      name: t.name,
      kubernetesVersion: `v1.${t.v.minor}.${t.v.patch}`,
      workers: t.pools,
    })),
  }));

/** Paths of every node of a plain value. */
function pathsOf(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...at, i])));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...at, k]));
  return out;
}

const badValue = fc.oneof(
  fc.constant(null),
  fc.constant(-1),
  fc.constant(''),
  fc.constant('v9.9.9'),
  fc.constant('10.0.0.1/8'),
  fc.constant([]),
  fc.constant({ surprise: true }),
  fc.string(),
);

describe('tenants file, property-based', () => {
  test('generated valid files load without problems', () => {
    fc.assert(
      fc.property(validFile, (file) => {
        const loaded = loadTenantsFile(stringify(file), 'gen.yaml');
        expect(loaded.problems).toEqual([]);
        expect(loaded.tenants).toHaveLength(file.tenants.length);
      }),
      { numRuns: 200 },
    );
  });

  test('mutated files never crash: they load or report problems with a path and a rule', () => {
    fc.assert(
      fc.property(validFile, fc.nat(), badValue, fc.boolean(), (file, pick, value, remove) => {
        const paths = pathsOf(file).filter((p) => p.length > 0);
        const target = paths[pick % paths.length];
        const doc = parseDocument(stringify(file));
        if (remove) doc.deleteIn(target);
        else doc.setIn(target, doc.createNode(value));
        const loaded = loadTenantsFile(doc.toString(), 'mutated.yaml');
        for (const p of loaded.problems) {
          expect(p.field).not.toBe('');
          expect(p.rule.length).toBeGreaterThan(5);
          expect(p.line).toBeGreaterThanOrEqual(1);
        }
        expect(loaded.problems.length > 0 || loaded.tenants !== undefined).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  test('unknown keys anywhere are always reported', () => {
    fc.assert(
      fc.property(validFile, fc.nat(), fc.stringMatching(/^x[a-zA-Z]{2,10}$/), (file, pick, key) => {
        const objects = pathsOf(file).filter((p) => {
          const v = p.reduce<any>((o, k) => o?.[k], file);
          return (
            v &&
            typeof v === 'object' &&
            !Array.isArray(v) &&
            !(p[p.length - 2] === 'labels' || p[p.length - 1] === 'labels')
          );
        });
        const target = objects[pick % objects.length];
        const doc = parseDocument(stringify(file));
        doc.setIn([...target, key], 1);
        const problems = loadTenantsFile(doc.toString(), 'k.yaml').problems;
        expect(problems.some((p) => p.rule.startsWith(`unknown key "${key}"`))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
