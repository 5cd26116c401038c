import { TerraformStack, Testing } from 'cdktf';
import { ValidationError } from '../src/model/errors';
import { configureState, StateBackend, StateLock, StateProps } from '../stacks/state';

function backendOf(props: StateProps, id = 'tenant-a-nodes') {
  const app = Testing.app();
  const stack = new TerraformStack(app, id);
  configureState(stack, id, props);
  return JSON.parse(Testing.synth(stack)).terraform;
}

describe('state backends', () => {
  test('local: a relative path per stack (no absolute path of the synth machine)', () => {
    expect(backendOf({})).toEqual({ backend: { local: { path: '../../../terraform.tenant-a-nodes.tfstate' } } });
  });

  test('s3: key per stack, encrypted, S3 lockfile by default', () => {
    const tf = backendOf({
      backend: StateBackend.S3,
      bucket: 'acme-tf-state',
      region: 'eu-west-1',
      keyPrefix: 'kamaji/prod',
    });
    expect(tf.backend.s3).toEqual({
      bucket: 'acme-tf-state',
      key: 'kamaji/prod/tenant-a-nodes.tfstate',
      region: 'eu-west-1',
      encrypt: true,
      use_lockfile: true,
    });
  });

  test('s3 with DynamoDB locking, KMS and a role', () => {
    const tf = backendOf({
      backend: StateBackend.S3,
      bucket: 'acme-tf-state',
      region: 'us-east-1',
      lock: StateLock.DYNAMODB,
      dynamodbTable: 'tf-locks',
      kmsKeyId: 'alias/tf-state',
      roleArn: 'arn:aws:iam::123456789012:role/tf-state',
    });
    expect(tf.backend.s3).toMatchObject({ dynamodb_table: 'tf-locks', kms_key_id: 'alias/tf-state', encrypt: true });
    expect(tf.backend.s3.assume_role).toEqual({ role_arn: 'arn:aws:iam::123456789012:role/tf-state' });
    expect(tf.backend.s3.use_lockfile).toBeUndefined();
  });

  test('remote: one HCP Terraform workspace per stack', () => {
    const tf = backendOf({ backend: StateBackend.REMOTE, organization: 'acme', workspacePrefix: 'kamaji-' });
    expect(tf.cloud).toEqual({ organization: 'acme', workspaces: { name: 'kamaji-tenant-a-nodes' } });
  });

  test.each<[string, StateProps, string[]]>([
    ['missing bucket and region', { backend: StateBackend.S3 }, ['bucket', 'region']],
    ['bad bucket name', { backend: StateBackend.S3, bucket: 'Acme_State', region: 'eu-west-1' }, ['bucket']],
    [
      'lock table without lock: dynamodb',
      { backend: StateBackend.S3, bucket: 'abc', region: 'eu-west-1', dynamodbTable: 't' },
      ['dynamodbTable'],
    ],
    ['remote without organization', { backend: StateBackend.REMOTE, workspacePrefix: 'k-' }, ['organization']],
    ['s3 settings on local', { bucket: 'abc' }, ['bucket']],
  ])('rejects %s, naming each field', (_name, props, fields) => {
    let error: unknown;
    try {
      backendOf(props);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.field)).toEqual(fields);
    expect((error as ValidationError).message).toContain('tenant-a-nodes (state)');
  });
});
