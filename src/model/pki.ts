/**
 * Tenant CA rules: what Kamaji keeps as a pre-created `<tcp>-ca` Secret, and the kubeadm discovery hash.
 *
 * Facts (DESIGN.md section 4):
 * - Kamaji keeps a pre-created CA Secret only when it is valid: one PEM certificate that stays valid
 *   for more than 24 hours; otherwise it silently regenerates it. We ask for 30 days so a CA never
 *   expires between two applies.
 * - kubeadm's `caCertHashes` is `sha256:` + hex SHA-256 of the DER SubjectPublicKeyInfo of the CA
 *   (kubeadm `pubkeypin.Hash`).
 * - LF line endings only: Kamaji compares the CA bytes it writes into each kubeconfig (PEM re-encoded
 *   by Go, LF) byte for byte with `ca.crt` of the CA Secret. Any other bytes (node-forge writes CRLF)
 *   make it regenerate the kubeconfigs on every reconcile, and the control plane rolls in a loop. So
 *   every PEM we write or embed is {@link encodePem}'s form, and a key read at apply time goes
 *   through {@link lfFileExpression}.
 *
 * node-forge parses RSA keys only, so a bring-your-own CA must be RSA (>= 2048 bits). Generated CAs
 * (tls provider, apply time) may also be ECDSA P-256. node-forge types stay inside this module.
 */
import * as forge from 'node-forge';
import { Problems } from './errors';
import { AWS_REGION_RULE, isAwsRegion } from './names';

/** A CA must stay valid this long after synth; Kamaji itself regenerates CAs within 24 h of expiry. */
export const MIN_CA_REMAINING_DAYS = 30;
export const MIN_RSA_BITS = 2048;
/** kubeadm's CA common name (`kubeadm init phase certs ca`). */
export const DEFAULT_CA_COMMON_NAME = 'kubernetes';
/** kubeadm's CA validity (10 years). */
export const DEFAULT_CA_DAYS = 3650;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The facts of a CA that passed {@link checkCa}. */
export interface CaFacts {
  readonly certificatePem: string;
  /** `sha256:<hex>`, the value for kubeadm's `discovery.bootstrapToken.caCertHashes`. */
  readonly discoveryHash: string;
  readonly commonName: string;
  readonly notAfter: Date;
}

/** Where the two inputs came from, for problem reports. */
export interface CaFields {
  readonly certificate: string;
  readonly key: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function pemBlocks(text: string): string[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => m[1]);
}

/**
 * Checks a bring-your-own CA: one PEM certificate that is a CA (basicConstraints CA, keyCertSign),
 * an unencrypted RSA key of at least 2048 bits that matches it, valid now and for 30 more days.
 * Reports every problem it can find; returns the CA's facts when there is none.
 */
export function checkCa(
  certificatePem: string,
  keyPem: string,
  problems: Problems,
  fields: CaFields = { certificate: 'certificateFile', key: 'keyFile' },
  now: Date = new Date(),
): CaFacts | undefined {
  const before = problems.all.length;
  const checked = checkCaCertificate(certificatePem, problems, fields.certificate, now);
  if (checked === undefined) return undefined;
  const { cert, publicKey } = checked;

  if (/ENCRYPTED/.test(keyPem)) {
    problems.add(fields.key, 'encrypted private key', 'must be an unencrypted PEM private key (Kamaji reads it as is)');
  } else {
    let key: forge.pki.rsa.PrivateKey | undefined;
    try {
      key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
    } catch (e) {
      problems.add(fields.key, (e as Error).message, 'must be a PEM RSA private key (PKCS#1 or PKCS#8)');
    }
    if (key) {
      const matches = key.n.equals(publicKey.n) && key.e.equals(publicKey.e);
      problems.check(matches, fields.key, 'a different key pair', `must be the private key of ${fields.certificate}`);
    }
  }
  if (problems.all.length !== before) return undefined;
  return caFacts(certificatePem, cert);
}

/**
 * Checks a CA certificate alone (for a CA whose key is read at apply time from a secret store): one
 * PEM certificate that is a CA, RSA >= 2048 bits, valid now and for 30 more days. Reports every
 * problem it finds; returns the CA's facts when there is none.
 */
export function checkCaCertificateOnly(
  certificatePem: string,
  problems: Problems,
  field = 'certificateFile',
  now: Date = new Date(),
): CaFacts | undefined {
  const before = problems.all.length;
  const checked = checkCaCertificate(certificatePem, problems, field, now);
  if (checked === undefined || problems.all.length !== before) return undefined;
  return caFacts(certificatePem, checked.cert);
}

function caFacts(certificatePem: string, cert: forge.pki.Certificate): CaFacts {
  return {
    certificatePem: canonicalCertificatePem(certificatePem),
    discoveryHash: discoveryHashOf(cert),
    commonName: String(cert.subject.getField('CN')?.value ?? ''),
    notAfter: cert.validity.notAfter,
  };
}

function checkCaCertificate(
  certificatePem: string,
  problems: Problems,
  field: string,
  now: Date,
): { cert: forge.pki.Certificate; publicKey: forge.pki.rsa.PublicKey } | undefined {
  const fields = { certificate: field };
  const blocks = pemBlocks(certificatePem);
  const certCount = blocks.filter((b) => b === 'CERTIFICATE').length;
  if (certCount !== 1 || blocks.length !== 1) {
    problems.add(
      fields.certificate,
      `${certCount} certificate(s), ${blocks.length - certCount} other PEM block(s)`,
      'must hold exactly one PEM certificate and nothing else (Kamaji regenerates a CA Secret it cannot read)',
    );
    return undefined;
  }
  let cert: forge.pki.Certificate;
  try {
    cert = forge.pki.certificateFromPem(certificatePem);
  } catch (e) {
    problems.add(
      fields.certificate,
      (e as Error).message,
      'must be a readable X.509 certificate with an RSA public key (node-forge reads RSA only)',
    );
    return undefined;
  }

  const constraints = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  problems.check(
    constraints?.cA === true,
    fields.certificate,
    `basicConstraints.cA=${constraints?.cA ?? '(absent)'}`,
    'must be a CA certificate (basicConstraints CA:TRUE)',
  );
  const usage = cert.getExtension('keyUsage') as { keyCertSign?: boolean } | null;
  problems.check(
    usage === null || usage.keyCertSign === true,
    fields.certificate,
    'keyUsage without keyCertSign',
    'must allow certificate signing (keyUsage keyCertSign)',
  );
  const publicKey = cert.publicKey as forge.pki.rsa.PublicKey;
  const bits = publicKey.n.bitLength();
  problems.check(
    bits >= MIN_RSA_BITS,
    fields.certificate,
    `RSA ${bits} bits`,
    `must use an RSA key of at least ${MIN_RSA_BITS} bits`,
  );
  const notAfter = cert.validity.notAfter;
  const remainingDays = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  problems.check(
    cert.validity.notBefore.getTime() <= now.getTime(),
    fields.certificate,
    `notBefore ${cert.validity.notBefore.toISOString()}`,
    'must already be valid (notBefore in the past)',
  );
  problems.check(
    remainingDays >= MIN_CA_REMAINING_DAYS,
    fields.certificate,
    `notAfter ${notAfter.toISOString()} (${remainingDays} day(s) left)`,
    `must stay valid for at least ${MIN_CA_REMAINING_DAYS} more days (Kamaji silently replaces a CA close to expiry, and every node would have to be re-trusted)`,
  );
  return { cert, publicKey };
}

/**
 * The certificate's public key as PEM the way Go's `x509.MarshalPKIXPublicKey` + `pem.EncodeToMemory`
 * write it (a `PUBLIC KEY` block, LF, 64 columns, one trailing newline): what the tls provider's
 * `tls_public_key` data source exports as `public_key_pem` (terraform-provider-tls
 * internal/provider/common_key.go, setPublicKeyAttributes). Comparing the two at apply time proves a
 * key read from a secret store belongs to the committed certificate, without the key entering the
 * synthesized configuration.
 */
export function certificatePublicKeyPem(certificatePem: string): string {
  const cert = forge.pki.certificateFromPem(certificatePem);
  return encodePem('PUBLIC KEY', forge.asn1.toDer(forge.pki.publicKeyToAsn1(cert.publicKey)).getBytes());
}

function discoveryHashOf(cert: forge.pki.Certificate): string {
  const spki = forge.asn1.toDer(forge.pki.publicKeyToAsn1(cert.publicKey)).getBytes();
  return `sha256:${forge.md.sha256.create().update(spki).digest().toHex()}`;
}

/** The kubeadm discovery hash of a PEM CA certificate (RSA). */
export function discoveryHash(certificatePem: string): string {
  return discoveryHashOf(forge.pki.certificateFromPem(certificatePem));
}

/**
 * PEM as Go's `pem.Encode` writes it, which is what Kamaji compares `ca.crt` with: LF line endings,
 * base64 in lines of 64 characters, exactly one trailing newline, no headers.
 * @param der the DER bytes as a binary string (node-forge's byte string)
 */
export function encodePem(type: string, der: string): string {
  const base64 = Buffer.from(der, 'binary').toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${type}-----`, ...lines, `-----END ${type}-----`, ''].join('\n');
}

/**
 * The canonical PEM ({@link encodePem}) of the first certificate in `pem`: the same DER bytes (not
 * re-serialized, so the certificate is exactly the one given), without CRLF, stray whitespace,
 * headers or text around the block. Throws when there is no PEM certificate.
 */
export function canonicalCertificatePem(pem: string): string {
  const block = forge.pem.decode(pem).find((b) => b.type === 'CERTIFICATE');
  if (block === undefined) throw new Error('no PEM certificate');
  return encodePem('CERTIFICATE', block.body);
}

const HCL_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** `s` as a Terraform (HCL) quoted string literal: escapes, and `${` / `%{` kept literal. */
export function hclString(s: string): string {
  const escaped = [...s]
    .map((c) => HCL_ESCAPES[c] ?? (c < ' ' || c === '\x7f' ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c))
    .join('');
  return `"${escaped.replace(/([$%])\{/g, '$1$1{')}"`;
}

/**
 * A Terraform JSON-syntax template that reads a PEM file at apply time with CRLF turned into LF:
 * `${replace(file("<file>"), "\r\n", "\n")}`, the escapes written as HCL escapes (backslash + letter).
 * It is built as text because cdktf 0.21 escapes only newlines and `${` in string arguments of `Fn.*`:
 * a "\r" would reach Terraform as a raw carriage return, which HCL rejects ("Invalid multi-line
 * string"), and a backslash or quote in the path would not be escaped at all.
 */
export function lfFileExpression(file: string): string {
  return `\${replace(file(${hclString(file)}), "\\r\\n", "\\n")}`;
}

/** Options of {@link generateCa}. */
export interface GenerateCaOptions {
  readonly commonName?: string;
  readonly days?: number;
  readonly now?: Date;
}

/** A new self-signed RSA 2048 CA, like `kubeadm init phase certs ca`, as PEM. */
export function generateCa(options: GenerateCaOptions = {}): { certificatePem: string; keyPem: string } {
  const now = options.now ?? new Date();
  const days = options.days ?? DEFAULT_CA_DAYS;
  const keys = forge.pki.rsa.generateKeyPair({ bits: MIN_RSA_BITS, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  // A positive 128-bit serial (RFC 5280 allows up to 20 octets; the leading 0x01 keeps it positive).
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(15));
  // Backdated a little so a node whose clock lags does not see a not-yet-valid CA.
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
  const subject = [{ name: 'commonName', value: options.commonName ?? DEFAULT_CA_COMMON_NAME }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  // Not forge's *ToPem: they write CRLF, which Kamaji does not take as the same CA (see top of file).
  const certDer = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
  const keyDer = forge.asn1.toDer(forge.pki.privateKeyToAsn1(keys.privateKey)).getBytes();
  return { certificatePem: encodePem('CERTIFICATE', certDer), keyPem: encodePem('RSA PRIVATE KEY', keyDer) };
}

/** Rules of the `pki init` options, shared by the CLI and its tests. */
export function validateCaOptions(options: GenerateCaOptions, problems: Problems): void {
  const days = options.days ?? DEFAULT_CA_DAYS;
  problems.check(
    Number.isInteger(days) && days > MIN_CA_REMAINING_DAYS && days <= 36500,
    'days',
    options.days,
    `must be a whole number of days above ${MIN_CA_REMAINING_DAYS} and at most 36500`,
  );
  const cn = options.commonName ?? DEFAULT_CA_COMMON_NAME;
  problems.check(
    cn.length > 0 && cn.length <= 64,
    'cn',
    options.commonName,
    'must be 1 to 64 characters (X.509 ub-common-name)',
  );
}

// Where a CA key is read at apply time from an AWS secret store (sources aws-secrets-manager and
// aws-ssm-parameter). Only the key is secret: the certificate is public, committed next to the
// tenants file and embedded at synth, so the CA is checked at synth, its discovery hash is known,
// and replacing it is a reviewed change of cdk.tf.json rather than a silent edit of the secret.

const AWS_PARTITION = 'aws(?:-cn|-us-gov|-iso(?:-[a-z])?)?';
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]+$/;
const SECRET_ARN = new RegExp(`^arn:${AWS_PARTITION}:secretsmanager:([^:]*):(\\d{12}):secret:(.+)$`);
const SSM_ARN = new RegExp(`^arn:${AWS_PARTITION}:ssm:([^:]*):(\\d{12}):parameter/(.+)$`);
const SSM_NAME_CHARS = /^[A-Za-z0-9_.\-/]+$/;
/** Secrets Manager: a name of 1 to 512 characters from `A-Za-z0-9/_+=.@-` (CreateSecret Name). */
export const SECRET_NAME_MAX = 512;
/** Parameter Store: the fully qualified name is at most 1011 characters (PutParameter Name). */
export const SSM_NAME_MAX = 1011;
/** Parameter Store: hierarchies are at most 15 levels deep. */
export const SSM_MAX_LEVELS = 15;

export const SECRET_ID_RULE =
  'must be a Secrets Manager secret name (1 to 512 characters of A-Za-z0-9/_+=.@-) or its ARN ' +
  '"arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>"';
export const SSM_PARAMETER_NAME_RULE =
  'must be a Parameter Store name (A-Za-z0-9_.-, "/" between levels; a hierarchical name starts with "/", ' +
  `at most ${SSM_MAX_LEVELS} levels and ${SSM_NAME_MAX} characters, not prefixed with "aws" or "ssm") or its ARN ` +
  '"arn:aws:ssm:<region>:<12-digit account>:parameter/<name>"';

/** What a valid secret id or parameter name says about where it lives. */
export interface SecretStoreLocation {
  /** The region named by an ARN; undefined for a plain name. */
  readonly arnRegion?: string;
}

/**
 * Checks a Secrets Manager secret id (GetSecretValue `SecretId`: a name or an ARN). Name rules of
 * the AWS provider's validSecretName (internal/service/secretsmanager/validate.go).
 */
export function checkSecretId(value: unknown, problems: Problems, field = 'secretId'): SecretStoreLocation | undefined {
  if (typeof value !== 'string' || value === '') {
    problems.add(field, value, SECRET_ID_RULE);
    return undefined;
  }
  const arn = SECRET_ARN.exec(value);
  if (value.startsWith('arn:') && !arn) {
    problems.add(field, value, SECRET_ID_RULE);
    return undefined;
  }
  const name = arn ? arn[3] : value;
  if (!SECRET_NAME.test(name) || name.length > SECRET_NAME_MAX) {
    problems.add(field, value, SECRET_ID_RULE);
    return undefined;
  }
  if (arn && !isAwsRegion(arn[1])) {
    problems.add(field, value, `names region "${arn[1]}" in its ARN: ${AWS_REGION_RULE}`);
    return undefined;
  }
  return { arnRegion: arn?.[1] };
}

/**
 * Checks a Parameter Store parameter name (GetParameter `Name`: a name or an ARN), by the naming
 * constraints of PutParameter: case-sensitive `a-zA-Z0-9_.-` plus "/" between hierarchy levels, a
 * hierarchical name fully qualified (leading "/"), at most 15 levels, no "aws"/"ssm" prefix.
 */
export function checkSsmParameterName(
  value: unknown,
  problems: Problems,
  field = 'parameterName',
): SecretStoreLocation | undefined {
  if (typeof value !== 'string' || value === '') {
    problems.add(field, value, SSM_PARAMETER_NAME_RULE);
    return undefined;
  }
  const arn = SSM_ARN.exec(value);
  if (value.startsWith('arn:') && !arn) {
    problems.add(field, value, SSM_PARAMETER_NAME_RULE);
    return undefined;
  }
  // In an ARN the name follows "parameter/": "parameter/app/ca" is "/app/ca", "parameter/ca" is "ca".
  const name = arn ? (arn[3].includes('/') ? `/${arn[3]}` : arn[3]) : value;
  const levels = name.replace(/^\//, '').split('/');
  const valid =
    SSM_NAME_CHARS.test(name) &&
    name.length <= SSM_NAME_MAX &&
    (!name.includes('/') || name.startsWith('/')) &&
    levels.every((l) => l !== '') &&
    levels.length <= SSM_MAX_LEVELS &&
    !/^(aws|ssm)/i.test(levels[0]);
  if (!valid) {
    problems.add(field, value, SSM_PARAMETER_NAME_RULE);
    return undefined;
  }
  if (arn && !isAwsRegion(arn[1])) {
    problems.add(field, value, `names region "${arn[1]}" in its ARN: ${AWS_REGION_RULE}`);
    return undefined;
  }
  return { arnRegion: arn?.[1] };
}

/**
 * The region a CA key is read from: `region` when given (a valid region that agrees with an ARN's),
 * else the ARN's region, else undefined (the provider's). Reports a bad or conflicting region.
 */
export function secretStoreRegion(
  region: unknown,
  location: SecretStoreLocation | undefined,
  problems: Problems,
  field = 'region',
): string | undefined {
  if (region === undefined) return location?.arnRegion;
  if (!isAwsRegion(region)) {
    problems.add(field, region, AWS_REGION_RULE);
    return undefined;
  }
  if (location?.arnRegion !== undefined && location.arnRegion !== region) {
    problems.add(
      field,
      region,
      `must match the region of the ARN ("${location.arnRegion}"): the secret store is read in its own region`,
    );
    return undefined;
  }
  return region;
}

/**
 * A Terraform JSON-syntax template of an HCL expression (`data.x.y.secret_string`) with CRLF turned
 * into LF, for a key read at apply time from a secret store (see {@link lfFileExpression} on why it
 * is text).
 */
export function lfReferenceExpression(reference: string): string {
  return `\${replace(${reference}, "\\r\\n", "\\n")}`;
}

/**
 * A precondition that a public key PEM known at apply (`data.tls_public_key.x.public_key_pem`) is
 * the certificate's ({@link certificatePublicKeyPem}); surrounding whitespace is not significant.
 */
export function publicKeyMatchCondition(publicKeyReference: string, certificatePem: string): string {
  return `\${trimspace(${publicKeyReference}) == trimspace(${hclString(certificatePublicKeyPem(certificatePem))})}`;
}
