import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import {
  existsExpression,
  JOIN_PREREQUISITES,
  missingMessage,
  notRolledOutMessage,
  rolledOutExpression,
} from '../model/join-prerequisites';
import { TCP_API_VERSION, TCP_KIND } from '../model/tenant-control-plane';
import { parseVersion } from '../model/versions';
import { problemsFor } from './problems';

export interface TenantJoinPrerequisitesProps {
  /** The kubernetes provider of the tenant cluster (reads ConfigMaps and RBAC bindings). */
  readonly tenantKubernetesProvider: KubernetesProvider;
  /** The kubernetes provider of the management cluster (reads the TenantControlPlane). */
  readonly managementKubernetesProvider: KubernetesProvider;
  /** Tenant name, for messages. */
  readonly tenantName: string;
  /** Name of the TenantControlPlane. */
  readonly tcpName: string;
  /** Namespace of the TenantControlPlane. */
  readonly tcpNamespace: string;
  /** The version the nodes are configured for: the control plane must run it already. */
  readonly controlPlaneVersion: string;
}

/**
 * Plan-time checks that a tenant is ready for nodes: the TenantControlPlane has finished rolling out
 * the expected version, and every object a joining kubelet needs exists in the tenant. Each is a
 * `kubernetes_resources` data source with a postcondition, so a missing one fails the plan with a
 * message before any node is created or replaced. Make the node resources depend on `checks`.
 *
 * Logical ids: `ControlPlaneRollout`, and one per object of JOIN_PREREQUISITES (`ClusterInfo`, ...).
 */
export class TenantJoinPrerequisites extends Construct {
  /** The data sources; node resources depend on them. */
  readonly checks: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: TenantJoinPrerequisitesProps) {
    super(scope, id);
    const version = parseVersion(props.controlPlaneVersion);
    const problems = problemsFor(this);
    problems.check(
      version !== undefined,
      'controlPlaneVersion',
      props.controlPlaneVersion,
      'must be a Kubernetes version such as "v1.35.3"',
    );
    problems.throwIfAny();

    const rollout = new DataKubernetesResources(this, 'ControlPlaneRollout', {
      provider: props.managementKubernetesProvider,
      apiVersion: TCP_API_VERSION,
      kind: TCP_KIND,
      namespace: props.tcpNamespace,
      fieldSelector: `metadata.name=${props.tcpName}`,
      lifecycle: {
        postcondition: [
          {
            condition: `\${${rolledOutExpression('self.objects', version!)}}`,
            errorMessage: notRolledOutMessage(props.tcpNamespace, props.tcpName, version!),
          },
        ],
      },
    });
    this.checks = [rollout];
    for (const object of JOIN_PREREQUISITES) {
      this.checks.push(
        new DataKubernetesResources(this, object.id, {
          provider: props.tenantKubernetesProvider,
          apiVersion: object.apiVersion,
          kind: object.kind,
          namespace: object.namespace,
          fieldSelector: `metadata.name=${object.name}`,
          // After the rollout check, so a tenant still upgrading reports that, not missing objects.
          dependsOn: [rollout],
          lifecycle: {
            postcondition: [
              {
                condition: `\${${existsExpression('self.objects')}}`,
                errorMessage: missingMessage(props.tenantName, object),
              },
            ],
          },
        }),
      );
    }
  }
}
