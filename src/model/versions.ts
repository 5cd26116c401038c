/**
 * Kubernetes version rules: what Kamaji runs, how a tenant may upgrade, how far workers may lag.
 *
 * - Kamaji accepts a patch bump or exactly one minor step, never a downgrade, and nothing above its
 *   ceiling (v1.36.x at the pinned `26.8.2-edge`). DESIGN.md section 3.
 * - The kubelet is never newer than the control plane and at most 3 minors older (Kubernetes
 *   version-skew policy since 1.28). DESIGN.md section 5.
 * - The control-plane floor is 1.30 (Kamaji runs it). The WORKER floor is 1.31: Kamaji (26.8.2-edge
 *   builds with k8s.io/kubernetes v1.36.3) writes `kube-system/kubeadm-config` through kubeadm's own
 *   `uploadconfig.UploadConfiguration`, which since 1.31 stores the ClusterConfiguration as
 *   `kubeadm.k8s.io/v1beta4` (kubernetes/kubernetes#125029: "The storage configuration in the
 *   kube-system/kubeadm-config ConfigMap is now a v1beta4 ClusterConfiguration"). `kubeadm join`
 *   reads that ConfigMap in preflight; v1beta4 is a released API only from kubeadm 1.31 (1.28-1.30
 *   carried an unreleased draft behind --allow-experimental-api, kubernetes/kubernetes#118866), so a
 *   kubeadm 1.30 worker cannot be relied on to decode it. Kamaji's version does not follow the
 *   tenant's: a 1.30 control plane gets the same v1beta4 ConfigMap.
 * - containerd per minor: see {@link containerdFor}.
 */
import { Problems } from './errors';

export interface KubernetesVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** Highest minor the pinned Kamaji (26.8.2-edge) runs. */
export const KAMAJI_MAX_MINOR = 36;
/** Lowest minor this project supports. */
export const MIN_SUPPORTED_MINOR = 30;
/**
 * Lowest minor a kubeadm-joined worker may run: kubeadm 1.31 is the first release whose v1beta4 API
 * (the form Kamaji stores `kubeadm-config` in) is released, not experimental.
 */
export const MIN_WORKER_MINOR = 31;
/** How many minors a kubelet may lag the control plane. */
export const MAX_KUBELET_SKEW = 3;
/** The version the quickstart and the examples default to. */
export const DEFAULT_KUBERNETES_VERSION = 'v1.35.3';

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;

/** Parses `1.33.4` or `v1.33.4`; anything else (ranges, pre-releases, two parts) is undefined. */
export function parseVersion(text: unknown): KubernetesVersion | undefined {
  if (typeof text !== 'string') return undefined;
  const m = VERSION.exec(text.trim() === text ? text : '');
  if (!m) return undefined;
  const [major, minor, patch] = [m[1], m[2], m[3]].map(Number);
  if ([m[1], m[2], m[3]].some((part) => part.length > 1 && part.startsWith('0'))) return undefined;
  return { major, minor, patch };
}

/** `v1.33.4`: the form Kamaji's `spec.kubernetes.version` and pkgs.k8s.io use. */
export function formatVersion(v: KubernetesVersion): string {
  return `v${v.major}.${v.minor}.${v.patch}`;
}

/** `v1.33`: the pkgs.k8s.io repository of a version. */
export function minorString(v: KubernetesVersion): string {
  return `v${v.major}.${v.minor}`;
}

export function compareVersions(a: KubernetesVersion, b: KubernetesVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export const VERSION_FORMAT_RULE =
  'must be a Kubernetes version "1.MINOR.PATCH" or "v1.MINOR.PATCH", such as "v1.33.4"';
export const SUPPORTED_RANGE_RULE = `must be within the supported range v1.${MIN_SUPPORTED_MINOR}.0 to v1.${KAMAJI_MAX_MINOR}.x (the pinned Kamaji's ceiling)`;

/** Checks format and range; returns the parsed version when both hold. */
export function checkVersion(problems: Problems, field: string, text: unknown): KubernetesVersion | undefined {
  const v = parseVersion(text);
  if (!problems.check(v !== undefined, field, text, VERSION_FORMAT_RULE)) return undefined;
  const ok = v!.major === 1 && v!.minor >= MIN_SUPPORTED_MINOR && v!.minor <= KAMAJI_MAX_MINOR;
  return problems.check(ok, field, text, SUPPORTED_RANGE_RULE) ? v : undefined;
}

/**
 * Why Kamaji would refuse to move a control plane from `from` to `to`, or undefined when it may:
 * the same version, a patch bump, or exactly one minor up.
 */
export function upgradeProblem(from: KubernetesVersion, to: KubernetesVersion): string | undefined {
  const cmp = compareVersions(to, from);
  if (cmp === 0) return undefined;
  if (cmp < 0) return `${formatVersion(from)} -> ${formatVersion(to)} is a downgrade; Kamaji never downgrades`;
  if (to.major !== from.major) return `${formatVersion(from)} -> ${formatVersion(to)} changes the major version`;
  const step = to.minor - from.minor;
  if (step > 1) {
    return `${formatVersion(from)} -> ${formatVersion(to)} skips ${step - 1} minor version(s); upgrade one minor at a time (next: v1.${from.minor + 1}.x)`;
  }
  return undefined;
}

/**
 * Why a kubeadm-joined worker at `kubelet` may not join a control plane at `controlPlane`, or
 * undefined: the worker floor ({@link MIN_WORKER_MINOR}) and the version-skew policy. Every worker
 * pool check uses this one.
 */
export function skewProblem(controlPlane: KubernetesVersion, kubelet: KubernetesVersion): string | undefined {
  return workerFloorProblem(kubelet) ?? kubeletSkewProblem(controlPlane, kubelet);
}

/**
 * The version-skew policy alone (any kubelet, however it joins): not newer than the control plane,
 * at most {@link MAX_KUBELET_SKEW} minors older. The control plane's `oldestKubeletVersion` uses it.
 */
export function kubeletSkewProblem(controlPlane: KubernetesVersion, kubelet: KubernetesVersion): string | undefined {
  if (kubelet.major !== controlPlane.major || kubelet.minor > controlPlane.minor) {
    return `kubelet ${formatVersion(kubelet)} is newer than the control plane ${formatVersion(controlPlane)}; upgrade the control plane first`;
  }
  if (controlPlane.minor - kubelet.minor > MAX_KUBELET_SKEW) {
    return `kubelet ${formatVersion(kubelet)} is more than ${MAX_KUBELET_SKEW} minors older than the control plane ${formatVersion(controlPlane)}`;
  }
  return undefined;
}

/** Why kubeadm at `kubelet` cannot join a Kamaji tenant, or undefined. */
export function workerFloorProblem(kubelet: KubernetesVersion): string | undefined {
  if (kubelet.major === 1 && kubelet.minor < MIN_WORKER_MINOR) {
    return `worker ${formatVersion(kubelet)} is below v1.${MIN_WORKER_MINOR}: Kamaji stores kube-system/kubeadm-config as kubeadm.k8s.io/v1beta4, which kubeadm reads only from v1.${MIN_WORKER_MINOR} (kubernetes/kubernetes#125029)`;
  }
  return undefined;
}

/** Where a worker's containerd comes from. */
export enum ContainerdSource {
  /** `containerd.io` 2.x from Docker's apt repository (download.docker.com), pinned to major 2. */
  DOCKER_2 = 'docker-2',
  /** `containerd` from the Ubuntu archive: 1.7 on 24.04, end of life upstream. */
  UBUNTU_ARCHIVE = 'ubuntu-archive',
}

/**
 * The first minor whose kubelet drops the fallbacks containerd 1.x needs (the cgroup-driver query
 * through the RuntimeConfig CRI call): announced for 1.36, deferred to 1.37
 * (kubernetes/kubernetes#136846), then to 1.38 (kubernetes/kubernetes#139121, KEP-4033 update
 * kubernetes/enhancements#6087, because containerd 1.7 reaches end of life in September 2026).
 */
export const FIRST_MINOR_WITHOUT_CONTAINERD_1 = 38;

/**
 * containerd per Kubernetes minor. Every minor we support (1.31 to 1.36) still runs on containerd
 * 1.7, but 1.7 is end of life (containerd RELEASES.md; September 2026 per kubernetes/enhancements#6087)
 * and containerd's Kubernetes matrix lists 2.0+/2.1+ for 1.30 to 1.33, so every minor defaults to
 * containerd 2.x from Docker's repository. The Ubuntu archive (1.7) stays possible below
 * {@link FIRST_MINOR_WITHOUT_CONTAINERD_1}.
 */
export function containerdFor(v: KubernetesVersion): ContainerdSource {
  void v;
  return ContainerdSource.DOCKER_2;
}

/** Why `source` cannot run a kubelet at `v`, or undefined. */
export function containerdProblem(v: KubernetesVersion, source: ContainerdSource): string | undefined {
  if (source === ContainerdSource.UBUNTU_ARCHIVE && v.minor >= FIRST_MINOR_WITHOUT_CONTAINERD_1) {
    return `kubelet ${formatVersion(v)} no longer supports containerd 1.x (Ubuntu's archive ships 1.7); use containerd 2.x`;
  }
  return undefined;
}
