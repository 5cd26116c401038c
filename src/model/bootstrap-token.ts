/**
 * Bootstrap tokens: the credential a new worker uses once, to ask the tenant's API server for its
 * kubelet client certificate.
 *
 * Facts (DESIGN.md section 5; Kubernetes "Authenticating with Bootstrap Tokens"): Kamaji creates no
 * join token. A token is `[a-z0-9]{6}.[a-z0-9]{16}`; it lives in the Secret
 * `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`; the token cleaner
 * deletes it after `expiration` (RFC 3339). kubeadm's TLS bootstrap needs the
 * `system:bootstrappers:kubeadm:default-node-token` group, whose RBAC Kamaji's kubeadm phase creates.
 */
import { Problems } from './errors';

export const TOKEN_ID_LENGTH = 6;
export const TOKEN_SECRET_LENGTH = 16;
/** What the API server accepts: lowercase letters and digits only. */
export const TOKEN_ID_PATTERN = /^[a-z0-9]{6}$/;
export const TOKEN_PATTERN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
/** Finds a token-shaped string anywhere in a text (used to prove synth output holds none). */
export const TOKEN_SHAPED = /(?<![A-Za-z0-9])[a-z0-9]{6}\.[a-z0-9]{16}(?![A-Za-z0-9])/;

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const BOOTSTRAP_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';

/** A new token every 7 days... */
export const DEFAULT_ROTATION_HOURS = 7 * 24;
/** ...each valid for 30 days: a pool can scale out as long as the stack was applied within 30 days. */
export const DEFAULT_TTL_HOURS = 30 * 24;
/** One year: a longer-lived join credential is a standing credential, not a bootstrap one. */
export const MAX_TTL_HOURS = 365 * 24;

export interface BootstrapTokenInput {
  rotationHours?: number;
  ttlHours?: number;
}

export interface BootstrapTokenSpec {
  readonly rotationHours: number;
  readonly ttlHours: number;
}

export function bootstrapTokenSpec(input: BootstrapTokenInput): BootstrapTokenSpec {
  return {
    rotationHours: input.rotationHours ?? DEFAULT_ROTATION_HOURS,
    ttlHours: input.ttlHours ?? DEFAULT_TTL_HOURS,
  };
}

export function validateBootstrapToken(spec: BootstrapTokenSpec, problems: Problems): void {
  const rotationOk = problems.check(
    Number.isInteger(spec.rotationHours) && spec.rotationHours >= 1,
    'rotationHours',
    spec.rotationHours,
    'must be a whole number of hours, at least 1',
  );
  const ttlOk = problems.check(
    Number.isInteger(spec.ttlHours) && spec.ttlHours >= 1 && spec.ttlHours <= MAX_TTL_HOURS,
    'ttlHours',
    spec.ttlHours,
    `must be a whole number of hours from 1 to ${MAX_TTL_HOURS} (one year)`,
  );
  if (rotationOk && ttlOk) {
    problems.check(
      spec.ttlHours > spec.rotationHours,
      'ttlHours',
      spec.ttlHours,
      `must be longer than rotationHours (${spec.rotationHours}): otherwise the current token expires before the next apply replaces it and no node can join`,
    );
  }
}

/** The name of a token's Secret. */
export function bootstrapTokenSecretName(tokenId: string): string {
  return `bootstrap-token-${tokenId}`;
}

/** The Secret's string data (the kubernetes provider base64-encodes it). */
export function bootstrapTokenSecretData(
  tokenId: string,
  tokenSecret: string,
  expiration: string,
): Record<string, string> {
  return {
    'token-id': tokenId,
    'token-secret': tokenSecret,
    expiration,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': BOOTSTRAP_TOKEN_GROUP,
    description: 'Worker join token managed by cdktf-kamaji; rotated by time_rotating',
  };
}

/** The Terraform `timeadd` duration of a TTL. */
export function ttlDuration(spec: BootstrapTokenSpec): string {
  return `${spec.ttlHours}h`;
}
