/**
 * The first look at a file given as a tenants file, before its fields are judged: is it YAML, and
 * is it a tenants file at all? Either answer, when negative, is ONE problem with a line and column:
 * one YAML mistake makes the parser report several follow-up errors, and a README or a kubeconfig
 * judged field by field would yield dozens of problems that all mean "wrong file".
 */
import { isMap, isScalar, LineCounter, parseDocument, YAMLError } from 'yaml';
import { Problem, Problems } from './errors';
import { hint, isMapping } from './shape';
import { TENANTS_FILE_SHAPE } from './tenants-file-shape';

/** The keys a tenants file may have at its top level. */
export const TENANTS_FILE_TOP_LEVEL_KEYS: readonly string[] =
  TENANTS_FILE_SHAPE.kind === 'object' ? Object.keys(TENANTS_FILE_SHAPE.properties) : ['tenants'];

/** What a tenants file looks like, for messages. */
export const TENANTS_FILE_TOP_LEVEL_RULE =
  'a tenants file is a YAML mapping with a "tenants" list at the top (optional: ' +
  `${TENANTS_FILE_TOP_LEVEL_KEYS.filter((k) => k !== 'tenants').join(', ')})`;

const MAX_MESSAGE_CHARS = 100;

/** A parsed tenants file: the YAML document and the line counter its positions are read with. */
export interface ParsedTenantsText {
  readonly doc: ReturnType<typeof parseDocument>;
  readonly lineCounter: LineCounter;
}

let lastParse: { text: string; parsed: ParsedTenantsText } | undefined;

/**
 * Parses a tenants file's text once for both looks at it (this first one and the field checks of
 * tenants-file.ts): a 1,000-tenant file takes about a second to parse (docs/scale.md). The last parse is
 * kept for the same text; neither caller changes the document.
 */
export function parseTenantsText(text: string): ParsedTenantsText {
  if (lastParse?.text === text) return lastParse.parsed;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  lastParse = { text, parsed: { doc, lineCounter } };
  return lastParse.parsed;
}

/**
 * Problems of the text as a whole: empty when it is a YAML document that looks like a tenants file
 * (a mapping with at least one tenants-file key, or a near miss such as `tenant:` that the
 * structural check then explains); else one problem (a YAML syntax error, or "not a tenants file").
 * Duplicate keys are independent mistakes and are all reported.
 */
export function tenantsFileTextProblems(text: string, fileName: string): Problem[] {
  const { doc, lineCounter } = parseTenantsText(text);
  const problems = new Problems(fileName);
  const position = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const lineAt = (line: number) => (text.split(/\r?\n/)[line - 1] ?? '').trim();

  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const at = position(first.pos[0]);
    // The parser still builds what it could: a tenants file with a typo is a mapping with some of
    // the top-level keys; a README or a script is not.
    const partial = isMap(doc.contents)
      ? doc.contents.items.map((pair) => (isScalar(pair.key) ? pair.key.value : undefined))
      : [];
    if (!partial.some((key) => typeof key === 'string' && nearTopLevelKey(key))) {
      problems.add(
        '(file)',
        lineAt(at.line),
        `is not a tenants file: not valid YAML (${yamlMessage(first)}); ${TENANTS_FILE_TOP_LEVEL_RULE}`,
        at,
      );
      return [...problems.all];
    }
    // Several errors from one mistake are usually follow-ups of the first; duplicate keys are not.
    const reported = doc.errors.every((e) => e.code === 'DUPLICATE_KEY') ? doc.errors : [first];
    for (const error of reported) {
      const where = position(error.pos[0]);
      problems.add('(file)', lineAt(where.line), `is not valid YAML: ${yamlMessage(error)}`, where);
    }
    return [...problems.all];
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch {
    // Aliases past the library's limit: loadTenantsFile reports it.
    return [];
  }
  if (data === null || data === undefined) return [];
  const contentsAt = doc.contents?.range ? position(doc.contents.range[0]) : undefined;
  if (!isMapping(data)) {
    const what = Array.isArray(data) ? 'a list' : `a ${typeof data}`;
    problems.add(
      '(file)',
      data,
      `is not a tenants file: its top level is ${what}; ${TENANTS_FILE_TOP_LEVEL_RULE}`,
      contentsAt,
    );
    return [...problems.all];
  }
  const keys = Object.keys(data);
  if (keys.length > 0 && !keys.some(nearTopLevelKey)) {
    problems.add(
      '(file)',
      keys,
      `is not a tenants file: none of its top-level keys is ${TENANTS_FILE_TOP_LEVEL_KEYS.join(', ')}; ${TENANTS_FILE_TOP_LEVEL_RULE}`,
      contentsAt,
    );
    return [...problems.all];
  }
  return [];
}

/** The first line of a YAML error, shortened: some messages quote the rest of the file. */
function yamlMessage(error: YAMLError): string {
  const line = error.message.split('\n')[0];
  return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS - 3)}...` : line;
}

/** A top-level key of a tenants file, or a near miss the structural check explains (`tenant`). */
function nearTopLevelKey(key: string): boolean {
  return TENANTS_FILE_TOP_LEVEL_KEYS.includes(key) || hint(key, TENANTS_FILE_TOP_LEVEL_KEYS) !== '';
}
