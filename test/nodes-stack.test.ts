import { Testing } from 'cdktf';
import { TokenDelivery } from '../src/constructs/aws-worker-pool';
import { TOKEN_SHAPED } from '../src/model/bootstrap-token';
import { ValidationError } from '../src/model/errors';
import { TenantNodesStack, TenantNodesStackProps } from '../stacks/nodes-stack';
import { onlyResource, synthApp } from './support/synth';
import { validationErrorOf } from './support/errors';

const PROPS: TenantNodesStackProps = {
  tenantName: 'demo',
  tcpName: 'demo',
  tcpNamespace: 'tenant-demo',
  controlPlaneVersion: 'v1.35.3',
  podCidr: '10.244.0.0/16',
  awsRegion: 'eu-west-1',
  pools: [{ name: 'default' }],
};

function synthNodes(props: Partial<TenantNodesStackProps> = {}) {
  const app = Testing.app();
  const stack = new TenantNodesStack(app, 'tenant-demo-nodes', { ...PROPS, ...props });
  const text = Testing.synth(stack);
  return { stack, text, json: JSON.parse(text) };
}

function problemsOf(props: Partial<TenantNodesStackProps>): ValidationError {
  return validationErrorOf(() => synthNodes(props));
}

describe('TenantNodesStack', () => {
  test('a pool older than 1.35 needs the control plane to patch the kubelet-config (Kamaji #1062)', () => {
    const error = problemsOf({ pools: [{ name: 'default' }, { name: 'old', kubernetesVersion: 'v1.33.2' }] });
    expect(error.problems).toEqual([
      expect.objectContaining({ where: 'tenant-demo-nodes', field: 'pools[1].kubernetesVersion', value: 'v1.33.2' }),
    ]);
    expect(error.problems[0].rule).toMatch(/oldestKubeletVersion.*#1062/);
    // Declared on both sides, the same pool is fine.
    expect(() =>
      synthNodes({ oldestKubeletVersion: 'v1.33.2', pools: [{ name: 'old', kubernetesVersion: 'v1.33.2' }] }),
    ).not.toThrow();
    // Below 1.35 on both sides, there is nothing to patch.
    expect(() =>
      synthNodes({ controlPlaneVersion: 'v1.34.1', pools: [{ name: 'old', kubernetesVersion: 'v1.32.0' }] }),
    ).not.toThrow();
  });

  test('holds the token Secret, SSM parameter, IAM, SG, launch template, ASG and the Calico release', () => {
    const { json } = synthNodes();
    const counts = Object.fromEntries(
      Object.entries(json.resource).map(([t, r]) => [t, Object.keys(r as object).length]),
    );
    expect(counts).toEqual({
      aws_autoscaling_group: 1,
      // The pool's launch hook (nodes complete it once joined) and the termination handler's drain hook.
      aws_autoscaling_lifecycle_hook: 2,
      aws_cloudwatch_event_rule: 5,
      aws_cloudwatch_event_target: 5,
      aws_iam_instance_profile: 1,
      // The cloud-controller-manager's and the EBS CSI driver's policies on the node role, and the
      // termination handler's (node-role credentials, since EBS CSI makes the hop limit 2).
      aws_iam_policy: 2,
      aws_iam_role: 1,
      // Read the token, tag a failed boot, complete the launch hook, the termination handler's
      // (node-role credentials).
      aws_iam_role_policy: 4,
      aws_iam_role_policy_attachment: 2,
      aws_launch_template: 1,
      // The pool's own group and the rule-less one the cloud-controller-manager manages.
      aws_security_group: 2,
      aws_sqs_queue: 1,
      aws_sqs_queue_policy: 1,
      aws_ssm_parameter: 1,
      // Calico, the cloud-controller-manager, the EBS CSI driver, the termination handler.
      helm_release: 4,
      // Two overlapping bootstrap tokens.
      kubernetes_secret_v1: 2,
      random_string: 4,
      time_rotating: 2,
    });
    expect(onlyResource(json, 'aws_ssm_parameter').name).toBe('/kamaji/demo/bootstrap-token');
    expect(json.terraform.backend).toEqual({ local: { path: '../../../terraform.tenant-demo-nodes.tfstate' } });
    expect(Object.keys(json.provider).sort()).toEqual(['aws', 'helm', 'kubernetes', 'random', 'time']);
    expect(json.provider.aws).toEqual([{ region: 'eu-west-1' }]);
  });

  test('the tenant providers come from the admin kubeconfig Secret on the management cluster, not from outputs', () => {
    const { json } = synthNodes({ kubeconfigPath: '~/.kube/mgmt', kubeconfigContext: 'mgmt' });
    const admin = json.data.kubernetes_secret_v1.AdminKubeconfig;
    expect(admin).toEqual({
      provider: 'kubernetes.management',
      metadata: { name: 'demo-admin-kubeconfig', namespace: 'tenant-demo' },
    });
    expect(json.locals.TenantKubeconfig).toBe(
      '${yamldecode(data.kubernetes_secret_v1.AdminKubeconfig.data["admin.conf"])}',
    );
    const [management, tenant] = json.provider.kubernetes;
    expect(management).toEqual({ alias: 'management', config_path: '~/.kube/mgmt', config_context: 'mgmt' });
    const connection = {
      host: '${local.TenantKubeconfig.clusters.0.cluster.server}',
      cluster_ca_certificate:
        '${base64decode(local.TenantKubeconfig.clusters.0.cluster["certificate-authority-data"])}',
      client_certificate: '${base64decode(local.TenantKubeconfig.users.0.user["client-certificate-data"])}',
      client_key: '${base64decode(local.TenantKubeconfig.users.0.user["client-key-data"])}',
    };
    expect(tenant).toEqual({ alias: 'tenant', ...connection });
    expect(json.provider.helm).toEqual([{ alias: 'tenant', kubernetes: connection }]);
    for (const type of ['kubernetes_secret_v1', 'helm_release']) {
      for (const r of Object.values(json.resource[type] as Record<string, any>)) {
        expect(r.provider).toBe(type === 'helm_release' ? 'helm.tenant' : 'kubernetes.tenant');
      }
    }
    expect(json.output).toBeUndefined();
  });

  test('nodes join the endpoint and trust the CA of that kubeconfig', () => {
    const { json } = synthNodes();
    const userData = Object.entries(json.locals as Record<string, string>).find(([k]) => k.includes('UserData'))![1];
    expect(userData).toContain('server: "${local.TenantKubeconfig.clusters.0.cluster.server}"');
    expect(userData).toContain(
      'certificate-authority-data: "${local.TenantKubeconfig.clusters.0.cluster["certificate-authority-data"]}"',
    );
  });

  test('pools without subnets use the default VPC; pools with subnets do not', () => {
    const { json } = synthNodes();
    expect(json.data.aws_vpc.DefaultVpc).toEqual({ default: true });
    expect(json.data.aws_subnets.DefaultSubnets.filter).toEqual([
      { name: 'vpc-id', values: ['${data.aws_vpc.DefaultVpc.id}'] },
      { name: 'default-for-az', values: ['true'] },
    ]);
    const asg = onlyResource(json, 'aws_autoscaling_group');
    expect(asg.vpc_zone_identifier).toBe('${data.aws_subnets.DefaultSubnets.ids}');
    for (const group of Object.values(json.resource.aws_security_group as Record<string, any>)) {
      expect(group.vpc_id).toBe('${data.aws_vpc.DefaultVpc.id}');
    }

    const own = synthNodes({ pools: [{ name: 'default', subnetIds: ['subnet-0123456789abcdef0'] }] }).json;
    // The pool's VPC is read by id only (its CIDR blocks for NodePorts), never the default one.
    expect(own.data.aws_vpc.DefaultVpc).toBeUndefined();
    expect(own.data.aws_subnets).toBeUndefined();
    expect(onlyResource(own, 'aws_autoscaling_group').vpc_zone_identifier).toEqual(['subnet-0123456789abcdef0']);
  });

  test('several pools get stable ids; inline-only tenants get no SSM parameter', () => {
    const { stack } = synthNodes({
      pools: [{ name: 'default' }, { name: 'gpu-a', tokenDelivery: TokenDelivery.INLINE }],
    });
    expect(stack.pools.map((p) => p.node.id)).toEqual(['PoolDefault', 'PoolGpuA']);
    const inlineOnly = synthNodes({ pools: [{ name: 'default', tokenDelivery: TokenDelivery.INLINE }] }).json;
    expect(inlineOnly.resource.aws_ssm_parameter).toBeUndefined();
  });

  test('no token-shaped string and no private key anywhere in the synthesized app; synth is deterministic', () => {
    const build = (app: any) => {
      new TenantNodesStack(app, 'tenant-demo-nodes', {
        ...PROPS,
        pools: [{ name: 'default' }, { name: 'inline', tokenDelivery: TokenDelivery.INLINE }],
      });
    };
    const a = synthApp(build);
    const b = synthApp(build);
    for (const [name, text] of Object.entries(a.texts)) {
      expect(text).not.toMatch(TOKEN_SHAPED);
      expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(b.texts[name]).toBe(text);
    }
  });

  test.each<[string, Partial<TenantNodesStackProps>, string, string, unknown, RegExp]>([
    ['no pools', { pools: [] }, 'tenant-demo-nodes', 'pools', [], /at least one/],
    [
      'two pools with one name',
      { pools: [{ name: 'a' }, { name: 'a' }] },
      'tenant-demo-nodes',
      'pools[1].name',
      'a',
      /unique/,
    ],
    ['a bad TCP name', { tcpName: '1demo' }, 'tenant-demo-nodes', 'tcpName', '1demo', /DNS-1035/],
    [
      'a worker newer than the control plane',
      { pools: [{ name: 'default', kubernetesVersion: 'v1.36.0' }] },
      'tenant-demo-nodes/PoolDefault',
      'kubernetesVersion',
      'v1.36.0',
      /newer than the control plane/,
    ],
    [
      'a TTL shorter than the rotation',
      { token: { rotationHours: 100, ttlHours: 50 } },
      'tenant-demo-nodes/BootstrapToken',
      'ttlHours',
      50,
      /longer than rotationHours/,
    ],
    [
      'a bad pod CIDR',
      { podCidr: '10.244.0.0/30' },
      'tenant-demo-nodes/Cni',
      'podCidr',
      '10.244.0.0/30',
      /\/26 or larger/,
    ],
  ])('rejects %s, naming the construct path', (_n, props, where, field, value, rule) => {
    const error = problemsOf(props);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ where, field, value });
    expect(error.problems[0].rule).toMatch(rule);
  });

  test('reports the token, CNI and pool problems of one input together', () => {
    const error = problemsOf({
      token: { rotationHours: 100, ttlHours: 50 },
      podCidr: '10.244.0.0/30',
      pools: [
        { name: 'default', minSize: 4, maxSize: 2 },
        { name: 'spot', kubernetesVersion: 'v1.36.0' },
      ],
    });
    expect(error.problems.map(({ where, field, value }) => ({ where, field, value }))).toEqual([
      { where: 'tenant-demo-nodes/BootstrapToken', field: 'ttlHours', value: 50 },
      { where: 'tenant-demo-nodes/Cni', field: 'podCidr', value: '10.244.0.0/30' },
      { where: 'tenant-demo-nodes/PoolDefault', field: 'minSize', value: 4 },
      { where: 'tenant-demo-nodes/PoolSpot', field: 'kubernetesVersion', value: 'v1.36.0' },
    ]);
  });

  test('several pools share one more security group so their nodes reach each other; one pool needs none', () => {
    const { json } = synthNodes({ pools: [{ name: 'default' }, { name: 'gpu-a' }] });
    const groups = json.resource.aws_security_group;
    const shared = groups.SharedSecurityGroup;
    const allNodes = expect.objectContaining({ protocol: '-1', from_port: 0, to_port: 0, self: true, cidr_blocks: [] });
    expect(shared.ingress).toEqual([allNodes]);
    expect(shared.egress).toEqual([allNodes]);
    expect(shared.vpc_id).toBe('${data.aws_vpc.DefaultVpc.id}');
    const templates = Object.values(json.resource.aws_launch_template) as any[];
    expect(templates).toHaveLength(2);
    for (const template of templates) {
      // The pool's group, the load-balancer group the cloud-controller-manager manages, the shared one.
      expect(template.vpc_security_group_ids).toHaveLength(3);
      expect(template.vpc_security_group_ids[2]).toBe('${aws_security_group.SharedSecurityGroup.id}');
    }

    const own = synthNodes({
      pools: [
        { name: 'a', subnetIds: ['subnet-0123456789abcdef0'] },
        { name: 'b', subnetIds: ['subnet-0123456789abcdef1'] },
      ],
    }).json;
    expect(own.resource.aws_security_group.SharedSecurityGroup.vpc_id).toBe(
      '${data.aws_subnet.SharedSecurityGroupSubnet.vpc_id}',
    );
    expect(own.data.aws_subnet.SharedSecurityGroupSubnet.id).toBe('${element(["subnet-0123456789abcdef0"], 0)}');

    const single = synthNodes().json;
    expect(single.resource.aws_security_group.SharedSecurityGroup).toBeUndefined();
    expect(onlyResource(single, 'aws_launch_template').vpc_security_group_ids).toHaveLength(2);
  });
});

describe('TenantNodesStack: AWS integration wiring', () => {
  const userDataOf = (json: any) =>
    Object.entries(json.locals as Record<string, string>).find(([k]) => k.includes('UserData'))![1];

  test('with the cloud-controller-manager (default) kubelets run --cloud-provider=external; off, they do not', () => {
    const on = synthNodes().json;
    expect(userDataOf(on)).toMatch(/name: "cloud-provider"\s+value: "external"/);
    expect(Object.keys(on.resource.helm_release).some((k) => k.startsWith('CloudIntegration_Ccm_'))).toBe(true);
    const off = synthNodes({ cloudIntegration: { cloudControllerManager: false, ebsCsi: false } }).json;
    expect(userDataOf(off)).not.toContain('cloud-provider');
    expect(Object.keys(off.resource.helm_release).some((k) => k.startsWith('CloudIntegration'))).toBe(false);
    // Without EBS CSI the pools keep IMDS hop limit 1 and the termination handler gets its own key.
    const lt = Object.values(off.resource.aws_launch_template)[0] as any;
    expect(lt.metadata_options.http_put_response_hop_limit).toBe(1);
    expect(off.resource.aws_iam_user).toBeDefined();
  });

  test('instances carry the cluster tag and the termination handler tag; drain can be turned off', () => {
    const json = synthNodes().json;
    const group = Object.values(json.resource.aws_autoscaling_group)[0] as any;
    const tags = Object.fromEntries(group.tag.map((t: any) => [t.key, t]));
    expect(tags['kubernetes.io/cluster/demo']).toMatchObject({ value: 'owned', propagate_at_launch: true });
    expect(tags['aws-node-termination-handler/demo']).toMatchObject({ value: 'true', propagate_at_launch: true });
    const lt = Object.values(json.resource.aws_launch_template)[0] as any;
    expect(lt.metadata_options.http_put_response_hop_limit).toBe(2);
    const noDrain = synthNodes({ drainEnabled: false }).json;
    expect(noDrain.resource.aws_sqs_queue).toBeUndefined();
    // Only the pool's launch hook is left.
    expect(
      Object.values(noDrain.resource.aws_autoscaling_lifecycle_hook).map((h: any) => h.lifecycle_transition),
    ).toEqual(['autoscaling:EC2_INSTANCE_LAUNCHING']);
  });

  test('launch hook: ABANDON by default, after the node role may complete it, on this group only; optional', () => {
    const { json } = synthNodes();
    const hooks = Object.entries(json.resource.aws_autoscaling_lifecycle_hook) as [string, any][];
    const [id, hook] = hooks.find(([, h]) => h.lifecycle_transition === 'autoscaling:EC2_INSTANCE_LAUNCHING')!;
    expect(id).toMatch(/^PoolDefault_LaunchHook_/);
    const [groupId] = Object.keys(json.resource.aws_autoscaling_group);
    expect(hook).toMatchObject({
      name: 'cdktf-kamaji-join',
      autoscaling_group_name: `\${aws_autoscaling_group.${groupId}.name}`,
      default_result: 'ABANDON',
      heartbeat_timeout: 600,
    });
    // The grant exists before any instance is held: the hook depends on it.
    const [policyId, policy] = (Object.entries(json.resource.aws_iam_role_policy) as [string, any][]).find(
      ([, p]) => p.name === 'complete-launch-hook',
    )!;
    expect(hook.depends_on).toEqual([`aws_iam_role_policy.${policyId}`]);
    expect(policy.policy).toContain(
      '"Action" = ["autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"]',
    );
    expect(policy.policy).toContain(`aws_autoscaling_group.${groupId}.arn`);
    // The user data names the group (its name is known at synth) and the hook.
    const group = json.resource.aws_autoscaling_group[groupId];
    expect(json.locals).toBeDefined();
    const userData = Object.values(json.locals as Record<string, string>).find((v) =>
      String(v).includes('#cloud-config'),
    )!;
    expect(userData).toContain(`HOOK_GROUP='${group.name}'`);
    expect(userData).toContain("HOOK='cdktf-kamaji-join'");
    const lt = Object.values(json.resource.aws_launch_template)[0] as any;
    expect(lt.user_data).toMatch(/^\$\{base64gzip\(local\.\w+\)\}$/);
    // Turned off: no hook, no grant, no hook calls on the node.
    const off = synthNodes({ pools: [{ name: 'default', waitForJoin: false }] }).json;
    expect(
      Object.values(off.resource.aws_autoscaling_lifecycle_hook ?? {}).map((h: any) => h.lifecycle_transition),
    ).not.toContain('autoscaling:EC2_INSTANCE_LAUNCHING');
    expect(Object.values(off.resource.aws_iam_role_policy).map((p: any) => p.name)).not.toContain(
      'complete-launch-hook',
    );
    expect(JSON.stringify(off.locals)).not.toContain('HOOK_GROUP');
  });

  test('the cloud-controller-manager runs the release of the control plane minor (v1.35.3 -> v1.35.2)', () => {
    const { json } = synthNodes();
    const ccm = Object.entries(json.resource.helm_release).find(([k]) =>
      k.startsWith('CloudIntegration_Ccm'),
    )![1] as any;
    expect(ccm.values[0]).toContain('image:\n  tag: v1.35.2\n');
    const older = synthNodes({ controlPlaneVersion: 'v1.34.6' }).json;
    const ccm34 = Object.entries(older.resource.helm_release).find(([k]) =>
      k.startsWith('CloudIntegration_Ccm'),
    )![1] as any;
    expect(ccm34.values[0]).toContain('image:\n  tag: v1.34.3\n');
  });

  test("the pool's ARNs use the partition of the provider (aws-cn, aws-us-gov), not a hard-coded aws", () => {
    const { json } = synthNodes({ pools: [{ name: 'default', ssmSessionManager: true }] });
    const pool = JSON.stringify([json.resource.aws_iam_role_policy_attachment, json.resource.aws_iam_role_policy]);
    const [partition] = Object.keys(json.data.aws_partition);
    expect(pool).toContain(
      `arn:\${data.aws_partition.${partition}.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
    );
    expect(pool).toContain(`arn:\${data.aws_partition.${partition}.partition}:ec2:*:*:instance/*`);
    expect(pool).not.toMatch(/arn:aws:(iam::aws:policy\/AmazonSSM|ec2:\*:\*:instance)/);
  });
});
