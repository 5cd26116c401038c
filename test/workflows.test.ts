import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

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

  test('deploy: one synth, then waves in order, each a matrix over its stacks with max-parallel', () => {
    const wf = workflow('deploy.yml');
    const synthSteps = wf.jobs.synth.steps.map((s: any) => s.run ?? '').join('\n');
    expect(synthSteps).toMatch(/cdktf-kamaji validate/);
    expect(synthSteps).toMatch(/npm run synth:fleet/);
    expect(synthSteps).toMatch(/cdktf-kamaji stacks cdktf\.out --format json/);
    expect(scripts['synth:fleet']).toBeDefined();
    for (let w = 0; w < 4; w++) {
      const job = wf.jobs[`wave-${w}`];
      expect(job.uses).toBe('./.github/workflows/deploy-wave.yml');
      expect(job.needs).toEqual(w === 0 ? 'synth' : ['synth', `wave-${w - 1}`]);
      expect(job.with.stacks).toContain(`[${w}]`);
      expect(job.with['max-parallel']).toMatch(/inputs\.max-parallel/);
    }
    const wave = workflow('deploy-wave.yml');
    const apply = wave.jobs.apply;
    expect(apply.strategy.matrix.stack).toMatch(/fromJSON\(inputs\.stacks\)/);
    expect(apply.strategy['max-parallel']).toMatch(/inputs\.max-parallel/);
    const run = apply.steps.map((s: any) => s.run ?? '').join('\n');
    expect(run).toMatch(/terraform -chdir=cdktf\.out\/stacks\/\$\{\{ matrix\.stack \}\} apply/);
  });
});
