import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { App, TerraformStack, Testing } from 'cdktf';
import { AwsWorkerPool } from '../src/constructs/aws-worker-pool';
import { BootstrapToken } from '../src/constructs/bootstrap-token';
import { DataStoreDriver, KamajiDataStore } from '../src/constructs/kamaji-datastore';
import { KamajiPlatform } from '../src/constructs/kamaji-platform';
import { TenantCni } from '../src/constructs/tenant-cni';
import { TenantJoinPrerequisites } from '../src/constructs/join-prerequisites';
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

describe('every resource uses the provider it was given', () => {
  // cdktf's own presence check ignores aliases, so a resource that forgot `provider:` would pass it
  // and silently use the stack's default: with aliased providers only, each must name its own.
  test('all eight constructs, aliased providers only: every resource and data source names one', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'consumer');
    const management = new KubernetesProvider(stack, 'mgmt', { alias: 'mgmt' });
    const tenant = new KubernetesProvider(stack, 'tenant', { alias: 'tenant' });
    const helm = new HelmProvider(stack, 'helm', { alias: 'mgmt' });
    const tenantHelm = new HelmProvider(stack, 'tenant-helm', { alias: 'tenant' });
    const aws = new AwsProvider(stack, 'aws', { alias: 'a', region: 'eu-west-1' });
    const random = new RandomProvider(stack, 'random', { alias: 'r' });
    const time = new TimeProvider(stack, 'time', { alias: 't' });
    const tls = new TlsProvider(stack, 'tls', { alias: 'tls' });
    new KamajiPlatform(stack, 'Platform', { helmProvider: helm });
    new KamajiDataStore(stack, 'Gold', {
      kubernetesProvider: management,
      name: 'gold',
      driver: DataStoreDriver.POSTGRESQL,
      endpoints: ['db:5432'],
      basicAuth: {
        username: { name: 's', namespace: 'kamaji-system', keyPath: 'u' },
        password: { name: 's', namespace: 'kamaji-system', keyPath: 'p' },
      },
    });
    const cp = new TenantControlPlane(stack, 'Acme', {
      kubernetesProvider: management,
      tlsProvider: tls,
      awsProvider: aws,
      name: 'acme',
      kubernetesVersion: 'v1.35.3',
      exposure: ControlPlaneExposure.AWS_ELASTIC_IP,
      publicSubnetIds: ['subnet-0a1b2c3d'],
    });
    new TenantPki(stack, 'OtherPki', { kubernetesProvider: management, tlsProvider: tls, tenantName: 'beta' });
    const token = new BootstrapToken(stack, 'Token', {
      kubernetesProvider: tenant,
      randomProvider: random,
      timeProvider: time,
      awsProvider: aws,
      ssmParameterName: '/kamaji/acme/bootstrap-token',
    });
    const ready = new TenantJoinPrerequisites(stack, 'Ready', {
      tenantKubernetesProvider: tenant,
      managementKubernetesProvider: management,
      tenantName: 'acme',
      tcpName: cp.name,
      tcpNamespace: cp.namespace,
      controlPlaneVersion: cp.kubernetesVersion,
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
      awsProvider: aws,
      dependsOn: ready.checks,
    });
    new TenantCni(stack, 'Cni', { helmProvider: tenantHelm, podCidr: '10.244.0.0/16' });
    const json = JSON.parse(Testing.synth(stack));
    const blocks = [...Object.entries(json.resource ?? {}), ...Object.entries(json.data ?? {})] as [
      string,
      Record<string, { provider?: string }>,
    ][];
    const all = blocks.flatMap(([type, byName]) => Object.entries(byName).map(([name, b]) => [type, name, b.provider]));
    expect(all.length).toBeGreaterThan(30);
    expect(all.filter(([, , provider]) => provider === undefined)).toEqual([]);
    // Each names a provider of its own type.
    for (const [type, name, provider] of all) {
      expect([type, name, (provider as string).split('.')[0]]).toEqual([type, name, String(type).split('_')[0]]);
    }
  });
});
