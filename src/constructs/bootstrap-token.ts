import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { StringResource } from '@cdktf/provider-random/lib/string-resource';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import { Rotating } from '@cdktf/provider-time/lib/rotating';
import { Fn, Op, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  BOOTSTRAP_TOKEN_NAMESPACE,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  bootstrapTokenSecretData,
  bootstrapTokenSecretName,
  bootstrapTokenSpec,
  slotRotationHours,
  TOKEN_ID_LENGTH,
  TOKEN_SECRET_LENGTH,
  ttlDuration,
  validateBootstrapToken,
} from '../model/bootstrap-token';
import { problemsFor } from './problems';
import { AWS_PROVIDER, KUBERNETES_PROVIDER, providerOrDefault, RANDOM_PROVIDER, TIME_PROVIDER } from './providers';

/** The knobs of a bootstrap token; shared by {@link BootstrapTokenProps} and the nodes stack. */
export interface BootstrapTokenOptions {
  /**
   * Hours between new tokens: the first apply after this much time creates a new token, and the
   * previous one stays valid for one more period (two slots rotate alternately, each every
   * 2 x rotationHours).
   * @default 168 (7 days)
   */
  readonly rotationHours?: number;
  /**
   * Hours each token stays valid; at least 2 x `rotationHours` (a token is kept for two periods). A
   * pool can scale out as long as the stack was applied within this time.
   * @default 720 (30 days)
   */
  readonly ttlHours?: number;
}

export interface BootstrapTokenProps extends BootstrapTokenOptions {
  /**
   * The kubernetes provider of the tenant cluster (where the token Secret goes).
   * @default - the stack's default kubernetes provider (synth fails, naming this prop, when there is none)
   */
  readonly kubernetesProvider?: KubernetesProvider;
  /**
   * The random provider of the token's id and secret.
   * @default - the stack's default random provider (synth fails, naming this prop, when there is none)
   */
  readonly randomProvider?: RandomProvider;
  /**
   * The time provider of the rotation.
   * @default - the stack's default time provider (synth fails, naming this prop, when there is none)
   */
  readonly timeProvider?: TimeProvider;
  /**
   * The aws provider of the SSM parameter (with `ssmParameterName`).
   * @default - the stack's default aws provider (synth fails, naming this prop, when there is none)
   */
  readonly awsProvider?: AwsProvider;
  /**
   * Name of an SSM SecureString parameter to hold the token, for pools with `ssm` token delivery.
   * @default - no parameter
   */
  readonly ssmParameterName?: string;
}

/** One token slot: its rotation, random id/secret and Secret. */
export interface BootstrapTokenSlot {
  readonly rotation: Rotating;
  readonly tokenId: string;
  readonly token: string;
  readonly expiration: string;
  readonly secret: SecretV1;
}

/**
 * kubeadm bootstrap tokens in the tenant cluster, rotated by `time_rotating` with overlap.
 *
 * Two slots, each a `time_rotating` of period 2 x `rotationHours` with its own random id/secret and
 * Secret; slot B's base is slot A's + `rotationHours` (`ignore_changes` on it, so A's rotation does
 * not replace B). The slots therefore rotate alternately: every `rotationHours` the next apply makes
 * a new token, and the previous one stays in the cluster (valid) until its own slot rotates one
 * period later. `token` (and the SSM parameter) is the newest: the slot with the later base.
 * Values exist only at apply time (state), never in synth output.
 */
export class BootstrapToken extends Construct {
  /** The newest token `<id>.<secret>` (apply-time; sensitive): what nodes receive. */
  readonly token: string;
  /** The newest token's id (public part). */
  readonly tokenId: string;
  /** RFC 3339 expiry of the newest token. */
  readonly expiration: string;
  /** The SSM parameter holding the newest token, when `ssmParameterName` is set. */
  readonly parameter?: SsmParameter;
  /** The SSM parameter's name (known at synth), when `ssmParameterName` is set. */
  readonly parameterName?: string;
  /** Slot A's rotation (kept under the pre-overlap logical id "Rotation"). */
  readonly rotation: Rotating;
  /** Slot A's Secret (kept under the pre-overlap logical id "Resource"). */
  readonly secret: SecretV1;
  /** Both slots, A then B. */
  readonly slots: BootstrapTokenSlot[];

  constructor(scope: Construct, id: string, props: BootstrapTokenProps = {}) {
    super(scope, id);
    const spec = bootstrapTokenSpec(props);
    const problems = problemsFor(this);
    validateBootstrapToken(spec, problems);
    if (props.ssmParameterName !== undefined) {
      problems.check(
        /^\/[A-Za-z0-9_.\-/]{1,1010}$/.test(props.ssmParameterName) && !props.ssmParameterName.includes('//'),
        'ssmParameterName',
        props.ssmParameterName,
        'must be a fully qualified SSM parameter name: starts with "/", then [A-Za-z0-9_.-/], at most 1011 characters',
      );
    }
    problems.throwIfAny();

    const random = providerOrDefault(this, props.randomProvider, RANDOM_PROVIDER);
    const time = providerOrDefault(this, props.timeProvider, TIME_PROVIDER);
    const kubernetes = providerOrDefault(this, props.kubernetesProvider, KUBERNETES_PROVIDER);
    // Slot A keeps the logical ids of the single-token version (Rotation, Id, Secret, Resource).
    const slot = (suffix: string, rotation: Rotating): BootstrapTokenSlot => {
      // The rotation's id changes when it rotates; as a keeper it replaces both halves of the token.
      const keepers = { rotation: rotation.id };
      const tokenPart = (partId: string, length: number) =>
        new StringResource(this, partId + suffix, {
          provider: random,
          length,
          lower: true,
          numeric: true,
          upper: false,
          special: false,
          keepers,
        });
      const tokenIdPart = tokenPart('Id', TOKEN_ID_LENGTH);
      const tokenSecretPart = tokenPart('Secret', TOKEN_SECRET_LENGTH);
      const expiration = Fn.timeadd(rotation.rfc3339, ttlDuration(spec));
      const secret = new SecretV1(this, 'Resource' + suffix, {
        provider: kubernetes,
        metadata: { name: bootstrapTokenSecretName(tokenIdPart.result), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
        type: BOOTSTRAP_TOKEN_SECRET_TYPE,
        data: bootstrapTokenSecretData(tokenIdPart.result, tokenSecretPart.result, expiration),
      });
      return {
        rotation,
        tokenId: tokenIdPart.result,
        token: `${tokenIdPart.result}.${tokenSecretPart.result}`,
        expiration,
        secret,
      };
    };
    const rotationA = new Rotating(this, 'Rotation', { provider: time, rotationHours: slotRotationHours(spec) });
    const a = slot('', rotationA);
    const rotationB = new Rotating(this, 'RotationB', {
      provider: time,
      rotationHours: slotRotationHours(spec),
      rfc3339: Fn.timeadd(rotationA.rfc3339, `${spec.rotationHours}h`),
      // Set when B is (re)created only: a rotation of A must not replace B.
      lifecycle: { ignoreChanges: ['rfc3339'] },
    });
    const b = slot('B', rotationB);
    this.slots = [a, b];
    this.rotation = rotationA;
    this.secret = a.secret;

    // A's base >= B's base (timecmp is -1, 0 or 1; a literal 0 would be lost by cdktf's renderer).
    const aIsNewest = Op.neq(Fn.timecmp(rotationA.rfc3339, rotationB.rfc3339), -1);
    const newest = (pick: (s: BootstrapTokenSlot) => string): string =>
      Token.asString(Fn.conditional(aIsNewest, pick(a), pick(b)));
    this.token = newest((s) => s.token);
    this.tokenId = newest((s) => s.tokenId);
    this.expiration = newest((s) => s.expiration);

    if (props.ssmParameterName !== undefined) {
      this.parameterName = props.ssmParameterName;
      this.parameter = new SsmParameter(this, 'Parameter', {
        provider: providerOrDefault(this, props.awsProvider, AWS_PROVIDER),
        name: props.ssmParameterName,
        type: 'SecureString',
        value: this.token,
        description: 'kubeadm bootstrap token for worker nodes (cdktf-kamaji): the newest of two overlapping tokens',
        // Nodes read the parameter at once: it must never name a token whose Secret is not there yet.
        dependsOn: this.slots.map((slot) => slot.secret),
      });
    }
  }
}
