/**
 * The tenants file's per-tenant `drain` and `cloudIntegration` blocks reach the nodes stack (the
 * termination handler's hook and chart values, the cloud integration's releases and the pools' IMDS
 * hop limit), and bad values are refused with their YAML path.
 */
import { parse } from 'yaml';
import { loadTenantsFile } from '../src/model/tenants-file';
import { checkTenantUserData } from '../src/model/user-data';
import { synthEditedFleet } from './support/fleet';

const FILE = `defaults:
  awsRegion: eu-west-1
  kubernetesVersion: v1.35.3
  workers:
    subnetIds: [subnet-0a1b2c3d4e5f60718]
tenants:
  - name: alpha
    workers:
      - name: general
`;

const entries = (json: any, type: string): [string, any][] => Object.entries(json.resource?.[type] ?? {});

describe('tenants file: drain and cloud integration of a tenant', () => {
  test('drain settings shape the hook and the handler; ebsCsi off keeps the hop limit at 1', () => {
    const { stacks } = synthEditedFleet((doc) => {
      doc.setIn(
        ['tenants', 0, 'drain'],
        doc.createNode({ heartbeatTimeoutSeconds: 600, drainTimeoutSeconds: 1800, spotInterruptions: false }),
      );
      doc.setIn(['tenants', 0, 'cloudIntegration'], doc.createNode({ ebsCsi: false }));
    });
    const nodes = stacks['tenant-alpha-nodes'];
    const terminating = entries(nodes, 'aws_autoscaling_lifecycle_hook')
      .map(([, h]) => h)
      .filter((h) => h.lifecycle_transition === 'autoscaling:EC2_INSTANCE_TERMINATING');
    expect(terminating.map((h) => h.heartbeat_timeout)).toEqual([600]);
    const releases = Object.fromEntries(entries(nodes, 'helm_release').map(([, r]) => [r.chart, r]));
    expect(parse(releases['aws-node-termination-handler'].values[0])).toMatchObject({
      nodeTerminationGracePeriod: 1800,
      heartbeatInterval: 200,
      heartbeatUntil: 1860,
    });
    const rules = entries(nodes, 'aws_cloudwatch_event_rule').map(([id]) => id);
    expect(rules.some((id) => id.includes('RuleSpot'))).toBe(false);
    expect(releases['aws-ebs-csi-driver']).toBeUndefined();
    expect(releases['aws-cloud-controller-manager']).toBeDefined();
    const [, template] = entries(nodes, 'aws_launch_template')[0];
    expect(template.metadata_options.http_put_response_hop_limit).toBe(1);
    // Another tenant keeps the defaults (900 s drain, EBS CSI on, hop limit 2).
    const bravo = Object.fromEntries(
      entries(stacks['tenant-bravo-nodes'], 'helm_release').map(([, r]) => [r.chart, r]),
    );
    expect(parse(bravo['aws-node-termination-handler'].values[0]).nodeTerminationGracePeriod).toBe(900);
    expect(bravo['aws-ebs-csi-driver']).toBeDefined();
  });

  test('bad drain values are refused with their path, all at once', () => {
    const text = FILE.replace(
      '    workers:\n',
      '    drain: { heartbeatTimeoutSeconds: 60, drainTimeoutSeconds: 0 }\n    workers:\n',
    );
    const loaded = loadTenantsFile(text, 'tenants.yaml', { tenant: checkTenantUserData });
    const fields = loaded.problems.map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tenants\[0\]\.drain\.heartbeatTimeoutSeconds/),
        expect.stringMatching(/^tenants\[0\]\.drain\.drainTimeoutSeconds/),
      ]),
    );
    expect(loaded.problems.find((p) => p.field.includes('heartbeatTimeoutSeconds'))!.value).toBe(60);
  });
});
