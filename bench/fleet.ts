/**
 * `npm run bench:fleet -- --tenants N[,N...] [--runs R]`
 *
 * Synthesizes an N-tenant fleet (control-plane + nodes stack per tenant, one pool each) with our
 * app, and the same resources with a hand-written raw-cdktf app (bench/baseline.ts), each in a child
 * process of its own, so wall time and peak RSS are that process's alone. Prints one JSON line per N
 * (medians over R runs) and, with several N, the fitted exponent of time against N.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface ChildResult {
  stacks: number;
  resources: number;
  byType: Record<string, number>;
  peakRssMb: number;
}

interface Measurement extends ChildResult {
  seconds: number;
}

function parseArgs(argv: string[]): { tenants: number[]; runs: number } {
  let tenants = [10, 100, 1000];
  let runs = 3;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = inline ?? argv[++i];
    if (flag === '--tenants') tenants = value.split(',').map((n) => parsePositive(flag, n));
    else if (flag === '--runs') runs = parsePositive(flag, value);
    else throw new Error(`unknown option ${argv[i]} (options: --tenants N[,N...], --runs R)`);
  }
  return { tenants, runs };
}

function parsePositive(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${flag} needs a positive whole number, not ${JSON.stringify(text)}`);
  return n;
}

/** One synth in a fresh child process; wall time measured around the whole process. */
function measure(kind: 'ours' | 'baseline', tenants: number): Measurement {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${kind}-`));
  const child = path.join(__dirname, 'synth-child.js');
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [child, kind, String(tenants), outdir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  fs.rmSync(outdir, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`${kind} synth of ${tenants} tenants failed:\n${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as ChildResult;
  return { ...result, seconds };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));

function sameCounts(a: Record<string, number>, b: Record<string, number>): string | undefined {
  const types = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const diff = types.filter((t) => a[t] !== b[t]).map((t) => `${t}: ours ${a[t] ?? 0}, baseline ${b[t] ?? 0}`);
  return diff.length ? diff.join('; ') : undefined;
}

function main(): void {
  const { tenants, runs } = parseArgs(process.argv.slice(2));
  const rows: { tenants: number; ours: number; baseline: number }[] = [];
  for (const n of tenants) {
    const ours: Measurement[] = [];
    const baseline: Measurement[] = [];
    // Interleave so that machine noise hits both sides alike.
    for (let r = 0; r < runs; r++) {
      ours.push(measure('ours', n));
      baseline.push(measure('baseline', n));
    }
    const mismatch = sameCounts(ours[0].byType, baseline[0].byType);
    if (mismatch) throw new Error(`baseline does not match our resources at N=${n}: ${mismatch}`);
    const oursSeconds = median(ours.map((m) => m.seconds));
    const baselineSeconds = median(baseline.map((m) => m.seconds));
    rows.push({ tenants: n, ours: oursSeconds, baseline: baselineSeconds });
    process.stdout.write(
      JSON.stringify({
        tenants: n,
        stacks: ours[0].stacks,
        resources: ours[0].resources,
        runs,
        oursSeconds: round(oursSeconds),
        baselineSeconds: round(baselineSeconds),
        ratio: round(oursSeconds / baselineSeconds),
        oursPeakRssMb: round(median(ours.map((m) => m.peakRssMb)), 1),
        baselinePeakRssMb: round(median(baseline.map((m) => m.peakRssMb)), 1),
      }) + '\n',
    );
  }
  if (rows.length >= 2) {
    // Least-squares slope of log(time) against log(N): 1.0 is linear.
    const fit = (key: 'ours' | 'baseline') => {
      const xs = rows.map((r) => Math.log(r.tenants));
      const ys = rows.map((r) => Math.log(r[key]));
      const mx = xs.reduce((a, b) => a + b) / xs.length;
      const my = ys.reduce((a, b) => a + b) / ys.length;
      const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0);
      const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
      return round(num / den);
    };
    const last2 = rows.slice(-2);
    const tail = (key: 'ours' | 'baseline') =>
      round(Math.log(last2[1][key] / last2[0][key]) / Math.log(last2[1].tenants / last2[0].tenants));
    process.stdout.write(
      JSON.stringify({
        scaling: rows.map((r) => r.tenants),
        oursExponent: fit('ours'),
        baselineExponent: fit('baseline'),
        oursExponentLastStep: tail('ours'),
        baselineExponentLastStep: tail('baseline'),
      }) + '\n',
    );
  }
}

main();
