import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parse, parseDocument } from 'yaml';
import { buildQuickstart } from '../examples/quickstart/app';
import { ValidationError } from '../src/model/errors';
import { loadTenantsFile, PoolEntry } from '../src/model/tenants-file';
import {
  CA_PLACEHOLDER,
  ENDPOINT_PLACEHOLDER,
  poolInput,
  renderUserDataForPool,
  RenderUserDataOptions,
  tenantPoolUserData,
  TOKEN_VALUE_PLACEHOLDER,
} from '../src/model/user-data';
import { TokenDelivery } from '../src/model/worker-pool';
import { poolOptions } from '../stacks/fleet';
import { cli } from './support/cli';
import { EXAMPLE_FLEET, ensureExamplePki, synthFleetFile } from './support/fleet';
import { synthApp, tempDir, TfJson } from './support/synth';
import { testWithTool } from './support/tools';

beforeAll(ensureExamplePki);

const TENANTS: RenderUserDataOptions[] = [
  { tenantName: 'demo', controlPlaneVersion: 'v1.35.3', awsRegion: 'eu-west-1', pool: { name: 'default' } },
  {
    tenantName: 'demo',
    controlPlaneVersion: 'v1.35.3',
    awsRegion: 'eu-west-1',
    pool: { name: 'edge', tokenDelivery: TokenDelivery.INLINE, kubernetesVersion: 'v1.34.1' },
  },
  { tenantName: 'other', controlPlaneVersion: 'v1.31.0', awsRegion: 'us-east-1', pool: { name: 'a' } },
];

/**
 * A tenants file equivalent to the quickstart app (examples/quickstart/app.ts): tenant demo on
 * v1.35.3, one pool "default" of m7i.large in eu-west-1. Subnets do not shape user data. The README
 * shows this file for quickstart users.
 */
const QUICKSTART_FILE = `defaults:
  awsRegion: eu-west-1
tenants:
  - name: demo
    kubernetesVersion: v1.35.3
    workers:
      - name: default
        instanceType: m7i.large
        minSize: 1
        maxSize: 3
        subnetIds: [subnet-0123456789abcdef0]
`;

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/**
 * Synthesized user data made comparable with the rendered one: every apply-time interpolation and
 * every placeholder becomes `<APPLY-TIME>`, and Terraform's template escapes are undone.
 */
function comparableSynth(text: string): string {
  return (
    text
      // An inline token is the newest of two slots: `${(timecmp(A, B) != -1) ? "${id}.${secret}" : "..."}`.
      .replace(/\$\{\(timecmp\([^)]*\) != -1\) \? "[^"]*" : "[^"]*"\}/g, '<APPLY-TIME>')
      .replace(/(?<!\$)\$\{[^}]*\}/g, '<APPLY-TIME>')
      // An inline token is `${id}.${secret}`: one placeholder in the rendered text.
      .replace(/<APPLY-TIME>\.<APPLY-TIME>/g, '<APPLY-TIME>')
      .replace(/\$\$\{/g, '${')
      .replace(/%%\{/g, '%{')
  );
}
function comparableRendered(text: string): string {
  let out = text;
  for (const p of [ENDPOINT_PLACEHOLDER, CA_PLACEHOLDER, TOKEN_VALUE_PLACEHOLDER])
    out = out.split(p).join('<APPLY-TIME>');
  return out;
}

/** The user data each pool of a synthesized nodes stack gets, by its header line's tenant and pool. */
function synthesizedUserData(stacks: Record<string, TfJson>): Map<string, string> {
  const found = new Map<string, string>();
  for (const stack of Object.values(stacks)) {
    for (const [id, value] of Object.entries(stack.locals ?? {})) {
      if (!/_UserData_/.test(id)) continue;
      const header = /^# cdktf-kamaji worker: tenant (\S+), pool (\S+),/m.exec(String(value));
      if (header) found.set(`${header[1]}/${header[2]}`, String(value));
    }
  }
  return found;
}

describe('user data with placeholders (src/model/user-data)', () => {
  test('renders with marked placeholders for apply-time values; sent gzipped, under 8 KB', () => {
    const ssm = renderUserDataForPool(TENANTS[0]);
    expect(ssm.text).toContain(`server: ${JSON.stringify(ENDPOINT_PLACEHOLDER)}`);
    expect(ssm.text).toContain(`certificate-authority-data: ${JSON.stringify(CA_PLACEHOLDER)}`);
    expect(ssm.text).toContain("SSM_PARAMETER='/kamaji/demo/bootstrap-token'");
    expect(ssm.text).toContain("SSM_REGION='eu-west-1'");
    expect(ssm.bytes).toBe(Buffer.byteLength(ssm.text));
    // Issue 13's self-healing boot (systemd unit, apt retries, SigV4 for SSM, EC2 tags and the launch
    // hook) is about 12.5 KB of text; EC2 receives it gzipped (the launch template's base64gzip).
    expect(ssm.text).toContain("HOOK_GROUP='kamaji-demo-default'");
    expect(ssm.bytes).toBeLessThan(14 * 1024);
    expect(ssm.gzippedBytes).toBe(gzipSync(ssm.text).length);
    expect(ssm.gzippedBytes).toBeLessThan(8 * 1024);
    expect(ssm.worstCaseBytes).toBeGreaterThan(ssm.gzippedBytes);
    const inline = renderUserDataForPool(TENANTS[1]);
    const files = parse(inline.text).write_files.map((f: any) => [f.path, f.content]);
    expect(files).toContainEqual(['/etc/kamaji-node/bootstrap-token', `${TOKEN_VALUE_PLACEHOLDER}\n`]);
    expect(inline.text).toContain("K8S_VERSION='1.34.1'");
    expect(inline.text).not.toContain('SSM_PARAMETER');
  });

  test('bad pool options are a ValidationError naming tenant, pool, field, value and rule', () => {
    expect(() =>
      renderUserDataForPool({ ...TENANTS[0], pool: { name: 'default', kubernetesVersion: 'v1.36.0' } }),
    ).toThrow(ValidationError);
    let error: unknown;
    try {
      renderUserDataForPool({ ...TENANTS[0], pool: { name: 'default', httpPutResponseHopLimit: 0 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      expect.objectContaining({
        where: 'user data (tenant demo, pool default)',
        field: 'httpPutResponseHopLimit',
        value: 0,
      }),
    ]);
    expect(() => renderUserDataForPool({ ...TENANTS[0], controlPlaneVersion: 'latest' })).toThrow(
      /controlPlaneVersion: "latest": must be a Kubernetes version/,
    );
  });

  test("a tenants-file pool maps to the same worker-pool input as the fleet app's (no drift)", () => {
    const loaded = loadTenantsFile(fs.readFileSync(EXAMPLE_FLEET, 'utf8'), EXAMPLE_FLEET);
    const pools: PoolEntry[] = [
      ...loaded.tenants!.flatMap((t) => t.workers),
      {
        name: 'every-field',
        instanceType: 'c7i.xlarge',
        minSize: 0,
        maxSize: 7,
        desiredSize: 2,
        subnetIds: ['subnet-0123456789abcdef0'],
        labels: { a: 'b' },
        taints: [{ key: 'k', effect: 'NoExecute' }],
        tokenDelivery: 'inline',
        kubernetesVersion: 'v1.34.0',
        rootVolumeSizeGiB: 50,
        amiId: 'ami-0123456789abcdef0',
        spot: true,
      },
      { name: 'bare' },
    ];
    for (const pool of pools) expect(poolInput(pool)).toEqual(poolOptions(pool));
  });
});

describe('cdktf-kamaji render-userdata --file', () => {
  test('a file with one tenant and one pool needs no --tenant or --pool', async () => {
    const file = write(tempDir(), 'one.yaml', QUICKSTART_FILE);
    const result = await cli(['render-userdata', '--file', file]);
    expect(result.code).toBe(0);
    const loaded = loadTenantsFile(QUICKSTART_FILE, file);
    const tenant = loaded.tenants![0];
    expect(result.stdout).toBe(renderUserDataForPool(tenantPoolUserData(tenant, tenant.workers[0])).text);
    expect(result.stdout.startsWith('#cloud-config\n# cdktf-kamaji worker: tenant demo, pool default,')).toBe(true);
    expect(result.stderr).toMatch(
      /^tenant demo, pool default: \d+ bytes of cloud-config with placeholders, sent gzipped: \d+ bytes; \d+ with worst-case apply-time values \(EC2 limit 16384\)\n$/,
    );
    // Same answer with explicit names and the --flag=value form.
    const named = await cli(['render-userdata', `--file=${file}`, '--tenant=demo', '--pool', 'default']);
    expect(named).toEqual(result);
  });

  test("the quickstart-equivalent file renders exactly the quickstart pool's synthesized user data", async () => {
    const file = write(tempDir(), 'quickstart.yaml', QUICKSTART_FILE);
    const rendered = await cli(['render-userdata', '--file', file]);
    expect(rendered.code).toBe(0);
    const synthesized = synthesizedUserData(synthApp((app) => buildQuickstart(app)).stacks);
    expect([...synthesized.keys()]).toEqual(['demo/default']);
    expect(comparableRendered(rendered.stdout)).toBe(comparableSynth(synthesized.get('demo/default')!));
  });

  test('every pool of the fleet example renders exactly what the fleet app synthesizes', async () => {
    const synthesized = synthesizedUserData(synthFleetFile(EXAMPLE_FLEET).stacks);
    expect([...synthesized.keys()].sort()).toEqual([
      'alpha/general',
      'bravo/general',
      'charlie/batch',
      'charlie/general',
    ]);
    for (const key of synthesized.keys()) {
      const [tenant, pool] = key.split('/');
      const result = await cli(['render-userdata', '--file', EXAMPLE_FLEET, '--tenant', tenant, '--pool', pool]);
      expect(result.code).toBe(0);
      expect(comparableRendered(result.stdout)).toBe(comparableSynth(synthesized.get(key)!));
    }
    // The inline-token pool shows the token placeholder; the SSM pools the parameter and region.
    const batch = await cli(['render-userdata', '--file', EXAMPLE_FLEET, '--tenant', 'charlie', '--pool', 'batch']);
    expect(batch.stdout).toContain(TOKEN_VALUE_PLACEHOLDER);
    expect(batch.stdout).toContain('effect: "NoSchedule"');
  });

  test('several tenants or pools: asks for --tenant / --pool and lists them', async () => {
    const noTenant = await cli(['render-userdata', '--file', EXAMPLE_FLEET]);
    expect(noTenant).toEqual({
      code: 2,
      stdout: '',
      stderr: `cdktf-kamaji render-userdata: ${EXAMPLE_FLEET} has 3 tenants: pass --tenant NAME (tenants: alpha, bravo, charlie)\n`,
    });
    const noPool = await cli(['render-userdata', '--file', EXAMPLE_FLEET, '--tenant', 'charlie']);
    expect(noPool.code).toBe(2);
    expect(noPool.stderr).toBe(
      'cdktf-kamaji render-userdata: tenant "charlie" has 2 worker pools: pass --pool NAME (worker pools: general, batch)\n',
    );
    // A tenant with one pool needs no --pool.
    expect((await cli(['render-userdata', '--file', EXAMPLE_FLEET, '--tenant', 'alpha'])).code).toBe(0);
  });

  test('an unknown tenant or pool: did you mean, and the list', async () => {
    const tenant = await cli(['render-userdata', '--file', EXAMPLE_FLEET, '--tenant', 'charly']);
    expect(tenant.code).toBe(2);
    expect(tenant.stdout).toBe('');
    expect(tenant.stderr).toBe(
      `cdktf-kamaji render-userdata: ${EXAMPLE_FLEET} has no tenant "charly" (did you mean "charlie"?); tenants: alpha, bravo, charlie\n`,
    );
    const far = await cli(['render-userdata', '--file', EXAMPLE_FLEET, '--tenant', 'zulu']);
    expect(far.stderr).toContain('has no tenant "zulu"; tenants: alpha, bravo, charlie');
    const pool = await cli(['render-userdata', '--file', EXAMPLE_FLEET, '--tenant', 'charlie', '--pool', 'bach']);
    expect(pool.code).toBe(2);
    expect(pool.stderr).toContain(
      'tenant "charlie" has no worker pool "bach" (did you mean "batch"?); worker pools: general, batch',
    );
    // The name is matched exactly: no case folding, no prefix.
    expect((await cli(['render-userdata', '--file', EXAMPLE_FLEET, '--tenant', 'Alpha'])).code).toBe(2);
  });

  test('a tenant without pools, a file without tenants', async () => {
    const dir = tempDir();
    const none = write(dir, 'none.yaml', 'tenants:\n  - name: lonely\n    kubernetesVersion: v1.35.3\n');
    const noPools = await cli(['render-userdata', '--file', none]);
    expect(noPools).toMatchObject({ code: 2, stdout: '' });
    expect(noPools.stderr).toBe(
      'cdktf-kamaji render-userdata: tenant "lonely" has no worker pools: nothing to render\n',
    );
    const empty = write(dir, 'empty.yaml', 'tenants: []\n');
    expect((await cli(['render-userdata', '--file', empty])).stderr).toBe(
      `cdktf-kamaji render-userdata: ${empty} has no tenants: nothing to render\n`,
    );
  });

  test('a file with problems renders nothing and lists each problem once', async () => {
    const dir = tempDir();
    const file = write(
      dir,
      'bad.yaml',
      QUICKSTART_FILE.replace('kubernetesVersion: v1.35.3', 'kubernetesVersion: v1.99.0').replace(
        'maxSize: 3',
        'maxSize: 0',
      ),
    );
    const result = await cli(['render-userdata', '--file', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`${file}: 2 problems; nothing rendered (cdktf-kamaji validate checks the whole file)`);
    expect(lines.slice(1)).toEqual([
      `  - ${file}: tenants[0].workers[0].maxSize (line 10, column 9): 0: must be from 1 to inf`,
      expect.stringMatching(
        /^ {2}- .*: tenants\[0\]\.kubernetesVersion \(line 5, column 5\): "v1\.99\.0": must be within/,
      ),
    ]);
  });

  test('user data over the EC2 limit is reported with its size, at the pool', async () => {
    // Incompressible values: user data is measured gzipped.
    const value = (i: number) =>
      createHash('sha512')
        .update(String(i))
        .digest('base64')
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 60);
    const labels = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`label-${i}`, value(i)]));
    const doc = parseDocument(QUICKSTART_FILE);
    doc.setIn(['tenants', 0, 'workers', 0, 'labels'], doc.createNode(labels));
    const file = write(tempDir(), 'big.yaml', doc.toString());
    const result = await cli(['render-userdata', '--file', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /tenants\[0\]\.workers\[0\]\.userData \(line \d+, column \d+\): "\d+ bytes": must be at most 16384 bytes/,
    );
  });

  test('CA files are not needed: user data does not hold the CA (validate still checks them)', async () => {
    const doc = parseDocument(QUICKSTART_FILE);
    doc.setIn(
      ['tenants', 0, 'pki'],
      doc.createNode({ source: 'files', certPath: 'nope/ca.crt', keyPath: 'nope/ca.key' }),
    );
    const file = write(tempDir(), 'byo.yaml', doc.toString());
    expect((await cli(['render-userdata', '--file', file])).code).toBe(0);
    const validate = await cli(['validate', file]);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain('tenants[0].pki.certPath');
  });

  test('usage errors: --file is required, FILE is not positional, bad flags, missing files', async () => {
    const dir = tempDir();
    expect(await cli(['render-userdata'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'cdktf-kamaji render-userdata: --file FILE is required: the tenants file whose worker pool to render\n',
    });
    expect((await cli(['render-userdata', 'fleet.yaml'])).stderr).toBe(
      'cdktf-kamaji render-userdata: unexpected argument "fleet.yaml"; pass the tenants file as --file fleet.yaml\n',
    );
    expect((await cli(['render-userdata', '--file'])).stderr).toBe(
      'cdktf-kamaji render-userdata: --file needs a value\n',
    );
    expect((await cli(['render-userdata', '--file', '--tenant', 'a'])).stderr).toBe(
      'cdktf-kamaji render-userdata: --file needs a value (got option --tenant)\n',
    );
    const typo = await cli(['render-userdata', '--file', EXAMPLE_FLEET, '--tennant', 'alpha']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      'cdktf-kamaji render-userdata: unknown option --tennant (did you mean --tenant?); options: --file, --tenant, --pool\n',
    );
    const missing = path.join(dir, 'missing.yaml');
    expect((await cli(['render-userdata', '--file', missing])).stderr).toBe(
      `cdktf-kamaji render-userdata: --file ${missing}: no such file\n`,
    );
    expect((await cli(['render-userdata', '--file', dir])).stderr).toBe(
      `cdktf-kamaji render-userdata: --file ${dir}: is a directory, not a tenants file\n`,
    );
  });

  test('a file that is not a tenants file gets one short problem', async () => {
    const readme = path.join(__dirname, '..', 'README.md');
    const result = await cli(['render-userdata', '--file', readme]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('is not a tenants file');
  });

  testWithTool('cloud-init')('its output passes cloud-init schema', async () => {
    const dir = tempDir('kamaji-render-');
    for (const [tenant, pool] of [
      ['alpha', 'general'],
      ['charlie', 'batch'],
    ]) {
      const result = await cli(['render-userdata', '--file', EXAMPLE_FLEET, '--tenant', tenant, '--pool', pool]);
      const file = write(dir, `${tenant}-${pool}.yaml`, result.stdout);
      const { stdout } = await promisify(execFile)('cloud-init', ['schema', '--config-file', file]);
      expect(stdout).toContain('Valid cloud-config');
    }
    for (const [i, t] of TENANTS.entries()) {
      const file = write(dir, `${i}.yaml`, renderUserDataForPool(t).text);
      const { stdout } = await promisify(execFile)('cloud-init', ['schema', '--config-file', file]);
      expect(stdout).toContain('Valid cloud-config');
    }
  });
});
