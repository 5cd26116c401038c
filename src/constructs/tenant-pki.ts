import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { SelfSignedCert } from '@cdktf/provider-tls/lib/self-signed-cert';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { DNS1035_LABEL_RULE, DNS1123_LABEL_RULE, isDns1035Label, isDns1123Label } from '../model/names';
import { checkCa, DEFAULT_CA_COMMON_NAME, lfFileExpression } from '../model/pki';
import { DEFAULT_TENANT_NAMESPACE } from '../model/tenant-control-plane';
import { problemsFor } from './problems';
import { providerOrDefault, TLS_PROVIDER } from './providers';

/** Where the tenant CA comes from. */
export enum CaSource {
  /** Created at apply time by the tls provider; the key lives only in Terraform state. */
  GENERATED = 'generated',
  /** Your own CA files (`cdktf-kamaji pki init` makes some); checked at synth, key read at apply. */
  FILES = 'files',
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
   * PEM CA certificate, for `CaSource.FILES`; relative to the directory you run cdktf in.
   * @default - none (required with CaSource.FILES)
   */
  readonly certificateFile?: string;
  /**
   * PEM private key of the CA, for `CaSource.FILES`; relative to the directory you run cdktf in. Read
   * at apply time, never copied into the synthesized configuration.
   * @default - none (required with CaSource.FILES)
   */
  readonly keyFile?: string;
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
   * kubeadm discovery hash (`sha256:<hex>`) when known at synth (files source), else undefined; nodes
   * can always use the certificate itself.
   */
  readonly discoveryHash?: string;
  /** The Secret; depend on it. */
  readonly secret: SecretV1;

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
    if (this.source === CaSource.FILES) {
      for (const field of ['keyAlgorithm', 'validityYears', 'commonName'] as const) {
        problems.check(props[field] === undefined, field, props[field], 'applies to a generated CA only');
      }
      const cert = readInput(problems, 'certificateFile', props.certificateFile);
      const key = readInput(problems, 'keyFile', props.keyFile);
      if (cert !== undefined && key !== undefined) {
        const facts = checkCa(cert, key, problems);
        this.discoveryHash = facts?.discoveryHash;
        // Canonical LF PEM, not the file's bytes: Kamaji compares the CA in each kubeconfig (which it
        // re-encodes with LF) byte for byte with ca.crt, and a CRLF copy makes it roll the control
        // plane on every reconcile (DESIGN.md section 4).
        certificatePem = facts?.certificatePem ?? '';
      }
      // file() reads the key when Terraform applies, so it never enters cdk.tf.json; replace() turns
      // CRLF into LF, like the certificate.
      keyPem = lfFileExpression(applyPath(props.keyFile ?? ''));
    } else {
      for (const field of ['certificateFile', 'keyFile'] as const) {
        problems.check(props[field] === undefined, field, props[field], 'applies to CaSource.FILES only');
      }
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
      },
    });
  }
}

function readInput(
  problems: ReturnType<typeof problemsFor>,
  field: string,
  file: string | undefined,
): string | undefined {
  if (file === undefined || file === '') {
    problems.add(field, file, 'is required with CaSource.FILES: the path of a PEM file');
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

/** The path Terraform must read at apply time (from `cdktf.out/stacks/<stack>`). */
export function applyPath(file: string): string {
  return path.isAbsolute(file) ? file : path.posix.join(STACK_DIR_TO_PROJECT, file.split(path.sep).join('/'));
}
