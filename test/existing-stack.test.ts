import { Testing } from 'cdktf';
import { ExistingInfraStack } from '../examples/existing-stack/stack';
import { ValidationError } from '../src/model/errors';

const PROPS = {
  region: 'eu-west-1',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: ['subnet-0a1b2c3d4e5f60718'],
  apiServerAddress: '203.0.113.10',
};

describe('constructs inside an existing stack (examples/existing-stack)', () => {
  const synth = () => JSON.parse(Testing.synth(new ExistingInfraStack(Testing.app(), 'infra', PROPS)));

  test("uses the stack's own providers and backend", () => {
    const json = synth();
    expect(json.terraform.backend).toEqual({ local: { path: 'terraform.infra.tfstate' } });
    const manifest = Object.values(json.resource.kubernetes_manifest as Record<string, any>)[0];
    expect(manifest.provider).toBe('kubernetes');
    expect(manifest.manifest.spec.networkProfile.address).toBe('203.0.113.10');
    const tokenSecret = Object.values(json.resource.kubernetes_secret_v1 as Record<string, any>).find(
      (s) => s.type === 'bootstrap.kubernetes.io/token',
    );
    expect(tokenSecret.provider).toBe('kubernetes.acme');
    expect(Object.keys(json.resource.aws_autoscaling_group)).toHaveLength(1);
  });

  test('the CA Secret comes before the control plane, and the pool pins that CA', () => {
    const json = synth();
    const [caId, ca] = Object.entries(json.resource.kubernetes_secret_v1 as Record<string, any>).find(([, s]) =>
      s.metadata.name.endsWith('-ca'),
    )!;
    expect(ca.metadata.name).toBe('acme-ca');
    const manifest = Object.values(json.resource.kubernetes_manifest as Record<string, any>)[0];
    expect(manifest.depends_on).toContain(`kubernetes_secret_v1.${caId}`);
    expect(JSON.stringify(json.locals ?? {}) + JSON.stringify(json.resource.aws_launch_template)).toMatch(
      /base64encode\(tls_self_signed_cert\./,
    );
  });

  test('holds no private key and no token value', () => {
    const text = Testing.synth(new ExistingInfraStack(Testing.app(), 'infra', PROPS));
    expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    expect(text).not.toMatch(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/);
  });

  test('bad input is reported by construct path before anything is written', () => {
    let error: unknown;
    try {
      new ExistingInfraStack(Testing.app(), 'infra', { ...PROPS, subnetIds: [] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      expect.objectContaining({ where: 'infra/AcmeWorkers', field: 'subnetIds', value: [] }),
    ]);
  });
});
