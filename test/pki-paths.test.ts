/**
 * Paths in the synth output are relative to the project root (the directory cdktf runs in), so the
 * output does not depend on where the checkout is or where the tenants file sits (issue 14).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import { parseDocument } from 'yaml';
import { buildFleetApp } from '../examples/fleet/app';
import { CaSource, TenantPki } from '../src/constructs/tenant-pki';
import { generateCa } from '../src/model/pki';
import { validationErrorOf } from './support/errors';
import { EXAMPLE_FLEET } from './support/fleet';
import { synthApp, SynthOutput, tempDir } from './support/synth';

const ROOT = path.join(__dirname, '..');
const localCa = generateCa({ commonName: 'delta-ca', days: 400 });

/**
 * A checkout of the fleet example in a fresh folder: the shipped tenants file, its committed
 * certificate, and a fourth tenant with a files CA (made here, never committed).
 */
function checkout(): string {
  const project = tempDir('kamaji-checkout-');
  const fleet = path.join(project, 'examples', 'fleet');
  fs.mkdirSync(path.join(fleet, 'pki', 'delta'), { recursive: true });
  fs.cpSync(path.join(path.dirname(EXAMPLE_FLEET), 'ca'), path.join(fleet, 'ca'), { recursive: true });
  fs.writeFileSync(path.join(fleet, 'pki', 'delta', 'ca.crt'), localCa.certificatePem);
  fs.writeFileSync(path.join(fleet, 'pki', 'delta', 'ca.key'), localCa.keyPem, { mode: 0o600 });
  const doc = parseDocument(fs.readFileSync(EXAMPLE_FLEET, 'utf8'));
  doc.addIn(
    ['tenants'],
    doc.createNode({
      name: 'delta',
      pki: { source: 'files', certPath: 'pki/delta/ca.crt', keyPath: 'pki/delta/ca.key' },
      workers: [{ name: 'general' }],
    }),
  );
  fs.writeFileSync(path.join(fleet, 'tenants.yaml'), doc.toString());
  return project;
}

/** Synthesizes `file` (relative to `project`) with `project` as the working directory, as cdktf runs. */
function synthIn(project: string, file: string): SynthOutput {
  const before = process.cwd();
  process.chdir(project);
  try {
    return synthApp((app) => buildFleetApp(app, file), path.join(project, 'cdktf.out'));
  } finally {
    process.chdir(before);
  }
}

describe('synth output does not depend on where the checkout is', () => {
  test('the fleet synthesized from two copies in different folders is byte-identical', () => {
    const a = checkout();
    const b = path.join(checkout(), 'deeper', 'still');
    fs.mkdirSync(b, { recursive: true });
    fs.cpSync(path.join(a, 'examples'), path.join(b, 'examples'), { recursive: true });
    const first = synthIn(a, path.join('examples', 'fleet', 'tenants.yaml'));
    const second = synthIn(b, path.join('examples', 'fleet', 'tenants.yaml'));
    expect(Object.keys(first.texts)).toContain('tenant-delta-control-plane');
    expect(Object.keys(second.texts).sort()).toEqual(Object.keys(first.texts).sort());
    for (const [stack, text] of Object.entries(first.texts)) {
      expect([stack, second.texts[stack]]).toEqual([stack, text]);
      for (const dir of [a, b, ROOT, process.cwd()]) expect(text).not.toContain(dir);
    }
    // The files CA's key is read relative to the project root, from cdktf.out/stacks/<stack>.
    expect(first.texts['tenant-delta-control-plane']).toContain('file(\\"../../../examples/fleet/pki/delta/ca.key\\")');
  });

  test('a tenants file elsewhere that names the same files gives the same output', () => {
    const project = checkout();
    const doc = parseDocument(fs.readFileSync(path.join(project, 'examples', 'fleet', 'tenants.yaml'), 'utf8'));
    doc.setIn(['tenants', 1, 'pki', 'certPath'], 'examples/fleet/ca/bravo.crt');
    doc.setIn(['tenants', 3, 'pki', 'certPath'], 'examples/fleet/pki/delta/ca.crt');
    doc.setIn(['tenants', 3, 'pki', 'keyPath'], './examples/fleet/pki/../pki/delta/ca.key');
    fs.writeFileSync(path.join(project, 'tenants.yaml'), doc.toString());
    const nested = synthIn(project, path.join('examples', 'fleet', 'tenants.yaml'));
    const top = synthIn(project, 'tenants.yaml');
    expect(top.texts).toEqual(nested.texts);
    // The same again with the file named by an absolute path (KAMAJI_TENANTS_FILE=/abs/tenants.yaml).
    expect(synthIn(project, path.join(project, 'tenants.yaml')).texts).toEqual(nested.texts);
  });
});

describe('TenantPki key paths', () => {
  const project = checkout();
  function keyExpression(keyFile: string): string {
    const before = process.cwd();
    process.chdir(project);
    try {
      const app = Testing.app();
      const stack = new TerraformStack(app, 'cp');
      new TenantPki(stack, 'Pki', {
        kubernetesProvider: new KubernetesProvider(stack, 'k8s', {}),
        tenantName: 'delta',
        source: CaSource.FILES,
        certificateFile: 'examples/fleet/pki/delta/ca.crt',
        keyFile,
      });
      const json = JSON.parse(Testing.synth(stack));
      return (Object.values(json.resource.kubernetes_secret_v1)[0] as any).data['ca.key'];
    } finally {
      process.chdir(before);
    }
  }

  test('an absolute path inside the project is written relative to it', () => {
    const expected = '${replace(file("../../../examples/fleet/pki/delta/ca.key"), "\\r\\n", "\\n")}';
    expect(keyExpression(path.join(project, 'examples', 'fleet', 'pki', 'delta', 'ca.key'))).toBe(expected);
    expect(keyExpression('examples/fleet/pki/delta/ca.key')).toBe(expected);
    expect(keyExpression('./examples/fleet/../fleet/pki/delta/ca.key')).toBe(expected);
  });

  test('an absolute path outside the project is a problem, not a path that moves with the machine', () => {
    const outside = path.join(tempDir('kamaji-outside-'), 'ca.key');
    fs.writeFileSync(outside, localCa.keyPem);
    const error = validationErrorOf(() => keyExpression(outside));
    expect(error.problems).toEqual([
      {
        where: 'cp/Pki',
        field: 'keyFile',
        value: outside,
        rule: expect.stringMatching(/must lie inside the project root.*does not depend on where the checkout is/),
      },
    ]);
  });
});
