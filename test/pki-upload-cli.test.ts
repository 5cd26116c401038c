/**
 * `cdktf-kamaji pki upload-commands`: checks an existing CA and prints the aws CLI commands that store
 * its key in a secret store (nothing is sent), plus the tenants-file block that reads it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { discoveryHash, generateCa } from '../src/model/pki';
import { loadTenantsFile } from '../src/model/tenants-file';
import { cli } from './support/cli';
import { tempDir } from './support/synth';
import { testWithTool } from './support/tools';

const ca = generateCa({ commonName: 'upload-ca', days: 400 });
const other = generateCa({ commonName: 'other', days: 400 });
const dir = tempDir('pki-upload-');
const cert = path.join(dir, 'ca.crt');
const key = path.join(dir, 'my ca.key'); // a space: the printed commands must quote it
fs.writeFileSync(cert, ca.certificatePem);
fs.writeFileSync(key, ca.keyPem, { mode: 0o600 });
fs.writeFileSync(path.join(dir, 'other.key'), other.keyPem, { mode: 0o600 });

describe('cdktf-kamaji pki upload-commands', () => {
  test('Secrets Manager: create and update commands, the pki block, the discovery hash', async () => {
    const result = await cli([
      'pki',
      'upload-commands',
      '--cert',
      cert,
      '--key',
      key,
      '--secret-id',
      'kamaji/acme/ca-key',
      '--region',
      'eu-west-1',
    ]);
    expect([result.code, result.stderr]).toEqual([0, '']);
    const lines = result.stdout.split('\n');
    expect(lines).toContain(
      `aws secretsmanager create-secret --name kamaji/acme/ca-key --region eu-west-1 --secret-string 'file://${key}'`,
    );
    expect(lines).toContain(
      `aws secretsmanager put-secret-value --secret-id kamaji/acme/ca-key --region eu-west-1 --secret-string 'file://${key}'`,
    );
    expect(result.stdout).toContain(`# discovery hash: ${discoveryHash(ca.certificatePem)}`);
    // The key itself is never printed.
    expect(result.stdout).not.toMatch(/PRIVATE KEY/);
    expect(result.stdout).not.toContain(ca.keyPem.split('\n')[1]);
    // The printed block is a valid tenants-file pki.
    const block = parse(result.stdout.slice(result.stdout.indexOf('pki:')));
    expect(block.pki).toEqual({
      source: 'aws-secrets-manager',
      certPath: cert,
      secretId: 'kamaji/acme/ca-key',
      region: 'eu-west-1',
    });
    const file = `tenants:\n  - name: acme\n    kubernetesVersion: v1.35.3\n    pki: ${JSON.stringify(block.pki)}\n`;
    expect(loadTenantsFile(file, 't.yaml').problems).toEqual([]);
  });

  test('SSM: a SecureString put-parameter; an ARN secret id gets the update command only', async () => {
    const ssm = await cli(['pki', 'upload-commands', '--cert', cert, '--key', key, '--parameter-name', '/kamaji/ca']);
    expect(ssm.code).toBe(0);
    expect(ssm.stdout).toContain(
      `aws ssm put-parameter --name /kamaji/ca --type SecureString --value 'file://${key}'\n`,
    );
    expect(ssm.stdout).toContain('  source: aws-ssm-parameter\n  certPath:');
    expect(ssm.stdout).not.toContain('region');
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ca-AbCdEf';
    const byArn = await cli(['pki', 'upload-commands', '--cert', cert, '--key', key, '--secret-id', arn]);
    expect(byArn.code).toBe(0);
    expect(byArn.stdout).not.toContain('create-secret');
    expect(byArn.stdout).toContain(`put-secret-value --secret-id ${arn} --region us-east-1 `);
  });

  test('every problem at once: a key of another CA, a bad name, a conflicting region', async () => {
    const result = await cli([
      'pki',
      'upload-commands',
      '--cert',
      cert,
      '--key',
      path.join(dir, 'other.key'),
      '--secret-id',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:ca',
      '--region',
      'eu-west-1',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^cdktf-kamaji pki: 2 problems\n/);
    expect(result.stderr).toContain('--region: "eu-west-1": must match the region of the ARN ("us-east-1")');
    expect(result.stderr).toContain('--key: "a different key pair": must be the private key of --cert');
    const names = await cli(['pki', 'upload-commands', '--cert', cert, '--key', key, '--parameter-name', 'ssm/ca']);
    expect(names.code).toBe(1);
    expect(names.stderr).toContain('--parameter-name: "ssm/ca": must be a Parameter Store name');
    const arn = 'arn:aws:ssm:eu-west-1:123456789012:parameter/ca';
    const byArn = await cli(['pki', 'upload-commands', '--cert', cert, '--key', key, '--parameter-name', arn]);
    expect(byArn.stderr).toContain('must be a parameter name, not an ARN, to upload');
    const missing = await cli(['pki', 'upload-commands', '--cert', 'nope.crt', '--key', key, '--secret-id', 's']);
    expect(missing.stderr).toContain('--cert: "nope.crt": must be a readable PEM file (ENOENT)');
  });

  test('usage errors: no store, both stores, no files, a typo', async () => {
    const base = ['pki', 'upload-commands', '--cert', cert, '--key', key];
    for (const argv of [base, [...base, '--secret-id', 'a', '--parameter-name', 'b']]) {
      const r = await cli(argv);
      expect([r.code, r.stderr.split('\n')[0]]).toEqual([
        2,
        'cdktf-kamaji pki: exactly one of --secret-id and --parameter-name is required',
      ]);
    }
    const r = await cli(['pki', 'upload-commands', '--secret-id', 'a']);
    expect([r.code, r.stderr.split('\n')[0]]).toEqual([2, 'cdktf-kamaji pki: --cert and --key are required']);
    const typo = await cli(['pki', 'upload-command']);
    expect(typo.stderr).toContain('unknown subcommand "upload-command" (did you mean "upload-commands"?)');
  });

  testWithTool('shellcheck')('the printed commands are clean shell', async () => {
    const result = await cli([
      'pki',
      'upload-commands',
      '--cert',
      cert,
      '--key',
      key,
      '--secret-id',
      'kamaji/acme/ca-key',
    ]);
    const script = path.join(dir, 'upload.sh');
    const commands = result.stdout.slice(0, result.stdout.indexOf('\n\n'));
    fs.writeFileSync(script, `#!/bin/sh\n${commands}\n`);
    const check = spawnSync('shellcheck', ['-s', 'sh', script], { encoding: 'utf8' });
    expect([check.status, check.stdout]).toEqual([0, '']);
  });
});
