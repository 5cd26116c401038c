import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { Problems } from '../src/model/errors';
import { renderJoinConfiguration, TaintEffect } from '../src/model/kubeadm';
import {
  BOOTSTRAP_SCRIPT_PATH,
  BOOTSTRAP_UNIT_PATH,
  byteLength,
  gzippedBytes,
  nodeConfigHash,
  NodeBootstrapInput,
  renderBootstrapScript,
  renderBootstrapUnit,
  renderCloudConfig,
  USER_DATA_LIMIT_BYTES,
  worstCaseUserDataBytes,
} from '../src/model/node-bootstrap';
import { checkUserDataSize } from '../src/model/worker-pool';
import { escapeTemplate } from '../src/constructs/aws-worker-pool';
import { ContainerdSource, KAMAJI_MAX_MINOR, MIN_WORKER_MINOR, parseVersion } from '../src/model/versions';
import { tempDir } from './support/synth';
import { terraformEval } from './support/terraform';
import { testWithTool } from './support/tools';

const run = promisify(execFile);

function input(overrides: Partial<NodeBootstrapInput> = {}): NodeBootstrapInput {
  return {
    tenantName: 'demo',
    poolName: 'default',
    version: parseVersion('v1.33.4')!,
    endpoint: 'https://203.0.113.10:6443',
    caData: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64'),
    token: { delivery: 'ssm', parameterName: '/kamaji/demo/bootstrap-token', region: 'eu-west-1' },
    labels: {},
    taints: [],
    joinAttempts: 5,
    ...overrides,
  };
}

const EXTRAS: Partial<NodeBootstrapInput> = {
  labels: { 'example.com/pool': 'default', 'node.kubernetes.io/lifecycle': 'spot' },
  taints: [
    { key: 'dedicated', value: 'gpu', effect: TaintEffect.NO_SCHEDULE },
    { key: 'example.com/draining', effect: TaintEffect.NO_EXECUTE },
  ],
  preJoinScript: 'echo "pre-join on $(hostname)"\n',
  postJoinScript: '  # indented first line\necho joined\n',
  launchHookGroup: 'kamaji-demo-default',
  cloudProviderExternal: true,
};

/** write_files of a cloud-config, by path. */
function files(cloudConfig: string): Record<string, { content: string; permissions: string }> {
  const doc = parse(cloudConfig);
  return Object.fromEntries(doc.write_files.map((f: any) => [f.path, f]));
}

describe('JoinConfiguration', () => {
  test.each([
    ['v1.30.14', 'kubeadm.k8s.io/v1beta3'],
    ['v1.31.0', 'kubeadm.k8s.io/v1beta4'],
    ['v1.36.1', 'kubeadm.k8s.io/v1beta4'],
  ])('%s uses %s', (version, apiVersion) => {
    const doc = parse(renderJoinConfiguration({ version: parseVersion(version)!, labels: {}, taints: [] }));
    expect(doc.apiVersion).toBe(apiVersion);
    expect(doc.kind).toBe('JoinConfiguration');
  });

  test('v1beta4 lists kubeletExtraArgs as name/value, v1beta3 as a map; labels sorted', () => {
    const labels = { 'z.example/b': '2', 'a.example/a': '1' };
    const v4 = parse(renderJoinConfiguration({ version: parseVersion('v1.31.2')!, labels, taints: [] }));
    expect(v4.nodeRegistration.kubeletExtraArgs).toEqual([
      { name: 'node-ip', value: '__NODE_IP__' },
      { name: 'node-labels', value: 'a.example/a=1,z.example/b=2' },
    ]);
    const v3 = parse(renderJoinConfiguration({ version: parseVersion('v1.30.2')!, labels, taints: [] }));
    expect(v3.nodeRegistration.kubeletExtraArgs).toEqual({
      'node-ip': '__NODE_IP__',
      'node-labels': 'a.example/a=1,z.example/b=2',
    });
  });

  test('cloud-provider external: a kubelet arg in both API versions, only when asked for', () => {
    const labels = { 'a.example/a': '1' };
    const render = (version: string, cloudProviderExternal?: boolean) =>
      parse(renderJoinConfiguration({ version: parseVersion(version)!, labels, taints: [], cloudProviderExternal }))
        .nodeRegistration.kubeletExtraArgs;
    expect(render('v1.31.2', true)).toEqual([
      { name: 'node-ip', value: '__NODE_IP__' },
      { name: 'cloud-provider', value: 'external' },
      { name: 'node-labels', value: 'a.example/a=1' },
    ]);
    expect(render('v1.30.2', true)).toEqual({
      'node-ip': '__NODE_IP__',
      'cloud-provider': 'external',
      'node-labels': 'a.example/a=1',
    });
    for (const off of [undefined, false]) {
      expect(JSON.stringify(render('v1.31.2', off))).not.toContain('cloud-provider');
      expect(render('v1.30.2', off)).not.toHaveProperty('cloud-provider');
    }
  });

  test('pins the CA by file discovery and never skips CA verification', () => {
    const text = renderJoinConfiguration({ version: parseVersion('v1.33.0')!, labels: {}, taints: [] });
    const doc = parse(text);
    expect(doc.discovery).toEqual({
      file: { kubeConfigPath: '/etc/kamaji-node/discovery.conf' },
      tlsBootstrapToken: '__BOOTSTRAP_TOKEN__',
    });
    expect(text).not.toMatch(/unsafeSkipCAVerification/);
    expect(doc.nodeRegistration).toMatchObject({ name: '__NODE_NAME__', taints: [] });
  });

  test('taints keep their order, values only when set', () => {
    const doc = parse(
      renderJoinConfiguration({ version: parseVersion('v1.33.0')!, labels: {}, taints: EXTRAS.taints! }),
    );
    expect(doc.nodeRegistration.taints).toEqual([
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'example.com/draining', effect: 'NoExecute' },
    ]);
  });
});

describe('cloud-config', () => {
  test('writes the discovery kubeconfig with endpoint and CA, the join template, and starts the bootstrap unit', () => {
    const cc = renderCloudConfig(input());
    expect(cc.startsWith('#cloud-config\n')).toBe(true);
    const doc = parse(cc);
    // The unit, not runcmd, runs the script: cloud-final does not wait, and systemd restarts it.
    expect(doc.runcmd).toEqual([
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', '--no-block', 'kamaji-node-bootstrap.service'],
    ]);
    expect(files(cc)[BOOTSTRAP_UNIT_PATH]).toEqual({
      path: BOOTSTRAP_UNIT_PATH,
      permissions: '0644',
      content: renderBootstrapUnit(),
    });
    expect(renderBootstrapUnit()).toContain(`ExecStart=${BOOTSTRAP_SCRIPT_PATH}\n`);
    const f = files(cc);
    const discovery = parse(f['/etc/kamaji-node/discovery.conf'].content);
    expect(discovery.clusters[0].cluster).toEqual({
      server: 'https://203.0.113.10:6443',
      'certificate-authority-data': input().caData,
    });
    expect(f['/etc/kamaji-node/join.yaml.tmpl'].permissions).toBe('0600');
    expect(f[BOOTSTRAP_SCRIPT_PATH].permissions).toBe('0700');
    expect(f[BOOTSTRAP_SCRIPT_PATH].content).toBe(renderBootstrapScript(input()));
    expect(f['/etc/modules-load.d/kamaji-node.conf'].content).toBe('overlay\nbr_netfilter\n');
    expect(f['/etc/sysctl.d/99-kamaji-node.conf'].content).toMatch(/net\.ipv4\.ip_forward = 1/);
    expect(f['/etc/kamaji-node/bootstrap-token']).toBeUndefined();
  });

  test('inline delivery writes the token file (0600); ssm delivery names the parameter and region', () => {
    const inline = files(renderCloudConfig(input({ token: { delivery: 'inline', token: 'abcdef.0123456789abcdef' } })));
    expect(inline['/etc/kamaji-node/bootstrap-token']).toMatchObject({
      permissions: '0600',
      content: 'abcdef.0123456789abcdef\n',
    });
    expect(inline[BOOTSTRAP_SCRIPT_PATH].content).not.toMatch(/SSM_PARAMETER|KAMAJI_SSM_ENDPOINT/);
    const ssm = renderBootstrapScript(input());
    expect(ssm).toContain("SSM_PARAMETER='/kamaji/demo/bootstrap-token'");
    expect(ssm).toContain("SSM_REGION='eu-west-1'");
    expect(ssm).toContain('x-amz-security-token');
  });

  test('hooks become scripts; a hook whose first line is indented stays a valid literal block', () => {
    const f = files(renderCloudConfig(input(EXTRAS)));
    expect(f['/etc/kamaji-node/pre-join.sh'].content).toBe(
      '#!/usr/bin/env bash\nset -euo pipefail\necho "pre-join on $(hostname)"\n',
    );
    expect(f['/etc/kamaji-node/post-join.sh'].content).toContain('  # indented first line\necho joined\n');
  });

  test('the script pins kubelet/kubeadm to the version, from the minor repository, and holds them', () => {
    const script = renderBootstrapScript(input({ version: parseVersion('v1.34.2')! }));
    expect(script).toContain("K8S_VERSION='1.34.2'");
    expect(script).toContain("K8S_MINOR='v1.34'");
    expect(script).toContain('https://pkgs.k8s.io/core:/stable:/${K8S_MINOR}/deb/');
    expect(script).toContain('apt-mark hold kubelet kubeadm');
    expect(script).toContain('SystemdCgroup = true');
    expect(script).toContain('ATTEMPTS=5\n');
  });

  test('installs conntrack before kubeadm runs (kubeadm < 1.32 preflight needs it; kubelet packages no longer pull it)', () => {
    for (const version of ['v1.30.14', 'v1.31.14', 'v1.36.0']) {
      const lines = renderBootstrapScript(input({ version: parseVersion(version)! })).split('\n');
      const install = lines.findIndex((l) => /^apt_ install .*\bconntrack\b/.test(l));
      expect(install).toBeGreaterThan(-1);
      expect(install).toBeLessThan(lines.findIndex((l) => l.startsWith('kubeadm join')));
    }
  });

  test('rendering is deterministic and the node-config hash ignores the token but not the version', () => {
    const a = input({ token: { delivery: 'inline', token: 'aaaaaa.aaaaaaaaaaaaaaaa' } });
    const b = input({ token: { delivery: 'inline', token: 'bbbbbb.bbbbbbbbbbbbbbbb' } });
    expect(renderCloudConfig(a)).toBe(renderCloudConfig({ ...a }));
    expect(nodeConfigHash(a)).toBe(nodeConfigHash(b));
    expect(nodeConfigHash(a)).not.toBe(nodeConfigHash({ ...a, version: parseVersion('v1.33.5')! }));
    expect(nodeConfigHash(a)).not.toBe(nodeConfigHash({ ...a, labels: { x: 'y' } }));
  });

  test('size: EC2 receives the cloud-config gzipped; with placeholders it stays under 8 KiB, worst case under 16 KiB', () => {
    const plain = input({ endpoint: 'E', caData: 'C', launchHookGroup: 'kamaji-demo-default' });
    const text = renderCloudConfig(plain);
    // The self-healing boot (unit, apt retries, SigV4 for SSM, EC2 tags and the launch hook) is about
    // 12 KB of text; gzipped, what EC2 counts, well under 8 KiB.
    expect(byteLength(text)).toBeGreaterThan(8 * 1024);
    expect(gzippedBytes(text)).toBeLessThan(8 * 1024);
    expect(worstCaseUserDataBytes(plain)).toBeLessThan(USER_DATA_LIMIT_BYTES - 4 * 1024);
    // The worst-case stand-ins do not compress away: a 4096-character CA adds at least 3 KB gzipped.
    expect(worstCaseUserDataBytes(plain) - gzippedBytes(text)).toBeGreaterThan(3000);
    // Deterministic: the same input, the same number.
    expect(worstCaseUserDataBytes(plain)).toBe(worstCaseUserDataBytes({ ...plain }));
    // An inline token is counted at its worst-case length whatever the value.
    const inline = input({ token: { delivery: 'inline', token: 't' }, launchHookGroup: 'kamaji-demo-default' });
    expect(worstCaseUserDataBytes(inline)).toBe(
      worstCaseUserDataBytes({ ...inline, token: { delivery: 'inline', token: 'u' } }),
    );
    expect(worstCaseUserDataBytes(inline)).toBeGreaterThan(worstCaseUserDataBytes(plain) - 200);
  });

  testWithTool('terraform')(
    "Terraform's base64gzip (what the launch template sends) decompresses to the text, about the size we count",
    () => {
      const text = renderCloudConfig(input({ launchHookGroup: 'kamaji-demo-default' }));
      // As the pool synthesizes it: a local holding the escaped template, sent through base64gzip.
      const encoded = terraformEval('base64gzip(local.text)', { text: escapeTemplate(text) }) as string;
      const raw = Buffer.from(encoded, 'base64');
      expect(raw.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip magic: cloud-init's detection
      expect(gunzipSync(raw).toString('utf8')).toBe(text);
      // Go's compress/gzip and zlib differ by a few bytes; the check keeps 4 KiB of margin.
      expect(Math.abs(raw.length - gzippedBytes(text))).toBeLessThan(0.05 * raw.length);
    },
  );

  test('user data over 16,384 bytes is a problem naming the hook, the size and the limit', () => {
    const problems = new Problems('nodes/PoolDefault');
    // Incompressible padding (gzip would shrink a repeated line to nothing).
    const padding = Array.from(
      { length: 700 },
      (_, i) => `# ${createHash('sha256').update(String(i)).digest('base64')}`,
    );
    const bytes = checkUserDataSize(input({ preJoinScript: padding.join('\n') }), problems);
    expect(bytes).toBeGreaterThan(USER_DATA_LIMIT_BYTES);
    expect(problems.all).toEqual([
      {
        where: 'nodes/PoolDefault',
        field: 'userData (preJoinScript/postJoinScript)',
        value: `${bytes} bytes`,
        rule: expect.stringMatching(/at most 16384 bytes.*worst-case/),
      },
    ]);
    const ok = new Problems('x');
    checkUserDataSize(input(), ok);
    expect(ok.empty).toBe(true);
  });
});

describe('validators', () => {
  const dir = tempDir('kamaji-userdata-');
  const cases: [string, NodeBootstrapInput][] = [];
  for (let minor = MIN_WORKER_MINOR; minor <= KAMAJI_MAX_MINOR; minor++) {
    for (const delivery of ['ssm', 'inline'] as const) {
      for (const extras of [false, true]) {
        const token =
          delivery === 'ssm'
            ? ({ delivery, parameterName: '/kamaji/demo/bootstrap-token', region: 'eu-west-1' } as const)
            : ({ delivery, token: 'abcdef.0123456789abcdef' } as const);
        cases.push([
          `1.${minor} ${delivery}${extras ? ' with labels/taints/hooks/launch hook' : ''}`,
          input({ version: parseVersion(`v1.${minor}.3`)!, token, ...(extras ? EXTRAS : {}) }),
        ]);
        if (!extras) {
          cases.push([
            `1.${minor} ${delivery} with containerd from Ubuntu's archive`,
            input({ version: parseVersion(`v1.${minor}.3`)!, token, containerd: ContainerdSource.UBUNTU_ARCHIVE }),
          ]);
        }
      }
    }
  }

  testWithTool('cloud-init')(
    `all ${cases.length} cloud-configs (1.31..1.36, both deliveries, +/- extras, both containerd sources) pass cloud-init schema`,
    async () => {
      const results = await Promise.all(
        cases.map(async ([name, i], n) => {
          const file = path.join(dir, `cc-${n}.yaml`);
          fs.writeFileSync(file, renderCloudConfig(i));
          try {
            const { stdout } = await run('cloud-init', ['schema', '--config-file', file]);
            return stdout.includes('Valid cloud-config') ? undefined : `${name}: ${stdout}`;
          } catch (e: any) {
            return `${name}: ${e.stdout}${e.stderr}`;
          }
        }),
      );
      expect(results.filter(Boolean)).toEqual([]);
    },
  );

  testWithTool('shellcheck')(`all ${cases.length} bootstrap scripts and hooks pass shellcheck`, async () => {
    const results = await Promise.all(
      cases.map(async ([name, i], n) => {
        const written = files(renderCloudConfig(i));
        const scripts = Object.entries(written).filter(([p]) => p.endsWith('.sh'));
        expect(scripts.length).toBe(i.preJoinScript ? 3 : 1);
        const out: string[] = [];
        for (const [p, f] of scripts) {
          const file = path.join(dir, `script-${n}-${path.basename(p)}`);
          fs.writeFileSync(file, f.content);
          try {
            await run('shellcheck', ['--shell=bash', file]);
          } catch (e: any) {
            out.push(`${name} ${p}: ${e.stdout}`);
          }
        }
        return out.join('\n') || undefined;
      }),
    );
    expect(results.filter(Boolean)).toEqual([]);
  });

  testWithTool('cloud-init')('cloud-init schema rejects a broken config (the check can fail)', async () => {
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(file, renderCloudConfig(input()).replace('write_files:', 'write_files: 3\nx:'));
    await expect(run('cloud-init', ['schema', '--config-file', file])).rejects.toBeTruthy();
  });
});
