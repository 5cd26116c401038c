/**
 * A worker pool's user data as synth would render it, with the values that exist only at apply time
 * shown as marked placeholders. Used by `cdktf-kamaji render-userdata` (to print it) and by the
 * tenants-file checks of `cdktf-kamaji validate` and the fleet app (to check that it fits EC2's
 * limit). Pure model code: no provider classes load.
 */
import { Problems, ValidationError } from './errors';
import { TaintEffect } from './kubeadm';
import { byteLength, gzippedBytes, renderCloudConfig, TokenSource } from './node-bootstrap';
import { PoolEntry, PoolSettings, poolSizes, ResolvedTenant } from './tenants-file';
import { ImageArchitecture } from './ubuntu-images';
import { parseVersion } from './versions';
import {
  checkUserDataSize,
  NodeEgress,
  nodeBootstrapInput,
  TokenDelivery,
  validateWorkerPool,
  WorkerPoolInput,
  workerPoolSpec,
} from './worker-pool';

/** Placeholders for values that exist only at apply time (they never appear in real user data). */
export const ENDPOINT_PLACEHOLDER = '<APPLY-TIME: tenant API server URL from <tcp>-admin-kubeconfig>';
export const CA_PLACEHOLDER = '<APPLY-TIME: tenant CA, base64 PEM, from <tcp>-admin-kubeconfig>';
export const TOKEN_VALUE_PLACEHOLDER = '<APPLY-TIME: bootstrap token>';

/** Subnets do not shape user data; a pool without any is rendered as if it had this one. */
const ANY_SUBNET = 'subnet-00000000';

/** What the user data of one pool depends on. */
export interface RenderUserDataOptions {
  readonly tenantName: string;
  readonly controlPlaneVersion: string;
  /** The pool's AWS region: where nodes read the SSM token parameter. */
  readonly awsRegion: string;
  readonly pool: WorkerPoolInput;
  /** @default "/kamaji/<tenantName>/bootstrap-token" */
  readonly tokenParameterName?: string;
}

export interface RenderedUserData {
  readonly text: string;
  /** Bytes of `text` (with placeholders). */
  readonly bytes: number;
  /** Bytes EC2 receives for `text`: the pool sends it gzip-compressed. */
  readonly gzippedBytes: number;
  /** Gzipped bytes with worst-case apply-time values: what the synth-time check compares with 16,384. */
  readonly worstCaseBytes: number;
}

/** The SSM parameter of a tenant's bootstrap token unless the nodes stack is given another. */
export const defaultTokenParameterName = (tenant: string) => `/kamaji/${tenant}/bootstrap-token`;

/**
 * Renders one pool's cloud-config; throws a ValidationError naming every bad option (fields are the
 * pool's: `kubernetesVersion`, `taints[0].effect`, `userData`).
 */
export function renderUserDataForPool(options: RenderUserDataOptions): RenderedUserData {
  const problems = new Problems(`user data (tenant ${options.tenantName}, pool ${options.pool.name})`);
  const spec = workerPoolSpec(
    { ...options.pool, subnetIds: options.pool.subnetIds ?? [ANY_SUBNET] },
    options.controlPlaneVersion,
  );
  const controlPlane = parseVersion(options.controlPlaneVersion);
  problems.check(
    !!controlPlane,
    'controlPlaneVersion',
    options.controlPlaneVersion,
    'must be a Kubernetes version such as "v1.33.4"',
  );
  const version = validateWorkerPool(spec, controlPlane, problems);
  const token: TokenSource =
    spec.tokenDelivery === TokenDelivery.INLINE
      ? { delivery: 'inline', token: TOKEN_VALUE_PLACEHOLDER }
      : {
          delivery: 'ssm',
          parameterName: options.tokenParameterName ?? defaultTokenParameterName(options.tenantName),
          region: options.awsRegion,
        };
  problems.throwIfAny();
  const input = nodeBootstrapInput(spec, version!, {
    tenantName: options.tenantName,
    endpoint: ENDPOINT_PLACEHOLDER,
    caData: CA_PLACEHOLDER,
    token,
  });
  const worstCaseBytes = checkUserDataSize(input, problems);
  problems.throwIfAny();
  const text = renderCloudConfig(input);
  return { text, bytes: byteLength(text), gzippedBytes: gzippedBytes(text), worstCaseBytes };
}

/**
 * The worker-pool input of a tenants-file pool (defaults already applied): what the fleet app gives
 * the pool's construct. Only fields that a tenants file can set are mapped.
 */
export function poolInput(pool: PoolEntry): WorkerPoolInput {
  return {
    name: pool.name,
    instanceTypes: pool.instanceType ? [pool.instanceType] : undefined,
    ...poolSizes(pool),
    subnetIds: pool.subnetIds,
    amiId: pool.amiId,
    ...poolImageRollingEgress(pool),
    rootVolumeSizeGiB: pool.rootVolumeSizeGiB,
    kubernetesVersion: pool.kubernetesVersion,
    labels: pool.labels,
    taints: pool.taints?.map((t) => ({ key: t.key, value: t.value, effect: t.effect as TaintEffect })),
    tokenDelivery: pool.tokenDelivery === 'inline' ? TokenDelivery.INLINE : TokenDelivery.SSM,
    spot: pool.spot,
  };
}

/**
 * A tenants-file pool's image, instance refresh and network settings as pool options (shared by
 * {@link poolInput} and the fleet app's construct options, so both read the file the same way).
 */
export function poolImageRollingEgress(pool: PoolSettings): {
  ubuntuRelease?: string;
  imageSerial?: string;
  architecture?: ImageArchitecture;
  instanceWarmupSeconds?: number;
  checkpointPercentages?: number[];
  checkpointDelaySeconds?: number;
  egress?: NodeEgress;
  nodePortIngress?: boolean;
  nodePortSourceCidrs?: string[];
  waitForJoin?: boolean;
} {
  return {
    ubuntuRelease: pool.ubuntuRelease,
    imageSerial: pool.imageSerial,
    architecture: pool.architecture as ImageArchitecture | undefined,
    instanceWarmupSeconds: pool.instanceWarmupSeconds,
    checkpointPercentages: pool.checkpointPercentages,
    checkpointDelaySeconds: pool.checkpointDelaySeconds,
    egress: pool.egress as NodeEgress | undefined,
    nodePortIngress: pool.nodePortIngress,
    nodePortSourceCidrs: pool.nodePortSourceCidrs,
    waitForJoin: pool.waitForJoin,
  };
}

/** The render options of one pool of a resolved tenant (as the fleet's nodes stack builds it). */
export function tenantPoolUserData(tenant: ResolvedTenant, pool: PoolEntry): RenderUserDataOptions {
  return {
    tenantName: tenant.name,
    controlPlaneVersion: tenant.kubernetesVersion,
    // Required by the file's rules whenever a tenant has pools; the fallback only keeps this total.
    awsRegion: tenant.awsRegion ?? 'us-east-1',
    // As the nodes stack builds it: kubelets defer to the tenant's cloud-controller-manager (on by default).
    pool: { ...poolInput(pool), cloudProviderExternal: tenant.cloudIntegration?.cloudControllerManager ?? true },
  };
}

/**
 * The tenants-file check of a tenant's user data: each pool renders, and fits EC2's 16 KiB with
 * worst-case apply-time values. Problems are filed under `workers[i]`.
 */
export function checkTenantUserData(tenant: ResolvedTenant, problems: Problems): void {
  tenant.workers.forEach((pool, i) => {
    try {
      renderUserDataForPool(tenantPoolUserData(tenant, pool));
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      for (const p of e.problems) problems.add(`workers[${i}].${p.field}`, p.value, p.rule);
    }
  });
}
