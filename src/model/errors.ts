/**
 * Validation problems and the error that carries them.
 *
 * Every check in the project reports into a {@link Problems} list instead of throwing at the first
 * mistake, so a user sees every problem of an input at once. A problem names where it is (a construct
 * path or a file), the field, the bad value and the rule that value breaks.
 */

/** One broken rule. */
export interface Problem {
  /** The construct path (`platform/Kamaji`) or input file (`tenants.yaml`) the problem belongs to. */
  readonly where: string;
  /** The field, as a path: `imageTag`, `tenants[1].workers[0].maxSize`. */
  readonly field: string;
  /** The value that breaks the rule (`undefined` when the field is missing). */
  readonly value: unknown;
  /** What is allowed, in one sentence. */
  readonly rule: string;
  /** 1-based line in the input file, when the input is a file. */
  readonly line?: number;
  /** 1-based column in the input file, when the input is a file. */
  readonly column?: number;
}

const MAX_VALUE_CHARS = 120;

/** Renders a value for an error message: JSON, shortened, `(missing)` for undefined. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 3)}...` : text;
}

/** A value for a one-line message: at most `max` characters, one line. */
export function shorten(text: string, max = 60): string {
  const line = text.replace(/\r?\n/g, '\\n');
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

const MAX_FIELD_CHARS = 100;
const MAX_QUOTED_CHARS = 60;
const MAX_LINE_CHARS = 600;

/**
 * One problem on one line, every part kept short: a 14 KB key or a YAML error that quotes half the
 * file must not become a 14 KB line. Quoted words inside the rule (`unknown key "..."`) are
 * shortened, the rule's own words kept.
 */
export function formatProblem(p: Problem): string {
  const at = p.line !== undefined ? ` (line ${p.line}, column ${p.column ?? 1})` : '';
  const rule = p.rule
    .replace(/\r?\n/g, ' ')
    .replace(
      new RegExp(`"([^"]{${MAX_QUOTED_CHARS + 1},})"`, 'g'),
      (_, q: string) => `"${shorten(q, MAX_QUOTED_CHARS)}"`,
    );
  return shorten(
    `${p.where}: ${shorten(p.field, MAX_FIELD_CHARS)}${at}: ${showValue(p.value)}: ${rule}`,
    MAX_LINE_CHARS,
  );
}

/**
 * Thrown when an input breaks one or more rules; the message lists all of them.
 *
 * TypeScript only (jsii cannot model a subclass of `Error`): in other languages it is the error of
 * the call, and its message lists every problem.
 *
 * @jsii ignore
 */
export class ValidationError extends Error {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const n = problems.length;
    super(
      `${n} validation problem${n === 1 ? '' : 's'}:\n` + problems.map((p) => `  - ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/** Options of a {@link Problems} list. */
export interface ProblemsOptions {
  /**
   * Values this predicate accepts are not known yet (cdktf tokens resolved at apply time); a problem
   * about such a value is dropped, because the rule can only be checked once the value exists.
   */
  readonly deferred?: (value: unknown) => boolean;
}

/**
 * Collects problems for one place (`where`). `child` gives a view that prefixes field paths, so a
 * nested validator can report `workers[0].maxSize` without knowing where it sits.
 */
export class Problems {
  private readonly list: Problem[];

  constructor(
    readonly where: string,
    private readonly options: ProblemsOptions = {},
    private readonly prefix = '',
    shared?: Problem[],
  ) {
    this.list = shared ?? [];
  }

  /** A view whose fields are prefixed with `field` (`tenants[0]` + `.name`). */
  child(field: string): Problems {
    return new Problems(this.where, this.options, this.join(field), this.list);
  }

  add(field: string, value: unknown, rule: string, position?: { line: number; column: number }): void {
    if (this.options.deferred?.(value)) return;
    const problem: Problem = { where: this.where, field: this.join(field), value, rule, ...position };
    // The same rule broken at the same place once is enough (shared defaults are checked per user).
    const same = (p: Problem) =>
      p.field === problem.field &&
      p.rule === problem.rule &&
      p.line === problem.line &&
      showValue(p.value) === showValue(problem.value);
    if (!this.list.some(same)) this.list.push(problem);
  }

  /** Adds the problem unless `ok`; returns `ok` so callers can skip dependent checks. */
  check(ok: boolean, field: string, value: unknown, rule: string): boolean {
    if (!ok) this.add(field, value, rule);
    return ok;
  }

  get all(): readonly Problem[] {
    return this.list;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws a {@link ValidationError} holding every problem so far, if there is one. */
  throwIfAny(): void {
    if (this.list.length > 0) throw new ValidationError([...this.list]);
  }

  private join(field: string): string {
    if (!this.prefix) return field;
    if (!field) return this.prefix;
    return field.startsWith('[') ? `${this.prefix}${field}` : `${this.prefix}.${field}`;
  }
}

/**
 * For `catch` blocks that gather problems: a ValidationError's problems go into `into`, anything else
 * is rethrown. Lets a caller validate all its parts and report everything at once. (A catch clause
 * rather than a wrapper taking a closure: cdktf records a full stack trace for every token a construct
 * creates, so each extra frame around construct creation costs synth time across a large fleet.)
 */
export function keepProblems(error: unknown, into: Problem[]): void {
  if (!(error instanceof ValidationError)) throw error;
  into.push(...error.problems);
}
