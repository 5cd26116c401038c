/**
 * The compiled CLI run from a copy of only what the package ships (package.json "files"), with
 * node_modules symlinked and the working directory outside the repository: what a user who ran
 * `npm install cdktf-kamaji` gets. Proves the CLI never needs examples/ or the TypeScript sources.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, spawnCli } from './support/cli';
import { EXAMPLE_FLEET } from './support/fleet';
import { tempDir } from './support/synth';

const ROOT = path.join(__dirname, '..');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

let pkg: string;
let project: string;
let cliJs: string;
let traceModule: string;

/** Records every module file the process loaded into $KAMAJI_TRACE_OUT when it exits. */
const TRACE = `process.on('exit', () => {
  require('node:fs').writeFileSync(process.env.KAMAJI_TRACE_OUT, JSON.stringify(Object.keys(require.cache)));
});
`;

beforeAll(() => {
  const tmp = tempDir('kamaji-installed-');
  // A build of its own (not the shared lib/ that other runs may be writing).
  const build = path.join(tmp, 'build');
  const tsc = spawnSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      build,
      '--tsBuildInfoFile',
      path.join(tmp, 'build.tsbuildinfo'),
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (!fs.existsSync(path.join(build, 'src', 'cli.js'))) {
    throw new Error(`the build wrote no src/cli.js:\n${tsc.stdout}\n${tsc.stderr}`);
  }

  // The package as npm would unpack it: package.json and the "files" entries, nothing else.
  pkg = path.join(tmp, 'package');
  fs.mkdirSync(pkg);
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
  for (const entry of PACKAGE.files as string[]) {
    const from = entry.startsWith('lib/') ? path.join(build, entry.slice('lib/'.length)) : path.join(ROOT, entry);
    if (!fs.existsSync(from)) continue;
    fs.cpSync(from, path.join(pkg, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
  cliJs = path.join(pkg, PACKAGE.bin['cdktf-kamaji']);

  // The user's project: a tenants file (with its CA certificate) and nothing of the repository.
  project = path.join(tmp, 'project');
  fs.mkdirSync(project);
  fs.copyFileSync(EXAMPLE_FLEET, path.join(project, 'tenants.yaml'));
  // bravo's committed CA certificate (its key is in a secret store, read at apply).
  fs.cpSync(path.join(path.dirname(EXAMPLE_FLEET), 'ca'), path.join(project, 'ca'), { recursive: true });
  traceModule = path.join(tmp, 'trace.js');
  fs.writeFileSync(traceModule, TRACE);
}, 300_000);

/** Runs the installed CLI in the user's project, with the modules it loaded. */
function run(argv: string[]) {
  const out = path.join(project, `.trace-${Math.random().toString(36).slice(2)}.json`);
  const result = spawnCli(cliJs, argv, {
    cwd: project,
    env: { KAMAJI_TRACE_OUT: out },
    nodeArgs: ['--require', traceModule],
  });
  const modules: string[] = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : [];
  fs.rmSync(out, { force: true });
  return { ...result, modules };
}

/** Every module came from the shipped lib/ or from node_modules, never from the repository's sources. */
function expectOnlyShippedCode(modules: string[]) {
  expect(modules.length).toBeGreaterThan(0);
  const realPkg = fs.realpathSync(pkg);
  const nodeModules = fs.realpathSync(path.join(ROOT, 'node_modules'));
  const tracer = fs.realpathSync(traceModule);
  const foreign = modules.filter(
    (m) => m !== tracer && !m.startsWith(path.join(realPkg, 'lib') + path.sep) && !m.startsWith(nodeModules + path.sep),
  );
  expect(foreign).toEqual([]);
  expect(modules.filter((m) => m.includes(`${path.sep}examples${path.sep}`))).toEqual([]);
}

describe('the installed CLI (only the shipped files)', () => {
  test('the copy holds the compiled CLI and no TypeScript sources or example code', () => {
    expect(fs.existsSync(cliJs)).toBe(true);
    expect(fs.existsSync(path.join(pkg, 'src'))).toBe(false);
    expect(fs.existsSync(path.join(pkg, 'lib', 'examples'))).toBe(false);
    expect(fs.existsSync(path.join(pkg, 'examples', 'quickstart'))).toBe(false);
  });

  test('--version prints the version of its own package.json, not the current directory one', () => {
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-infra', version: '3.2.1' }));
    try {
      const result = run(['--version']);
      expect(result).toMatchObject({ code: 0, stdout: `cdktf-kamaji ${PACKAGE.version}\n`, stderr: '' });
    } finally {
      fs.rmSync(path.join(project, 'package.json'));
    }
  });

  test('help COMMAND and did-you-mean', () => {
    const help = run(['help', 'render-userdata']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: cdktf-kamaji render-userdata --file FILE \[--tenant NAME\] \[--pool NAME\]\n/);
    const typo = run(['render-userdat']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      'cdktf-kamaji: unknown command "render-userdat" (did you mean "render-userdata"?)\ncdktf-kamaji --help lists the commands\n',
    );
  });

  test('render-userdata renders any pool of a tenants file outside the repository, loading no example', async () => {
    const result = run(['render-userdata', '--file', 'tenants.yaml', '--tenant', 'charlie', '--pool', 'batch']);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith('#cloud-config\n# cdktf-kamaji worker: tenant charlie, pool batch,')).toBe(true);
    expect(result.stderr).toMatch(
      /^tenant charlie, pool batch: \d+ bytes of cloud-config with placeholders, sent gzipped/,
    );
    expectOnlyShippedCode(result.modules);
    // The same text as the sources give in-process.
    const inProcess = await cli(['render-userdata', '--file', EXAMPLE_FLEET, '--tenant', 'charlie', '--pool', 'batch']);
    expect(result.stdout).toBe(inProcess.stdout);
  });

  test('render-userdata without --file says so, without a stack trace', () => {
    const result = run(['render-userdata']);
    expect(result).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'cdktf-kamaji render-userdata: --file FILE is required: the tenants file whose worker pool to render\n',
    });
  });

  test('validate works installed, loading no provider classes', () => {
    const result = run(['validate', 'tenants.yaml']);
    expect(result).toMatchObject({
      code: 0,
      stdout: 'tenants.yaml: valid (3 tenants, 4 worker pools, 1 DataStores)\n',
      stderr: '',
    });
    expectOnlyShippedCode(result.modules);
    expect(result.modules.filter((m) => /node_modules[\\/](cdktf|@cdktf)[\\/]/.test(m))).toEqual([]);

    const readme = path.join(pkg, 'README.md');
    if (fs.existsSync(readme)) {
      const notTenants = run(['validate', readme]);
      expect(notTenants.code).toBe(1);
      expect(notTenants.stderr.trimEnd().split('\n')).toHaveLength(2);
      expect(notTenants.stderr).toContain('is not a tenants file');
    }
  });

  test('pki init writes a CA into the project', () => {
    const result = run(['pki', 'init', '--out', 'ca', '--cn', 'installed-ca', '--days', '400']);
    expect(result.code).toBe(0);
    expect(fs.statSync(path.join(project, 'ca', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(run(['pki', 'init', '--out', 'ca2', '--days', 'abc']).stderr).toBe(
      'cdktf-kamaji pki: --days must be a whole number (digits only), got "abc"\n',
    );
  });
});
