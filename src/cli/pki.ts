import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, didYouMean, numberFlag, parseArgs, stringFlag, UsageError } from './command';
import { Problems } from '../model/errors';
import { DEFAULT_CA_COMMON_NAME, DEFAULT_CA_DAYS, discoveryHash, generateCa, validateCaOptions } from '../model/pki';

const USAGE = `usage: cdktf-kamaji pki init --out DIR [--cn NAME] [--days N]

Writes a new self-signed RSA 2048 CA for a tenant (like "kubeadm init phase certs ca"):
  DIR/ca.crt   the certificate (public)
  DIR/ca.key   the private key, mode 0600; keep it out of version control

Use them with TenantPki { source: CaSource.FILES, certificateFile: "DIR/ca.crt", keyFile: "DIR/ca.key" }.

options:
  --out DIR    folder to write to (created if missing; existing files are never overwritten)
  --cn NAME    certificate common name (default "${DEFAULT_CA_COMMON_NAME}")
  --days N     validity in days (default ${DEFAULT_CA_DAYS})`;

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

export const command: Command = {
  summary: 'tenant CA files for TenantPki (pki init --out DIR)',
  usage: USAGE,
  run(argv: string[]): number {
    const [sub, ...rest] = argv;
    if (sub === 'init') return init(rest);
    const problem =
      sub === undefined ? 'a subcommand is required' : `unknown subcommand "${sub}"${didYouMean(sub, ['init'], true)}`;
    throw new UsageError(`${problem}\n${USAGE}`);
  },
};
