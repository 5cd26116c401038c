/**
 * What must exist before a kubelet can `kubeadm join` a tenant, and the plan-time checks the nodes
 * stage makes so it never starts nodes that cannot join or would be newer than the API server.
 *
 * Kamaji (clastix/kamaji at 26.8.2-edge) writes these objects from separate controllers of its
 * per-tenant "soot" manager (controllers/soot/controllers/kubeadm_phase.go), each as it gets to it;
 * only the bootstrap-token phase is recorded in the TenantControlPlane's status
 * (`status.kubeadmPhase.bootstrapToken`), so the control-plane stage's wait cannot see the others.
 * What kubeadm join reads and which RBAC it needs is kubeadm's (kubernetes/kubernetes
 * cmd/kubeadm/app: discovery/token reads kube-public/cluster-info anonymously; util/config/cluster.go
 * reads kube-system/kubeadm-config; componentconfigs reads kube-system/kubelet-config; the
 * kubelet-start phase GETs the node by name; phases/bootstraptoken/node grants the bootstrap group
 * CSR creation and auto-approval).
 */
import { formatVersion, KubernetesVersion } from './versions';

/** One object in the tenant cluster a joining node needs. */
export interface TenantObject {
  /** Construct id of its check (a logical id: never change it). */
  readonly id: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent for cluster-scoped objects. */
  readonly namespace?: string;
  readonly name: string;
  /** What needs it and which Kamaji phase writes it. */
  readonly why: string;
}

const RBAC = 'rbac.authorization.k8s.io/v1';

export const JOIN_PREREQUISITES: readonly TenantObject[] = [
  {
    id: 'ClusterInfo',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: 'kube-public',
    name: 'cluster-info',
    why: 'kubeadm join discovers the API server and checks the CA with it (Kamaji phase BootstrapToken)',
  },
  {
    id: 'ClusterInfoBinding',
    apiVersion: RBAC,
    kind: 'RoleBinding',
    namespace: 'kube-public',
    name: 'kubeadm:bootstrap-signer-clusterinfo',
    why: 'lets kubeadm join read cluster-info before it trusts the API server (Kamaji phase BootstrapToken)',
  },
  {
    id: 'KubeadmConfig',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: 'kube-system',
    name: 'kubeadm-config',
    why: 'kubeadm join reads the ClusterConfiguration from it (Kamaji phase UploadConfigKubeadm)',
  },
  {
    id: 'KubeletConfig',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: 'kube-system',
    name: 'kubelet-config',
    why: 'kubeadm join writes the kubelet configuration from it (Kamaji phase UploadConfigKubelet)',
  },
  {
    id: 'NodesKubeadmConfigBinding',
    apiVersion: RBAC,
    kind: 'RoleBinding',
    namespace: 'kube-system',
    name: 'kubeadm:nodes-kubeadm-config',
    why: 'lets bootstrap tokens read kubeadm-config (Kamaji phase UploadConfigKubeadm)',
  },
  {
    id: 'KubeletConfigBinding',
    apiVersion: RBAC,
    kind: 'RoleBinding',
    namespace: 'kube-system',
    name: 'kubeadm:kubelet-config',
    why: 'lets bootstrap tokens read kubelet-config (Kamaji phase UploadConfigKubelet)',
  },
  {
    id: 'KubeletBootstrapBinding',
    apiVersion: RBAC,
    kind: 'ClusterRoleBinding',
    name: 'kubeadm:kubelet-bootstrap',
    why: "lets bootstrap tokens request the kubelet's client certificate (Kamaji phase BootstrapToken)",
  },
  {
    id: 'NodeAutoApproveBinding',
    apiVersion: RBAC,
    kind: 'ClusterRoleBinding',
    name: 'kubeadm:node-autoapprove-bootstrap',
    why: "approves the kubelet's client certificate request (Kamaji phase BootstrapToken)",
  },
  {
    id: 'CertificateRotationBinding',
    apiVersion: RBAC,
    kind: 'ClusterRoleBinding',
    name: 'kubeadm:node-autoapprove-certificate-rotation',
    why: "approves the kubelet's renewed certificates (Kamaji phase BootstrapToken)",
  },
  {
    id: 'GetNodesBinding',
    apiVersion: RBAC,
    kind: 'ClusterRoleBinding',
    name: 'kubeadm:get-nodes',
    why: 'kubeadm join checks that no node has the same name (Kamaji phase BootstrapToken)',
  },
];

/** `kind namespace/name` or `kind name`. */
export function describeObject(o: TenantObject): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** A Terraform condition (without `${}`) on a `kubernetes_resources` listing by name: it exists. */
export function existsExpression(objects: string): string {
  return `length(${objects}) == 1`;
}

export function missingMessage(tenant: string, o: TenantObject): string {
  return (
    `Tenant ${tenant}: ${describeObject(o)} does not exist yet; ${o.why}. Kamaji writes it shortly after ` +
    `the control plane is Ready: wait a minute and plan again. If it stays missing, see the Kamaji ` +
    `controller's logs on the management cluster.`
  );
}

/**
 * A Terraform condition (without `${}`) on a `kubernetes_resources` listing of the TenantControlPlane
 * on the management cluster: it has finished rolling out `version` and has a ready API server. Kamaji
 * copies the spec's version into `status.kubernetesResources.version.version` only once a rollout is
 * Ready (internal/resources/k8s_deployment_resource.go, UpdateTenantControlPlaneStatus), so the
 * version alone proves the rollout; the status is only required not to be NotReady (no ready
 * replica) or Sleeping (scaled to zero). A replica briefly unavailable makes it Unknown, which is fine.
 */
export function rolledOutExpression(objects: string, version: KubernetesVersion): string {
  const status = `${objects}[0].status.kubernetesResources.version`;
  return (
    `length(${objects}) == 1 ? ` +
    `(try(coalesce(${status}.version, ""), "") == "${formatVersion(version)}" && ` +
    `!contains(["NotReady", "Sleeping"], try(coalesce(${status}.status, ""), ""))) : false`
  );
}

export function notRolledOutMessage(namespace: string, name: string, version: KubernetesVersion): string {
  return (
    `TenantControlPlane ${namespace}/${name} has not finished rolling out ${formatVersion(version)}, or ` +
    `has no ready API server (status.kubernetesResources.version). Apply its control-plane stack first ` +
    `and let it finish: workers never join, or roll to, a version the API server does not run yet.`
  );
}
