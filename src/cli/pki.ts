import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, didYouMean, numberFlag, parseArgs, stringFlag, UsageError } from './command';
import { Problems } from '../model/errors';
import {
  checkCa,
  checkSecretId,
  checkSsmParameterName,
  DEFAULT_CA_COMMON_NAME,
  DEFAULT_CA_DAYS,
  discoveryHash,
  generateCa,
  secretStoreRegion,
  validateCaOptions,
} from '../model/pki';

const USAGE = `usage: cdktf-kamaji pki init --out DIR [--cn NAME] [--days N]
       cdktf-kamaji pki upload-commands --cert FILE --key FILE (--secret-id ID | --parameter-name NAME) [--region REGION]

pki init writes a new self-signed RSA 2048 CA for a tenant (like "kubeadm init phase certs ca"):
  DIR/ca.crt   the certificate (public)
  DIR/ca.key   the private key, mode 0600; keep it out of version control

pki upload-commands checks an existing CA (the key matches the certificate, a valid CA) and prints
the aws CLI commands that store its key in AWS Secrets Manager (--secret-id) or as an SSM Parameter
Store SecureString (--parameter-name), and the tenants-file pki block that reads it at apply. It
sends nothing itself: run the commands with AWS credentials allowed to write the secret.

Use the files with TenantPki { source: CaSource.FILES, certificateFile: "DIR/ca.crt", keyFile: "DIR/ca.key" }
(local use), or commit DIR/ca.crt and use CaSource.AWS_SECRETS_MANAGER / AWS_SSM_PARAMETER (CI deploys).

options (init):
  --out DIR    folder to write to (created if missing; existing files are never overwritten)
  --cn NAME    certificate common name (default "${DEFAULT_CA_COMMON_NAME}")
  --days N     validity in days (default ${DEFAULT_CA_DAYS})
options (upload-commands):
  --cert FILE            the CA certificate (PEM)
  --key FILE             its private key (PEM, unencrypted RSA)
  --secret-id ID         Secrets Manager secret name (or ARN, to update an existing secret)
  --parameter-name NAME  SSM parameter name
  --region REGION        the secret's region (default: the aws CLI's configured region)`;

const SUBCOMMANDS = ['init', 'upload-commands'];

/** Parameter Store: standard parameters hold values up to 4 KB; advanced ones up to 8 KB. */
const SSM_STANDARD_VALUE_BYTES = 4096;

/** `s` as one POSIX shell word. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function init(argv: string[]): number {
  const { flags, positional } = parseArgs(argv, ['out', 'cn', 'days']);
  if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"\n${USAGE}`);
  const out = stringFlag(flags, 'out');
  if (out === undefined) throw new UsageError(`--out is required\n${USAGE}`);
  const days = numberFlag(flags, 'days');
  const commonName = stringFlag(flags, 'cn');
  const problems = new Problems('pki init');
  validateCaOptions({ days, commonName }, problems);
  const certFile = path.join(out, 'ca.crt');
  const keyFile = path.join(out, 'ca.key');
  for (const file of [certFile, keyFile]) {
    problems.check(
      !fs.existsSync(file),
      '--out',
      file,
      'must not hold ca.crt or ca.key already (a CA is never overwritten)',
    );
  }
  problems.throwIfAny();

  const ca = generateCa({ days, commonName });
  fs.mkdirSync(out, { recursive: true });
  // The key is created with mode 0600 (flag "wx" also refuses to follow a file that appeared since).
  fs.writeFileSync(keyFile, ca.keyPem, { mode: 0o600, flag: 'wx' });
  fs.chmodSync(keyFile, 0o600);
  fs.writeFileSync(certFile, ca.certificatePem, { mode: 0o644, flag: 'wx' });
  process.stdout.write(
    `wrote ${certFile}\nwrote ${keyFile} (mode 0600)\ndiscovery hash: ${discoveryHash(ca.certificatePem)}\n`,
  );
  return 0;
}

function readPem(problems: Problems, flag: string, file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    problems.add(flag, file, `must be a readable PEM file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    return undefined;
  }
}

function uploadCommands(argv: string[]): number {
  const { flags, positional } = parseArgs(argv, ['cert', 'key', 'secret-id', 'parameter-name', 'region']);
  if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"\n${USAGE}`);
  const certFile = stringFlag(flags, 'cert');
  const keyFile = stringFlag(flags, 'key');
  const secretId = stringFlag(flags, 'secret-id');
  const parameterName = stringFlag(flags, 'parameter-name');
  if (certFile === undefined || keyFile === undefined) throw new UsageError(`--cert and --key are required\n${USAGE}`);
  if ((secretId === undefined) === (parameterName === undefined)) {
    throw new UsageError(`exactly one of --secret-id and --parameter-name is required\n${USAGE}`);
  }
  const problems = new Problems('pki upload-commands');
  const location =
    secretId !== undefined
      ? checkSecretId(secretId, problems, '--secret-id')
      : checkSsmParameterName(parameterName, problems, '--parameter-name');
  // PutParameter takes a name only ("You can't enter the Amazon Resource Name (ARN) for a parameter").
  if (parameterName?.startsWith('arn:') && location) {
    problems.add(
      '--parameter-name',
      parameterName,
      'must be a parameter name, not an ARN, to upload (put-parameter takes names only)',
    );
  }
  const region = secretStoreRegion(stringFlag(flags, 'region'), location, problems, '--region');
  const cert = readPem(problems, '--cert', certFile);
  const key = readPem(problems, '--key', keyFile);
  const facts =
    cert !== undefined && key !== undefined
      ? checkCa(cert, key, problems, { certificate: '--cert', key: '--key' })
      : undefined;
  problems.throwIfAny();

  const regionArg = region !== undefined ? ` --region ${region}` : '';
  const value = shellWord(`file://${keyFile}`);
  const lines = ['# Stores the CA key; the certificate stays in your repository (it is public).'];
  if (secretId !== undefined) {
    if (!secretId.startsWith('arn:')) {
      lines.push(`aws secretsmanager create-secret --name ${shellWord(secretId)}${regionArg} --secret-string ${value}`);
      lines.push('# when the secret exists already:');
    }
    lines.push(
      `aws secretsmanager put-secret-value --secret-id ${shellWord(secretId)}${regionArg} --secret-string ${value}`,
    );
  } else {
    const tier = Buffer.byteLength(key!) > SSM_STANDARD_VALUE_BYTES ? ' --tier Advanced' : '';
    lines.push(
      `aws ssm put-parameter --name ${shellWord(parameterName!)} --type SecureString${tier}${regionArg} --value ${value}`,
    );
    lines.push('# when the parameter exists already: the same command with --overwrite');
  }
  lines.push(
    '',
    '# tenants file (certPath relative to it):',
    'pki:',
    `  source: ${secretId !== undefined ? 'aws-secrets-manager' : 'aws-ssm-parameter'}`,
    `  certPath: ${certFile}`,
    secretId !== undefined ? `  secretId: ${secretId}` : `  parameterName: ${parameterName}`,
    ...(region !== undefined ? [`  region: ${region}`] : []),
    `# discovery hash: ${facts!.discoveryHash}`,
    '',
  );
  process.stdout.write(lines.join('\n'));
  return 0;
}

export const command: Command = {
  summary: 'tenant CAs: pki init --out DIR; pki upload-commands (store a CA key in AWS)',
  usage: USAGE,
  run(argv: string[]): number {
    const [sub, ...rest] = argv;
    if (sub === 'init') return init(rest);
    if (sub === 'upload-commands') return uploadCommands(rest);
    const problem =
      sub === undefined
        ? 'a subcommand is required'
        : `unknown subcommand "${sub}"${didYouMean(sub, SUBCOMMANDS, true)}`;
    throw new UsageError(`${problem}\n${USAGE}`);
  },
};
