/**
 * `npm run -s bench:main [-- --runs R]`: wall time of the main job, `npm run synth` (build, then the
 * cdktf CLI's synth of cdktf.json's app, then the summary), and of its parts, R runs each (default 5),
 * each command a fresh process writing into a temporary folder. The main job is timed twice: with
 * nothing changed since the last build, and right after an edit to examples/quickstart/app.ts (in a
 * scratch copy of the project, so tsc recompiles what the edit touches). Prints the median, min and
 * max per command, then one JSON line. The budget for the main job is 10 s on a 2-core machine;
 * measure on a quiet machine (the load average is printed before and after).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, fs.existsSync(path.join(__dirname, '..', 'package.json')) ? '..' : '../..');
const HOOK = ['--require', './scripts/ts-register.cjs'];

interface Command {
  readonly name: string;
  readonly argv: string[];
  /** Runs before each timed run (not timed); returns the folder to run in. */
  readonly before?: (run: number) => string;
}

/** A scratch copy of the project (packages linked), whose quickstart settings each run edits. */
let scratch: string | undefined;
function editedCopy(run: number): string {
  if (!scratch) {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-main-project-'));
    for (const entry of fs.readdirSync(ROOT)) {
      if (['.git', 'cdktf.out', 'coverage'].includes(entry)) continue;
      if (entry === 'node_modules') fs.symlinkSync(path.join(ROOT, entry), path.join(scratch, entry));
      else fs.cpSync(path.join(ROOT, entry), path.join(scratch, entry), { recursive: true });
    }
  }
  const app = path.join(scratch, 'examples', 'quickstart', 'app.ts');
  const text = fs.readFileSync(app, 'utf8');
  const edited = text.replace(/maxSize: \d+ \}/, `maxSize: ${3 + (run % 2)} }`);
  if (edited === text && run > 0) throw new Error(`no "maxSize: N }" to edit in ${app}`);
  fs.writeFileSync(app, edited);
  return scratch;
}

const COMMANDS: Command[] = [
  { name: 'npm run synth (the main job), nothing changed', argv: ['npm', 'run', '-s', 'synth'] },
  {
    name: 'npm run synth (the main job), after an edit to app.ts',
    argv: ['npm', 'run', '-s', 'synth'],
    before: editedCopy,
  },
  { name: '  build: tsc -p tsconfig.build.json, nothing changed', argv: ['npx', 'tsc', '-p', 'tsconfig.build.json'] },
  { name: '  cdktf synth + summary, app on the fly (no build)', argv: ['node', ...HOOK, 'scripts/synth.ts'] },
  { name: '  the app alone, transpiled on the fly by swc', argv: ['node', ...HOOK, 'examples/quickstart/main.ts'] },
  { name: '  the app alone, compiled (lib/)', argv: ['node', 'lib/examples/quickstart/main.js'] },
];

function parseRuns(argv: string[]): number {
  let runs = 5;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = inline ?? argv[++i];
    if (flag !== '--runs') throw new Error(`unknown option ${argv[i]} (options: --runs R)`);
    runs = Number(value);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs needs a positive whole number, not ${value}`);
  }
  return runs;
}

function timeOnce(command: Command, index: number): number {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-main-'));
  try {
    const cwd = command.before?.(index) ?? ROOT;
    const start = process.hrtime.bigint();
    const [file, ...args] = command.argv;
    const run = spawnSync(file, args, {
      cwd,
      env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' },
      encoding: 'utf8',
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (run.status !== 0) throw new Error(`${command.argv.join(' ')} failed:\n${run.stdout}${run.stderr}`);
    return seconds;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function main(): void {
  const runs = parseRuns(process.argv.slice(2));
  const loadBefore = load();
  process.stdout.write(
    `main job benchmark: ${os.cpus().length} CPUs, Node ${process.versions.node}, ${runs} runs each, ` +
      `load average ${loadBefore}\n`,
  );
  const results: Record<string, { median: number; min: number; max: number; runs: number[] }> = {};
  for (const command of COMMANDS) {
    timeOnce(command, 0); // warm the file cache; not counted
    const times = Array.from({ length: runs }, (_, i) => timeOnce(command, i + 1));
    const r = { median: median(times), min: Math.min(...times), max: Math.max(...times), runs: times };
    results[command.name.trim()] = r;
    process.stdout.write(
      `${command.name.padEnd(60)} median ${r.median.toFixed(2)} s  (min ${r.min.toFixed(2)}, max ${r.max.toFixed(2)})\n`,
    );
  }
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  process.stdout.write(`load average after: ${load()}\n`);
  process.stdout.write(JSON.stringify({ cpus: os.cpus().length, node: process.versions.node, runs, results }) + '\n');
}

try {
  main();
} catch (e) {
  process.stderr.write(`main job benchmark: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
