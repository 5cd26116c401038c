import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdktf';
import { buildQuickstart, QUICKSTART } from '../examples/quickstart/app';
import { onlyResource, synthApp, tempDir } from './support/synth';

describe('quickstart app', () => {
  test('platform stack snapshot', () => {
    const app = Testing.app();
    const { platform } = buildQuickstart(app);
    expect(Testing.synth(platform)).toMatchSnapshot();
  });

  test('control-plane stack snapshot', () => {
    const app = Testing.app();
    const { controlPlane } = buildQuickstart(app);
    expect(Testing.synth(controlPlane)).toMatchSnapshot();
  });

  test('the demo tenant control plane comes after the platform, with its CA Secret first, waits and is protected', () => {
    const { stacks, outdir } = synthApp(buildQuickstart);
    const cp = stacks['tenant-demo-control-plane'];
    const [secretId, secret] = Object.entries(cp.resource?.kubernetes_secret_v1 ?? {})[0];
    expect(secret.metadata.name).toBe('demo-ca');
    const tcp = onlyResource(cp, 'kubernetes_manifest');
    expect(tcp.manifest.metadata.name).toBe('demo');
    expect(tcp.depends_on).toContain(`kubernetes_secret_v1.${secretId}`);
    expect(tcp.wait.fields['status.kubernetesResources.version.status']).toBe('^Ready$');
    expect(tcp.wait.fields['status.kubernetesResources.version.version']).toBe('^v1\\.35\\.3$');
    expect(tcp.lifecycle.prevent_destroy).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.stacks['tenant-demo-control-plane'].dependencies).toEqual(['platform']);
  });

  test('no private key, token or kubeconfig content anywhere in the synthesized output', () => {
    const { texts } = synthApp(buildQuickstart);
    expect(Object.keys(texts)).toEqual(['platform', 'tenant-demo-control-plane', 'tenant-demo-nodes']);
    for (const text of Object.values(texts)) {
      expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      // A bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}) or a base64 kubeconfig/key blob never appears literally.
      expect(text).not.toMatch(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/);
      expect(text).not.toMatch(/(client-key-data|token-secret)["']?\s*:\s*["'][A-Za-z0-9+/=]{16,}/);
      expect(text).not.toMatch(/LS0tLS1CRUdJTi/); // base64 of "-----BEGIN"
    }
    // The tenant's credentials reach the nodes stack only through a data source read at plan time.
    const nodes = JSON.parse(texts['tenant-demo-nodes']);
    expect(Object.keys(nodes.data.kubernetes_secret_v1)).toHaveLength(1);
    expect(nodes.output ?? {}).toEqual({});
  });

  test('two synths into two folders are byte-identical and hold no absolute path', () => {
    const a = synthApp(buildQuickstart, tempDir());
    const b = synthApp(buildQuickstart, tempDir());
    expect(Object.keys(a.texts).length).toBeGreaterThan(0);
    expect(Object.keys(b.texts)).toEqual(Object.keys(a.texts));
    for (const name of Object.keys(a.texts)) {
      expect(b.texts[name]).toBe(a.texts[name]);
      for (const leak of [a.outdir, b.outdir, process.cwd(), path.resolve(__dirname, '..')]) {
        expect(a.texts[name]).not.toContain(leak);
      }
    }
    const manifest = (dir: string) => fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8');
    expect(manifest(b.outdir)).toBe(manifest(a.outdir));
  });

  test('the platform stack holds the two Helm releases with pinned versions', () => {
    const { stacks } = synthApp(buildQuickstart);
    const releases = Object.values(stacks.platform.resource?.helm_release ?? {});
    expect(releases.map((r) => r.name).sort()).toEqual(['cert-manager', 'kamaji']);
    for (const r of releases) expect(r.version).toMatch(/^v?\d+\.\d+\.\d+/);
    expect(stacks.platform.terraform?.backend).toEqual({ local: { path: '../../../terraform.platform.tfstate' } });
  });

  test('one key away: AwsElasticIP gives an EIP-fronted control plane (EKS)', () => {
    const { stacks } = synthApp((app) => buildQuickstart(app, { ...QUICKSTART, endpoint: 'AwsElasticIP' }));
    const cp = stacks['tenant-demo-control-plane'];
    expect(cp.provider?.aws).toEqual([{ region: 'eu-west-1' }]);
    expect(Object.keys(cp.resource?.aws_eip ?? {})).toHaveLength(2);
    const tcp = onlyResource(cp, 'kubernetes_manifest');
    expect(tcp.manifest.spec.networkProfile.address).toMatch(/^\$\{aws_eip\..*\.public_ip\}$/);
    expect(tcp.manifest.spec.controlPlane.service.additionalMetadata.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-subnets': 'subnet-0a1b2c3d4e5f60711,subnet-0a1b2c3d4e5f60712',
    });
    // The default mode configures no aws provider in the control-plane stage.
    expect(synthApp(buildQuickstart).stacks['tenant-demo-control-plane'].provider?.aws).toBeUndefined();
  });
});
