import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
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
});
