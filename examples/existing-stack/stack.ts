import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataKubernetesSecretV1 } from '@cdktf/provider-kubernetes/lib/data-kubernetes-secret-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { Fn, LocalBackend, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  AwsWorkerPool,
  BootstrapToken,
  TenantControlPlane,
  TenantJoinPrerequisites,
  TenantPki,
  TokenDelivery,
} from '../../src';

/** What the platform team's existing stack already knows. */
export interface ExistingInfraStackProps {
  readonly region: string;
  /** An Elastic IP the team reserved for the tenant's API server (Kamaji needs an IP, not a hostname). */
  readonly apiServerAddress: string;
}

/**
 * A platform team's own stack, with its own providers and backend, that adds one tenant's control
 * plane: a TenantPki and a TenantControlPlane on the management cluster. Nothing here is specific to
 * cdktf-kamaji's stacks: the constructs take providers as props. (For many tenants prefer the staged
 * stacks of `stacks/`: see the README.)
 */
export class ExistingInfraStack extends TerraformStack {
  readonly controlPlane: TenantControlPlane;

  constructor(scope: Construct, id: string, props: ExistingInfraStackProps) {
    super(scope, id);
    // The team's existing setup.
    new LocalBackend(this, { path: 'terraform.infra.tfstate' });
    new AwsProvider(this, 'aws', { region: props.region });
    const management = new KubernetesProvider(this, 'mgmt', { configPath: '~/.kube/config', configContext: 'mgmt' });
    const tls = new TlsProvider(this, 'tls');

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
  }
}

export interface ExistingWorkersStackProps {
  readonly region: string;
  readonly vpcId: string;
  readonly subnetIds: string[];
  /** The stack holding the tenant's control plane: this one is deployed after it. */
  readonly controlPlaneStack: ExistingInfraStack;
}

/**
 * The tenant's workers, in a second stack of the same app. Why not in the stack above: the tenant
 * provider is configured from Kamaji's admin kubeconfig, read by a data source. In the control
 * plane's own stack that data source would have to wait for the TenantControlPlane (`depends_on`),
 * and Terraform defers such a read to apply whenever the TenantControlPlane changes, so every day-2
 * change (an upgrade) would leave the provider configuration unknown at plan. Here the data source
 * waits for nothing: the stack dependency orders the deploys, and the read happens at plan.
 */
export class ExistingWorkersStack extends TerraformStack {
  readonly pool: AwsWorkerPool;

  constructor(scope: Construct, id: string, props: ExistingWorkersStackProps) {
    super(scope, id);
    this.addDependency(props.controlPlaneStack);
    new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    const aws = new AwsProvider(this, 'aws', { region: props.region });
    const management = new KubernetesProvider(this, 'mgmt', { configPath: '~/.kube/config', configContext: 'mgmt' });
    const random = new RandomProvider(this, 'random');
    const time = new TimeProvider(this, 'time');
    const controlPlane = props.controlPlaneStack.controlPlane;

    // The tenant cluster, reached with Kamaji's admin kubeconfig (names only cross the stacks).
    const admin = new DataKubernetesSecretV1(this, 'AcmeAdmin', {
      provider: management,
      metadata: { name: controlPlane.adminKubeconfigSecretName, namespace: controlPlane.namespace },
    });
    const kubeconfig = Fn.yamldecode(admin.data.lookup(controlPlane.adminKubeconfigSecretKey));
    const field = (...path: (string | number)[]) => Token.asString(Fn.lookupNested(kubeconfig, path));
    const caData = field('clusters', 0, 'cluster', 'certificate-authority-data');
    const tenant = new KubernetesProvider(this, 'acme', {
      alias: 'acme',
      host: field('clusters', 0, 'cluster', 'server'),
      clusterCaCertificate: Fn.base64decode(caData),
      clientCertificate: Fn.base64decode(field('users', 0, 'user', 'client-certificate-data')),
      clientKey: Fn.base64decode(field('users', 0, 'user', 'client-key-data')),
    });

    const token = new BootstrapToken(this, 'AcmeToken', {
      kubernetesProvider: tenant,
      randomProvider: random,
      timeProvider: time,
      awsProvider: aws,
      ssmParameterName: '/kamaji/acme/bootstrap-token',
    });
    // Plan-time checks: the control plane runs this version, and what kubeadm join needs exists.
    const ready = new TenantJoinPrerequisites(this, 'AcmeJoinPrerequisites', {
      tenantKubernetesProvider: tenant,
      managementKubernetesProvider: management,
      tenantName: 'acme',
      tcpName: controlPlane.name,
      tcpNamespace: controlPlane.namespace,
      controlPlaneVersion: controlPlane.kubernetesVersion,
    });
    this.pool = new AwsWorkerPool(this, 'AcmeWorkers', {
      name: 'general',
      tenantName: 'acme',
      controlPlaneVersion: controlPlane.kubernetesVersion,
      endpoint: `https://${controlPlane.endpointHost}:${controlPlane.port}`,
      caData,
      token,
      tokenDelivery: TokenDelivery.SSM,
      region: props.region,
      vpcId: props.vpcId,
      subnetIds: props.subnetIds,
      instanceTypes: ['m7i.large'],
      minSize: 1,
      maxSize: 4,
      dependsOn: ready.checks,
      awsProvider: aws,
    });
  }
}
