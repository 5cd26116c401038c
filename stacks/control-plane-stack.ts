import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { ITerraformDependable, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { TenantControlPlane, TenantControlPlaneOptions } from '../src/constructs/tenant-control-plane';
import { TenantPki, TenantPkiOptions } from '../src/constructs/tenant-pki';
import { keepProblems, Problem, ValidationError } from '../src/model/errors';
import { ControlPlaneExposure, DEFAULT_TENANT_NAMESPACE } from '../src/model/tenant-control-plane';
import { problemsFor } from '../src/constructs/problems';
import { ManagementClusterProps, managementKubernetesProvider } from './management-cluster';
import { configureState, StateProps } from './state';
import { isAwsRegion } from '../src/model/names';

export interface TenantControlPlaneStackProps extends TenantControlPlaneOptions, ManagementClusterProps {
  /** Name of the TenantControlPlane (DNS-1035 label). */
  readonly name: string;
  /**
   * Namespace of the TenantControlPlane.
   * @default "default"
   */
  readonly namespace?: string;
  /**
   * AWS region of the management cluster, where the Elastic IPs of `ControlPlaneExposure.AWS_ELASTIC_IP`
   * are allocated (required with it; no aws provider is configured otherwise).
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
  /** The aws provider of the Elastic IPs (`ControlPlaneExposure.AWS_ELASTIC_IP` only). */
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
    const own = problemsFor(this);
    own.check(
      !elasticIps || (props.awsRegion !== undefined && isAwsRegion(props.awsRegion)),
      'awsRegion',
      props.awsRegion,
      'is required with the AwsElasticIP exposure: the management cluster\'s AWS region, such as "eu-west-1"',
    );
    own.check(
      elasticIps || props.awsRegion === undefined,
      'awsRegion',
      props.awsRegion,
      'is only used with the AwsElasticIP exposure',
    );
    this.awsProvider = elasticIps ? new AwsProvider(this, 'aws', { region: props.awsRegion }) : undefined;

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
