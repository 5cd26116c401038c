import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataAwsSecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { DataTlsPublicKey } from '@cdktf/provider-tls/lib/data-tls-public-key';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { SelfSignedCert } from '@cdktf/provider-tls/lib/self-signed-cert';
import { ITerraformDependable, TerraformDataSource, TerraformResourceLifecycle } from 'cdktf';
import { Construct } from 'constructs';
import { DNS1035_LABEL_RULE, DNS1123_LABEL_RULE, isDns1035Label, isDns1123Label } from '../model/names';
import {
  checkCa,
  checkCaCertificateOnly,
  checkSecretId,
  checkSsmParameterName,
  DEFAULT_CA_COMMON_NAME,
  lfFileExpression,
  lfReferenceExpression,
  publicKeyMatchCondition,
  secretStoreRegion,
} from '../model/pki';
import { DEFAULT_TENANT_NAMESPACE } from '../model/tenant-control-plane';
import { problemsFor } from './problems';
import { AWS_PROVIDER, providerOrDefault, TLS_PROVIDER } from './providers';

/** Where the tenant CA comes from. */
export enum CaSource {
  /** Created at apply time by the tls provider; the key lives only in Terraform state. */
  GENERATED = 'generated',
  /**
   * Your own CA files (`cdktf-kamaji pki init` makes some); checked at synth, key read at apply with
   * `file()`. For local use: a deploy job must then have the key file on its runner.
   */
  FILES = 'files',
  /**
   * Your own CA: the certificate from `certificateFile` (public, checked and embedded at synth), the
   * private key read at apply from an AWS Secrets Manager secret (`secretId`) whose SecretString is
   * the PEM key. No deploy job needs a key file.
   */
  AWS_SECRETS_MANAGER = 'aws-secrets-manager',
  /**
   * Like AWS_SECRETS_MANAGER, with the key in an SSM Parameter Store SecureString parameter
   * (`parameterName`), read with decryption at apply.
   */
  AWS_SSM_PARAMETER = 'aws-ssm-parameter',
}

/** The sources whose key is read at apply time from an AWS secret store. */
const SECRET_STORE_SOURCES: readonly string[] = [CaSource.AWS_SECRETS_MANAGER, CaSource.AWS_SSM_PARAMETER];

/** Whether a CA source reads its key from an AWS secret store (and so needs an aws provider). */
export function isSecretStoreCaSource(source: CaSource | undefined): boolean {
  return source !== undefined && SECRET_STORE_SOURCES.includes(source);
}

/** Key type of a generated CA. */
export enum CaKeyAlgorithm {
  RSA_2048 = 'RSA_2048',
  ECDSA_P256 = 'ECDSA_P256',
}

/**
 * Terraform runs each stack in `cdktf.out/stacks/<stack>`, three levels below the project root (the
 * same assumption as stacks/state.ts), so a relative key path is rewritten to reach the same file.
 */
export const STACK_DIR_TO_PROJECT = '../../..';

/** The CA knobs; shared by {@link TenantPkiProps} and the control-plane stack. */
export interface TenantPkiOptions {
  /**
   * Where the CA comes from.
   * @default CaSource.GENERATED
   */
  readonly source?: CaSource;
  /**
   * Key type of a generated CA (files must be RSA).
   * @default CaKeyAlgorithm.RSA_2048
   */
  readonly keyAlgorithm?: CaKeyAlgorithm;
  /**
   * Validity of a generated CA, in whole years. Changing it replaces the CA (all nodes and
   * kubeconfigs must then trust the new one).
   * @default 10
   */
  readonly validityYears?: number;
  /**
   * Common name of a generated CA.
   * @default "kubernetes"
   */
  readonly commonName?: string;
  /**
   * PEM CA certificate (public), for `CaSource.FILES` and the secret-store sources; relative to the
   * directory you run cdktf in (the project root). Read and checked at synth; its canonical LF form
   * is what the Secret holds.
   * @default - none (required with CaSource.FILES, AWS_SECRETS_MANAGER and AWS_SSM_PARAMETER)
   */
  readonly certificateFile?: string;
  /**
   * PEM private key of the CA, for `CaSource.FILES`; relative to the project root (an absolute path
   * must lie inside it). Read at apply time, never copied into the synthesized configuration; the
   * path written there is relative to the project root, so moving the checkout changes nothing.
   * @default - none (required with CaSource.FILES)
   */
  readonly keyFile?: string;
  /**
   * Secrets Manager secret (name or ARN) whose SecretString is the CA's PEM private key, for
   * `CaSource.AWS_SECRETS_MANAGER`. Read at apply (`aws_secretsmanager_secret_version`, current version).
   * @default - none (required with CaSource.AWS_SECRETS_MANAGER)
   */
  readonly secretId?: string;
  /**
   * SSM Parameter Store SecureString parameter (name or ARN) whose value is the CA's PEM private key,
   * for `CaSource.AWS_SSM_PARAMETER`. Read at apply with decryption (`aws_ssm_parameter`).
   * @default - none (required with CaSource.AWS_SSM_PARAMETER)
   */
  readonly parameterName?: string;
  /**
   * AWS region of the secret or parameter.
   * @default - the region of the ARN, else the aws provider's region
   */
  readonly region?: string;
}

export interface TenantPkiProps extends TenantPkiOptions {
  /** The kubernetes provider of the management cluster. */
  readonly kubernetesProvider: KubernetesProvider;
  /** The TenantControlPlane this CA belongs to (the Secret is `<tenantName>-ca`). */
  readonly tenantName: string;
  /**
   * Namespace of the TenantControlPlane.
   * @default "default"
   */
  readonly namespace?: string;
  /**
   * The tls provider for a generated CA.
   * @default - the stack's default tls provider (synth fails, naming this prop, when there is none)
   */
  readonly tlsProvider?: TlsProvider;
  /**
   * The aws provider that reads the key of a secret-store CA.
   * @default - the stack's default aws provider (synth fails, naming this prop, when there is none)
   */
  readonly awsProvider?: AwsProvider;
  /**
   * Things the Secret must wait for (the namespace, typically).
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * The tenant's CA as the Secret `<tcp>-ca` (keys `ca.crt`, `ca.key`, `tls.crt`, `tls.key`), created
 * before the TenantControlPlane so Kamaji adopts it instead of generating its own.
 */
export class TenantPki extends Construct {
  /** `<tenant>-ca`. */
  readonly secretName: string;
  readonly namespace: string;
  readonly source: CaSource;
  /**
   * The CA certificate (PEM); a token resolved at apply time for a generated CA. From files, the
   * canonical LF form of the certificate (what the Secret holds), whatever the file's line endings.
   */
  readonly certificatePem: string;
  /**
   * kubeadm discovery hash (`sha256:<hex>`) when known at synth (files and secret-store sources), else
   * undefined; nodes can always use the certificate itself.
   */
  readonly discoveryHash?: string;
  /** The Secret; depend on it. */
  readonly secret: SecretV1;
  /**
   * The data source that reads the key of a secret-store CA at apply time (an
   * `aws_secretsmanager_secret_version` or `aws_ssm_parameter`); undefined for the other sources.
   */
  readonly keySource?: TerraformDataSource;

  constructor(scope: Construct, id: string, props: TenantPkiProps) {
    super(scope, id);
    const problems = problemsFor(this);
    this.source = props.source ?? CaSource.GENERATED;
    this.namespace = props.namespace ?? DEFAULT_TENANT_NAMESPACE;
    this.secretName = `${props.tenantName}-ca`;
    problems.check(isDns1035Label(props.tenantName), 'tenantName', props.tenantName, DNS1035_LABEL_RULE);
    problems.check(isDns1123Label(this.namespace), 'namespace', this.namespace, DNS1123_LABEL_RULE);
    const sources = Object.values(CaSource) as string[];
    problems.check(sources.includes(this.source), 'source', this.source, `must be one of ${sources.join(', ')}`);

    let certificatePem = '';
    let keyPem = '';
    const secretStore = isSecretStoreCaSource(this.source);
    const preconditions: NonNullable<TerraformResourceLifecycle['precondition']> = [];
    const onlyFor = (fields: readonly (keyof TenantPkiOptions)[], rule: string) => {
      for (const field of fields) problems.check(props[field] === undefined, field, props[field], rule);
    };
    if (this.source !== CaSource.GENERATED) {
      onlyFor(['keyAlgorithm', 'validityYears', 'commonName'], 'applies to a generated CA only');
    }
    if (this.source === CaSource.FILES) {
      onlyFor(['secretId', 'parameterName', 'region'], 'applies to the secret-store sources only');
      const cert = readInput(problems, 'certificateFile', props.certificateFile, this.source);
      const key = readInput(problems, 'keyFile', props.keyFile, this.source);
      if (cert !== undefined && key !== undefined) {
        const facts = checkCa(cert, key, problems);
        this.discoveryHash = facts?.discoveryHash;
        // Canonical LF PEM, not the file's bytes: Kamaji compares the CA in each kubeconfig (which it
        // re-encodes with LF) byte for byte with ca.crt, and a CRLF copy makes it roll the control
        // plane on every reconcile (DESIGN.md section 4).
        certificatePem = facts?.certificatePem ?? '';
      }
      // file() reads the key when Terraform applies, so it never enters cdk.tf.json; replace() turns
      // CRLF into LF, like the certificate. The path is relative to the project root, whatever the
      // checkout's location.
      const keyPath = props.keyFile ? projectPath(problems, 'keyFile', props.keyFile) : undefined;
      keyPem = lfFileExpression(applyPath(keyPath ?? ''));
    } else if (secretStore) {
      onlyFor(['keyFile'], 'applies to CaSource.FILES only: a secret-store CA reads its key from AWS');
      const secretsManager = this.source === CaSource.AWS_SECRETS_MANAGER;
      onlyFor(
        [secretsManager ? 'parameterName' : 'secretId'],
        `applies to ${secretsManager ? 'CaSource.AWS_SSM_PARAMETER' : 'CaSource.AWS_SECRETS_MANAGER'} only`,
      );
      const location = secretsManager
        ? checkSecretId(props.secretId, problems)
        : checkSsmParameterName(props.parameterName, problems);
      const region = secretStoreRegion(props.region, location, problems);
      const cert = readInput(problems, 'certificateFile', props.certificateFile, this.source);
      const facts = cert === undefined ? undefined : checkCaCertificateOnly(cert, problems);
      this.discoveryHash = facts?.discoveryHash;
      certificatePem = facts?.certificatePem ?? '';
      problems.throwIfAny();
      const aws = providerOrDefault(this, props.awsProvider, AWS_PROVIDER);
      // Read at apply; the values are sensitive in the AWS provider's schemas (secret_string of
      // aws_secretsmanager_secret_version, value of aws_ssm_parameter: Sensitive: true in
      // internal/service/secretsmanager/secret_version_data_source.go and
      // internal/service/ssm/parameter_data_source.go), so plans redact them. `region` is the
      // per-resource region of AWS provider v6 ("Region where this resource will be managed. Defaults to
      // the Region set in the provider configuration": registry docs of aws 6.25.0, the version
      // @cdktf/provider-aws 21.22.1 binds).
      let keyReference: string;
      if (secretsManager) {
        const secret = new DataAwsSecretsmanagerSecretVersion(this, 'KeySecret', {
          provider: aws,
          secretId: props.secretId!,
          region,
        });
        this.keySource = secret;
        keyReference = `${secret.fqn}.secret_string`;
      } else {
        const parameter = new DataAwsSsmParameter(this, 'KeyParameter', {
          provider: aws,
          name: props.parameterName!,
          withDecryption: true,
          region,
        });
        this.keySource = parameter;
        keyReference = `${parameter.fqn}.value`;
      }
      keyPem = lfReferenceExpression(keyReference);
      // The key must belong to the committed certificate: a key rotated in the store without a
      // reviewed certificate change fails the plan instead of installing a CA Kamaji cannot use.
      const publicKey = new DataTlsPublicKey(this, 'KeyCheck', {
        provider: providerOrDefault(this, props.tlsProvider, TLS_PROVIDER),
        privateKeyPem: keyPem,
      });
      preconditions.push({
        condition: publicKeyMatchCondition(`${publicKey.fqn}.public_key_pem`, certificatePem),
        errorMessage:
          `The CA key in ${secretsManager ? `secret ${props.secretId}` : `parameter ${props.parameterName}`} ` +
          `is not the private key of ${props.certificateFile}: store the key of that certificate, or commit the certificate of the stored key.`,
      });
    } else {
      onlyFor(
        ['certificateFile', 'keyFile', 'secretId', 'parameterName', 'region'],
        'applies to a bring-your-own CA only (CaSource.FILES, AWS_SECRETS_MANAGER, AWS_SSM_PARAMETER)',
      );
      const years = props.validityYears ?? 10;
      problems.check(
        Number.isInteger(years) && years >= 1 && years <= 100,
        'validityYears',
        props.validityYears,
        'must be a whole number of years from 1 to 100',
      );
      const algorithms = Object.values(CaKeyAlgorithm) as string[];
      const algorithm = props.keyAlgorithm ?? CaKeyAlgorithm.RSA_2048;
      problems.check(
        algorithms.includes(algorithm),
        'keyAlgorithm',
        props.keyAlgorithm,
        `must be one of ${algorithms.join(', ')}`,
      );
      problems.throwIfAny();
      const tls = providerOrDefault(this, props.tlsProvider, TLS_PROVIDER);
      const key = new PrivateKey(this, 'Key', {
        provider: tls,
        ...(algorithm === CaKeyAlgorithm.ECDSA_P256
          ? { algorithm: 'ECDSA', ecdsaCurve: 'P256' }
          : { algorithm: 'RSA', rsaBits: 2048 }),
      });
      const cert = new SelfSignedCert(this, 'Certificate', {
        provider: tls,
        privateKeyPem: key.privateKeyPem,
        isCaCertificate: true,
        subject: [{ commonName: props.commonName ?? DEFAULT_CA_COMMON_NAME }],
        validityPeriodHours: years * 365 * 24,
        allowedUses: ['cert_signing', 'crl_signing', 'digital_signature', 'key_encipherment'],
        setSubjectKeyId: true,
      });
      certificatePem = cert.certPem;
      keyPem = key.privateKeyPem;
    }
    problems.throwIfAny();
    this.certificatePem = certificatePem;

    this.secret = new SecretV1(this, 'Secret', {
      provider: props.kubernetesProvider,
      metadata: { name: this.secretName, namespace: this.namespace },
      // Kamaji needs both pairs with the same bytes; with only ca.* it adds tls.* and Terraform drifts.
      data: { 'ca.crt': certificatePem, 'ca.key': keyPem, 'tls.crt': certificatePem, 'tls.key': keyPem },
      dependsOn: props.dependsOn,
      lifecycle: {
        // Kamaji adopts the Secret (ownerReference, its own labels/annotations); those are not drift.
        ignoreChanges: ['metadata[0].annotations', 'metadata[0].labels'],
        ...(preconditions.length > 0 ? { precondition: preconditions } : {}),
      },
    });
  }
}

function readInput(
  problems: ReturnType<typeof problemsFor>,
  field: string,
  file: string | undefined,
  source: CaSource,
): string | undefined {
  if (file === undefined || file === '') {
    const name = Object.entries(CaSource).find(([, v]) => v === source)?.[0] ?? source;
    problems.add(field, file, `is required with CaSource.${name}: the path of a PEM file`);
    return undefined;
  }
  try {
    return fs.readFileSync(path.resolve(file), 'utf8');
  } catch (e) {
    problems.add(
      field,
      file,
      `must be a readable file, relative to the directory cdktf runs in (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
    return undefined;
  }
}

/**
 * `file` relative to the project root (the directory cdktf runs in), with "/" separators: what the
 * synthesized configuration may hold, so that it does not depend on where the checkout is. An
 * absolute path inside the project becomes relative; one outside it is a problem (undefined).
 */
export function projectPath(problems: ReturnType<typeof problemsFor>, field: string, file: string): string | undefined {
  const relative = path.isAbsolute(file) ? path.relative(process.cwd(), file) : path.normalize(file);
  if (
    path.isAbsolute(file) &&
    (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative))
  ) {
    problems.add(
      field,
      file,
      'must lie inside the project root (the directory cdktf runs in) when absolute: the synthesized configuration holds paths relative to it, so that it does not depend on where the checkout is',
    );
    return undefined;
  }
  return relative.split(path.sep).join('/');
}

/** The path Terraform must read at apply time (from `cdktf.out/stacks/<stack>`), for a project-relative path. */
export function applyPath(file: string): string {
  return path.posix.join(STACK_DIR_TO_PROJECT, file);
}
