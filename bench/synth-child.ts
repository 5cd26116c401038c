/**
 * `node lib/bench/synth-child.js <ours|baseline> <N> <outdir>`: one synth of an N-tenant fleet, in
 * this process, into `outdir`. Prints one JSON line: stacks, resources, resources by type, bytes of
 * the synthesized JSON, in-process seconds (from the tenants file to the last file written) and this
 * process's peak RSS. bench/fleet.ts runs it once per measurement.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdktf';
import { benchTenants, tenantsFileText } from './tenants';

export type BenchKind = 'ours' | 'baseline';

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
  readonly peakRssMb: number;
}

/** Builds and synthesizes one side's fleet of `tenants` into `outdir`. */
export function synthFleet(kind: BenchKind, tenants: number, outdir: string): void {
  // Both sides run cdktf with its defaults (validation on, stack traces on).
  const app = new App({ outdir });
  // Each side loads only its own modules, so neither pays for the other's (ours pulls in yaml and
  // node-forge, the baseline nothing beyond the provider classes).
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (kind === 'ours') {
    const { loadTenantsFile } = require('../src/model/tenants-file') as typeof import('../src/model/tenants-file');
    const { tenantsFileChecks } = require('../stacks/fleet-checks') as typeof import('../stacks/fleet-checks');
    const { buildFleet } = require('../stacks/fleet') as typeof import('../stacks/fleet');
    const file = path.join(outdir, 'bench-tenants.yaml');
    const loaded = loadTenantsFile(tenantsFileText(tenants), file, tenantsFileChecks(file));
    buildFleet(app, loaded, outdir);
  } else {
    const { buildBaseline } = require('./baseline') as typeof import('./baseline');
    buildBaseline(app, benchTenants(tenants));
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  app.synth();
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

function main(argv: string[]): void {
  const [kind, n, outdir] = argv;
  const tenants = Number(n);
  if ((kind !== 'ours' && kind !== 'baseline') || !Number.isInteger(tenants) || tenants < 1 || !outdir) {
    process.stderr.write('usage: node lib/bench/synth-child.js <ours|baseline> <N> <outdir>\n');
    process.exit(2);
  }
  const start = process.hrtime.bigint();
  synthFleet(kind, tenants, outdir);
  const synthSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  // Read before summarizing, so the summary's own reads do not count. maxRSS is in kilobytes.
  const usage = process.resourceUsage();
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  const peakRssMb = usage.maxRSS / 1024;
  const result: ChildResult = { ...summarize(outdir), synthSeconds, cpuSeconds, peakRssMb };
  process.stdout.write(JSON.stringify(result) + '\n');
}

if (require.main === module) main(process.argv.slice(2));
