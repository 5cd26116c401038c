import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { main } from '../src/cli';
import {
  CA_PLACEHOLDER,
  ENDPOINT_PLACEHOLDER,
  renderUserDataCommand,
  RenderUserDataOptions,
  renderUserDataForPool,
  TOKEN_VALUE_PLACEHOLDER,
} from '../src/cli/render-userdata';
import { TokenDelivery } from '../src/constructs/aws-worker-pool';
import { ValidationError } from '../src/model/errors';
import { tempDir } from './support/synth';
import { testWithTool } from './support/tools';

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

function capture(run: () => Promise<number> | number) {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: any) => (out.push(String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => (err.push(String(s)), true));
  return new Promise<number>((resolve) => resolve(run())).then(
    (code) => {
      o.mockRestore();
      e.mockRestore();
      return { code, stdout: out.join(''), stderr: err.join('') };
    },
    (error) => {
      o.mockRestore();
      e.mockRestore();
      throw error;
    },
  );
}

describe('render-userdata', () => {
  test('renders with marked placeholders for apply-time values, under 8 KB', () => {
    const ssm = renderUserDataForPool(TENANTS[0]);
    expect(ssm.text).toContain(`server: ${JSON.stringify(ENDPOINT_PLACEHOLDER)}`);
    expect(ssm.text).toContain(`certificate-authority-data: ${JSON.stringify(CA_PLACEHOLDER)}`);
    expect(ssm.text).toContain("SSM_PARAMETER='/kamaji/demo/bootstrap-token'");
    expect(ssm.bytes).toBe(Buffer.byteLength(ssm.text));
    expect(ssm.bytes).toBeLessThan(8192);
    expect(ssm.worstCaseBytes).toBeGreaterThan(ssm.bytes);
    const inline = renderUserDataForPool(TENANTS[1]);
    const files = parse(inline.text).write_files.map((f: any) => [f.path, f.content]);
    expect(files).toContainEqual(['/etc/kamaji-node/bootstrap-token', `${TOKEN_VALUE_PLACEHOLDER}\n`]);
    expect(inline.text).toContain("K8S_VERSION='1.34.1'");
  });

  test('bad pool options are a ValidationError naming tenant, pool, field and rule', () => {
    expect(() =>
      renderUserDataForPool({ ...TENANTS[0], pool: { name: 'default', kubernetesVersion: 'v1.36.0' } }),
    ).toThrow(ValidationError);
    try {
      renderUserDataForPool({ ...TENANTS[0], pool: { name: 'default', httpPutResponseHopLimit: 0 } });
    } catch (e) {
      expect((e as ValidationError).problems).toEqual([
        expect.objectContaining({
          where: 'render-userdata (tenant demo, pool default)',
          field: 'httpPutResponseHopLimit',
          value: 0,
        }),
      ]);
    }
  });

  test('the command picks tenant and pool, prints the config, and the size on stderr', async () => {
    const command = renderUserDataCommand(() => TENANTS);
    const first = await capture(() => command.run([]));
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(renderUserDataForPool(TENANTS[0]).text);
    expect(first.stderr).toMatch(
      /^\d+ bytes of user data with placeholders; \d+ with worst-case apply-time values \(EC2 limit 16384\)\n$/,
    );
    const edge = await capture(() => command.run(['--tenant', 'demo', '--pool=edge']));
    expect(edge.stdout).toBe(renderUserDataForPool(TENANTS[1]).text);
    const other = await capture(() => command.run(['--tenant', 'other']));
    expect(other.stdout).toContain("K8S_MINOR='v1.31'");
    await expect(capture(() => command.run(['--tenant', 'nope']))).rejects.toThrow(
      /no tenant "nope" \(tenants: demo, other\)/,
    );
    await expect(capture(() => command.run(['--pool', 'gpu']))).rejects.toThrow(
      /has no pool "gpu" \(pools: default, edge\)/,
    );
  });

  test('cdktf-kamaji render-userdata runs against the quickstart app', async () => {
    const result = await capture(() => main(['render-userdata']));
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith('#cloud-config\n')).toBe(true);
    expect(result.stderr).toMatch(/bytes of user data/);
    const bad = await capture(() => main(['render-userdata', '--bogus']));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown option --bogus/);
  });

  testWithTool('cloud-init')('its output passes cloud-init schema', async () => {
    const dir = tempDir('kamaji-render-');
    for (const [i, t] of TENANTS.entries()) {
      const file = path.join(dir, `${i}.yaml`);
      fs.writeFileSync(file, renderUserDataForPool(t).text);
      const { stdout } = await promisify(execFile)('cloud-init', ['schema', '--config-file', file]);
      expect(stdout).toContain('Valid cloud-config');
    }
  });
});
