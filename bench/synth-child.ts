/**
 * `node lib/bench/synth-child.js <kind> <N> <outdir> [jobs]`: one synth of an N-tenant fleet into
 * `outdir`. Prints one JSON line: stacks, resources, resources by type, bytes of the synthesized JSON,
 * in-process seconds (from the tenants file to the last file written) and peak RSS. bench/fleet.ts
 * runs it once per measurement. Kinds:
 *
 * - `ours`: the fleet app's synth (src/synth/fleet-synth.ts) in this one process, no cache;
 * - `baseline`: the hand-written raw-cdktf app (bench/baseline.ts), one App.synth();
 * - `sharded`: the fleet app's synth with `jobs` processes, no cache;
 * - `cached`: the fleet app's synth with `jobs` processes and the cache, into an `outdir` that may hold
 *   an earlier synth (bench/fleet.ts primes it with N - 1 tenants: the incremental measure).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdktf';
import { benchTenants, tenantsFileText } from './tenants';

export type BenchKind = 'ours' | 'baseline' | 'sharded' | 'cached';

export interface SynthSummary {
  readonly stacks: number;
  readonly resources: number;
  readonly byType: Record<string, number>;
  /** Bytes of all synthesized stack files. */
  readonly bytes: number;
}

export interface ChildResult extends SynthSummary {
  /** Seconds from the tenants file (ours) or tenant list (baseline) to the last file written. */
  readonly synthSeconds: number;
  /** CPU seconds (user + system, all threads) of the whole process: robust against a busy machine. */
  readonly cpuSeconds: number;
  /** The largest peak RSS of one process (this one, or a shard worker). */
  readonly peakRssMb: number;
  /** Processes that synthesized (1 for ours and the baseline). */
  readonly processes: number;
}

/**
 * Builds and synthesizes one side's fleet of `tenants` into `outdir`; returns the peak RSS (MB) of
 * the shard workers, if any, and how many processes synthesized.
 */
export async function synthFleet(
  kind: BenchKind,
  tenants: number,
  outdir: string,
  jobs = 1,
): Promise<{ workerPeakRssMb: readonly number[]; processes: number }> {
  // Each side loads only its own modules, so neither pays for the other's (ours pulls in yaml and
  // node-forge, the baseline nothing beyond the provider classes).
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (kind === 'baseline') {
    // cdktf with its defaults (validation on, stack traces on), like ours (src/synth/chunk.ts).
    const app = new App({ outdir });
    const { buildBaseline } = require('./baseline') as typeof import('./baseline');
    buildBaseline(app, benchTenants(tenants));
    app.synth();
    return { workerPeakRssMb: [], processes: 1 };
  }
  const { synthFleetFile } = require('../src/synth/fleet-synth') as typeof import('../src/synth/fleet-synth');
  /* eslint-enable @typescript-eslint/no-require-imports */
  fs.mkdirSync(outdir, { recursive: true });
  const file = path.join(outdir, 'bench-tenants.yaml');
  fs.writeFileSync(file, tenantsFileText(tenants));
  const report = await synthFleetFile(file, outdir, {
    jobs: kind === 'ours' ? 1 : jobs,
    cache: kind === 'cached',
  });
  return { workerPeakRssMb: report.workerPeakRssMb, processes: report.processes };
}

/** Stacks, resources by type and bytes of a synth output folder (from its manifest). */
export function summarize(outdir: string): SynthSummary {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  const byType: Record<string, number> = {};
  let resources = 0;
  let bytes = 0;
  const stacks = Object.values(manifest.stacks);
  for (const stack of stacks) {
    const text = fs.readFileSync(path.join(outdir, stack.synthesizedStackPath), 'utf8');
    bytes += Buffer.byteLength(text);
    const tf = JSON.parse(text) as { resource?: Record<string, Record<string, unknown>> };
    for (const [type, byId] of Object.entries(tf.resource ?? {})) {
      const count = Object.keys(byId).length;
      byType[type] = (byType[type] ?? 0) + count;
      resources += count;
    }
  }
  const sorted = Object.fromEntries(Object.entries(byType).sort(([a], [b]) => a.localeCompare(b)));
  return { stacks: stacks.length, resources, byType: sorted, bytes };
}

const KINDS: readonly string[] = ['ours', 'baseline', 'sharded', 'cached'];

async function main(argv: string[]): Promise<void> {
  const [kind, n, outdir, j] = argv;
  const tenants = Number(n);
  const jobs = j === undefined ? 1 : Number(j);
  if (!KINDS.includes(kind) || !Number.isInteger(tenants) || tenants < 1 || !outdir || !(jobs >= 1)) {
    process.stderr.write(`usage: node lib/bench/synth-child.js <${KINDS.join('|')}> <N> <outdir> [jobs]\n`);
    process.exit(2);
  }
  const start = process.hrtime.bigint();
  const { workerPeakRssMb, processes } = await synthFleet(kind as BenchKind, tenants, outdir, jobs);
  const synthSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  // Read before summarizing, so the summary's own reads do not count. maxRSS is in kilobytes.
  const usage = process.resourceUsage();
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  const peakRssMb = Math.max(usage.maxRSS / 1024, ...workerPeakRssMb);
  const result: ChildResult = { ...summarize(outdir), synthSeconds, cpuSeconds, peakRssMb, processes };
  process.stdout.write(JSON.stringify(result) + '\n');
}

if (require.main === module) void main(process.argv.slice(2));
