/**
 * The code of README.md, read the way the consumer test uses it: the app of "Use in your own
 * project" (compiled and synthesized as written), the construct snippets (compiled against a small
 * context of declared variables), and the `npm install` line (checked against package.json).
 */

export const CONSUMER_SECTION = 'Use in your own project';

export interface CodeBlock {
  /** The fence's language (`ts`, `sh`, or '' for none). */
  readonly lang: string;
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The `## ` and `### ` headings the block is under. */
  readonly section: string;
  readonly subsection: string;
}

export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split(/\r?\n/);
  let section = '';
  let subsection = '';
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)\s*$/.exec(lines[i]);
    if (!fence) {
      if (lines[i].startsWith('## ')) [section, subsection] = [lines[i].slice(3).trim(), ''];
      else if (lines[i].startsWith('### ')) subsection = lines[i].slice(4).trim();
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`README.md:${start + 1}: code block never closed`);
    blocks.push({ lang: fence[1], code: body.join('\n') + '\n', line: start + 1, section, subsection });
  }
  return blocks;
}

const isTs = (b: CodeBlock) => b.lang === 'ts' || b.lang === 'typescript';

/** The one TypeScript block of "Use in your own project": the consumer's whole `main.ts`. */
export function consumerApp(markdown: string): CodeBlock {
  const found = codeBlocks(markdown).filter((b) => isTs(b) && b.section === CONSUMER_SECTION);
  if (found.length !== 1)
    throw new Error(`README.md: "## ${CONSUMER_SECTION}" must have exactly one ts code block, found ${found.length}`);
  return found[0];
}

/** Every other TypeScript block: snippets that use variables declared around them (`stack`, ...). */
export function snippets(markdown: string): CodeBlock[] {
  return codeBlocks(markdown).filter((b) => isTs(b) && b.section !== CONSUMER_SECTION);
}

/** The packages of the `npm install` command in "Use in your own project", quotes removed. */
export function installPackages(markdown: string): string[] {
  const commands = codeBlocks(markdown)
    .filter((b) => b.section === CONSUMER_SECTION && b.lang === 'sh')
    .flatMap((b) => b.code.split('\n'))
    .filter((l) => l.startsWith('npm install '));
  if (commands.length !== 1)
    throw new Error(`README.md: "## ${CONSUMER_SECTION}" must have one \`npm install\` line, found ${commands.length}`);
  return commands[0]
    .slice('npm install '.length)
    .trim()
    .split(/\s+/)
    .map((word) => word.replace(/^["']|["']$/g, ''));
}

/** Module specifiers of a block's import statements. */
export function importSpecifiers(code: string): string[] {
  return [...code.matchAll(/^import\s[^;]*?\sfrom\s+['"]([^'"]+)['"]/gms)].map((m) => m[1]);
}

/** What a README block may import: the package root, cdktf, constructs, and providers by deep path. */
export function isAllowedImport(specifier: string): boolean {
  return (
    ['cdktf-kamaji', 'cdktf', 'constructs'].includes(specifier) ||
    /^@cdktf\/provider-[a-z0-9]+\/lib\/[a-z0-9-]+$/.test(specifier)
  );
}

/** Names a block imports (`import { A, B as C } from ...`: A and C) and names it declares. */
export function boundNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/^import\s*(?:type\s*)?\{([^}]*)\}/gm)) {
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop()
        ?.replace(/^type\s+/, '');
      if (name) names.add(name);
    }
  }
  for (const m of code.matchAll(/\b(?:const|let|var|class|function|enum|interface|type)\s+([A-Za-z_$][\w$]*)/g))
    names.add(m[1]);
  return names;
}

/** Identifiers a block mentions, comments and strings left out. */
export function mentionedNames(code: string): Set<string> {
  const stripped = code
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/.*$/gm, ' ')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''")
    .replace(/\.\.\./g, ' '); // a spread (`...props`) uses props
  return new Set(stripped.match(/(?<![.\w$])[A-Za-z_$][\w$]*/g) ?? []);
}
