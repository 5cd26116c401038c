import { CaSource } from '../src/constructs/tenant-pki';
import { synthControlPlaneStack } from './support/control-plane';
import { ValidationError } from '../src/model/errors';

const synthStack = synthControlPlaneStack;

describe('TenantControlPlaneStack', () => {
  test('management provider and tls, its own state, and the platform stack first', () => {
    const { json, stack, platform } = synthStack({ kubeconfigContext: 'mgmt' });
    expect(json.provider.kubernetes).toEqual([
      { alias: 'management', config_path: '~/.kube/config', config_context: 'mgmt' },
    ]);
    // No random provider: nothing in this stage uses one.
    expect(Object.keys(json.provider).sort()).toEqual(['kubernetes', 'tls']);
    expect(json.terraform.backend).toEqual({ local: { path: '../../../terraform.tenant-acme-control-plane.tfstate' } });
    expect(stack.dependencies).toEqual([platform]);
  });

  test('creates the namespace and orders it before the CA Secret and the TCP', () => {
    const { json } = synthStack();
    expect(json.resource.kubernetes_namespace_v1.Namespace.metadata).toEqual({ name: 'tenant-acme' });
    const secret = Object.values(json.resource.kubernetes_secret_v1)[0] as any;
    const manifest = Object.values(json.resource.kubernetes_manifest)[0] as any;
    expect(secret.depends_on).toEqual(['kubernetes_namespace_v1.Namespace']);
    expect(manifest.depends_on).toContain('kubernetes_namespace_v1.Namespace');
    expect(manifest.depends_on).toContainEqual(expect.stringMatching(/^kubernetes_secret_v1\.Pki_Secret_/));
  });

  test('leaves an existing namespace alone', () => {
    expect(synthStack({ createNamespace: false }).json.resource.kubernetes_namespace_v1).toBeUndefined();
    expect(synthStack({ namespace: undefined }).json.resource.kubernetes_namespace_v1).toBeUndefined();
  });

  test('outputs the non-secret facts only', () => {
    const { json } = synthStack();
    expect(Object.keys(json.output).sort()).toEqual([
      'admin_kubeconfig_secret',
      'ca_certificate_pem',
      'endpoint_host',
      'konnectivity_port',
      'kubernetes_version',
      'name',
      'namespace',
      'port',
    ]);
    expect(json.output.admin_kubeconfig_secret.value).toBe('tenant-acme/acme-admin-kubeconfig');
    expect(json.output.kubernetes_version.value).toBe('v1.34.2');
    expect(json.output.ca_certificate_pem.value).toMatch(/tls_self_signed_cert\.\w+\.cert_pem/);
  });

  test('bad tenant input fails with the stack path', () => {
    try {
      synthStack({ name: 'Acme' });
      throw new Error('expected a ValidationError');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).problems[0]).toMatchObject({
        where: 'tenant-acme-control-plane/Pki',
        field: 'tenantName',
        value: 'Acme',
      });
    }
  });

  test('reports the CA problems and the control-plane problems of one input together', () => {
    let error: unknown;
    try {
      synthStack({
        kubernetesVersion: '1.99.0',
        replicas: 0,
        pki: { source: CaSource.FILES, certificateFile: 'does/not/exist/ca.crt', keyFile: 'does/not/exist/ca.key' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const problems = (error as ValidationError).problems.map(({ where, field, value }) => ({ where, field, value }));
    expect(problems).toEqual(
      expect.arrayContaining([
        { where: 'tenant-acme-control-plane/Pki', field: 'certificateFile', value: 'does/not/exist/ca.crt' },
        { where: 'tenant-acme-control-plane/Pki', field: 'keyFile', value: 'does/not/exist/ca.key' },
        { where: 'tenant-acme-control-plane/ControlPlane', field: 'kubernetesVersion', value: 'v1.99.0' },
        { where: 'tenant-acme-control-plane/ControlPlane', field: 'replicas', value: 0 },
      ]),
    );
    expect((error as ValidationError).message).toMatch(/^4 validation problems:/);
  });
});
