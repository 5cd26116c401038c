/**
 * `npm run synth`: the cdktf CLI synth of the app in cdktf.json, then a short summary of what it
 * wrote (stacks and resource counts). The app command runs the example's TypeScript through swc
 * (scripts/ts-register.cjs), so what is synthesized is always the current source; `npm run synth`
 * type-checks and compiles first (tsc), `npx cdktf synth` does not. `npm run -s bench:main` times it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadFleetFile, tenantsFilePath } from '../examples/fleet/app';
import { formatProblem, Problem, ValidationError } from '../src/model/errors';
import { synthCache, synthJobs } from '../src/synth/fleet-synth';
import { summarizeSynth } from './summary';

const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
const cli = path.join('node_modules', '.bin', 'cdktf');
const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1' };
// Synth never runs terraform; without a CLI config file the cdktf CLI prints a scary warning.
const configFile = env.TF_CLI_CONFIG_FILE || path.join(os.homedir(), '.terraformrc');
if (!fs.existsSync(configFile)) {
  env.TF_CLI_CONFIG_FILE = os.devNull;
}
// `--fleet`: the fleet app of examples/fleet (KAMAJI_TENANTS_FILE, else its tenants.yaml). The file is
// checked here first: on problems they are printed once and cdktf is not started (the cdktf CLI
// repeats everything an app writes to stderr, so the app's own report would appear twice).
// `--jobs N` (default: the number of cores) and `--no-cache` (a full synth) reach the app as
// KAMAJI_SYNTH_JOBS and KAMAJI_SYNTH_CACHE (src/synth/fleet-synth.ts).
let args = process.argv.slice(2);
const jobsAt = args.indexOf('--jobs');
if (jobsAt >= 0) {
  env.KAMAJI_SYNTH_JOBS = args[jobsAt + 1] ?? '';
  args.splice(jobsAt, 2);
}
if (args.includes('--no-cache')) {
  env.KAMAJI_SYNTH_CACHE = 'off';
  args = args.filter((a) => a !== '--no-cache');
}
if (args.includes('--fleet')) {
  args = args.filter((a) => a !== '--fleet');
  // Checked before cdktf starts, like the file: a bad value is one clear line, not a stack trace.
  try {
    synthJobs(env.KAMAJI_SYNTH_JOBS);
    synthCache(env.KAMAJI_SYNTH_CACHE);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
    process.exit(1);
  }
  const file = tenantsFilePath();
  let problems: readonly Problem[];
  try {
    problems = loadFleetFile(file).problems;
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    problems = e.problems;
  }
  if (problems.length > 0) {
    process.stderr.write(`${file}: ${problems.length} problem(s); nothing was synthesized\n`);
    for (const p of problems) process.stderr.write(`  - ${formatProblem(p)}\n`);
    process.exit(1);
  }
  env.KAMAJI_TENANTS_FILE = file;
  args.push('--app', 'node --require ./scripts/ts-register.cjs examples/fleet/main.ts');
}
const run = spawnSync(cli, ['synth', '--output', outdir, ...args], { stdio: 'inherit', env });
if (run.status !== 0) process.exit(run.status ?? 1);
process.stdout.write(summarizeSynth(outdir));
