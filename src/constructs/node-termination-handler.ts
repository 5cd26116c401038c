import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group';
import { AutoscalingLifecycleHook } from '@cdktf/provider-aws/lib/autoscaling-lifecycle-hook';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { IamAccessKey } from '@cdktf/provider-aws/lib/iam-access-key';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamUser } from '@cdktf/provider-aws/lib/iam-user';
import { IamUserPolicy } from '@cdktf/provider-aws/lib/iam-user-policy';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Release } from '@cdktf/provider-helm/lib/release';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { toYaml } from '../model/platform';
import {
  DEFAULT_DRAIN_TIMEOUT_SECONDS,
  DEFAULT_HEARTBEAT_TIMEOUT_SECONDS,
  DEFAULT_NTH_CHART_VERSION,
  DEFAULT_NTH_IMAGE_TAG,
  DEFAULT_NTH_REPLICAS,
  NTH_CHART,
  NTH_CHART_REPOSITORY,
  NTH_CREDENTIALS_SECRET,
  NTH_LIFECYCLE_HOOK_NAME,
  NTH_NAMESPACE,
  NTH_QUEUE_RETENTION_SECONDS,
  NTH_RELEASE_NAME,
  nthManagedTag,
  nthPolicy,
  nthQueueName,
  nthQueuePolicy,
  nthUserName,
  nthValues,
  TerminationHandlerSpec,
  terminationEventRules,
  validateTerminationHandler,
} from '../model/termination-handler';
import { problemsFor } from './problems';
import { AWS_PROVIDER, providerOrDefault } from './providers';

/**
 * How the handler's pods get AWS credentials. A Kamaji tenant has no IRSA or EKS Pod Identity, and
 * the queue-processor Deployment never runs with host networking (the chart's values.yaml), so the
 * instance role is only reachable from its pods with IMDSv2 hop limit 2, which hands the node role to
 * every pod of the tenant.
 */
export enum TerminationHandlerCredentials {
  /**
   * An IAM user with only the handler's policy; its access key is a Secret in the tenant's
   * kube-system, read by the pods through `extraEnv`. Pools keep hop limit 1. The key is long-lived
   * and sits in the Terraform state (as the tenant's admin credentials already do); rotate it with
   * `terraform apply -replace` on the key (the pods roll: their annotation carries the key id).
   */
  ACCESS_KEY = 'access-key',
  /**
   * The policy goes on the given node roles; the pods use the instance profile through IMDS, which
   * needs `httpPutResponseHopLimit: 2` on every pool, so every pod of the tenant can then act as the
   * node (read the bootstrap token, complete lifecycle actions, delete queue messages).
   */
  NODE_ROLE = 'node-role',
}

/** The knobs of drain before termination; shared by {@link NodeTerminationHandlerProps} and the nodes stack. */
export interface NodeTerminationHandlerOptions {
  /**
   * The terminating lifecycle hook's heartbeat timeout, 90 to 7200 seconds (default result CONTINUE):
   * the handler heartbeats every third of it while it drains, so this bounds how long a dead handler
   * holds an instance, not the drain.
   * @default 300
   */
  readonly heartbeatTimeoutSeconds?: number;
  /**
   * How long a drain may take (pods' PodDisruptionBudgets and grace periods respected) before the
   * instance is terminated anyway: the handler's `nodeTerminationGracePeriod`, heartbeating the
   * lifecycle action meanwhile. Spot interruptions give 2 minutes whatever this says.
   * @default 900
   */
  readonly drainTimeoutSeconds?: number;
  /**
   * aws-node-termination-handler chart version (exact), from `oci://public.ecr.aws/aws-ec2/helm`.
   * @default "0.27.6"
   */
  readonly chartVersion?: string;
  /**
   * Image tag of the handler (exact).
   * @default "v1.25.6"
   */
  readonly imageTag?: string;
  /**
   * Handler replicas (more than one survives the drain of the node it runs on).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Where the handler's AWS credentials come from.
   * @default TerminationHandlerCredentials.ACCESS_KEY
   */
  readonly credentials?: TerminationHandlerCredentials;
  /**
   * Drain on EC2 Spot interruption warnings (two minutes before the instance goes).
   * @default true
   */
  readonly spotInterruptions?: boolean;
  /**
   * Drain on EC2 rebalance recommendations. Without `capacityRebalance` on the pool the instance keeps
   * running cordoned until it is interrupted; with it, the ASG replaces the instance (and the
   * lifecycle hook drains it) anyway.
   * @default true
   */
  readonly rebalanceRecommendations?: boolean;
  /**
   * Drain on AWS Health scheduled changes of EC2 (retirement, maintenance).
   * @default true
   */
  readonly scheduledChanges?: boolean;
}

export interface NodeTerminationHandlerProps extends NodeTerminationHandlerOptions {
  /** Tenant name (names, tags, the managed tag key). */
  readonly tenantName: string;
  /** AWS region of the groups (the handler's `awsRegion`). */
  readonly region: string;
  /**
   * The tenant's Auto Scaling groups: each gets a terminating lifecycle hook, the ASG rule matches
   * their names and the policy completes their lifecycle actions only. Their instances must carry the
   * tag {@link NodeTerminationHandler.managedTagFor} (propagated at launch), or the handler ignores them.
   */
  readonly autoScalingGroups: AutoscalingGroup[];
  /**
   * Node role names that get the handler's policy (NODE_ROLE credentials only).
   * @default - none
   */
  readonly nodeRoleNames?: string[];
  /** The helm provider of the tenant cluster. */
  readonly helmProvider: HelmProvider;
  /**
   * The kubernetes provider of the tenant cluster (ACCESS_KEY credentials: the Secret).
   * @default - none; required with ACCESS_KEY credentials
   */
  readonly kubernetesProvider?: KubernetesProvider;
  /**
   * The aws provider of the groups' account and region.
   * @default - the stack's default aws provider (synth fails, naming this prop, when there is none)
   */
  readonly awsProvider?: AwsProvider;
}

/**
 * Drain before termination: aws-node-termination-handler in queue-processor mode. An SQS queue fed by
 * EventBridge (ASG terminate lifecycle actions of the tenant's groups, Spot interruptions, rebalance
 * recommendations, EC2 stopping/terminating, Health scheduled changes), a terminating lifecycle hook
 * per group, least-privilege credentials, and the chart in the tenant's kube-system. The handler
 * cordons and drains the node, then completes the lifecycle action; if it does not, the ASG continues
 * after the heartbeat timeout.
 *
 * Logical ids: `Queue`, `QueuePolicy`, `Rule<Kind>`/`Target<Kind>` (Asg, Spot, Rebalance, State,
 * Scheduled), `Hook<group's parent id>`, `User`/`UserPolicy`/`AccessKey`/`Credentials` (access key)
 * or `NodeRolePolicy<i>` (node role), `Release`.
 */
export class NodeTerminationHandler extends Construct {
  /** The tag key the groups' instances must carry for this tenant's handler (any value). */
  static managedTagFor(tenantName: string): string {
    return nthManagedTag(tenantName);
  }

  /** The tag key the groups' instances must carry (any value, propagated at launch). */
  readonly managedTag: string;
  readonly queue: SqsQueue;
  readonly rules: CloudwatchEventRule[];
  readonly lifecycleHooks: AutoscalingLifecycleHook[];
  readonly release: Release;
  /** The handler's IAM policy document (JSON). */
  readonly policy: string;
  /** The IAM user (ACCESS_KEY credentials). */
  readonly user?: IamUser;

  constructor(scope: Construct, id: string, props: NodeTerminationHandlerProps) {
    super(scope, id);
    const problems = problemsFor(this);
    const spec: TerminationHandlerSpec = {
      tenantName: props.tenantName,
      region: props.region,
      groupCount: props.autoScalingGroups.length,
      heartbeatTimeoutSeconds: props.heartbeatTimeoutSeconds ?? DEFAULT_HEARTBEAT_TIMEOUT_SECONDS,
      drainTimeoutSeconds: props.drainTimeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_SECONDS,
      chartVersion: props.chartVersion ?? DEFAULT_NTH_CHART_VERSION,
      imageTag: props.imageTag ?? DEFAULT_NTH_IMAGE_TAG,
      replicas: props.replicas ?? DEFAULT_NTH_REPLICAS,
      credentials: props.credentials ?? TerminationHandlerCredentials.ACCESS_KEY,
      nodeRoleNames: props.nodeRoleNames ?? [],
      hasKubernetesProvider: props.kubernetesProvider !== undefined,
      spotInterruptions: props.spotInterruptions ?? true,
      rebalanceRecommendations: props.rebalanceRecommendations ?? true,
      scheduledChanges: props.scheduledChanges ?? true,
    };
    validateTerminationHandler(spec, problems);
    problems.throwIfAny();

    const provider = providerOrDefault(this, props.awsProvider, AWS_PROVIDER);
    const tags = { 'cdktf-kamaji/tenant': props.tenantName };
    this.managedTag = nthManagedTag(props.tenantName);

    this.queue = new SqsQueue(this, 'Queue', {
      provider,
      name: nthQueueName(props.tenantName),
      messageRetentionSeconds: NTH_QUEUE_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
      tags,
    });

    const groups = props.autoScalingGroups;
    this.rules = [];
    const targets: ITerraformDependable[] = [];
    for (const rule of terminationEventRules(
      groups.map((g) => g.name),
      spec,
    )) {
      const kind = rule.id[0].toUpperCase() + rule.id.slice(1);
      const resource = new CloudwatchEventRule(this, `Rule${kind}`, {
        provider,
        namePrefix: `${`nth-${rule.id}-${props.tenantName}`.slice(0, 37)}-`,
        description: `cdktf-kamaji tenant ${props.tenantName}: ${rule.description} to its termination handler`,
        eventPattern: JSON.stringify(rule.pattern),
        tags,
      });
      targets.push(
        new CloudwatchEventTarget(this, `Target${kind}`, {
          provider,
          rule: resource.name,
          targetId: 'termination-queue',
          arn: this.queue.arn,
        }),
      );
      this.rules.push(resource);
    }
    const queuePolicy = new SqsQueuePolicy(this, 'QueuePolicy', {
      provider,
      queueUrl: this.queue.url,
      policy: JSON.stringify(
        nthQueuePolicy(
          this.queue.arn,
          this.rules.map((r) => r.arn),
        ),
      ),
    });

    // Separate resources (not inline on the group) so the pool owns its group and this construct its
    // hooks; on destroy a hook goes before its group, so tearing a tenant down does not wait on it.
    const hookIds = new Set<string>();
    this.lifecycleHooks = groups.map((group, i) => {
      let hookId = `Hook${group.node.scope?.node.id ?? i}`;
      if (hookIds.has(hookId)) hookId = `Hook${i}`;
      hookIds.add(hookId);
      return new AutoscalingLifecycleHook(this, hookId, {
        provider,
        name: NTH_LIFECYCLE_HOOK_NAME,
        autoscalingGroupName: group.name,
        lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        heartbeatTimeout: spec.heartbeatTimeoutSeconds,
        defaultResult: 'CONTINUE',
      });
    });

    this.policy = JSON.stringify(
      nthPolicy(
        this.queue.arn,
        groups.map((g) => g.arn),
      ),
    );
    const releaseDependsOn: ITerraformDependable[] = [queuePolicy, ...targets];
    const set = [{ name: 'queueURL', value: this.queue.url }];
    if (spec.credentials === TerminationHandlerCredentials.ACCESS_KEY) {
      this.user = new IamUser(this, 'User', {
        provider,
        name: nthUserName(props.tenantName),
        path: '/cdktf-kamaji/',
        tags,
      });
      const userPolicy = new IamUserPolicy(this, 'UserPolicy', {
        provider,
        user: this.user.name,
        name: 'aws-node-termination-handler',
        policy: this.policy,
      });
      const key = new IamAccessKey(this, 'AccessKey', { provider, user: this.user.name });
      const secret = new SecretV1(this, 'Credentials', {
        provider: props.kubernetesProvider!,
        metadata: { name: NTH_CREDENTIALS_SECRET, namespace: NTH_NAMESPACE },
        type: 'Opaque',
        data: { AWS_ACCESS_KEY_ID: key.id, AWS_SECRET_ACCESS_KEY: key.secret },
      });
      releaseDependsOn.push(userPolicy, secret);
      // A new key changes the pod template, so the pods pick it up (env from a Secret is read at start).
      set.push({ name: 'podAnnotations.cdktf-kamaji/access-key-id', value: key.id });
    } else {
      spec.nodeRoleNames.forEach((role, i) =>
        releaseDependsOn.push(
          new IamRolePolicy(this, `NodeRolePolicy${i}`, {
            provider,
            role,
            name: 'aws-node-termination-handler',
            policy: this.policy,
          }),
        ),
      );
    }

    this.release = new Release(this, 'Release', {
      provider: props.helmProvider,
      name: NTH_RELEASE_NAME,
      namespace: NTH_NAMESPACE,
      repository: NTH_CHART_REPOSITORY,
      chart: NTH_CHART,
      version: spec.chartVersion,
      values: [toYaml(nthValues(spec))],
      set,
      // The pods need a Ready worker, which the apply that creates the workers has not got yet.
      wait: false,
      dependsOn: releaseDependsOn,
    });
  }
}
