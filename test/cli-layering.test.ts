/**
 * Layering of the CLI (issue 12, item 7): the CLI sits on top. Stacks, scripts, examples and the
 * model import nothing from it; nothing imports the dispatcher (src/cli.ts); the CLI modules import
 * one another without a circle; src/model imports only src/model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const SOURCE_DIRS = ['src', 'stacks', 'scripts', 'examples', 'bench'];

function sourceFiles(dir: string): string[] {
  const full = path.join(ROOT, dir);
  if (!fs.existsSync(full)) return [];
  return fs
    .readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f).split(path.sep).join('/'));
}

/** A relative import resolved to a source file (`src/model/errors.ts`), else undefined. */
function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.join(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (candidate.endsWith('.ts') && fs.existsSync(path.join(ROOT, candidate))) {
      return candidate.split(path.sep).join('/');
    }
  }
  return undefined;
}

interface Graph {
  /** file -> relative imports (resolved) */
  readonly edges: Map<string, string[]>;
  /** file -> package imports */
  readonly packages: Map<string, string[]>;
}

/** Every import, export-from, require() and import() of the project's sources (tests excluded). */
function importGraph(): Graph {
  const edges = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const file of SOURCE_DIRS.flatMap(sourceFiles)) {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    const specifiers = info.importedFiles.map((f) => f.fileName);
    edges.set(
      file,
      specifiers.map((s) => resolve(file, s)).filter((s): s is string => s !== undefined),
    );
    packages.set(
      file,
      specifiers.filter((s) => !s.startsWith('.')),
    );
  }
  return { edges, packages };
}

const isCli = (file: string) => file === 'src/cli.ts' || file.startsWith('src/cli/');

/** Every import circle (as a list of files) among `files`. */
function cycles(edges: Map<string, string[]>, files: (f: string) => boolean): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'active');
    stack.push(file);
    for (const next of (edges.get(file) ?? []).filter(files)) {
      if (state.get(next) === 'active') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...edges.keys()].filter(files).sort()) if (!state.has(file)) visit(file);
  return found;
}

describe('CLI layering', () => {
  const graph = importGraph();
  const importers = (target: (f: string) => boolean) =>
    [...graph.edges].flatMap(([file, to]) => to.filter(target).map((t) => `${file} -> ${t}`));

  test('the graph is read (sanity)', () => {
    expect(graph.edges.get('src/cli/validate.ts')).toEqual(
      expect.arrayContaining(['src/cli/command.ts', 'src/model/tenants-file.ts']),
    );
    // require('./cli/validate') in the dispatcher counts too.
    expect(graph.edges.get('src/cli.ts')).toEqual(expect.arrayContaining(['src/cli/validate.ts']));
  });

  test('nothing imports the dispatcher src/cli.ts', () => {
    expect(importers((t) => t === 'src/cli.ts')).toEqual([]);
  });

  test('only the CLI imports src/cli/*: stacks, scripts, examples, the model and constructs do not', () => {
    expect(importers((t) => t.startsWith('src/cli/')).filter((e) => !isCli(e.split(' -> ')[0]))).toEqual([]);
  });

  test('the CLI modules import one another without a circle', () => {
    expect(cycles(graph.edges, isCli)).toEqual([]);
  });

  test('no import circle anywhere in src, stacks, scripts, examples and bench', () => {
    expect(cycles(graph.edges, () => true).map((c) => c.join(' -> '))).toEqual([]);
  });

  test('src/model imports only src/model, and no cdktf package', () => {
    const model = (f: string) => f.startsWith('src/model/');
    const outside = [...graph.edges]
      .filter(([file]) => model(file))
      .flatMap(([file, to]) => to.filter((t) => !model(t)).map((t) => `${file} -> ${t}`));
    expect(outside).toEqual([]);
    const cdktf = [...graph.packages]
      .filter(([file]) => model(file))
      .flatMap(([file, to]) => to.filter((p) => /^(cdktf|constructs|@cdktf\/)/.test(p)).map((p) => `${file} -> ${p}`));
    expect(cdktf).toEqual([]);
  });

  test('user-data rendering and the tenants-file checks load no construct and no provider class', () => {
    // What `validate` and `render-userdata` load, transitively: model code and stacks/fleet-checks.
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const next of graph.edges.get(file) ?? []) walk(next);
    };
    walk('src/cli/validate.ts');
    walk('src/cli/render-userdata.ts');
    const heavy = [...seen].filter((f) => !f.startsWith('src/model/') && !isCli(f) && f !== 'stacks/fleet-checks.ts');
    expect(heavy).toEqual([]);
    const packages = [...seen].flatMap((f) => graph.packages.get(f) ?? []);
    expect(packages.filter((p) => /^(cdktf|constructs|@cdktf\/)/.test(p))).toEqual([]);
  });

  test('the dispatcher loads command modules lazily (require on use), not at start', () => {
    const text = fs.readFileSync(path.join(ROOT, 'src', 'cli.ts'), 'utf8');
    const staticImports = [...text.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]).sort();
    expect(staticImports).toEqual(['./cli/command', './cli/version', './model/errors']);
  });
});
