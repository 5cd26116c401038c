import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as forge from 'node-forge';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import { main } from '../src/cli';
import { applyPath, CaKeyAlgorithm, CaSource, TenantPki, TenantPkiOptions } from '../src/constructs/tenant-pki';
import { Problems, ValidationError } from '../src/model/errors';
import { canonicalCertificatePem, checkCa, discoveryHash, generateCa } from '../src/model/pki';
import { tempDir } from './support/synth';
import { testWithTool } from './support/tools';
import { validationErrorOf } from './support/errors';

const DAY = 24 * 60 * 60 * 1000;

/** A certificate made by hand, for the bad cases `pki init` would never produce. */
function makeCert(o: { ca?: boolean; bits?: number; notBefore?: Date; notAfter?: Date; keyCertSign?: boolean }) {
  const keys = forge.pki.rsa.generateKeyPair({ bits: o.bits ?? 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = o.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = o.notAfter ?? new Date(Date.now() + 365 * DAY);
  const subject = [{ name: 'commonName', value: 'test' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: o.ca ?? true },
    { name: 'keyUsage', keyCertSign: o.keyCertSign ?? true, digitalSignature: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

function check(certificatePem: string, keyPem: string) {
  const problems = new Problems('test');
  const facts = checkCa(certificatePem, keyPem, problems);
  return { facts, problems: problems.all };
}

// One good CA for the whole file: RSA key generation is the slow part.
const good = generateCa({ commonName: 'tenant-ca', days: 365 });

describe('CA checks (model)', () => {
  test('a CA made by generateCa passes and yields a sha256 discovery hash', () => {
    const { facts, problems } = check(good.certificatePem, good.keyPem);
    expect(problems).toEqual([]);
    expect(facts?.commonName).toBe('tenant-ca');
    expect(facts?.discoveryHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(facts?.discoveryHash).toBe(discoveryHash(good.certificatePem));
    const cert = forge.pki.certificateFromPem(good.certificatePem);
    expect((cert.getExtension('basicConstraints') as { cA: boolean }).cA).toBe(true);
    expect(cert.verify(cert)).toBe(true);
  });

  test('rejects a certificate that is not a CA', () => {
    const bad = makeCert({ ca: false });
    const { facts, problems } = check(bad.certificatePem, bad.keyPem);
    expect(facts).toBeUndefined();
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'certificateFile',
        value: 'basicConstraints.cA=false',
        rule: expect.stringMatching(/CA certificate/),
      }),
    ]);
  });

  test('rejects a CA without keyCertSign', () => {
    const bad = makeCert({ keyCertSign: false });
    const { problems } = check(bad.certificatePem, bad.keyPem);
    expect(problems).toEqual([
      expect.objectContaining({ field: 'certificateFile', rule: expect.stringMatching(/keyCertSign/) }),
    ]);
  });

  test('rejects a key that does not match the certificate', () => {
    const other = makeCert({});
    const { problems } = check(good.certificatePem, other.keyPem);
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'keyFile',
        value: 'a different key pair',
        rule: 'must be the private key of certificateFile',
      }),
    ]);
  });

  test.each([
    ['expired', { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) }],
    ['expiring within 30 days', { notAfter: new Date(Date.now() + 10 * DAY) }],
  ])('rejects a CA that is %s', (_name, validity) => {
    const bad = makeCert(validity);
    const { problems } = check(bad.certificatePem, bad.keyPem);
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'certificateFile',
        value: expect.stringMatching(/^notAfter .* day\(s\) left\)$/),
        rule: expect.stringMatching(/at least 30 more days/),
      }),
    ]);
  });

  test('rejects a CA that is not valid yet', () => {
    const bad = makeCert({ notBefore: new Date(Date.now() + 2 * DAY) });
    const { problems } = check(bad.certificatePem, bad.keyPem);
    expect(problems.map((p) => p.rule)).toEqual([expect.stringMatching(/already be valid/)]);
  });

  test('rejects a weak (1024-bit) key', () => {
    const bad = makeCert({ bits: 1024 });
    const { problems } = check(bad.certificatePem, bad.keyPem);
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'certificateFile',
        value: 'RSA 1024 bits',
        rule: expect.stringMatching(/at least 2048 bits/),
      }),
    ]);
  });

  test('rejects a bundle, garbage and an encrypted key, all at once', () => {
    const problems = new Problems('test');
    checkCa(good.certificatePem + good.certificatePem, good.keyPem, problems);
    checkCa('not a pem', good.keyPem, problems);
    const encrypted = forge.pki.encryptRsaPrivateKey(forge.pki.privateKeyFromPem(good.keyPem), 'pw');
    checkCa(good.certificatePem, encrypted, problems);
    expect(problems.all.map((p) => [p.field, p.value])).toEqual([
      ['certificateFile', '2 certificate(s), 0 other PEM block(s)'],
      ['certificateFile', '0 certificate(s), 0 other PEM block(s)'],
      ['keyFile', 'encrypted private key'],
    ]);
  });

  testWithTool('openssl')(
    'the discovery hash equals openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256',
    () => {
      const dir = tempDir();
      const cert = path.join(dir, 'ca.crt');
      fs.writeFileSync(cert, good.certificatePem);
      const run = spawnSync(
        'sh',
        [
          '-c',
          'openssl x509 -pubkey -noout -in "$1" | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex',
          'sh',
          cert,
        ],
        { encoding: 'utf8' },
      );
      expect(run.status).toBe(0);
      const hex = /([0-9a-f]{64})\s*$/.exec(run.stdout)?.[1];
      expect(hex).toBeDefined();
      expect(discoveryHash(good.certificatePem)).toBe(`sha256:${hex}`);
    },
  );
});

describe('cdktf-kamaji pki init', () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    return { out, err, restore: () => (o.mockRestore(), e.mockRestore()) };
  }

  test('writes ca.crt and a 0600 ca.key that pass the CA checks', async () => {
    const dir = path.join(tempDir(), 'pki');
    const io = capture();
    const code = await main(['pki', 'init', '--out', dir, '--cn', 'acme', '--days', '400']);
    io.restore();
    expect(code).toBe(0);
    const key = path.join(dir, 'ca.key');
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
    const cert = fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8');
    const keyPem = fs.readFileSync(key, 'utf8');
    // LF only, and the certificate exactly as Go's pem.Encode writes it (Kamaji compares the bytes).
    expect(cert).not.toContain('\r');
    expect(keyPem).not.toContain('\r');
    expect(cert).toBe(canonicalCertificatePem(cert));
    expect(keyPem).toMatch(
      /^-----BEGIN [A-Z ]+-----\n([A-Za-z0-9+/]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END [A-Z ]+-----\n$/,
    );
    const { facts, problems } = check(cert, keyPem);
    expect(problems).toEqual([]);
    expect(facts?.commonName).toBe('acme');
    const days = (facts!.notAfter.getTime() - Date.now()) / DAY;
    expect(Math.round(days)).toBe(400);
    expect(io.out.join('')).toContain(`discovery hash: ${facts!.discoveryHash}`);
  });

  test('never overwrites an existing CA, and rejects bad options with the rule', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'ca.key'), 'precious');
    const io = capture();
    const code = await main(['pki', 'init', '--out', dir, '--days', '7']);
    const noOut = await main(['pki', 'init']);
    const badSub = await main(['pki', 'rotate']);
    io.restore();
    expect(code).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'ca.key'), 'utf8')).toBe('precious');
    expect(fs.existsSync(path.join(dir, 'ca.crt'))).toBe(false);
    const err = io.err.join('');
    expect(err).toContain('pki init: days: 7: must be a whole number of days above 30');
    expect(err).toMatch(/--out: ".*ca\.key": must not hold ca\.crt or ca\.key already/);
    expect(noOut).toBe(2);
    expect(err).toContain('--out is required');
    expect(badSub).toBe(2);
    expect(err).toContain('unknown subcommand "rotate"');
  });
});

describe('TenantPki', () => {
  function synthPki(options: TenantPkiOptions = {}) {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'cp');
    const kubernetesProvider = new KubernetesProvider(stack, 'k8s', {});
    const tlsProvider = new TlsProvider(stack, 'tls');
    const pki = new TenantPki(stack, 'Pki', {
      ...options,
      kubernetesProvider,
      tlsProvider,
      tenantName: 'demo',
      namespace: 'tenants',
    });
    const text = Testing.synth(stack);
    return { pki, text, json: JSON.parse(text) };
  }

  function errorOf(options: TenantPkiOptions): ValidationError {
    return validationErrorOf(() => synthPki(options));
  }

  test('generated (default): RSA 2048 CA at apply time, a Secret with the four keys, no key material', () => {
    const { json, text, pki } = synthPki();
    expect(Object.values(json.resource.tls_private_key)).toEqual([
      expect.objectContaining({ algorithm: 'RSA', rsa_bits: 2048 }),
    ]);
    const cert = Object.values(json.resource.tls_self_signed_cert)[0] as any;
    expect(cert).toMatchObject({
      is_ca_certificate: true,
      validity_period_hours: 87600,
      subject: [{ common_name: 'kubernetes' }],
    });
    expect(cert.allowed_uses).toContain('cert_signing');
    const secret = Object.values(json.resource.kubernetes_secret_v1)[0] as any;
    expect(secret.metadata).toEqual({ name: 'demo-ca', namespace: 'tenants' });
    expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    expect(secret.data['ca.key']).toMatch(/^\$\{tls_private_key\.\w+\.private_key_pem\}$/);
    expect(secret.data['tls.key']).toBe(secret.data['ca.key']);
    expect(secret.data['tls.crt']).toBe(secret.data['ca.crt']);
    expect(text).not.toMatch(/PRIVATE KEY/);
    expect(pki.discoveryHash).toBeUndefined();
    expect(pki.secretName).toBe('demo-ca');
  });

  test('generated ECDSA P-256 with a custom validity', () => {
    const { json } = synthPki({ keyAlgorithm: CaKeyAlgorithm.ECDSA_P256, validityYears: 2 });
    expect(Object.values(json.resource.tls_private_key)).toEqual([
      expect.objectContaining({ algorithm: 'ECDSA', ecdsa_curve: 'P256' }),
    ]);
    expect((Object.values(json.resource.tls_self_signed_cert)[0] as any).validity_period_hours).toBe(2 * 365 * 24);
  });

  describe('files', () => {
    const dir = path.join(tempDir(), 'ca');
    const rel = path.relative(process.cwd(), dir);
    beforeAll(() => {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'ca.crt'), good.certificatePem);
      fs.writeFileSync(path.join(dir, 'ca.key'), good.keyPem, { mode: 0o600 });
    });

    test('a good CA: certificate embedded, key read at apply with file(), hash known at synth', () => {
      const { json, text, pki } = synthPki({
        source: CaSource.FILES,
        certificateFile: path.join(rel, 'ca.crt'),
        keyFile: path.join(rel, 'ca.key'),
      });
      const secret = Object.values(json.resource.kubernetes_secret_v1)[0] as any;
      expect(secret.data['ca.crt']).toBe(good.certificatePem);
      // HCL escapes (backslash + letter) in the expression, not control characters.
      expect(secret.data['ca.key']).toBe(
        `\${replace(file("${applyPath(path.join(rel, 'ca.key'))}"), "\\r\\n", "\\n")}`,
      );
      expect(applyPath('pki/ca.key')).toBe('../../../pki/ca.key');
      expect(text).not.toMatch(/PRIVATE KEY/);
      expect(text).not.toContain(good.keyPem.split('\n')[1]);
      expect(json.resource.tls_private_key).toBeUndefined();
      expect(pki.discoveryHash).toBe(discoveryHash(good.certificatePem));
      expect(pki.certificatePem).toBe(good.certificatePem);
    });

    test('missing files are reported with path, field, value and rule', () => {
      const error = errorOf({ source: CaSource.FILES, certificateFile: 'nope/ca.crt' });
      expect(error.problems).toEqual([
        {
          where: 'cp/Pki',
          field: 'certificateFile',
          value: 'nope/ca.crt',
          rule: expect.stringMatching(/readable file.*ENOENT/),
        },
        {
          where: 'cp/Pki',
          field: 'keyFile',
          value: undefined,
          rule: expect.stringMatching(/required with CaSource.FILES/),
        },
      ]);
      expect(error.message).toContain('cp/Pki: certificateFile: "nope/ca.crt": must be a readable file');
    });

    test('a bad CA file fails synth with the CA rule', () => {
      const bad = makeCert({ ca: false });
      fs.writeFileSync(path.join(dir, 'leaf.crt'), bad.certificatePem);
      fs.writeFileSync(path.join(dir, 'leaf.key'), bad.keyPem);
      const error = errorOf({
        source: CaSource.FILES,
        certificateFile: path.join(rel, 'leaf.crt'),
        keyFile: path.join(rel, 'leaf.key'),
      });
      expect(error.problems).toEqual([
        expect.objectContaining({
          where: 'cp/Pki',
          field: 'certificateFile',
          rule: expect.stringMatching(/CA certificate/),
        }),
      ]);
    });
  });

  test('mixing the sources options is reported, all at once', () => {
    const error = errorOf({ certificateFile: 'ca.crt', validityYears: 0, keyAlgorithm: 'DSA' as CaKeyAlgorithm });
    expect(error.problems.map((p) => [p.field, p.value])).toEqual([
      ['certificateFile', 'ca.crt'],
      ['validityYears', 0],
      ['keyAlgorithm', 'DSA'],
    ]);
  });
});
