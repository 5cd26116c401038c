import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from 'cdktf';
import { Problems } from '../src/model/errors';
import { remoteWorkspace, s3StateKey, StateSpec, validateState } from '../src/model/state';

/** Where stacks keep state. */
export enum StateBackend {
  /** A file next to the project: `terraform.<stack>.tfstate` (the default; one machine only). */
  LOCAL = 'local',
  /** S3, one key per stack, encrypted, locked by an S3 lockfile (Terraform >= 1.10) or DynamoDB. */
  S3 = 's3',
  /** HCP Terraform / Terraform Enterprise, one workspace per stack. */
  REMOTE = 'remote',
}

/** How S3 state is locked. */
export enum StateLock {
  /** S3-native lockfile (`use_lockfile`, Terraform >= 1.10); no extra table. */
  LOCKFILE = 'lockfile',
  /** A DynamoDB table (the pre-1.10 mechanism, deprecated upstream). */
  DYNAMODB = 'dynamodb',
}

/** The state settings of a stack (every stack of an app normally shares them). */
export interface StateProps {
  /**
   * The backend.
   * @default StateBackend.LOCAL
   */
  readonly backend?: StateBackend;
  /** S3 bucket (backend s3). @default - none; required for s3 */
  readonly bucket?: string;
  /** S3 bucket region (backend s3). @default - none; required for s3 */
  readonly region?: string;
  /** Key prefix: a stack's state is `<keyPrefix>/<stack-id>.tfstate`. @default - no prefix */
  readonly keyPrefix?: string;
  /** Server-side encryption of the state object. @default true */
  readonly encrypt?: boolean;
  /** Locking (backend s3). @default StateLock.LOCKFILE */
  readonly lock?: StateLock;
  /** DynamoDB lock table (lock dynamodb). @default - none */
  readonly dynamodbTable?: string;
  /** KMS key for the state object. @default - the bucket's default encryption */
  readonly kmsKeyId?: string;
  /** IAM role to assume for state access. @default - the caller's credentials */
  readonly roleArn?: string;
  /** HCP Terraform / TFE organization (backend remote). @default - none; required for remote */
  readonly organization?: string;
  /** Workspace prefix: a stack's workspace is `<prefix><stack-id>`. @default - none; required for remote */
  readonly workspacePrefix?: string;
  /** HCP Terraform / TFE hostname. @default "app.terraform.io" */
  readonly hostname?: string;
}

export function stateSpec(props: StateProps = {}): StateSpec {
  return { ...props, backend: props.backend ?? StateBackend.LOCAL, lock: props.lock } as StateSpec;
}

/**
 * Gives a stack its own state. Local state lives next to the project (`terraform.<stack>.tfstate`),
 * written as a path relative to the stack's working directory (`cdktf.out/stacks/<stack>`): cdktf's
 * implicit default is an absolute path of the synthesizing machine, which breaks byte-identical synth.
 */
export function configureState(stack: TerraformStack, stackId: string, props: StateProps = {}): void {
  const state = stateSpec(props);
  const problems = new Problems(`${stack.node.path} (state)`);
  validateState(state, problems);
  problems.throwIfAny();
  switch (state.backend) {
    case 'local':
      new LocalBackend(stack, { path: `../../../terraform.${stackId}.tfstate` });
      return;
    case 's3': {
      const backend = new S3Backend(stack, {
        bucket: state.bucket!,
        key: s3StateKey(state, stackId),
        region: state.region,
        encrypt: state.encrypt ?? true,
        kmsKeyId: state.kmsKeyId,
        dynamodbTable: state.lock === 'dynamodb' ? state.dynamodbTable : undefined,
        assumeRole: state.roleArn ? { roleArn: state.roleArn } : undefined,
      });
      // cdktf 0.21 predates `use_lockfile` (Terraform 1.10); the override writes it all the same.
      if (state.lock !== 'dynamodb') backend.addOverride('use_lockfile', true);
      return;
    }
    case 'remote':
      new CloudBackend(stack, {
        organization: state.organization!,
        hostname: state.hostname,
        workspaces: new NamedCloudWorkspace(remoteWorkspace(state, stackId)),
      });
      return;
  }
}
