/**
 * Where each stack keeps its Terraform state. Every stack gets its own state (a key or a workspace
 * per stack id), so a tenant's plan never reads or locks another tenant's state.
 */
import { Problems } from './errors';
import { isAwsRegion } from './names';

export type StateBackendKind = 'local' | 's3' | 'remote';
export type StateLockKind = 'lockfile' | 'dynamodb';

export interface StateSpec {
  readonly backend: StateBackendKind;
  readonly bucket?: string;
  readonly region?: string;
  readonly keyPrefix?: string;
  readonly encrypt?: boolean;
  readonly lock?: StateLockKind;
  readonly dynamodbTable?: string;
  readonly kmsKeyId?: string;
  readonly roleArn?: string;
  readonly organization?: string;
  readonly workspacePrefix?: string;
  readonly hostname?: string;
}

export const DEFAULT_STATE: StateSpec = { backend: 'local' };

// S3 bucket naming rules (AWS "Bucket naming rules"): 3-63 characters; lowercase letters, digits,
// dots and hyphens; begins and ends with a letter or digit; no "..", not an IP address.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const WORKSPACE = /^[A-Za-z0-9_-]+$/;
const S3_ONLY = ['bucket', 'region', 'keyPrefix', 'encrypt', 'lock', 'dynamodbTable', 'kmsKeyId', 'roleArn'] as const;
const REMOTE_ONLY = ['organization', 'workspacePrefix', 'hostname'] as const;

export function validateState(state: StateSpec, problems: Problems): void {
  const onlyFor = (keys: readonly (keyof StateSpec)[], backend: string) => {
    for (const k of keys) {
      if (state[k] !== undefined) problems.add(k, state[k], `only applies to backend ${backend}`);
    }
  };
  switch (state.backend) {
    case 's3':
      if (state.bucket === undefined) problems.add('bucket', undefined, 'is required with backend s3');
      else if (!BUCKET.test(state.bucket) || state.bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(state.bucket)) {
        problems.add(
          'bucket',
          state.bucket,
          'must be a valid S3 bucket name: 3-63 characters of lowercase letters, digits, "." and "-", starting and ending with a letter or digit, not an IP address',
        );
      }
      if (state.region === undefined) problems.add('region', undefined, 'is required with backend s3');
      else if (!isAwsRegion(state.region))
        problems.add('region', state.region, 'must be an AWS region such as "eu-west-1"');
      if (state.keyPrefix !== undefined && !/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/.test(state.keyPrefix)) {
        problems.add(
          'keyPrefix',
          state.keyPrefix,
          'must be "/"-separated S3-safe segments, not starting or ending with "/"',
        );
      }
      if (state.dynamodbTable !== undefined && state.lock !== 'dynamodb') {
        problems.add(
          'dynamodbTable',
          state.dynamodbTable,
          'needs lock: dynamodb (the default lock is the S3 lockfile)',
        );
      }
      if (state.lock === 'dynamodb' && state.dynamodbTable === undefined) {
        problems.add('dynamodbTable', undefined, 'is required with lock: dynamodb');
      }
      if (state.roleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(state.roleArn)) {
        problems.add('roleArn', state.roleArn, 'must be an IAM role ARN');
      }
      onlyFor(REMOTE_ONLY, 'remote');
      return;
    case 'remote':
      if (state.organization === undefined) problems.add('organization', undefined, 'is required with backend remote');
      if (state.workspacePrefix === undefined)
        problems.add('workspacePrefix', undefined, 'is required with backend remote');
      else if (!WORKSPACE.test(state.workspacePrefix)) {
        problems.add(
          'workspacePrefix',
          state.workspacePrefix,
          'must use letters, digits, "-" and "_" (workspace names)',
        );
      }
      onlyFor(S3_ONLY, 's3');
      return;
    case 'local':
      onlyFor(S3_ONLY, 's3');
      onlyFor(REMOTE_ONLY, 'remote');
      return;
  }
}

/** The S3 key of a stack's state: `<keyPrefix>/<stack-id>.tfstate`. */
export function s3StateKey(state: StateSpec, stackId: string): string {
  return `${state.keyPrefix ? `${state.keyPrefix}/` : ''}${stackId}.tfstate`;
}

/** The HCP Terraform / TFE workspace of a stack: `<prefix><stack-id>`. */
export function remoteWorkspace(state: StateSpec, stackId: string): string {
  return `${state.workspacePrefix ?? ''}${stackId}`;
}

/** Where a stack's state lives, as one string (used to prove two stacks never share it). */
export function stateLocation(state: StateSpec, stackId: string): string {
  switch (state.backend) {
    case 's3':
      return `s3://${state.bucket}/${s3StateKey(state, stackId)}`;
    case 'remote':
      return `remote:${state.hostname ?? 'app.terraform.io'}/${state.organization}/${remoteWorkspace(state, stackId)}`;
    case 'local':
      return `local:terraform.${stackId}.tfstate`;
  }
}

/** Reports stacks whose state would land in the same place (a key collision corrupts both). */
export function checkDistinctState(state: StateSpec, stackIds: readonly string[], problems: Problems): void {
  const seen = new Map<string, string>();
  for (const id of stackIds) {
    const where = stateLocation(state, id);
    const other = seen.get(where);
    if (other !== undefined) {
      problems.add('state', where, `stacks "${other}" and "${id}" would share one state; give every stack its own key`);
    }
    seen.set(where, id);
  }
}
