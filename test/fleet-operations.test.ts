import * as fs from 'node:fs';
import * as path from 'node:path';
import { Problems } from '../src/model/errors';
import { backendOf, fileReads, preflightProblems } from '../src/model/preflight';
import { cli } from './support/cli';
import { ensureExamplePki, synthEditedFleet } from './support/fleet';
import { generatedSynthOutput } from './support/generated-synth';
import { tempDir } from './support/synth';

beforeAll(ensureExamplePki);

describe('preflight: what CI checks before it applies anything', () => {
  test('the shipped example (secret-store CA, S3 state) passes; a files CA is refused, naming the key read from outside cdktf.out', async () => {
    const shipped = await cli(['preflight', synthEditedFleet(() => undefined).outdir]);
    expect(shipped).toMatchObject({ code: 0, stderr: '' });
    const out = synthEditedFleet((d) =>
      d.setIn(
        ['tenants', 1, 'pki'],
        d.createNode({ source: 'files', certPath: 'pki/bravo/ca.crt', keyPath: 'pki/bravo/ca.key' }),
      ),
    );
    const r = await cli(['preflight', out.outdir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 problem; nothing may be applied/);
    expect(r.stderr).toMatch(
      /stacks\.tenant-bravo-control-plane: ".*examples\/fleet\/pki\/bravo\/ca\.key": is read at apply time/,
    );
    expect(r.stderr).not.toMatch(/backend/); // the example has its state: section
  });

  test('local state: every stack refused, the message names the state: section', async () => {
    const out = synthEditedFleet((d) => {
      d.delete('state');
      d.setIn(['tenants', 1, 'pki'], d.createNode({ source: 'generated' }));
    });
    const r = await cli(['preflight', out.outdir]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.includes('terraform.backend'));
    expect(lines).toHaveLength(Object.keys(out.stacks).length);
    expect(lines[0]).toMatch(/"local": must be a shared backend .*`state:` section/);
  });

  test('s3 state and no local files: ready', async () => {
    const out = synthEditedFleet((d) => d.setIn(['tenants', 1, 'pki'], d.createNode({ source: 'generated' })));
    const r = await cli(['preflight', out.outdir, '--allow-local-state']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/ready to deploy \(8 stacks\)/);
  });

  test('with the last deployed tenants file: a dropped tenant is refused', async () => {
    const dir = tempDir();
    const previous = path.join(dir, 'previous.yaml');
    const current = path.join(dir, 'current.yaml');
    fs.writeFileSync(previous, 'tenants: [{ name: a }, { name: b }]\n');
    fs.writeFileSync(current, 'tenants: [{ name: b }]\n');
    const out = generatedSynthOutput(1);
    const r = await cli(['preflight', out, '--previous', previous, '--tenants', current]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tenants\.a: "a": was dropped from the tenants file/);
    fs.writeFileSync(previous, 'tenants: [{ name: a, decommission: true }, { name: b }]\n');
    expect((await cli(['preflight', out, '--previous', previous, '--tenants', current])).code).toBe(0);
    expect((await cli(['preflight', out, '--previous', previous])).code).toBe(2); // the pair goes together
  });
});

describe('run: terraform over the waves from your machine', () => {
  let fake: string;
  let log: string;
  const savedPath = process.env.PATH;
  beforeAll(() => {
    fake = tempDir('fake-terraform-');
    log = path.join(fake, 'calls.log');
    // A fake terraform: records "<stack> <subcommand> start|end", fails or drifts on request, and
    // measures how many actions run at once (a directory entry per running action).
    fs.writeFileSync(
      path.join(fake, 'terraform'),
      `#!/usr/bin/env bash
stack=\${1#-chdir=*/stacks/}; sub=$2
echo "$stack $sub start" >> "$FAKE_LOG"
if [ "$sub" != init ]; then
  mkdir -p "$FAKE_LOG.running"; touch "$FAKE_LOG.running/$stack"
  ls "$FAKE_LOG.running" | wc -l >> "$FAKE_LOG.concurrency"; sleep 0.2; rm -f "$FAKE_LOG.running/$stack"
fi
echo "$stack $sub end" >> "$FAKE_LOG"
echo "output of $sub in $stack"
case " $FAKE_FAIL " in *" $stack "*) [ "$sub" != init ] && exit 1 ;; esac
case " $FAKE_DRIFT " in *" $stack "*) [ "$sub" != init ] && exit 2 ;; esac
case " $FAKE_INIT_FAIL " in *" $stack "*) [ "$sub" = init ] && exit 2 ;; esac
exit 0
`,
      { mode: 0o755 },
    );
    process.env.PATH = `${fake}:${savedPath}`;
    process.env.FAKE_LOG = log;
  });
  beforeEach(() => {
    fs.rmSync(log, { force: true });
    fs.rmSync(`${log}.concurrency`, { force: true });
    process.env.FAKE_FAIL = '';
    process.env.FAKE_DRIFT = '';
    process.env.FAKE_INIT_FAIL = '';
  });
  afterAll(() => {
    process.env.PATH = savedPath;
  });
  const calls = () =>
    fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l.endsWith(' start'))
      .map((l) => l.replace(/ start$/, ''));

  test('--dry-run prints init and apply per stack, waves in order, then the decommissioned stacks destroyed', async () => {
    const out = generatedSynthOutput(2, { decommissioned: [1] });
    const r = await cli(['run', 'apply', out, '--dry-run']);
    expect(r.code).toBe(0);
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('terraform'));
    const short = commands.map((c) => c.replace(/-chdir=\S+\/stacks\//, ''));
    expect(short).toEqual([
      'terraform platform init -input=false',
      'terraform platform apply -input=false -auto-approve',
      'terraform datastores init -input=false',
      'terraform datastores apply -input=false -auto-approve',
      'terraform tenant-t0-control-plane init -input=false',
      'terraform tenant-t0-control-plane apply -input=false -auto-approve',
      'terraform tenant-t0-nodes init -input=false',
      'terraform tenant-t0-nodes apply -input=false -auto-approve',
      'terraform tenant-t1-nodes init -input=false',
      'terraform tenant-t1-nodes destroy -input=false -auto-approve',
      'terraform tenant-t1-control-plane init -input=false',
      'terraform tenant-t1-control-plane destroy -input=false -auto-approve',
    ]);
    expect(commands[0]).toBe(`terraform -chdir=${out}/stacks/platform init -input=false`);
    expect(fs.existsSync(log)).toBe(false); // nothing ran
  });

  test('destroy --dry-run: every stack, dependents first', async () => {
    const out = generatedSynthOutput(1);
    const r = await cli(['run', 'destroy', out, '--dry-run']);
    const order = r.stdout
      .split('\n')
      .filter((l) => / destroy /.test(l))
      .map((l) => l.split('/stacks/')[1].split(' ')[0]);
    expect(order).toEqual(['tenant-t0-nodes', 'tenant-t0-control-plane', 'datastores', 'platform']);
  });

  test('apply with a fake terraform: wave order, bounded parallelism, logs kept per stack', async () => {
    const out = generatedSynthOutput(6);
    const r = await cli(['run', 'apply', out, '--auto-approve', '--parallel', '3']);
    expect(r.code).toBe(0);
    const order = calls();
    const applied = order.filter((c) => c.endsWith(' apply')).map((c) => c.replace(/ apply$/, ''));
    const wave = (id: string) =>
      id === 'platform' ? 0 : id === 'datastores' ? 1 : id.endsWith('control-plane') ? 2 : 3;
    // Every apply of wave N started after every apply of wave N-1 had started (and the waves are
    // awaited as a whole, so finished).
    for (let i = 1; i < applied.length; i++) expect(wave(applied[i])).toBeGreaterThanOrEqual(wave(applied[i - 1]));
    expect(applied).toHaveLength(14);
    const concurrency = fs.readFileSync(`${log}.concurrency`, 'utf8').trim().split('\n').map(Number);
    expect(Math.max(...concurrency)).toBeLessThanOrEqual(3);
    expect(Math.max(...concurrency)).toBeGreaterThan(1);
    expect(r.stdout).toContain('-- tenant-t3-nodes: apply ok\n$ terraform');
    expect(r.stdout).toContain('output of apply in tenant-t3-nodes');
  });

  test('a failing stack: its wave finishes, later waves never start, the failure is named', async () => {
    const out = generatedSynthOutput(3);
    process.env.FAKE_FAIL = 'tenant-t1-control-plane';
    const r = await cli(['run', 'apply', out, '--auto-approve']);
    expect(r.code).toBe(1);
    const order = calls();
    expect(order).toContain('tenant-t2-control-plane apply'); // the rest of the wave ran
    expect(order.filter((c) => c.includes('-nodes'))).toEqual([]); // the next wave did not
    expect(r.stderr).toMatch(/failed: tenant-t1-control-plane \(later waves not started\)/);
    expect(r.stdout).toMatch(/-- tenant-t1-control-plane: apply failed \(exit 1\)/);
  });

  test('drift: plan -detailed-exitcode per stack; exit 2 lists the drifted stacks', async () => {
    const out = generatedSynthOutput(2);
    process.env.FAKE_DRIFT = 'tenant-t1-nodes';
    const r = await cli(['run', 'drift', out]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/drifted: tenant-t1-nodes\n/);
    expect(calls().filter((c) => c.endsWith(' plan'))).toHaveLength(6);
  });

  test('drift: a failed init is a failure, not drift, whatever its exit code', async () => {
    const out = generatedSynthOutput(1);
    process.env.FAKE_INIT_FAIL = 'tenant-t0-nodes';
    const r = await cli(['run', 'drift', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/drifted:/);
    expect(r.stdout).toMatch(/-- tenant-t0-nodes: drift failed \(exit 2\)/);
  });

  test('apply and destroy need --auto-approve; unknown actions get a hint', async () => {
    const out = generatedSynthOutput(1);
    const apply = await cli(['run', 'apply', out]);
    expect(apply.code).toBe(2);
    expect(apply.stderr).toMatch(/--auto-approve/);
    const typo = await cli(['run', 'aply', out]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown action "aply" \(did you mean "apply"\?\)/);
    expect(fs.existsSync(log)).toBe(false);
  });
});

describe('preflight rules, one stack at a time', () => {
  const judge = (tf: any) => {
    const problems = new Problems('out');
    preflightProblems('s', tf, '/w/cdktf.out/stacks/s', '/w/cdktf.out', problems);
    return problems.all.map((p) => `${p.field} ${String(p.value)}`);
  };

  test('backends: none is local (Terraform default), s3 and HCP Terraform (cloud block) are shared', () => {
    expect(backendOf({})).toBe('local');
    expect(backendOf({ terraform: { backend: { local: {} } } })).toBe('local');
    expect(backendOf({ terraform: { backend: { s3: {} } } })).toBe('s3');
    expect(backendOf({ terraform: { cloud: { organization: 'o' } } })).toBe('cloud');
    expect(judge({ terraform: {} })).toEqual(['stacks.s.terraform.backend local']);
    expect(judge({ terraform: { cloud: { organization: 'o' } } })).toEqual([]);
  });

  test('file functions: every Terraform file function is found, escapes read, paths judged from the stack folder', () => {
    const tf = {
      terraform: { backend: { s3: {} } },
      resource: {
        x: {
          a: { v: '${file("../../../pki/ca.key")}', w: ['${filebase64("k\\"q")}'] },
          b: { v: '${templatefile("../../assets/t.tpl", {})} ${fileexists("x")}' },
        },
      },
    };
    expect(fileReads(tf)).toEqual(['../../../pki/ca.key', '../../assets/t.tpl', 'k"q', 'x']);
    // Outside cdktf.out: refused; inside (../../assets is cdktf.out/assets, the stack folder itself): fine.
    expect(judge(tf)).toEqual(['stacks.s ../../../pki/ca.key']);
    expect(judge({ terraform: { backend: { s3: {} } }, locals: { p: '${file("${path.module}/x")}' } })).toEqual([]);
  });
});
