import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tenantsFileText } from '../bench/tenants';
import { tempDir } from './support/synth';

const ROOT = path.resolve(__dirname, '..');

// `npm run synth:fleet` on a bad tenants file: the problems are printed once (the cdktf CLI, which
// repeats an app's stderr, is never started) and nothing is written.
describe('synth script (--fleet)', () => {
  test('a bad tenants file: every problem once, exit 1, cdktf not started, no output written', () => {
    const dir = tempDir('synth-script-');
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'tenants:\n  - name: Alpha\n    kubernetesVersion: v1.39.0\n');
    const outdir = path.join(dir, 'out');
    const run = spawnSync(process.execPath, ['--require', './scripts/ts-register.cjs', 'scripts/synth.ts', '--fleet'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, KAMAJI_TENANTS_FILE: file, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' },
    });
    expect(run.status).toBe(1);
    const output = run.stdout + run.stderr;
    expect(output.split('tenants[0].name (line 2').length - 1).toBe(1);
    expect(output.split('tenants[0].kubernetesVersion').length - 1).toBe(1);
    expect(output).toContain('2 problem(s); nothing was synthesized');
    expect(output).not.toContain('Command output on stderr');
    expect(fs.existsSync(outdir)).toBe(false);
  });

  const synthScript = (args: string[], env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['--require', './scripts/ts-register.cjs', 'scripts/synth.ts', '--fleet', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env },
    });

  test('--jobs that is not a whole number from 1 to 256: one line naming it, exit 1, cdktf not started', () => {
    const dir = tempDir('synth-script-');
    const outdir = path.join(dir, 'out');
    for (const jobs of ['0', 'many']) {
      const run = synthScript(['--jobs', jobs], { CDKTF_OUTDIR: outdir });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`KAMAJI_SYNTH_JOBS`);
      expect(run.stderr).toContain(`must be a whole number from 1 to 256`);
      expect(run.stdout + run.stderr).not.toContain('Command output on stderr');
    }
    expect(fs.existsSync(outdir)).toBe(false);
  });

  // The fleet app through the cdktf CLI (cdktf synth --app ... examples/fleet/main.ts), twice into one
  // folder: the second run takes every stack from the cache, and our stacks command reads the output.
  test('--jobs 2 through the cdktf CLI, then again from the cache; `cdktf-kamaji stacks` reads the output', () => {
    const dir = tempDir('synth-script-');
    const file = path.join(dir, 'tenants.yaml');
    fs.writeFileSync(file, tenantsFileText(2));
    const outdir = path.join(dir, 'out');
    const env = { KAMAJI_TENANTS_FILE: file, CDKTF_OUTDIR: outdir };
    const first = synthScript(['--jobs', '2'], env);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.stacks).sort()).toEqual([
      'platform',
      'tenant-t0001-control-plane',
      'tenant-t0001-nodes',
      'tenant-t0002-control-plane',
      'tenant-t0002-nodes',
    ]);
    const stackFile = path.join(outdir, 'stacks', 'tenant-t0002-nodes', 'cdk.tf.json');
    const before = fs.statSync(stackFile).mtimeMs;
    const second = synthScript([], env);
    expect(second.status).toBe(0);
    expect(fs.statSync(stackFile).mtimeMs).toBe(before);
    const stacks = spawnSync(
      process.execPath,
      ['--require', './scripts/ts-register.cjs', 'src/cli.ts', 'stacks', outdir, '--format', 'json'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(stacks.status).toBe(0);
    expect(stacks.stdout).toContain('tenant-t0002-nodes');
  }, 180_000);
});
