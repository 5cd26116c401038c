import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import * as ts from 'typescript';
import * as api from '../src';
import { EXAMPLE_FLEET, ensureExamplePki } from './support/fleet';

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
      'TenantJoinPrerequisites',
      'BootstrapToken',
      'AwsWorkerPool',
      'TenantCni',
      'PlatformStack',
      'DataStoresStack',
      'TenantControlPlaneStack',
      'TenantNodesStack',
      'KamajiFleet',
      'AwsNlb',
      'ValidationError',
    ]) {
      expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
    }
  });

  // The types are in api/cdktf-kamaji.api.md (`npm run api`); these are the runtime values. Anything
  // else (model functions, constants such as TOKEN_SHAPED, buildFleet) is internal.
  test('the package entry exports no internals', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AwsNlb',
      'AwsWorkerPool',
      'BootstrapToken',
      'CaKeyAlgorithm',
      'CaSource',
      'CniPlugin',
      'ControlPlaneExposure',
      'DataStoreDriver',
      'DataStoresStack',
      'ImageArchitecture',
      'KamajiDataStore',
      'KamajiFleet',
      'KamajiPlatform',
      'NodeEgress',
      'NodeTerminationHandler',
      'PlatformStack',
      'ResourceOwnership',
      'StateBackend',
      'StateLock',
      'SubnetElbRole',
      'TaintEffect',
      'TenantCloudIntegration',
      'TenantCni',
      'TenantControlPlane',
      'TenantControlPlaneStack',
      'TenantJoinPrerequisites',
      'TenantNodesStack',
      'TenantPki',
      'TerminationHandlerCredentials',
      'TokenDelivery',
      'ValidationError',
    ]);
  });
});

describe('AwsNlb.serviceAnnotations', () => {
  test('annotates an internet-facing NLB with one Elastic IP per subnet', () => {
    expect(
      api.AwsNlb.serviceAnnotations({
        eipAllocationIds: ['eipalloc-0a1b2c3d', 'eipalloc-0a1b2c3e'],
        subnetIds: ['subnet-0a1b2c3d', 'subnet-0a1b2c3e'],
      }),
    ).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-eip-allocations': 'eipalloc-0a1b2c3d,eipalloc-0a1b2c3e',
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
      'service.beta.kubernetes.io/aws-load-balancer-subnets': 'subnet-0a1b2c3d,subnet-0a1b2c3e',
      'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
    });
  });

  test('refuses mismatched counts and malformed ids, all at once', () => {
    let error: unknown;
    try {
      api.AwsNlb.serviceAnnotations({ eipAllocationIds: ['eip-1'], subnetIds: ['subnet-0a1b2c3d', 'vpc-1'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(api.ValidationError);
    expect((error as api.ValidationError).problems.map((p) => p.field)).toEqual([
      'eipAllocationIds',
      'eipAllocationIds[0]',
      'subnetIds[1]',
    ]);
  });
});

describe('KamajiFleet', () => {
  beforeAll(ensureExamplePki);

  test('builds the stacks of a tenants file under the documented ids', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'kamaji-fleet-')) });
    const fleet = api.KamajiFleet.fromTenantsFile(app, path.relative(process.cwd(), EXAMPLE_FLEET));
    expect(fleet.platform.node.id).toBe(api.KamajiFleet.PLATFORM_STACK_ID);
    expect(fleet.dataStores?.node.id).toBe(api.KamajiFleet.DATASTORES_STACK_ID);
    expect(Object.keys(fleet.tenants).sort()).toEqual(['alpha', 'bravo', 'charlie']);
    for (const [tenant, stacks] of Object.entries(fleet.tenants)) {
      expect(stacks.controlPlane.node.id).toBe(api.KamajiFleet.controlPlaneStackId(tenant));
      expect(stacks.nodes?.node.id).toBe(api.KamajiFleet.nodesStackId(tenant));
    }
    expect(api.KamajiFleet.controlPlaneStackId('acme')).toBe('tenant-acme-control-plane');
    expect(api.KamajiFleet.nodesStackId('acme')).toBe('tenant-acme-nodes');
  });

  test('a missing file is a ValidationError, not a stack trace', () => {
    expect(() => api.KamajiFleet.fromTenantsFile(new App(), 'no/such/tenants.yaml')).toThrow(
      /no\/such\/tenants\.yaml: \(file\): "no\/such\/tenants\.yaml": must be a readable tenants file \(ENOENT\)/,
    );
  });
});
