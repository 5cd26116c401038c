import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { synthFleet } from '../examples/fleet/app';
import { main } from '../src/cli';
import { EXAMPLE_FLEET, editedFleetFile, ensureExamplePki, synthEditedFleet, synthFleetFile } from './support/fleet';
import { tempDir, TfJson } from './support/synth';
import { validFile } from './support/arbitraries';

beforeAll(ensureExamplePki);

/** Every string in a stack's resources and data sources (where another tenant's name could leak). */
function strings(stack: TfJson): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk({ resource: stack.resource, data: stack.data, output: stack.output });
  return out;
}

async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((c) => ((stderr += String(c)), true));
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('fleet app', () => {
  test('the example synthesizes platform, datastores and two stacks per tenant', () => {
    const { stacks } = synthFleetFile(EXAMPLE_FLEET);
    expect(Object.keys(stacks)).toEqual([
      'datastores',
      'platform',
      'tenant-alpha-control-plane',
      'tenant-alpha-nodes',
      'tenant-bravo-control-plane',
      'tenant-bravo-nodes',
      'tenant-charlie-control-plane',
      'tenant-charlie-nodes',
    ]);
    const tcp = (t: string) =>
      Object.values(stacks[`tenant-${t}-control-plane`].resource!.kubernetes_manifest)[0].manifest;
    expect(tcp('alpha').spec.kubernetes.version).toBe('v1.35.3');
    expect(tcp('bravo').spec.kubernetes.version).toBe('v1.34.6');
    expect(tcp('bravo').spec.dataStore).toBe('postgres-gold');
    expect(Object.keys(stacks['tenant-charlie-nodes'].resource!.aws_autoscaling_group)).toHaveLength(2);
    expect(stacks['tenant-bravo-control-plane'].resource!.tls_private_key).toBeUndefined();
  });

  test('two synths of the example are byte-identical and hold no absolute path', () => {
    const a = synthFleetFile(EXAMPLE_FLEET);
    const b = synthFleetFile(EXAMPLE_FLEET);
    expect(b.texts).toEqual(a.texts);
    for (const text of Object.values(a.texts)) {
      expect(text).not.toContain(process.cwd());
      expect(text).not.toContain(a.outdir);
    }
    // The bring-your-own CA key is read at apply time from Secrets Manager: no key file on the runner.
    expect(a.texts['tenant-bravo-control-plane']).toContain('data.aws_secretsmanager_secret_version.');
    expect(a.texts['tenant-bravo-control-plane']).not.toContain('file(');
  });

  test("pools open egress to their control plane's own API and konnectivity ports", () => {
    const { stacks } = synthEditedFleet((d) => {
      d.setIn(['tenants', 0, 'controlPlane'], d.createNode({ port: 7443 }));
      // Port rules exist in the restricted egress mode only (the default lets everything out).
      d.setIn(['tenants', 0, 'workers', 0, 'egress'], 'restricted');
    });
    const groups = Object.values(stacks['tenant-alpha-nodes'].resource!.aws_security_group);
    const egress = groups.flatMap((g: any) => g.egress ?? []).filter((r: any) => r.protocol === 'tcp');
    expect(egress.map((r: any) => r.from_port).sort()).toEqual(expect.arrayContaining([443, 7443, 8132]));
    expect(egress.some((r: any) => r.from_port === 6443)).toBe(false);
  });

  test("each tenant's stacks hold only that tenant's resources", () => {
    const { stacks } = synthFleetFile(EXAMPLE_FLEET);
    const tenants = ['alpha', 'bravo', 'charlie'];
    for (const t of tenants) {
      for (const stage of ['control-plane', 'nodes']) {
        const texts = strings(stacks[`tenant-${t}-${stage}`]);
        for (const other of tenants.filter((o) => o !== t)) {
          expect(texts.filter((s) => new RegExp(`\\b${other}\\b`).test(s))).toEqual([]);
        }
      }
    }
  });

  test("adding a tenant changes no resource of the other tenants' stacks", () => {
    const before = synthFleetFile(EXAMPLE_FLEET);
    const after = synthEditedFleet((doc) => {
      doc.addIn(
        ['tenants'],
        doc.createNode({ name: 'delta', kubernetesVersion: 'v1.36.1', workers: [{ name: 'general' }] }),
      );
    });
    expect(Object.keys(after.texts).filter((s) => !(s in before.texts))).toEqual([
      'tenant-delta-control-plane',
      'tenant-delta-nodes',
    ]);
    for (const [stack, text] of Object.entries(before.texts)) expect(after.texts[stack]).toBe(text);
  });

  test('a bad file writes nothing: a previous synth output stays byte-identical', () => {
    const outdir = tempDir();
    expect(synthFleet(path.relative(process.cwd(), EXAMPLE_FLEET), outdir)).toBe(0);
    const snapshot = (dir: string) => {
      const files: Record<string, string> = {};
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) walk(p);
          else files[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
        }
      };
      walk(dir);
      return files;
    };
    const before = snapshot(outdir);
    const bad = editedFleetFile((doc) => {
      doc.setIn(['tenants', 0, 'kubernetesVersion'], 'v1.40.0');
      doc.setIn(['tenants', 1, 'workers', 0, 'maxSize'], 0);
    });
    let stderr = '';
    try {
      expect(synthFleet(path.relative(process.cwd(), bad), outdir, (t) => (stderr += t))).toBe(1);
    } finally {
      fs.rmSync(bad, { force: true });
    }
    expect(stderr).toMatch(/2 problem\(s\); nothing was synthesized/);
    expect(stderr).toMatch(/tenants\[0\]\.kubernetesVersion \(line \d+, column \d+\): "v1\.40\.0"/);
    expect(stderr).toMatch(/tenants\[1\]\.workers\[0\]\.(maxSize|minSize)/);
    expect(snapshot(outdir)).toEqual(before);
  });

  test('generated valid tenants files synthesize, with no secret in the output', () => {
    fc.assert(
      fc.property(validFile, (file) => {
        const f = editedFleetFile((doc) => {
          doc.contents = doc.createNode(file) as never;
        });
        try {
          const { texts } = synthFleetFile(f);
          expect(Object.keys(texts)).toHaveLength(
            1 + file.tenants.length + file.tenants.filter((t) => t.workers.length).length,
          );
          for (const text of Object.values(texts)) {
            expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
            expect(text).not.toMatch(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/);
          }
        } finally {
          fs.rmSync(f, { force: true });
        }
      }),
      { numRuns: 12 },
    );
  });
});

describe('cdktf-kamaji validate', () => {
  test('the example passes with a one-line summary', async () => {
    const { code, stdout, stderr } = await runCli(['validate', path.relative(process.cwd(), EXAMPLE_FLEET)]);
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toMatch(/^examples\/fleet\/tenants\.yaml: valid \(3 tenants, 4 worker pools, 1 DataStores\)\n$/);
  });

  test('a file with ten different mistakes yields ten precise errors and exit code 1', async () => {
    const file = editedFleetFile((doc) => {
      doc.setIn(['tenants', 0, 'name'], 'Alpha');
      doc.setIn(['tenants', 0, 'kubernetesVersion'], '1.37.0');
      doc.setIn(['tenants', 0, 'network'], doc.createNode({ podCidr: '10.0.0.0/8', serviceCidr: '10.96.0.0/16' }));
      doc.setIn(['tenants', 0, 'dataStore'], 'mysql-nowhere');
      doc.setIn(['tenants', 1, 'pki', 'keyPath'], 'pki/bravo/missing.key');
      doc.setIn(['tenants', 1, 'workers', 0, 'desiredSize'], 9);
      doc.setIn(['tenants', 2, 'controlPlane', 'port'], 0);
      doc.setIn(['tenants', 2, 'workers', 1, 'name'], 'general');
      doc.setIn(['tenants', 2, 'workers', 0, 'kubernetesVersion'], 'v1.31.0');
      doc.setIn(['defaults', 'workers', 'subnetIds'], doc.createNode(['subnet-xyz', 'subnet-0a1b2c3d4e5f60719']));
    });
    try {
      const { code, stdout, stderr } = await runCli(['validate', path.relative(process.cwd(), file)]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      const lines = stderr.trim().split('\n');
      expect(lines[0]).toMatch(/: 10 problems$/);
      const fields = lines.slice(1).map((l) => /^ {2}- [^:]+: ([^ ]+) \(line \d+, column \d+\): /.exec(l)?.[1]);
      expect(fields.sort()).toEqual(
        [
          'defaults.workers.subnetIds[0]',
          'tenants[0].dataStore',
          'tenants[0].kubernetesVersion',
          'tenants[0].name',
          'tenants[0].network.serviceCidr',
          'tenants[1].pki.keyPath',
          'tenants[1].workers[0].desiredSize',
          'tenants[2].controlPlane.port',
          'tenants[2].workers[0].kubernetesVersion',
          'tenants[2].workers[1].name',
        ].sort(),
      );
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  test('a bring-your-own CA that is not a CA is rejected with the file path', async () => {
    const dir = tempDir();
    const file = editedFleetFile((doc) => {
      doc.setIn(
        ['tenants', 1, 'pki', 'certPath'],
        path.relative(path.dirname(EXAMPLE_FLEET), path.join(dir, 'ca.crt')),
      );
    });
    fs.writeFileSync(path.join(dir, 'ca.crt'), 'not a certificate');
    try {
      const { code, stderr } = await runCli(['validate', path.relative(process.cwd(), file)]);
      expect(code).toBe(1);
      expect(stderr).toMatch(/tenants\[1\]\.pki\.certPath \(line \d+, column \d+\): .*PEM certificate/);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  test('usage errors exit 2', async () => {
    expect((await runCli(['validate'])).code).toBe(2);
    expect((await runCli(['validate', 'no/such/file.yaml'])).code).toBe(2);
  });

  test('files are taken as given: a YAML stream of documents is not silently half-read', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'stream.yaml');
    fs.writeFileSync(file, `${stringify({ tenants: [] })}---\n${stringify({ tenants: [{ name: 'x' }] })}`);
    const { code, stderr } = await runCli(['validate', file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/\(file\) \(line \d+, column \d+\): "---": is not valid YAML: .*multiple documents/);
  });

  test('a directory or an unreadable path is a usage error, not a stack trace', async () => {
    const dir = tempDir();
    const asDir = await runCli(['validate', dir]);
    expect(asDir).toMatchObject({ code: 2, stdout: '' });
    expect(asDir.stderr).toBe(`cdktf-kamaji validate: ${dir}: is a directory, not a tenants file\n`);
    if (process.getuid?.() !== 0) {
      const locked = path.join(dir, 'locked.yaml');
      fs.writeFileSync(locked, 'tenants: []\n', { mode: 0o000 });
      const unreadable = await runCli(['validate', locked]);
      expect(unreadable).toMatchObject({ code: 2 });
      expect(unreadable.stderr).toBe(`cdktf-kamaji validate: ${locked}: cannot be read (EACCES)\n`);
    }
  });

  test('the fleet app with a missing or wrong KAMAJI_TENANTS_FILE reports it and writes nothing', () => {
    const outdir = tempDir();
    for (const file of [path.join(outdir, 'missing.yaml'), outdir]) {
      let stderr = '';
      expect(synthFleet(file, outdir, (t) => (stderr += t))).toBe(1);
      expect(stderr).toContain(`${file}: 1 problem(s); nothing was synthesized`);
      expect(stderr).toMatch(/\(file\): ".*": must be a readable tenants file \((ENOENT|EISDIR)\)/);
    }
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});

describe('fleet example endpoints', () => {
  test('charlie (exposure AwsElasticIP) gets Elastic IPs in the management region; the others none', () => {
    ensureExamplePki();
    const { stacks } = synthFleetFile(EXAMPLE_FLEET);
    const charlie = stacks['tenant-charlie-control-plane'] as any;
    expect(charlie.provider.aws).toEqual([{ region: 'eu-west-1' }]);
    expect(Object.keys(charlie.resource.aws_eip)).toHaveLength(2);
    const tcp = Object.values(charlie.resource.kubernetes_manifest)[0] as any;
    expect(tcp.manifest.spec.networkProfile.certSANs).toContain('charlie.k8s.example.com');
    expect(tcp.manifest.spec.controlPlane.service.serviceType).toBe('LoadBalancer');
    expect((stacks['tenant-alpha-control-plane'] as any).resource.aws_eip).toBeUndefined();
  });
});

describe('fleet example: the load-balancer check', () => {
  test('loadBalancerIpCheck: false in the file turns the plan-time check off for that tenant', () => {
    ensureExamplePki();
    const { stacks } = synthEditedFleet((d) =>
      d.setIn(['tenants', 0, 'controlPlane'], d.createNode({ loadBalancerIpCheck: false })),
    );
    expect((stacks['tenant-alpha-control-plane'] as any).data.kubernetes_nodes).toBeUndefined();
    expect((stacks['tenant-bravo-control-plane'] as any).data.kubernetes_nodes).toBeDefined();
  });
});
