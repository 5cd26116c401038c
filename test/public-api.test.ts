import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import * as api from '../src';

/**
 * The public API must stay jsii-friendly: props are readonly `XxxProps`/`XxxOptions` interfaces whose
 * properties have no unions, tuples, function types or generics (arrays and string maps aside), and
 * every optional property documents its `@default`.
 */
const ROOT = path.join(__dirname, '..');
const FILES = [
  ...fs.readdirSync(path.join(ROOT, 'src', 'constructs')).map((f) => path.join('src', 'constructs', f)),
  ...fs.readdirSync(path.join(ROOT, 'stacks')).map((f) => path.join('stacks', f)),
].filter((f) => f.endsWith('.ts'));

interface PropInfo {
  readonly where: string;
  readonly problems: string[];
}

function checkType(node: ts.TypeNode, sf: ts.SourceFile): string | undefined {
  if (ts.isUnionTypeNode(node)) return `union type ${node.getText(sf)}`;
  if (ts.isTupleTypeNode(node)) return `tuple type ${node.getText(sf)}`;
  if (ts.isFunctionTypeNode(node)) return `function type ${node.getText(sf)}`;
  if (ts.isArrayTypeNode(node)) return checkType(node.elementType, sf);
  if (ts.isTypeLiteralNode(node)) {
    // Only the jsii map form { [key: string]: T } is allowed.
    const [member] = node.members;
    if (node.members.length !== 1 || !ts.isIndexSignatureDeclaration(member))
      return `object literal type ${node.getText(sf)}`;
    return member.type ? checkType(member.type, sf) : undefined;
  }
  if (ts.isTypeReferenceNode(node) && node.typeArguments?.length) return `generic type ${node.getText(sf)}`;
  return undefined;
}

function inspect(): PropInfo[] {
  const out: PropInfo[] = [];
  for (const file of FILES) {
    const sf = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    sf.forEachChild((node) => {
      if (!ts.isInterfaceDeclaration(node) || !node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
        return;
      const name = node.name.text;
      for (const member of node.members) {
        if (!ts.isPropertySignature(member) || !member.type) continue;
        const where = `${file}: ${name}.${member.name.getText(sf)}`;
        const problems: string[] = [];
        if (!member.modifiers?.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword)) problems.push('not readonly');
        const bad = checkType(member.type, sf);
        if (bad) problems.push(bad);
        if (member.questionToken && /(Props|Options)$/.test(name)) {
          const docs = ts.getJSDocTags(member).map((t) => t.tagName.text);
          if (!docs.includes('default')) problems.push('optional without @default');
        }
        out.push({ where, problems });
      }
    });
  }
  return out;
}

describe('public API', () => {
  const props = inspect();

  test('covers the constructs and stacks', () => {
    expect(props.length).toBeGreaterThan(100);
  });

  test('props are readonly, jsii-friendly and document their defaults', () => {
    expect(props.filter((p) => p.problems.length > 0).map((p) => `${p.where}: ${p.problems.join(', ')}`)).toEqual([]);
  });

  test('the package entry exports every construct and stage stack', () => {
    for (const name of [
      'KamajiPlatform',
      'KamajiDataStore',
      'TenantPki',
      'TenantControlPlane',
      'BootstrapToken',
      'AwsWorkerPool',
      'TenantCni',
      'PlatformStack',
      'DataStoresStack',
      'TenantControlPlaneStack',
      'TenantNodesStack',
      'ValidationError',
    ]) {
      expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
