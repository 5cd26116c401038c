import { App, Testing } from 'cdktf';
import { ExistingInfraStack, ExistingWorkersStack } from '../examples/existing-stack/stack';
import { ValidationError } from '../src/model/errors';
import { synthApp } from './support/synth';
import { providerInputsDeferredByChanges } from './support/provider-config';

const REGION = 'eu-west-1';
const WORKERS = { region: REGION, vpcId: 'vpc-0a1b2c3d4e5f60718', subnetIds: ['subnet-0a1b2c3d4e5f60718'] };

function build(app: App, subnetIds = WORKERS.subnetIds) {
  const infra = new ExistingInfraStack(app, 'infra', { region: REGION, apiServerAddress: '203.0.113.10' });
  const workers = new ExistingWorkersStack(app, 'infra-acme-workers', {
    ...WORKERS,
    subnetIds,
    controlPlaneStack: infra,
  });
  return { infra, workers };
}

describe('constructs inside an existing stack (examples/existing-stack)', () => {
  const { stacks, texts } = synthApp((app) => build(app));
  const infra = stacks['infra'] as any;
  const workers = stacks['infra-acme-workers'] as any;

  test("uses the stacks' own providers and backends", () => {
    expect(infra.terraform.backend).toEqual({ local: { path: 'terraform.infra.tfstate' } });
    expect(workers.terraform.backend).toEqual({ local: { path: 'terraform.infra-acme-workers.tfstate' } });
    const manifest = Object.values(infra.resource.kubernetes_manifest as Record<string, any>)[0];
    expect(manifest.provider).toBe('kubernetes');
    expect(manifest.manifest.spec.networkProfile.address).toBe('203.0.113.10');
    const tokenSecret = Object.values(workers.resource.kubernetes_secret_v1 as Record<string, any>).find(
      (s) => s.type === 'bootstrap.kubernetes.io/token',
    );
    expect(tokenSecret.provider).toBe('kubernetes.acme');
    expect(Object.keys(workers.resource.aws_autoscaling_group)).toHaveLength(1);
  });

  test('the CA Secret comes before the control plane; the workers come after it, with the join checks', () => {
    const [caId] = Object.entries(infra.resource.kubernetes_secret_v1 as Record<string, any>).find(([, s]) =>
      s.metadata.name.endsWith('-ca'),
    )!;
    const manifest = Object.values(infra.resource.kubernetes_manifest as Record<string, any>)[0];
    expect(manifest.depends_on).toContain(`kubernetes_secret_v1.${caId}`);
    const group = Object.values(workers.resource.aws_autoscaling_group as Record<string, any>)[0];
    expect(group.depends_on.filter((d: string) => d.startsWith('data.kubernetes_resources.'))).toHaveLength(11);
  });

  // Terraform defers a data source whose depends_on has pending changes to apply
  // (internal/terraform/node_resource_abstract_instance.go, planDataSource); a provider configured
  // from it is then unknown at plan. The admin kubeconfig is read in the second stack, waiting for nothing.
  test('a day-2 change to the TenantControlPlane never makes a provider configuration unknown at plan', () => {
    for (const [id, json] of Object.entries(stacks)) {
      expect([id, providerInputsDeferredByChanges(json)]).toEqual([id, []]);
    }
    const admin = Object.values(workers.data.kubernetes_secret_v1 as Record<string, any>)[0];
    expect(admin.depends_on).toBeUndefined();
  });

  test('holds no private key and no token value', () => {
    for (const text of Object.values(texts)) {
      expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(text).not.toMatch(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/);
    }
  });

  test('bad input is reported by construct path before anything is written', () => {
    let error: unknown;
    try {
      build(Testing.app(), []);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      expect.objectContaining({ where: 'infra-acme-workers/AcmeWorkers', field: 'subnetIds', value: [] }),
    ]);
  });
});
