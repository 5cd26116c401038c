import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import {
  codeBlocks,
  consumerApp,
  importSpecifiers,
  installPackages,
  isAllowedImport,
  snippets,
} from '../scripts/readme-code';
import { providerInputsDeferredByChanges } from './support/provider-config';
import { readSynth, tempDir } from './support/synth';

/**
 * The README's code, checked in `npm test` (fast). `npm run test:consumer` does the real thing: it
 * installs the packed package into a fresh project and compiles and synthesizes the same code.
 */
const ROOT = path.join(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const TS_BLOCKS = [consumerApp(README), ...snippets(README)];
const where = (b: { line: number; section: string; subsection: string }) =>
  `README.md:${b.line} (${b.subsection || b.section})`;

/**
 * The provider props a construct needs, given the other props it is passed: the optional ones fall
 * back to a stack default, which a README example must not rely on silently.
 */
const PROVIDER_PROPS: Record<string, (props: Map<string, string>) => string[]> = {
  KamajiPlatform: () => ['helmProvider'],
  KamajiDataStore: () => ['kubernetesProvider'],
  TenantPki: (p) => [
    'kubernetesProvider',
    ...(p.get('source')?.includes('FILES') ? [] : ['tlsProvider']),
    // A secret-store CA reads its key with the aws provider (AWS_SECRETS_MANAGER, AWS_SSM_PARAMETER).
    ...(p.get('source')?.includes('AWS_') ? ['awsProvider'] : []),
  ],
  TenantControlPlane: (p) => [
    'kubernetesProvider',
    ...(p.has('pki') ? [] : ['tlsProvider']),
    ...(p.get('exposure')?.includes('AWS_ELASTIC_IP') ? ['awsProvider'] : []),
  ],
  TenantJoinPrerequisites: () => ['tenantKubernetesProvider', 'managementKubernetesProvider'],
  BootstrapToken: (p) => [
    'kubernetesProvider',
    'randomProvider',
    'timeProvider',
    ...(p.has('ssmParameterName') ? ['awsProvider'] : []),
  ],
  AwsWorkerPool: () => ['awsProvider'],
  TenantCni: () => ['helmProvider'],
};

interface ConstructCall {
  readonly className: string;
  readonly scope: string;
  readonly id: string;
  /** Prop name -> initializer text; undefined when the props spread another object. */
  readonly props?: Map<string, string>;
}

function constructCalls(code: string): ConstructCall[] {
  const sf = ts.createSourceFile('block.ts', code, ts.ScriptTarget.ES2022, true);
  const calls: ConstructCall[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.arguments) {
      const [scope, id, props] = node.arguments;
      let map: Map<string, string> | undefined = new Map();
      if (props && ts.isObjectLiteralExpression(props)) {
        for (const p of props.properties) {
          if (ts.isSpreadAssignment(p)) map = undefined;
          else if (map && (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)))
            map.set(p.name.getText(sf), ts.isPropertyAssignment(p) ? p.initializer.getText(sf) : p.name.getText(sf));
        }
      }
      calls.push({
        className: node.expression.text,
        scope: scope?.getText(sf) ?? '',
        id: id && ts.isStringLiteral(id) ? id.text : (id?.getText(sf) ?? ''),
        props: map,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return calls;
}

describe('README code', () => {
  test('"Use in your own project" installs the package with exactly its peer dependencies', () => {
    const expected = [PKG.name, ...Object.entries(PKG.peerDependencies).map(([n, r]) => `${n}@${r}`)];
    expect([...installPackages(README)].sort()).toEqual(expected.sort());
  });

  test('TypeScript blocks import only the package root, cdktf, constructs and providers by deep path', () => {
    const bad = TS_BLOCKS.flatMap((b) =>
      importSpecifiers(b.code)
        .filter((s) => !isAllowedImport(s))
        .map((s) => `${where(b)}: ${s}`),
    );
    expect(bad).toEqual([]);
    expect(importSpecifiers(consumerApp(README).code)).toContain('cdktf-kamaji');
  });

  test('every construct in the README is passed the providers it uses', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const block of TS_BLOCKS) {
      for (const call of constructCalls(block.code)) {
        const needs = PROVIDER_PROPS[call.className];
        if (!needs || !call.props) continue; // not a construct of ours, or props spread from elsewhere
        checked++;
        for (const prop of needs(call.props))
          if (!call.props.has(prop)) missing.push(`${where(block)}: ${call.className} '${call.id}' without ${prop}`);
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(Object.keys(PROVIDER_PROPS).length);
  });

  test('no block creates two constructs with the same id in one scope', () => {
    const duplicates = TS_BLOCKS.flatMap((block) => {
      const seen = new Set<string>();
      return constructCalls(block.code).flatMap((c) => {
        const key = `${c.scope}/${c.id}`;
        if (seen.has(key)) return [`${where(block)}: ${c.className} '${c.id}' in ${c.scope}`];
        seen.add(key);
        return [];
      });
    });
    expect(duplicates).toEqual([]);
  });

  test('relative links point into files the package ships', () => {
    const files: string[] = PKG.files;
    const links = [...README.matchAll(/\]\((?!https?:|#|mailto:)([^)\s#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    const unshipped = links.filter(
      (l) => !fs.existsSync(path.join(ROOT, l)) || !files.some((f) => l === f || l.startsWith(`${f}/`)),
    );
    expect(unshipped).toEqual([]);
  });

  test('the example app synthesizes from source: its stacks, providers and no secrets', () => {
    // The app as written, with the package root pointed at our sources (the consumer test uses the
    // packed package instead); run like `cdktf synth` runs an app, in a folder of its own.
    const dir = tempDir('readme-app-');
    const code = consumerApp(README).code.replace(
      /from 'cdktf-kamaji'/,
      `from ${JSON.stringify(path.join(ROOT, 'src', 'index'))}`,
    );
    fs.writeFileSync(path.join(dir, 'main.ts'), code);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDKTF_')));
    const run = spawnSync(process.execPath, ['--require', path.join(ROOT, 'scripts', 'ts-register.cjs'), 'main.ts'], {
      cwd: dir,
      env: { ...env, NODE_PATH: path.join(ROOT, 'node_modules') },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const { stacks, texts } = readSynth(path.join(dir, 'cdktf.out'));
    expect(Object.keys(stacks)).toEqual(['acme-control-plane', 'acme-workers', 'kamaji']);
    const tokenSecret = Object.values(stacks['acme-workers'].resource!.kubernetes_secret_v1)[0];
    expect(tokenSecret.provider).toBe('kubernetes.acme');
    // The workers' tenant providers are known at plan: they read nothing that a change can defer.
    for (const [name, stack] of Object.entries(stacks)) {
      expect([name, providerInputsDeferredByChanges(stack)]).toEqual([name, []]);
      expect(stack.output ?? {}).toEqual({});
      expect(texts[name]).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----|LS0tLS1CRUdJTi/);
    }
  });

  test('the README has no unterminated or unlabelled TypeScript-looking blocks', () => {
    // A block that looks like TypeScript but is fenced without `ts` escapes the compile checks.
    const unlabelled = codeBlocks(README).filter((b) => b.lang === '' && /^(import|const|new) /m.test(b.code));
    expect(unlabelled.map(where)).toEqual([]);
  });
});
