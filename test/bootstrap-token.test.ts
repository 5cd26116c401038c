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
  test('random id (6) and secret (16) from [a-z0-9], replaced whenever the rotation rotates', () => {
    const { json } = synthToken();
    const rotation = Object.entries(json.resource.time_rotating as Record<string, any>);
    expect(rotation).toHaveLength(1);
    const [rotationId, rotating] = rotation[0];
    expect(rotating).toEqual({ rotation_hours: 168 });
    const strings = Object.values(json.resource.random_string as Record<string, any>);
    expect(strings.map((s) => s.length).sort((a, b) => a - b)).toEqual([6, 16]);
    for (const s of strings) {
      expect(s).toMatchObject({ lower: true, numeric: true, upper: false, special: false });
      expect(s.keepers).toEqual({ rotation: `\${time_rotating.${rotationId}.id}` });
    }
  });

  test('the kube-system Secret has the bootstrap-token type, all keys, and an expiration of rotation + TTL', () => {
    const { json } = synthToken({ rotationHours: 24, ttlHours: 72 });
    const [secret] = Object.values(json.resource.kubernetes_secret_v1 as Record<string, any>);
    const ids = Object.keys(json.resource.random_string);
    const idRef = `\${random_string.${ids.find((k) => k.includes('_Id_'))}.result}`;
    const secretRef = `\${random_string.${ids.find((k) => k.includes('_Secret_'))}.result}`;
    const rotationId = Object.keys(json.resource.time_rotating)[0];
    expect(secret.type).toBe('bootstrap.kubernetes.io/token');
    expect(secret.provider).toBe('kubernetes.tenant');
    expect(secret.metadata).toEqual({ name: `bootstrap-token-${idRef}`, namespace: 'kube-system' });
    expect(secret.data).toMatchObject({
      'token-id': idRef,
      'token-secret': secretRef,
      expiration: `\${timeadd(time_rotating.${rotationId}.rfc3339, "72h")}`,
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
    });
    expect(json.resource.time_rotating[rotationId]).toEqual({ rotation_hours: 24 });
  });

  test('an SSM SecureString parameter holds the token when named', () => {
    const { json, token } = synthToken({ ssmParameterName: '/kamaji/demo/bootstrap-token' });
    const [parameter] = Object.values(json.resource.aws_ssm_parameter as Record<string, any>);
    expect(parameter).toMatchObject({ name: '/kamaji/demo/bootstrap-token', type: 'SecureString' });
    expect(parameter.value).toMatch(/^\$\{random_string\.\w+\.result\}\.\$\{random_string\.\w+\.result\}$/);
    expect(token.parameterName).toBe('/kamaji/demo/bootstrap-token');
    expect(synthToken().json.resource.aws_ssm_parameter).toBeUndefined();
  });

  test('logical ids are Id, Secret, Rotation, Resource and Parameter', () => {
    const { token } = synthToken({ ssmParameterName: '/p' });
    expect(token.node.children.map((c) => c.node.id).sort()).toEqual([
      'Id',
      'Parameter',
      'Resource',
      'Rotation',
      'Secret',
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
      'a TTL not longer than the rotation',
      { rotationHours: 48, ttlHours: 48 },
      'ttlHours',
      48,
      /longer than rotationHours \(48\)/,
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
