import fc from 'fast-check';
import { parseDocument, stringify } from 'yaml';
import { loadTenantsFile } from '../src/model/tenants-file';
import { validFile } from './support/arbitraries';

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
