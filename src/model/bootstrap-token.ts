/**
 * Bootstrap tokens: the credential a new worker uses once, to ask the tenant's API server for its
 * kubelet client certificate.
 *
 * Facts (DESIGN.md section 5; Kubernetes "Authenticating with Bootstrap Tokens"): Kamaji creates no
 * join token. A token is `[a-z0-9]{6}.[a-z0-9]{16}`; it lives in the Secret
 * `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`; the token cleaner
 * deletes it after `expiration` (RFC 3339). kubeadm's TLS bootstrap needs the
 * `system:bootstrappers:kubeadm:default-node-token` group, whose RBAC Kamaji's kubeadm phase creates.
 *
 * Overlap (issue 13): two token slots, A and B, each a `time_rotating` of period 2 x rotationHours (R)
 * with its own random id/secret and Secret. Slot B's base is `A.rfc3339 + R` (with `ignore_changes`
 * on it, so a rotation of A does not replace B), so the slots rotate alternately, R apart: every R a
 * new token appears, and the previous one stays until its own slot rotates R later. Nodes get the
 * newest (the slot with the later base). A Secret expires at its slot's base + TTL, and TTL >= 2R, so
 * a token is valid for as long as its slot keeps it. {@link simulateTokenSlots} models exactly this
 * (time_rotating recreates a slot on the first apply at or after base + 2R, with a new base of "now"
 * for A and "A's base + R" for B), and the tests prove the overlap on it.
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
      spec.ttlHours >= SLOT_PERIODS * spec.rotationHours,
      'ttlHours',
      spec.ttlHours,
      `must be at least ${SLOT_PERIODS} x rotationHours (${SLOT_PERIODS * spec.rotationHours}), so longer than rotationHours (${spec.rotationHours}): each token stays for ${SLOT_PERIODS} rotation periods (the previous one overlaps the newest), and must not expire before its slot replaces it`,
    );
  }
}

/** A slot keeps its token for this many rotation periods: the newest for one, the previous for one. */
export const SLOT_PERIODS = 2;

/** The `rotation_hours` of each slot's `time_rotating`. */
export function slotRotationHours(spec: BootstrapTokenSpec): number {
  return SLOT_PERIODS * spec.rotationHours;
}

/** One token of {@link simulateTokenSlots}: its slot, creation and deletion (by Terraform) and expiry, in hours. */
export interface SimulatedToken {
  readonly slot: 'A' | 'B';
  readonly createdAt: number;
  /** The slot's `time_rotating` base (rfc3339). */
  readonly base: number;
  readonly expiresAt: number;
  /** When an apply replaced it (its Secret deleted); undefined while it exists. */
  deletedAt?: number;
}

/** What exists after each apply: the tokens, and the one delivered to nodes (SSM / launch template). */
export interface SlotTimeline {
  readonly tokens: SimulatedToken[];
  /** [apply hour, delivered token] after each apply. */
  readonly delivered: Array<[number, SimulatedToken]>;
}

/**
 * The two-slot rotation as Terraform runs it, applied at `applyHours` (ascending, the first creates
 * everything). time_rotating: a slot whose `base + 2R` has passed at plan time is recreated; A's new
 * base is the apply time, B's is A's (possibly new) base + R. Expiration is base + TTL.
 */
export function simulateTokenSlots(spec: BootstrapTokenSpec, applyHours: readonly number[]): SlotTimeline {
  const R = spec.rotationHours;
  const period = slotRotationHours(spec);
  const tokens: SimulatedToken[] = [];
  const delivered: Array<[number, SimulatedToken]> = [];
  let a: SimulatedToken | undefined;
  let b: SimulatedToken | undefined;
  const create = (slot: 'A' | 'B', now: number, base: number): SimulatedToken => {
    const t: SimulatedToken = { slot, createdAt: now, base, expiresAt: base + spec.ttlHours };
    tokens.push(t);
    return t;
  };
  for (const now of applyHours) {
    if (!a || now >= a.base + period) {
      if (a) a.deletedAt = now;
      a = create('A', now, now);
    }
    if (!b || now >= b.base + period) {
      if (b) b.deletedAt = now;
      b = create('B', now, a.base + R);
    }
    delivered.push([now, a.base >= b.base ? a : b]);
  }
  return { tokens, delivered };
}

/** Whether `token` exists in the cluster and is unexpired at hour `t`. */
export function tokenValidAt(token: SimulatedToken, t: number): boolean {
  return token.createdAt <= t && t < token.expiresAt && (token.deletedAt === undefined || t < token.deletedAt);
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
