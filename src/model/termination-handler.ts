/**
 * Drain before termination (DESIGN.md section 6, issue 13 item 3): aws-node-termination-handler (NTH)
 * in queue-processor mode. EventBridge sends ASG terminate lifecycle actions, Spot interruption
 * warnings, rebalance recommendations, EC2 state changes and AWS Health scheduled changes to an SQS
 * queue; NTH (a Deployment in the tenant) reads the queue, cordons and drains the node, then
 * completes the lifecycle action so the ASG terminates the instance.
 *
 * Facts from aws/aws-node-termination-handler (commit 62a8761, release v1.25.6):
 * - README.md "Infrastructure Setup": queue with `MessageRetentionPeriod` 300 and
 *   `SqsManagedSseEnabled` (SSE-SQS works with EventBridge out of the box; an AWS managed KMS key
 *   does not), queue policy for `events.amazonaws.com` and `sqs.amazonaws.com`, the terminating
 *   lifecycle hook (`default-result=CONTINUE`, `heartbeat-timeout=300`), the EventBridge patterns, and
 *   the IAM policy of the queue-processor pods.
 * - README.md "Tag the Instances": only instances carrying the managed tag key are drained; the value
 *   does not matter. pkg/monitor/sqsevent/sqs-monitor.go `getNodeInfo` checks the key on the
 *   instance's tags (so the ASG tag must propagate at launch) and drops events of other instances.
 * - pkg/monitor/sqsevent/ec2-state-change-event.go: only `stopping,stopped,shutting-down,terminated`
 *   state changes are acted on.
 * - config/helm/aws-node-termination-handler/Chart.yaml: chart 0.27.6, appVersion 1.25.6; the chart
 *   is published to `oci://public.ecr.aws/aws-ec2/helm` (README.md "Helm"). aws/eks-charts removed
 *   its copy in 2024 (commit 0b3680f, "Deprecate and remove aws-node-termination-handler chart in favor
 *   of upstream chart"); its index still serves the stale 0.21.0 (NTH 1.19.0).
 * - config/helm/aws-node-termination-handler/values.yaml: `useHostNetwork` applies to the IMDS
 *   DaemonSet only ("queue-processor never runs with host networking"); templates/deployment.yaml
 *   has no hostNetwork, so the pods reach IMDS (and an instance role) only with IMDSv2 hop limit 2.
 *
 * Pure: no cdktf. The construct turns these documents into resources.
 */
import { Problems } from './errors';
import { AWS_REGION_RULE, DNS1123_LABEL_RULE, isAwsRegion, isDns1123Label } from './names';

export const NTH_CHART_REPOSITORY = 'oci://public.ecr.aws/aws-ec2/helm';
export const NTH_CHART = 'aws-node-termination-handler';
/** config/helm/aws-node-termination-handler/Chart.yaml `version` at v1.25.6. */
export const DEFAULT_NTH_CHART_VERSION = '0.27.6';
/** The chart's `appVersion` 1.25.6 (the chart's default tag is `v` + appVersion); pinned explicitly. */
export const DEFAULT_NTH_IMAGE_TAG = 'v1.25.6';
export const NTH_IMAGE_REPOSITORY = 'public.ecr.aws/aws-ec2/aws-node-termination-handler';
export const NTH_NAMESPACE = 'kube-system';
export const NTH_RELEASE_NAME = 'aws-node-termination-handler';
/** The tenant Secret holding the access key (access-key credentials). */
export const NTH_CREDENTIALS_SECRET = 'aws-node-termination-handler-aws';
/** NTH README: events older than this are useless (a Spot warning gives 2 minutes). */
export const NTH_QUEUE_RETENTION_SECONDS = 300;
/** NTH README's `--heartbeat-timeout=300`. */
export const DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 300;
/**
 * EC2 Auto Scaling allows 30 s; ours is 90 so that NTH's heartbeat interval (a third of the timeout,
 * NTH's minimum interval is 30 s) stays below it (NTH warns and the instance goes when interval >=
 * timeout: pkg/monitor/sqsevent/asg-lifecycle-event.go checkHeartbeatTimeout).
 */
export const MIN_HEARTBEAT_TIMEOUT_SECONDS = 90;
/**
 * How long a drain may take before the instance goes anyway: NTH's `nodeTerminationGracePeriod`
 * (the kubectl-drain timeout, pkg/node/node.go) while NTH heartbeats the terminating lifecycle action
 * (README "Issuing Lifecycle Heartbeats", NTH >= v1.24: `heartbeatInterval`/`heartbeatUntil`), so a
 * drain outlives the hook's heartbeat timeout. 15 minutes: EKS managed node groups give pods 15
 * minutes to leave a node during an update before they report PodEvictionFailure.
 */
export const DEFAULT_DRAIN_TIMEOUT_SECONDS = 900;
export const MAX_DRAIN_TIMEOUT_SECONDS = 86400;
export const MAX_HEARTBEAT_TIMEOUT_SECONDS = 7200;
export const DEFAULT_NTH_REPLICAS = 2;
export const NTH_LIFECYCLE_HOOK_NAME = 'cdktf-kamaji-drain';
/** The EC2 states NTH drains on (pkg/monitor/sqsevent/ec2-state-change-event.go). */
export const NTH_DRAIN_STATES = ['stopping', 'stopped', 'shutting-down', 'terminated'];

/** How NTH's pods get AWS credentials (a Kamaji tenant has no IRSA / Pod Identity). */
export type TerminationHandlerCredentialsKind = 'access-key' | 'node-role';

/**
 * The tag key that marks a tenant's instances for its NTH. Per tenant, not NTH's default
 * `aws-node-termination-handler/managed`: Spot, rebalance, state-change and Health events cannot be
 * filtered by tenant in EventBridge (they carry no tags), so every tenant's queue in an account and
 * region receives every instance's events; with a shared key each NTH would treat the other tenants'
 * instances as its own. With this key it drops them (sqs-monitor.go: "dropping interruption event for
 * unmanaged node"). NTH checks the key only; the value does not matter.
 */
export function nthManagedTag(tenantName: string): string {
  return `aws-node-termination-handler/${tenantName}`;
}

/** The SQS queue name (at most 80 characters: 7 + 63 + 4). */
export function nthQueueName(tenantName: string): string {
  return `kamaji-${tenantName}-nth`;
}

/** The IAM user name of access-key credentials (IAM allows 64 characters). */
export function nthUserName(tenantName: string): string {
  return `kamaji-nth-${tenantName}`.slice(0, 64);
}

export interface TerminationHandlerSpec {
  readonly tenantName: string;
  readonly region: string;
  /** How many Auto Scaling groups get a lifecycle hook. */
  readonly groupCount: number;
  readonly heartbeatTimeoutSeconds: number;
  /** How long NTH drains (and heartbeats the lifecycle action) before the instance goes anyway. */
  readonly drainTimeoutSeconds: number;
  readonly chartVersion: string;
  readonly imageTag: string;
  readonly replicas: number;
  readonly credentials: TerminationHandlerCredentialsKind;
  /** Node role names (node-role credentials). */
  readonly nodeRoleNames: readonly string[];
  /** Whether a tenant kubernetes provider is given (access-key credentials need it for the Secret). */
  readonly hasKubernetesProvider: boolean;
  readonly spotInterruptions: boolean;
  readonly rebalanceRecommendations: boolean;
  readonly scheduledChanges: boolean;
}

const CHART_VERSION = /^\d+\.\d+\.\d+$/;
const IMAGE_TAG = /^v\d+\.\d+\.\d+$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export function validateTerminationHandler(spec: TerminationHandlerSpec, problems: Problems): void {
  problems.check(isDns1123Label(spec.tenantName), 'tenantName', spec.tenantName, DNS1123_LABEL_RULE);
  problems.check(isAwsRegion(spec.region), 'region', spec.region, AWS_REGION_RULE);
  problems.check(
    spec.groupCount > 0,
    'autoScalingGroups',
    [],
    'must hold at least one Auto Scaling group: without a terminating lifecycle hook nothing waits for the drain',
  );
  problems.check(
    Number.isInteger(spec.heartbeatTimeoutSeconds) &&
      spec.heartbeatTimeoutSeconds >= MIN_HEARTBEAT_TIMEOUT_SECONDS &&
      spec.heartbeatTimeoutSeconds <= MAX_HEARTBEAT_TIMEOUT_SECONDS,
    'heartbeatTimeoutSeconds',
    spec.heartbeatTimeoutSeconds,
    `must be a whole number of seconds from ${MIN_HEARTBEAT_TIMEOUT_SECONDS} to ${MAX_HEARTBEAT_TIMEOUT_SECONDS} (EC2 Auto Scaling allows 30 to 7200; below 90 the handler's heartbeat, every third of it and at least 30 s, would come too late)`,
  );
  problems.check(
    Number.isInteger(spec.drainTimeoutSeconds) &&
      spec.drainTimeoutSeconds >= 30 &&
      spec.drainTimeoutSeconds <= MAX_DRAIN_TIMEOUT_SECONDS,
    'drainTimeoutSeconds',
    spec.drainTimeoutSeconds,
    `must be a whole number of seconds from 30 to ${MAX_DRAIN_TIMEOUT_SECONDS} (the handler heartbeats the lifecycle action for this long plus a minute; Auto Scaling's global limit is 48 hours)`,
  );
  problems.check(
    CHART_VERSION.test(spec.chartVersion),
    'chartVersion',
    spec.chartVersion,
    `must be an exact ${NTH_CHART} chart version such as "${DEFAULT_NTH_CHART_VERSION}" (no "v", no range)`,
  );
  problems.check(
    IMAGE_TAG.test(spec.imageTag),
    'imageTag',
    spec.imageTag,
    `must be an exact NTH release tag such as "${DEFAULT_NTH_IMAGE_TAG}"`,
  );
  problems.check(
    Number.isInteger(spec.replicas) && spec.replicas >= 1 && spec.replicas <= 5,
    'replicas',
    spec.replicas,
    'must be a whole number from 1 to 5',
  );
  if (spec.credentials === 'node-role') {
    problems.check(
      spec.nodeRoleNames.length > 0,
      'nodeRoleNames',
      spec.nodeRoleNames,
      'must name the node roles to attach the policy to when credentials is "node-role"',
    );
    spec.nodeRoleNames.forEach((name, i) =>
      problems.check(ROLE_NAME.test(name), `nodeRoleNames[${i}]`, name, 'must be an IAM role name'),
    );
  } else if (spec.credentials === 'access-key') {
    problems.check(
      spec.hasKubernetesProvider,
      'kubernetesProvider',
      undefined,
      'is required when credentials is "access-key" (the key goes into a Secret in the tenant)',
    );
  } else {
    problems.add('credentials', spec.credentials, 'must be one of access-key, node-role');
  }
}

/** One EventBridge rule: a short id for names, a description, and the event pattern. */
export interface TerminationEventRule {
  readonly id: string;
  readonly description: string;
  readonly pattern: Record<string, unknown>;
}

/**
 * The EventBridge rules feeding the queue. Only ASG lifecycle actions can be scoped to the tenant
 * (by group name); the EC2 and Health events carry no group or tag, and NTH's managed-tag check
 * ({@link nthManagedTag}) drops the other tenants' instances. State changes are limited to the
 * states NTH acts on, so `pending`/`running` never reach the queue.
 */
export function terminationEventRules(
  groupNames: readonly string[],
  spec: Pick<TerminationHandlerSpec, 'spotInterruptions' | 'rebalanceRecommendations' | 'scheduledChanges'>,
): TerminationEventRule[] {
  const rules: TerminationEventRule[] = [
    {
      id: 'asg',
      description: 'ASG terminate lifecycle actions of the tenant groups',
      pattern: {
        source: ['aws.autoscaling'],
        'detail-type': ['EC2 Instance-terminate Lifecycle Action'],
        detail: { AutoScalingGroupName: [...groupNames] },
      },
    },
  ];
  if (spec.spotInterruptions) {
    rules.push({
      id: 'spot',
      description: 'EC2 Spot interruption warnings',
      pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] },
    });
  }
  if (spec.rebalanceRecommendations) {
    rules.push({
      id: 'rebalance',
      description: 'EC2 instance rebalance recommendations',
      pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
    });
  }
  rules.push({
    id: 'state',
    description: 'EC2 instances stopping or terminating',
    pattern: {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: [...NTH_DRAIN_STATES] },
    },
  });
  if (spec.scheduledChanges) {
    rules.push({
      id: 'scheduled',
      description: 'AWS Health scheduled changes of EC2',
      pattern: {
        source: ['aws.health'],
        'detail-type': ['AWS Health Event'],
        detail: { service: ['EC2'], eventTypeCategory: ['scheduledChange'] },
      },
    });
  }
  return rules;
}

/**
 * The queue policy: EventBridge may send, but only from this tenant's rules (`aws:SourceArn`);
 * `sqs.amazonaws.com` as in NTH's README and docs/cfn-template.yaml.
 */
export function nthQueuePolicy(queueArn: string, ruleArns: readonly string[]): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TenantEventBridgeRules',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': [...ruleArns] } },
      },
      {
        Sid: 'SqsService',
        Effect: 'Allow',
        Principal: { Service: 'sqs.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
      },
    ],
  };
}

/**
 * What NTH's pods may do (README "IAM Policy for aws-node-termination-handler Deployment", there on
 * `*`): the queue's messages and the lifecycle actions of this tenant's groups only; the Describe
 * calls do not support resource-level permissions, so they stay on `*` (they read, never change).
 */
export function nthPolicy(queueArn: string, groupArns: readonly string[]): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadTerminationQueue',
        Effect: 'Allow',
        Action: ['sqs:DeleteMessage', 'sqs:ReceiveMessage'],
        Resource: queueArn,
      },
      {
        Sid: 'CompleteTenantLifecycleActions',
        Effect: 'Allow',
        // Heartbeats keep a long drain alive (asg-lifecycle-event.go recordLifecycleActionHeartbeat).
        Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
        Resource: [...groupArns],
      },
      {
        Sid: 'DescribeInstances',
        Effect: 'Allow',
        // DescribeLifecycleHooks: NTH compares its heartbeat interval with the hook's timeout.
        Action: [
          'autoscaling:DescribeAutoScalingInstances',
          'autoscaling:DescribeLifecycleHooks',
          'autoscaling:DescribeTags',
          'ec2:DescribeInstances',
        ],
        Resource: '*',
      },
    ],
  };
}

/** NTH's heartbeat interval: a third of the hook's heartbeat timeout, within NTH's 30 to 3600 s. */
export function nthHeartbeatIntervalSeconds(heartbeatTimeoutSeconds: number): number {
  return Math.min(3600, Math.max(30, Math.floor(heartbeatTimeoutSeconds / 3)));
}

/** Chart values known at synth (the queue URL and the credentials' roll annotation are set apart). */
export function nthValues(spec: TerminationHandlerSpec): Record<string, unknown> {
  const tag = nthManagedTag(spec.tenantName);
  const values: Record<string, unknown> = {
    enableSqsTerminationDraining: true,
    awsRegion: spec.region,
    image: { repository: NTH_IMAGE_REPOSITORY, tag: spec.imageTag },
    // Per-tenant managed tag (see nthManagedTag); the deprecated keys too, the chart sets both envs.
    checkTagBeforeDraining: true,
    managedTag: tag,
    checkASGTagBeforeDraining: true,
    managedAsgTag: tag,
    // The node name is IMDS local-hostname, which is the PrivateDnsName NTH looks up; no providerID
    // is needed (none exists without a cloud-controller-manager).
    useProviderId: false,
    // An instance whose Node is gone (never joined, e.g. a failed boot, or already deleted): NTH then
    // still runs the post-drain task, which completes the lifecycle action and deletes the message
    // (pkg/interruptionevent/draincordon/handler.go), so the ASG does not wait out the heartbeat.
    deleteSqsMsgIfNodeNotFound: true,
    // Drain for up to drainTimeoutSeconds, heartbeating the terminating lifecycle action meanwhile
    // (every third of the hook's heartbeat timeout) so the group waits for the drain.
    nodeTerminationGracePeriod: spec.drainTimeoutSeconds,
    heartbeatInterval: nthHeartbeatIntervalSeconds(spec.heartbeatTimeoutSeconds),
    // NTH refuses to start when the interval exceeds heartbeatUntil (pkg/config/config.go).
    heartbeatUntil: Math.min(
      172800,
      Math.max(60, spec.drainTimeoutSeconds + 60, nthHeartbeatIntervalSeconds(spec.heartbeatTimeoutSeconds)),
    ),
    emitKubernetesEvents: true,
    replicas: spec.replicas,
    // Two replicas so a drain of the node NTH runs on does not stop the handler.
    podDisruptionBudget: spec.replicas > 1 ? { maxUnavailable: 1 } : {},
    topologySpreadConstraints:
      spec.replicas > 1
        ? [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: {
                matchLabels: { 'app.kubernetes.io/name': NTH_CHART, 'app.kubernetes.io/component': 'deployment' },
              },
            },
          ]
        : [],
    // The chart adds kubernetes.io/os: linux; any worker will do.
    nodeSelector: {},
    // Not tolerating node.kubernetes.io/unschedulable: the handler must move off a node it drains.
    tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    rbac: { create: true, pspEnabled: false },
  };
  if (spec.credentials === 'access-key') {
    const fromSecret = (name: string) => ({
      name,
      valueFrom: { secretKeyRef: { name: NTH_CREDENTIALS_SECRET, key: name } },
    });
    values.extraEnv = [fromSecret('AWS_ACCESS_KEY_ID'), fromSecret('AWS_SECRET_ACCESS_KEY')];
  }
  return values;
}
