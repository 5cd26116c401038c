import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import { parse } from 'yaml';
import { CniPlugin, TenantCni, TenantCniProps } from '../src/constructs/tenant-cni';
import { ValidationError } from '../src/model/errors';
import { validationErrorOf } from './support/errors';

function synthCni(props: Partial<TenantCniProps> = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'nodes');
  const helmProvider = new HelmProvider(stack, 'tenant-helm', { alias: 'tenant' });
  const cni = new TenantCni(stack, 'Cni', { helmProvider, podCidr: '10.244.0.0/16', ...props });
  return { cni, json: JSON.parse(Testing.synth(stack)) };
}

function problemsOf(props: Partial<TenantCniProps>): ValidationError {
  return validationErrorOf(() => synthCni(props));
}

describe('TenantCni', () => {
  test('Calico through tigera-operator into the tenant: VXLAN, BGP off, one pool equal to the pod CIDR', () => {
    const { json, cni } = synthCni({ podCidr: '192.168.0.0/16' });
    const release = Object.values(json.resource.helm_release as Record<string, any>)[0];
    expect(release).toMatchObject({
      provider: 'helm.tenant',
      name: 'calico',
      chart: 'tigera-operator',
      repository: 'https://docs.tigera.io/calico/charts',
      namespace: 'tigera-operator',
      create_namespace: true,
      version: 'v3.32.2',
      wait: false,
    });
    const values = parse(release.values[0]);
    expect(values.installation.cni).toEqual({ type: 'Calico' });
    expect(values.installation.calicoNetwork.bgp).toBe('Disabled');
    expect(values.installation.calicoNetwork.ipPools).toEqual([
      {
        name: 'default-ipv4-ippool',
        cidr: '192.168.0.0/16',
        blockSize: 26,
        encapsulation: 'VXLAN',
        natOutgoing: 'Enabled',
        nodeSelector: 'all()',
      },
    ]);
    expect(cni.node.children.map((c) => c.node.id)).toEqual(['Calico']);
  });

  test('none installs nothing (and does not judge the pod CIDR)', () => {
    const { json, cni } = synthCni({ plugin: CniPlugin.NONE, podCidr: 'whatever' });
    expect(json.resource?.helm_release).toBeUndefined();
    expect(cni.release).toBeUndefined();
  });

  test('the chart version is a prop', () => {
    const { json } = synthCni({ calicoVersion: 'v3.31.3' });
    expect(Object.values(json.resource.helm_release as Record<string, any>)[0].version).toBe('v3.31.3');
  });

  test.each<[string, Partial<TenantCniProps>, string, unknown, RegExp]>([
    ['a malformed pod CIDR', { podCidr: '10.244.0.0' }, 'podCidr', '10.244.0.0', /IPv4 CIDR/],
    [
      'a pod CIDR smaller than a Calico block',
      { podCidr: '10.244.0.0/28' },
      'podCidr',
      '10.244.0.0/28',
      /\/26 or larger/,
    ],
    ['a chart version range', { calicoVersion: '^3.32' }, 'calicoVersion', '^3.32', /exact/],
    ['an unknown plugin', { plugin: 'cilium' as CniPlugin }, 'plugin', 'cilium', /calico, none/],
  ])('rejects %s with path, field, value and rule', (_n, props, field, value, rule) => {
    const error = problemsOf(props);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ where: 'nodes/Cni', field, value });
    expect(error.problems[0].rule).toMatch(rule);
  });
});
