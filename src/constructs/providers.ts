import { TerraformProvider, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

/** A provider a construct needs: the prop that takes it and how to make one. */
export interface ProviderNeed {
  /** The prop of the construct (`awsProvider`). */
  readonly prop: string;
  /** The provider's Terraform type (`aws`). */
  readonly type: string;
  /** Its cdktf class and deep import path, for the message. */
  readonly className: string;
  readonly module: string;
}

export const AWS_PROVIDER: ProviderNeed = {
  prop: 'awsProvider',
  type: 'aws',
  className: 'AwsProvider',
  module: '@cdktf/provider-aws/lib/provider',
};
export const KUBERNETES_PROVIDER: ProviderNeed = {
  prop: 'kubernetesProvider',
  type: 'kubernetes',
  className: 'KubernetesProvider',
  module: '@cdktf/provider-kubernetes/lib/provider',
};
export const RANDOM_PROVIDER: ProviderNeed = {
  prop: 'randomProvider',
  type: 'random',
  className: 'RandomProvider',
  module: '@cdktf/provider-random/lib/provider',
};
export const TIME_PROVIDER: ProviderNeed = {
  prop: 'timeProvider',
  type: 'time',
  className: 'TimeProvider',
  module: '@cdktf/provider-time/lib/provider',
};
export const TLS_PROVIDER: ProviderNeed = {
  prop: 'tlsProvider',
  type: 'tls',
  className: 'TlsProvider',
  module: '@cdktf/provider-tls/lib/provider',
};

function hasDefaultProvider(stack: TerraformStack, type: string): boolean {
  return stack.node
    .findAll()
    .some((c) => c instanceof TerraformProvider && c.terraformResourceType === type && c.alias === undefined);
}

/**
 * The provider given in a prop; when none is given, the resources use the stack's default provider of
 * that type, and synth checks there is one (cdktf's own check only says "Found resources without a
 * matching provider construct"): the message names the construct, the prop and the class to pass.
 */
export function providerOrDefault<T extends TerraformProvider>(
  scope: Construct,
  given: T | undefined,
  need: ProviderNeed,
): T | undefined {
  if (given) return given;
  scope.node.addValidation({
    validate: () => {
      const stack = TerraformStack.of(scope);
      if (hasDefaultProvider(stack, need.type)) return [];
      const kind = scope.constructor.name;
      return [
        `${kind} has no ${need.type} provider: set its ${need.prop} prop (new ${need.className}(...) from ` +
          `'${need.module}'), or configure a default ${need.className} (without alias) in stack "${stack.node.id}"`,
      ];
    },
  });
  return undefined;
}
