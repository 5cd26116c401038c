import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { bootstrapTokenSpec, simulateTokenSlots, tokenValidAt } from '../src/model/bootstrap-token';
import { GITHUB_MATRIX_LIMIT } from '../src/model/waves';
import { generatedSynthOutput } from './support/generated-synth';
import { tempDir } from './support/synth';

const workflow = (name: string) =>
  parse(fs.readFileSync(path.join(__dirname, '..', '.github', 'workflows', name), 'utf8')) as Record<string, any>;
const scripts = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).scripts;

describe('GitHub workflows', () => {
  test('review: synthesizes both sides with a script that exists, reviews, comments only for same-repo PRs', () => {
    const wf = workflow('review.yml');
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(scripts[wf.env.SYNTH_SCRIPT]).toBeDefined();
    const steps = wf.jobs['synth-and-review'].steps.map((s: any) => s.run ?? s.uses).join('\n');
    expect(steps).toMatch(/review --base \.\.\/base\/cdktf\.out --head cdktf\.out/);
    expect(wf.jobs['synth-and-review'].permissions).toBeUndefined(); // read-only from the top level
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.comment.if).toMatch(/head\.repo\.full_name == github\.repository/);
    expect(wf.jobs.comment.permissions).toEqual({ 'pull-requests': 'write' });
  });
});

const ROOT = path.join(__dirname, '..');
const WORKFLOWS = ['deploy.yml', 'deploy-wave.yml', 'drift.yml'];
const step = (job: any, name: RegExp) => {
  const found = job.steps.find((st: any) => name.test(st.name ?? st.run ?? ''));
  if (!found) throw new Error(`no step ${name}`);
  return found;
};
/** GITHUB_OUTPUT lines `key=value` as an object. */
const outputs = (file: string) =>
  Object.fromEntries(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

/**
 * Runs the `run:` script of a workflow step with bash, the way the runner does, in `cwd`, with `npx`
 * resolving to this repository's CLI and `path` first on PATH.
 */
function runStep(
  script: string,
  env: Record<string, string>,
  options: { cwd?: string; path?: string[] } = {},
): { code: number; stdout: string; stderr: string; output: Record<string, string>; summary: string } {
  const bin = tempDir('wf-bin-');
  fs.writeFileSync(
    path.join(bin, 'npx'),
    `#!/usr/bin/env bash\n[ "$1" = cdktf-kamaji ] || { echo "unexpected npx $1" >&2; exit 99; }\nshift\nexec node --require ${ROOT}/scripts/ts-register.cjs ${ROOT}/src/cli.ts "$@"\n`,
    { mode: 0o755 },
  );
  const out = path.join(bin, 'output');
  const summary = path.join(bin, 'summary');
  fs.writeFileSync(out, '');
  fs.writeFileSync(summary, '');
  const run = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: options.cwd ?? ROOT,
    env: {
      ...process.env,
      PATH: [...(options.path ?? []), bin, process.env.PATH].join(':'),
      GITHUB_OUTPUT: out,
      GITHUB_STEP_SUMMARY: summary,
      RUNNER_TEMP: bin,
      ...env,
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return {
    code: run.status ?? -1,
    stdout: run.stdout,
    stderr: run.stderr,
    output: outputs(out),
    summary: fs.readFileSync(summary, 'utf8'),
  };
}

describe('deploy workflows as shipped', () => {
  const deploy = workflow('deploy.yml');
  const wave = workflow('deploy-wave.yml');

  test('no hard-coded region anywhere: it comes from the tenants file or an input', () => {
    for (const name of WORKFLOWS) {
      expect(fs.readFileSync(path.join(ROOT, '.github', 'workflows', name), 'utf8')).not.toMatch(
        /[a-z]{2}-[a-z]+-\d\b/,
      );
    }
    expect(wave.jobs.run.steps.find((st: any) => /configure-aws-credentials/.test(st.uses)).with['aws-region']).toBe(
      '${{ inputs.aws-region }}',
    );
  });

  test('synth: validate, synth, the last deployed tenants file, preflight, then waves; nothing applied before', () => {
    const names = deploy.jobs.synth.steps.map((st: any) => st.name ?? st.run ?? st.uses);
    const at = (re: RegExp) => names.findIndex((n: string) => re.test(n));
    expect(at(/cdktf-kamaji validate/)).toBeGreaterThan(-1);
    expect(at(/npm run synth:fleet/)).toBeGreaterThan(at(/cdktf-kamaji validate/));
    expect(at(/^Preflight/)).toBeGreaterThan(at(/last successful deploy/));
    expect(at(/^Waves and batches/)).toBeGreaterThan(at(/^Preflight/));
    expect(at(/upload-artifact/)).toBeGreaterThan(at(/^Waves and batches/));
    expect(step(deploy.jobs.synth, /^Preflight/).run).toMatch(
      /cdktf-kamaji preflight cdktf\.out --previous "\$RUNNER_TEMP\/previous-tenants\.yaml" --tenants "\$KAMAJI_TENANTS_FILE"/,
    );
    expect(step(deploy.jobs.synth, /last successful deploy/).run).toMatch(
      /gh run list --workflow deploy\.yml --branch main --status success/,
    );
    expect(deploy.jobs.synth.steps[0].with['fetch-depth']).toBe(0);
    expect(deploy.jobs.synth.permissions).toEqual({ contents: 'read', actions: 'read' });
    // every wave job needs the synth job (which fails on a preflight problem)
    for (const [id, job] of Object.entries<any>(deploy.jobs))
      if (id !== 'synth') expect([job.needs].flat()).toContain('synth');
  });

  test('the shipped example passes the per-fleet settings step (region from its state: section)', () => {
    const r = runStep(step(deploy.jobs.synth, /Per-fleet settings/).run, {
      KAMAJI_TENANTS_FILE: 'examples/fleet/tenants.yaml',
      AWS_REGION_INPUT: '',
    });
    expect(r.code).toBe(0);
    expect(r.output).toEqual({ 'aws-region': 'eu-west-1', 'kubeconfig-path': '~/.kube/config' });
  });

  test('a tenants file without state: no region, a clear error naming the state: section; the input overrides', () => {
    const dir = tempDir();
    const file = path.join(dir, 'tenants.yaml');
    fs.writeFileSync(file, 'platform: { kubeconfigPath: /etc/mgmt.conf }\ntenants: [{ name: a }]\n');
    const script = step(deploy.jobs.synth, /Per-fleet settings/).run;
    const bad = runStep(script, { KAMAJI_TENANTS_FILE: file, AWS_REGION_INPUT: '' });
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/::error file=.*::no AWS region: set the tenants file's state: section/);
    const input = runStep(script, { KAMAJI_TENANTS_FILE: file, AWS_REGION_INPUT: 'us-east-2' });
    expect(input.output).toEqual({ 'aws-region': 'us-east-2', 'kubeconfig-path': '/etc/mgmt.conf' });
  });

  test('apply waves in order, then destroy waves after every apply; each a matrix over batches', () => {
    for (let w = 0; w < 4; w++) {
      const job = deploy.jobs[`apply-${w}`];
      expect(job.uses).toBe('./.github/workflows/deploy-wave.yml');
      expect(job.needs).toEqual(w === 0 ? 'synth' : ['synth', `apply-${w - 1}`]);
      expect(job.if).toBe(`needs.synth.outputs.apply-count > ${w}`);
      expect(job.with).toMatchObject({
        action: 'apply',
        batches: `\${{ toJSON(fromJSON(needs.synth.outputs.apply)[${w}]) }}`,
        'aws-region': '${{ needs.synth.outputs.aws-region }}',
        'kubeconfig-path': '${{ needs.synth.outputs.kubeconfig-path }}',
      });
      expect(job.secrets).toBe('inherit');
    }
    const d0 = deploy.jobs['destroy-0'];
    expect(d0.needs).toEqual(['synth', 'apply-0', 'apply-1', 'apply-2', 'apply-3']);
    expect(d0.if).toMatch(/!cancelled\(\) && !contains\(needs\.\*\.result, 'failure'\)/);
    expect(d0.with.batches).toBe('${{ toJSON(fromJSON(needs.synth.outputs.destroy)[0]) }}');
    expect(d0.with.action).toBe('destroy');
    const d1 = deploy.jobs['destroy-1'];
    expect(d1.needs).toEqual(['synth', 'destroy-0']);
    expect(d1.if).toMatch(/needs\.destroy-0\.result == 'success'/);
    expect(d1.with.batches).toBe('${{ toJSON(fromJSON(needs.synth.outputs.destroy)[1]) }}');
  });

  test('wave job: the artifact, terraform, OIDC and the kubeconfig, nothing else (no checkout)', () => {
    const job = wave.jobs.run;
    expect(job.strategy.matrix.batch).toBe('${{ fromJSON(inputs.batches) }}');
    expect(job.strategy['max-parallel']).toBe('${{ inputs.max-parallel }}');
    expect(job.strategy['fail-fast']).toBe(false);
    const uses = job.steps.map((st: any) => st.uses).filter(Boolean);
    expect(uses.map((u: string) => u.split('@')[0])).toEqual([
      'actions/download-artifact',
      'hashicorp/setup-terraform',
      'aws-actions/configure-aws-credentials',
    ]);
    expect(Object.keys(wave.on.workflow_call.secrets)).toEqual(['AWS_ROLE_ARN', 'KUBECONFIG_B64']);
    // The kubeconfig lands where the stacks read it, `~` expanded like the providers do.
    const kube = step(job, /Management kubeconfig/);
    const home = tempDir('home-');
    const r = runStep(kube.run, {
      HOME: home,
      KUBECONFIG_B64: Buffer.from('apiVersion: v1\n').toString('base64'),
      KUBECONFIG_PATH: '~/.kube/mgmt',
    });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(home, '.kube', 'mgmt'), 'utf8')).toBe('apiVersion: v1\n');
    expect(fs.statSync(path.join(home, '.kube', 'mgmt')).mode & 0o777).toBe(0o600);
  });
});

describe('1,000 tenants through the shipped deploy workflow', () => {
  const deploy = workflow('deploy.yml');
  let output: Record<string, string>;
  let out: string;
  const decommissioned = [7, 500, 999];
  beforeAll(() => {
    out = generatedSynthOutput(1000, { decommissioned });
    const work = tempDir();
    fs.symlinkSync(out, path.join(work, 'cdktf.out'));
    const r = runStep(
      step(deploy.jobs.synth, /^Waves and batches/).run,
      { BATCH_SIZE: deploy.env.BATCH_SIZE.match(/'(\d+)'/)[1] },
      { cwd: work },
    );
    if (r.code !== 0) throw new Error(r.stderr);
    output = r.output;
  }, 120_000);

  test("every matrix, and all of them together, stay within GitHub's 256 jobs per run", () => {
    const apply: string[][] = JSON.parse(output.apply);
    const destroy: string[][] = JSON.parse(output.destroy);
    expect(output['apply-count']).toBe('4');
    expect(output['destroy-count']).toBe('2');
    // What each wave job's `batches` expression hands to deploy-wave.yml's matrix.
    const matrices = [...apply, ...destroy];
    for (const m of matrices) expect(m.length).toBeLessThanOrEqual(GITHUB_MATRIX_LIMIT);
    for (const m of matrices) for (const batch of m) expect(batch.split(' ').length).toBeLessThanOrEqual(8);
    expect(matrices.reduce((n, m) => n + m.length, 0)).toBeLessThanOrEqual(GITHUB_MATRIX_LIMIT);
  });

  test('every stack appears exactly once; decommissioned tenants only in the destroy waves, nodes first', () => {
    const split = (waves: string[][]) => waves.map((w) => w.flatMap((b) => b.split(' ')));
    const apply = split(JSON.parse(output.apply));
    const destroy = split(JSON.parse(output.destroy));
    const all = [...apply, ...destroy].flat();
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(all.sort()).toEqual(Object.keys(manifest.stacks).sort());
    expect(new Set(all).size).toBe(all.length);
    expect(apply.map((w) => w.length)).toEqual([1, 1, 997, 997]);
    const gone = ['t0007', 't0500', 't0999'];
    expect(destroy).toEqual([gone.map((t) => `tenant-${t}-nodes`), gone.map((t) => `tenant-${t}-control-plane`)]);
    expect(apply[2].every((s) => s.endsWith('-control-plane'))).toBe(true);
  });
});

describe("the wave job's terraform step", () => {
  const script = step(workflow('deploy-wave.yml').jobs.run, /^terraform/).run;
  let work: string;
  let fake: string;
  beforeEach(() => {
    work = tempDir();
    fake = tempDir('fake-tf-');
    fs.writeFileSync(
      path.join(fake, 'terraform'),
      `#!/usr/bin/env bash
stack=\${1#-chdir=cdktf.out/stacks/}; sub=$2
echo "$stack $sub" >> "$WORK/calls"
if [ "$sub" != init ]; then
  mkdir -p "$WORK/running"; touch "$WORK/running/$stack"; ls "$WORK/running" | wc -l >> "$WORK/concurrency"
  sleep 0.2; rm -f "$WORK/running/$stack"
fi
echo "log of $sub $stack"
case " $FAIL " in *" $stack "*) [ "$sub" != init ] && exit 1 ;; esac
case " $DRIFT " in *" $stack "*) [ "$sub" = plan ] && exit 2 ;; esac
exit 0
`,
      { mode: 0o755 },
    );
  });
  const run = (env: Record<string, string>) =>
    runStep(
      script,
      { WORK: work, TF_PLUGIN_CACHE_DIR: path.join(work, 'plugins'), FAIL: '', DRIFT: '', PARALLEL: '2', ...env },
      { cwd: work, path: [fake] },
    );
  const calls = () => fs.readFileSync(path.join(work, 'calls'), 'utf8').trim().split('\n');

  test('apply: every init first, one at a time, then the applies at most PARALLEL at once, each log grouped', () => {
    const r = run({ ACTION: 'apply', STACKS: 'a b c d e' });
    expect(r.code).toBe(0);
    const c = calls();
    expect(c.slice(0, 5)).toEqual(['a init', 'b init', 'c init', 'd init', 'e init']);
    expect(c.slice(5).sort()).toEqual(['a apply', 'b apply', 'c apply', 'd apply', 'e apply']);
    const concurrency = fs.readFileSync(path.join(work, 'concurrency'), 'utf8').trim().split('\n').map(Number);
    expect(Math.max(...concurrency)).toBe(2);
    for (const s of ['a', 'b', 'c', 'd', 'e']) {
      expect(r.stdout).toContain(`::group::apply ${s} (exit 0)\nlog of init ${s}\nlog of apply ${s}\n::endgroup::`);
    }
  });

  test('a failed stack fails the job after the others ran, named in an error and the summary', () => {
    const r = run({ ACTION: 'apply', STACKS: 'a b c', FAIL: 'b' });
    expect(r.code).not.toBe(0);
    expect(
      calls()
        .filter((l) => l.endsWith('apply'))
        .sort(),
    ).toEqual(['a apply', 'b apply', 'c apply']);
    expect(r.stdout).toContain('::error title=apply failed::b (exit 1)');
    expect(r.summary).toBe('### apply failed\n\n- `b`\n');
  });

  test('destroy runs terraform destroy', () => {
    expect(run({ ACTION: 'destroy', STACKS: 'x' }).code).toBe(0);
    expect(calls()).toEqual(['x init', 'x destroy']);
  });

  test('drift: plan -detailed-exitcode; exit 2 lists the stack in the job summary and fails the job', () => {
    const r = run({ ACTION: 'drift', STACKS: 'a b', DRIFT: 'b' });
    expect(r.code).not.toBe(0);
    expect(r.summary).toBe('### Drifted stacks\n\n- `b`\n');
    expect(r.stdout).toContain('::error title=drift::b differs from its configuration');
    expect(run({ ACTION: 'drift', STACKS: 'a b' }).code).toBe(0);
  });
});

describe('scheduled operations', () => {
  test('the daily deploy re-applies the nodes stacks often enough that a joining node always finds a valid token', () => {
    const cron: string = workflow('deploy.yml').on.schedule[0].cron;
    const [minute, hour, dom, month, dow] = cron.split(' ');
    expect([dom, month, dow]).toEqual(['*', '*', '*']); // every day
    expect(Number(minute)).toBeGreaterThan(0); // off the top of the hour
    // Daily runs (each up to 5 h late: GitHub delays scheduled runs under load), with an outage of
    // `missed` days starting on any weekday: with the default rotation (168 h) and TTL (720 h), the
    // token the last apply delivered stays valid through 22 missed days (TTL - rotation - a day), not 24.
    const spec = bootstrapTokenSpec({});
    const alwaysValid = (missed: number) => {
      for (let start = 100; start < 107; start++) {
        const applies: number[] = [];
        for (let day = 0; day < 200; day++) {
          if (day >= start && day < start + missed) continue;
          applies.push(day * 24 + Number(hour) + ((day * 7) % 6));
        }
        const { delivered } = simulateTokenSlots(spec, applies);
        for (let i = 0; i < delivered.length; i++) {
          const [at, token] = delivered[i];
          const until = i + 1 < delivered.length ? delivered[i + 1][0] : at + 24;
          for (let t = at; t < until; t++) if (!tokenValidAt(token, t)) return false;
        }
      }
      return true;
    };
    expect(alwaysValid(0)).toBe(true);
    expect(alwaysValid(22)).toBe(true);
    expect(alwaysValid(24)).toBe(false);
  });

  test('drift: daily, read-only (-lock=false), its own concurrency group, every stack that should exist', () => {
    const drift = workflow('drift.yml');
    expect(drift.on.schedule[0].cron).toMatch(/^\d+ \d+ \* \* \*$/);
    expect(drift.concurrency.group).not.toBe(workflow('deploy.yml').concurrency.group);
    expect(drift.jobs.plan.with.action).toBe('drift');
    expect(step(drift.jobs.synth, /cdktf-kamaji stacks/).run).toMatch(/jq -c '\[\.batches\.apply\[\]\[\]\]'/);
    expect(step(workflow('deploy-wave.yml').jobs.run, /^terraform/).run).toMatch(
      /drift\) args=\(plan -input=false -detailed-exitcode -lock=false\)/,
    );
  });
});

test('every run script of the deploy workflows passes shellcheck (warnings and errors)', () => {
  const which = spawnSync('shellcheck', ['--version']);
  if (which.error) {
    // KAMAJI_CI=1 machines carry shellcheck (.ci/run installs it); elsewhere say what is missing.
    expect(process.env.KAMAJI_CI).toBeUndefined();
    return;
  }
  const found: string[] = [];
  for (const name of WORKFLOWS) {
    for (const [id, job] of Object.entries<any>(workflow(name).jobs)) {
      for (const st of job.steps ?? []) {
        if (!st.run) continue;
        // Expressions are substituted by the runner before bash sees the script.
        const script = String(st.run).replace(/\$\{\{[^}]*\}\}/g, 'X');
        const r = spawnSync('shellcheck', ['-s', 'bash', '-S', 'warning', '-'], { input: script, encoding: 'utf8' });
        if (r.status !== 0) found.push(`${name} ${id} ${st.name ?? ''}\n${r.stdout}`);
      }
    }
  }
  expect(found).toEqual([]);
});
