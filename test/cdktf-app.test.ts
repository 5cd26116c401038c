import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tempDir } from './support/synth';

/**
 * `npx cdktf synth`/`deploy` run the app command of cdktf.json. It must run the example's current
 * TypeScript, not a compiled copy in lib/ that an edit leaves stale. The test edits a copy of the
 * quickstart (in a folder that also sees this project's lib/, so a command running compiled code would
 * find the old app there) and runs the real cdktf CLI on it.
 */
const ROOT = path.join(__dirname, '..');
const CDKTF_JSON = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdktf.json'), 'utf8')) as { app: string };

describe('the cdktf app command (cdktf.json)', () => {
  test('runs TypeScript sources, not compiled output', () => {
    expect(CDKTF_JSON.app).not.toMatch(/\blib\//);
    expect(CDKTF_JSON.app).toMatch(/examples\/quickstart\/main\.ts/);
  });

  test('an edit to examples/quickstart/app.ts is what `cdktf synth` synthesizes', () => {
    const dir = tempDir('cdktf-app-');
    // The project as cdktf sees it: the same sources, packages and (possibly stale) lib/ ...
    for (const entry of ['node_modules', 'src', 'stacks', 'scripts', 'lib', 'package.json', 'tsconfig.json'])
      if (fs.existsSync(path.join(ROOT, entry))) fs.symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
    fs.copyFileSync(path.join(ROOT, 'cdktf.json'), path.join(dir, 'cdktf.json'));
    // ... and a copy of the quickstart with the tenant renamed, as a user would edit QUICKSTART.
    const quickstart = path.join(dir, 'examples', 'quickstart');
    fs.mkdirSync(quickstart, { recursive: true });
    for (const file of fs.readdirSync(path.join(ROOT, 'examples', 'quickstart')))
      fs.copyFileSync(path.join(ROOT, 'examples', 'quickstart', file), path.join(quickstart, file));
    const app = fs.readFileSync(path.join(quickstart, 'app.ts'), 'utf8');
    expect(app).toContain("name: 'demo'");
    fs.writeFileSync(path.join(quickstart, 'app.ts'), app.replace("name: 'demo'", "name: 'edited'"));

    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDKTF_')));
    const run = spawnSync(path.join(dir, 'node_modules', '.bin', 'cdktf'), ['synth', '--output', 'out'], {
      cwd: dir,
      env: { ...env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: os.devNull, CI: '1' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.stacks).sort()).toEqual([
      'platform',
      'tenant-edited-control-plane',
      'tenant-edited-nodes',
    ]);
  });
});
