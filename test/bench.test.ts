import * as fs from 'node:fs';
import * as path from 'node:path';
import { sameCounts } from '../bench/fleet';
import { synthFleet, summarize, SynthSummary } from '../bench/synth-child';
import { benchTenants, tenantsFileText } from '../bench/tenants';
import { loadTenantsFile } from '../src/model/tenants-file';
import { tempDir } from './support/synth';

// A smoke test of the fleet benchmark: both sides synthesize, and the baseline stays comparable with
// ours. Timing is only measured by `npm run bench:fleet`, never asserted here.
describe('fleet benchmark', () => {
  const run = async (kind: 'ours' | 'baseline') => {
    const outdir = tempDir(`bench-${kind}-`);
    try {
      await synthFleet(kind, 2, outdir);
      const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
      return { summary: summarize(outdir), stackIds: Object.keys(manifest.stacks).sort() };
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  };
  let ours: { summary: SynthSummary; stackIds: string[] };
  let baseline: { summary: SynthSummary; stackIds: string[] };
  beforeAll(async () => {
    ours = await run('ours');
    baseline = await run('baseline');
  });

  test('ours and the baseline have equal resource counts per type at N=2', () => {
    expect(sameCounts(ours.summary.byType, baseline.summary.byType)).toBeUndefined();
    expect(baseline.summary.byType).toEqual(ours.summary.byType);
    expect(baseline.summary.resources).toBe(ours.summary.resources);
    // The full resource set of a tenant with one pool, twice.
    expect(ours.summary.byType).toMatchObject({
      kubernetes_manifest: 2,
      tls_private_key: 2,
      aws_launch_template: 2,
      aws_autoscaling_group: 2,
      aws_ssm_parameter: 2,
      // Two overlapping bootstrap-token slots per tenant.
      random_string: 8,
      time_rotating: 4,
    });
  });

  test('both sides make the same stacks: platform, then a control-plane and a nodes stack per tenant', () => {
    expect(ours.stackIds).toEqual([
      'platform',
      'tenant-t0001-control-plane',
      'tenant-t0001-nodes',
      'tenant-t0002-control-plane',
      'tenant-t0002-nodes',
    ]);
    expect(baseline.stackIds).toEqual(ours.stackIds);
    expect(ours.summary.stacks).toBe(5);
  });

  test('the baseline writes about as many bytes as ours (attribute values of similar size)', () => {
    const ratio = baseline.summary.bytes / ours.summary.bytes;
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
  });

  test('sameCounts names every type whose counts differ', () => {
    expect(sameCounts({ a: 1, b: 2 }, { a: 1, b: 2 })).toBeUndefined();
    expect(sameCounts({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe('b: ours 2, baseline 0; c: ours 0, baseline 2');
  });
});

describe('bench tenants file', () => {
  test('a generated fleet is a valid tenants file with the varied values of benchTenants', () => {
    const n = 50;
    const loaded = loadTenantsFile(tenantsFileText(n), 'bench.yaml');
    expect(loaded.problems).toEqual([]);
    const expected = benchTenants(n);
    expect(loaded.tenants!.map((t) => t.name)).toEqual(expected.map((t) => t.name));
    expect(new Set(expected.map((t) => t.name)).size).toBe(n);
    loaded.tenants!.forEach((t, i) => {
      expect(t.kubernetesVersion).toBe(expected[i].kubernetesVersion);
      expect(t.podCidr).toBe(expected[i].podCidr);
      expect(t.workers).toHaveLength(1);
      expect(t.workers[0]).toMatchObject({
        instanceType: expected[i].instanceType,
        minSize: expected[i].minSize,
        maxSize: expected[i].maxSize,
        desiredSize: expected[i].desiredSize,
      });
    });
    // The values vary, so stacks are not copies of each other.
    expect(new Set(expected.map((t) => t.kubernetesVersion)).size).toBeGreaterThan(1);
    expect(new Set(expected.map((t) => t.podCidr)).size).toBeGreaterThan(1);
  });
});
