import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataKubernetesSecretV1 } from '@cdktf/provider-kubernetes/lib/data-kubernetes-secret-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { Fn, LocalBackend, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import { AwsWorkerPool, BootstrapToken, TenantControlPlane, TenantPki, TokenDelivery } from '../../src';

/** What the platform team's existing stack already knows. */
export interface ExistingInfraStackProps {
  readonly region: string;
  readonly vpcId: string;
  readonly subnetIds: string[];
  /** An Elastic IP the team reserved for the tenant's API server (Kamaji needs an IP, not a hostname). */
  readonly apiServerAddress: string;
}

/**
 * A platform team's own stack, with its own providers and backend, that adds one tenant: a
 * TenantPki and TenantControlPlane on the management cluster, and one AwsWorkerPool joined with a
 * BootstrapToken. Nothing here is specific to cdktf-kamaji's stacks: the constructs take providers
 * as props. (For many tenants prefer the staged stacks of `stacks/`: see the README.)
 */
export class ExistingInfraStack extends TerraformStack {
  readonly controlPlane: TenantControlPlane;
  readonly pool: AwsWorkerPool;

  constructor(scope: Construct, id: string, props: ExistingInfraStackProps) {
    super(scope, id);
    // The team's existing setup.
    new LocalBackend(this, { path: 'terraform.infra.tfstate' });
    new AwsProvider(this, 'aws', { region: props.region });
    const management = new KubernetesProvider(this, 'mgmt', { configPath: '~/.kube/config', configContext: 'mgmt' });
    const tls = new TlsProvider(this, 'tls');
    new RandomProvider(this, 'random');
    new TimeProvider(this, 'time');

    // The tenant's control plane, with its CA created first.
    const pki = new TenantPki(this, 'AcmePki', {
      kubernetesProvider: management,
      tlsProvider: tls,
      tenantName: 'acme',
    });
    this.controlPlane = new TenantControlPlane(this, 'Acme', {
      kubernetesProvider: management,
      name: 'acme',
      kubernetesVersion: 'v1.35.3',
      pki,
      address: props.apiServerAddress,
    });

    // The tenant cluster, reached with Kamaji's admin kubeconfig. The data source waits for the
    // control plane, so on the first apply it is read (and the provider configured) at apply time.
    const admin = new DataKubernetesSecretV1(this, 'AcmeAdmin', {
      provider: management,
      metadata: { name: this.controlPlane.adminKubeconfigSecretName, namespace: this.controlPlane.namespace },
      dependsOn: [this.controlPlane.manifest],
    });
    const kubeconfig = Fn.yamldecode(admin.data.lookup(this.controlPlane.adminKubeconfigSecretKey));
    const field = (...path: (string | number)[]) => Token.asString(Fn.lookupNested(kubeconfig, path));
    const tenant = new KubernetesProvider(this, 'acme', {
      alias: 'acme',
      host: field('clusters', 0, 'cluster', 'server'),
      clusterCaCertificate: pki.certificatePem,
      clientCertificate: Fn.base64decode(field('users', 0, 'user', 'client-certificate-data')),
      clientKey: Fn.base64decode(field('users', 0, 'user', 'client-key-data')),
    });

    const token = new BootstrapToken(this, 'AcmeToken', {
      kubernetesProvider: tenant,
      ssmParameterName: '/kamaji/acme/bootstrap-token',
    });
    this.pool = new AwsWorkerPool(this, 'AcmeWorkers', {
      name: 'general',
      tenantName: 'acme',
      controlPlaneVersion: this.controlPlane.kubernetesVersion,
      endpoint: `https://${props.apiServerAddress}:${this.controlPlane.port}`,
      caData: Fn.base64encode(pki.certificatePem),
      token,
      tokenDelivery: TokenDelivery.SSM,
      region: props.region,
      vpcId: props.vpcId,
      subnetIds: props.subnetIds,
      instanceTypes: ['m7i.large'],
      minSize: 1,
      maxSize: 4,
    });
  }
}
