import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { AwsWorkerPool } from '../src/constructs/aws-worker-pool';
import { BootstrapToken } from '../src/constructs/bootstrap-token';
import { TenantControlPlane } from '../src/constructs/tenant-control-plane';
import { TenantPki } from '../src/constructs/tenant-pki';
import { ControlPlaneExposure } from '../src/model/tenant-control-plane';
import { tempDir } from './support/synth';

/** Synthesizes like `cdktf synth` (validations on); returns the error message, or '' when it passed. */
function synthError(build: (stack: TerraformStack) => void): string {
  const app = new App({ outdir: tempDir('providers-') });
  build(new TerraformStack(app, 'consumer'));
  try {
    app.synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

function workers(stack: TerraformStack, explicit: boolean) {
  const k8s = new KubernetesProvider(stack, 'tenant', { alias: 'tenant' });
  const providers = explicit
    ? {
        random: new RandomProvider(stack, 'random', { alias: 'r' }),
        time: new TimeProvider(stack, 'time', { alias: 't' }),
        aws: new AwsProvider(stack, 'aws', { alias: 'a', region: 'eu-west-1' }),
      }
    : undefined;
  const token = new BootstrapToken(stack, 'Token', {
    kubernetesProvider: k8s,
    randomProvider: providers?.random,
    timeProvider: providers?.time,
    awsProvider: providers?.aws,
    ssmParameterName: '/kamaji/acme/bootstrap-token',
  });
  new AwsWorkerPool(stack, 'Workers', {
    name: 'general',
    tenantName: 'acme',
    controlPlaneVersion: 'v1.35.3',
    endpoint: 'https://203.0.113.10:6443',
    caData: 'Q0E=',
    token,
    region: 'eu-west-1',
    subnetIds: ['subnet-0a1b2c3d4e5f60718'],
    awsProvider: providers?.aws,
  });
}

describe('providers are props; a missing one is named at synth', () => {
  test('without providers or stack defaults: each construct and prop is named, all at once', () => {
    const message = synthError((stack) => workers(stack, false));
    expect(message).toContain(
      '[consumer/Token] BootstrapToken has no random provider: set its randomProvider prop (new RandomProvider(...) from \'@cdktf/provider-random/lib/provider\'), or configure a default RandomProvider (without alias) in stack "consumer"',
    );
    expect(message).toContain('[consumer/Token] BootstrapToken has no time provider: set its timeProvider prop');
    expect(message).toContain('[consumer/Token] BootstrapToken has no aws provider: set its awsProvider prop');
    expect(message).toContain('[consumer/Workers] AwsWorkerPool has no aws provider: set its awsProvider prop');
  });

  test('explicit (aliased) providers: synth passes and every resource names its provider', () => {
    expect(synthError((stack) => workers(stack, true))).toBe('');
  });

  test("the stack's default providers are a documented fallback", () => {
    const message = synthError((stack) => {
      new RandomProvider(stack, 'random');
      new TimeProvider(stack, 'time');
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      workers(stack, false);
    });
    expect(message).toBe('');
  });

  test('TenantPki and TenantControlPlane name tlsProvider and awsProvider', () => {
    const message = synthError((stack) => {
      const kubernetesProvider = new KubernetesProvider(stack, 'mgmt', { alias: 'mgmt' });
      new TenantPki(stack, 'Pki', { kubernetesProvider, tenantName: 'acme' });
      new TenantControlPlane(stack, 'Beta', {
        kubernetesProvider,
        name: 'beta',
        kubernetesVersion: 'v1.35.3',
        exposure: ControlPlaneExposure.AWS_ELASTIC_IP,
        publicSubnetIds: ['subnet-0a1b2c3d'],
      });
    });
    expect(message).toContain('[consumer/Pki] TenantPki has no tls provider: set its tlsProvider prop');
    expect(message).toContain('[consumer/Beta/Pki] TenantPki has no tls provider');
    expect(message).toContain('[consumer/Beta] TenantControlPlane has no aws provider: set its awsProvider prop');
    const fixed = synthError((stack) => {
      const kubernetesProvider = new KubernetesProvider(stack, 'mgmt', { alias: 'mgmt' });
      new TenantControlPlane(stack, 'Beta', {
        kubernetesProvider,
        tlsProvider: new TlsProvider(stack, 'tls', { alias: 'tls' }),
        awsProvider: new AwsProvider(stack, 'aws', { alias: 'mgmt', region: 'eu-west-1' }),
        name: 'beta',
        kubernetesVersion: 'v1.35.3',
        exposure: ControlPlaneExposure.AWS_ELASTIC_IP,
        publicSubnetIds: ['subnet-0a1b2c3d'],
      });
    });
    expect(fixed).toBe('');
  });
});
