import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { App } from 'cdktf';
import { ValidationError } from '../src/model/errors';
import { loadTenantsFile } from '../src/model/tenants-file';
import { readSynthOutput } from '../src/review/synth-output';
import {
  CACHE_FILE,
  runFleetSynth,
  stableJson,
  synthCache,
  synthFleetFile,
  synthJobs,
  unitKeys,
} from '../src/synth/fleet-synth';
import { buildFleet } from '../stacks/fleet';
import { tenantsFileChecks } from '../stacks/fleet-checks';
import { tempDir } from './support/synth';

/**
 * Sharded, chunked and incremental fleet synth (issue 15) against the reference: one cdktf App of the
 * whole fleet, `App.synth()` into a fresh folder (what examples/fleet/app.ts did before). "Identical"
 * means manifest.json and every stack folder's files, byte for byte, and no other stack folder.
 */

interface TenantSpec {
  readonly name: string;
  readonly minor: number;
  readonly replicas: number;
  readonly net: number;
  readonly minSize: number;
  readonly pools: number;
}
interface FleetSpec {
  readonly tenants: readonly TenantSpec[];
  /** A platform setting every stack could depend on. */
  readonly chart: string;
  readonly state: 'local' | 's3';
}

function fleetYaml(fleet: FleetSpec): string {
  const lines = [
    'platform:',
    '  kubeconfigPath: ~/.kube/config',
    `  kamajiImageTag: ${fleet.chart}`,
    ...(fleet.state === 's3' ? ['state:', '  backend: s3', '  bucket: fleet-state', '  region: eu-west-1'] : []),
    'defaults:',
    '  awsRegion: eu-west-1',
    '  workers:',
    '    subnetIds: [subnet-0a1b2c3d4e5f60718]',
    'tenants:',
  ];
  for (const t of fleet.tenants) {
    lines.push(
      `  - name: ${t.name}`,
      `    kubernetesVersion: v1.${t.minor}.2`,
      `    controlPlane: { replicas: ${t.replicas} }`,
      `    network: { podCidr: 10.${64 + t.net}.0.0/16, serviceCidr: 172.${16 + t.net}.0.0/16 }`,
    );
    if (t.pools > 0) {
      lines.push('    workers:');
      for (let p = 0; p < t.pools; p++) {
        lines.push(
          `      - { name: pool${p}, instanceType: m7i.large, minSize: ${t.minSize}, maxSize: ${t.minSize + 2} }`,
        );
      }
    }
  }
  return lines.join('\n') + '\n';
}

const tenant = (i: number, over: Partial<TenantSpec> = {}): TenantSpec => ({
  name: `t${i}`,
  minor: 33 + (i % 3),
  replicas: 2 + (i % 2),
  net: i % 60,
  minSize: 1 + (i % 2),
  pools: 1,
  ...over,
});
const fleetOf = (n: number): FleetSpec => ({
  tenants: Array.from({ length: n }, (_, i) => tenant(i)),
  chart: 'v1.0.0',
  state: 'local',
});

/** The reference synth: one App, the whole fleet, a fresh folder. */
function referenceSynth(file: string): string {
  const outdir = tempDir('fleet-synth-ref-');
  const loaded = loadTenantsFile(fs.readFileSync(file, 'utf8'), file, tenantsFileChecks(file));
  const app = new App({ outdir });
  buildFleet(app, loaded, path.dirname(file));
  app.synth();
  return outdir;
}

/** manifest.json and every file under stacks/, by relative path. */
function snapshot(outdir: string): Record<string, string> {
  const files: Record<string, string> = {
    'manifest.json': fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'),
  };
  const stacks = path.join(outdir, 'stacks');
  for (const rel of fs.readdirSync(stacks, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = path.join(stacks, rel);
    if (fs.statSync(full).isFile()) files[`stacks/${rel}`] = fs.readFileSync(full, 'utf8');
  }
  return files;
}

function expectIdentical(actual: string, reference: string): void {
  const a = snapshot(actual);
  const r = snapshot(reference);
  expect(Object.keys(a)).toEqual(Object.keys(r));
  for (const key of Object.keys(r)) {
    if (a[key] !== r[key]) throw new Error(`${key} differs from the single-process synth`);
  }
}

function writeFleet(dir: string, fleet: FleetSpec): string {
  const file = path.join(dir, 'tenants.yaml');
  fs.writeFileSync(file, fleetYaml(fleet));
  return file;
}

// Paths in synth output are relative to the working directory: keep them short and stable.
const rel = (p: string) => path.relative(process.cwd(), p);

describe('sharded and chunked fleet synth', () => {
  test('two worker processes, chunks of 2: manifest.json and every stack file byte-identical to one App', async () => {
    const dir = tempDir('fleet-synth-');
    const file = rel(writeFleet(dir, fleetOf(7)));
    const outdir = path.join(dir, 'out');
    const report = await synthFleetFile(file, outdir, { jobs: 2, chunkSize: 2, cache: false, minTenantsPerProcess: 1 });
    expect(report.processes).toBe(2);
    expect(report.chunks).toBe(4);
    expect(report.stacks).toBe(15);
    expectIdentical(outdir, referenceSynth(file));
    // Only the synth output is left: no work folders, no cache index without the cache.
    expect(fs.readdirSync(outdir).sort()).toEqual(['manifest.json', 'stacks']);
    // Our review reads the merged output like any cdktf.out.
    const read = readSynthOutput(outdir);
    expect(read.stacks.size).toBe(15);
    expect(read.stacks.get('tenant-t6-nodes')!.dependencies).toEqual(['tenant-t6-control-plane']);
    expect(read.stacks.get('tenant-t6-control-plane')!.dependencies).toEqual(['platform']);
  }, 60_000);

  test('a tenant without pools (no nodes stack) and an s3 state backend merge the same way', async () => {
    const dir = tempDir('fleet-synth-');
    const fleet: FleetSpec = { ...fleetOf(5), state: 's3' };
    const tenants = fleet.tenants.map((t, i) => (i === 2 ? { ...t, pools: 0 } : t));
    const file = rel(writeFleet(dir, { ...fleet, tenants }));
    const outdir = path.join(dir, 'out');
    const report = await synthFleetFile(file, outdir, { jobs: 1, chunkSize: 2, cache: false });
    expect(report.stacks).toBe(10);
    expectIdentical(outdir, referenceSynth(file));
  }, 60_000);

  test('a bad tenants file: every problem, nothing written', async () => {
    const dir = tempDir('fleet-synth-');
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'tenants:\n  - name: Alpha\n    kubernetesVersion: v1.39.0\n');
    const outdir = path.join(dir, 'out');
    const errors: string[] = [];
    const code = await runFleetSynth(file, outdir, {}, (t) => errors.push(t));
    expect(code).toBe(1);
    expect(errors.join('')).toContain('2 problem(s); nothing was synthesized');
    expect(errors.join('')).toContain('tenants[0].kubernetesVersion');
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test('KAMAJI_SYNTH_JOBS and KAMAJI_SYNTH_CACHE: bad values name the variable, the value and what is allowed', () => {
    expect(synthJobs('3')).toBe(3);
    expect(synthJobs(undefined)).toBeGreaterThanOrEqual(1);
    for (const bad of ['0', '-1', '1.5', 'two', '257']) {
      expect(() => synthJobs(bad)).toThrow(ValidationError);
      expect(() => synthJobs(bad)).toThrow(/KAMAJI_SYNTH_JOBS.*must be a whole number from 1 to 256/s);
    }
    expect(synthCache(undefined)).toBe(true);
    expect(synthCache('on')).toBe(true);
    expect(synthCache('off')).toBe(false);
    expect(() => synthCache('no')).toThrow(/KAMAJI_SYNTH_CACHE.*"no".*must be "on" or "off"/s);
  });
});

describe('incremental fleet synth', () => {
  test('adding one tenant rewrites only its stacks; the others stay untouched', async () => {
    const dir = tempDir('fleet-synth-');
    const outdir = path.join(dir, 'out');
    const base = fleetOf(4);
    const file = rel(writeFleet(dir, base));
    const first = await synthFleetFile(file, outdir, { jobs: 1 });
    expect(first.rewritten).toHaveLength(9);
    const before = fs.statSync(path.join(outdir, 'stacks', 'tenant-t0-nodes', 'cdk.tf.json')).mtimeMs;

    writeFleet(dir, { ...base, tenants: [...base.tenants, tenant(9)] });
    const second = await synthFleetFile(file, outdir, { jobs: 1 });
    expect([...second.rewritten].sort()).toEqual(['tenant-t9-control-plane', 'tenant-t9-nodes']);
    expect(fs.statSync(path.join(outdir, 'stacks', 'tenant-t0-nodes', 'cdk.tf.json')).mtimeMs).toBe(before);
    expectIdentical(outdir, referenceSynth(file));

    // Nothing changed: nothing is synthesized.
    const third = await synthFleetFile(file, outdir, { jobs: 1 });
    expect(third.rewritten).toEqual([]);
    expect(third.processes).toBe(0);
    expectIdentical(outdir, referenceSynth(file));
  }, 60_000);

  test('any doubt re-synthesizes: an edited or deleted stack file, or a lost index', async () => {
    const dir = tempDir('fleet-synth-');
    const outdir = path.join(dir, 'out');
    const file = rel(writeFleet(dir, fleetOf(3)));
    await synthFleetFile(file, outdir, { jobs: 1 });
    const edited = path.join(outdir, 'stacks', 'tenant-t1-control-plane', 'cdk.tf.json');
    fs.appendFileSync(edited, ' ');
    // The same size, another byte: caught by the hash once the modification time differs.
    const sameSize = path.join(outdir, 'stacks', 'tenant-t2-nodes', 'cdk.tf.json');
    const text = fs.readFileSync(sameSize, 'utf8');
    fs.writeFileSync(sameSize, text.replace('"aws_launch_template"', '"aws_launch_templatf"'));
    expect(fs.statSync(sameSize).size).toBe(Buffer.byteLength(text));
    fs.rmSync(path.join(outdir, 'stacks', 'platform'), { recursive: true });
    const again = await synthFleetFile(file, outdir, { jobs: 1 });
    expect([...again.rewritten].sort()).toEqual([
      'platform',
      'tenant-t1-control-plane',
      'tenant-t1-nodes',
      'tenant-t2-control-plane',
      'tenant-t2-nodes',
    ]);
    expectIdentical(outdir, referenceSynth(file));

    fs.rmSync(path.join(outdir, CACHE_FILE));
    const full = await synthFleetFile(file, outdir, { jobs: 1 });
    expect(full.rewritten).toHaveLength(7);
    // The index holds hashes and manifest entries only: no value of the tenants file.
    const index = fs.readFileSync(path.join(outdir, CACHE_FILE), 'utf8');
    expect(index).not.toContain('10.65.0.0');
    expect(index).not.toContain('kubeconfig');
  }, 60_000);

  test('cache keys: a platform setting changes every key, a tenant edit only that tenant', () => {
    const dir = tempDir('fleet-synth-');
    const keysOf = (fleet: FleetSpec) => {
      const file = writeFleet(dir, fleet);
      return unitKeys(loadTenantsFile(fs.readFileSync(file, 'utf8'), file), file)!;
    };
    const base = keysOf(fleetOf(3));
    const platform = keysOf({ ...fleetOf(3), chart: 'v1.0.1' });
    const state = keysOf({ ...fleetOf(3), state: 's3' });
    const oneTenant = keysOf({
      ...fleetOf(3),
      tenants: fleetOf(3).tenants.map((t, i) => (i === 1 ? { ...t, minSize: 3 } : t)),
    });
    for (const unit of base.keys()) {
      expect(platform.get(unit)).not.toBe(base.get(unit));
      expect(state.get(unit)).not.toBe(base.get(unit));
      expect(oneTenant.get(unit) === base.get(unit)).toBe(unit !== 't1');
    }
    expect(keysOf(fleetOf(3))).toEqual(base);
  });

  test('stableJson sorts keys at every depth and leaves out undefined members', () => {
    expect(stableJson({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"f":2}]},"b":1}',
    );
    expect(stableJson({ a: 1, b: 2 })).toBe(stableJson({ b: 2, a: 1 }));
  });

  // Random sequences of edits; after each, the incremental synth into the same folder must equal a
  // full synth of the edited file. Small fleets keep it fast; the shapes of edits are what matter.
  test('property: incremental == full synth, byte for byte, over random sequences of edits', async () => {
    type Edit =
      | { kind: 'add'; i: number }
      | { kind: 'remove'; at: number }
      | { kind: 'change'; at: number; field: 'minor' | 'replicas' | 'minSize' | 'pools' }
      | { kind: 'platform'; chart: string }
      | { kind: 'state'; state: 'local' | 's3' };
    const edit: fc.Arbitrary<Edit> = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), i: fc.integer({ min: 10, max: 40 }) }),
      fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('change' as const),
        at: fc.nat(),
        field: fc.constantFrom('minor' as const, 'replicas' as const, 'minSize' as const, 'pools' as const),
      }),
      fc.record({ kind: fc.constant('platform' as const), chart: fc.constantFrom('v1.0.0', 'v1.0.1') }),
      fc.record({ kind: fc.constant('state' as const), state: fc.constantFrom('local' as const, 's3' as const) }),
    );
    const apply = (fleet: FleetSpec, e: Edit): FleetSpec => {
      const tenants = [...fleet.tenants];
      switch (e.kind) {
        case 'add':
          if (!tenants.some((t) => t.name === `t${e.i}`)) tenants.push(tenant(e.i));
          return { ...fleet, tenants };
        case 'remove':
          if (tenants.length > 1) tenants.splice(e.at % tenants.length, 1);
          return { ...fleet, tenants };
        case 'change': {
          const at = e.at % tenants.length;
          const t = tenants[at];
          const changed: Record<string, Partial<TenantSpec>> = {
            minor: { minor: t.minor === 35 ? 33 : t.minor + 1 },
            replicas: { replicas: t.replicas === 3 ? 2 : 3 },
            minSize: { minSize: t.minSize === 1 ? 2 : 1 },
            pools: { pools: t.pools === 0 ? 1 : 0 },
          };
          tenants[at] = { ...t, ...changed[e.field] };
          return { ...fleet, tenants };
        }
        case 'platform':
          return { ...fleet, chart: e.chart };
        default:
          return { ...fleet, state: e.state };
      }
    };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }),
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        async (n, edits) => {
          const dir = tempDir('fleet-synth-prop-');
          const outdir = path.join(dir, 'out');
          let fleet = fleetOf(n);
          const file = rel(writeFleet(dir, fleet));
          await synthFleetFile(file, outdir, { jobs: 1, chunkSize: 2 });
          for (const e of edits) {
            fleet = apply(fleet, e);
            writeFleet(dir, fleet);
            await synthFleetFile(file, outdir, { jobs: 1, chunkSize: 2 });
            expectIdentical(outdir, referenceSynth(file));
          }
          fs.rmSync(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 4, seed: 15 },
    );
  }, 180_000);
});
