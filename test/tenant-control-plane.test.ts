import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Testing, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { TenantControlPlane, TenantControlPlaneProps } from '../src/constructs/tenant-control-plane';
import { TenantPki } from '../src/constructs/tenant-pki';
import { ValidationError } from '../src/model/errors';
import { ControlPlaneExposure } from '../src/model/tenant-control-plane';
import { validationErrorOf } from './support/errors';
import { terraformEval, unwrap, withLocal } from './support/terraform';
import { testWithTool } from './support/tools';

type Options = Omit<TenantControlPlaneProps, 'kubernetesProvider'>;

function synthTcp(options: Partial<Options> = {}, withPki = false) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'cp');
  const kubernetesProvider = new KubernetesProvider(stack, 'k8s', {});
  const pki = withPki
    ? new TenantPki(stack, 'MyPki', { kubernetesProvider, tenantName: 'demo', namespace: 'tenants' })
    : undefined;
  const tcp = new TenantControlPlane(stack, 'Tenant', {
    name: 'demo',
    namespace: 'tenants',
    kubernetesVersion: '1.35.3',
    pki,
    ...options,
    kubernetesProvider,
  });
  const json = JSON.parse(Testing.synth(stack));
  const [manifestId, manifest] = Object.entries(json.resource.kubernetes_manifest)[0] as [string, any];
  return { tcp, json, manifestId, manifest };
}

function errorOf(options: Partial<Options>): ValidationError {
  return validationErrorOf(() => synthTcp(options));
}

describe('TenantControlPlane construct', () => {
  test('waits for Ready and the bootstrap token, with timeouts, and prevents destroy', () => {
    const { manifest } = synthTcp();
    // Anchored: the provider matches unanchored Go regexps (manifest/provider/waiter.go), and the
    // version only equals the spec's once Kamaji has finished rolling it out.
    expect(manifest.wait).toEqual({
      fields: {
        'status.kubernetesResources.version.status': '^Ready$',
        'status.kubernetesResources.version.version': '^v1\\.35\\.3$',
        'status.kubeadmPhase.bootstrapToken.checksum': '^.+$',
      },
    });
    expect(manifest.timeouts).toEqual({ create: '20m', update: '20m', delete: '10m' });
    expect(manifest.lifecycle.prevent_destroy).toBe(true);
    expect(manifest.manifest.kind).toBe('TenantControlPlane');
    expect(manifest.manifest.spec.controlPlane.service.serviceType).toBe('LoadBalancer');
  });

  test('creates its own generated CA (child Pki) and orders the CA Secret before the TCP', () => {
    const { json, manifest, tcp } = synthTcp();
    const [secretId, secret] = Object.entries(json.resource.kubernetes_secret_v1)[0] as [string, any];
    expect(secret.metadata).toEqual({ name: 'demo-ca', namespace: 'tenants' });
    expect(manifest.depends_on).toEqual([`kubernetes_secret_v1.${secretId}`]);
    expect(tcp.pki.node.path).toBe('cp/Tenant/Pki');
    expect(json.resource.tls_self_signed_cert).toBeDefined();
  });

  test('uses a given TenantPki and refuses one of another tenant', () => {
    const { json, tcp } = synthTcp({}, true);
    expect(tcp.pki.node.path).toBe('cp/MyPki');
    expect(Object.keys(json.resource.kubernetes_secret_v1)).toHaveLength(1);
    const app = Testing.app();
    const stack = new TerraformStack(app, 'cp');
    const kubernetesProvider = new KubernetesProvider(stack, 'k8s', {});
    const pki = new TenantPki(stack, 'Other', { kubernetesProvider, tenantName: 'other' });
    expect(
      () =>
        new TenantControlPlane(stack, 'Tenant', { kubernetesProvider, name: 'demo', kubernetesVersion: '1.35.3', pki }),
    ).toThrow('cp/Tenant: pki: "default/other-ca": must be the CA Secret of this control plane: default/demo-ca');
  });

  test('the upgrade precondition reads the current TCP from a kubernetes_resources data source', () => {
    const { json, manifest } = synthTcp();
    const [currentId, current] = Object.entries(json.data.kubernetes_resources)[0] as [string, any];
    expect(currentId).toMatch(/^Tenant_Current_/);
    expect(current).toMatchObject({
      api_version: 'kamaji.clastix.io/v1alpha1',
      kind: 'TenantControlPlane',
      namespace: 'tenants',
      field_selector: 'metadata.name=demo',
    });
    const [pre] = manifest.lifecycle.precondition;
    const objects = `data.kubernetes_resources.${currentId}.objects`;
    expect(pre.condition.startsWith(`\${length(${objects}) == 0 ? true : (`)).toBe(true);
    expect(pre.condition).toContain(`${objects}[0].spec.kubernetes.version`);
    expect(pre.condition).toContain('== 35 &&');
    expect(pre.condition).toContain('<= 3)');
    expect(pre.condition).toContain('== 34)}');
    expect(pre.error_message).toContain(
      'TenantControlPlane tenants/demo: v1.35.3 can only replace v1.34.x or v1.35.0 to v1.35.3',
    );
  });

  test('exposes plain facts for the nodes stack and the endpoint from status or address', () => {
    const { tcp } = synthTcp({ podCidr: '10.200.0.0/16' });
    expect({
      name: tcp.name,
      namespace: tcp.namespace,
      kubernetesVersion: tcp.kubernetesVersion,
      port: tcp.port,
      konnectivityPort: tcp.konnectivityPort,
      adminKubeconfigSecretName: tcp.adminKubeconfigSecretName,
      adminKubeconfigSecretKey: tcp.adminKubeconfigSecretKey,
      podCidr: tcp.podCidr,
      serviceCidr: tcp.serviceCidr,
      dnsServiceIp: tcp.dnsServiceIp,
    }).toEqual({
      name: 'demo',
      namespace: 'tenants',
      kubernetesVersion: 'v1.35.3',
      port: 6443,
      konnectivityPort: 8132,
      adminKubeconfigSecretName: 'demo-admin-kubeconfig',
      adminKubeconfigSecretKey: 'admin.conf',
      podCidr: '10.200.0.0/16',
      serviceCidr: '10.96.0.0/16',
      dnsServiceIp: '10.96.0.10',
    });
    const stack = Testing.synthScope((scope) => {
      const kubernetesProvider = new KubernetesProvider(scope, 'k8s', {});
      const t = new TenantControlPlane(scope, 'T', { kubernetesProvider, name: 'x', kubernetesVersion: '1.35.0' });
      new TerraformVariable(scope, 'endpoint', { default: t.endpointHost });
    });
    // kubernetes_manifest's `object` has no `status` (the provider strips it), so the endpoint comes
    // from a kubernetes_resource data source read after the TCP is applied.
    const json = JSON.parse(stack);
    expect(stack).not.toMatch(/kubernetes_manifest\.[A-Za-z0-9_]+\.object\.status/);
    const [statusId, status] = Object.entries(json.data.kubernetes_resource)[0] as [string, any];
    expect(statusId).toMatch(/^T_Status_/);
    expect(status).toMatchObject({
      api_version: 'kamaji.clastix.io/v1alpha1',
      kind: 'TenantControlPlane',
      metadata: { name: 'x', namespace: 'default' },
    });
    expect(status.depends_on).toEqual([expect.stringMatching(/^kubernetes_manifest\.T_/)]);
    expect(json.variable.endpoint.default).toBe(
      `\${trim(replace(data.kubernetes_resource.${statusId}.object.status.controlPlaneEndpoint, "/:[0-9]+$/", ""), "[]")}`,
    );
    expect(synthTcp({ address: '203.0.113.10', konnectivity: false }).tcp).toMatchObject({
      endpointHost: '203.0.113.10',
      konnectivityPort: undefined,
    });
    // A configured address needs no status read.
    expect(synthTcp({ address: '203.0.113.10' }).json.data.kubernetes_resource).toBeUndefined();
  });

  test('opt-outs and timeouts are props', () => {
    const { manifest } = synthTcp({
      preventDestroy: false,
      createTimeout: '45m',
      updateTimeout: '1h',
      deleteTimeout: '5m',
    });
    expect(manifest.lifecycle.prevent_destroy).toBe(false);
    expect(manifest.timeouts).toEqual({ create: '45m', update: '1h', delete: '5m' });
  });

  test('old kubelets get the #1062 patches in the synthesized manifest', () => {
    const patches = (o: Partial<Options>) =>
      synthTcp(o).manifest.manifest.spec.kubernetes.kubelet.configurationJSONPatches;
    expect(patches({ oldestKubeletVersion: '1.34.0' })).toHaveLength(5);
    expect(patches({ oldestKubeletVersion: '1.35.0' })).toHaveLength(1);
  });

  test('bad input: every problem with construct path, field, value and rule, before synth', () => {
    const error = errorOf({ name: 'Demo', kubernetesVersion: '1.38.0', createTimeout: '20 minutes', replicas: 0 });
    expect(error.problems.map((p) => [p.where, p.field, p.value])).toEqual([
      ['cp/Tenant', 'name', 'Demo'],
      ['cp/Tenant', 'kubernetesVersion', 'v1.38.0'],
      ['cp/Tenant', 'replicas', 0],
      ['cp/Tenant', 'createTimeout', '20 minutes'],
    ]);
    expect(error.message).toContain('cp/Tenant: createTimeout: "20 minutes": must be a Terraform duration');
  });

  test('a version given as a token is not judged at synth and gets no precondition', () => {
    const out = Testing.synthScope((scope) => {
      const kubernetesProvider = new KubernetesProvider(scope, 'k8s', {});
      const version = new TerraformVariable(scope, 'version', { type: 'string' });
      new TenantControlPlane(scope, 'T', { kubernetesProvider, name: 'x', kubernetesVersion: version.stringValue });
    });
    expect(out).toContain('${var.version}');
    const manifest = Object.values(JSON.parse(out).resource.kubernetes_manifest)[0] as any;
    // No upgrade precondition (the load-balancer checks remain), and the wait pattern is built at apply.
    expect(JSON.stringify(manifest.lifecycle.precondition)).not.toContain('T_Current');
    expect(manifest.wait.fields['status.kubernetesResources.version.version']).toBe(
      '${join("", ["^", replace(var.version, ".", "[.]"), "$"])}',
    );
  });
});

describe('TenantControlPlane endpoint on AWS and the load-balancer checks', () => {
  function synthWithAws(options: Partial<Options>) {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'cp');
    const kubernetesProvider = new KubernetesProvider(stack, 'k8s', {});
    const awsProvider = new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    const tcp = new TenantControlPlane(stack, 'Tenant', {
      name: 'demo',
      namespace: 'tenants',
      kubernetesVersion: '1.35.3',
      ...options,
      kubernetesProvider,
      awsProvider,
    });
    return { tcp, json: JSON.parse(Testing.synth(stack)) };
  }

  test('AwsElasticIP: one protected, tagged Elastic IP per subnet; the manifest uses them', () => {
    const { tcp, json } = synthWithAws({
      exposure: ControlPlaneExposure.AWS_ELASTIC_IP,
      publicSubnetIds: ['subnet-0a1b2c3d', 'subnet-0e5f6a7b'],
    });
    const eips = Object.entries(json.resource.aws_eip) as [string, any][];
    expect(eips.map(([id]) => id.replace(/_[0-9A-F]{8}$/, ''))).toEqual(['Tenant_ElasticIp0', 'Tenant_ElasticIp1']);
    expect(eips[0][1]).toMatchObject({
      domain: 'vpc',
      provider: 'aws',
      lifecycle: { prevent_destroy: true },
      tags: {
        Name: 'tenants/demo-api-0',
        'cdktf-kamaji/tenant': 'demo',
        'cdktf-kamaji/stack': 'cp',
        'cdktf-kamaji/subnet': 'subnet-0a1b2c3d',
      },
    });
    const manifest = (Object.values(json.resource.kubernetes_manifest)[0] as any).manifest;
    const [first, second] = eips.map(([id]) => id);
    expect(manifest.spec.networkProfile.address).toBe(`\${aws_eip.${first}.public_ip}`);
    expect(manifest.spec.networkProfile.certSANs).toEqual([
      `\${aws_eip.${first}.public_ip}`,
      `\${aws_eip.${second}.public_ip}`,
    ]);
    expect(manifest.spec.controlPlane.service.additionalMetadata.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-eip-allocations': `\${aws_eip.${first}.allocation_id},\${aws_eip.${second}.allocation_id}`,
      'service.beta.kubernetes.io/aws-load-balancer-subnets': 'subnet-0a1b2c3d,subnet-0e5f6a7b',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
    });
    // The address is known from the Elastic IP: no status read, no load-balancer check.
    expect(Token.isUnresolved(tcp.endpointHost)).toBe(true);
    expect(json.data?.kubernetes_nodes).toBeUndefined();
    expect(json.data?.kubernetes_resource).toBeUndefined();
  });

  test('AwsElasticIP: subnets from a reference are refused (they decide how many Elastic IPs)', () => {
    const error = validationErrorOf(() => {
      const stack = new TerraformStack(Testing.app(), 'cp');
      const subnets = new TerraformVariable(stack, 'subnets', { type: 'list(string)' });
      new TenantControlPlane(stack, 'Tenant', {
        kubernetesProvider: new KubernetesProvider(stack, 'k8s', {}),
        name: 'demo',
        kubernetesVersion: '1.35.3',
        exposure: ControlPlaneExposure.AWS_ELASTIC_IP,
        publicSubnetIds: subnets.listValue,
      });
    });
    expect(error.problems).toEqual([
      expect.objectContaining({
        where: 'cp/Tenant',
        field: 'publicSubnetIds',
        rule: expect.stringMatching(/at synth/),
      }),
    ]);
  });

  test('LoadBalancer without address: plan-time checks on the nodes and the Service, with the fix', () => {
    const { manifest, json } = synthTcp();
    const nodes = Object.keys(json.data.kubernetes_nodes)[0];
    const [serviceId, service] = (Object.entries(json.data.kubernetes_resources) as [string, any][]).find(([id]) =>
      id.startsWith('Tenant_Service_'),
    )!;
    // Kamaji names the Service after the TenantControlPlane.
    expect(service).toMatchObject({
      api_version: 'v1',
      kind: 'Service',
      namespace: 'tenants',
      field_selector: 'metadata.name=demo',
    });
    const conditions = manifest.lifecycle.precondition as { condition: string; error_message: string }[];
    expect(conditions.map((c) => c.condition)).toEqual([
      expect.stringContaining('Tenant_Current_'),
      `\${!anytrue([for n in data.kubernetes_nodes.${nodes}.nodes : try(startswith(n.spec[0].provider_id, "aws://"), false)])}`,
      expect.stringContaining(`data.kubernetes_resources.${serviceId}.objects`),
    ]);
    for (const c of conditions.slice(1)) {
      expect(c.error_message).toMatch(/tenants\/demo: .*AwsElasticIP exposure.*set address.*loadBalancerIpCheck/);
    }
  });

  test.each([
    ['an address', { address: '203.0.113.10' }],
    ['the opt-out', { loadBalancerIpCheck: false }],
    [
      'NodePort',
      { exposure: ControlPlaneExposure.NODE_PORT, address: '198.51.100.4', port: 31443, konnectivityPort: 31132 },
    ],
  ])('no load-balancer checks with %s', (_name, options) => {
    const { manifest, json } = synthTcp(options as Partial<Options>);
    expect(json.data?.kubernetes_nodes).toBeUndefined();
    expect(manifest.lifecycle.precondition).toHaveLength(1);
  });
});

describe('endpoint host from status.controlPlaneEndpoint (terraform console)', () => {
  // Kamaji writes net.JoinHostPort(address, port) (internal/resources/k8s_service_resource.go).
  testWithTool('terraform')('IPv4, IPv6 and names lose the port and the brackets', () => {
    const out = Testing.synthScope((scope) => {
      const kubernetesProvider = new KubernetesProvider(scope, 'k8s', {});
      const t = new TenantControlPlane(scope, 'T', { kubernetesProvider, name: 'x', kubernetesVersion: '1.35.0' });
      new TerraformVariable(scope, 'endpoint', { default: t.endpointHost });
    });
    const expression = withLocal(
      unwrap(JSON.parse(out).variable.endpoint.default),
      /data\.kubernetes_resource\.T_Status_[0-9A-F]+\.object\.status\.controlPlaneEndpoint/,
      'endpoint',
    );
    for (const [endpoint, host] of [
      ['203.0.113.10:6443', '203.0.113.10'],
      ['[2001:db8::10]:6443', '2001:db8::10'],
      ['api.example.com:31443', 'api.example.com'],
    ]) {
      expect(terraformEval(expression, { endpoint })).toBe(host);
    }
  });
});
