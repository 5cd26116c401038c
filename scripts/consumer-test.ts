/**
 * `npm run test:consumer`: this package as a stranger gets it. Builds, packs the tarball npm would
 * publish, installs it into a fresh project in a temporary folder with only its peer dependencies
 * (the versions this project tests with) and TypeScript, writes the app of README.md's "Use in your
 * own project" section as `main.ts` (taken from the README, so the two cannot drift), compiles it
 * with the tsconfig `cdktf init` writes (strict), synthesizes it with node and checks the stacks and
 * resources. Every other TypeScript block of the README is compiled too, against a context that
 * declares the variables it uses (`stack`, `management`, ...). Prints the time of each step.
 *
 * Needs the npm cache warm (after `npm ci`): installs are `--prefer-offline`. `CONSUMER_TEST_KEEP=1`
 * keeps the temporary folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  boundNames,
  CodeBlock,
  consumerApp,
  importSpecifiers,
  installPackages,
  isAllowedImport,
  mentionedNames,
  snippets,
} from './readme-code';

// scripts/ when run from source (npm run test:consumer), lib/scripts/ when compiled.
const ROOT = path.resolve(__dirname, fs.existsSync(path.join(__dirname, '..', 'package.json')) ? '..' : '../..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  bin?: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** What `cdktf init --template=typescript` writes (cdktf-cli 0.21), without `incremental`. */
const CDKTF_INIT_TSCONFIG = {
  alwaysStrict: true,
  declaration: true,
  experimentalDecorators: true,
  inlineSourceMap: true,
  inlineSources: true,
  lib: ['es2018'],
  module: 'CommonJS',
  noEmitOnError: true,
  noFallthroughCasesInSwitch: true,
  noImplicitAny: true,
  noImplicitReturns: true,
  noImplicitThis: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  resolveJsonModule: true,
  strict: true,
  strictNullChecks: true,
  strictPropertyInitialization: true,
  stripInternal: true,
  target: 'ES2018',
  skipLibCheck: true,
};

/** The app's stacks: dependencies and resources by type (exact counts). */
const EXPECTED: Record<string, { dependencies: string[]; providers: string[]; resources: Record<string, number> }> = {
  kamaji: { dependencies: [], providers: ['helm'], resources: { helm_release: 2 } },
  'acme-control-plane': {
    dependencies: ['kamaji'],
    providers: ['kubernetes', 'tls'],
    resources: {
      kubernetes_manifest: 1,
      kubernetes_namespace_v1: 1,
      kubernetes_secret_v1: 1,
      tls_private_key: 1,
      tls_self_signed_cert: 1,
    },
  },
  'acme-workers': {
    dependencies: ['acme-control-plane'],
    providers: ['aws', 'helm.acme', 'kubernetes', 'kubernetes.acme', 'random', 'time'],
    resources: {
      aws_autoscaling_group: 1,
      aws_autoscaling_lifecycle_hook: 1, // the launch hook the nodes complete once joined
      aws_iam_instance_profile: 1,
      aws_iam_role: 1,
      aws_iam_role_policy: 3, // read the token, tag a failed boot, complete the launch hook
      aws_launch_template: 1,
      aws_security_group: 1,
      aws_ssm_parameter: 1,
      helm_release: 1,
      kubernetes_secret_v1: 2, // two overlapping bootstrap-token slots
      random_string: 4,
      time_rotating: 2,
    },
  },
};

/** Which provider (type.alias, or the type for a default one) each kind of block must name. */
const EXPECTED_PROVIDERS: Record<string, Record<string, string>> = {
  kamaji: { 'resource.helm_release': 'helm' },
  'acme-control-plane': {
    'resource.kubernetes_manifest': 'kubernetes',
    'resource.kubernetes_namespace_v1': 'kubernetes',
    'resource.kubernetes_secret_v1': 'kubernetes',
    'resource.tls_private_key': 'tls',
    'resource.tls_self_signed_cert': 'tls',
  },
  'acme-workers': {
    'resource.kubernetes_secret_v1': 'kubernetes.acme', // the token, in the tenant
    'resource.helm_release': 'helm.acme', // Calico, in the tenant
    'resource.random_string': 'random',
    'resource.time_rotating': 'time',
    'resource.aws_ssm_parameter': 'aws',
    'resource.aws_autoscaling_group': 'aws',
    'resource.aws_launch_template': 'aws',
    'data.kubernetes_secret_v1': 'kubernetes', // the admin kubeconfig, on the management cluster
  },
};

const failures: string[] = [];
function check(ok: boolean, message: string): void {
  if (!ok) failures.push(message);
}

const timings: [string, number][] = [];
async function step<T>(name: string, run: () => T | Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  process.stdout.write(`consumer test: ${name}...\n`);
  try {
    return await run();
  } finally {
    timings.push([name, Number(process.hrtime.bigint() - start) / 1e9]);
  }
}

/** Runs a command; throws with its output when it fails. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) failed with ${result.error?.message ?? `exit ${result.status}`}\n` +
        `${result.stdout ?? ''}${result.stderr ?? ''}`,
    );
  }
  return result.stdout;
}

/** The same, without blocking (two compiles run side by side); resolves to the output. */
function runAsync(command: string, args: string[], cwd: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
    child.on('error', (e) => resolve({ ok: false, output: String(e) }));
  });
}

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Compiled files whose source is gone would ship in the tarball: a clean build is needed. */
function checkNoStaleOutput(): void {
  const stale = ['src', 'stacks'].flatMap((dir) =>
    fs.existsSync(path.join(ROOT, 'lib', dir))
      ? walk(path.join(ROOT, 'lib', dir))
          .filter((f) => f.endsWith('.js'))
          .map((f) => path.relative(path.join(ROOT, 'lib'), f))
          .filter((rel) => !fs.existsSync(path.join(ROOT, rel.replace(/\.js$/, '.ts'))))
      : [],
  );
  if (stale.length > 0)
    throw new Error(
      `lib/ holds compiled files without a source, which npm pack would ship: ${stale.join(', ')}; ` +
        'rm -rf lib && npm run build',
    );
}

/** npm pack into `dir`; returns the tarball and the packed file list. */
function pack(dir: string): { tarball: string; files: string[] } {
  const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  return { tarball: path.join(dir, info.filename), files: info.files.map((f) => f.path) };
}

function checkPackedFiles(files: string[]): void {
  const packed = new Set(files);
  for (const required of ['package.json', 'README.md', 'LICENSE', '.jsii', 'lib/src/index.js', 'lib/src/index.d.ts'])
    check(packed.has(required), `the tarball lacks ${required}`);
  for (const bin of Object.values(PKG.bin ?? {}))
    check(packed.has(bin.replace(/^\.\//, '')), `the tarball lacks the bin ${bin}`);
  // Every relative link of the README must work in the installed package.
  for (const m of README.matchAll(/\]\((?!https?:|#|mailto:)([^)\s#]+)(?:#[^)]*)?\)/g)) {
    const target = m[1].replace(/^\.\//, '');
    const ok = packed.has(target) || files.some((f) => f.startsWith(`${target.replace(/\/$/, '')}/`));
    check(ok, `README.md links to ${target}, which the tarball does not hold`);
  }
  const own = files.filter((f) => !f.startsWith('node_modules/')); // bundled dependencies aside
  const unexpected = own.filter((f) => /^(test|bench|examples\/.*\.ts|src\/|stacks\/|lib\/(test|bench))/.test(f));
  check(unexpected.length === 0, `the tarball holds development files: ${unexpected.slice(0, 10).join(', ')}`);
}

function checkInstallCommand(): void {
  const words = installPackages(README);
  const expected = [PKG.name, ...Object.entries(PKG.peerDependencies).map(([name, range]) => `${name}@${range}`)];
  check(
    JSON.stringify([...words].sort()) === JSON.stringify([...expected].sort()),
    `README's npm install line (${words.join(' ')}) must name the package and exactly its peerDependencies ` +
      `(${expected.join(' ')})`,
  );
}

function checkImports(block: CodeBlock): void {
  for (const spec of importSpecifiers(block.code))
    check(
      isAllowedImport(spec),
      `README.md:${block.line} (${block.subsection || block.section}) imports '${spec}': only 'cdktf-kamaji', ` +
        "'cdktf', 'constructs' and providers by deep path ('@cdktf/provider-aws/lib/provider')",
    );
}

/** Variables the construct snippets use without declaring them (they are one story across sections). */
const SNIPPET_CONTEXT = `import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { TerraformStack } from 'cdktf';
import type { AwsWorkerPoolProps, BootstrapToken, KamajiDataStoreOptions, TenantPki } from 'cdktf-kamaji';

export declare const stack: TerraformStack;
/** The management cluster. */
export declare const management: KubernetesProvider;
export declare const managementAws: AwsProvider;
/** The tenant cluster. */
export declare const tenant: KubernetesProvider;
export declare const tenantHelm: HelmProvider;
export declare const tls: TlsProvider;
export declare const random: RandomProvider;
export declare const time: TimeProvider;
export declare const aws: AwsProvider;
export declare const pki: TenantPki;
export declare const token: BootstrapToken;
export declare const poolProps: AwsWorkerPoolProps;
export declare const postgresGold: KamajiDataStoreOptions;
`;

/** A snippet as a module: what it uses and does not import or declare comes from the context. */
function snippetModule(block: CodeBlock, exported: Record<string, string[]>): string {
  const bound = boundNames(block.code);
  const used = [...mentionedNames(block.code)].filter((n) => !bound.has(n));
  const lines = [`// README.md:${block.line} (${block.subsection || block.section})`];
  for (const [from, names] of Object.entries(exported)) {
    const wanted = names.filter((n) => used.includes(n)).sort();
    if (wanted.length > 0) lines.push(`import { ${wanted.join(', ')} } from '${from}';`);
  }
  return `${lines.join('\n')}\n${block.code}export {};\n`;
}

function contextNames(): string[] {
  return [...SNIPPET_CONTEXT.matchAll(/^export declare const (\w+)/gm)].map((m) => m[1]);
}

/** Strings that must never reach a synth output. */
const SECRETS: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key'],
  [/LS0tLS1CRUdJTi/, 'base64 of "-----BEGIN"'],
  [/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/, 'a bootstrap-token-shaped string'],
];

interface TfJson {
  resource?: Record<string, Record<string, { provider?: string }>>;
  data?: Record<string, Record<string, { provider?: string }>>;
  provider?: Record<string, { alias?: string; region?: string }[]>;
  output?: Record<string, unknown>;
}

function checkSynth(outdir: string, projectDir: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
    stacks: Record<string, { synthesizedStackPath: string; dependencies?: string[] }>;
  };
  check(
    JSON.stringify(Object.keys(manifest.stacks).sort()) === JSON.stringify(Object.keys(EXPECTED).sort()),
    `stacks: ${Object.keys(manifest.stacks).join(', ')}; expected ${Object.keys(EXPECTED).join(', ')}`,
  );
  for (const [name, want] of Object.entries(EXPECTED)) {
    const stack = manifest.stacks[name];
    if (!stack) continue;
    check(
      JSON.stringify(stack.dependencies ?? []) === JSON.stringify(want.dependencies),
      `${name}: depends on [${stack.dependencies ?? []}], expected [${want.dependencies}]`,
    );
    const text = fs.readFileSync(path.join(outdir, stack.synthesizedStackPath), 'utf8');
    const tf = JSON.parse(text) as TfJson;
    const counts = Object.fromEntries(
      Object.entries(tf.resource ?? {})
        .map(([type, byId]) => [type, Object.keys(byId).length] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    check(
      JSON.stringify(counts) === JSON.stringify(want.resources),
      `${name}: resources ${JSON.stringify(counts)}, expected ${JSON.stringify(want.resources)}`,
    );
    for (const [kind, provider] of Object.entries(EXPECTED_PROVIDERS[name] ?? {})) {
      const [block, type] = kind.split('.') as ['resource' | 'data', string];
      const found = Object.entries(tf[block]?.[type] ?? {});
      check(found.length > 0, `${name}: no ${kind}`);
      for (const [id, body] of found) {
        const actual = body.provider ?? type.split('_')[0]; // none named: the type's default provider
        check(actual === provider, `${name}: ${kind}.${id} uses provider ${actual}, expected ${provider}`);
      }
    }
    const providers = Object.entries(tf.provider ?? {})
      .flatMap(([type, configs]) => configs.map((c) => (c.alias ? `${type}.${c.alias}` : type)))
      .sort();
    check(
      JSON.stringify(providers) === JSON.stringify(want.providers),
      `${name}: providers [${providers}], expected [${want.providers}]`,
    );
    check(!tf.output, `${name}: has outputs (${Object.keys(tf.output ?? {})}); nothing should cross stacks`);
    check(!tf.data?.terraform_remote_state, `${name}: reads another stack's state`);
    for (const [pattern, what] of SECRETS) check(!pattern.test(text), `${name}: the synth output holds ${what}`);
    // cdktf's default local backend has an absolute path; nothing else may.
    const withoutBackend = JSON.parse(text) as Record<string, unknown>;
    delete withoutBackend.terraform;
    check(!JSON.stringify(withoutBackend).includes(projectDir), `${name}: the synth output holds the project's path`);
  }
  const workers = JSON.parse(
    fs.readFileSync(path.join(outdir, manifest.stacks['acme-workers']?.synthesizedStackPath ?? 'missing'), 'utf8'),
  ) as TfJson;
  check(workers.provider?.aws?.[0]?.region === 'eu-west-1', 'acme-workers: the aws provider has no region eu-west-1');
}

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-kamaji-consumer-'));
  const project = path.join(work, 'app');
  fs.mkdirSync(project);
  const keep = process.env.CONSUMER_TEST_KEEP === '1';
  try {
    // The README's own promises first: they need no build.
    checkInstallCommand();
    const app = consumerApp(README);
    const blocks = snippets(README);
    for (const block of [app, ...blocks]) checkImports(block);

    // What `npm pack` runs before packing (prepack): the jsii compile, which also builds lib/.
    await step('build (jsii)', () => run('npm', ['run', '-s', 'jsii'], ROOT));
    checkNoStaleOutput();
    const { tarball, files } = await step('pack', () => pack(work));
    checkPackedFiles(files);

    // No node_modules above the project: it must resolve everything from its own install.
    for (let dir = path.dirname(project); dir !== path.dirname(dir); dir = path.dirname(dir))
      if (fs.existsSync(path.join(dir, 'node_modules')))
        throw new Error(`${dir}/node_modules would leak into the consumer project; set TMPDIR elsewhere`);
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true, main: 'main.js' }, null, 2) + '\n',
    );
    const peers = Object.keys(PKG.peerDependencies).map((name) => `${name}@${PKG.devDependencies[name]}`);
    const tools = ['typescript', '@types/node'].map((name) => `${name}@${PKG.devDependencies[name]}`);
    await step('install', () =>
      run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...peers, ...tools], project),
    );

    fs.writeFileSync(path.join(project, 'main.ts'), app.code);
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: CDKTF_INIT_TSCONFIG, files: ['main.ts'] }, null, 2) + '\n',
    );
    // Snippets: their own folder and tsconfig (a snippet may leave a variable unused; and the
    // declaration files are checked there, which cdktf init's skipLibCheck skips for the app).
    const snippetDir = path.join(project, 'snippets');
    fs.mkdirSync(snippetDir);
    fs.writeFileSync(path.join(snippetDir, 'context.ts'), SNIPPET_CONTEXT);
    const exportsOf = (module: string) =>
      JSON.parse(
        run(process.execPath, ['-p', `JSON.stringify(Object.keys(require('${module}')))`], project),
      ) as string[];
    const exported: Record<string, string[]> = {
      'cdktf-kamaji': exportsOf(PKG.name),
      cdktf: exportsOf('cdktf'),
      './context': contextNames(),
    };
    const snippetFiles = blocks.map((block, i) => {
      const file = `snippet-${String(i + 1).padStart(2, '0')}-line-${block.line}.ts`;
      fs.writeFileSync(path.join(snippetDir, file), snippetModule(block, exported));
      return file;
    });
    fs.writeFileSync(
      path.join(snippetDir, 'tsconfig.json'),
      JSON.stringify(
        {
          // skipLibCheck off: the declarations we ship (and those they pull in) must type-check too.
          compilerOptions: {
            ...CDKTF_INIT_TSCONFIG,
            noEmit: true,
            noUnusedLocals: false,
            declaration: false,
            skipLibCheck: false,
          },
          files: ['context.ts', ...snippetFiles],
        },
        null,
        2,
      ) + '\n',
    );
    const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    const [appCompile, snippetCompile] = await step('compile (app and README snippets, tsc strict)', () =>
      Promise.all([
        runAsync(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], project),
        runAsync(process.execPath, [tsc, '-p', 'snippets/tsconfig.json', '--pretty', 'false'], project),
      ]),
    );
    check(snippetCompile.ok, `README snippets do not compile against the package:\n${snippetCompile.output}`);
    if (!appCompile.ok) throw new Error(`the README app does not compile against the package:\n${appCompile.output}`);

    // Synth as cdktf would run it, with no CDKTF_* settings of ours leaking in: App's default outdir.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDKTF_')));
    await step('synth', () => run(process.execPath, ['main.js'], project, env));
    checkSynth(path.join(project, 'cdktf.out'), project);

    const bin = Object.keys(PKG.bin ?? {})[0];
    if (bin) {
      await step(`${bin} --help`, () => {
        const help = spawnSync(path.join(project, 'node_modules', '.bin', bin), ['--help'], { encoding: 'utf8' });
        check(help.status === 0, `the installed ${bin} --help exits ${help.status}: ${help.stderr}`);
      });
    }
  } finally {
    if (keep) process.stdout.write(`consumer test: kept ${work}\n`);
    else fs.rmSync(work, { recursive: true, force: true });
    const total = Number(process.hrtime.bigint() - started) / 1e9;
    const parts = timings.map(([name, s]) => `${name.split(' ')[0]} ${s.toFixed(1)} s`).join(', ');
    process.stdout.write(`consumer test: ${total.toFixed(1)} s (${parts})\n`);
  }
  if (failures.length > 0) {
    process.stderr.write(
      `consumer test: ${failures.length} problem(s):\n${failures.map((f) => `  - ${f}`).join('\n')}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(
    `consumer test: passed (packed ${PKG.name}, installed with its peers only, README app compiled and ` +
      `synthesized, ${snippets(README).length} README snippets compiled)\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`consumer test: ${e instanceof Error ? e.message : String(e)}\n`);
  if (failures.length > 0) process.stderr.write(failures.map((f) => `  - ${f}`).join('\n') + '\n');
  process.exit(1);
});
