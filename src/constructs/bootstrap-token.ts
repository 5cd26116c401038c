import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { StringResource } from '@cdktf/provider-random/lib/string-resource';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import { Rotating } from '@cdktf/provider-time/lib/rotating';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import {
  BOOTSTRAP_TOKEN_NAMESPACE,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  bootstrapTokenSecretData,
  bootstrapTokenSecretName,
  bootstrapTokenSpec,
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
   * Hours between token rotations: the first apply after this much time creates a new token.
   * @default 168 (7 days)
   */
  readonly rotationHours?: number;
  /**
   * Hours each token stays valid; must be longer than `rotationHours`. A pool can scale out as long
   * as the stack was applied within this time.
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

/**
 * A kubeadm bootstrap token in the tenant cluster, rotated by `time_rotating`.
 *
 * The id and secret are `random_string`s keyed on the rotation, so each rotation period the next
 * apply makes a new token; the value exists only at apply time (state), never in synth output.
 */
export class BootstrapToken extends Construct {
  /** The token `<id>.<secret>` (apply-time; sensitive). */
  readonly token: string;
  /** The token id (public part). */
  readonly tokenId: string;
  /** RFC 3339 expiry of the current token. */
  readonly expiration: string;
  /** The SSM parameter holding the token, when `ssmParameterName` is set. */
  readonly parameter?: SsmParameter;
  /** The SSM parameter's name (known at synth), when `ssmParameterName` is set. */
  readonly parameterName?: string;
  readonly rotation: Rotating;
  readonly secret: SecretV1;

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
    this.rotation = new Rotating(this, 'Rotation', {
      provider: providerOrDefault(this, props.timeProvider, TIME_PROVIDER),
      rotationHours: spec.rotationHours,
    });
    // The rotation's id changes when it rotates; as a keeper it replaces both halves of the token.
    const keepers = { rotation: this.rotation.id };
    const tokenPart = (partId: string, length: number) =>
      new StringResource(this, partId, {
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
    this.tokenId = tokenIdPart.result;
    this.token = `${tokenIdPart.result}.${tokenSecretPart.result}`;
    this.expiration = Fn.timeadd(this.rotation.rfc3339, ttlDuration(spec));

    this.secret = new SecretV1(this, 'Resource', {
      provider: providerOrDefault(this, props.kubernetesProvider, KUBERNETES_PROVIDER),
      metadata: { name: bootstrapTokenSecretName(tokenIdPart.result), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
      type: BOOTSTRAP_TOKEN_SECRET_TYPE,
      data: bootstrapTokenSecretData(tokenIdPart.result, tokenSecretPart.result, this.expiration),
    });

    if (props.ssmParameterName !== undefined) {
      this.parameterName = props.ssmParameterName;
      this.parameter = new SsmParameter(this, 'Parameter', {
        provider: providerOrDefault(this, props.awsProvider, AWS_PROVIDER),
        name: props.ssmParameterName,
        type: 'SecureString',
        value: this.token,
        description: 'kubeadm bootstrap token for worker nodes (cdktf-kamaji); rotated with the token Secret',
      });
    }
  }
}
