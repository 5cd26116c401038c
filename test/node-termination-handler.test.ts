import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import {
  NodeTerminationHandler,
  NodeTerminationHandlerProps,
  TerminationHandlerCredentials,
} from '../src/constructs/node-termination-handler';
import { ValidationError } from '../src/model/errors';
import {
  nthHeartbeatIntervalSeconds,
  nthManagedTag,
  nthQueueName,
  terminationEventRules,
} from '../src/model/termination-handler';
import { validationErrorOf } from './support/errors';

type Props = Omit<NodeTerminationHandlerProps, 'autoScalingGroups' | 'helmProvider' | 'awsProvider'>;

function synthHandler(props: Partial<Props> = {}, groupNames: string[] = ['default', 'spot']) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'nodes');
  const awsProvider = new AwsProvider(stack, 'aws-nodes', { alias: 'nodes', region: 'eu-west-1' });
  const helmProvider = new HelmProvider(stack, 'tenant-helm', { alias: 'tenant' });
  const kubernetesProvider = new KubernetesProvider(stack, 'tenant', { alias: 'tenant' });
  const groups = groupNames.map((name) => {
    // Like AwsWorkerPool: the group is `Group` inside a pool construct.
    const pool = new Construct(stack, `Pool-${name}`);
    return new AutoscalingGroup(pool, 'Group', {
      provider: awsProvider,
      name: `kamaji-acme-${name}`,
      minSize: 1,
      maxSize: 3,
      availabilityZones: ['eu-west-1a'],
    });
  });
  const handler = new NodeTerminationHandler(stack, 'Drain', {
    tenantName: 'acme',
    region: 'eu-west-1',
    kubernetesProvider,
    ...props,
    autoScalingGroups: groups,
    helmProvider,
    awsProvider,
  });
  return { handler, json: JSON.parse(Testing.synth(stack)) };
}

const only = (json: any, type: string) => {
  const all = Object.values((json.resource[type] ?? {}) as Record<string, any>);
  expect(all).toHaveLength(1);
  return all[0];
};
const all = (json: any, type: string): [string, any][] => Object.entries(json.resource[type] ?? {});
const ref = (type: string, name: string, attr: string) =>
  new RegExp(`^\\$\\{${type}\\.${name}_[A-F0-9]+\\.${attr}\\}$`);

function problemsOf(props: Partial<Props>, groups?: string[]): ValidationError {
  return validationErrorOf(() => synthHandler(props, groups));
}

describe('NodeTerminationHandler: AWS side', () => {
  test('an SSE queue keeping events 300 s, on the given aws provider', () => {
    const { json } = synthHandler();
    const queue = only(json, 'aws_sqs_queue');
    expect(queue).toMatchObject({
      provider: 'aws.nodes',
      name: 'kamaji-acme-nth',
      message_retention_seconds: 300,
      sqs_managed_sse_enabled: true,
      tags: { 'cdktf-kamaji/tenant': 'acme' },
    });
  });

  test('EventBridge rules: ASG lifecycle scoped to the groups, spot, rebalance, state change, scheduled', () => {
    const { json } = synthHandler();
    const rules = Object.fromEntries(
      all(json, 'aws_cloudwatch_event_rule').map(([id, r]) => [id.split('_')[1], r]),
    ) as Record<string, any>;
    expect(Object.keys(rules).sort()).toEqual(['RuleAsg', 'RuleRebalance', 'RuleScheduled', 'RuleSpot', 'RuleState']);
    for (const rule of Object.values(rules)) {
      expect(rule.provider).toBe('aws.nodes');
      expect(rule.name_prefix.length).toBeLessThanOrEqual(38);
    }
    const asg = JSON.parse(rules.RuleAsg.event_pattern);
    expect(asg.source).toEqual(['aws.autoscaling']);
    expect(asg['detail-type']).toEqual(['EC2 Instance-terminate Lifecycle Action']);
    expect(asg.detail.AutoScalingGroupName).toHaveLength(2);
    asg.detail.AutoScalingGroupName.forEach((name: string) =>
      expect(name).toMatch(/^\$\{aws_autoscaling_group\.Pool-(default|spot)_Group_[A-F0-9]+\.name\}$/),
    );
    expect(JSON.parse(rules.RuleSpot.event_pattern)).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['EC2 Spot Instance Interruption Warning'],
    });
    expect(JSON.parse(rules.RuleRebalance.event_pattern)).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance Rebalance Recommendation'],
    });
    expect(JSON.parse(rules.RuleState.event_pattern)).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['stopping', 'stopped', 'shutting-down', 'terminated'] },
    });
    expect(JSON.parse(rules.RuleScheduled.event_pattern)).toEqual({
      source: ['aws.health'],
      'detail-type': ['AWS Health Event'],
      detail: { service: ['EC2'], eventTypeCategory: ['scheduledChange'] },
    });
  });

  test('every rule targets the queue', () => {
    const { json } = synthHandler();
    const targets = all(json, 'aws_cloudwatch_event_target').map(([, t]) => t);
    expect(targets).toHaveLength(5);
    for (const t of targets) {
      expect(t.arn).toMatch(ref('aws_sqs_queue', 'Drain_Queue', 'arn'));
      expect(t.rule).toMatch(ref('aws_cloudwatch_event_rule', 'Drain_Rule[A-Za-z]+', 'name'));
      expect(t.provider).toBe('aws.nodes');
    }
    expect(new Set(targets.map((t) => t.rule)).size).toBe(5);
  });

  test('spot, rebalance and scheduled rules can be left out; the ASG and state rules stay', () => {
    const { json } = synthHandler({
      spotInterruptions: false,
      rebalanceRecommendations: false,
      scheduledChanges: false,
    });
    const ids = all(json, 'aws_cloudwatch_event_rule').map(([id]) => id.split('_')[1]);
    expect(ids.sort()).toEqual(['RuleAsg', 'RuleState']);
    expect(all(json, 'aws_cloudwatch_event_target')).toHaveLength(2);
  });

  test("the queue policy lets only this tenant's rules (and the SQS service) send", () => {
    const { json } = synthHandler();
    const policy = only(json, 'aws_sqs_queue_policy');
    expect(policy.queue_url).toMatch(ref('aws_sqs_queue', 'Drain_Queue', 'url'));
    const doc = JSON.parse(policy.policy);
    const [events, sqs] = doc.Statement;
    expect(events).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
    });
    expect(events.Resource).toMatch(ref('aws_sqs_queue', 'Drain_Queue', 'arn'));
    const sources: string[] = events.Condition.ArnEquals['aws:SourceArn'];
    expect(sources).toHaveLength(5);
    sources.forEach((s) => expect(s).toMatch(ref('aws_cloudwatch_event_rule', 'Drain_Rule[A-Za-z]+', 'arn')));
    expect(sqs).toMatchObject({ Principal: { Service: 'sqs.amazonaws.com' }, Action: 'sqs:SendMessage' });
    expect(sqs.Resource).toMatch(ref('aws_sqs_queue', 'Drain_Queue', 'arn'));
  });

  test('a drain may outlast the hook: NTH drains for drainTimeoutSeconds, heartbeating every third of the timeout', () => {
    const values = (props: Partial<Props>) => {
      const release = all(synthHandler(props).json, 'helm_release')[0][1];
      return parse(release.values[0]);
    };
    // Defaults: 15-minute drain, heartbeats every 100 s against the 300 s hook, for the drain plus a minute.
    expect(values({})).toMatchObject({ nodeTerminationGracePeriod: 900, heartbeatInterval: 100, heartbeatUntil: 960 });
    expect(values({ heartbeatTimeoutSeconds: 90, drainTimeoutSeconds: 3600 })).toMatchObject({
      nodeTerminationGracePeriod: 3600,
      heartbeatInterval: 30,
      heartbeatUntil: 3660,
    });
    // NTH's own bounds: interval at most 3600 s.
    expect(values({ heartbeatTimeoutSeconds: 7200 }).heartbeatInterval).toBe(2400);
    for (const timeout of [90, 91, 300, 7200]) expect(nthHeartbeatIntervalSeconds(timeout)).toBeLessThan(timeout);
    // A short drain with a long hook: heartbeatUntil never below the interval (NTH would not start).
    const short = values({ heartbeatTimeoutSeconds: 600, drainTimeoutSeconds: 60 });
    expect(short).toMatchObject({ heartbeatInterval: 200, heartbeatUntil: 200 });
  });

  test('one terminating lifecycle hook per group, CONTINUE after the heartbeat timeout', () => {
    const { json } = synthHandler({ heartbeatTimeoutSeconds: 900 });
    const hooks = all(json, 'aws_autoscaling_lifecycle_hook');
    expect(hooks.map(([id]) => id.replace(/_[A-F0-9]+$/, '')).sort()).toEqual([
      'Drain_HookPool-default',
      'Drain_HookPool-spot',
    ]);
    for (const [, hook] of hooks) {
      expect(hook).toMatchObject({
        provider: 'aws.nodes',
        name: 'cdktf-kamaji-drain',
        lifecycle_transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        heartbeat_timeout: 900,
        default_result: 'CONTINUE',
      });
    }
    expect(hooks.map(([, h]) => h.autoscaling_group_name).sort()).toEqual([
      expect.stringMatching(ref('aws_autoscaling_group', 'Pool-default_Group', 'name')),
      expect.stringMatching(ref('aws_autoscaling_group', 'Pool-spot_Group', 'name')),
    ]);
    // The groups themselves carry no inline hook.
    for (const [, group] of all(json, 'aws_autoscaling_group')) expect(group.initial_lifecycle_hook).toBeUndefined();
  });

  test('the heartbeat timeout defaults to 300 s', () => {
    const { json } = synthHandler();
    for (const [, hook] of all(json, 'aws_autoscaling_lifecycle_hook')) expect(hook.heartbeat_timeout).toBe(300);
  });
});

describe('NodeTerminationHandler: credentials', () => {
  const statements = (policy: string) => Object.fromEntries(JSON.parse(policy).Statement.map((s: any) => [s.Sid, s]));

  test("least privilege: the queue, the groups' lifecycle actions, Describe on *", () => {
    const { json } = synthHandler();
    const s = statements(only(json, 'aws_iam_user_policy').policy);
    expect(Object.keys(s).sort()).toEqual([
      'CompleteTenantLifecycleActions',
      'DescribeInstances',
      'ReadTerminationQueue',
    ]);
    expect(s.ReadTerminationQueue.Action).toEqual(['sqs:DeleteMessage', 'sqs:ReceiveMessage']);
    expect(s.ReadTerminationQueue.Resource).toMatch(ref('aws_sqs_queue', 'Drain_Queue', 'arn'));
    expect(s.CompleteTenantLifecycleActions.Action).toEqual([
      'autoscaling:CompleteLifecycleAction',
      'autoscaling:RecordLifecycleActionHeartbeat',
    ]);
    expect(s.CompleteTenantLifecycleActions.Resource).toEqual([
      expect.stringMatching(ref('aws_autoscaling_group', 'Pool-default_Group', 'arn')),
      expect.stringMatching(ref('aws_autoscaling_group', 'Pool-spot_Group', 'arn')),
    ]);
    expect(s.DescribeInstances).toMatchObject({
      Action: [
        'autoscaling:DescribeAutoScalingInstances',
        'autoscaling:DescribeLifecycleHooks',
        'autoscaling:DescribeTags',
        'ec2:DescribeInstances',
      ],
      Resource: '*',
    });
    // Nothing else anywhere: no wildcard action, no write beyond the two above.
    const actions = Object.values(s).flatMap((st: any) => [st.Action].flat());
    expect(actions.every((a: string) => !a.includes('*'))).toBe(true);
  });

  test('access key (default): an IAM user with the policy, its key in a tenant Secret read through extraEnv', () => {
    const { json, handler } = synthHandler();
    expect(only(json, 'aws_iam_user')).toMatchObject({ name: 'kamaji-nth-acme', path: '/cdktf-kamaji/' });
    expect(only(json, 'aws_iam_user_policy').user).toMatch(ref('aws_iam_user', 'Drain_User', 'name'));
    expect(only(json, 'aws_iam_access_key').user).toMatch(ref('aws_iam_user', 'Drain_User', 'name'));
    const secret = only(json, 'kubernetes_secret_v1');
    expect(secret.provider).toBe('kubernetes.tenant');
    expect(secret.metadata).toEqual({ name: 'aws-node-termination-handler-aws', namespace: 'kube-system' });
    expect(secret.data.AWS_ACCESS_KEY_ID).toMatch(ref('aws_iam_access_key', 'Drain_AccessKey', 'id'));
    expect(secret.data.AWS_SECRET_ACCESS_KEY).toMatch(ref('aws_iam_access_key', 'Drain_AccessKey', 'secret'));
    const release = only(json, 'helm_release');
    const values = parse(release.values[0]);
    expect(values.extraEnv).toEqual(
      ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((name) => ({
        name,
        valueFrom: { secretKeyRef: { name: 'aws-node-termination-handler-aws', key: name } },
      })),
    );
    // A new key rolls the pods.
    expect(release.set).toContainEqual({
      name: 'podAnnotations.cdktf-kamaji/access-key-id',
      value: expect.stringMatching(ref('aws_iam_access_key', 'Drain_AccessKey', 'id')),
    });
    expect(release.depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^kubernetes_secret_v1\.Drain_Credentials_/),
        expect.stringMatching(/^aws_iam_user_policy\.Drain_UserPolicy_/),
        expect.stringMatching(/^aws_sqs_queue_policy\.Drain_QueuePolicy_/),
      ]),
    );
    expect(json.resource.aws_iam_role_policy).toBeUndefined();
    expect(handler.user).toBeDefined();
  });

  test('node role: the policy on each given role, no user, no Secret, no extraEnv', () => {
    const { json } = synthHandler({
      credentials: TerminationHandlerCredentials.NODE_ROLE,
      nodeRoleNames: ['acme-default-role', 'acme-spot-role'],
      kubernetesProvider: undefined,
    });
    const policies = all(json, 'aws_iam_role_policy').map(([, p]) => p);
    expect(policies.map((p) => p.role)).toEqual(['acme-default-role', 'acme-spot-role']);
    for (const p of policies) {
      expect(p.name).toBe('aws-node-termination-handler');
      expect(p.policy).toBe(policies[0].policy);
      expect(Object.keys(statements(p.policy)).sort()).toEqual([
        'CompleteTenantLifecycleActions',
        'DescribeInstances',
        'ReadTerminationQueue',
      ]);
    }
    expect(json.resource.aws_iam_user).toBeUndefined();
    expect(json.resource.aws_iam_access_key).toBeUndefined();
    expect(json.resource.kubernetes_secret_v1).toBeUndefined();
    const release = only(json, 'helm_release');
    expect(parse(release.values[0]).extraEnv).toBeUndefined();
    expect(release.set).toHaveLength(1);
  });
});

describe('NodeTerminationHandler: tenant side', () => {
  test('the pinned chart from public ECR into kube-system, queue mode, pinned image, per-tenant managed tag', () => {
    const { json, handler } = synthHandler();
    const release = only(json, 'helm_release');
    expect(release).toMatchObject({
      provider: 'helm.tenant',
      name: 'aws-node-termination-handler',
      namespace: 'kube-system',
      repository: 'oci://public.ecr.aws/aws-ec2/helm',
      chart: 'aws-node-termination-handler',
      version: '0.27.6',
      wait: false,
    });
    expect(release.create_namespace).toBeUndefined();
    expect(release.set).toContainEqual({
      name: 'queueURL',
      value: expect.stringMatching(ref('aws_sqs_queue', 'Drain_Queue', 'url')),
    });
    const values = parse(release.values[0]);
    expect(values).toMatchObject({
      enableSqsTerminationDraining: true,
      awsRegion: 'eu-west-1',
      image: { repository: 'public.ecr.aws/aws-ec2/aws-node-termination-handler', tag: 'v1.25.6' },
      checkTagBeforeDraining: true,
      managedTag: 'aws-node-termination-handler/acme',
      checkASGTagBeforeDraining: true,
      managedAsgTag: 'aws-node-termination-handler/acme',
      useProviderId: false,
      deleteSqsMsgIfNodeNotFound: true,
      replicas: 2,
      podDisruptionBudget: { maxUnavailable: 1 },
      nodeSelector: {},
      tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
      rbac: { pspEnabled: false },
    });
    expect(values.queueURL).toBeUndefined();
    // The handler must leave a node it drains: it does not tolerate the cordon taint.
    expect(values.tolerations.every((t: any) => t.key && t.key !== 'node.kubernetes.io/unschedulable')).toBe(true);
    expect(handler.managedTag).toBe('aws-node-termination-handler/acme');
    expect(NodeTerminationHandler.managedTagFor('acme')).toBe(handler.managedTag);
  });

  test('chart version, image tag and replicas are props; one replica has no PDB', () => {
    const { json } = synthHandler({ chartVersion: '0.27.5', imageTag: 'v1.25.5', replicas: 1 });
    const release = only(json, 'helm_release');
    expect(release.version).toBe('0.27.5');
    const values = parse(release.values[0]);
    expect(values.image.tag).toBe('v1.25.5');
    expect(values.replicas).toBe(1);
    expect(values.podDisruptionBudget).toEqual({});
  });
});

describe('NodeTerminationHandler: validation', () => {
  test.each<[string, Partial<Props>, string, unknown, RegExp]>([
    ['a heartbeat below 90 s', { heartbeatTimeoutSeconds: 89 }, 'heartbeatTimeoutSeconds', 89, /from 90 to 7200/],
    ['a heartbeat above 7200 s', { heartbeatTimeoutSeconds: 7201 }, 'heartbeatTimeoutSeconds', 7201, /from 90 to 7200/],
    ['a drain under 30 s', { drainTimeoutSeconds: 10 }, 'drainTimeoutSeconds', 10, /from 30 to 86400/],
    ['a drain over a day', { drainTimeoutSeconds: 86401 }, 'drainTimeoutSeconds', 86401, /from 30 to 86400/],
    ['a fractional drain', { drainTimeoutSeconds: 99.5 }, 'drainTimeoutSeconds', 99.5, /whole number/],
    ['a fractional heartbeat', { heartbeatTimeoutSeconds: 60.5 }, 'heartbeatTimeoutSeconds', 60.5, /whole number/],
    ['a chart version range', { chartVersion: '^0.27' }, 'chartVersion', '^0.27', /exact/],
    ['a chart version with v', { chartVersion: 'v0.27.6' }, 'chartVersion', 'v0.27.6', /no "v"/],
    ['an image tag without v', { imageTag: '1.25.6' }, 'imageTag', '1.25.6', /exact NTH release tag/],
    ['zero replicas', { replicas: 0 }, 'replicas', 0, /1 to 5/],
    ['a bad region', { region: 'Europe' }, 'region', 'Europe', /AWS region/],
    ['a bad tenant name', { tenantName: 'Acme_1' }, 'tenantName', 'Acme_1', /DNS-1123/],
    [
      'access key without a kubernetes provider',
      { kubernetesProvider: undefined },
      'kubernetesProvider',
      undefined,
      /required when credentials is "access-key"/,
    ],
    [
      'node role without roles',
      { credentials: TerminationHandlerCredentials.NODE_ROLE },
      'nodeRoleNames',
      [],
      /node roles/,
    ],
    [
      'an unknown credentials kind',
      { credentials: 'irsa' as TerminationHandlerCredentials },
      'credentials',
      'irsa',
      /access-key, node-role/,
    ],
  ])('rejects %s with path, field, value and rule', (_n, props, field, value, rule) => {
    const error = problemsOf(props);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ where: 'nodes/Drain', field, value });
    expect(error.problems[0].rule).toMatch(rule);
  });

  test('no groups is refused: nothing would wait for the drain', () => {
    const error = problemsOf({}, []);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ where: 'nodes/Drain', field: 'autoScalingGroups' });
    expect(error.problems[0].rule).toMatch(/at least one Auto Scaling group/);
  });

  test('every problem at once', () => {
    const error = problemsOf({ heartbeatTimeoutSeconds: 10, chartVersion: 'latest', replicas: 9 }, []);
    expect(error.problems.map((p) => p.field).sort()).toEqual([
      'autoScalingGroups',
      'chartVersion',
      'heartbeatTimeoutSeconds',
      'replicas',
    ]);
  });

  test('the bounds themselves are accepted', () => {
    expect(() => synthHandler({ heartbeatTimeoutSeconds: 90, drainTimeoutSeconds: 30 })).not.toThrow();
    expect(() => synthHandler({ heartbeatTimeoutSeconds: 7200, drainTimeoutSeconds: 86400 })).not.toThrow();
  });
});

describe('termination handler model', () => {
  test('names fit AWS limits for the longest tenant name', () => {
    const tenant = 'a'.repeat(63);
    expect(nthQueueName(tenant).length).toBeLessThanOrEqual(80);
    expect(nthManagedTag(tenant).length).toBeLessThanOrEqual(128);
  });

  test('the ASG rule matches exactly the given groups', () => {
    const [asg] = terminationEventRules(['g1', 'g2'], {
      spotInterruptions: false,
      rebalanceRecommendations: false,
      scheduledChanges: false,
    });
    expect(asg.pattern).toEqual({
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance-terminate Lifecycle Action'],
      detail: { AutoScalingGroupName: ['g1', 'g2'] },
    });
  });
});
