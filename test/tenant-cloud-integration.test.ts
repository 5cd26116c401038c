import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { App, Testing, TerraformStack } from 'cdktf';
import { parse } from 'yaml';
import { TenantCloudIntegration, TenantCloudIntegrationProps } from '../src/constructs/tenant-cloud-integration';
import {
  ccmPolicy,
  CloudIntegrationSpec,
  ebsCsiPolicy,
  ResourceOwnership,
  SubnetElbRole,
  UNINITIALIZED_TAINT,
} from '../src/model/cloud-integration';
import { ValidationError } from '../src/model/errors';
import { validationErrorOf } from './support/errors';

function synthCloud(props: Partial<TenantCloudIntegrationProps> = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'nodes');
  const helmProvider = new HelmProvider(stack, 'tenant-helm', { alias: 'tenant' });
  const awsProvider = new AwsProvider(stack, 'aws-workers', { alias: 'workers', region: 'eu-west-1' });
  const cloud = new TenantCloudIntegration(stack, 'Cloud', {
    helmProvider,
    awsProvider,
    clusterName: 'team-a',
    nodeRoleNames: { general: 'team-a-general-role', gpu: 'team-a-gpu-role' },
    ...props,
  });
  const json = JSON.parse(Testing.synth(stack));
  return { cloud, json, resource: json.resource ?? {} };
}

const releases = (resource: any): Record<string, any> =>
  Object.fromEntries(Object.values(resource.helm_release ?? {}).map((r: any) => [r.name, r]));
const policies = (resource: any): Record<string, any> =>
  Object.fromEntries(
    Object.values(resource.aws_iam_policy ?? {}).map((p: any) => [p.name_prefix, JSON.parse(p.policy)]),
  );

function problemsOf(props: Partial<TenantCloudIntegrationProps>): ValidationError {
  return validationErrorOf(() => synthCloud(props));
}

const SPEC: CloudIntegrationSpec = {
  clusterName: 'team-a',
  cloudControllerManager: true,
  ebsCsi: true,
  ccmChartVersion: '0.0.11',
  ebsCsiChartVersion: '2.64.0',
  defaultStorageClass: true,
  storageClassName: 'gp3',
  subnets: [],
  subnetOwnership: ResourceOwnership.SHARED,
  partition: 'aws',
};

describe('TenantCloudIntegration', () => {
  test('CCM: pinned chart into the tenant, on the workers (no control-plane selector), host network, no routes', () => {
    const { resource, cloud } = synthCloud();
    const ccm = releases(resource)['aws-cloud-controller-manager'];
    expect(ccm).toMatchObject({
      provider: 'helm.tenant',
      namespace: 'kube-system',
      repository: 'https://kubernetes.github.io/cloud-provider-aws',
      chart: 'aws-cloud-controller-manager',
      version: '0.0.11',
      wait: false,
    });
    const values = parse(ccm.values[0]);
    expect(values.args).toEqual([
      '--v=2',
      '--cloud-provider=aws',
      '--cluster-name=team-a',
      '--configure-cloud-routes=false',
      '--controllers=*,-route',
    ]);
    // null removes the chart's default key (an empty map would be merged with it).
    expect(values.nodeSelector).toEqual({ 'node-role.kubernetes.io/control-plane': null, 'kubernetes.io/os': 'linux' });
    expect(values.hostNetworking).toBe(true);
    expect(values.image).toBeUndefined();
    // It tolerates the uninitialized taint it removes (every NoSchedule taint).
    const tolerates = (key: string) =>
      values.tolerations.some(
        (t: any) => t.effect === 'NoSchedule' && ((t.operator === 'Exists' && t.key === undefined) || t.key === key),
      );
    expect(tolerates(UNINITIALIZED_TAINT)).toBe(true);
    expect(cloud.kubeletCloudProviderExternal).toBe(true);
    expect(cloud.instanceTags).toEqual({ 'kubernetes.io/cluster/team-a': 'owned' });
    expect(cloud.requiredMetadataHopLimit).toBe(2);
  });

  test('the policies are attached to every node role, through the aliased AWS provider, before the releases', () => {
    const { resource } = synthCloud();
    const attachments = Object.entries(resource.aws_iam_role_policy_attachment as Record<string, any>);
    expect(attachments).toHaveLength(4);
    for (const [, a] of attachments) expect(a.provider).toBe('aws.workers');
    expect(attachments.map(([, a]) => a.role).sort()).toEqual([
      'team-a-general-role',
      'team-a-general-role',
      'team-a-gpu-role',
      'team-a-gpu-role',
    ]);
    for (const p of Object.values(resource.aws_iam_policy as Record<string, any>))
      expect(p.provider).toBe('aws.workers');
    for (const r of Object.values(releases(resource))) {
      expect(r.depends_on).toHaveLength(2);
      for (const d of r.depends_on) expect(d).toMatch(/^aws_iam_role_policy_attachment\./);
    }
  });

  test('CCM policy: reads on *, every mutation scoped to the cluster tag or to ELB resources, no routes/volumes', () => {
    const { resource } = synthCloud();
    const doc = policies(resource)['team-a-ccm-'];
    expect(doc).toEqual(ccmPolicy(SPEC));
    const actions = doc.Statement.flatMap((s: any) => s.Action);
    for (const a of [
      'ec2:CreateRoute',
      'ec2:DeleteRoute',
      'ec2:ModifyInstanceAttribute',
      'ec2:CreateVolume',
      'ec2:AttachVolume',
    ]) {
      expect(actions).not.toContain(a);
    }
    for (const s of doc.Statement) {
      const mutating = s.Action.some((a: string) => !/^(ec2|elasticloadbalancing):Describe/.test(a));
      if (!mutating) {
        expect(s.Resource).toBe('*');
        continue;
      }
      const scopedByTag = JSON.stringify(s.Condition ?? {}).includes('kubernetes.io/cluster/team-a');
      const elbOnly = [s.Resource].flat().every((r: string) => r.startsWith('arn:aws:elasticloadbalancing:'));
      const other =
        (s.Sid === 'CreateSecurityGroupsInVpcs' && s.Resource === 'arn:aws:ec2:*:*:vpc/*') ||
        (s.Sid === 'TagSecurityGroupsOnCreation' &&
          s.Condition.StringEquals['ec2:CreateAction'] === 'CreateSecurityGroup') ||
        (s.Sid === 'ElbServiceLinkedRole' &&
          s.Condition.StringEquals['iam:AWSServiceName'] === 'elasticloadbalancing.amazonaws.com');
      expect({ sid: s.Sid, ok: scopedByTag || elbOnly || other }).toEqual({ sid: s.Sid, ok: true });
    }
  });

  test('EBS CSI policy: volumes and snapshots scoped to this tenant, attach only to tagged instances', () => {
    const { resource } = synthCloud();
    const doc = policies(resource)['team-a-ebs-csi-'];
    expect(doc).toEqual(ebsCsiPolicy(SPEC));
    for (const s of doc.Statement) {
      if (s.Sid === 'ReadOnlyDescribeOperations') {
        expect(s.Action.every((a: string) => a.startsWith('ec2:Describe'))).toBe(true);
        continue;
      }
      expect(s.Condition).toBeDefined();
      for (const r of [s.Resource].flat()) expect(r).toMatch(/^arn:aws:ec2:\*:\*:(volume|snapshot|instance)\//);
    }
    const conditions = JSON.stringify(doc.Statement.map((s: any) => s.Condition ?? {}));
    expect(conditions).not.toContain('PrincipalTag');
    expect(conditions).toContain('"ec2:ResourceTag/ebs.csi.aws.com/cluster-name":"team-a"');
    const attachInstance = doc.Statement.find((s: any) => s.Sid === 'AttachDetachVolumesToClusterInstances');
    expect(attachInstance.Condition).toEqual({ Null: { 'ec2:ResourceTag/kubernetes.io/cluster/team-a': 'false' } });
  });

  test('EBS CSI: pinned chart, cluster-tagged volumes, host-network node plugin, default gp3 StorageClass', () => {
    const { resource } = synthCloud({ region: 'eu-west-1' });
    const ebs = releases(resource)['aws-ebs-csi-driver'];
    expect(ebs).toMatchObject({
      provider: 'helm.tenant',
      namespace: 'kube-system',
      repository: 'https://kubernetes-sigs.github.io/aws-ebs-csi-driver',
      chart: 'aws-ebs-csi-driver',
      version: '2.64.0',
      wait: false,
    });
    const values = parse(ebs.values[0]);
    expect(values.controller).toMatchObject({ k8sTagClusterId: 'team-a', region: 'eu-west-1' });
    expect(values.node).toEqual({ hostNetwork: true, enableWindows: false });
    expect(values.storageClasses).toEqual([
      {
        name: 'gp3',
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
        volumeBindingMode: 'WaitForFirstConsumer',
        reclaimPolicy: 'Delete',
        allowVolumeExpansion: true,
        parameters: { type: 'gp3', encrypted: 'true', 'csi.storage.k8s.io/fstype': 'ext4' },
      },
    ]);
  });

  test('no default StorageClass when asked, and a custom name', () => {
    const off = parse(releases(synthCloud({ defaultStorageClass: false }).resource)['aws-ebs-csi-driver'].values[0]);
    expect(off.storageClasses).toEqual([]);
    const named = parse(releases(synthCloud({ storageClassName: 'ebs-gp3' }).resource)['aws-ebs-csi-driver'].values[0]);
    expect(named.storageClasses[0].name).toBe('ebs-gp3');
  });

  test('subnet tags: cluster tag on each given subnet, role tags only where asked', () => {
    const { resource } = synthCloud({
      subnets: [
        { subnetId: 'subnet-0aaa1111', elbRole: SubnetElbRole.PUBLIC },
        { subnetId: 'subnet-0bbb2222', elbRole: SubnetElbRole.INTERNAL },
        { subnetId: 'subnet-0ccc3333' },
      ],
      subnetOwnership: ResourceOwnership.OWNED,
    });
    const tags = Object.values(resource.aws_ec2_tag as Record<string, any>).map((t) => [t.resource_id, t.key, t.value]);
    expect(tags.sort()).toEqual(
      [
        ['subnet-0aaa1111', 'kubernetes.io/cluster/team-a', 'owned'],
        ['subnet-0aaa1111', 'kubernetes.io/role/elb', '1'],
        ['subnet-0bbb2222', 'kubernetes.io/cluster/team-a', 'owned'],
        ['subnet-0bbb2222', 'kubernetes.io/role/internal-elb', '1'],
        ['subnet-0ccc3333', 'kubernetes.io/cluster/team-a', 'owned'],
      ].sort(),
    );
    for (const t of Object.values(resource.aws_ec2_tag as Record<string, any>)) expect(t.provider).toBe('aws.workers');
  });

  test('no subnets tagged by default; shared is the default ownership', () => {
    expect(synthCloud().resource.aws_ec2_tag).toBeUndefined();
    const { resource } = synthCloud({ subnets: [{ subnetId: 'subnet-0aaa1111' }] });
    expect(Object.values(resource.aws_ec2_tag as Record<string, any>)[0].value).toBe('shared');
  });

  test('CCM off: no CCM release, policy or subnet tags; kubelets stay in-tree (no external flag); EBS CSI stays', () => {
    const { resource, cloud } = synthCloud({ cloudControllerManager: false });
    expect(Object.keys(releases(resource))).toEqual(['aws-ebs-csi-driver']);
    expect(Object.keys(policies(resource))).toEqual(['team-a-ebs-csi-']);
    expect(cloud.kubeletCloudProviderExternal).toBe(false);
    expect(cloud.instanceTags).toEqual({ 'kubernetes.io/cluster/team-a': 'owned' });
  });

  test('EBS CSI off: hop limit 1 is enough', () => {
    const { resource, cloud } = synthCloud({ ebsCsi: false });
    expect(Object.keys(releases(resource))).toEqual(['aws-cloud-controller-manager']);
    expect(Object.keys(policies(resource))).toEqual(['team-a-ccm-']);
    expect(cloud.requiredMetadataHopLimit).toBe(1);
  });

  test('both off: nothing at all, and no AWS provider needed', () => {
    const app = new App();
    const stack = new TerraformStack(app, 'nodes');
    const helmProvider = new HelmProvider(stack, 'tenant-helm', { alias: 'tenant' });
    const cloud = new TenantCloudIntegration(stack, 'Cloud', {
      helmProvider,
      clusterName: 'team-a',
      nodeRoleNames: {},
      cloudControllerManager: false,
      ebsCsi: false,
    });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource).toBeUndefined();
    expect(cloud.instanceTags).toEqual({});
    expect(cloud.kubeletCloudProviderExternal).toBe(false);
  });

  test('the CCM image tag and chart versions are props', () => {
    const { resource } = synthCloud({
      ccmImageTag: 'v1.33.2',
      ccmChartVersion: '0.0.10',
      ebsCsiChartVersion: '2.63.1',
    });
    const r = releases(resource);
    expect(parse(r['aws-cloud-controller-manager'].values[0]).image).toEqual({ tag: 'v1.33.2' });
    expect(r['aws-cloud-controller-manager'].version).toBe('0.0.10');
    expect(r['aws-ebs-csi-driver'].version).toBe('2.63.1');
  });

  test.each([
    ['v1.30.14', 'v1.30.10'],
    ['v1.31.2', 'v1.31.9'],
    ['v1.34.6', 'v1.34.3'],
    ['v1.35.3', 'v1.35.2'],
    // No promoted 1.36 image: the 1.35 release, one minor older, as the skew policy allows.
    ['v1.36.0', 'v1.35.2'],
  ])('the CCM image follows the control plane: %s runs cloud-controller-manager %s', (version, tag) => {
    const r = releases(synthCloud({ kubernetesVersion: version }).resource);
    expect(parse(r['aws-cloud-controller-manager'].values[0]).image).toEqual({ tag });
  });

  test('the CCM image must be of the tenant minor or one older; an unknown pair of minors needs an explicit tag', () => {
    // Newer than the API server, or two minors older: refused.
    for (const tag of ['v1.35.2', 'v1.32.8']) {
      expect(problemsOf({ kubernetesVersion: 'v1.34.6', ccmImageTag: tag }).problems).toEqual([
        expect.objectContaining({
          field: 'ccmImageTag',
          value: tag,
          rule: expect.stringMatching(/tenant's minor 1\.34, or of 1\.33 during an upgrade .*such as "v1\.34\.3"/),
        }),
      ]);
    }
    // One older (mid-upgrade) is fine.
    expect(() => synthCloud({ kubernetesVersion: 'v1.34.6', ccmImageTag: 'v1.33.4' })).not.toThrow();
    expect(problemsOf({ kubernetesVersion: 'v1.38.0' }).problems).toEqual([
      expect.objectContaining({ field: 'ccmImageTag', rule: expect.stringMatching(/required for Kubernetes 1\.38/) }),
    ]);
    expect(() => synthCloud({ kubernetesVersion: 'v1.38.0', ccmImageTag: 'v1.38.0' })).not.toThrow();
    expect(() => synthCloud({ ccmImageTag: 'v1.35.2' })).not.toThrow();
    expect(() => synthCloud({ kubernetesVersion: 'v1.38.0', cloudControllerManager: false })).not.toThrow();
  });

  test('both policies stay under the 6,144-character managed-policy limit for the longest tenant name', () => {
    const longest = { ...SPEC, clusterName: 'a'.repeat(63), partition: 'aws-us-gov' };
    expect(JSON.stringify(ccmPolicy(longest)).length).toBeLessThan(6144);
    expect(JSON.stringify(ebsCsiPolicy(longest)).length).toBeLessThan(6144);
  });

  test('other partitions', () => {
    const { resource } = synthCloud({ partition: 'aws-us-gov' });
    for (const doc of Object.values(policies(resource))) {
      for (const s of doc.Statement) {
        for (const r of [s.Resource].flat()) expect(r === '*' || r.startsWith('arn:aws-us-gov:')).toBe(true);
      }
    }
  });

  test('validation: bad inputs are named', () => {
    const e = problemsOf({
      clusterName: 'Team_A',
      ccmChartVersion: 'latest',
      ebsCsiChartVersion: '2.x',
      ccmImageTag: 'v1.33',
      storageClassName: 'GP3!',
      region: 'europe',
      partition: 'azure',
      subnetOwnership: 'mine' as ResourceOwnership,
      subnets: [
        { subnetId: 'subnet-0aaa1111' },
        { subnetId: 'subnet-0aaa1111' },
        { subnetId: 'vpc-123', elbRole: 'edge' as SubnetElbRole },
      ],
    });
    const fields = e.problems.map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'clusterName',
        'ccmChartVersion',
        'ebsCsiChartVersion',
        'ccmImageTag',
        'storageClassName',
        'region',
        'partition',
        'subnetOwnership',
        'subnets[1].subnetId',
        'subnets[2].subnetId',
        'subnets[2].elbRole',
      ]),
    );
    expect(e.message).toContain('Cloud');
  });

  test('validation: subnets without the CCM, a StorageClass without EBS CSI', () => {
    const e = problemsOf({ cloudControllerManager: false, subnets: [{ subnetId: 'subnet-0aaa1111' }] });
    expect(e.problems.map((p) => p.field)).toEqual(['subnets']);
    const f = problemsOf({ ebsCsi: false, defaultStorageClass: true });
    expect(f.problems.map((p) => p.field)).toEqual(['defaultStorageClass']);
  });

  test('a subnet id known only at apply time is tagged, not judged', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'nodes');
    const helmProvider = new HelmProvider(stack, 'tenant-helm', { alias: 'tenant' });
    const awsProvider = new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    const subnet = new Subnet(stack, 'S', { provider: awsProvider, vpcId: 'vpc-1', cidrBlock: '10.0.0.0/24' });
    new TenantCloudIntegration(stack, 'Cloud', {
      helmProvider,
      clusterName: 'team-a',
      nodeRoleNames: { general: 'r' },
      subnets: [{ subnetId: subnet.id, elbRole: SubnetElbRole.PUBLIC }],
    });
    const json = JSON.parse(Testing.synth(stack));
    const tags = Object.values(json.resource.aws_ec2_tag as Record<string, any>);
    expect(tags.map((t) => t.resource_id)).toEqual(['${aws_subnet.S.id}', '${aws_subnet.S.id}']);
  });
});
