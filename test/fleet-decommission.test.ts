import { loadTenantsFile } from '../src/model/tenants-file';
import { fleetInventory, removalProblems } from '../src/model/decommission';
import { Problems } from '../src/model/errors';
import { cli } from './support/cli';
import { ensureExamplePki, synthEditedFleet } from './support/fleet';
import { SynthOutput } from './support/synth';

beforeAll(ensureExamplePki);

const isMarked = (out: SynthOutput, id: string) => out.stacks[id].locals?.kamaji_decommission === true;
const preventsDestroy = (text: string) => /"prevent_destroy":\s*true/.test(text);

describe('decommissioning a tenant (step 1: decommission: true)', () => {
  let base: SynthOutput;
  let out: SynthOutput;
  beforeAll(() => {
    base = synthEditedFleet(() => undefined);
    // charlie: AwsElasticIP, so its stack holds Elastic IPs as well as the TenantControlPlane.
    out = synthEditedFleet((d) => d.setIn(['tenants', 2, 'decommission'], true));
  });

  test('its stacks are still synthesized and carry the top-level local kamaji_decommission = true', () => {
    expect(Object.keys(out.stacks)).toEqual(Object.keys(base.stacks));
    expect(out.stacks['tenant-charlie-control-plane'].locals).toMatchObject({ kamaji_decommission: true });
    expect(out.stacks['tenant-charlie-nodes'].locals).toMatchObject({ kamaji_decommission: true });
  });

  test('every prevent_destroy of the tenant is off (TenantControlPlane, Elastic IPs), nothing else changes', () => {
    expect(preventsDestroy(base.texts['tenant-charlie-control-plane'])).toBe(true);
    const cp = out.stacks['tenant-charlie-control-plane'];
    const eips = Object.values(cp.resource!.aws_eip);
    expect(eips.length).toBeGreaterThan(0);
    for (const eip of eips) expect(eip.lifecycle.prevent_destroy).toBe(false);
    for (const m of Object.values(cp.resource!.kubernetes_manifest)) expect(m.lifecycle.prevent_destroy).toBe(false);
    expect(preventsDestroy(out.texts['tenant-charlie-control-plane'])).toBe(false);
    expect(preventsDestroy(out.texts['tenant-charlie-nodes'])).toBe(false);
    // The other tenants' stacks are byte-identical, and not marked.
    for (const id of Object.keys(base.stacks).filter((s) => !s.includes('charlie'))) {
      expect(out.texts[id]).toBe(base.texts[id]);
      expect(isMarked(out, id)).toBe(false);
    }
  });

  test('stacks: the tenant leaves the apply waves; destroy lists its nodes stack, then its control plane', async () => {
    const json = await cli(['stacks', out.outdir, '--format', 'json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    const applied = parsed.waves.flatMap((w: { stacks: string[] }) => w.stacks);
    expect(applied.filter((s: string) => s.includes('charlie'))).toEqual([]);
    expect(applied).toContain('tenant-alpha-nodes');
    expect(parsed.destroy).toEqual([['tenant-charlie-nodes'], ['tenant-charlie-control-plane']]);
    expect(parsed.batches.destroy).toEqual([['tenant-charlie-nodes'], ['tenant-charlie-control-plane']]);
    const text = await cli(['stacks', out.outdir]);
    expect(text.stdout).toContain('destroy 0: tenant-charlie-nodes\ndestroy 1: tenant-charlie-control-plane\n');
  });
});

describe('decommissioning pools', () => {
  test('one pool: its resources leave the nodes stack, which stays (not marked)', () => {
    const base = synthEditedFleet(() => undefined);
    const out = synthEditedFleet((d) => d.setIn(['tenants', 2, 'workers', 1, 'decommission'], true));
    const groups = (o: SynthOutput) => Object.keys(o.stacks['tenant-charlie-nodes'].resource!.aws_autoscaling_group);
    expect(groups(base).some((g) => g.startsWith('PoolBatch_'))).toBe(true);
    expect(groups(out).some((g) => g.startsWith('PoolBatch_'))).toBe(false);
    expect(groups(out).some((g) => g.startsWith('PoolGeneral_'))).toBe(true);
    expect(out.texts['tenant-charlie-nodes']).not.toMatch(/PoolBatch/);
    expect(isMarked(out, 'tenant-charlie-nodes')).toBe(false);
    expect(isMarked(out, 'tenant-charlie-control-plane')).toBe(false);
  });

  test('every pool: the nodes stack keeps them and is marked for destruction; the control plane stays', () => {
    const out = synthEditedFleet((d) => d.setIn(['tenants', 0, 'workers', 0, 'decommission'], true));
    expect(isMarked(out, 'tenant-alpha-nodes')).toBe(true);
    expect(isMarked(out, 'tenant-alpha-control-plane')).toBe(false);
    expect(Object.keys(out.stacks['tenant-alpha-nodes'].resource!.aws_autoscaling_group)).toHaveLength(1);
  });
});

describe('decommission in the tenants file', () => {
  test('must be a boolean, on a tenant and on a pool', () => {
    const loaded = loadTenantsFile(
      `defaults: { kubernetesVersion: v1.35.3, awsRegion: eu-west-1, workers: { instanceType: m7i.large, subnetIds: [subnet-0a1b2c3d4e5f60718] } }
tenants:
  - name: a
    decommission: "yes"
    workers: [{ name: general, decommission: 1 }]
`,
      't.yaml',
    );
    const fields = loaded.problems.map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['tenants[0].decommission', 'tenants[0].workers[0].decommission']));
    expect(loaded.problems.find((p) => p.field === 'tenants[0].decommission')!.rule).toMatch(/true or false/);
  });
});

describe('step 2, dropping the entry: refused unless the last deployed file decommissioned it', () => {
  const file = (tenants: string) => `tenants:\n${tenants}`;
  const check = (previous: string, current: string) => {
    const problems = new Problems('tenants.yaml');
    removalProblems(fleetInventory(previous), fleetInventory(current), problems);
    return problems.all;
  };
  const a = '  - name: a\n    workers: [{ name: general }, { name: batch }]\n';
  const aGone = '  - name: a\n    decommission: true\n    workers: [{ name: general }, { name: batch }]\n';
  const b = '  - name: b\n';

  test('a tenant dropped without decommission: one problem naming it and the way out', () => {
    const problems = check(file(a + b), file(b));
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe('tenants.a');
    expect(problems[0].rule).toMatch(/did not decommission it.*decommission: true/);
  });

  test('a tenant decommissioned in the deployed file may go, pools and all', () => {
    expect(check(file(aGone + b), file(b))).toEqual([]);
  });

  test('a renamed tenant is a drop too', () => {
    expect(check(file(a), file(a.replace('name: a', 'name: a2')))).toHaveLength(1);
  });

  test('pools: dropped without decommission refused, with decommission allowed', () => {
    const dropped = check(file(a), file('  - name: a\n    workers: [{ name: general }]\n'));
    expect(dropped.map((p) => p.field)).toEqual(['tenants.a.workers.batch']);
    const marked = '  - name: a\n    workers: [{ name: general }, { name: batch, decommission: true }]\n';
    expect(check(file(marked), file('  - name: a\n    workers: [{ name: general }]\n'))).toEqual([]);
  });

  test('marking is not dropping, and adding is always fine', () => {
    expect(check(file(a), file(aGone))).toEqual([]);
    expect(check(file(b), file(a + b))).toEqual([]);
  });

  test('a previous file that is not YAML has no tenants to lose', () => {
    expect(check(': : :', file(b))).toEqual([]);
  });
});
