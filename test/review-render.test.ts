import * as path from 'node:path';
import { main } from '../src/cli';
import { REDACTED } from '../src/review/diff';
import { REVIEW_MARKER, renderMarkdown } from '../src/review/markdown';
import { nodesOf, renderMermaid } from '../src/review/mermaid';
import { review } from '../src/review/review';
import { readSynthOutput } from '../src/review/synth-output';
import { baseFleet, synthFleet, withTenant } from './fixtures/review/fleet';

// marked ships ESM only (its exports map has no "require" condition), which jest's CommonJS runtime
// cannot load; its UMD build is the same parser as a CommonJS module.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const marked = require(path.join(path.dirname(require.resolve('marked/package.json')), 'lib', 'marked.umd.js'));

interface Mermaid {
  nodes: Map<string, string>;
  edges: string[];
  classes: Map<string, string[]>;
  subgraphs: string[];
}

/**
 * A structural Mermaid flowchart check (@mermaid-js/parser has no flowchart grammar, and mermaid
 * itself needs a DOM): every line must be one of the forms the renderer emits, subgraphs balance,
 * and edges and classes refer to declared nodes. Returns the graph with labels for assertions.
 */
function parseMermaid(source: string): Mermaid {
  const lines = source.split('\n');
  expect(lines[0]).toBe('flowchart LR');
  const g: Mermaid = { nodes: new Map(), edges: [], classes: new Map(), subgraphs: [] };
  let depth = 0;
  const pendingEdges: [string, string, string][] = [];
  for (const line of lines.slice(1)) {
    let m: RegExpExecArray | null;
    if ((m = /^\s+(s\d+)\["([^"]*)"\]$/.exec(line))) {
      expect(g.nodes.has(m[1])).toBe(false);
      g.nodes.set(m[1], m[2]);
    } else if ((m = /^\s+subgraph (t\d+)\["([^"]*)"\]$/.exec(line))) {
      depth++;
      g.subgraphs.push(m[2]);
    } else if (/^\s+end$/.test(line)) {
      depth--;
      expect(depth).toBeGreaterThanOrEqual(0);
    } else if ((m = /^\s+(s\d+) (-->|-\.->) (s\d+)$/.exec(line))) {
      pendingEdges.push([m[1], m[2], m[3]]);
    } else if ((m = /^\s+classDef (\w+) [\w#:,.% -]+$/.exec(line))) {
      g.classes.set(m[1], g.classes.get(m[1]) ?? []);
    } else if ((m = /^\s+class ([\w,]+) (\w+)$/.exec(line))) {
      expect(g.classes.has(m[2])).toBe(true);
      g.classes.set(m[2], m[1].split(','));
    } else {
      throw new Error(`not a Mermaid line the renderer emits: ${JSON.stringify(line)}`);
    }
  }
  expect(depth).toBe(0);
  const name = (id: string) => {
    expect(g.nodes.has(id)).toBe(true);
    return g.nodes.get(id)!.split('<br/>')[0];
  };
  g.edges = pendingEdges.map(([a, arrow, b]) => `${name(a)} ${arrow} ${name(b)}`);
  for (const [cls, ids] of g.classes) g.classes.set(cls, ids.map(name));
  return g;
}

let baseDir: string;
beforeAll(() => {
  baseDir = synthFleet(baseFleet());
});

describe('Markdown report', () => {
  test('parses as Markdown: summary table, flag list, a mermaid block equal to the graph', () => {
    const fleet = baseFleet();
    const head = synthFleet(
      withTenant({ ...fleet, tenants: [...fleet.tenants, { name: 'gamma', version: 'v1.35.3' }] }, 'alpha', {
        version: 'v1.36.0',
      }),
    );
    const r = review(readSynthOutput(baseDir), readSynthOutput(head));
    const md = renderMarkdown(r);
    expect(md.startsWith(REVIEW_MARKER)).toBe(true);
    const tokens = marked.lexer(md);
    const table = tokens.find((t: any) => t.type === 'table');
    expect(table.header.map((h: any) => h.text)).toEqual(['', 'added', 'changed', 'removed']);
    expect(table.rows.map((row: any) => row.map((c: any) => c.text))).toEqual([
      ['tenants', '1 (`gamma`)', '1 (`alpha`)', '0'],
      ['stacks', '2', '2', '0'],
      ['resources', `+${r.summary.resources.added}`, `~${r.summary.resources.changed}`, '-0'],
    ]);
    const mermaid = tokens.filter((t: any) => t.type === 'code' && t.lang === 'mermaid');
    expect(mermaid).toHaveLength(1);
    expect(mermaid[0].text).toBe(r.graph);
    const flagList = tokens.find((t: any) => t.type === 'list');
    expect(flagList.items.map((i: any) => i.text)).toEqual([
      expect.stringMatching(
        /^\*\*version-skip\*\* \(tenant `alpha`\): TenantControlPlane tenants\/alpha: v1\.34\.2 -> v1\.36\.0 skips/,
      ),
      expect.stringMatching(
        /^\*\*worker-pool-rolled\*\* _warning_ \(tenant `alpha`\): rolling replacement of pool general \(1\.\.3 nodes\)/,
      ),
    ]);
    const headings = tokens.filter((t: any) => t.type === 'heading').map((t: any) => t.text);
    expect(headings).toEqual([
      'Kamaji infrastructure review',
      'Risk flags',
      'Stage graph',
      'Tenant `alpha`',
      '`tenant-alpha-control-plane` (control plane): changed',
      '`tenant-alpha-nodes` (nodes): changed',
      'Tenant `gamma`',
      '`tenant-gamma-control-plane` (control plane): added',
      '`tenant-gamma-nodes` (nodes): added',
    ]);
    const html = marked.parse(md);
    expect(html).toContain(
      '<code>manifest.spec.kubernetes.version</code>: <code>&quot;v1.34.2&quot;</code> -&gt; <code>&quot;v1.36.0&quot;</code>',
    );
  });

  test('a review without changes says so', () => {
    const md = renderMarkdown(review(readSynthOutput(baseDir), readSynthOutput(baseDir)));
    expect(md).toContain('No risk flags.');
    expect(md).toContain('No stack changes.');
    expect(md).toContain('Unchanged stacks: `platform`, `datastores`, `tenant-alpha-control-plane`');
  });
});

describe('Mermaid stage graph', () => {
  test('graph of one synth output: platform -> datastores -> control planes -> nodes, tenants in subgraphs', () => {
    const g = parseMermaid(renderMermaid(nodesOf(readSynthOutput(baseDir))));
    expect([...g.nodes.values()]).toEqual([
      'platform',
      'datastores',
      'tenant-alpha-control-plane<br/>control plane',
      'tenant-alpha-nodes<br/>nodes',
      'tenant-beta-control-plane<br/>control plane',
      'tenant-beta-nodes<br/>nodes',
    ]);
    expect(g.subgraphs).toEqual(['tenant alpha', 'tenant beta']);
    expect(g.edges.sort()).toEqual([
      'datastores --> tenant-alpha-control-plane',
      'datastores --> tenant-beta-control-plane',
      'platform --> datastores',
      'tenant-alpha-control-plane --> tenant-alpha-nodes',
      'tenant-beta-control-plane --> tenant-beta-nodes',
    ]);
    expect(g.classes.size).toBe(0);
  });

  test('review graph highlights added, changed, removed and flagged stacks', () => {
    const fleet = baseFleet();
    const head = synthFleet({
      ...fleet,
      tenants: [
        { ...fleet.tenants[1], pool: { min: 1, max: 9, desired: 2 } },
        { name: 'gamma', version: 'v1.35.3' },
      ],
    });
    const r = review(readSynthOutput(baseDir), readSynthOutput(head));
    const g = parseMermaid(r.graph);
    expect(Object.fromEntries([...g.classes].map(([c, ids]) => [c, ids.sort()]))).toEqual({
      added: ['tenant-gamma-control-plane', 'tenant-gamma-nodes'],
      changed: ['tenant-beta-nodes'],
      risk: ['tenant-alpha-control-plane', 'tenant-alpha-nodes'],
    });
    expect(g.edges).toContain('tenant-alpha-control-plane -.-> tenant-alpha-nodes');
    expect([...g.nodes.values()]).toContain(
      'tenant-alpha-control-plane<br/>control plane<br/>removed: +0 ~0 -4<br/>2 risk flags',
    );
  });

  test('stacks without declared dependencies get their stage parents', () => {
    const out = readSynthOutput(baseDir);
    const nodes = nodesOf(out).map((n) => ({ ...n, dependencies: [] }));
    expect(parseMermaid(renderMermaid(nodes)).edges.sort()).toEqual(
      parseMermaid(renderMermaid(nodesOf(out))).edges.sort(),
    );
  });
});

describe('redaction', () => {
  const PLANTED_SSM = 'planted-ssm-value-8c1f';
  const PLANTED_TOKEN = 'q7w2e9.z8x7c6v5b4n3m2l1';
  const PLANTED_KEY = ['-----BEGIN RSA', 'PRIVATE KEY-----\nMIIplanted\n-----END RSA', 'PRIVATE KEY-----'].join(' ');

  test('no sensitive or secret-shaped value appears in Markdown or JSON', () => {
    const base = synthFleet(withTenant(baseFleet(), 'alpha', { ssmValue: `${PLANTED_SSM}-old` }));
    const head = synthFleet({
      ...withTenant(baseFleet(), 'alpha', { ssmValue: `${PLANTED_SSM}-new`, version: 'v1.35.0' }),
      calicoValues: `bootstrapToken: ${PLANTED_TOKEN}\n`,
    });
    const out = readSynthOutput(head);
    const ca = out.stacks.get('tenant-beta-control-plane')!.resources.get('kubernetes_secret_v1.CaSecret')!;
    (ca.config as any).data['ca.key'] = PLANTED_KEY;
    const r = review(readSynthOutput(base), out);
    const md = renderMarkdown(r);
    const json = JSON.stringify(r);
    for (const text of [md, json]) {
      expect(text).not.toContain(PLANTED_SSM);
      expect(text).not.toContain(PLANTED_TOKEN);
      expect(text).not.toContain('MIIplanted');
      expect(text).not.toContain('PRIVATE KEY');
    }
    // The public node configuration is shown (the version is no secret); the attribute stays redacted.
    expect(md).toContain('+    KUBERNETES_VERSION=v1.35.0');
    const attrs = (stack: string, address: string) =>
      r.stacks.find((s) => s.id === stack)!.resources.find((c) => c.address === address)!.attributes;
    expect(attrs('tenant-alpha-nodes', 'aws_ssm_parameter.TokenParameter')).toEqual([
      { path: 'value', before: REDACTED, after: REDACTED },
    ]);
    expect(attrs('tenant-alpha-nodes', 'aws_launch_template.LaunchTemplate')).toEqual([
      { path: 'user_data', before: REDACTED, after: REDACTED, via: 'local.Pool_UserData' },
    ]);
    expect(attrs('tenant-beta-control-plane', 'kubernetes_secret_v1.CaSecret')).toEqual([
      { path: 'data["ca.key"]', before: REDACTED, after: REDACTED },
    ]);
    // Not a sensitive attribute, but shaped like a bootstrap token.
    expect(attrs('tenant-alpha-nodes', 'helm_release.Calico')).toEqual([
      { path: 'values[0]', before: expect.any(String), after: REDACTED },
    ]);
    expect(md).toContain('`data["ca.key"]`: `(sensitive)` -> `(sensitive)`');
  });
});

describe('determinism', () => {
  test('same inputs give the same bytes, wherever they were synthesized', () => {
    const change = withTenant(baseFleet(), 'beta', { konnectivity: false, version: 'v1.34.0' });
    const run = () => review(readSynthOutput(synthFleet(baseFleet())), readSynthOutput(synthFleet(change)));
    const [a, b] = [run(), run()];
    expect(renderMarkdown(a)).toBe(renderMarkdown(b));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(renderMarkdown(a)).not.toMatch(/\/tmp|review-fixture-/);
  });
});

describe('cdktf-kamaji review / graph', () => {
  let stdout: string;
  let stderr: string;
  beforeEach(() => {
    stdout = '';
    stderr = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((s: any) => ((stdout += s), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => ((stderr += s), true));
  });
  afterEach(() => jest.restoreAllMocks());

  test('review prints Markdown by default and JSON with --format json', async () => {
    const head = synthFleet(withTenant(baseFleet(), 'beta', { konnectivity: false }));
    expect(await main(['review', '--base', baseDir, '--head', head])).toBe(0);
    expect(stdout).toContain('**konnectivity-off** (tenant `beta`)');
    stdout = '';
    expect(await main(['review', '--base', baseDir, `--head=${head}`, '--format', 'json'])).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.flags.map((f: any) => f.kind)).toEqual(['konnectivity-off']);
    expect(json.summary.stacks).toEqual({ added: 0, changed: 1, removed: 0, unchanged: 5 });
  });

  test('usage errors exit 2 with a message', async () => {
    expect(await main(['review', '--base', baseDir])).toBe(2);
    expect(stderr).toContain('--base DIR and --head DIR are both required');
    expect(await main(['review', '--base', baseDir, '--head', baseDir, '--format', 'html'])).toBe(2);
    expect(stderr).toContain('--format must be one of markdown, json, got "html"');
    expect(await main(['graph'])).toBe(2);
    expect(stderr).toContain('expects exactly one DIR');
  });

  test('a folder that is not synth output fails with the flag, file and rule', async () => {
    expect(await main(['review', '--base', '/nonexistent-base', '--head', baseDir])).toBe(1);
    expect(stderr).toContain('--base: manifest.json: "/nonexistent-base/manifest.json": must be a cdktf.out folder');
  });

  test('graph prints the Mermaid source of one synth output', async () => {
    expect(await main(['graph', baseDir])).toBe(0);
    expect(parseMermaid(stdout.trimEnd()).nodes.size).toBe(6);
  });
});
