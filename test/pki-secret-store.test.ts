/**
 * A tenant CA whose key lives in an AWS secret store (issue 14): the certificate is committed and
 * checked at synth, the key is read at apply by a data source, and a precondition proves the key
 * belongs to the certificate. No deploy path needs a key file, and the key never enters cdk.tf.json.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { App, Testing, TerraformStack } from 'cdktf';
import { TenantControlPlaneStackProps } from '../stacks/control-plane-stack';
import { CaSource, TenantPki, TenantPkiOptions } from '../src/constructs/tenant-pki';
import { Problems } from '../src/model/errors';
import {
  certificatePublicKeyPem,
  checkSecretId,
  checkSsmParameterName,
  discoveryHash,
  generateCa,
  secretStoreRegion,
} from '../src/model/pki';
import { loadTenantsFile } from '../src/model/tenants-file';
import { validationErrorOf } from './support/errors';
import { synthEditedFleet } from './support/fleet';
import { synthControlPlaneStack } from './support/control-plane';
import { tempDir } from './support/synth';
import { terraformEval, unwrap, withLocal } from './support/terraform';
import { testWithTool } from './support/tools';

// RSA key generation is the slow part: one CA (and one stranger) for the whole file.
const ca = generateCa({ commonName: 'store-ca', days: 400 });
const stranger = generateCa({ commonName: 'other', days: 400 });
const dir = tempDir('pki-store-');
const certFile = path.relative(process.cwd(), path.join(dir, 'ca.crt'));
fs.writeFileSync(path.join(dir, 'ca.crt'), ca.certificatePem.replace(/\n/g, '\r\n'));

function problemsOf(run: (p: Problems) => unknown): { result: unknown; problems: [string, unknown, string][] } {
  const problems = new Problems('test');
  const result = run(problems);
  return { result, problems: problems.all.map((p) => [p.field, p.value, p.rule]) };
}

describe('secret-store locations (model)', () => {
  test.each([
    ['kamaji/bravo/ca-key', undefined],
    ['a+b=c.d@e_f-g', undefined],
    ['x'.repeat(512), undefined],
    ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:kamaji/bravo-AbCdEf', 'eu-west-1'],
    ['arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:ca', 'us-gov-west-1'],
    ['arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:ca', 'cn-north-1'],
  ])('secret id %s is valid (ARN region %s)', (id, region) => {
    const { result, problems } = problemsOf((p) => checkSecretId(id, p));
    expect(problems).toEqual([]);
    expect(result).toEqual({ arnRegion: region });
  });

  test.each([
    ['', /secret name/],
    ['has space', /secret name/],
    ['semi;colon', /secret name/],
    ['x'.repeat(513), /1 to 512 characters/],
    ['arn:aws:secretsmanager:eu-west-1:123:secret:ca', /ARN/],
    ['arn:aws:ssm:eu-west-1:123456789012:parameter/ca', /ARN/],
    ['arn:aws:secretsmanager:mars-1:123456789012:secret:ca', /region "mars-1" in its ARN: must be an AWS region/],
  ])('secret id %j is refused', (id, rule) => {
    const { result, problems } = problemsOf((p) => checkSecretId(id, p));
    expect(result).toBeUndefined();
    expect(problems).toEqual([['secretId', id, expect.stringMatching(rule)]]);
  });

  test.each([
    ['ca-key', undefined],
    ['/kamaji/bravo/ca.key', undefined],
    [`/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`, undefined],
    ['arn:aws:ssm:eu-central-1:123456789012:parameter/kamaji/bravo/ca', 'eu-central-1'],
    ['arn:aws:ssm:eu-central-1:123456789012:parameter/ca', 'eu-central-1'],
  ])('parameter name %s is valid (ARN region %s)', (name, region) => {
    const { result, problems } = problemsOf((p) => checkSsmParameterName(name, p));
    expect(problems).toEqual([]);
    expect(result).toEqual({ arnRegion: region });
  });

  test.each([
    ['kamaji/bravo/ca', 'a hierarchy without the leading "/"'],
    ['/kamaji//ca', 'an empty level'],
    ['/kamaji/ca/', 'a trailing "/"'],
    ['/aws/ca', 'the reserved "aws" prefix'],
    ['SSM-ca', 'the reserved "ssm" prefix (any case)'],
    ['ca key', 'a space'],
    ['ca:key', 'a colon'],
    [`/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`, '16 levels'],
    [`/${'x'.repeat(1011)}`, '1012 characters'],
    ['arn:aws:ssm:eu-west-1:123456789012:parameter/aws/x', 'a reserved prefix inside an ARN'],
    ['arn:aws:ssm:eu-west-1:123456789012:secret:ca', 'an ARN of another resource type'],
  ])('parameter name %j is refused (%s)', (name) => {
    const { result, problems } = problemsOf((p) => checkSsmParameterName(name, p));
    expect(result).toBeUndefined();
    expect(problems).toEqual([['parameterName', name, expect.stringMatching(/Parameter Store name/)]]);
  });

  test('the region: given, else the ARN region; a bad or conflicting one is a problem', () => {
    const arn = { arnRegion: 'eu-west-1' };
    expect(problemsOf((p) => secretStoreRegion(undefined, arn, p))).toEqual({ result: 'eu-west-1', problems: [] });
    expect(problemsOf((p) => secretStoreRegion(undefined, {}, p))).toEqual({ result: undefined, problems: [] });
    expect(problemsOf((p) => secretStoreRegion('us-east-1', {}, p))).toEqual({ result: 'us-east-1', problems: [] });
    expect(problemsOf((p) => secretStoreRegion('eu-west-1', arn, p))).toEqual({ result: 'eu-west-1', problems: [] });
    expect(problemsOf((p) => secretStoreRegion('us-east-1', arn, p))).toEqual({
      result: undefined,
      problems: [['region', 'us-east-1', expect.stringMatching(/must match the region of the ARN \("eu-west-1"\)/)]],
    });
    expect(problemsOf((p) => secretStoreRegion('Europe', undefined, p)).problems).toEqual([
      ['region', 'Europe', 'must be an AWS region such as "eu-west-1"'],
    ]);
  });

  test("the certificate's public key PEM is Go's PKIX form (what tls_public_key exports)", () => {
    // node:crypto writes SPKI PEM like Go's pem.EncodeToMemory: LF, 64 columns, a trailing newline.
    const expected = crypto.createPublicKey(ca.keyPem).export({ type: 'spki', format: 'pem' }) as string;
    expect(certificatePublicKeyPem(ca.certificatePem)).toBe(expected);
    expect(certificatePublicKeyPem(ca.certificatePem.replace(/\n/g, '\r\n'))).toBe(expected);
    expect(certificatePublicKeyPem(stranger.certificatePem)).not.toBe(expected);
  });
});

function synthPki(options: TenantPkiOptions) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'cp');
  const kubernetesProvider = new KubernetesProvider(stack, 'k8s', {});
  const tlsProvider = new TlsProvider(stack, 'tls');
  const awsProvider = new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  const pki = new TenantPki(stack, 'Pki', {
    ...options,
    kubernetesProvider,
    tlsProvider,
    awsProvider,
    tenantName: 'demo',
    namespace: 'tenants',
  });
  const text = Testing.synth(stack);
  return { pki, text, json: JSON.parse(text) };
}

const SECRETS_MANAGER: TenantPkiOptions = {
  source: CaSource.AWS_SECRETS_MANAGER,
  certificateFile: certFile,
  secretId: 'kamaji/demo/ca-key',
};
const SSM: TenantPkiOptions = {
  source: CaSource.AWS_SSM_PARAMETER,
  certificateFile: certFile,
  parameterName: '/kamaji/demo/ca-key',
  region: 'eu-central-1',
};

describe('TenantPki with the key in a secret store', () => {
  test('Secrets Manager: certificate embedded (LF), key read at apply, hash known at synth', () => {
    const { json, text, pki } = synthPki(SECRETS_MANAGER);
    const [[id, secret]] = Object.entries(json.data.aws_secretsmanager_secret_version) as [string, any][];
    expect(secret).toMatchObject({ secret_id: 'kamaji/demo/ca-key', provider: 'aws' });
    expect(secret.region).toBeUndefined();
    const caSecret = Object.values(json.resource.kubernetes_secret_v1)[0] as any;
    // The committed file has CRLF; the Secret holds the canonical LF PEM Kamaji compares with.
    expect(caSecret.data['ca.crt']).toBe(ca.certificatePem);
    expect(caSecret.data['tls.crt']).toBe(ca.certificatePem);
    expect(caSecret.data['ca.key']).toBe(
      `\${replace(data.aws_secretsmanager_secret_version.${id}.secret_string, "\\r\\n", "\\n")}`,
    );
    expect(caSecret.data['tls.key']).toBe(caSecret.data['ca.key']);
    expect(pki.discoveryHash).toBe(discoveryHash(ca.certificatePem));
    expect(pki.certificatePem).toBe(ca.certificatePem);
    expect(pki.keySource?.terraformResourceType).toBe('aws_secretsmanager_secret_version');
    expect(text).not.toMatch(/PRIVATE KEY/);
    expect(text).not.toContain(ca.keyPem.split('\n')[1]);
    expect(json.resource.tls_private_key).toBeUndefined();
    expect(json.resource.tls_self_signed_cert).toBeUndefined();
  });

  test('the Secret waits for a precondition: the stored key belongs to the committed certificate', () => {
    const { json } = synthPki(SECRETS_MANAGER);
    const [[checkId, check]] = Object.entries(json.data.tls_public_key) as [string, any][];
    const caSecret = Object.values(json.resource.kubernetes_secret_v1)[0] as any;
    expect(check.private_key_pem).toBe(caSecret.data['ca.key']);
    expect(check.provider).toBe('tls');
    expect(caSecret.lifecycle.precondition).toEqual([
      {
        condition: expect.stringContaining(`data.tls_public_key.${checkId}.public_key_pem`),
        error_message: `The CA key in secret kamaji/demo/ca-key is not the private key of ${certFile}: store the key of that certificate, or commit the certificate of the stored key.`,
      },
    ]);
    expect(caSecret.lifecycle.ignore_changes).toEqual(['metadata[0].annotations', 'metadata[0].labels']);
  });

  test('SSM Parameter Store: a SecureString read with decryption, in its own region', () => {
    const { json, pki } = synthPki(SSM);
    const [[id, parameter]] = Object.entries(json.data.aws_ssm_parameter) as [string, any][];
    expect(parameter).toMatchObject({ name: '/kamaji/demo/ca-key', with_decryption: true, region: 'eu-central-1' });
    const caSecret = Object.values(json.resource.kubernetes_secret_v1)[0] as any;
    expect(caSecret.data['ca.key']).toBe(`\${replace(data.aws_ssm_parameter.${id}.value, "\\r\\n", "\\n")}`);
    expect(caSecret.lifecycle.precondition[0].error_message).toMatch(
      /^The CA key in parameter \/kamaji\/demo\/ca-key /,
    );
    expect(json.data.aws_secretsmanager_secret_version).toBeUndefined();
    expect(pki.keySource?.terraformResourceType).toBe('aws_ssm_parameter');
  });

  test("an ARN's region is the data source's region", () => {
    const { json } = synthPki({
      ...SECRETS_MANAGER,
      secretId: 'arn:aws:secretsmanager:ap-south-1:123456789012:secret:ca-AbCdEf',
    });
    expect(Object.values(json.data.aws_secretsmanager_secret_version)[0]).toMatchObject({ region: 'ap-south-1' });
  });

  test('without an aws provider synth names the awsProvider prop', () => {
    const app = new App({ outdir: tempDir('pki-store-providers-') });
    const stack = new TerraformStack(app, 'consumer');
    new TenantPki(stack, 'Pki', {
      ...SECRETS_MANAGER,
      kubernetesProvider: new KubernetesProvider(stack, 'k8s', {}),
      tlsProvider: new TlsProvider(stack, 'tls'),
      tenantName: 'demo',
    });
    expect(() => app.synth()).toThrow(/\[consumer\/Pki\] TenantPki has no aws provider: set its awsProvider prop/);
  });

  test('every problem at once: fields of other sources, a bad id, a bad region, no certificate', () => {
    const error = validationErrorOf(() =>
      synthPki({
        source: CaSource.AWS_SECRETS_MANAGER,
        secretId: 'not valid!',
        region: 'moon-1',
        keyFile: 'ca.key',
        parameterName: '/x',
        validityYears: 3,
      }),
    );
    expect(error.problems.map((p) => [p.where, p.field, p.value])).toEqual([
      ['cp/Pki', 'validityYears', 3],
      ['cp/Pki', 'keyFile', 'ca.key'],
      ['cp/Pki', 'parameterName', '/x'],
      ['cp/Pki', 'secretId', 'not valid!'],
      ['cp/Pki', 'region', 'moon-1'],
      ['cp/Pki', 'certificateFile', undefined],
    ]);
    expect(error.problems.map((p) => p.rule)).toEqual([
      'applies to a generated CA only',
      'applies to CaSource.FILES only: a secret-store CA reads its key from AWS',
      'applies to CaSource.AWS_SSM_PARAMETER only',
      expect.stringMatching(/Secrets Manager secret name/),
      'must be an AWS region such as "eu-west-1"',
      'is required with CaSource.AWS_SECRETS_MANAGER: the path of a PEM file',
    ]);
  });

  test('a parameter source without its name, and a certificate that is no CA', () => {
    const leaf = path.join(dir, 'leaf.crt');
    fs.writeFileSync(leaf, 'not a certificate');
    const error = validationErrorOf(() =>
      synthPki({ source: CaSource.AWS_SSM_PARAMETER, certificateFile: leaf, secretId: 'x' }),
    );
    expect(error.problems.map((p) => [p.field, p.value])).toEqual([
      ['secretId', 'x'],
      ['parameterName', undefined],
      ['certificateFile', expect.stringMatching(/0 certificate/)],
    ]);
  });

  test('a generated CA refuses the secret-store fields', () => {
    const error = validationErrorOf(() => synthPki({ secretId: 'a', parameterName: 'b', region: 'eu-west-1' }));
    expect(error.problems.map((p) => [p.field, p.rule])).toEqual([
      ['secretId', expect.stringMatching(/bring-your-own CA only/)],
      ['parameterName', expect.stringMatching(/bring-your-own CA only/)],
      ['region', expect.stringMatching(/bring-your-own CA only/)],
    ]);
  });

  testWithTool('terraform')(
    'at apply: CRLF in the stored key becomes LF; the precondition holds for its own key only',
    () => {
      const { json } = synthPki(SECRETS_MANAGER);
      const caSecret = Object.values(json.resource.kubernetes_secret_v1)[0] as any;
      const key = withLocal(
        unwrap(caSecret.data['ca.key']),
        /data\.aws_secretsmanager_secret_version\.\w+\.secret_string/,
        'stored',
      );
      const crlf = ca.keyPem.replace(/\n/g, '\r\n');
      expect(terraformEval(key, { stored: crlf })).toBe(ca.keyPem);
      const condition = (publicKeyPem: string) =>
        terraformEval(
          withLocal(
            unwrap(caSecret.lifecycle.precondition[0].condition),
            /data\.tls_public_key\.\w+\.public_key_pem/,
            'pub',
          ),
          { pub: publicKeyPem },
        );
      // What tls_public_key computes from a key: Go's PKIX PEM, as node:crypto writes it.
      const publicOf = (pem: string) => crypto.createPublicKey(pem).export({ type: 'spki', format: 'pem' }) as string;
      expect(condition(publicOf(ca.keyPem))).toBe(true);
      expect(condition(publicOf(stranger.keyPem))).toBe(false);
    },
  );
});

describe('TenantControlPlaneStack with a secret-store CA', () => {
  const synthStack = (props: Partial<TenantControlPlaneStackProps>) => synthControlPlaneStack(props).json;

  test('an aws provider from literals: the given region, else the CA region', () => {
    expect(synthStack({ awsRegion: 'eu-west-1', pki: SECRETS_MANAGER }).provider.aws).toEqual([
      { region: 'eu-west-1' },
    ]);
    const json = synthStack({ pki: SSM });
    expect(json.provider.aws).toEqual([{ region: 'eu-central-1' }]);
    expect(Object.values(json.data.aws_ssm_parameter)[0]).toMatchObject({ provider: 'aws' });
  });

  test('no region anywhere is a problem naming awsRegion; other sources keep refusing it', () => {
    const error = validationErrorOf(() => synthStack({ pki: SECRETS_MANAGER }));
    expect(error.problems).toEqual([
      expect.objectContaining({ field: 'awsRegion', value: undefined, rule: expect.stringMatching(/secret-store CA/) }),
    ]);
    const generated = validationErrorOf(() => synthStack({ awsRegion: 'eu-west-1' }));
    expect(generated.problems).toEqual([
      expect.objectContaining({ field: 'awsRegion', rule: expect.stringMatching(/only used with the AwsElasticIP/) }),
    ]);
    // A bad pki.region is reported once, by TenantPki, not again as a missing awsRegion.
    const bad = validationErrorOf(() => synthStack({ pki: { ...SECRETS_MANAGER, region: 'x' } }));
    expect(bad.problems.map((p) => [p.where, p.field])).toEqual([['tenant-acme-control-plane/Pki', 'region']]);
  });
});

describe('tenants file pki of the secret-store sources', () => {
  const file = (pki: Record<string, unknown>, region = true) =>
    [
      ...(region ? ['defaults: { awsRegion: eu-west-1 }'] : []),
      'tenants:',
      '  - name: acme',
      '    kubernetesVersion: v1.35.3',
      `    pki: ${JSON.stringify(pki)}`,
    ].join('\n');
  const problems = (pki: Record<string, unknown>, region = true) =>
    loadTenantsFile(file(pki, region), 't.yaml').problems.map((p) => [p.field, p.value, p.rule]);

  test('valid: a secret id or a parameter name, with a certificate path', () => {
    expect(problems({ source: 'aws-secrets-manager', certPath: 'ca.crt', secretId: 'kamaji/acme' })).toEqual([]);
    expect(
      problems({ source: 'aws-ssm-parameter', certPath: 'ca.crt', parameterName: '/kamaji/acme', region: 'us-east-1' }),
    ).toEqual([]);
  });

  test('every problem at once, each with its path', () => {
    expect(
      problems({
        source: 'aws-secrets-manager',
        keyPath: 'ca.key',
        parameterName: '/x',
        algorithm: 'RSA',
        secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ca',
        region: 'us-east-1',
      }),
    ).toEqual([
      ['tenants[0].pki.algorithm', 'RSA', 'only applies to source generated'],
      ['tenants[0].pki.certPath', undefined, expect.stringMatching(/^is required with source aws-secrets-manager/)],
      ['tenants[0].pki.keyPath', 'ca.key', expect.stringMatching(/^only applies to source files/)],
      ['tenants[0].pki.parameterName', '/x', 'only applies to source aws-ssm-parameter'],
      ['tenants[0].pki.region', 'us-east-1', expect.stringMatching(/must match the region of the ARN/)],
    ]);
    expect(problems({ source: 'aws-ssm-parameter', certPath: 'c', secretId: 's', parameterName: 'aws-x' })).toEqual([
      ['tenants[0].pki.secretId', 's', 'only applies to source aws-secrets-manager'],
      ['tenants[0].pki.parameterName', 'aws-x', expect.stringMatching(/Parameter Store name/)],
    ]);
    expect(problems({ source: 'aws-ssm-parameter', certPath: 'c' })).toEqual([
      ['tenants[0].pki.parameterName', undefined, 'is required with source aws-ssm-parameter'],
    ]);
  });

  test('the region: the ARN or defaults.awsRegion will do, else it is required', () => {
    const pki = { source: 'aws-secrets-manager', certPath: 'c', secretId: 'kamaji/acme' };
    expect(problems(pki, false)).toEqual([['tenants[0].pki.region', undefined, expect.stringMatching(/is required/)]]);
    expect(problems({ ...pki, secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ca' }, false)).toEqual(
      [],
    );
    expect(problems({ ...pki, region: 'eu-west-1' }, false)).toEqual([]);
  });

  test('the generated and files sources refuse the secret-store keys', () => {
    expect(problems({ source: 'generated', secretId: 'a', region: 'eu-west-1', certPath: 'c' })).toEqual([
      ['tenants[0].pki.certPath', 'c', expect.stringMatching(/only applies to sources files, aws-secrets-manager/)],
      ['tenants[0].pki.secretId', 'a', 'only applies to sources aws-secrets-manager and aws-ssm-parameter'],
      ['tenants[0].pki.region', 'eu-west-1', 'only applies to sources aws-secrets-manager and aws-ssm-parameter'],
    ]);
    expect(problems({ source: 'files', certPath: 'c', keyPath: 'k', parameterName: '/p' })).toEqual([
      ['tenants[0].pki.parameterName', '/p', 'only applies to sources aws-secrets-manager and aws-ssm-parameter'],
    ]);
  });

  test('an unknown source lists the four', () => {
    expect(problems({ source: 'vault', certPath: 'c' })).toEqual([
      [
        'tenants[0].pki.source',
        'vault',
        expect.stringMatching(/generated.*files.*aws-secrets-manager.*aws-ssm-parameter/),
      ],
    ]);
  });
});

describe('the fleet example with secret-store CAs', () => {
  test("bravo's key comes from Secrets Manager in the tenants' region; an SSM CA in another region is read there", () => {
    const { stacks } = synthEditedFleet((d) =>
      d.setIn(
        ['tenants', 2, 'pki'],
        d.createNode({
          source: 'aws-ssm-parameter',
          certPath: 'ca/bravo.crt',
          parameterName: 'arn:aws:ssm:us-east-1:123456789012:parameter/kamaji/charlie/ca-key',
        }),
      ),
    );
    const bravo = stacks['tenant-bravo-control-plane'] as any;
    expect(bravo.provider.aws).toEqual([{ region: 'eu-west-1' }]);
    expect(Object.values(bravo.data.aws_secretsmanager_secret_version)).toEqual([
      expect.objectContaining({ secret_id: 'kamaji/bravo/ca-key', provider: 'aws' }),
    ]);
    expect(bravo.output.ca_discovery_hash.value).toMatch(/^sha256:[0-9a-f]{64}$/);
    // charlie keeps its Elastic IPs in the management region; its CA key is read in the ARN's region.
    const charlie = stacks['tenant-charlie-control-plane'] as any;
    expect(charlie.provider.aws).toEqual([{ region: 'eu-west-1' }]);
    expect(Object.values(charlie.data.aws_ssm_parameter)).toEqual([
      expect.objectContaining({ region: 'us-east-1', with_decryption: true, provider: 'aws' }),
    ]);
    expect(Object.keys(charlie.resource.aws_eip)).toHaveLength(2);
    for (const text of [JSON.stringify(bravo), JSON.stringify(charlie)]) expect(text).not.toMatch(/PRIVATE KEY/);
  });
});
