/**
 * Kubernetes version rules: what Kamaji runs, how a tenant may upgrade, how far workers may lag.
 *
 * - Kamaji accepts a patch bump or exactly one minor step, never a downgrade, and nothing above its
 *   ceiling (v1.36.x at the pinned `26.8.2-edge`). DESIGN.md section 3.
 * - The kubelet is never newer than the control plane and at most 3 minors older (Kubernetes
 *   version-skew policy since 1.28). DESIGN.md section 5.
 * - The floor is the oldest minor whose worker bootstrap this project renders and tests (kubeadm
 *   v1beta3 for 1.30, v1beta4 from 1.31; pkgs.k8s.io repositories exist for each).
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

/** Why a kubelet at `kubelet` may not join a control plane at `controlPlane`, or undefined. */
export function skewProblem(controlPlane: KubernetesVersion, kubelet: KubernetesVersion): string | undefined {
  if (kubelet.major !== controlPlane.major || kubelet.minor > controlPlane.minor) {
    return `kubelet ${formatVersion(kubelet)} is newer than the control plane ${formatVersion(controlPlane)}; upgrade the control plane first`;
  }
  if (controlPlane.minor - kubelet.minor > MAX_KUBELET_SKEW) {
    return `kubelet ${formatVersion(kubelet)} is more than ${MAX_KUBELET_SKEW} minors older than the control plane ${formatVersion(controlPlane)}`;
  }
  return undefined;
}
