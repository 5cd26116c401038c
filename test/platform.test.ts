import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Testing, TerraformStack, TerraformVariable } from 'cdktf';
import { parse } from 'yaml';
import { KamajiPlatform, KamajiPlatformOptions } from '../src/constructs/kamaji-platform';
import { ValidationError } from '../src/model/errors';
import { DEFAULT_KAMAJI_IMAGE_TAG } from '../src/model/platform';
import { validationErrorOf } from './support/errors';
import { PlatformStack } from '../stacks/platform-stack';

function synthPlatform(options: KamajiPlatformOptions = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'mgmt');
  const helmProvider = new HelmProvider(stack, 'helm', {});
  const platform = new KamajiPlatform(stack, 'Platform', { ...options, helmProvider });
  const json = JSON.parse(Testing.synth(stack));
  const releases = json.resource.helm_release as Record<string, any>;
  const byName = (name: string) => Object.values(releases).find((r: any) => r.name === name) as any;
  return { platform, json, releases, byName, kamajiValues: () => parse(byName('kamaji').values[0]) };
}

function problemsOf(options: KamajiPlatformOptions): ValidationError {
  return validationErrorOf(() => synthPlatform(options));
}

describe('KamajiPlatform', () => {
  test('installs cert-manager with CRDs and waits, then Kamaji in kamaji-system', () => {
    const { byName, releases } = synthPlatform();
    const cm = byName('cert-manager');
    expect(cm).toMatchObject({ chart: 'cert-manager', repository: 'https://charts.jetstack.io', wait: true });
    expect(parse(cm.values[0])).toEqual({ crds: { enabled: true } });
    expect(cm.version).toMatch(/^v\d+\.\d+\.\d+$/);

    const kamaji = byName('kamaji');
    expect(kamaji).toMatchObject({
      chart: 'kamaji',
      namespace: 'kamaji-system',
      repository: 'https://clastix.github.io/charts',
      create_namespace: true,
      wait: true,
    });
    const cmId = Object.keys(releases).find((id) => releases[id].name === 'cert-manager');
    expect(kamaji.depends_on).toEqual([`helm_release.${cmId}`]);
  });

  test('pins chart version and image tag, disables telemetry, deploys the bundled etcd by default', () => {
    const { byName, kamajiValues, platform } = synthPlatform();
    expect(byName('kamaji').version).toBe('0.0.0+latest');
    expect(kamajiValues()).toEqual({
      image: { tag: DEFAULT_KAMAJI_IMAGE_TAG },
      telemetry: { disabled: true },
      defaultDatastoreName: 'default',
      'kamaji-etcd': { deploy: true, datastore: { enabled: true, name: 'default' } },
    });
    expect(platform.namespace).toBe('kamaji-system');
    expect(platform.defaultDataStoreName).toBe('default');
  });

  test('props change chart version, image tag, telemetry and the default DataStore', () => {
    const { byName, kamajiValues, platform } = synthPlatform({
      kamajiChartVersion: '1.2.3',
      kamajiImageTag: 'v1.0.0',
      telemetry: true,
      bundledEtcd: false,
      defaultDataStoreName: 'postgres-gold',
      extraValues: { replicaCount: 2, image: { pullPolicy: 'IfNotPresent' } },
    });
    expect(byName('kamaji').version).toBe('1.2.3');
    const values = kamajiValues();
    expect(values.image).toEqual({ tag: 'v1.0.0', pullPolicy: 'IfNotPresent' });
    expect(values.telemetry).toEqual({ disabled: false });
    expect(values.replicaCount).toBe(2);
    expect(values.defaultDatastoreName).toBe('postgres-gold');
    expect(values['kamaji-etcd']).toEqual({ deploy: false, datastore: { enabled: false } });
    expect(platform.defaultDataStoreName).toBe('postgres-gold');
  });

  test('can leave cert-manager to the cluster', () => {
    const { releases, byName } = synthPlatform({ installCertManager: false });
    expect(Object.keys(releases)).toHaveLength(1);
    expect(byName('kamaji').depends_on).toBeUndefined();
  });

  test('values render with sorted keys (deterministic bytes)', () => {
    const a = synthPlatform({ extraValues: { z: 1, a: { y: 2, b: 3 } } }).byName('kamaji').values[0];
    const b = synthPlatform({ extraValues: { a: { b: 3, y: 2 }, z: 1 } }).byName('kamaji').values[0];
    expect(a).toBe(b);
  });

  test.each<[string, KamajiPlatformOptions, string, unknown, RegExp]>([
    ['a renamed release', { kamajiReleaseName: 'my-kamaji' }, 'kamajiReleaseName', 'my-kamaji', /must be "kamaji"/],
    ['another namespace', { kamajiNamespace: 'kamaji' }, 'kamajiNamespace', 'kamaji', /must be "kamaji-system"/],
    ['an empty chart version', { kamajiChartVersion: '' }, 'kamajiChartVersion', '', /exact SemVer/],
    ['a chart version range', { certManagerChartVersion: '^1.19' }, 'certManagerChartVersion', '^1.19', /exact SemVer/],
    ['a malformed image tag', { kamajiImageTag: 'edge tag!' }, 'kamajiImageTag', 'edge tag!', /image tag/],
    ['a tag starting with a dot', { kamajiImageTag: '.edge' }, 'kamajiImageTag', '.edge', /image tag/],
    ['no default DataStore without etcd', { bundledEtcd: false }, 'defaultDataStoreName', undefined, /required/],
    ['a bad DataStore name', { defaultDataStoreName: 'Gold_DS' }, 'defaultDataStoreName', 'Gold_DS', /DNS-1123/],
    ['extra values that shadow a prop', { extraValues: { image: { tag: 'x' } } }, 'extraValues.image.tag', 'x', /prop/],
    ['a timeout out of range', { timeoutSeconds: 5 }, 'timeoutSeconds', 5, /60 to 3600/],
    ['a bad repository', { kamajiChartRepository: 'clastix' }, 'kamajiChartRepository', 'clastix', /URL/],
  ])('rejects %s with path, field, value and rule', (_name, options, field, value, rule) => {
    const error = problemsOf(options);
    expect(error.problems).toHaveLength(1);
    const [problem] = error.problems;
    expect(problem).toMatchObject({ where: 'mgmt/Platform', field, value });
    expect(problem.rule).toMatch(rule);
    expect(error.message).toContain(`mgmt/Platform: ${field}`);
    expect(error.message).toContain(value === undefined ? '(missing)' : JSON.stringify(value));
  });

  test('reports every problem at once', () => {
    const error = problemsOf({
      kamajiReleaseName: 'k',
      kamajiNamespace: 'ns',
      kamajiImageTag: '',
      kamajiChartVersion: 'x',
    });
    expect(error.problems.map((p) => p.field).sort()).toEqual([
      'kamajiChartVersion',
      'kamajiImageTag',
      'kamajiNamespace',
      'kamajiReleaseName',
    ]);
    expect(error.message).toMatch(/^4 validation problems:/);
  });

  test('values known only at apply time (tokens) are not judged at synth', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'mgmt');
    const tag = new TerraformVariable(stack, 'kamaji_tag', { type: 'string' });
    new KamajiPlatform(stack, 'Platform', {
      helmProvider: new HelmProvider(stack, 'helm', {}),
      kamajiImageTag: tag.stringValue,
    });
    expect(Testing.synth(stack)).toContain('${var.kamaji_tag}');
  });
});

describe('PlatformStack', () => {
  test('configures only the helm provider it uses (no unused kubernetes provider)', () => {
    const json = JSON.parse(Testing.synth(new PlatformStack(Testing.app(), 'platform', { kubeconfigContext: 'mgmt' })));
    expect(Object.keys(json.provider)).toEqual(['helm']);
  });
});
