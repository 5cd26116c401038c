/**
 * The fleet app's synth (`npm run synth:fleet`, examples/fleet/main.ts): sharded across processes and
 * incremental, with output byte-identical to one cdktf `App.synth()` of the whole fleet.
 *
 * - Chunks: tenants are synthesized a few hundred at a time, each chunk in a fresh App into a folder of
 *   its own (src/synth/chunk.ts), so memory is bounded by the chunk, not the fleet.
 * - Shards: `jobs` processes (this one and `jobs - 1` workers, src/synth/shard-worker.ts) take
 *   contiguous runs of tenants. Their chunk folders are moved into `outdir` (renames within one file
 *   system) and one `manifest.json` is written with cdktf's own Manifest class, so it is
 *   the same bytes `App.synth()` writes (json-stable-stringify, keys sorted, node_modules/cdktf/lib/manifest.js).
 * - Cache: `<outdir>/.kamaji-synth-cache.json` records, per unit (the platform stacks, or one tenant's
 *   stacks), a key over everything that can change the unit's bytes, and the SHA-256, size and
 *   modification time of each stack file written. A unit is re-synthesized when its key changed, or any of its files is missing or differs
 *   from what was written. The cache holds only hashes and manifest entries (no configuration values,
 *   never a secret) and lives in the gitignored synth output folder; deleting it (or `cache: false`)
 *   means a full synth. The index is removed before `outdir` is touched and written back last, so an
 *   interrupted synth leaves no index and the next one is full.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProblem, Problems, ValidationError } from '../model/errors';
import { checkDistinctState } from '../model/state';
import { LoadedTenantsFile, loadTenantsFile, ResolvedTenant } from '../model/tenants-file';
import { tenantsFileChecks } from '../../stacks/fleet-checks';
import { stackIds } from '../../stacks/fleet';
import { StateBackend, StateLock, stateSpec } from '../../stacks/state';
import { synthChunk } from './chunk';

export interface FleetSynthOptions {
  /**
   * Processes to synthesize in (this one included).
   * @default - os.availableParallelism()
   */
  readonly jobs?: number;
  /**
   * Re-synthesize only the units whose key or files changed since the last synth into the same folder.
   * @default true
   */
  readonly cache?: boolean;
  /**
   * Tenants per chunk (one App each): bounds memory.
   * @default 50
   */
  readonly chunkSize?: number;
  /**
   * Fewer dirty tenants per process than this and fewer processes are started: a worker's start-up
   * (Node, the provider classes, the tenants file) costs about a second.
   * @default 40
   */
  readonly minTenantsPerProcess?: number;
}

export interface FleetSynthReport {
  /** Stacks in the manifest. */
  readonly stacks: number;
  /** Stack ids written by this synth (all of them when nothing was cached). */
  readonly rewritten: readonly string[];
  /** Processes that synthesized (0 when everything came from the cache). */
  readonly processes: number;
  readonly chunks: number;
  /** Peak RSS of each worker process, in MB (this process's own is `process.resourceUsage()`). */
  readonly workerPeakRssMb: readonly number[];
}

/**
 * A shard worker's work: the checked tenants file (only the shard's tenants, as JSON: the worker
 * need not parse and check the file again) and, per chunk, its folder and tenant names.
 */
export interface ShardTask {
  readonly file: string;
  readonly loaded: LoadedTenantsFile;
  readonly chunks: readonly { readonly outdir: string; readonly tenants: readonly string[] }[];
}

interface StackEntry {
  readonly workingDirectory: string;
  readonly synthesizedStackPath: string;
  readonly annotations: readonly unknown[];
  readonly [key: string]: unknown;
}

/** A stack file as written: its hash, and its size and modification time to skip re-reading it. */
interface StackRecord {
  readonly sha256: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly entry: StackEntry;
}

interface CacheIndex {
  readonly format: number;
  readonly manifestVersion: string;
  readonly units: { [unit: string]: { key: string; stacks: { [id: string]: StackRecord } } };
}

export const CACHE_FILE = '.kamaji-synth-cache.json';
const WORK_DIR = '.kamaji-synth-work';
/** Bump when the index or key layout changes: an old index is then ignored. */
const CACHE_FORMAT = 2;
/** The unit of the platform (and datastores) stacks; tenant names are DNS labels, never this. */
const PLATFORM_UNIT = '(platform)';
/** Environment the cdktf CLI passes to an app that can change synth output (cli-core synth-stack.js). */
const SYNTH_ENV = [
  'CDKTF_CONTEXT_JSON',
  'CDKTF_TARGET_STACK_ID',
  'SYNTH_HCL_OUTPUT',
  'CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS',
];

/**
 * Reads a tenants file and runs every check `cdktf-kamaji validate` runs; an unreadable file (a wrong
 * KAMAJI_TENANTS_FILE is a user mistake) is a problem like any other, not a stack trace.
 */
export function readFleetFile(file: string): LoadedTenantsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ValidationError([
      { where: file, field: '(file)', value: file, rule: `must be a readable tenants file (${reason})` },
    ]);
  }
  return loadTenantsFile(text, file, tenantsFileChecks(file));
}

/** {@link readFleetFile}, throwing its problems. */
export function loadFleetTenants(file: string): LoadedTenantsFile {
  const loaded = readFleetFile(file);
  if (!loaded.file || !loaded.tenants || loaded.problems.length > 0) throw new ValidationError(loaded.problems);
  return loaded;
}

/**
 * The fleet app's entry: synthesizes `file` into `outdir` with `KAMAJI_SYNTH_JOBS` processes (default:
 * the number of cores) and the cache unless `KAMAJI_SYNTH_CACHE=off`. Problems go to `stderr` and
 * nothing is written. Returns the exit code.
 */
export async function runFleetSynth(
  file: string,
  outdir: string = process.env.CDKTF_OUTDIR ?? 'cdktf.out',
  env: NodeJS.ProcessEnv = process.env,
  stderr: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  try {
    const jobs = synthJobs(env.KAMAJI_SYNTH_JOBS);
    const cache = synthCache(env.KAMAJI_SYNTH_CACHE);
    await synthFleetFile(file, outdir, { jobs, cache });
    return 0;
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    stderr(`${file}: ${e.problems.length} problem(s); nothing was synthesized\n`);
    for (const p of e.problems) stderr(`  - ${formatProblem(p)}\n`);
    return 1;
  }
}

/** `KAMAJI_SYNTH_JOBS`: a whole number >= 1, or unset for the number of cores. */
export function synthJobs(text: string | undefined): number {
  if (text === undefined || text === '') return os.availableParallelism();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new ValidationError([
      { where: 'environment', field: 'KAMAJI_SYNTH_JOBS', value: text, rule: 'must be a whole number from 1 to 256' },
    ]);
  }
  return n;
}

/** `KAMAJI_SYNTH_CACHE`: `on` (default) or `off`. */
export function synthCache(text: string | undefined): boolean {
  if (text === undefined || text === '' || text === 'on') return true;
  if (text === 'off') return false;
  throw new ValidationError([
    { where: 'environment', field: 'KAMAJI_SYNTH_CACHE', value: text, rule: 'must be "on" or "off"' },
  ]);
}

/** Synthesizes a tenants file into `outdir`; throws a ValidationError (nothing written) on problems. */
export async function synthFleetFile(
  file: string,
  outdir: string,
  options: FleetSynthOptions = {},
): Promise<FleetSynthReport> {
  const loaded = loadFleetTenants(file);
  const tenants = loaded.tenants!;
  const jobs = options.jobs ?? os.availableParallelism();
  const chunkSize = options.chunkSize ?? 50;
  const minPerProcess = options.minTenantsPerProcess ?? 40;
  fs.mkdirSync(outdir, { recursive: true });
  const indexFile = path.join(outdir, CACHE_FILE);
  const work = path.join(outdir, WORK_DIR);

  // HCL output is post-processed by the cdktf CLI: synthesize it the plain way, as one App.
  if (process.env.SYNTH_HCL_OUTPUT === 'true') {
    fs.rmSync(indexFile, { force: true });
    synthChunk(loaded, file, outdir, undefined);
    const ids = Object.keys(readManifest(outdir).stacks);
    return { stacks: ids.length, rewritten: ids, processes: 1, chunks: 1, workerPeakRssMb: [] };
  }

  const keys = options.cache === false ? undefined : unitKeys(loaded, file);
  const previous = keys ? readIndex(indexFile) : undefined;
  // From here on `outdir` changes: without an index, the next synth is a full one.
  fs.rmSync(indexFile, { force: true });
  fs.rmSync(work, { recursive: true, force: true });

  const clean = (unit: string) => {
    const cached = previous?.units[unit];
    if (!keys || !cached || cached.key !== keys.get(unit)) return false;
    return Object.values(cached.stacks).every((s) => unchanged(path.join(outdir, s.entry.synthesizedStackPath), s));
  };
  const dirty = tenants.map((t) => t.name).filter((name) => !clean(name));
  const platformDirty = !clean(PLATFORM_UNIT);

  // Plan: contiguous runs of dirty tenants per process, each run cut into chunks.
  const processes =
    dirty.length === 0
      ? platformDirty
        ? 1
        : 0
      : Math.max(1, Math.min(jobs, Math.floor(dirty.length / minPerProcess)));
  const shards: { outdir: string; tenants: string[] }[][] = [];
  let chunkNo = 0;
  for (let p = 0; p < processes; p++) {
    const run = dirty.slice(
      Math.floor((p * dirty.length) / processes),
      Math.floor(((p + 1) * dirty.length) / processes),
    );
    const chunks: { outdir: string; tenants: string[] }[] = [];
    for (let i = 0; i < run.length || (i === 0 && p === 0); i += chunkSize) {
      chunks.push({ outdir: path.join(work, `chunk-${chunkNo++}`), tenants: run.slice(i, i + chunkSize) });
    }
    shards.push(chunks);
  }
  const chunks = shards.flat();
  const workerPeakRssMb: number[] = [];
  if (chunks.length > 0) {
    fs.mkdirSync(work, { recursive: true });
    const workers = shards.slice(1).map((shard, i) => {
      const names = new Set(shard.flatMap((c) => c.tenants));
      const task: ShardTask = {
        file,
        loaded: { ...loaded, tenants: tenants.filter((t) => names.has(t.name)) },
        chunks: shard,
      };
      return runWorker(task, path.join(work, `task-${i + 1}.json`));
    });
    await shallowStack();
    let failure: unknown;
    try {
      for (const chunk of shards[0]) synthChunk(loaded, file, chunk.outdir, chunk.tenants);
    } catch (e) {
      failure = e;
    }
    const results = await Promise.allSettled(workers);
    if (failure) throw failure;
    for (const r of results) {
      if (r.status === 'rejected') throw r.reason;
      workerPeakRssMb.push(r.value);
    }
  }

  // Merge: every fresh stack of its unit's chunk; the platform stacks from the first chunk only.
  const entries: { [id: string]: StackEntry } = {};
  const units: CacheIndex['units'] = {};
  const moves: { from: string; to: string; id: string; unit: string }[] = [];
  let manifestVersion = previous?.manifestVersion;
  for (const chunk of chunks) {
    const manifest = readManifest(chunk.outdir);
    manifestVersion = manifest.version;
    for (const [id, entry] of Object.entries(manifest.stacks)) {
      const unit = unitOfStack(id, chunk.tenants);
      // A stack that is neither the platform's nor any tenant's of this chunk: no telling what it is.
      if (unit === undefined) return synthInOneApp(loaded, file, outdir, work);
      if (unit === PLATFORM_UNIT && (!platformDirty || chunk !== chunks[0])) continue;
      // Annotations carry the stack trace of the process that made them: only one App reproduces those.
      if (entry.annotations.length > 0) return synthInOneApp(loaded, file, outdir, work);
      entries[id] = entry;
      moves.push({
        from: path.join(chunk.outdir, entry.workingDirectory),
        to: path.join(outdir, entry.workingDirectory),
        id,
        unit,
      });
    }
  }
  const dirtySet = new Set(dirty);
  const names = new Set(tenants.map((t) => t.name));
  for (const [unit, cached] of Object.entries(previous?.units ?? {})) {
    const stillThere = unit === PLATFORM_UNIT ? !platformDirty : names.has(unit) && !dirtySet.has(unit);
    if (!stillThere) continue;
    units[unit] = cached;
    for (const [id, s] of Object.entries(cached.stacks)) entries[id] = s.entry;
  }
  // Each chunk checked its own stacks; this checks them all together.
  const problems = new Problems('tenants file');
  checkDistinctState(fleetStateSpec(loaded), Object.keys(entries).sort(), problems);
  problems.throwIfAny();

  for (const move of moves) {
    fs.rmSync(move.to, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(move.to), { recursive: true });
    fs.renameSync(move.from, move.to);
    // Without the cache nothing is recorded (and no file is read back).
    if (!keys) continue;
    const entry = entries[move.id];
    const unit = (units[move.unit] ??= { key: keys.get(move.unit)!, stacks: {} });
    unit.stacks[move.id] = { ...written(path.join(outdir, entry.synthesizedStackPath)), entry };
  }
  // Stacks of tenants no longer in the file.
  for (const cached of Object.values(previous?.units ?? {})) {
    for (const [id, s] of Object.entries(cached.stacks)) {
      if (!entries[id]) fs.rmSync(path.join(outdir, s.entry.workingDirectory), { recursive: true, force: true });
    }
  }
  writeManifest(outdir, manifestVersion!, entries);
  fs.rmSync(work, { recursive: true, force: true });
  if (keys) {
    const index: CacheIndex = { format: CACHE_FORMAT, manifestVersion: manifestVersion!, units };
    fs.writeFileSync(indexFile, JSON.stringify(index));
  }
  return {
    stacks: Object.keys(entries).length,
    rewritten: moves.map((m) => m.id),
    processes,
    chunks: chunks.length,
    workerPeakRssMb,
  };
}

const PLATFORM_STACKS = new Set([stackIds.platform, stackIds.dataStores]);

/** The unit a stack belongs to: the platform's, or the tenant of the chunk whose stack-id prefix is longest. */
function unitOfStack(id: string, tenants: readonly string[]): string | undefined {
  if (PLATFORM_STACKS.has(id)) return PLATFORM_UNIT;
  let best: string | undefined;
  for (const name of tenants) {
    if (id.startsWith(`tenant-${name}-`) && (!best || name.length > best.length)) best = name;
  }
  return best;
}

/** The fallback for any doubt: one App of the whole fleet, synthesized straight into `outdir`. */
function synthInOneApp(loaded: LoadedTenantsFile, file: string, outdir: string, work: string): FleetSynthReport {
  fs.rmSync(work, { recursive: true, force: true });
  synthChunk(loaded, file, outdir, undefined);
  const ids = Object.keys(readManifest(outdir).stacks);
  return { stacks: ids.length, rewritten: ids, processes: 1, chunks: 1, workerPeakRssMb: [] };
}

/**
 * Continues from the event loop, where the JavaScript stack is a few frames deep instead of the
 * dozen of Node's module loader and the app's entry. cdktf captures the whole stack (its
 * `Error.stackTraceLimit` raised to the maximum) for every token it makes, about 90 per tenant here
 * (node_modules/cdktf/lib/tokens/private/stack-trace.js, intrinsic.js, complex-computed-list.js), and
 * the cost of each capture grows with the depth: building the stacks from here saves about a tenth of
 * the synth (docs/scale.md).
 */
export function shallowStack(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs one shard in a worker process: its peak RSS in MB; rejects with its stderr when it fails. */
function runWorker(task: ShardTask, taskFile: string): Promise<number> {
  fs.writeFileSync(taskFile, JSON.stringify(task));
  const { script, execArgv } = workerCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, script, taskFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve((JSON.parse(stdout.trim().split('\n').pop()!) as { peakRssMb: number }).peakRssMb);
      else
        reject(
          new Error(`fleet synth worker ${signal ? `was killed by ${signal}` : `exited with ${code}`}:\n${stderr}`),
        );
    });
  });
}

/**
 * The worker module and the Node flags to start it with: this process's flags (heap size and the
 * like), less debugger ports, plus the TypeScript hook when running from source (ts-register, jest).
 */
function workerCommand(): { script: string; execArgv: string[] } {
  const ext = path.extname(__filename);
  const script = path.join(__dirname, `shard-worker${ext}`);
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  if (ext === '.ts' && !execArgv.some((a) => a.includes('ts-register'))) {
    execArgv.push('--require', path.resolve(__dirname, '..', '..', 'scripts', 'ts-register.cjs'));
  }
  return { script, execArgv };
}

function readManifest(dir: string): { version: string; stacks: { [id: string]: StackEntry } } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
}

/** Written by cdktf's own Manifest class: byte for byte what `App.synth()` writes. */
function writeManifest(outdir: string, version: string, stacks: { [id: string]: StackEntry }): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Manifest } = require('cdktf') as typeof import('cdktf');
  const manifest = new Manifest(version, outdir, false);
  Object.assign(manifest.stacks, stacks);
  manifest.writeToFile();
}

function readIndex(file: string): CacheIndex | undefined {
  try {
    const index = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheIndex;
    return index.format === CACHE_FORMAT && typeof index.units === 'object' ? index : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a stack file is still what was written: the same size and modification time (like git's
 * index: a file rewritten by anything, even with the same bytes, gets a new time), else the same hash.
 */
function unchanged(file: string, record: StackRecord): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return false;
  }
  if (stat.size === record.size && stat.mtimeMs === record.mtimeMs) return true;
  return stat.size === record.size && sha256File(file) === record.sha256;
}

function written(file: string): Omit<StackRecord, 'entry'> {
  const stat = fs.statSync(file);
  return { sha256: sha256File(file)!, size: stat.size, mtimeMs: stat.mtimeMs };
}

function sha256File(file: string): string | undefined {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

function fleetStateSpec(loaded: LoadedTenantsFile) {
  const s = loaded.file!.state;
  return stateSpec(s ? { ...s, backend: s.backend as StateBackend, lock: s.lock as StateLock | undefined } : undefined);
}

/**
 * Cache keys: the platform unit's, and each tenant's. Each covers everything that can change the
 * unit's bytes: the package's own code and its dependencies' versions, Node, the working directory
 * and tenants-file path (paths in the output are relative to them), the synth environment the cdktf
 * CLI sets, every setting of the file but the tenants, and for a tenant its resolved entry and the
 * contents of its CA files. Returns undefined (no cache: full synth) when any of it cannot be read.
 */
export function unitKeys(loaded: LoadedTenantsFile, file: string): Map<string, string> | undefined {
  const code = codeFingerprint();
  if (!code) return undefined;
  const settings = { ...loaded.file!, tenants: undefined };
  const env = Object.fromEntries(SYNTH_ENV.map((k) => [k, process.env[k] ?? null]));
  const global = sha256(
    stableJson({
      format: CACHE_FORMAT,
      code,
      node: process.version,
      cwd: process.cwd(),
      file: path.resolve(file),
      env,
      settings,
    }),
  );
  const keys = new Map<string, string>([[PLATFORM_UNIT, sha256(`${global}\0platform`)]]);
  for (const tenant of loaded.tenants!) {
    const ca = caFiles(tenant, path.dirname(file));
    if (ca === undefined) return undefined;
    keys.set(tenant.name, sha256(`${global}\0${stableJson(tenant)}\0${ca}`));
  }
  return keys;
}

function caFiles(tenant: ResolvedTenant, fileDir: string): string | undefined {
  if (tenant.pki.source !== 'files') return '';
  const hashes = [tenant.pki.certPath, tenant.pki.keyPath].map((p) =>
    p ? sha256File(path.resolve(fileDir, p)) : undefined,
  );
  return hashes.every((h) => h !== undefined) ? hashes.join(',') : undefined;
}

const DEPENDENCIES = [
  'cdktf',
  'constructs',
  '@cdktf/provider-aws',
  '@cdktf/provider-helm',
  '@cdktf/provider-kubernetes',
  '@cdktf/provider-random',
  '@cdktf/provider-time',
  '@cdktf/provider-tls',
  'yaml',
  'node-forge',
];
let fingerprint: string | undefined;

/** A hash of this package's code (src and stacks, as run: .ts or compiled .js) and its dependencies' versions. */
export function codeFingerprint(): string | undefined {
  if (fingerprint) return fingerprint;
  const root = path.resolve(__dirname, '..', '..');
  const hash = createHash('sha256');
  for (const dir of ['src', 'stacks']) {
    const files = fs
      .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(ts|js|json)$/.test(f) && !f.endsWith('.d.ts'))
      .sort();
    for (const f of files)
      hash
        .update(`${dir}/${f}\0`)
        .update(fs.readFileSync(path.join(root, dir, f)))
        .update('\0');
  }
  for (const dep of DEPENDENCIES) {
    const version = packageVersion(dep);
    if (!version) return undefined;
    hash.update(`${dep}@${version}\0`);
  }
  fingerprint = hash.digest('hex');
  return fingerprint;
}

function packageVersion(name: string): string | undefined {
  try {
    let dir = path.dirname(require.resolve(name));
    for (;;) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version;
      }
      const up = path.dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
  } catch {
    return undefined;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted (undefined members left out, as JSON.stringify does): a stable hash input. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const members = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
