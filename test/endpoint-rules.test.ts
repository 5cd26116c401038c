import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import { stringify } from 'yaml';
import { TenantControlPlane } from '../src/constructs/tenant-control-plane';
import { ControlPlaneExposure } from '../src/model/tenant-control-plane';
import { loadTenantsFile } from '../src/model/tenants-file';
import { validationErrorOf } from './support/errors';

/**
 * The endpoint rules are Kamaji's (see checkEndpoint in src/model/tenant-control-plane.ts): the
 * construct and the tenants file must refuse the same settings with the same messages.
 */
const CASES: [string, Record<string, unknown>, string][] = [
  ['a DNS name as address', { address: 'api.example.com' }, 'address'],
  ['NodePort without an address', { exposure: 'NodePort', port: 31443, konnectivityPort: 31132 }, 'address'],
  ['NodePort on 6443', { exposure: 'NodePort', address: '198.51.100.4', konnectivityPort: 31132 }, 'port'],
  [
    'NodePort, konnectivity on 8132',
    { exposure: 'NodePort', address: '198.51.100.4', port: 31443 },
    'konnectivityPort',
  ],
  ['Ingress without an address', { exposure: 'Ingress', ingressHostname: 'api.example.com' }, 'address'],
  ['AwsElasticIP without subnets', { exposure: 'AwsElasticIP' }, 'publicSubnetIds'],
  [
    'AwsElasticIP with an address',
    { exposure: 'AwsElasticIP', publicSubnetIds: ['subnet-0a1b2c3d'], address: '203.0.113.9' },
    'address',
  ],
  ['subnets without AwsElasticIP', { publicSubnetIds: ['subnet-0a1b2c3d'] }, 'publicSubnetIds'],
];

function constructRule(settings: Record<string, unknown>, field: string): string {
  const error = validationErrorOf(() => {
    const stack = new TerraformStack(Testing.app(), 'cp');
    new TenantControlPlane(stack, 'Tenant', {
      kubernetesProvider: new KubernetesProvider(stack, 'k8s', {}),
      name: 'acme',
      kubernetesVersion: 'v1.35.3',
      ...settings,
      exposure: settings.exposure as ControlPlaneExposure | undefined,
    });
  });
  const found = error.problems.filter((p) => p.field === field);
  expect(found).toHaveLength(1);
  expect(found[0].where).toBe('cp/Tenant');
  return found[0].rule;
}

function fileRule(settings: Record<string, unknown>, field: string): string {
  const text = stringify({
    platform: { awsRegion: 'eu-west-1' },
    tenants: [{ name: 'acme', kubernetesVersion: 'v1.35.3', controlPlane: settings }],
  });
  const problems = loadTenantsFile(text, 'tenants.yaml').problems.filter(
    (p) => p.field === `tenants[0].controlPlane.${field}`,
  );
  expect(problems).toHaveLength(1);
  expect(problems[0].line).toBeGreaterThan(0);
  return problems[0].rule;
}

describe('endpoint rules: construct and tenants file alike', () => {
  test.each(CASES)('%s: refused by both, with the same message', (_name, settings, field) => {
    expect(fileRule(settings, field)).toBe(constructRule(settings, field));
  });
});
