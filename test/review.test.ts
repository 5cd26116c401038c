import { ResourceAction, StackStatus } from '../src/review/diff';
import { RiskKind } from '../src/review/flags';
import { Review, review } from '../src/review/review';
import { readSynthOutput } from '../src/review/synth-output';
import { Fleet, baseFleet, synthFleet, withTenant } from './fixtures/review/fleet';

/** Base fleet: tenants alpha (v1.34.2, default DataStore) and beta (v1.35.3, DataStore postgres). */
let baseDir: string;
beforeAll(() => {
  baseDir = synthFleet(baseFleet());
});

function reviewAgainstBase(head: Fleet): Review {
  return review(readSynthOutput(baseDir), readSynthOutput(synthFleet(head)));
}

/** `kind tenant` of every flag, in report order. */
function flagsOf(r: Review): string[] {
  return r.flags.map((f) => `${f.kind} ${f.tenant ?? '-'}`);
}

function change(r: Review, stack: string, address: string) {
  const c = r.stacks.find((s) => s.id === stack)?.resources.find((x) => x.address === address);
  if (!c) throw new Error(`no change for ${address} in ${stack}`);
  return c;
}

describe('review of fleet changes: the expected flags and no others', () => {
  test('no change: nothing changed, no flags', () => {
    const r = reviewAgainstBase(baseFleet());
    expect(flagsOf(r)).toEqual([]);
    expect(r.stacks.every((s) => s.status === StackStatus.UNCHANGED)).toBe(true);
    expect(r.summary.resources).toEqual({ added: 0, changed: 0, removed: 0, replaced: 0 });
  });

  test('add a tenant: two stacks added, no flags', () => {
    const fleet = baseFleet();
    const r = reviewAgainstBase({ ...fleet, tenants: [...fleet.tenants, { name: 'gamma', version: 'v1.35.3' }] });
    expect(flagsOf(r)).toEqual([]);
    expect(r.summary.tenants).toEqual({ added: ['gamma'], changed: [], removed: [] });
    expect(r.summary.stacks).toMatchObject({ added: 2, changed: 0, removed: 0 });
    const cp = r.stacks.find((s) => s.id === 'tenant-gamma-control-plane')!;
    expect(cp.status).toBe(StackStatus.ADDED);
    expect(cp.resources.map((c) => c.action)).toEqual(cp.resources.map(() => ResourceAction.CREATE));
    expect(cp.resources.map((c) => c.address)).toContain('kubernetes_manifest.TenantControlPlane');
  });

  test('remove a tenant: its TCP removed (data loss) and both stacks removed', () => {
    const fleet = baseFleet();
    const r = reviewAgainstBase({ ...fleet, tenants: fleet.tenants.filter((t) => t.name !== 'alpha') });
    expect(flagsOf(r)).toEqual(['control-plane-removed alpha', 'stack-removed alpha', 'stack-removed alpha']);
    expect(r.flags.filter((f) => f.kind === RiskKind.STACK_REMOVED).map((f) => f.stack)).toEqual([
      'tenant-alpha-control-plane',
      'tenant-alpha-nodes',
    ]);
    expect(r.flags[0].reason).toMatch(/TenantControlPlane tenants\/alpha is removed.*deletes the tenant's data/);
    expect(r.summary.tenants.removed).toEqual(['alpha']);
  });

  test('bump a version by one minor (workers follow): the pool rolls, the TCP version path changes', () => {
    const r = reviewAgainstBase(withTenant(baseFleet(), 'alpha', { version: 'v1.35.0' }));
    expect(flagsOf(r)).toEqual(['worker-pool-rolled alpha']);
    const tcp = change(r, 'tenant-alpha-control-plane', 'kubernetes_manifest.TenantControlPlane');
    expect(tcp.action).toBe(ResourceAction.UPDATE);
    expect(tcp.attributes).toEqual([
      { path: 'manifest.spec.kubernetes.version', before: '"v1.34.2"', after: '"v1.35.0"' },
    ]);
    const lt = change(r, 'tenant-alpha-nodes', 'aws_launch_template.LaunchTemplate');
    expect(lt).toMatchObject({ action: ResourceAction.UPDATE, attributes: [{ path: 'user_data' }] });
  });

  test('bump a version by two minors: version-skip', () => {
    const r = reviewAgainstBase(withTenant(baseFleet(), 'alpha', { version: 'v1.36.0' }));
    expect(flagsOf(r)).toEqual(['version-skip alpha', 'worker-pool-rolled alpha']);
    expect(r.flags[0].reason).toContain('v1.34.2 -> v1.36.0 skips 1 minor version(s)');
  });

  test('downgrade: version-downgrade', () => {
    const r = reviewAgainstBase(withTenant(baseFleet(), 'beta', { version: 'v1.34.0' }));
    expect(flagsOf(r)).toEqual(['version-downgrade beta', 'worker-pool-rolled beta']);
  });

  test('workers newer than the control plane: worker-version-skew on the nodes stack', () => {
    const r = reviewAgainstBase(withTenant(baseFleet(), 'alpha', { workerVersion: 'v1.35.0' }));
    expect(flagsOf(r)).toEqual(['worker-version-skew alpha', 'worker-pool-rolled alpha']);
    expect(r.flags[0]).toMatchObject({ stack: 'tenant-alpha-nodes' });
    expect(r.flags[0].reason).toContain('kubelet v1.35.0 is newer than the control plane v1.34.2');
  });

  test('user data kept in a stack local (as AwsWorkerPool does) is read through local.<name>', () => {
    const out = readSynthOutput(synthFleet(baseFleet()));
    const nodes = out.stacks.get('tenant-alpha-nodes')!;
    const lt = nodes.resources.get('aws_launch_template.LaunchTemplate')!;
    (lt.config as any).user_data = '${base64encode(local.Pool_UserData_1A2B3C)}';
    (nodes.locals as any).Pool_UserData_1A2B3C = "#!/bin/bash\nK8S_VERSION='1.35.0'\n";
    expect(flagsOf(review(readSynthOutput(baseDir), out))).toEqual([
      'worker-version-skew alpha',
      'worker-pool-rolled alpha',
    ]);
  });

  test('the ASG version tag wins over user data', () => {
    // The tag says v1.34.2 (the control plane's), user data would say v1.35.0: no skew flag.
    const fleet = withTenant(baseFleet(), 'alpha', { versionTag: true, workerVersion: 'v1.34.2' });
    const head = synthFleet(fleet);
    const out = readSynthOutput(head);
    const lt = out.stacks.get('tenant-alpha-nodes')!.resources.get('aws_launch_template.LaunchTemplate')!;
    (lt.config as any).user_data = 'KUBERNETES_VERSION=v1.35.0';
    expect(flagsOf(review(readSynthOutput(baseDir), out))).toEqual(['worker-pool-rolled alpha']);
  });

  test('change the CA source (generated -> files): ca-changed, once', () => {
    const r = reviewAgainstBase(withTenant(baseFleet(), 'alpha', { caSource: 'files' }));
    expect(flagsOf(r)).toEqual(['ca-changed alpha']);
    expect(r.flags[0].reason).toMatch(/CA source changes from generated to files: every kubeconfig and every node/);
    const cp = r.stacks.find((s) => s.id === 'tenant-alpha-control-plane')!;
    expect(cp.resources.map((c) => `${c.action} ${c.address}`)).toEqual([
      'update kubernetes_secret_v1.CaSecret',
      'delete tls_private_key.CaKey',
      'delete tls_self_signed_cert.CaCertificate',
    ]);
  });

  test('switch token delivery (ssm -> inline): token-delivery-changed, and the pool rolls (new tag)', () => {
    const r = reviewAgainstBase(withTenant(baseFleet(), 'alpha', { tokenDelivery: 'inline' }));
    expect(flagsOf(r)).toEqual(['worker-pool-rolled alpha', 'token-delivery-changed alpha']);
    expect(r.flags[1].reason).toMatch(/from ssm to inline/);
    // $Latest stops the launch template from rolling the pool; the tag trigger does it.
    expect(r.flags[0].reason).toContain(
      'its Auto Scaling group changes a refresh trigger (launch_template.version, tag)',
    );
    expect(change(r, 'tenant-alpha-nodes', 'aws_ssm_parameter.TokenParameter').action).toBe(ResourceAction.DELETE);
  });

  test('resize a pool: an in-place ASG update, no flags', () => {
    const r = reviewAgainstBase(withTenant(baseFleet(), 'beta', { pool: { min: 2, max: 6, desired: 4 } }));
    expect(flagsOf(r)).toEqual([]);
    const asg = change(r, 'tenant-beta-nodes', 'aws_autoscaling_group.AutoScalingGroup');
    expect(asg.action).toBe(ResourceAction.UPDATE);
    expect(asg.attributes.map((a) => a.path)).toEqual(['desired_capacity', 'max_size', 'min_size']);
  });

  test('turn off konnectivity: konnectivity-off', () => {
    const r = reviewAgainstBase(withTenant(baseFleet(), 'beta', { konnectivity: false }));
    expect(flagsOf(r)).toEqual(['konnectivity-off beta']);
  });

  test('turn off prevent_destroy: prevent-destroy-off', () => {
    const r = reviewAgainstBase(withTenant(baseFleet(), 'alpha', { preventDestroy: false }));
    expect(flagsOf(r)).toEqual(['prevent-destroy-off alpha']);
    expect(change(r, 'tenant-alpha-control-plane', 'kubernetes_manifest.TenantControlPlane').action).toBe(
      ResourceAction.UPDATE,
    );
  });

  test('move a tenant to another DataStore: datastore-changed (a migration, applied in place)', () => {
    const r = reviewAgainstBase(withTenant(baseFleet(), 'beta', { dataStore: 'default' }));
    expect(flagsOf(r)).toEqual(['datastore-changed beta']);
    expect(r.flags[0].reason).toContain('from DataStore postgres to default');
  });

  test('change dataStoreSchema: datastore-changed, and the attribute is marked as refused', () => {
    const r = reviewAgainstBase(withTenant(baseFleet(), 'beta', { dataStoreSchema: 'beta2' }));
    expect(flagsOf(r)).toEqual(['datastore-changed beta']);
    const tcp = change(r, 'tenant-beta-control-plane', 'kubernetes_manifest.TenantControlPlane');
    expect(tcp.action).toBe(ResourceAction.UPDATE);
    expect(tcp.attributes).toEqual([
      {
        path: 'manifest.spec.dataStoreSchema',
        before: '"beta"',
        after: '"beta2"',
        effect: 'rejected',
        reason: 'manifest.spec.dataStoreSchema is immutable (the API refuses the change)',
      },
    ]);
  });

  test('rename a pool (name_prefix): launch template and ASG replaced', () => {
    const r = reviewAgainstBase(withTenant(baseFleet(), 'alpha', { poolNamePrefix: 'alpha-workers-' }));
    expect(flagsOf(r)).toEqual(['worker-pool-replaced alpha', 'worker-pool-replaced alpha']);
    const asg = change(r, 'tenant-alpha-nodes', 'aws_autoscaling_group.AutoScalingGroup');
    expect(asg.action).toBe(ResourceAction.REPLACE);
    expect(asg.attributes).toEqual([
      {
        path: 'name_prefix',
        before: '"alpha-pool-"',
        after: '"alpha-workers-"',
        effect: 'replace',
        reason: 'name_prefix forces replacement',
      },
    ]);
    expect(r.summary.resources.replaced).toBe(2);
  });
});

describe('review of hand-edited synth outputs', () => {
  function edit(fleet: Fleet, mutate: (stacks: ReturnType<typeof readSynthOutput>) => void) {
    const out = readSynthOutput(synthFleet(fleet));
    mutate(out);
    return review(readSynthOutput(baseDir), out);
  }

  test('a TCP renamed (metadata.name) is replaced: control-plane-replaced', () => {
    const r = edit(baseFleet(), (out) => {
      const tcp = out.stacks
        .get('tenant-alpha-control-plane')!
        .resources.get('kubernetes_manifest.TenantControlPlane')!;
      (tcp.config as any).manifest.metadata.name = 'alpha2';
    });
    expect(flagsOf(r)).toEqual(['control-plane-replaced alpha']);
    expect(r.flags[0].reason).toContain('manifest.metadata.name changed');
  });

  test('a TCP under a new logical id with the same name is replaced, not just removed', () => {
    const r = edit(baseFleet(), (out) => {
      const stack = out.stacks.get('tenant-alpha-control-plane')!;
      const resources = stack.resources as Map<string, any>;
      const tcp = resources.get('kubernetes_manifest.TenantControlPlane');
      resources.delete('kubernetes_manifest.TenantControlPlane');
      resources.set('kubernetes_manifest.Tcp', { ...tcp, address: 'kubernetes_manifest.Tcp', logicalId: 'Tcp' });
    });
    expect(flagsOf(r)).toEqual(['control-plane-replaced alpha']);
    expect(r.flags[0].reason).toContain('moves from kubernetes_manifest.TenantControlPlane to kubernetes_manifest.Tcp');
  });

  test('a regenerated CA key (algorithm change) is a CA change', () => {
    const r = edit(baseFleet(), (out) => {
      const key = out.stacks.get('tenant-beta-control-plane')!.resources.get('tls_private_key.CaKey')!;
      (key.config as any).algorithm = 'ECDSA';
    });
    expect(flagsOf(r)).toEqual(['ca-changed beta']);
    expect(r.flags[0].reason).toContain('tls_private_key.CaKey (replace)');
  });

  test('a stack of unknown shape goes to "other" and is still diffed', () => {
    const r = edit(baseFleet(), (out) => {
      (out.stacks as Map<string, any>).set('monitoring', { id: 'monitoring', dependencies: [], resources: new Map() });
    });
    const other = r.stacks.find((s) => s.id === 'monitoring')!;
    expect(other).toMatchObject({ stage: 'other', status: StackStatus.ADDED });
    expect(r.stacks[r.stacks.length - 1].id).toBe('monitoring');
  });
});
