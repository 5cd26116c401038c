/**
 * The tenant's CNI. Kamaji installs none (DESIGN.md section 7): without one, joined workers stay
 * NotReady. Default: Calico through the tigera-operator chart, VXLAN encapsulation (AWS drops IP-in-IP
 * unless source/destination checks are off, and BGP between instances needs the same), one IP pool
 * equal to the tenant's pod CIDR (Calico's pools must lie within the cluster's pod CIDR; the
 * Installation's pools cannot be changed after install, docs.tigera.io "Configure default IP pools").
 */
import { Problems } from './errors';
import { isCidr } from './worker-pool';

export const CALICO_CHART_REPOSITORY = 'https://docs.tigera.io/calico/charts';
export const CALICO_CHART = 'tigera-operator';
export const DEFAULT_CALICO_VERSION = 'v3.32.2';
export const CALICO_NAMESPACE = 'tigera-operator';
/** Calico's default block size: a node takes /26 blocks (64 pod IPs) from the pool. */
export const CALICO_BLOCK_SIZE = 26;

export interface CalicoSpec {
  readonly podCidr: string;
  readonly chartVersion: string;
}

export function validateCalico(spec: CalicoSpec, problems: Problems): void {
  const ok = problems.check(
    isCidr(spec.podCidr),
    'podCidr',
    spec.podCidr,
    'must be an IPv4 CIDR such as "10.244.0.0/16"',
  );
  if (ok) {
    const prefix = Number(spec.podCidr.split('/')[1]);
    problems.check(
      prefix <= CALICO_BLOCK_SIZE,
      'podCidr',
      spec.podCidr,
      `must be a /${CALICO_BLOCK_SIZE} or larger: Calico hands each node /${CALICO_BLOCK_SIZE} blocks from it`,
    );
  }
  problems.check(
    /^v?\d+\.\d+\.\d+$/.test(spec.chartVersion),
    'calicoVersion',
    spec.chartVersion,
    'must be an exact tigera-operator chart version such as "v3.32.2"',
  );
}

/** The tigera-operator chart values. */
export function calicoValues(spec: CalicoSpec): Record<string, unknown> {
  return {
    installation: {
      enabled: true,
      cni: { type: 'Calico' },
      calicoNetwork: {
        bgp: 'Disabled',
        ipPools: [
          {
            name: 'default-ipv4-ippool',
            cidr: spec.podCidr,
            blockSize: CALICO_BLOCK_SIZE,
            encapsulation: 'VXLAN',
            natOutgoing: 'Enabled',
            nodeSelector: 'all()',
          },
        ],
      },
    },
  };
}
