import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { ITerraformDependable, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { TenantControlPlane, TenantControlPlaneOptions } from '../src/constructs/tenant-control-plane';
import { CaSource, isSecretStoreCaSource, TenantPki, TenantPkiOptions } from '../src/constructs/tenant-pki';
import { keepProblems, Problem, Problems, ValidationError } from '../src/model/errors';
import { ControlPlaneExposure, DEFAULT_TENANT_NAMESPACE } from '../src/model/tenant-control-plane';
import { problemsFor } from '../src/constructs/problems';
import { ManagementClusterProps, managementKubernetesProvider } from './management-cluster';
import { configureState, StateProps } from './state';
import { isAwsRegion } from '../src/model/names';
import { checkSecretId, checkSsmParameterName, secretStoreRegion } from '../src/model/pki';

export interface TenantControlPlaneStackProps extends TenantControlPlaneOptions, ManagementClusterProps {
  /** Name of the TenantControlPlane (DNS-1035 label). */
  readonly name: string;
  /**
   * Namespace of the TenantControlPlane.
   * @default "default"
   */
  readonly namespace?: string;
  /**
   * Region of the stack's aws provider: the management cluster's region, where the Elastic IPs of
   * `ControlPlaneExposure.AWS_ELASTIC_IP` are allocated (required with it), and the default region of
   * a secret-store CA (`pki.source` AWS_SECRETS_MANAGER or AWS_SSM_PARAMETER) that names none itself.
   * No aws provider is configured when neither needs one.
   * @default - none
   */
  readonly awsRegion?: string;
  /**
   * Create the namespace in this stack. Turn off when it exists already (`default` always does).
   * @default - true, unless the namespace is "default"
   */
  readonly createNamespace?: boolean;
  /**
   * The tenant CA.
   * @default - a CA generated at apply time
   */
  readonly pki?: TenantPkiOptions;
  /**
   * Stacks this one is deployed after (the platform stack).
   * @default - none
   */
  readonly dependsOnStacks?: TerraformStack[];
  /**
   * Where the stack keeps its state.
   * @default - a local file next to the project
   */
  readonly state?: StateProps;
}

/**
 * Stage 3 for one tenant (`tenant-<name>-control-plane`): the tenant's namespace, CA Secret and
 * TenantControlPlane on the management cluster, and its non-secret facts as outputs.
 */
export class TenantControlPlaneStack extends TerraformStack {
  readonly kubernetesProvider: KubernetesProvider;
  /** The aws provider: Elastic IPs (`ControlPlaneExposure.AWS_ELASTIC_IP`) and a secret-store CA only. */
  readonly awsProvider?: AwsProvider;
  readonly namespace?: NamespaceV1;
  readonly pki: TenantPki;
  readonly controlPlane: TenantControlPlane;

  constructor(scope: Construct, id: string, props: TenantControlPlaneStackProps) {
    super(scope, id);
    configureState(this, id, props.state);
    for (const stack of props.dependsOnStacks ?? []) this.addDependency(stack);
    this.kubernetesProvider = managementKubernetesProvider(this, props);
    const tlsProvider = new TlsProvider(this, 'tls');
    const elasticIps = props.exposure === ControlPlaneExposure.AWS_ELASTIC_IP;
    const secretStoreCa = isSecretStoreCaSource(props.pki?.source);
    const own = problemsFor(this);
    own.check(
      !elasticIps || (props.awsRegion !== undefined && isAwsRegion(props.awsRegion)),
      'awsRegion',
      props.awsRegion,
      'is required with the AwsElasticIP exposure: the management cluster\'s AWS region, such as "eu-west-1"',
    );
    // A secret-store CA is read in its own region (pki.region, else its ARN's), else the provider's.
    const pkiRegion = secretStoreCa ? secretStoreCaRegion(props.pki!) : undefined;
    const providerRegion = elasticIps ? props.awsRegion : (props.awsRegion ?? pkiRegion);
    own.check(
      // (a bad pki.region is TenantPki's problem, not a missing one)
      !secretStoreCa ||
        elasticIps ||
        (providerRegion === undefined ? props.pki?.region !== undefined : isAwsRegion(providerRegion)),
      'awsRegion',
      props.awsRegion,
      'is required with a secret-store CA that names no region (pki.region or an ARN): the AWS region of its secret, such as "eu-west-1"',
    );
    own.check(
      elasticIps || secretStoreCa || props.awsRegion === undefined,
      'awsRegion',
      props.awsRegion,
      'is only used with the AwsElasticIP exposure or a secret-store CA (pki.source aws-secrets-manager or aws-ssm-parameter)',
    );
    // Configured from literals only: a provider fed by a managed resource would be unknown at plan.
    this.awsProvider =
      elasticIps || secretStoreCa ? new AwsProvider(this, 'aws', { region: providerRegion }) : undefined;

    const namespace = props.namespace ?? DEFAULT_TENANT_NAMESPACE;
    const dependsOn: ITerraformDependable[] = [];
    if (props.createNamespace ?? namespace !== DEFAULT_TENANT_NAMESPACE) {
      this.namespace = new NamespaceV1(this, 'Namespace', {
        provider: this.kubernetesProvider,
        metadata: { name: namespace },
      });
      dependsOn.push(this.namespace);
    }
    // Each construct throws its own ValidationError; collect both so one run reports every problem
    // (a bad CA file and a bad version together, not one per run).
    const problems: Problem[] = [...own.all];
    let pki: TenantPki | undefined;
    let controlPlane: TenantControlPlane | undefined;
    try {
      pki = new TenantPki(this, 'Pki', {
        ...props.pki,
        kubernetesProvider: this.kubernetesProvider,
        tlsProvider,
        awsProvider: secretStoreCa ? this.awsProvider : undefined,
        tenantName: props.name,
        namespace,
        dependsOn,
      });
    } catch (e) {
      keepProblems(e, problems);
    }
    try {
      controlPlane = new TenantControlPlane(this, 'ControlPlane', {
        ...props,
        kubernetesProvider: this.kubernetesProvider,
        awsProvider: this.awsProvider,
        // Without a valid CA the control plane is still validated (its own default CA is never synthesized).
        pki,
        dependsOn,
      });
    } catch (e) {
      keepProblems(e, problems);
    }
    if (problems.length > 0 || !pki || !controlPlane) throw new ValidationError(problems);
    this.pki = pki;
    this.controlPlane = controlPlane;

    const cp = this.controlPlane;
    new TerraformOutput(this, 'name', { value: cp.name });
    new TerraformOutput(this, 'namespace', { value: cp.namespace });
    new TerraformOutput(this, 'kubernetes_version', { value: cp.kubernetesVersion });
    new TerraformOutput(this, 'endpoint_host', { value: cp.endpointHost });
    new TerraformOutput(this, 'port', { value: cp.port });
    if (cp.konnectivityPort !== undefined)
      new TerraformOutput(this, 'konnectivity_port', { value: cp.konnectivityPort });
    new TerraformOutput(this, 'admin_kubeconfig_secret', { value: `${cp.namespace}/${cp.adminKubeconfigSecretName}` });
    new TerraformOutput(this, 'ca_certificate_pem', { value: this.pki.certificatePem });
    if (this.pki.discoveryHash) new TerraformOutput(this, 'ca_discovery_hash', { value: this.pki.discoveryHash });
  }
}

/** The region a secret-store CA names (pki.region, else its ARN's); its problems are TenantPki's to report. */
function secretStoreCaRegion(pki: TenantPkiOptions): string | undefined {
  const quiet = new Problems('');
  const location =
    pki.source === CaSource.AWS_SECRETS_MANAGER
      ? checkSecretId(pki.secretId, quiet)
      : checkSsmParameterName(pki.parameterName, quiet);
  return secretStoreRegion(pki.region, location, quiet);
}
