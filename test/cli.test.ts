import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { closest, editDistance, numberFlag, parseArgs, problemLine, UsageError } from '../src/cli/command';
import { packageVersion } from '../src/cli/version';
import { tenantsFileTextProblems } from '../src/model/tenants-file-input';
import { cli } from './support/cli';
import { EXAMPLE_FLEET, ensureExamplePki } from './support/fleet';
import { tempDir } from './support/synth';

beforeAll(ensureExamplePki);

const ROOT = path.join(__dirname, '..');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const COMMANDS = ['validate', 'render-userdata', 'stacks', 'review', 'graph', 'pki', 'kubeconfig'];

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The problem lines of a failed `validate` (after the `FILE: N problems` header). */
function problemLines(stderr: string): string[] {
  return stderr.trimEnd().split('\n').slice(1);
}

describe('cdktf-kamaji --version', () => {
  test("prints the package.json version, from this package's own package.json", async () => {
    for (const flag of ['--version', '-V']) {
      expect(await cli([flag])).toEqual({ code: 0, stdout: `cdktf-kamaji ${PACKAGE.version}\n`, stderr: '' });
    }
  });

  test('is found by walking up from the module, skipping other packages and the current directory', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'pkg', 'nested', 'lib', 'src'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pkg', 'package.json'), JSON.stringify({ name: 'cdktf-kamaji', version: '9.8.7' }));
    // A package.json of another package (or broken JSON) on the way up is not ours.
    fs.writeFileSync(path.join(dir, 'pkg', 'nested', 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0' }));
    fs.writeFileSync(path.join(dir, 'pkg', 'nested', 'lib', 'package.json'), '{ not json');
    expect(packageVersion(path.join(dir, 'pkg', 'nested', 'lib', 'src'))).toBe('9.8.7');
    expect(packageVersion(dir)).toBeUndefined();
    // From anywhere else, the repository's own.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(packageVersion()).toBe(PACKAGE.version);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('cdktf-kamaji help', () => {
  test('help, --help and -h list every command; no arguments is a usage error on stderr', async () => {
    const general = await cli(['help']);
    expect(general.code).toBe(0);
    expect(general.stdout).toMatch(/^usage: cdktf-kamaji <command> \[options\]\n/);
    expect(general.stdout).toContain('cdktf-kamaji help <command>');
    expect(general.stdout).toContain('cdktf-kamaji --version');
    for (const name of COMMANDS) expect(general.stdout).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
    expect(await cli(['--help'])).toEqual(general);
    expect(await cli(['help', '--help'])).toEqual(general);
    expect(await cli(['-h'])).toEqual(general);
    expect(await cli([])).toEqual({ code: 2, stdout: '', stderr: general.stdout });
  });

  test("help COMMAND prints that command's usage, the same as COMMAND --help", async () => {
    for (const name of COMMANDS) {
      const result = await cli(['help', name]);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(new RegExp(`^usage: cdktf-kamaji ${name}\\b`));
      expect(await cli([name, '--help'])).toEqual(result);
      expect(await cli([name, '-h'])).toEqual(result);
    }
    expect((await cli(['help', 'validate'])).stdout).not.toContain('commands:');
  });

  test('help of an unknown command suggests the closest; extra arguments are refused', async () => {
    expect(await cli(['help', 'valdate'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'cdktf-kamaji: unknown command "valdate" (did you mean "validate"?)\ncdktf-kamaji --help lists the commands\n',
    });
    expect(await cli(['help', 'validate', 'pki'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'cdktf-kamaji help: expects one COMMAND, got 2 arguments\n',
    });
  });
});

describe('did you mean', () => {
  test.each([
    ['valdate', 'validate'],
    ['Validate', 'validate'],
    ['stack', 'stacks'],
    ['reveiw', 'review'],
    ['kubeconfg', 'kubeconfig'],
    ['render', 'render-userdata'],
    ['render-userdat', 'render-userdata'],
    ['pkj', 'pki'],
  ])('unknown command %s suggests %s, on one line', async (typo, meant) => {
    const result = await cli([typo]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `cdktf-kamaji: unknown command "${typo}" (did you mean "${meant}"?)\ncdktf-kamaji --help lists the commands\n`,
    );
  });

  test('an unknown command with no close match gets the list of commands instead', async () => {
    const result = await cli(['deploy']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('cdktf-kamaji: unknown command "deploy"');
    expect(result.stderr).toContain('commands:\n  validate ');
    // A very long argument is shortened in the message.
    const long = await cli(['x'.repeat(5000)]);
    expect(long.stderr.split('\n')[0].length).toBeLessThan(100);
  });

  test('unknown top-level options', async () => {
    const result = await cli(['--verison']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('cdktf-kamaji: unknown option "--verison" (did you mean "--version"?)');
  });

  test.each([
    [['pki', 'init', '--out', 'x', '--dyas', '400'], 'pki', '--dyas', '--days', '--out, --cn, --days'],
    [['pki', 'init', '-out', 'x'], 'pki', '-out', '--out', '--out, --cn, --days'],
    [['review', '--bsae', 'a', '--head', 'b'], 'review', '--bsae', '--base', '--base, --head, --plan, --format'],
    [
      ['stacks', 'dir', '--fromat', 'json'],
      'stacks',
      '--fromat',
      '--format',
      '--format, --batch-size, --max-jobs, --match',
    ],
    [['validate', '--strict', 'f.yaml'], 'validate', '--strict', undefined, undefined],
    [['render-userdata', '--pol', 'a'], 'render-userdata', '--pol', '--pool', '--file, --tenant, --pool'],
    [
      ['kubeconfig', 'demo', '--merge-int', 'x'],
      'kubeconfig',
      '--merge-int',
      '--merge-into',
      '--namespace, --secret, --kubeconfig, --context, --out, --merge-into, --timeout, --merge, --force, --use-context',
    ],
  ])('%j: unknown option with a hint and the options', async (argv, name, typo, meant, options) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const hint = meant ? ` (did you mean ${meant}?)` : '';
    const list = options ? `options: ${options}` : 'this command takes no options';
    expect(result.stderr).toBe(`cdktf-kamaji ${name}: unknown option ${typo}${hint}; ${list}\n`);
  });

  test('a value for --format suggests the closest format', async () => {
    const dir = tempDir();
    const result = await cli(['review', '--base', dir, '--head', dir, '--format', 'jsno']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--format must be one of markdown, json, got "jsno" (did you mean "json"?)');
    expect((await cli(['stacks', dir, '--format', 'txt'])).stderr).toContain('(did you mean "text"?)');
    expect((await cli(['pki', 'int'])).stderr).toContain('unknown subcommand "int" (did you mean "init"?)');
  });

  test('closest and editDistance', () => {
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('valdiate', 'validate')).toBe(1); // a swap of neighbours is one edit
    expect(closest('x', ['cn', 'out'])).toBeUndefined();
    expect(closest('--', ['--out'])).toBeUndefined();
    expect(closest('ou', ['--out', '--cn'])).toBe('--out');
    // Two candidates share the prefix: no guess.
    expect(closest('re', ['review', 'render-userdata'])).toBeUndefined();
    expect(closest('rev', ['review', 'render-userdata'])).toBe('review');
  });
});

describe('parseArgs', () => {
  test('valued flags, switches, --flag=value, -- and - as values or positionals', () => {
    expect(
      parseArgs(['a', '--out', 'x', '--force', '--cn=n=1', '-', '--', '--not-a-flag'], ['out', 'cn'], ['force']),
    ).toEqual({ flags: { out: 'x', force: true, cn: 'n=1' }, positional: ['a', '-', '--not-a-flag'] });
    expect(parseArgs(['--out', '-'], ['out']).flags).toEqual({ out: '-' });
    expect(parseArgs(['--n', '-5'], ['n']).flags).toEqual({ n: '-5' });
    expect(parseArgs(['-5'], []).positional).toEqual(['-5']);
  });

  test('refuses what would be silently misread', () => {
    const fails = (argv: string[]) => {
      try {
        parseArgs(argv, ['out'], ['force']);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(argv)}`);
    };
    expect(fails(['--out'])).toBe('--out needs a value');
    expect(fails(['--out='])).toBe('--out needs a value');
    expect(fails(['--out', '--force'])).toBe('--out needs a value (got option --force)');
    expect(fails(['--force=yes'])).toBe('--force takes no value (got "yes")');
    expect(fails(['-f'])).toBe('unknown option -f; options: --out, --force');
    expect(fails(['--forc'])).toBe('unknown option --forc (did you mean --force?); options: --out, --force');
  });
});

describe('numeric flags', () => {
  const flag = (value: string, kind?: 'whole' | 'decimal') => () => numberFlag({ n: value }, 'n', kind);

  test('plain numbers only, the bad value shown', () => {
    expect(numberFlag({}, 'n')).toBeUndefined();
    expect(flag('400')()).toBe(400);
    expect(flag('0.5', 'decimal')()).toBe(0.5);
    for (const bad of ['abc', '1e3', '0x10', ' 5', '5 ', '-5', '+5', '12.5', 'Infinity', 'NaN', '']) {
      expect(flag(bad)).toThrow(new UsageError(`--n must be a whole number (digits only), got "${bad}"`));
    }
    for (const bad of ['soon', '1.', '.5', '-1', '2s']) {
      expect(flag(bad, 'decimal')).toThrow(
        new UsageError(`--n must be a number (digits, optionally a decimal point), got "${bad}"`),
      );
    }
  });

  test('pki init --days abc names the value and writes nothing', async () => {
    const dir = path.join(tempDir(), 'ca');
    for (const bad of ['abc', '12.5', '1e3', '-30']) {
      const result = await cli(['pki', 'init', '--out', dir, '--days', bad]);
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr: `cdktf-kamaji pki: --days must be a whole number (digits only), got "${bad}"\n`,
      });
    }
    expect(fs.existsSync(dir)).toBe(false);
    // A number that breaks the rule is a validation problem, with the value.
    const tooShort = await cli(['pki', 'init', '--out', dir, '--days', '7']);
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toBe(
      'cdktf-kamaji pki: 1 problem\n  - pki init: days: 7: must be a whole number of days above 30 and at most 36500\n',
    );
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('kubeconfig --timeout soon names the value', async () => {
    const result = await cli(['kubeconfig', 'demo', '--timeout', 'soon', '--kubeconfig', '/nonexistent']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'cdktf-kamaji kubeconfig: --timeout must be a number (digits, optionally a decimal point), got "soon"\n',
    );
    const zero = await cli(['kubeconfig', 'demo', '--timeout', '0', '--kubeconfig', '/nonexistent']);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain('--timeout: "0": must be a number of seconds, more than 0 and at most 3600');
  });
});

describe('cdktf-kamaji validate: files that are not tenants files, YAML errors, long values', () => {
  test('README.md: one short problem, not 52 and not a 14 KB line', async () => {
    const result = await cli(['validate', path.join(ROOT, 'README.md')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const [header, ...problems] = result.stderr.trimEnd().split('\n');
    expect(header).toBe(`${path.join(ROOT, 'README.md')}: 1 problem`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/\(file\) \(line \d+, column \d+\): .*: is not a tenants file: not valid YAML \(/);
    expect(problems[0]).toContain('a tenants file is a YAML mapping with a "tenants" list at the top');
    expect(problems[0].length).toBeLessThan(400);
  });

  test.each([
    [
      'package.json (JSON is YAML)',
      () => fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'),
      'none of its top-level keys is platform, defaults, state, tenants',
    ],
    [
      'a kubeconfig',
      () => stringify({ apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] }),
      'none of its top-level keys',
    ],
    ['a list', () => '- name: alpha\n- name: bravo\n', 'its top level is a list'],
    ['a sentence', () => 'just some words\n', 'its top level is a string'],
    ['a number', () => '42\n', 'its top level is a number'],
    ['Markdown', () => '# Title\n\nSome *text*: with a colon.\n\n```yaml\ntenants: []\n```\n', 'not valid YAML'],
    ['HTML', () => '<html>\n  <body>: x\n    - y\n</html>\n', 'is not a tenants file'],
  ])('%s: one problem, "not a tenants file"', async (_, text, says) => {
    const file = write(tempDir(), 'input', text());
    const result = await cli(['validate', file]);
    expect(result.code).toBe(1);
    const lines = problemLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('(file)');
    expect(lines[0]).toContain('is not a tenants file');
    expect(lines[0]).toContain(says);
    expect(lines[0].length).toBeLessThan(600);
  });

  test('one YAML syntax error in a tenants file is one problem with its line and column', async () => {
    const text = fs
      .readFileSync(EXAMPLE_FLEET, 'utf8')
      .replace(
        'subnetIds: [subnet-0a1b2c3d4e5f60718, subnet-0a1b2c3d4e5f60719]',
        'subnetIds: [subnet-0a1b2c3d4e5f60718',
      );
    const file = write(tempDir(), 'tenants.yaml', text);
    const result = await cli(['validate', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `${file}: 1 problem\n` +
        `  - ${file}: (file) (line 34, column 5): "minSize: 1": is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]\n`,
    );
  });

  test.each([
    ['a tab for indentation', 'tenants:\n\t- name: alpha\n', /\(line 2, column 1\): .*is not valid YAML: /],
    [
      'an unclosed quote',
      'tenants:\n  - name: "alpha\n    kubernetesVersion: v1.35.3\n',
      /\(line \d+, column \d+\): .*is not valid YAML: /,
    ],
    [
      'a bad indent',
      'tenants:\n  - name: alpha\n   kubernetesVersion: v1.35.3\n  workers: []\n',
      /is not valid YAML: /,
    ],
    [
      'two documents',
      'tenants: []\n---\ntenants: []\n',
      /\(line 2, column 1\): "---": is not valid YAML: .*multiple documents/,
    ],
  ])('%s: one problem', async (_, text, expected) => {
    const file = write(tempDir(), 't.yaml', text);
    const result = await cli(['validate', file]);
    expect(result.code).toBe(1);
    const lines = problemLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
    expect(lines[0]).not.toContain('not a tenants file');
  });

  test('duplicate keys are independent mistakes: each is reported', async () => {
    const text = 'tenants:\n  - name: a\n    name: b\n    cni: calico\n    cni: none\n';
    const file = write(tempDir(), 'dup.yaml', text);
    const lines = problemLines((await cli(['validate', file])).stderr);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/\(line 3, column 5\): "name: b": is not valid YAML: Map keys must be unique/);
    expect(lines[1]).toMatch(/\(line 5, column 5\): "cni: none": is not valid YAML: Map keys must be unique/);
  });

  test('a near miss at the top is judged as a tenants file, with did-you-mean', async () => {
    const file = write(tempDir(), 'near.yaml', 'tenant:\n  - name: alpha\n');
    const lines = problemLines((await cli(['validate', file])).stderr);
    expect(lines).toEqual([
      expect.stringContaining('tenant (line 1, column 1): "tenant": unknown key "tenant" (did you mean "tenants"?)'),
      expect.stringMatching(/: tenants \(line 1, column 1\): \(missing\): is required$/),
    ]);
  });

  test('an empty file says what is missing', async () => {
    const file = write(tempDir(), 'empty.yaml', '# nothing yet\n');
    const lines = problemLines((await cli(['validate', file])).stderr);
    expect(lines).toEqual([expect.stringContaining('tenants: (missing): is required')]);
  });

  test('long keys, values and YAML messages are shortened in every line', async () => {
    const dir = tempDir();
    // YAML itself limits implicit keys to 1024 characters.
    const key = `k${'x'.repeat(1000)}`;
    const longKey = write(
      dir,
      'long-key.yaml',
      `tenants:\n  - name: alpha\n    kubernetesVersion: v1.35.3\n    ${key}: 1\n`,
    );
    const keyLines = problemLines((await cli(['validate', longKey])).stderr);
    expect(keyLines).toHaveLength(1);
    expect(keyLines[0].length).toBeLessThanOrEqual(600);
    expect(keyLines[0]).toContain('unknown key "kxxxxx');
    expect(keyLines[0]).toContain('..."');
    expect(keyLines[0]).toContain('allowed keys: name, kubernetesVersion');

    const longValue = write(dir, 'long-value.yaml', `tenants:\n  - name: ${'a'.repeat(14000)}\n`);
    const valueLines = problemLines((await cli(['validate', longValue])).stderr);
    expect(valueLines.length).toBeGreaterThan(0);
    for (const line of valueLines) expect(line.length).toBeLessThanOrEqual(600);

    // The YAML library quotes the rest of the file in some messages.
    const prose = write(dir, 'prose.yaml', `tenants: []\n${'word '.repeat(3000)}\n: x\n`);
    const proseLines = problemLines((await cli(['validate', prose])).stderr);
    expect(proseLines).toHaveLength(1);
    expect(proseLines[0].length).toBeLessThanOrEqual(600);
  });

  test('problemLine keeps the rule words and shortens quoted text and fields', () => {
    const line = problemLine({
      where: 'f.yaml',
      field: `tenants[0].${'y'.repeat(500)}`,
      value: 'v'.repeat(500),
      rule: `unknown key "${'y'.repeat(500)}"; allowed keys: a, b`,
      line: 3,
      column: 5,
    });
    expect(line.length).toBeLessThan(400);
    expect(line).toMatch(
      /^f\.yaml: tenants\[0\]\.y+\.\.\. \(line 3, column 5\): "v+\.\.\.: unknown key "y+\.\.\."; allowed keys: a, b$/,
    );
  });

  test('tenantsFileTextProblems accepts every valid tenants file shape it is given', () => {
    expect(tenantsFileTextProblems(fs.readFileSync(EXAMPLE_FLEET, 'utf8'), 'x')).toEqual([]);
    expect(tenantsFileTextProblems('{"tenants": []}', 'x')).toEqual([]);
    expect(tenantsFileTextProblems('', 'x')).toEqual([]);
    expect(tenantsFileTextProblems('platform: {}\n', 'x')).toEqual([]);
  });
});
