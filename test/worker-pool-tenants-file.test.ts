/**
 * The pool settings of issue 13 (pinned images, instance refresh, egress and NodePorts) in the
 * tenants file: accepted, mapped the same way for the fleet app and render-userdata, and refused with
 * their YAML path when bad.
 */
import { parseDocument } from 'yaml';
import { poolOptions } from '../stacks/fleet';
import { loadTenantsFile } from '../src/model/tenants-file';
import { checkTenantUserData, poolInput, renderUserDataForPool, tenantPoolUserData } from '../src/model/user-data';
import { ImageArchitecture, NodeEgress } from '../src/model/worker-pool';

const BASE = `defaults:
  awsRegion: eu-west-1
  kubernetesVersion: v1.35.3
  workers:
    instanceType: m7i.large
    subnetIds: [subnet-0a1b2c3d4e5f60718]
    imageSerial: "20250610"
tenants:
  - name: alpha
    workers:
      - name: general
      - name: arm
        instanceType: m7g.large
        architecture: arm64
        ubuntuRelease: "22.04"
        instanceWarmupSeconds: 120
        checkpointPercentages: [25, 100]
        checkpointDelaySeconds: 600
        egress: restricted
        nodePortIngress: false
        waitForJoin: false
`;

function load(text: string) {
  return loadTenantsFile(text, 'tenants.yaml', { tenant: checkTenantUserData });
}

function edited(edits: [(string | number)[], unknown][]) {
  const doc = parseDocument(BASE);
  for (const [at, value] of edits) doc.setIn(at, doc.createNode(value));
  return load(doc.toString());
}

describe('tenants file: image, refresh and network settings of a pool', () => {
  test('accepted, with defaults applied, and mapped alike for the construct and the user data', () => {
    const loaded = load(BASE);
    expect(loaded.problems).toEqual([]);
    const [general, arm] = loaded.tenants![0].workers;
    expect(general).toMatchObject({ imageSerial: '20250610' });
    const expected = {
      ubuntuRelease: '22.04',
      architecture: ImageArchitecture.ARM64,
      imageSerial: '20250610',
      instanceWarmupSeconds: 120,
      checkpointPercentages: [25, 100],
      checkpointDelaySeconds: 600,
      egress: NodeEgress.RESTRICTED,
      nodePortIngress: false,
      waitForJoin: false,
    };
    expect(poolOptions(arm)).toMatchObject(expected);
    expect(poolInput(arm)).toMatchObject(expected);
    expect(poolOptions(general)).toMatchObject({
      egress: undefined,
      nodePortIngress: undefined,
      waitForJoin: undefined,
    });
    // The launch hook is on by default: the user data of `general` completes it, that of `arm` does not.
    const tenant = loaded.tenants![0];
    expect(renderUserDataForPool(tenantPoolUserData(tenant, general)).text).toContain(
      "HOOK_GROUP='kamaji-alpha-general'",
    );
    expect(renderUserDataForPool(tenantPoolUserData(tenant, arm)).text).not.toContain('HOOK_GROUP');
  });

  test("a pool's own way of pinning its image wins over the other way in the defaults", () => {
    const byAmi = edited([[['tenants', 0, 'workers', 0, 'amiId'], 'ami-0123456789abcdef0']]);
    expect(byAmi.problems).toEqual([]);
    const general = byAmi.tenants![0].workers[0];
    expect(general).toMatchObject({ amiId: 'ami-0123456789abcdef0' });
    expect(general.imageSerial).toBeUndefined();
    const doc = parseDocument(BASE);
    doc.deleteIn(['defaults', 'workers', 'imageSerial']);
    doc.setIn(['defaults', 'workers', 'amiId'], 'ami-0123456789abcdef0');
    const bySerial = load(doc.toString());
    expect(bySerial.problems).toEqual([]);
    expect(bySerial.tenants![0].workers[0].amiId).toBe('ami-0123456789abcdef0');
    expect(bySerial.tenants![0].workers[1]).toMatchObject({ ubuntuRelease: '22.04', architecture: 'arm64' });
    expect(bySerial.tenants![0].workers[1].amiId).toBeUndefined();
  });

  test.each<[string, [(string | number)[], unknown][], string, RegExp]>([
    [
      'a serial that is no date',
      [[['tenants', 0, 'workers', 0, 'imageSerial'], 'latest']],
      'tenants[0].workers[0].imageSerial',
      /YYYYMMDD/,
    ],
    ['an unknown release', [[['tenants', 0, 'workers', 0, 'ubuntuRelease'], '20.04']], 'ubuntuRelease', /24\.04/],
    ['an unknown egress', [[['tenants', 0, 'workers', 0, 'egress'], 'none']], 'egress', /all|restricted/],
    [
      'checkpoints not ending at 100',
      [
        [
          ['tenants', 0, 'workers', 1, 'checkpointPercentages'],
          [25, 50],
        ],
      ],
      'checkpointPercentages',
      /the last 100/,
    ],
    [
      'amd64 image on a Graviton type',
      [[['tenants', 0, 'workers', 1, 'architecture'], 'amd64']],
      'architecture',
      /m7g\.large run arm64/,
    ],
    [
      'an AMI id beside a serial in the same pool',
      [
        [['tenants', 0, 'workers', 0, 'amiId'], 'ami-0123456789abcdef0'],
        [['tenants', 0, 'workers', 0, 'imageSerial'], '20250821'],
      ],
      'imageSerial',
      /not be set together with amiId/,
    ],
    [
      'a bad NodePort source',
      [[['tenants', 0, 'workers', 0, 'nodePortSourceCidrs'], ['the vpc']]],
      'nodePortSourceCidrs',
      /IPv4 CIDR/,
    ],
  ])('refuses %s', (_name, edits, field, rule) => {
    const problems = edited(edits).problems;
    expect(problems.length).toBeGreaterThanOrEqual(1);
    const hit = problems.find((p) => p.field.includes(field));
    expect(hit).toBeDefined();
    expect(hit!.rule).toMatch(rule);
  });
});
