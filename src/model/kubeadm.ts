/**
 * kubeadm `JoinConfiguration` for a worker, rendered as YAML text.
 *
 * Facts (DESIGN.md section 5; kubeadm config API reference): `kubeadm.k8s.io/v1beta4` from Kubernetes
 * 1.31 on, where `kubeletExtraArgs` became a list of `{name, value}`; `v1beta3` (a map) for 1.22 to
 * 1.30. Discovery here is by file: the discovery kubeconfig holds the tenant's CA and API server, so
 * kubeadm trusts exactly that CA (the pin) and uses the bootstrap token only for the TLS bootstrap.
 * We chose it over token discovery with `caCertHashes` because the CA PEM reaches us anyway (from
 * the tenant's admin kubeconfig), the node then needs no hashing pipeline, and file discovery does
 * not depend on the JWS signature of `kube-public/cluster-info`.
 */
import { KubernetesVersion } from './versions';

/** Where the bootstrap script writes the files kubeadm reads. */
export const JOIN_CONFIG_PATH = '/etc/kamaji-node/join.yaml';
export const DISCOVERY_KUBECONFIG_PATH = '/etc/kamaji-node/discovery.conf';
export const CRI_SOCKET = 'unix:///run/containerd/containerd.sock';

/** Placeholders the bootstrap script fills in on the node (known only there). */
export const NODE_NAME_PLACEHOLDER = '__NODE_NAME__';
export const NODE_IP_PLACEHOLDER = '__NODE_IP__';
export const TOKEN_PLACEHOLDER = '__BOOTSTRAP_TOKEN__';

export enum TaintEffect {
  NO_SCHEDULE = 'NoSchedule',
  PREFER_NO_SCHEDULE = 'PreferNoSchedule',
  NO_EXECUTE = 'NoExecute',
}

export interface NodeTaint {
  /** Taint key, a qualified name such as `dedicated` or `example.com/gpu`. */
  readonly key: string;
  /**
   * Taint value.
   * @default - no value
   */
  readonly value?: string;
  /** What the taint does to pods that do not tolerate it. */
  readonly effect: TaintEffect;
}

export function joinConfigurationApiVersion(version: KubernetesVersion): string {
  return version.minor >= 31 ? 'kubeadm.k8s.io/v1beta4' : 'kubeadm.k8s.io/v1beta3';
}

export interface JoinConfigurationInput {
  readonly version: KubernetesVersion;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly NodeTaint[];
  /**
   * Render kubelet `cloud-provider: external`: the node starts tainted
   * `node.cloudprovider.kubernetes.io/uninitialized` until the AWS cloud-controller-manager in the
   * tenant sets its providerID, addresses and zone/instance-type labels (and deletes the Node when the
   * instance is gone). Off by default here so nothing changes until a pool asks for it.
   * @default false
   */
  readonly cloudProviderExternal?: boolean;
}

/** JSON strings are valid YAML double-quoted scalars, and keep apply-time values on one line. */
const q = (s: string): string => JSON.stringify(s);

/**
 * The JoinConfiguration with node name, IP and token as placeholders. Keys are in a fixed order so
 * the text (and the node-config hash built on it) is deterministic.
 */
export function renderJoinConfiguration(input: JoinConfigurationInput): string {
  const v4 = input.version.minor >= 31;
  const args: [string, string][] = [['node-ip', NODE_IP_PLACEHOLDER]];
  if (input.cloudProviderExternal === true) args.push(['cloud-provider', 'external']);
  const labels = Object.keys(input.labels)
    .sort()
    .map((k) => `${k}=${input.labels[k]}`);
  if (labels.length > 0) args.push(['node-labels', labels.join(',')]);
  const lines = [
    `apiVersion: ${joinConfigurationApiVersion(input.version)}`,
    'kind: JoinConfiguration',
    'discovery:',
    '  file:',
    `    kubeConfigPath: ${q(DISCOVERY_KUBECONFIG_PATH)}`,
    `  tlsBootstrapToken: ${q(TOKEN_PLACEHOLDER)}`,
    'nodeRegistration:',
    `  name: ${q(NODE_NAME_PLACEHOLDER)}`,
    `  criSocket: ${q(CRI_SOCKET)}`,
    '  kubeletExtraArgs:',
    ...args.map(([name, value]) =>
      v4 ? `    - name: ${q(name)}\n      value: ${q(value)}` : `    ${name}: ${q(value)}`,
    ),
  ];
  // An empty list, not a missing key: kubeadm adds no taint to workers then, and says so explicitly.
  if (input.taints.length === 0) {
    lines.push('  taints: []');
  } else {
    lines.push('  taints:');
    for (const t of input.taints) {
      lines.push(`    - key: ${q(t.key)}`);
      if (t.value !== undefined && t.value !== '') lines.push(`      value: ${q(t.value)}`);
      lines.push(`      effect: ${q(t.effect)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * The discovery kubeconfig: the tenant's API server and CA (both public), no credentials. `caData`
 * is the base64 PEM, as in a kubeconfig's `certificate-authority-data`.
 */
export function renderDiscoveryKubeconfig(endpoint: string, caData: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: tenant',
    '    cluster:',
    `      server: ${q(endpoint)}`,
    `      certificate-authority-data: ${q(caData)}`,
    'contexts:',
    '  - name: tenant',
    '    context:',
    '      cluster: tenant',
    '      user: bootstrap',
    'current-context: tenant',
    'users:',
    '  - name: bootstrap',
    '    user: {}',
    '',
  ].join('\n');
}
