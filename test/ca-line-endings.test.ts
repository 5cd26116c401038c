/**
 * Kamaji compares the CA it writes into each kubeconfig (PEM re-encoded by Go: LF, 64-column base64,
 * one trailing newline) byte for byte with `ca.crt` of the `<tcp>-ca` Secret; any other bytes (CRLF
 * from node-forge or from a Windows editor) make it regenerate the kubeconfigs on every reconcile
 * and roll the control plane in a loop (DESIGN.md section 4). These tests feed CRLF files in and
 * check what reaches the Secret, at synth (the certificate) and at apply (the key, via Terraform).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TerraformStack } from 'cdktf';
import { CaSource, TenantPki } from '../src/constructs/tenant-pki';
import { Problems } from '../src/model/errors';
import { canonicalCertificatePem, checkCa, encodePem, generateCa, hclString, lfFileExpression } from '../src/model/pki';
import { onlyResource, synthApp, tempDir } from './support/synth';
import { testWithTool } from './support/tools';
import { terraformEval } from './support/terraform';

/** Go's pem.Encode: 64-column base64 lines, LF, exactly one trailing newline. */
const CANONICAL_PEM = /^-----BEGIN ([A-Z ]+)-----\n([A-Za-z0-9+/]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END \1-----\n$/;
/** Built by concatenation: tracked files must not hold a PEM private key marker. */
const PRIVATE_KEY_MARKER = new RegExp(['-----BEGIN [A-Z ]*PRIVATE', 'KEY-----'].join(' '));

// One CA for the whole file (RSA key generation is the slow part); generateCa writes canonical PEM.
const ca = generateCa({ commonName: 'crlf-ca', days: 365 });
const crlf = (text: string) => text.replace(/\n/g, '\r\n');
/** The base64 lines of a PEM block (the material itself). */
const bodyLines = (pem: string) => pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));

describe('canonical PEM (model)', () => {
  test('generateCa writes canonical LF PEM for the certificate and the key', () => {
    expect(ca.certificatePem).toMatch(CANONICAL_PEM);
    expect(ca.keyPem).toMatch(CANONICAL_PEM);
    expect(ca.certificatePem + ca.keyPem).not.toContain('\r');
  });

  test('encodePem wraps at 64 columns with no empty line when the base64 fills the last one', () => {
    const bytes = (n: number) => String.fromCharCode(...Array.from({ length: n }, (_, i) => i % 256));
    const base64 = (n: number) => Buffer.from(bytes(n), 'binary').toString('base64');
    expect(encodePem('X', bytes(48))).toBe(`-----BEGIN X-----\n${base64(48)}\n-----END X-----\n`);
    const two = encodePem('X', bytes(49)).split('\n');
    expect(two.map((l) => l.length)).toEqual([17, 64, 4, 15, 0]);
    expect(two.slice(1, 3).join('')).toBe(base64(49));
  });

  test('canonicalCertificatePem keeps the DER bytes and drops CRLF, text around the block and odd wrapping', () => {
    const der = Buffer.from(bodyLines(ca.certificatePem).join(''), 'base64');
    const wrapped76 = der
      .toString('base64')
      .match(/.{1,76}/g)!
      .join('\r\n');
    const messy = `subject=CN = crlf-ca\r\n\r\n-----BEGIN CERTIFICATE-----\r\n${wrapped76}\r\n-----END CERTIFICATE-----\r\n\r\n\r\n`;
    expect(canonicalCertificatePem(messy)).toBe(ca.certificatePem);
    expect(canonicalCertificatePem(crlf(ca.certificatePem))).toBe(ca.certificatePem);
    expect(canonicalCertificatePem(ca.certificatePem)).toBe(ca.certificatePem);
    expect(() => canonicalCertificatePem(ca.keyPem)).toThrow(/no PEM certificate/);
    expect(() => canonicalCertificatePem('not pem')).toThrow();
  });

  test('checkCa accepts CRLF files and reports the canonical certificate', () => {
    const problems = new Problems('test');
    const facts = checkCa(crlf(ca.certificatePem), crlf(ca.keyPem), problems);
    expect(problems.all).toEqual([]);
    expect(facts?.certificatePem).toBe(ca.certificatePem);
  });

  testWithTool('openssl')('the canonical form is what openssl (like Go) writes for a CRLF certificate', () => {
    const file = path.join(tempDir(), 'ca.crt');
    fs.writeFileSync(file, crlf(ca.certificatePem));
    const run = spawnSync('openssl', ['x509', '-in', file], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(canonicalCertificatePem(fs.readFileSync(file, 'utf8'))).toBe(run.stdout);
  });

  test('hclString escapes what a Terraform quoted string cannot hold as is', () => {
    expect(hclString('../../../pki/ca.key')).toBe('"../../../pki/ca.key"');
    expect(hclString('C:\\pki\\"x".key')).toBe('"C:\\\\pki\\\\\\"x\\".key"');
    expect(hclString('a${b}%{c}$${d}')).toBe('"a$${b}%%{c}$$${d}"');
    expect(hclString('a\r\n\t\u0001')).toBe('"a\\r\\n\\t\\u0001"');
  });

  test('lfFileExpression writes HCL escapes (backslash + letter), never control characters', () => {
    const expression = lfFileExpression('../../../pki/ca.key');
    expect(expression).toBe('${replace(file("../../../pki/ca.key"), "\\r\\n", "\\n")}');
    expect(expression).not.toMatch(/[\r\n]/);
  });
});

describe('TenantPki from CRLF files', () => {
  /**
   * A project folder holding the CA as CRLF files under `pkiDir`, synthesized from there as
   * `cdktf synth` does (relative paths are relative to the directory cdktf runs in).
   */
  function synthFromCrlfFiles(pkiDir: string) {
    const root = tempDir();
    const dir = path.join(root, pkiDir);
    fs.mkdirSync(dir, { recursive: true });
    // CRLF, text before the block and blank lines after it, as an exported or hand-edited file has.
    fs.writeFileSync(path.join(dir, 'ca.crt'), `subject=CN = crlf-ca\r\n${crlf(ca.certificatePem)}\r\n\r\n`);
    fs.writeFileSync(path.join(dir, 'ca.key'), crlf(ca.keyPem), { mode: 0o600 });
    let pki: TenantPki | undefined;
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const out = synthApp(
        (app) => {
          const stack = new TerraformStack(app, 'cp');
          pki = new TenantPki(stack, 'Pki', {
            kubernetesProvider: new KubernetesProvider(stack, 'k8s', {}),
            tenantName: 'demo',
            source: CaSource.FILES,
            certificateFile: `${pkiDir}/ca.crt`,
            keyFile: `${pkiDir}/ca.key`,
          });
        },
        path.join(root, 'cdktf.out'),
      );
      const secret = onlyResource(out.stacks.cp, 'kubernetes_secret_v1');
      return { root, keyFile: path.join(dir, 'ca.key'), text: out.texts.cp, data: secret.data, pki: pki! };
    } finally {
      process.chdir(cwd);
    }
  }

  test('ca.crt and tls.crt are the canonical LF certificate; no key material in cdk.tf.json', () => {
    const { text, data, pki } = synthFromCrlfFiles('pki');
    expect(data['ca.crt']).toBe(ca.certificatePem);
    expect(data['tls.crt']).toBe(ca.certificatePem);
    expect(data['ca.crt']).not.toContain('\r');
    expect(pki.certificatePem).toBe(ca.certificatePem);
    // The exact JSON text: HCL escapes inside a JSON string (\\r is backslash + r once decoded).
    expect(text).toContain('"ca.key": "${replace(file(\\"../../../pki/ca.key\\"), \\"\\\\r\\\\n\\", \\"\\\\n\\")}"');
    expect(data['tls.key']).toBe(data['ca.key']);
    expect(text).not.toMatch(PRIVATE_KEY_MARKER);
    for (const line of bodyLines(ca.keyPem)) expect(text).not.toContain(line);
  });

  testWithTool('terraform').each([
    ['a plain folder', 'pki'],
    ['a folder whose name needs escaping', 'we"ird \\ ${a} %{b} $${c}'],
  ])('Terraform reads the key LF-only through the synthesized expression (%s)', (_name, pkiDir) => {
    const { root, keyFile, data } = synthFromCrlfFiles(pkiDir);
    expect(fs.readFileSync(keyFile, 'utf8')).toContain('\r\n');
    // A sibling of cdktf.out/stacks/cp, so the expression's relative path reaches the same file.
    const dir = path.join(root, 'cdktf.out', 'stacks', 'console');
    fs.mkdirSync(dir, { recursive: true });
    const out = terraformEval('base64encode(local.key)', { key: data['ca.key'] }, dir) as string;
    const key = Buffer.from(out, 'base64').toString('utf8');
    expect(key).not.toContain('\r');
    expect(key).toBe(fs.readFileSync(keyFile, 'utf8').replace(/\r\n/g, '\n'));
    expect(key).toBe(ca.keyPem);
  });
});
