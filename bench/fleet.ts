/**
 * `npm run bench:fleet -- --tenants N[,N...] [--runs R] [--jobs J] [--max-old-space-size MB]`
 *
 * Synthesizes an N-tenant fleet (control-plane + nodes stack per tenant, one pool each) with our
 * app, and the same resources with a hand-written raw-cdktf app (bench/baseline.ts), each in a child
 * process of its own, so wall time and peak RSS are that process's alone. Prints one JSON line per N
 * (medians over R runs) and, with several N, the fitted exponent of time against N.
 *
 * In the same run it also measures our app sharded over J processes (default: the cores;
 * `shardedSeconds`, `shardedRatio` = sharded / our single-process wall, `shardedPeakRssMb` = the
 * largest peak of any one process) and incrementally (`incrementalSeconds`: the synth of N tenants
 * into a folder holding the cached synth of the first N - 1, i.e. one tenant added;
 * `incrementalRatio` = that / our single-process full synth).
 *
 * `oursSeconds`/`baselineSeconds` are wall time of the whole child (Node start, module loading, synth);
 * `oursSynthSeconds`/`baselineSynthSeconds` are the child's own measure from the tenants file to the
 * last file written, without the start-up cost that is the same at every N (and flattens the exponent);
 * `oursCpuSeconds`/`baselineCpuSeconds` are the child's CPU time, which other load on the machine
 * disturbs much less than wall time.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchKind, ChildResult } from './synth-child';

interface Measurement extends ChildResult {
  seconds: number;
}

interface Options {
  tenants: number[];
  runs: number;
  jobs: number;
  maxOldSpaceSizeMb?: number;
}

function parseArgs(argv: string[]): Options {
  let tenants = [10, 100, 1000];
  let runs = 3;
  let jobs = os.availableParallelism();
  let maxOldSpaceSizeMb: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = inline ?? argv[++i];
    if (flag === '--tenants') tenants = (value ?? '').split(',').map((n) => parsePositive(flag, n));
    else if (flag === '--runs') runs = parsePositive(flag, value);
    else if (flag === '--jobs') jobs = parsePositive(flag, value);
    else if (flag === '--max-old-space-size') maxOldSpaceSizeMb = parsePositive(flag, value);
    else
      throw new Error(
        `unknown option ${argv[i]} (options: --tenants N[,N...], --runs R, --jobs J, --max-old-space-size MB)`,
      );
  }
  // Ascending and distinct, so the last step of the scaling summary is the largest one.
  tenants = [...new Set(tenants)].sort((a, b) => a - b);
  return { tenants, runs, jobs, maxOldSpaceSizeMb };
}

function parsePositive(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${flag} needs a positive whole number, not ${JSON.stringify(text)}`);
  return n;
}

/**
 * One synth in a fresh child process; wall time measured around the whole process. Into a fresh
 * temporary folder (removed after), or into `outdir` when given (kept: the incremental measure).
 */
function measure(kind: BenchKind, tenants: number, nodeArgs: string[], jobs = 1, outdir?: string): Measurement {
  const dir = outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), `bench-${kind}-`));
  const child = path.join(__dirname, 'synth-child.js');
  try {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, [...nodeArgs, child, kind, String(tenants), dir, String(jobs)], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (run.status !== 0) {
      const how = run.signal ? `was killed by ${run.signal}` : `exited with ${run.status}`;
      throw new Error(`${kind} synth of ${tenants} tenants ${how}:\n${run.stderr}`);
    }
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as ChildResult;
    return { ...result, seconds };
  } finally {
    if (!outdir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One tenant added: a cached synth of N - 1 tenants (not timed), then of N into the same folder. */
function measureIncremental(tenants: number, nodeArgs: string[], jobs: number): Measurement {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-incremental-'));
  try {
    if (tenants > 1) measure('cached', tenants - 1, nodeArgs, jobs, dir);
    return measure('cached', tenants, nodeArgs, jobs, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));

export function sameCounts(a: Record<string, number>, b: Record<string, number>): string | undefined {
  const types = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const diff = types.filter((t) => a[t] !== b[t]).map((t) => `${t}: ours ${a[t] ?? 0}, baseline ${b[t] ?? 0}`);
  return diff.length ? diff.join('; ') : undefined;
}

type Series = 'ours' | 'baseline' | 'oursSynth' | 'baselineSynth' | 'oursCpu' | 'baselineCpu' | 'sharded';
type Row = { tenants: number } & Record<Series, number>;

/** Least-squares slope of log(time) against log(N): 1.0 is linear. */
function exponent(rows: Row[], key: Series): number {
  const xs = rows.map((r) => Math.log(r.tenants));
  const ys = rows.map((r) => Math.log(r[key]));
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return round(num / den);
}

function main(): void {
  const { tenants, runs, jobs, maxOldSpaceSizeMb } = parseArgs(process.argv.slice(2));
  // The same V8 flags for both sides, always.
  const nodeArgs = maxOldSpaceSizeMb ? [`--max-old-space-size=${maxOldSpaceSizeMb}`] : [];
  const rows: Row[] = [];
  for (const n of tenants) {
    const ours: Measurement[] = [];
    const baseline: Measurement[] = [];
    const sharded: Measurement[] = [];
    const incremental: Measurement[] = [];
    let baselineError: string | undefined;
    for (let r = 0; r < runs; r++) {
      // Alternate which side goes first, so machine noise and cache warmth hit both sides alike.
      const order: BenchKind[] = r % 2 === 0 ? ['ours', 'baseline'] : ['baseline', 'ours'];
      for (const kind of order) {
        if (kind === 'ours') ours.push(measure(kind, n, nodeArgs));
        else {
          // One App of the whole fleet: at 5,000 tenants it can outgrow the default V8 heap. That is
          // a result (`baselineError`), not the end of the run.
          try {
            baseline.push(measure(kind, n, nodeArgs));
          } catch (e) {
            baselineError ??= String((e as Error).message).split('\n')[0];
          }
        }
      }
      sharded.push(measure('sharded', n, nodeArgs, jobs));
      incremental.push(measureIncremental(n, nodeArgs, jobs));
      const [o, b] = [ours[r], baseline[r]];
      const mismatch =
        (b ? sameCounts(o.byType, b.byType) : undefined) ??
        (b && o.stacks !== b.stacks ? `stacks: ours ${o.stacks}, baseline ${b.stacks}` : undefined) ??
        // The sharded and incremental outputs are the same fleet (byte identity: test/fleet-synth.test.ts).
        sameCounts(o.byType, sharded[r].byType) ??
        sameCounts(o.byType, incremental[r].byType);
      if (mismatch) throw new Error(`the outputs do not have the same resources at N=${n}: ${mismatch}`);
    }
    // No measurement (the baseline failed): NaN, written as null.
    const med = (ms: Measurement[], pick: (m: Measurement) => number) => (ms.length ? median(ms.map(pick)) : NaN);
    const row: Row = {
      tenants: n,
      ours: med(ours, (m) => m.seconds),
      baseline: med(baseline, (m) => m.seconds),
      oursSynth: med(ours, (m) => m.synthSeconds),
      baselineSynth: med(baseline, (m) => m.synthSeconds),
      oursCpu: med(ours, (m) => m.cpuSeconds),
      baselineCpu: med(baseline, (m) => m.cpuSeconds),
      sharded: med(sharded, (m) => m.seconds),
    };
    rows.push(row);
    process.stdout.write(
      JSON.stringify({
        tenants: n,
        stacks: ours[0].stacks,
        resources: ours[0].resources,
        runs,
        oursSeconds: round(row.ours),
        baselineSeconds: round(row.baseline),
        ratio: round(row.ours / row.baseline),
        oursPeakRssMb: round(
          med(ours, (m) => m.peakRssMb),
          1,
        ),
        baselinePeakRssMb: round(
          med(baseline, (m) => m.peakRssMb),
          1,
        ),
        oursSynthSeconds: round(row.oursSynth),
        baselineSynthSeconds: round(row.baselineSynth),
        synthRatio: round(row.oursSynth / row.baselineSynth),
        oursCpuSeconds: round(row.oursCpu),
        baselineCpuSeconds: round(row.baselineCpu),
        cpuRatio: round(row.oursCpu / row.baselineCpu),
        jobs,
        shardedSeconds: round(row.sharded),
        shardedRatio: round(row.sharded / row.ours),
        shardedPeakRssMb: round(
          med(sharded, (m) => m.peakRssMb),
          1,
        ),
        shardedProcesses: sharded[0].processes,
        incrementalSeconds: round(med(incremental, (m) => m.seconds)),
        incrementalRatio: round(med(incremental, (m) => m.seconds) / row.ours),
        oursMb: round(ours[0].bytes / 2 ** 20, 1),
        baselineMb: baseline[0] ? round(baseline[0].bytes / 2 ** 20, 1) : null,
        ...(baselineError ? { baselineError } : {}),
        ...(maxOldSpaceSizeMb ? { maxOldSpaceSizeMb } : {}),
      }) + '\n',
    );
  }
  if (rows.length >= 2) {
    const last2 = rows.slice(-2);
    const step = (key: Series) =>
      round(Math.log(last2[1][key] / last2[0][key]) / Math.log(last2[1].tenants / last2[0].tenants));
    process.stdout.write(
      JSON.stringify({
        scaling: rows.map((r) => r.tenants),
        oursExponent: exponent(rows, 'ours'),
        baselineExponent: exponent(rows, 'baseline'),
        shardedExponent: exponent(rows, 'sharded'),
        oursExponentLastStep: step('ours'),
        baselineExponentLastStep: step('baseline'),
        oursSynthExponent: exponent(rows, 'oursSynth'),
        baselineSynthExponent: exponent(rows, 'baselineSynth'),
        oursSynthExponentLastStep: step('oursSynth'),
        baselineSynthExponentLastStep: step('baselineSynth'),
        oursCpuExponentLastStep: step('oursCpu'),
        baselineCpuExponentLastStep: step('baselineCpu'),
      }) + '\n',
    );
  }
}

if (require.main === module) main();
