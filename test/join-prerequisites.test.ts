import { Testing } from 'cdktf';
import { JOIN_PREREQUISITES } from '../src/model/join-prerequisites';
import { TenantNodesStack } from '../stacks/nodes-stack';
import { terraformEval, unwrap, withLocal } from './support/terraform';
import { testWithTool } from './support/tools';

const withTerraform = testWithTool('terraform');

function synthNodes(controlPlaneVersion = 'v1.35.3') {
  const stack = new TenantNodesStack(Testing.app(), 'tenant-demo-nodes', {
    tenantName: 'demo',
    tcpName: 'demo',
    tcpNamespace: 'tenant-demo',
    controlPlaneVersion,
    podCidr: '10.244.0.0/16',
    awsRegion: 'eu-west-1',
    pools: [{ name: 'default', subnetIds: ['subnet-0a1b2c3d'] }],
  });
  return JSON.parse(Testing.synth(stack));
}

type Listing = {
  provider: string;
  api_version: string;
  kind: string;
  namespace?: string;
  field_selector: string;
  depends_on?: string[];
  lifecycle: { postcondition: { condition: string; error_message: string }[] };
};

describe('nodes stage: join prerequisites (plan-time checks)', () => {
  const json = synthNodes();
  const listings = Object.entries(json.data.kubernetes_resources) as [string, Listing][];
  const byId = (id: string) => listings.find(([key]) => key.startsWith(`JoinPrerequisites_${id}_`))!;

  test('the control plane must have rolled out the nodes version (management cluster)', () => {
    const [, rollout] = byId('ControlPlaneRollout');
    expect(rollout).toMatchObject({
      provider: 'kubernetes.management',
      api_version: 'kamaji.clastix.io/v1alpha1',
      kind: 'TenantControlPlane',
      namespace: 'tenant-demo',
      field_selector: 'metadata.name=demo',
    });
    expect(rollout.lifecycle.postcondition[0].error_message).toMatch(
      /tenant-demo\/demo has not finished rolling out v1\.35\.3, or has no ready API server/,
    );
  });

  test('every object kubeadm join needs is listed by name in the tenant, with a message naming it', () => {
    for (const object of JOIN_PREREQUISITES) {
      const [, listing] = byId(object.id);
      expect(listing).toMatchObject({
        provider: 'kubernetes.tenant',
        api_version: object.apiVersion,
        kind: object.kind,
        field_selector: `metadata.name=${object.name}`,
      });
      expect(listing.namespace).toBe(object.namespace);
      expect(listing.depends_on).toEqual([expect.stringMatching(/JoinPrerequisites_ControlPlaneRollout_/)]);
      expect(listing.lifecycle.postcondition[0].error_message).toContain(`${object.kind} `);
      expect(listing.lifecycle.postcondition[0].error_message).toContain(object.name);
    }
    expect(JOIN_PREREQUISITES.map((o) => o.name)).toEqual(
      expect.arrayContaining(['cluster-info', 'kubeadm-config', 'kubelet-config', 'kubeadm:kubelet-bootstrap']),
    );
  });

  test('the Auto Scaling group starts no node before every check passed', () => {
    const group = Object.values(json.resource.aws_autoscaling_group)[0] as { depends_on: string[] };
    for (const [id] of listings) expect(group.depends_on).toContain(`data.kubernetes_resources.${id}`);
  });

  withTerraform('the rollout condition (terraform console): Ready at the nodes version only', () => {
    const [, rollout] = byId('ControlPlaneRollout');
    const condition = withLocal(unwrap(rollout.lifecycle.postcondition[0].condition), /self\.objects/g, 'objs');
    // Typed objects: absent fields are null (terraform-provider-kubernetes manifest/payload/to_value.go).
    const tcp = (status: string | null, version: string | null) => ({
      status: { kubernetesResources: { version: { status, version } } },
    });
    const cases: [string, unknown[], boolean][] = [
      ['rolled out', [tcp('Ready', 'v1.35.3')], true],
      // A replica briefly unavailable makes Kamaji report Unknown (computeStatus): still rolled out.
      ['rolled out, a replica restarting', [tcp('Unknown', 'v1.35.3')], true],
      ['still upgrading', [tcp('Upgrading', 'v1.34.6')], false],
      ['Ready at the old version', [tcp('Ready', 'v1.34.6')], false],
      ['no ready API server', [tcp('NotReady', 'v1.35.3')], false],
      ['scaled to zero', [tcp('Sleeping', 'v1.35.3')], false],
      ['a new control plane', [tcp('Provisioning', null)], false],
      ['no status yet', [{ status: null }], false],
      ['missing', [], false],
    ];
    for (const [name, objs, expected] of cases) {
      expect([name, terraformEval(condition, { objs })]).toEqual([name, expected]);
    }
  });

  withTerraform('the existence condition (terraform console)', () => {
    const [, listing] = byId('KubeadmConfig');
    const condition = withLocal(unwrap(listing.lifecycle.postcondition[0].condition), /self\.objects/g, 'objs');
    expect(terraformEval(condition, { objs: [{ metadata: { name: 'kubeadm-config' } }] })).toBe(true);
    expect(terraformEval(condition, { objs: [] })).toBe(false);
  });
});
