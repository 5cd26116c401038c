import { createHash } from 'node:crypto';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Testing, TerraformStack, TerraformVariable } from 'cdktf';
import {
  AwsWorkerPool,
  AwsWorkerPoolOptions,
  escapeTemplate,
  IMAGE_TAG,
  ImageArchitecture,
  NodeEgress,
  TokenDelivery,
} from '../src/constructs/aws-worker-pool';
import { DEFAULT_IMAGE_SERIAL } from '../src/model/ubuntu-images';
import { parseVersion } from '../src/model/versions';
import { nodeBootstrapInput, workerPoolSpec } from '../src/model/worker-pool';
import { WORKER_IMAGE_TAG } from '../src/review/facts';
import { BootstrapToken, BootstrapTokenOptions } from '../src/constructs/bootstrap-token';
import { TOKEN_SHAPED } from '../src/model/bootstrap-token';
import { TaintEffect } from '../src/model/kubeadm';
import { ValidationError } from '../src/model/errors';
import { onlyResource } from './support/synth';
import { validationErrorOf } from './support/errors';

const SUBNETS = ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'];

interface Setup {
  pool?: Partial<AwsWorkerPoolOptions>;
  token?: BootstrapTokenOptions;
  controlPlaneVersion?: string;
  noParameter?: boolean;
}

function synthPool(setup: Setup = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'nodes');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  const kubernetesProvider = new KubernetesProvider(stack, 'tenant', { alias: 'tenant' });
  const endpoint = new TerraformVariable(stack, 'endpoint', { type: 'string' });
  const ca = new TerraformVariable(stack, 'ca', { type: 'string' });
  const token = new BootstrapToken(stack, 'BootstrapToken', {
    kubernetesProvider,
    ...setup.token,
    ssmParameterName: setup.noParameter ? undefined : '/kamaji/demo/bootstrap-token',
  });
  const pool = new AwsWorkerPool(stack, 'PoolDefault', {
    name: 'default',
    subnetIds: SUBNETS,
    vpcId: 'vpc-0123456789abcdef0',
    tenantName: 'demo',
    controlPlaneVersion: setup.controlPlaneVersion ?? 'v1.35.3',
    endpoint: endpoint.stringValue,
    caData: ca.stringValue,
    token,
    region: 'eu-west-1',
    ...setup.pool,
  });
  const text = Testing.synth(stack);
  const json = JSON.parse(text);
  const userDataLocal = Object.entries(json.locals as Record<string, string>).find(([k]) => k.includes('UserData'))!;
  return {
    pool,
    text,
    json,
    userData: userDataLocal[1],
    userDataLocalName: userDataLocal[0],
    lt: onlyResource(json, 'aws_launch_template'),
    asg: onlyResource(json, 'aws_autoscaling_group'),
    sg: Object.entries(json.resource.aws_security_group as Record<string, any>).find(([id]) =>
      id.startsWith('PoolDefault_SecurityGroup_'),
    )![1],
  };
}

function problemsOf(setup: Setup): ValidationError {
  return validationErrorOf(() => synthPool(setup));
}

describe('AwsWorkerPool', () => {
  test('launch template: IMDSv2 required, hop limit 1, encrypted gp3 root, pinned Canonical Ubuntu 24.04, user data', () => {
    const { lt, json, userData, userDataLocalName } = synthPool();
    expect(lt.metadata_options).toEqual({
      http_endpoint: 'enabled',
      http_tokens: 'required',
      http_put_response_hop_limit: 1,
      instance_metadata_tags: 'disabled',
    });
    expect(lt.block_device_mappings).toEqual([
      {
        device_name: '/dev/sda1',
        ebs: { volume_size: 30, volume_type: 'gp3', encrypted: 'true', delete_on_termination: 'true' },
      },
    ]);
    expect(lt.monitoring).toEqual({ enabled: false });
    expect(lt.instance_type).toBe('t3.medium');
    // One exact image: Canonical's owner id and the full name with the pinned serial; never
    // most_recent over a wildcard (a new Canonical build would roll every pool).
    const ami = onlyResource({ resource: json.data }, 'aws_ami');
    const name = `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-${DEFAULT_IMAGE_SERIAL}`;
    expect(ami).toEqual({
      owners: ['099720109477'],
      include_deprecated: true,
      filter: [
        { name: 'name', values: [name] },
        { name: 'architecture', values: ['x86_64'] },
      ],
    });
    expect(JSON.stringify(json)).not.toMatch(/most_recent|server-\*/);
    expect(lt.image_id).toMatch(/^\$\{data\.aws_ami\.\w+\.id\}$/);
    expect(lt.tags[IMAGE_TAG]).toBe(name);
    expect(lt.tag_specifications[0].tags[IMAGE_TAG]).toBe(name);
    // Gzipped: cloud-init decompresses it; EC2's limit counts the compressed bytes.
    expect(lt.user_data).toBe(`\${base64gzip(local.${userDataLocalName})}`);
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    // Apply-time values are references; the script's own ${...} are escaped for Terraform.
    expect(userData).toContain('server: "${var.endpoint}"');
    expect(userData).toContain('certificate-authority-data: "${var.ca}"');
    expect(userData).toContain('ROOT="$${KAMAJI_NODE_ROOT:-}"');
    expect(userData.match(/(?<!\$)\$\{[^}]*\}/g)).toEqual(['${var.endpoint}', '${var.ca}']);
  });

  test('a given AMI id replaces the data source; hop limit and volume size are props', () => {
    const { lt, json } = synthPool({
      pool: { amiId: 'ami-0123456789abcdef0', httpPutResponseHopLimit: 2, rootVolumeSizeGiB: 80 },
    });
    expect(lt.image_id).toBe('ami-0123456789abcdef0');
    expect(lt.tags[IMAGE_TAG]).toBe('ami-0123456789abcdef0');
    expect(json.data?.aws_ami).toBeUndefined();
    expect(lt.metadata_options.http_put_response_hop_limit).toBe(2);
    expect(lt.block_device_mappings[0].ebs.volume_size).toBe(80);
  });

  test('IAM: EC2 role that may read only its token parameter; Session Manager is opt-in', () => {
    const { json } = synthPool();
    const role = onlyResource(json, 'aws_iam_role');
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    const policies = json.resource.aws_iam_role_policy as Record<string, any>;
    const policy = Object.entries(policies).find(([id]) => id.includes('ReadToken'))![1];
    const parameterId = Object.keys(json.resource.aws_ssm_parameter)[0];
    expect(policy.policy).toBe(
      `\${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", "Action" = "ssm:GetParameter", "Resource" = aws_ssm_parameter.${parameterId}.arn}]})}`,
    );
    expect(json.resource.aws_iam_role_policy_attachment).toBeUndefined();
    expect(onlyResource(json, 'aws_iam_instance_profile').role).toMatch(/aws_iam_role\.\w+\.name/);

    const withSsm = synthPool({ pool: { ssmSessionManager: true } }).json;
    expect(onlyResource(withSsm, 'aws_iam_role_policy_attachment').policy_arn).toMatch(
      /^arn:\$\{data\.aws_partition\.\w+\.partition\}:iam::aws:policy\/AmazonSSMManagedInstanceCore$/,
    );
    // Inline delivery needs no SSM read permission.
    const inline = synthPool({ pool: { tokenDelivery: TokenDelivery.INLINE } }).json.resource.aws_iam_role_policy;
    expect(Object.keys(inline).filter((id) => id.includes('ReadToken'))).toEqual([]);
    // The read policy is in place before the group starts nodes.
    const group = onlyResource(json, 'aws_autoscaling_group');
    expect(group.depends_on).toContain(
      `aws_iam_role_policy.${Object.keys(policies).find((id) => id.includes('ReadToken'))}`,
    );
  });

  test('IAM: a node that gives up booting may tag only itself, only with the failure tag', () => {
    const { json } = synthPool();
    const [, policy] = Object.entries(json.resource.aws_iam_role_policy as Record<string, any>).find(([id]) =>
      id.includes('TagBootstrapFailure'),
    )!;
    const groupId = Object.keys(json.resource.aws_autoscaling_group)[0];
    expect(policy.policy).toContain('"Action" = "ec2:CreateTags"');
    expect(policy.policy).toContain(
      `"aws:ResourceTag/aws:autoscaling:groupName" = aws_autoscaling_group.${groupId}.name`,
    );
    expect(policy.policy).toContain('"aws:TagKeys" = ["kamaji.io/bootstrap-failure"]');
  });

  test('security group, restricted egress: to the API port, konnectivity and mirrors only', () => {
    const { sg } = synthPool({
      pool: {
        egress: NodeEgress.RESTRICTED,
        nodePortIngress: false,
        apiPort: 443,
        konnectivityPort: 9132,
        controlPlaneCidrs: ['203.0.113.10/32'],
        packageMirrorCidrs: ['10.0.0.0/8'],
      },
    });
    expect(sg.vpc_id).toBe('vpc-0123456789abcdef0');
    expect(sg.ingress).toHaveLength(1);
    expect(sg.ingress[0]).toMatchObject({ self: true, cidr_blocks: [], protocol: '-1' });
    const egress = sg.egress.map((r: any) => [
      r.protocol,
      r.from_port,
      r.to_port,
      r.self ? 'self' : r.cidr_blocks.join(','),
    ]);
    expect(egress).toEqual([
      ['-1', 0, 0, 'self'],
      ['tcp', 443, 443, '203.0.113.10/32'],
      ['tcp', 9132, 9132, '203.0.113.10/32'],
      ['tcp', 443, 443, '10.0.0.0/8'],
      ['tcp', 80, 80, '10.0.0.0/8'],
    ]);
    expect(sg.egress.every((r: any) => r.ipv6_cidr_blocks.length === 0)).toBe(true);
  });

  test('security group, default: all egress (IPv4 and IPv6) like EKS node groups; NodePorts from the VPC', () => {
    const { sg, json } = synthPool();
    expect(sg.egress).toEqual([
      {
        description: 'all egress',
        protocol: '-1',
        from_port: 0,
        to_port: 0,
        cidr_blocks: ['0.0.0.0/0'],
        ipv6_cidr_blocks: ['::/0'],
        prefix_list_ids: [],
        security_groups: [],
        self: false,
      },
    ]);
    // Inbound: the pool's own nodes, and TCP NodePorts from every CIDR block of the pool's VPC.
    expect(sg.ingress).toHaveLength(2);
    expect(sg.ingress[0]).toMatchObject({ self: true, protocol: '-1' });
    const vpc = onlyResource({ resource: json.data }, 'aws_vpc');
    expect(vpc.id).toBe('vpc-0123456789abcdef0');
    const vpcId = Object.keys(json.data.aws_vpc)[0];
    expect(sg.ingress[1]).toMatchObject({
      description: 'NodePorts (tenant load balancers)',
      protocol: 'tcp',
      from_port: 30000,
      to_port: 32767,
      self: false,
      cidr_blocks: `\${[for a in data.aws_vpc.${vpcId}.cidr_block_associations : a.cidr_block]}`,
    });
  });

  test('NodePort ingress: own sources replace the VPC lookup; off leaves only the pool', () => {
    const own = synthPool({ pool: { nodePortSourceCidrs: ['10.20.0.0/16', '0.0.0.0/0'] } });
    expect(own.sg.ingress[1]).toMatchObject({
      from_port: 30000,
      to_port: 32767,
      cidr_blocks: ['10.20.0.0/16', '0.0.0.0/0'],
    });
    expect(own.json.data.aws_vpc).toBeUndefined();
    const off = synthPool({ pool: { nodePortIngress: false } });
    expect(off.sg.ingress).toHaveLength(1);
    expect(off.json.data?.aws_vpc).toBeUndefined();
  });

  test('a cloud-controller cluster tag goes on a rule-less group of its own, not on the pool group', () => {
    const tags = { 'kubernetes.io/cluster/demo': 'owned', team: 'platform' };
    const { json, lt } = synthPool({ pool: { tags } });
    const groups = json.resource.aws_security_group as Record<string, any>;
    const [own, lb] = ['PoolDefault_SecurityGroup', 'PoolDefault_LoadBalancerSecurityGroup'].map(
      (prefix) => Object.entries(groups).find(([id]) => id.startsWith(prefix))![1],
    );
    expect(own.tags).toEqual({ 'cdktf-kamaji/tenant': 'demo', 'cdktf-kamaji/pool': 'default', team: 'platform' });
    expect(lb.tags).toMatchObject(tags);
    // Terraform manages no rule of it (the controller's rules stay), and instances carry it.
    expect(lb.ingress).toBeUndefined();
    expect(lb.egress).toBeUndefined();
    expect(lt.vpc_security_group_ids).toHaveLength(2);
    expect(lt.tag_specifications[0].tags).toMatchObject(tags);
    expect(Object.keys(synthPool().json.resource.aws_security_group)).toHaveLength(1);
  });

  test('cloudProviderExternal reaches the node bootstrap input only when on', () => {
    const spec = (on?: boolean) =>
      workerPoolSpec({ name: 'p', subnetIds: SUBNETS, cloudProviderExternal: on }, 'v1.35.3');
    const ctx = {
      tenantName: 'demo',
      endpoint: 'https://x',
      caData: 'Y',
      token: { delivery: 'inline' as const, token: 't' },
    };
    const v = parseVersion('v1.35.3')!;
    expect(nodeBootstrapInput(spec(true), v, ctx)).toMatchObject({ cloudProviderExternal: true });
    expect(nodeBootstrapInput(spec(), v, ctx)).not.toHaveProperty('cloudProviderExternal');
  });

  test('image: release, architecture and serial pick one exact Canonical name; arm64 needs Graviton types', () => {
    const { json, lt } = synthPool({
      pool: {
        ubuntuRelease: '22.04',
        architecture: ImageArchitecture.ARM64,
        imageSerial: '20250305.1',
        instanceTypes: ['m7g.large', 't4g.medium'],
      },
    });
    const ami = onlyResource({ resource: json.data }, 'aws_ami');
    expect(ami.filter).toEqual([
      { name: 'name', values: ['ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20250305.1'] },
      { name: 'architecture', values: ['arm64'] },
    ]);
    expect(lt.tags[IMAGE_TAG]).toBe('ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20250305.1');
    // The review reads the same tag.
    expect(IMAGE_TAG).toBe(WORKER_IMAGE_TAG);
  });

  test('additional security groups (the tenant-wide one of the nodes stack) join the launch template', () => {
    const extra = { additionalSecurityGroupIds: ['sg-0123456789abcdef0'] } as Partial<AwsWorkerPoolOptions>;
    const { lt } = synthPool({ pool: extra });
    expect(lt.vpc_security_group_ids).toEqual([
      expect.stringMatching(/^\$\{aws_security_group\.PoolDefault_SecurityGroup_\w+\.id\}$/),
      'sg-0123456789abcdef0',
    ]);
    const bad = { additionalSecurityGroupIds: ['vpc-0123'] } as Partial<AwsWorkerPoolOptions>;
    expect(problemsOf({ pool: bad }).problems).toEqual([
      expect.objectContaining({
        where: 'nodes/PoolDefault',
        field: 'additionalSecurityGroupIds[0]',
        value: 'vpc-0123',
      }),
    ]);
  });

  test('group: sizes, subnets, launch-before-terminate refresh with skip matching, desired capacity ignored, tags propagated', () => {
    const { asg, lt } = synthPool({ pool: { minSize: 2, maxSize: 5, tags: { team: 'platform' } } });
    expect(asg).toMatchObject({
      min_size: 2,
      max_size: 5,
      desired_capacity: 2,
      vpc_zone_identifier: SUBNETS,
      capacity_rebalance: false,
      instance_refresh: {
        strategy: 'Rolling',
        preferences: {
          min_healthy_percentage: 100,
          max_healthy_percentage: 200,
          skip_matching: true,
          instance_warmup: '300',
        },
      },
      lifecycle: { ignore_changes: ['desired_capacity'] },
    });
    expect(asg.launch_template.version).toMatch(/^\$\{aws_launch_template\.\w+\.latest_version\}$/);
    expect(asg.tag).toContainEqual({ key: 'team', value: 'platform', propagate_at_launch: true });
    expect(asg.tag.every((t: any) => t.propagate_at_launch)).toBe(true);
    expect(lt.tag_specifications.map((t: any) => t.resource_type)).toEqual(['instance', 'volume']);
    for (const spec of lt.tag_specifications)
      expect(spec.tags).toMatchObject({ team: 'platform', 'cdktf-kamaji/tenant': 'demo' });
    expect(asg.depends_on.some((d: string) => d.startsWith('kubernetes_secret_v1.'))).toBe(true);
  });

  test('refresh: launch before terminate for every size (1 included); warm-up and checkpoints are props', () => {
    for (const size of [1, 2, 10]) {
      const { asg } = synthPool({ pool: { minSize: size, maxSize: size, desiredSize: size } });
      expect(asg.instance_refresh.preferences).toMatchObject({
        min_healthy_percentage: 100,
        max_healthy_percentage: 200,
      });
    }
    const { asg } = synthPool({
      pool: { instanceWarmupSeconds: 600, checkpointPercentages: [10, 50, 100], checkpointDelaySeconds: 900 },
    });
    expect(asg.instance_refresh.preferences).toEqual({
      min_healthy_percentage: 100,
      max_healthy_percentage: 200,
      skip_matching: true,
      instance_warmup: '600',
      checkpoint_percentages: [10, 50, 100],
      checkpoint_delay: '900',
    });
  });

  test('spot and several instance types make a mixed-instances group; capacity rebalance is a prop', () => {
    const { asg, lt } = synthPool({
      pool: { instanceTypes: ['m7i.large', 'm6i.large'], spot: true, onDemandBaseCapacity: 1, capacityRebalance: true },
    });
    expect(lt.instance_type).toBeUndefined();
    expect(asg.launch_template).toBeUndefined();
    expect(asg.capacity_rebalance).toBe(true);
    expect(asg.mixed_instances_policy.launch_template.override).toEqual([
      { instance_type: 'm7i.large' },
      { instance_type: 'm6i.large' },
    ]);
    expect(asg.mixed_instances_policy.instances_distribution).toEqual({
      on_demand_base_capacity: 1,
      on_demand_percentage_above_base_capacity: 0,
      spot_allocation_strategy: 'price-capacity-optimized',
    });
  });

  test('labels, taints and hooks reach the user data', () => {
    const { userData } = synthPool({
      pool: {
        labels: { 'example.com/pool': 'gpu' },
        taints: [{ key: 'nvidia.com/gpu', effect: TaintEffect.NO_SCHEDULE }],
        preJoinScript: 'echo "$${HOME}" >/dev/null\n',
      },
    });
    expect(userData).toContain('value: "example.com/pool=gpu"');
    expect(userData).toContain('key: "nvidia.com/gpu"');
    expect(userData).toContain('/etc/kamaji-node/pre-join.sh');
  });

  test('logical ids', () => {
    const { pool } = synthPool({ pool: { ssmSessionManager: true } });
    expect(pool.node.children.map((c) => c.node.id).sort()).toEqual(
      [
        'Ami',
        'Vpc',
        'CompleteLaunchHook',
        'Group',
        'LaunchHook',
        'Partition',
        'InstanceProfile',
        'LaunchTemplate',
        'ReadToken',
        'Role',
        'SecurityGroup',
        'SessionManager',
        'TagBootstrapFailure',
        'UserData',
      ].sort(),
    );
  });

  test('escapeTemplate escapes ${ and %{ but keeps cdktf tokens', () => {
    expect(escapeTemplate('a ${B} %{if} ${TfToken[TOKEN.1]}')).toBe('a $${B} %%{if} ${TfToken[TOKEN.1]}');
  });

  describe('token rotation', () => {
    test('ssm: the launch template never depends on the token, so a rotation leaves user data unchanged', () => {
      const a = synthPool({ token: { rotationHours: 24, ttlHours: 72 } });
      const b = synthPool({ token: { rotationHours: 48, ttlHours: 96 } });
      expect(a.userData).toBe(b.userData);
      expect(a.lt).toEqual(b.lt);
      const ltText = JSON.stringify(a.lt) + a.userData;
      expect(ltText).not.toMatch(/random_string|time_rotating|aws_ssm_parameter/);
      // ...while the token itself is replaced on each rotation (keepers on the rotation's id).
      for (const s of Object.values(a.json.resource.random_string as Record<string, any>)) {
        expect(s.keepers.rotation).toMatch(/^\$\{time_rotating\.\w+\.id\}$/);
      }
    });

    test('inline: $Latest, and a refresh tag that ignores rotation but changes with a version bump', () => {
      const inline = (over: Setup) =>
        synthPool({ ...over, pool: { tokenDelivery: TokenDelivery.INLINE, ...over.pool } });
      const a = inline({ token: { rotationHours: 24, ttlHours: 72 } });
      const b = inline({ token: { rotationHours: 48, ttlHours: 96 } });
      const tag = (x: ReturnType<typeof synthPool>) => x.asg.tag.find((t: any) => t.key === 'cdktf-kamaji/node-config');
      expect(a.asg.launch_template.version).toBe('$Latest');
      expect(a.asg.instance_refresh.triggers).toEqual(['tag']);
      // The image is in the hash too: with $Latest a new AMI alone would roll nothing.
      expect(tag(a).value).toMatch(
        /^\$\{sha256\(join\("\\n", \["[0-9a-f]{64}", var\.endpoint, var\.ca, data\.aws_ami\.\w+\.id\]\)\)\}$/,
      );
      expect(tag(a)).toEqual(tag(b));
      expect(tag(a).value).not.toMatch(/random_string/);
      // The token is in the user data (by reference), so a rotation is a new template version.
      expect(a.userData).toMatch(/\$\{random_string\.\w+\.result\}\.\$\{random_string\.\w+\.result\}/);
      const bumped = inline({ controlPlaneVersion: 'v1.35.4', pool: { kubernetesVersion: 'v1.35.4' } });
      expect(tag(bumped).value).not.toBe(tag(a).value);
      const ami = inline({ pool: { amiId: 'ami-0123456789abcdef0' } });
      expect(tag(ami).value).toContain('"ami-0123456789abcdef0"');
    });
  });

  test('no token-shaped string and no private key in the synthesized stack', () => {
    for (const delivery of [TokenDelivery.SSM, TokenDelivery.INLINE]) {
      const { text } = synthPool({ pool: { tokenDelivery: delivery } });
      expect(text).not.toMatch(TOKEN_SHAPED);
      expect(text).not.toMatch(/PRIVATE KEY/);
    }
  });

  describe('bad input', () => {
    test.each<[string, Setup, string, unknown, RegExp]>([
      ['a konnectivity port out of range', { pool: { konnectivityPort: 0 } }, 'konnectivityPort', 0, /TCP port/],
      [
        'a kubelet newer than the control plane',
        { pool: { kubernetesVersion: 'v1.36.0' } },
        'kubernetesVersion',
        'v1.36.0',
        /newer than the control plane v1\.35\.3/,
      ],
      [
        'a kubelet 4 minors older',
        { controlPlaneVersion: 'v1.35.0', pool: { kubernetesVersion: 'v1.31.0' } },
        'kubernetesVersion',
        'v1.31.0',
        /more than 3 minors older/,
      ],
      [
        'a worker version out of range',
        { pool: { kubernetesVersion: 'v1.29.9' } },
        'kubernetesVersion',
        'v1.29.9',
        /supported range/,
      ],
      [
        'minSize greater than maxSize',
        { pool: { minSize: 4, maxSize: 2, desiredSize: 2 } },
        'minSize',
        4,
        /not be greater than maxSize \(2\)/,
      ],
      [
        'desiredSize above maxSize',
        { pool: { desiredSize: 9 } },
        'desiredSize',
        9,
        /between minSize \(1\) and maxSize \(3\)/,
      ],
      ['empty subnets', { pool: { subnetIds: [] } }, 'subnetIds', [], /at least one subnet/],
      ['a malformed subnet', { pool: { subnetIds: ['subnet-xyz'] } }, 'subnetIds', ['subnet-xyz'], /not: subnet-xyz/],
      ['hop limit 0', { pool: { httpPutResponseHopLimit: 0 } }, 'httpPutResponseHopLimit', 0, /from 1 to 64/],
      ['hop limit 65', { pool: { httpPutResponseHopLimit: 65 } }, 'httpPutResponseHopLimit', 65, /from 1 to 64/],
      ['a 4 GiB root volume', { pool: { rootVolumeSizeGiB: 4 } }, 'rootVolumeSizeGiB', 4, /from 8/],
      ['a bad AMI id', { pool: { amiId: 'ubuntu' } }, 'amiId', 'ubuntu', /AMI id/],
      ['a bad instance type', { pool: { instanceTypes: ['large'] } }, 'instanceTypes[0]', 'large', /instance type/],
      [
        'a node-role label',
        { pool: { labels: { 'node-role.kubernetes.io/worker': '' } } },
        'labels.node-role.kubernetes.io/worker',
        'node-role.kubernetes.io/worker',
        /NodeRestriction/,
      ],
      ['a bad label value', { pool: { labels: { team: 'a b' } } }, 'labels.team', 'a b', /label value/],
      [
        'a bad taint effect',
        { pool: { taints: [{ key: 'k', effect: 'Never' as TaintEffect }] } },
        'taints[0].effect',
        'Never',
        /NoSchedule/,
      ],
      [
        'a bad CIDR',
        { pool: { controlPlaneCidrs: ['10.0.0.0/33'] } },
        'controlPlaneCidrs[0]',
        '10.0.0.0/33',
        /IPv4 CIDR/,
      ],
      ['a bad pool name', { pool: { name: 'Pool_1' } }, 'name', 'Pool_1', /DNS-1123/],
      ['a serial with a wildcard', { pool: { imageSerial: '2025*' } }, 'imageSerial', '2025*', /YYYYMMDD/],
      ['a serial that is no date', { pool: { imageSerial: '20251340' } }, 'imageSerial', '20251340', /YYYYMMDD/],
      ['an unknown release', { pool: { ubuntuRelease: '20.04' } }, 'ubuntuRelease', '20.04', /24\.04, 22\.04/],
      [
        'an unknown architecture',
        { pool: { architecture: 'x86_64' as ImageArchitecture } },
        'architecture',
        'x86_64',
        /amd64, arm64/,
      ],
      [
        'arm64 with an Intel instance type',
        { pool: { architecture: ImageArchitecture.ARM64, instanceTypes: ['m7g.large', 'm7i.large'] } },
        'architecture',
        'arm64',
        /m7i\.large run amd64/,
      ],
      [
        'Graviton instance types with the amd64 default',
        { pool: { instanceTypes: ['t4g.medium'] } },
        'architecture',
        'amd64',
        /t4g\.medium run arm64/,
      ],
      [
        'an AMI id and a serial',
        { pool: { amiId: 'ami-0123456789abcdef0', imageSerial: '20250610' } },
        'imageSerial',
        '20250610',
        /not be set together with amiId/,
      ],
      [
        'checkpoints not ending at 100',
        { pool: { checkpointPercentages: [20, 50] } },
        'checkpointPercentages',
        [20, 50],
        /the last 100/,
      ],
      [
        'checkpoints not ascending',
        { pool: { checkpointPercentages: [50, 20, 100] } },
        'checkpointPercentages',
        [50, 20, 100],
        /strictly ascending/,
      ],
      [
        'a checkpoint of 0',
        { pool: { checkpointPercentages: [0, 100] } },
        'checkpointPercentages',
        [0, 100],
        /from 1 to 100/,
      ],
      [
        'a checkpoint delay without checkpoints',
        { pool: { checkpointDelaySeconds: 600 } },
        'checkpointDelaySeconds',
        600,
        /needs checkpointPercentages/,
      ],
      [
        'a checkpoint delay over 48 hours',
        { pool: { checkpointPercentages: [100], checkpointDelaySeconds: 172801 } },
        'checkpointDelaySeconds',
        172801,
        /172800/,
      ],
      ['a negative warm-up', { pool: { instanceWarmupSeconds: -1 } }, 'instanceWarmupSeconds', -1, /0 to 3600/],
      ['an unknown egress', { pool: { egress: 'none' as NodeEgress } }, 'egress', 'none', /all, restricted/],
      [
        'a bad NodePort source',
        { pool: { nodePortSourceCidrs: ['10.0.0.0/8', 'vpc'] } },
        'nodePortSourceCidrs[1]',
        'vpc',
        /IPv4 CIDR/,
      ],
      ['ssm delivery without a parameter', { noParameter: true }, 'tokenDelivery', 'ssm', /ssmParameterName/],
    ])('rejects %s with path, field, value and rule', (_n, setup, field, value, rule) => {
      const error = problemsOf(setup);
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatchObject({ where: 'nodes/PoolDefault', field, value });
      expect(error.problems[0].rule).toMatch(rule);
      expect(error.message).toContain(`nodes/PoolDefault: ${field}`);
    });

    test('user data over the limit (a huge pre-join hook) is refused before anything is written', () => {
      // Incompressible padding: user data is measured gzipped.
      const padding = Array.from(
        { length: 800 },
        (_, i) => `# ${createHash('sha256').update(String(i)).digest('base64')}`,
      );
      const error = problemsOf({ pool: { preJoinScript: padding.join('\n') } });
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatchObject({
        where: 'nodes/PoolDefault',
        field: 'userData (preJoinScript/postJoinScript)',
      });
      expect(String(error.problems[0].value)).toMatch(/^\d{5} bytes$/);
      expect(error.problems[0].rule).toMatch(/at most 16384 bytes/);
    });

    test('reports every problem at once', () => {
      const error = problemsOf({
        pool: { minSize: 5, maxSize: 1, subnetIds: [], httpPutResponseHopLimit: 9000, kubernetesVersion: '1.40' },
      });
      expect(error.problems.map((p) => p.field).sort()).toEqual([
        'httpPutResponseHopLimit',
        'kubernetesVersion',
        'minSize',
        'subnetIds',
      ]);
    });
  });
});
