import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import { BootstrapToken, BootstrapTokenProps } from '../src/constructs/bootstrap-token';
import { ValidationError } from '../src/model/errors';
import { TOKEN_PATTERN, TOKEN_SHAPED } from '../src/model/bootstrap-token';
import { validationErrorOf } from './support/errors';

function synthToken(props: BootstrapTokenProps = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'nodes');
  const kubernetesProvider = new KubernetesProvider(stack, 'tenant', { alias: 'tenant' });
  const token = new BootstrapToken(stack, 'BootstrapToken', { kubernetesProvider, ...props });
  const text = Testing.synth(stack);
  return { token, text, json: JSON.parse(text) };
}

function problemsOf(props: BootstrapTokenProps): ValidationError {
  return validationErrorOf(() => synthToken(props));
}

describe('BootstrapToken', () => {
  const rotations = (json: any) => json.resource.time_rotating as Record<string, any>;
  const slotA = (json: any) => Object.keys(rotations(json)).find((k) => k.includes('_Rotation_'))!;
  const slotB = (json: any) => Object.keys(rotations(json)).find((k) => k.includes('_RotationB_'))!;

  test("two slots rotate every 2 x rotationHours; B is based on A + rotationHours and ignores A's rotations", () => {
    const { json } = synthToken();
    expect(Object.keys(rotations(json))).toHaveLength(2);
    expect(rotations(json)[slotA(json)]).toEqual({ rotation_hours: 336 });
    expect(rotations(json)[slotB(json)]).toEqual({
      rotation_hours: 336,
      rfc3339: `\${timeadd(time_rotating.${slotA(json)}.rfc3339, "168h")}`,
      lifecycle: { ignore_changes: ['rfc3339'] },
    });
  });

  test('random id (6) and secret (16) from [a-z0-9] per slot, replaced whenever that slot rotates', () => {
    const { json } = synthToken();
    const strings = Object.entries(json.resource.random_string as Record<string, any>);
    expect(strings.map(([, s]) => s.length).sort((a, b) => a - b)).toEqual([6, 6, 16, 16]);
    for (const [id, s] of strings) {
      expect(s).toMatchObject({ lower: true, numeric: true, upper: false, special: false });
      const rotation = /_(Id|Secret)B_/.test(id) ? slotB(json) : slotA(json);
      expect(s.keepers).toEqual({ rotation: `\${time_rotating.${rotation}.id}` });
    }
  });

  test('each slot has a kube-system Secret with the bootstrap-token type, all keys, and expiration = its base + TTL', () => {
    const { json } = synthToken({ rotationHours: 24, ttlHours: 72 });
    const secrets = json.resource.kubernetes_secret_v1 as Record<string, any>;
    expect(Object.keys(secrets)).toHaveLength(2);
    const ids = Object.keys(json.resource.random_string);
    for (const [suffix, rotation] of [
      ['', slotA(json)],
      ['B', slotB(json)],
    ]) {
      // Slot A's Secret has the logical id "Resource", which cdktf leaves out of the name.
      const secret = Object.entries(secrets).find(([k]) => k.includes('_ResourceB_') === (suffix === 'B'))![1];
      const idRef = `\${random_string.${ids.find((k) => k.includes(`_Id${suffix}_`))}.result}`;
      const secretRef = `\${random_string.${ids.find((k) => k.includes(`_Secret${suffix}_`))}.result}`;
      expect(secret.type).toBe('bootstrap.kubernetes.io/token');
      expect(secret.provider).toBe('kubernetes.tenant');
      expect(secret.metadata).toEqual({ name: `bootstrap-token-${idRef}`, namespace: 'kube-system' });
      expect(secret.data).toMatchObject({
        'token-id': idRef,
        'token-secret': secretRef,
        expiration: `\${timeadd(time_rotating.${rotation}.rfc3339, "72h")}`,
        'usage-bootstrap-authentication': 'true',
        'usage-bootstrap-signing': 'true',
        'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
      });
    }
    expect(rotations(json)[slotA(json)]).toEqual({ rotation_hours: 48 });
  });

  test('the SSM SecureString parameter holds the newest token (the slot with the later base)', () => {
    const { json, token } = synthToken({ ssmParameterName: '/kamaji/demo/bootstrap-token' });
    const [parameter] = Object.values(json.resource.aws_ssm_parameter as Record<string, any>);
    expect(parameter).toMatchObject({ name: '/kamaji/demo/bootstrap-token', type: 'SecureString' });
    const a = slotA(json);
    const b = slotB(json);
    expect(parameter.value).toMatch(
      new RegExp(
        `^\\$\\{\\(timecmp\\(time_rotating\\.${a}\\.rfc3339, time_rotating\\.${b}\\.rfc3339\\) != -1\\) \\? ` +
          `"\\$\\{random_string\\.\\w+_Id_\\w+\\.result\\}\\.\\$\\{random_string\\.\\w+_Secret_\\w+\\.result\\}" : ` +
          `"\\$\\{random_string\\.\\w+_IdB_\\w+\\.result\\}\\.\\$\\{random_string\\.\\w+_SecretB_\\w+\\.result\\}"\\}$`,
      ),
    );
    expect(token.parameterName).toBe('/kamaji/demo/bootstrap-token');
    expect(synthToken().json.resource.aws_ssm_parameter).toBeUndefined();
  });

  test('logical ids: slot A keeps Id, Secret, Rotation, Resource; slot B adds the B suffix', () => {
    const { token } = synthToken({ ssmParameterName: '/p' });
    expect(token.node.children.map((c) => c.node.id).sort()).toEqual([
      'Id',
      'IdB',
      'Parameter',
      'Resource',
      'ResourceB',
      'Rotation',
      'RotationB',
      'Secret',
      'SecretB',
    ]);
  });

  test('the synthesized JSON holds no token value', () => {
    const { text } = synthToken({ ssmParameterName: '/kamaji/demo/bootstrap-token' });
    expect(text).not.toMatch(TOKEN_SHAPED);
    // The scan itself finds a token (so it could fail).
    expect(`"value": "abcdef.0123456789abcdef"`).toMatch(TOKEN_SHAPED);
    expect('abcdef.0123456789abcdef').toMatch(TOKEN_PATTERN);
  });

  test.each<[string, BootstrapTokenProps, string, unknown, RegExp]>([
    [
      'a TTL shorter than two rotations',
      { rotationHours: 48, ttlHours: 95 },
      'ttlHours',
      95,
      /at least 2 x rotationHours \(96\)/,
    ],
    ['a zero rotation', { rotationHours: 0 }, 'rotationHours', 0, /at least 1/],
    ['a fractional TTL', { ttlHours: 1.5 }, 'ttlHours', 1.5, /whole number/],
    ['a TTL over a year', { ttlHours: 9000 }, 'ttlHours', 9000, /one year/],
    [
      'a relative parameter name',
      { ssmParameterName: 'kamaji/token' },
      'ssmParameterName',
      'kamaji/token',
      /starts with "\/"/,
    ],
  ])('rejects %s with path, field, value and rule', (_n, props, field, value, rule) => {
    const error = problemsOf(props);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ where: 'nodes/BootstrapToken', field, value });
    expect(error.problems[0].rule).toMatch(rule);
  });

  test('a rotation longer than the default TTL is refused too; all problems come at once', () => {
    expect(problemsOf({ rotationHours: 1000 }).problems[0]).toMatchObject({ field: 'ttlHours', value: 720 });
    const error = problemsOf({ rotationHours: -1, ttlHours: 0, ssmParameterName: 'x' });
    expect(error.problems.map((p) => p.field).sort()).toEqual(['rotationHours', 'ssmParameterName', 'ttlHours']);
  });
});
