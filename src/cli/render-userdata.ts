/**
 * `cdktf-kamaji render-userdata`: the exact cloud-config a node of the quickstart app receives, with
 * the values Terraform fills in at apply time shown as marked placeholders. Pure model code: no
 * provider classes load, so it runs in a fraction of a second.
 */
import { Command, UsageError } from '../cli';
import type { AwsWorkerPoolOptions } from '../constructs/aws-worker-pool';
import { Problems } from '../model/errors';
import { renderCloudConfig, byteLength, TokenSource, USER_DATA_LIMIT_BYTES } from '../model/node-bootstrap';
import {
  checkUserDataSize,
  nodeBootstrapInput,
  TokenDelivery,
  validateWorkerPool,
  workerPoolSpec,
} from '../model/worker-pool';
import { parseVersion } from '../model/versions';
import { parseArgs } from './args';

/** Placeholders for values that exist only at apply time (they never appear in real user data). */
export const ENDPOINT_PLACEHOLDER = '<APPLY-TIME: tenant API server URL from <tcp>-admin-kubeconfig>';
export const CA_PLACEHOLDER = '<APPLY-TIME: tenant CA, base64 PEM, from <tcp>-admin-kubeconfig>';
export const TOKEN_VALUE_PLACEHOLDER = '<APPLY-TIME: bootstrap token>';

/** What the user data of one pool depends on. */
export interface RenderUserDataOptions {
  readonly tenantName: string;
  readonly controlPlaneVersion: string;
  readonly awsRegion: string;
  readonly pool: AwsWorkerPoolOptions;
  /** @default "/kamaji/<tenantName>/bootstrap-token" */
  readonly tokenParameterName?: string;
}

export interface RenderedUserData {
  readonly text: string;
  /** Bytes of `text` (with placeholders). */
  readonly bytes: number;
  /** Bytes with worst-case apply-time values: what the synth-time check compares with 16,384. */
  readonly worstCaseBytes: number;
}

/** Renders one pool's cloud-config; throws a ValidationError naming every bad option. */
export function renderUserDataForPool(options: RenderUserDataOptions): RenderedUserData {
  const problems = new Problems(`render-userdata (tenant ${options.tenantName}, pool ${options.pool.name})`);
  const inline = options.pool.tokenDelivery === TokenDelivery.INLINE;
  // Subnets do not shape user data; pools of the quickstart take the default VPC's at apply time.
  const spec = workerPoolSpec(
    {
      ...options.pool,
      subnetIds: options.pool.subnetIds ?? ['subnet-00000000'],
    },
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
  const token: TokenSource = inline
    ? { delivery: 'inline', token: TOKEN_VALUE_PLACEHOLDER }
    : {
        delivery: 'ssm',
        parameterName: options.tokenParameterName ?? `/kamaji/${options.tenantName}/bootstrap-token`,
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
  return { text, bytes: byteLength(text), worstCaseBytes };
}

/** The tenants the command knows: the quickstart's (`QUICKSTART.tenant` and `QUICKSTART.nodes`). */
export function quickstartTenants(): RenderUserDataOptions[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
  const { QUICKSTART } = require('../../examples/quickstart/app') as {
    QUICKSTART: {
      tenant?: { name: string; kubernetesVersion: string };
      nodes?: { awsRegion?: string; pools?: AwsWorkerPoolOptions[]; tokenParameterName?: string };
    };
  };
  if (!QUICKSTART.tenant) return [];
  const pools = QUICKSTART.nodes?.pools ?? [{ name: 'default' }];
  return pools.map((pool) => ({
    tenantName: QUICKSTART.tenant!.name,
    controlPlaneVersion: QUICKSTART.tenant!.kubernetesVersion,
    awsRegion: QUICKSTART.nodes?.awsRegion ?? 'eu-west-1',
    tokenParameterName: QUICKSTART.nodes?.tokenParameterName,
    pool,
  }));
}

/** The command, over any list of tenant pools (tests pass their own). */
export function renderUserDataCommand(load: () => RenderUserDataOptions[]): Command {
  return {
    summary: 'print the cloud-config a worker of the quickstart app receives',
    usage: [
      'usage: cdktf-kamaji render-userdata [--tenant NAME] [--pool NAME]',
      '',
      'Prints the cloud-config of one worker pool (default: the first tenant, its first pool).',
      'Values known only at apply time (endpoint, CA, inline token) appear as <APPLY-TIME: ...>.',
      'The size in bytes goes to stderr.',
    ].join('\n'),
    run(argv) {
      const { flags, positional } = parseArgs(argv, ['tenant', 'pool']);
      if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
      const all = load();
      const tenants = [...new Set(all.map((o) => o.tenantName))];
      const tenant = (flags.tenant as string | undefined) ?? tenants[0];
      if (!tenants.includes(tenant)) {
        throw new UsageError(`no tenant "${tenant}" (tenants: ${tenants.join(', ') || 'none'})`);
      }
      const pools = all.filter((o) => o.tenantName === tenant);
      const poolName = (flags.pool as string | undefined) ?? pools[0].pool.name;
      const chosen = pools.find((o) => o.pool.name === poolName);
      if (!chosen) {
        throw new UsageError(
          `tenant "${tenant}" has no pool "${poolName}" (pools: ${pools.map((o) => o.pool.name).join(', ')})`,
        );
      }
      const out = renderUserDataForPool(chosen);
      process.stdout.write(out.text);
      process.stderr.write(
        `${out.bytes} bytes of user data with placeholders; ${out.worstCaseBytes} with worst-case apply-time values (EC2 limit ${USER_DATA_LIMIT_BYTES})\n`,
      );
      return 0;
    },
  };
}

export const command: Command = renderUserDataCommand(quickstartTenants);
