/**
 * The public node configuration of a worker pool: the cloud-config its launch template hands to
 * every node, as `cdktf-kamaji render-userdata` prints it (apply-time values as `<APPLY-TIME: ...>`
 * placeholders, never a token), and a line diff of it between base and head. Launch template
 * `user_data` stays redacted as an attribute (with inline delivery its real value holds the token);
 * this text is built from the synth output's configuration, which holds only references.
 */
import { CA_PLACEHOLDER, ENDPOINT_PLACEHOLDER, TOKEN_VALUE_PLACEHOLDER } from '../model/user-data';
import { looksSecret } from './rules';
import { SynthStack } from './synth-output';

/** Printed instead of a line of node configuration that looks like a secret. */
export const REDACTED_LINE = '(sensitive line)';

/** AwsWorkerPool writes `user_data = "${base64encode(local.<Pool>_UserData_<hash>)}"`. */
const FROM_LOCAL = /^\$\{base64(?:encode|gzip)\(local\.([A-Za-z0-9_-]+)\)\}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The user data text of a launch template (a Terraform template string), or undefined when the
 * review cannot read it from the synth output (an expression other than a local, or gzip of bytes).
 */
export function userDataTemplate(stack: SynthStack, launchTemplate: string): string | undefined {
  const lt = stack.resources.get(launchTemplate);
  const value = lt?.config.user_data;
  if (typeof value !== 'string') return undefined;
  const local = FROM_LOCAL.exec(value);
  if (local) {
    const text = stack.locals[local[1]];
    return typeof text === 'string' ? text : undefined;
  }
  const compact = value.replace(/\s+/g, '');
  if (!value.includes('${') && compact.length > 0 && BASE64.test(compact)) {
    return Buffer.from(compact, 'base64').toString('utf8');
  }
  return undefined;
}

/** The placeholder for one `${...}` interpolation, by what it reads. */
function placeholder(expression: string): string {
  if (expression.includes('certificate-authority-data')) return CA_PLACEHOLDER;
  if (/\bcluster\.server\b/.test(expression)) return ENDPOINT_PLACEHOLDER;
  if (/\brandom_(?:string|password)\./.test(expression)) return TOKEN_VALUE_PLACEHOLDER;
  return `<APPLY-TIME: ${expression.replace(/\s+/g, ' ').trim()}>`;
}

/**
 * A Terraform template string as the node would receive it, apply-time interpolations replaced by
 * placeholders: `$${` and `%%{` are the template escapes of a literal `${` and `%{`.
 */
export function publicNodeConfig(template: string): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    if (template.startsWith('$${', i) || template.startsWith('%%{', i)) {
      out += template[i + 1] + '{';
      i += 3;
    } else if (template.startsWith('${', i)) {
      let depth = 1;
      let j = i + 2;
      for (; j < template.length && depth > 0; j++) {
        if (template[j] === '{') depth++;
        else if (template[j] === '}') depth--;
      }
      out += placeholder(template.slice(i + 2, j - 1));
      i = j;
    } else {
      out += template[i];
      i++;
    }
  }
  // Defence in depth: a line shaped like a token or a private key is never printed.
  return out
    .split('\n')
    .map((line) => (looksSecret(line) ? REDACTED_LINE : line))
    .join('\n');
}

/** The public node configuration of a launch template in a stack, if the review can read it. */
export function nodeConfigOf(stack: SynthStack | undefined, launchTemplate: string): string | undefined {
  const template = stack && userDataTemplate(stack, launchTemplate);
  return template === undefined ? undefined : publicNodeConfig(template);
}

const CONTEXT = 3;
/** Above this many line pairs the diff is not computed (the LCS table would be too large). */
const MAX_CELLS = 4_000_000;

/**
 * A unified diff (`@@ -a,b +c,d @@` hunks, ` `/`-`/`+` lines, 3 lines of context) of two texts, or
 * undefined when they are equal. Longest common subsequence over lines: user data is a few hundred.
 */
export function unifiedDiff(before: string, after: string): string[] | undefined {
  if (before === after) return undefined;
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length * b.length > MAX_CELLS) return [`@@ too large to diff: ${a.length} -> ${b.length} lines @@`];
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  type Op = { kind: ' ' | '-' | '+'; text: string; ai: number; bi: number };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i], ai: i++, bi: j++ });
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push({ kind: '-', text: a[i], ai: i++, bi: j });
    } else {
      ops.push({ kind: '+', text: b[j], ai: i, bi: j++ });
    }
  }
  const out: string[] = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k].kind === ' ') {
      k++;
      continue;
    }
    // A hunk: from CONTEXT lines before the change to CONTEXT lines after the last change that is
    // followed by fewer than 2 * CONTEXT unchanged lines.
    const start = Math.max(0, k - CONTEXT);
    let end = k;
    let last = k;
    while (end < ops.length) {
      if (ops[end].kind !== ' ') last = end;
      else if (end - last > 2 * CONTEXT) break;
      end++;
    }
    end = Math.min(ops.length, last + CONTEXT + 1);
    const hunk = ops.slice(start, end);
    const aLines = hunk.filter((o) => o.kind !== '+').length;
    const bLines = hunk.filter((o) => o.kind !== '-').length;
    const aStart = hunk[0].ai + (aLines > 0 ? 1 : 0);
    const bStart = hunk[0].bi + (bLines > 0 ? 1 : 0);
    out.push(`@@ -${aStart},${aLines} +${bStart},${bLines} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.text}`);
    k = end;
  }
  return out;
}
