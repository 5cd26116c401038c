/**
 * Fleet operations in the review (issue 14): the node configuration diff of a pool, rolling
 * replacements, removed pools, decommissioned tenants, a CA flag that only a new CA raises, and
 * reviews from Terraform plans (`--plan`, fixtures in test/fixtures/review/plans).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { ValidationError } from '../src/model/errors';
import { loadTenantsFile } from '../src/model/tenants-file';
import {
  CA_PLACEHOLDER,
  ENDPOINT_PLACEHOLDER,
  TOKEN_VALUE_PLACEHOLDER,
  checkTenantUserData,
  renderUserDataForPool,
  tenantPoolUserData,
} from '../src/model/user-data';
import { DiffSource, ResourceAction } from '../src/review/diff';
import { RiskKind, RiskLevel } from '../src/review/flags';
import { renderMarkdown } from '../src/review/markdown';
import { nodeConfigOf, publicNodeConfig, unifiedDiff } from '../src/review/node-config';
import { KNOWN_AFTER_APPLY, actionOf, markedSensitive, readPlans } from '../src/review/plan';
import { Review, review } from '../src/review/review';
import { SynthOutput, readSynthOutput } from '../src/review/synth-output';
import { Fleet, baseFleet, synthFleet, withTenant } from './fixtures/review/fleet';
import { cli } from './support/cli';
import { EXAMPLE_FLEET, ensureExamplePki, synthEditedFleet, synthFleetFile } from './support/fleet';
import { tempDir } from './support/synth';
import { testWithTool } from './support/tools';

const PLANS = path.join(__dirname, 'fixtures', 'review', 'plans');

let baseDir: string;
let base: SynthOutput;
beforeAll(() => {
  baseDir = synthFleet(baseFleet());
  base = readSynthOutput(baseDir);
});

const against = (head: Fleet, from: SynthOutput = base): Review => review(from, readSynthOutput(synthFleet(head)));
const flagsOf = (r: Review) => r.flags.map((f) => `${f.kind} ${f.tenant ?? '-'}`);
const change = (r: Review, stack: string, address: string) =>
  r.stacks.find((s) => s.id === stack)!.resources.find((c) => c.address === address);

describe('node configuration diff', () => {
  test('is the exact text render-userdata prints, for an SSM pool and an inline pool of the example', () => {
    // The cloud-config each node receives, with the same placeholders for apply-time values.
    ensureExamplePki();
    const out = readSynthOutput(synthFleetFile(EXAMPLE_FLEET).outdir);
    const loaded = loadTenantsFile(fs.readFileSync(EXAMPLE_FLEET, 'utf8'), EXAMPLE_FLEET, {
      tenant: checkTenantUserData,
    });
    const charlie = loaded.tenants!.find((t) => t.name === 'charlie')!;
    const nodes = out.stacks.get('tenant-charlie-nodes')!;
    for (const pool of charlie.workers) {
      const lt = [...nodes.resources.values()].find(
        (r) => r.type === 'aws_launch_template' && (r.config.tags as any)['cdktf-kamaji/pool'] === pool.name,
      )!;
      const shown = nodeConfigOf(nodes, lt.address)!;
      expect(shown).toBe(renderUserDataForPool(tenantPoolUserData(charlie, pool)).text);
      expect(shown).toContain(ENDPOINT_PLACEHOLDER);
      expect(shown).toContain(CA_PLACEHOLDER);
      expect(shown.includes(TOKEN_VALUE_PLACEHOLDER)).toBe(pool.tokenDelivery === 'inline');
      expect(shown).not.toMatch(/\blocal\.|random_string|time_rotating/); // no Terraform reference left
    }
  });

  test('a version bump shows the changed lines of the pool, placeholders and no token', () => {
    const r = against(
      withTenant(baseFleet(), 'alpha', { version: 'v1.35.0', tokenDelivery: 'inline' }),
      readSynthOutput(synthFleet(withTenant(baseFleet(), 'alpha', { tokenDelivery: 'inline' }))),
    );
    const lt = change(r, 'tenant-alpha-nodes', 'aws_launch_template.LaunchTemplate')!;
    expect(lt.nodeConfig).toEqual({
      pool: 'general',
      lines: [
        '@@ -1,5 +1,5 @@',
        ' #cloud-config',
        '-# cdktf-kamaji worker: tenant alpha, pool general, Kubernetes v1.34.2',
        '+# cdktf-kamaji worker: tenant alpha, pool general, Kubernetes v1.35.0',
        ' write_files:',
        ' - path: "/etc/kamaji-node/discovery.conf"',
        '   content: |',
        '@@ -9,7 +9,7 @@',
        '   content: |',
        '     #!/bin/bash',
        '     set -euo pipefail',
        '-    KUBERNETES_VERSION=v1.34.2',
        '+    KUBERNETES_VERSION=v1.35.0',
        `     BOOTSTRAP_TOKEN=${TOKEN_VALUE_PLACEHOLDER}.${TOKEN_VALUE_PLACEHOLDER}`,
        '     ROOT="${KAMAJI_NODE_ROOT:-}"',
        '     kubeadm join --config /etc/kubeadm/join.yaml',
      ],
    });
    const md = renderMarkdown(r);
    expect(md).toContain('<details><summary>Node configuration of pool `general`');
    expect(md).toContain('  ```diff\n  @@ -1,5 +1,5 @@\n   #cloud-config\n');
    expect(md).not.toMatch(/random_string|\$\{local\./);
  });

  test('no diff when only the token rotates or nothing in the node config changes', () => {
    const r = against(withTenant(baseFleet(), 'beta', { pool: { min: 2, max: 6, desired: 4 } }));
    expect(change(r, 'tenant-beta-nodes', 'aws_launch_template.LaunchTemplate')).toBeUndefined();
    expect(renderMarkdown(r)).not.toContain('Node configuration');
  });

  test('placeholders: endpoint, CA, token, other expressions by their reference; escapes unescaped', () => {
    const text = publicNodeConfig(
      [
        'server: ${local.K.clusters.0.cluster.server}',
        'ca: ${local.K.clusters.0.cluster["certificate-authority-data"]}',
        'token: ${x ? "${random_string.A.result}.${random_string.B.result}" : "${random_password.C.result}"}',
        'parameter: ${aws_ssm_parameter.P.name}',
        'shell: $${HOME} %%{literal}',
      ].join('\n'),
    );
    expect(text.split('\n')).toEqual([
      `server: ${ENDPOINT_PLACEHOLDER}`,
      `ca: ${CA_PLACEHOLDER}`,
      `token: ${TOKEN_VALUE_PLACEHOLDER}`,
      'parameter: <APPLY-TIME: aws_ssm_parameter.P.name>',
      'shell: ${HOME} %{literal}',
    ]);
  });

  test('a line shaped like a token or a private key is never printed', () => {
    // The PEM marker is assembled so no tracked file holds a private-key header.
    const pem = ['-----BEGIN RSA', 'PRIVATE KEY-----'].join(' ');
    const text = publicNodeConfig(`a: 1\ntoken: abcdef.0123456789abcdef\n${pem}\nb: 2`);
    expect(text).toBe('a: 1\n(sensitive line)\n(sensitive line)\nb: 2');
  });

  test('unified diff: hunks with 3 lines of context, nearby changes merged, equal texts give none', () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);
    const a = lines(20);
    const b = [...a];
    b[1] = 'two';
    b[4] = 'five';
    b[17] = 'eighteen';
    expect(unifiedDiff(a.join('\n'), b.join('\n'))).toEqual([
      '@@ -1,8 +1,8 @@',
      ' line 1',
      '-line 2',
      '+two',
      ' line 3',
      ' line 4',
      '-line 5',
      '+five',
      ' line 6',
      ' line 7',
      ' line 8',
      '@@ -15,6 +15,6 @@',
      ' line 15',
      ' line 16',
      ' line 17',
      '-line 18',
      '+eighteen',
      ' line 19',
      ' line 20',
    ]);
    expect(unifiedDiff('same', 'same')).toBeUndefined();
    expect(unifiedDiff('', 'new')).toEqual(['@@ -1,1 +1,1 @@', '-', '+new']);
  });
});

describe('rolling replacement of a pool', () => {
  test('an SSM pool (ASG on latest_version): a launch template change rolls it, with its size', () => {
    const r = against(withTenant(baseFleet(), 'beta', { version: 'v1.35.4' }));
    expect(flagsOf(r)).toEqual(['worker-pool-rolled beta']);
    expect(r.flags[0]).toMatchObject({ level: RiskLevel.WARNING, stack: 'tenant-beta-nodes' });
    expect(r.flags[0].reason).toBe(
      'rolling replacement of pool general (1..3 nodes): its launch template changes (user_data); an instance refresh replaces every node (launch before terminate, each drained)',
    );
  });

  test('an inline pool ($Latest): a launch template change alone rolls nothing, the node-config tag does', () => {
    const inline = withTenant(baseFleet(), 'alpha', { tokenDelivery: 'inline' });
    const from = readSynthOutput(synthFleet(inline));
    // Token rotation: the user data's token changes in the real plan, never the tag.
    const rotated = readSynthOutput(synthFleet(inline));
    const lt = rotated.stacks.get('tenant-alpha-nodes')!.resources.get('aws_launch_template.LaunchTemplate')!;
    (lt.config as any).description = 'a new version of the template';
    expect(flagsOf(review(from, rotated))).toEqual([]);
    const bumped = review(
      from,
      readSynthOutput(
        synthFleet({
          ...inline,
          tenants: inline.tenants.map((t) => (t.name === 'alpha' ? { ...t, version: 'v1.34.3' } : t)),
        }),
      ),
    );
    expect(flagsOf(bumped)).toEqual(['worker-pool-rolled alpha']);
    expect(bumped.flags[0].reason).toContain('its Auto Scaling group changes a refresh trigger (tag[2].value)');
  });

  test('no instance_refresh block: new configuration reaches new nodes only, no flag', () => {
    const from = readSynthOutput(synthFleet(withTenant(baseFleet(), 'alpha', { noInstanceRefresh: true })));
    const r = against(withTenant(baseFleet(), 'alpha', { noInstanceRefresh: true, version: 'v1.34.3' }), from);
    expect(flagsOf(r)).toEqual([]);
    expect(change(r, 'tenant-alpha-nodes', 'aws_launch_template.LaunchTemplate')!.nodeConfig).toBeDefined();
  });

  test('launch template tags (not part of a version) and pool resizing roll nothing', () => {
    const head = readSynthOutput(
      synthFleet(withTenant(baseFleet(), 'alpha', { pool: { min: 2, max: 5, desired: 2 } })),
    );
    const lt = head.stacks.get('tenant-alpha-nodes')!.resources.get('aws_launch_template.LaunchTemplate')!;
    (lt.config as any).tags = { ...(lt.config as any).tags, team: 'platform' };
    const r = review(base, head);
    expect(flagsOf(r)).toEqual([]);
    expect(
      change(r, 'tenant-alpha-nodes', 'aws_launch_template.LaunchTemplate')!.attributes.map((a) => a.path),
    ).toEqual(['tags.team']);
  });

  test('an image change is one flag per pool that says rolling replacement, with the pool size', () => {
    const head = readSynthOutput(synthFleet(baseFleet()));
    const lt = head.stacks.get('tenant-alpha-nodes')!.resources.get('aws_launch_template.LaunchTemplate')!;
    (lt.config as any).image_id = 'ami-0fedcba9876543210';
    const r = review(base, head);
    expect(flagsOf(r)).toEqual(['worker-image-changed alpha']);
    expect(r.flags[0].reason).toBe(
      'rolling replacement of pool general (1..3 nodes): the image of aws_launch_template.LaunchTemplate changes from ami-0123456789abcdef0 to ami-0fedcba9876543210 (instance refresh, launch before terminate, each node drained)',
    );
  });
});

describe('pools removed', () => {
  test('a pool whose resources leave a nodes stack: drained and terminated, not "replaced"', () => {
    const from = readSynthOutput(synthFleet(withTenant(baseFleet(), 'beta', { batchPool: true })));
    const r = review(from, readSynthOutput(baseDir));
    expect(flagsOf(r)).toEqual(['worker-pool-removed beta']);
    expect(r.flags[0]).toMatchObject({ level: RiskLevel.WARNING, stack: 'tenant-beta-nodes' });
    expect(r.flags[0].reason).toBe(
      'pool batch removed: its nodes are drained and terminated (aws_autoscaling_group.AutoScalingGroupBatch, 0..10 nodes)',
    );
    expect(
      r.stacks
        .find((s) => s.id === 'tenant-beta-nodes')!
        .resources.map((c) => `${c.action} ${c.address}`)
        .filter((c) => c.startsWith('delete')),
    ).toEqual(['delete aws_autoscaling_group.AutoScalingGroupBatch', 'delete aws_launch_template.LaunchTemplateBatch']);
  });

  test('adding a pool raises nothing; renaming a pool (new name_prefix) is still a replacement', () => {
    expect(flagsOf(against(withTenant(baseFleet(), 'beta', { batchPool: true })))).toEqual([]);
    expect(flagsOf(against(withTenant(baseFleet(), 'beta', { poolNamePrefix: 'beta-workers-' })))).toEqual([
      'worker-pool-replaced beta',
      'worker-pool-replaced beta',
    ]);
  });
});

describe('decommissioning (kamaji_decommission in the stack locals)', () => {
  const decommissioned = () => withTenant(baseFleet(), 'alpha', { decommission: true });

  test('a tenant newly marked: one high flag, its stacks destroyed nodes first; nothing else flagged for it', () => {
    // A version jump in the same change would be a version-skip for a live tenant; not for this one.
    const r = against(withTenant(decommissioned(), 'alpha', { version: 'v1.36.0' }));
    expect(flagsOf(r)).toEqual(['tenant-decommissioned alpha']);
    expect(r.flags[0]).toMatchObject({ level: RiskLevel.HIGH, stack: 'tenant-alpha-control-plane' });
    expect(r.flags[0].reason).toMatch(
      /^tenant alpha decommissioned: its stacks will be destroyed \(nodes, then control plane\): tenant-alpha-control-plane, tenant-alpha-nodes;/,
    );
  });

  test('the marked stacks count as changed and say so, though no resource changes', () => {
    const r = against(decommissioned());
    expect(r.summary.tenants.changed).toEqual(['alpha']);
    const cp = r.stacks.find((s) => s.id === 'tenant-alpha-control-plane')!;
    expect(cp).toMatchObject({ status: 'changed', decommissioned: true, resources: [] });
    expect(renderMarkdown(r)).toContain(
      '#### `tenant-alpha-nodes` (nodes): changed\n\nMarked for decommission: the pipeline destroys this stack.',
    );
  });

  test('a revoked mark is reviewed like any change', () => {
    const from = readSynthOutput(synthFleet(decommissioned()));
    expect(flagsOf(against(withTenant(baseFleet(), 'alpha', { version: 'v1.36.0' }), from))).toEqual([
      'version-skip alpha',
      'worker-pool-rolled alpha',
    ]);
  });

  test('a marked tenant that stays marked raises nothing again', () => {
    const from = readSynthOutput(synthFleet(decommissioned()));
    expect(flagsOf(against(decommissioned(), from))).toEqual([]);
  });

  test('stacks dropped after their decommission: info, decommission completed', () => {
    const from = readSynthOutput(synthFleet(decommissioned()));
    const r = against({ ...baseFleet(), tenants: baseFleet().tenants.filter((t) => t.name !== 'alpha') }, from);
    expect(flagsOf(r)).toEqual(['decommission-completed alpha', 'decommission-completed alpha']);
    expect(r.flags.map((f) => f.level)).toEqual([RiskLevel.INFO, RiskLevel.INFO]);
    expect(r.flags[0].reason).toBe(
      'stack tenant-alpha-control-plane was marked for decommission and is gone from the app: decommission completed',
    );
  });

  test('stacks dropped without a decommission: high, refused by the deploy, resources orphaned', () => {
    const r = against({ ...baseFleet(), tenants: baseFleet().tenants.filter((t) => t.name !== 'alpha') });
    expect(flagsOf(r)).toEqual(['control-plane-removed alpha', 'stack-removed alpha', 'stack-removed alpha']);
    const removed = r.flags.filter((f) => f.kind === RiskKind.STACK_REMOVED);
    expect(removed.map((f) => f.level)).toEqual([RiskLevel.HIGH, RiskLevel.HIGH]);
    expect(removed[1].reason).toMatch(
      /^stack tenant-alpha-nodes is gone from the app without being decommissioned: refused by the deploy, its \d+ resources would be orphaned \(mark tenant alpha `decommission: true`, deploy, then remove it\)$/,
    );
  });

  test('the Markdown marks each flag with its level (high is the default and unmarked)', () => {
    const from = readSynthOutput(synthFleet(decommissioned()));
    const md = renderMarkdown(against({ ...baseFleet(), tenants: [baseFleet().tenants[1]] }, from));
    expect(md).toContain('- **decommission-completed** _info_ (tenant `alpha`): stack tenant-alpha-control-plane');
  });
});

describe('CA changes: a new CA raises the flag, a moved file does not', () => {
  /** The example with bravo on a files CA (pki/bravo next to the file): the case where paths matter. */
  const withFilesCa = (d: ReturnType<typeof parseDocument>) =>
    d.setIn(
      ['tenants', 1, 'pki'],
      d.createNode({ source: 'files', certPath: 'pki/bravo/ca.crt', keyPath: 'pki/bravo/ca.key' }),
    );
  function copyExample(dir: string, ca?: { certificatePem: string; keyPem: string }): string {
    const pki = path.join(dir, 'pki', 'bravo');
    fs.mkdirSync(pki, { recursive: true });
    const source = path.join(path.dirname(EXAMPLE_FLEET), 'pki', 'bravo');
    fs.writeFileSync(path.join(pki, 'ca.crt'), ca?.certificatePem ?? fs.readFileSync(path.join(source, 'ca.crt')));
    fs.writeFileSync(path.join(pki, 'ca.key'), ca?.keyPem ?? fs.readFileSync(path.join(source, 'ca.key')));
    const file = path.join(dir, 'tenants.yaml');
    const doc = parseDocument(fs.readFileSync(EXAMPLE_FLEET, 'utf8'));
    withFilesCa(doc);
    fs.writeFileSync(file, doc.toString());
    return file;
  }
  let example: SynthOutput;
  beforeAll(() => {
    ensureExamplePki();
    example = readSynthOutput(synthEditedFleet(withFilesCa).outdir);
  });

  test('the tenants file (and its CA files) moved elsewhere: the key path changes, no flag', () => {
    const moved = readSynthOutput(synthFleetFile(copyExample(tempDir('moved-tenants-'))).outdir);
    const r = review(example, moved);
    const secret = r.stacks
      .find((s) => s.id === 'tenant-bravo-control-plane')!
      .resources.find((c) => c.type === 'kubernetes_secret_v1')!;
    expect(secret.attributes.map((a) => a.path)).toEqual(['data["ca.key"]', 'data["tls.key"]']);
    expect(flagsOf(r)).toEqual([]);
  });

  test('the checkout moved (absolute paths under another root): no flag', () => {
    const at = (root: string) => {
      const out = readSynthOutput(synthEditedFleet(withFilesCa).outdir);
      const cp = out.stacks.get('tenant-bravo-control-plane')!;
      const secret = [...cp.resources.values()].find((r) => r.type === 'kubernetes_secret_v1')!;
      const data = secret.config.data as Record<string, string>;
      for (const k of Object.keys(data))
        data[k] = data[k].replace(/file\("[^"]*"\)/, `file("${root}/pki/bravo/ca.key")`);
      return out;
    };
    expect(flagsOf(review(at('/home/ci/run-1/repo'), at('/srv/checkout')))).toEqual([]);
  });

  test('a new CA (new certificate bytes) in the same place: ca-changed', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { generateCa } = require('../src/model/pki') as typeof import('../src/model/pki');
    const dir = tempDir('new-ca-');
    const before = readSynthOutput(synthFleetFile(copyExample(dir)).outdir);
    const after = readSynthOutput(synthFleetFile(copyExample(dir, generateCa({ commonName: 'bravo-ca-2' }))).outdir);
    const r = review(before, after);
    expect(flagsOf(r)).toEqual(['ca-changed bravo']);
    expect(r.flags[0].reason).toMatch(/^the tenant CA changes: kubernetes_secret_v1\.Pki_Secret_[0-9A-F]+ \(update\)/);
  });
});

describe('plan-based review', () => {
  test('plan actions map like the documented change representation', () => {
    expect(actionOf(['no-op'])).toBeUndefined();
    expect(actionOf(['read'])).toBeUndefined();
    expect(actionOf(['create'])).toBe(ResourceAction.CREATE);
    expect(actionOf(['update'])).toBe(ResourceAction.UPDATE);
    expect(actionOf(['delete', 'create'])).toBe(ResourceAction.REPLACE);
    expect(actionOf(['create', 'delete'])).toBe(ResourceAction.REPLACE);
    expect(actionOf(['delete'])).toBe(ResourceAction.DELETE);
  });

  test('sensitivity masks: a leaf, a parent marked whole, a child inside', () => {
    expect(markedSensitive({ data: true }, 'data["ca.key"]')).toBe(true);
    expect(markedSensitive({ values: [false, true] }, 'values')).toBe(true);
    expect(markedSensitive({ values: [false, true] }, 'values[0]')).toBe(false);
    expect(markedSensitive(true, 'anything')).toBe(true);
    expect(markedSensitive({}, 'name')).toBe(false);
    expect(markedSensitive(false, 'name')).toBe(false);
  });

  test('real actions: a tainted TCP replaced, a pool rolled from its plan; stacks without a plan from synth', () => {
    const plans = readPlans(path.join(PLANS, 'tainted'));
    // Base and head synth outputs are equal: every change here is one only a plan knows.
    const r = review(base, readSynthOutput(baseDir), plans);
    expect(flagsOf(r)).toEqual(['control-plane-replaced alpha', 'worker-pool-rolled alpha']);
    expect(r.flags[0].reason).toBe(
      "TenantControlPlane tenants/alpha is replaced (replace because tainted): the tenant's data is deleted with the old object",
    );
    expect(r.flags[1].reason).toBe(
      'rolling replacement of pool general (1..3 nodes): its launch template changes (user_data); its Auto Scaling group changes a refresh trigger (launch_template[0].version); an instance refresh replaces every node (launch before terminate, each drained)',
    );
    expect(r.stacks.map((s) => `${s.id} ${s.source} ${s.status}`)).toEqual([
      'platform synth unchanged',
      'datastores synth unchanged',
      'tenant-alpha-control-plane plan changed',
      'tenant-alpha-nodes plan changed',
      'tenant-beta-control-plane synth unchanged',
      'tenant-beta-nodes synth unchanged',
    ]);
    const nodes = r.stacks.find((s) => s.id === 'tenant-alpha-nodes')!;
    // no-op and data-source reads are left out.
    expect(nodes.resources.map((c) => `${c.action} ${c.address}`)).toEqual([
      'update aws_autoscaling_group.AutoScalingGroup',
      'delete aws_iam_role_policy.Legacy',
      'update aws_launch_template.LaunchTemplate',
      'update aws_ssm_parameter.TokenParameter',
      'update helm_release.Calico',
      'create kubernetes_secret_v1.BootstrapTokenNext',
      'replace random_string.TokenSecret',
    ]);
    expect(change(r, 'tenant-alpha-nodes', 'aws_autoscaling_group.AutoScalingGroup')!.attributes).toEqual([
      { path: 'launch_template[0].version', before: '"2"', after: KNOWN_AFTER_APPLY },
    ]);
    expect(change(r, 'tenant-alpha-nodes', 'aws_iam_role_policy.Legacy')!.actionReason).toBe(
      'delete_because_no_resource_config',
    );
    expect(change(r, 'tenant-alpha-nodes', 'random_string.TokenSecret')!.attributes).toEqual([
      { path: 'id', before: '(sensitive)', after: KNOWN_AFTER_APPLY },
      {
        path: 'keepers.rotation',
        before: '"2026-11-25T00:00:00Z"',
        after: '"2026-12-02T00:00:00Z"',
        effect: 'replace',
        reason: 'keepers.rotation forces replacement (plan)',
      },
      { path: 'result', before: '(sensitive)', after: KNOWN_AFTER_APPLY },
    ]);
    const md = renderMarkdown(r);
    expect(md).toContain('Changes from Terraform plans of `tenant-alpha-control-plane`, `tenant-alpha-nodes`;');
    expect(md).toContain('#### `tenant-alpha-nodes` (nodes, from its plan): changed');
    expect(md).toContain('- `-/+` `kubernetes_manifest.TenantControlPlane` replace (replace because tainted)');
  });

  test('sensitive and secret-shaped plan values never reach Markdown or JSON', () => {
    const r = review(base, readSynthOutput(baseDir), readPlans(path.join(PLANS, 'tainted')));
    const planted = ['planted', 'plantedsecret123', 'abcdef.0123456789abcdef', 'ghijkl.fedcba9876543210'];
    for (const text of [renderMarkdown(r), JSON.stringify(r)]) {
      for (const p of planted) expect(text).not.toContain(p);
      // The base64 user data itself is not printed either (it decodes to the token).
      expect(text).not.toContain('I2Nsb3VkLWNvbmZpZw');
    }
    expect(change(r, 'tenant-alpha-nodes', 'helm_release.Calico')!.attributes).toEqual([
      { path: 'values[0]', before: '(sensitive)', after: '(sensitive)' },
    ]);
    expect(change(r, 'tenant-alpha-nodes', 'aws_ssm_parameter.TokenParameter')!.attributes).toEqual([
      { path: 'value', before: '(sensitive)', after: KNOWN_AFTER_APPLY },
    ]);
  });

  test('a deleted Elastic IP and changed CA data from a plan: endpoint-changed and ca-changed', () => {
    const r = review(base, readSynthOutput(baseDir), readPlans(path.join(PLANS, 'delete')));
    expect(flagsOf(r)).toEqual(['ca-changed beta', 'endpoint-changed beta']);
    expect(r.flags[1].reason).toMatch(/^Elastic IP aws_eip\.Endpoint is released:/);
    expect(change(r, 'tenant-beta-control-plane', 'kubernetes_secret_v1.CaSecret')!.attributes).toEqual([
      { path: 'data["ca.crt"]', before: '(sensitive)', after: '(sensitive)' },
      { path: 'data["ca.key"]', before: '(sensitive)', after: '(sensitive)' },
    ]);
    expect(r.stacks.find((s) => s.id === 'tenant-beta-control-plane')!.source).toBe(DiffSource.PLAN);
  });

  test('malformed plan files: every problem of every file at once, naming file and field', () => {
    const dir = tempDir('plans-');
    for (const f of fs.readdirSync(path.join(PLANS, 'malformed'))) {
      fs.copyFileSync(path.join(PLANS, 'malformed', f), path.join(dir, f));
    }
    fs.writeFileSync(path.join(dir, 'tenant-alpha-nodes.json'), '{\n  "format_version": "1.2",\n  "resource_');
    let error: unknown;
    try {
      readPlans(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toMatch(/tenant-alpha-control-plane\.json#format_version: "2\.0": must be "1\.x"/);
    expect(message).toMatch(/tenant-alpha-nodes\.json: .*must be valid JSON/);
    expect(message).toMatch(
      /tenant-beta-control-plane\.json#resource_changes: .*is missing: this is not a plan \(a state file\?\)/,
    );
    expect(message).toMatch(
      /tenant-beta-nodes\.json#resource_changes\[0\]\.change\.actions: .*must be a non-empty list of actions/,
    );
    expect(message).toMatch(/tenant-beta-nodes\.json#resource_changes\[1\]\.address: .*must be a string/);
    expect(message).toMatch(
      /tenant-beta-nodes\.json#resource_changes\[1\]\.change\.replace_paths: "min_size": must be a list of paths/,
    );
  });

  test('a plan for a stack the head does not have, or a missing folder, is refused', () => {
    const dir = tempDir('plans-');
    fs.copyFileSync(
      path.join(PLANS, 'delete', 'tenant-beta-control-plane.json'),
      path.join(dir, 'tenant-gamma-control-plane.json'),
    );
    expect(() => review(base, readSynthOutput(baseDir), readPlans(dir))).toThrow(
      /tenant-gamma-control-plane\.json: .*names no stack of --head/,
    );
    expect(() => readPlans('/nonexistent-plans')).toThrow(/must be a folder of plan JSON files/);
  });

  test('CLI: review --plan DIR', async () => {
    const ok = await cli(['review', '--base', baseDir, '--head', baseDir, '--plan', path.join(PLANS, 'tainted')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('**control-plane-replaced** (tenant `alpha`)');
    const json = await cli([
      'review',
      '--base',
      baseDir,
      '--head',
      baseDir,
      '--plan',
      path.join(PLANS, 'delete'),
      '--format',
      'json',
    ]);
    expect(JSON.parse(json.stdout).flags.map((f: any) => f.kind)).toEqual(['ca-changed', 'endpoint-changed']);
    const bad = await cli(['review', '--base', baseDir, '--head', baseDir, '--plan', '/nonexistent-plans']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('must be a folder of plan JSON files');
  });
});

describe('the review workflow (.github/workflows/review.yml)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('yaml') as typeof import('yaml');
  const wf = parse(fs.readFileSync(path.join(__dirname, '..', '.github', 'workflows', 'review.yml'), 'utf8'));
  const step = (job: string, name: string) => wf.jobs[job].steps.find((s: any) => s.name === name);

  test('plans only with configured credentials, never for forks, read-only, and comments either review', () => {
    const job = wf.jobs['plan-review'];
    expect(job.if).toBe(
      "vars.REVIEW_PLAN_ROLE_ARN != '' && github.event.pull_request.head.repo.full_name == github.repository",
    );
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(job.environment).toBe('review-plan');
    const uses = job.steps.map((s: any) => s.uses).filter(Boolean);
    expect(uses).toContain('hashicorp/setup-terraform@v3');
    expect(job.steps.find((s: any) => s.uses === 'hashicorp/setup-terraform@v3').with).toEqual({
      terraform_wrapper: false,
    });
    expect(step('plan-review', 'Review from the plans').run).toMatch(
      /review --base \.\.\/base\/cdktf\.out --head cdktf\.out --plan \.\.\/plans/,
    );
    // Only the review leaves the runner, never the plan JSON.
    const upload = job.steps.find((s: any) => s.uses === 'actions/upload-artifact@v4');
    expect(upload.with.path.trim().split('\n')).toEqual(['review.md', 'review.json']);
    expect(step('plan-review', 'Review from the plans').run).toContain('rm -rf ../plans');
    // The files-CA step serves fleets that review files CAs (the shipped example uses a secret store
    // now, and the step does nothing without a pki/ folder).
    expect(fs.readFileSync(EXAMPLE_FLEET, 'utf8')).not.toMatch(/source: files/);
    for (const job of ['synth-and-review', 'plan-review']) {
      expect(step(job, 'Share CA files with the base').run).toMatch(/if \[ -d head\/examples\/fleet\/pki \]/);
      expect(step(job, 'Share CA files with the base').run).toContain(
        'cp -r head/examples/fleet/pki base/examples/fleet/',
      );
    }
    expect(wf.jobs.comment.needs).toEqual(['synth-and-review', 'plan-review']);
    expect(wf.jobs.comment.if).toMatch(/always\(\) && needs\.synth-and-review\.result == 'success'/);
    expect(step('comment', 'Post or update the review comment').with.script).toContain(
      "fs.existsSync('review-plan/review.md') ? 'review-plan/review.md' : 'review/review.md'",
    );
  });

  testWithTool('shellcheck')('every run step passes shellcheck', () => {
    const dir = tempDir('review-workflow-');
    const runs = Object.values(wf.jobs).flatMap((j: any) => j.steps.map((s: any) => s.run).filter(Boolean));
    runs.forEach((run: string, i: number) => {
      const file = path.join(dir, `step-${i}.sh`);
      // GitHub expressions are substituted before bash runs; a plain word stands in for them.
      fs.writeFileSync(file, `#!/bin/bash\nset -eo pipefail\n${run.replace(/\$\{\{[^}]*\}\}/g, 'x')}`);
      const r = spawnSync('shellcheck', ['--shell=bash', file], { encoding: 'utf8' });
      expect(`${file}\n${r.stdout}`).toBe(`${file}\n`);
    });
  });

  testWithTool('jq')(
    'the plan step: one JSON per stack, -destroy for a decommissioned stack, no file for a failed plan',
    () => {
      const work = tempDir('review-plan-step-');
      const head = path.join(work, 'head');
      const stacks = {
        'tenant-a-control-plane': {},
        'tenant-a-nodes': { kamaji_decommission: true },
        'tenant-b-nodes': {},
      };
      for (const [id, locals] of Object.entries(stacks)) {
        fs.mkdirSync(path.join(head, 'cdktf.out', 'stacks', id), { recursive: true });
        fs.writeFileSync(path.join(head, 'cdktf.out', 'stacks', id, 'cdk.tf.json'), JSON.stringify({ locals }));
      }
      // A terraform stand-in: records its arguments, fails the plan of tenant-b-nodes, prints a plan.
      const bin = path.join(work, 'bin');
      fs.mkdirSync(bin);
      fs.writeFileSync(
        path.join(bin, 'terraform'),
        [
          '#!/bin/bash',
          'echo "$*" >> "$CALLS"',
          'case "$*" in',
          '  *tenant-b-nodes*plan*) echo "Error: no such secret" >&2; exit 1 ;;',
          '  *" show -json tfplan") echo \'{"format_version":"1.2","resource_changes":[]}\' ;;',
          '  *" plan "*) touch "${1#-chdir=}/tfplan" ;;',
          'esac',
        ].join('\n'),
        { mode: 0o755 },
      );
      const script = step('plan-review', 'Plan every head stack').run as string;
      const calls = path.join(work, 'calls');
      const r = spawnSync('bash', ['-eo', 'pipefail', '-c', script], {
        cwd: head,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: work, CALLS: calls },
      });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('::warning::no plan for tenant-b-nodes: its review falls back to the synth diff');
      expect(fs.readdirSync(path.join(work, 'plans')).sort()).toEqual([
        'tenant-a-control-plane.json',
        'tenant-a-nodes.json',
      ]);
      const plans = fs
        .readFileSync(calls, 'utf8')
        .split('\n')
        .filter((l) => / plan /.test(l));
      expect(plans).toEqual([
        '-chdir=cdktf.out/stacks/tenant-a-control-plane/ plan -input=false -lock=false -no-color -out=tfplan',
        '-chdir=cdktf.out/stacks/tenant-a-nodes/ plan -input=false -lock=false -no-color -destroy -out=tfplan',
        '-chdir=cdktf.out/stacks/tenant-b-nodes/ plan -input=false -lock=false -no-color -out=tfplan',
      ]);
      // No saved plan is left next to the stacks (it would be uploaded with them elsewhere).
      for (const id of Object.keys(stacks))
        expect(fs.existsSync(path.join(head, 'cdktf.out', 'stacks', id, 'tfplan'))).toBe(false);
      // And the files it wrote are plans the review reads.
      expect([...readPlans(path.join(work, 'plans')).keys()]).toEqual(['tenant-a-control-plane', 'tenant-a-nodes']);
    },
  );
});
