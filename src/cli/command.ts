/**
 * What every command shares: the {@link Command} interface, {@link UsageError}, the strict argument
 * parser, numeric flags, "did you mean" hints, reading an input file and printing problems. The
 * dispatcher (src/cli.ts) and the commands import this module; nothing here imports them.
 */
import * as fs from 'node:fs';
import { formatProblem, Problem, shorten } from '../model/errors';

/** A command: parses its own argv, writes to stdout/stderr, returns the exit code. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(argv: string[]): Promise<number> | number;
}

/** Bad command-line usage: printed with the command's name, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parsed `--flag value` / `--flag=value` / `--switch` arguments and the positional rest. */
export interface ParsedArgs {
  readonly flags: Record<string, string | true>;
  readonly positional: string[];
}

/**
 * A small strict parser: `valued` flags take a value, `switches` take none, anything else is a
 * usage error with a "did you mean" hint (a typo must not be ignored). `--` ends the options.
 */
export function parseArgs(argv: string[], valued: readonly string[], switches: readonly string[] = []): ParsedArgs {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  const known = [...valued, ...switches].map((f) => `--${f}`);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const written = eq < 0 ? arg : arg.slice(0, eq);
    const name = written.startsWith('--') ? written.slice(2) : '';
    if (name !== '' && switches.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value (got "${shorten(arg.slice(eq + 1))}")`);
      flags[name] = true;
    } else if (name !== '' && valued.includes(name)) {
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      // `--out --force` is a forgotten value, not an output file named "--force".
      if (eq < 0 && value.startsWith('--')) throw new UsageError(`--${name} needs a value (got option ${value})`);
      flags[name] = value;
    } else {
      const options = known.length > 0 ? `options: ${known.join(', ')}` : 'this command takes no options';
      throw new UsageError(`unknown option ${shorten(written)}${didYouMean(written, known)}; ${options}`);
    }
  }
  return { flags, positional };
}

/** The string value of a valued flag, if given. */
export function stringFlag(flags: ParsedArgs['flags'], name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A numeric flag: undefined when absent, else its number. A value that is not a plain number
 * (`abc`, `1e3`, `0x10`, ` 5`) is a usage error that shows the value as given.
 */
export function numberFlag(
  flags: ParsedArgs['flags'],
  name: string,
  kind: 'whole' | 'decimal' = 'whole',
): number | undefined {
  const value = stringFlag(flags, name);
  if (value === undefined) return undefined;
  const pattern = kind === 'whole' ? /^\d+$/ : /^\d+(\.\d+)?$/;
  if (!pattern.test(value) || !Number.isFinite(Number(value))) {
    const what = kind === 'whole' ? 'a whole number (digits only)' : 'a number (digits, optionally a decimal point)';
    throw new UsageError(`--${name} must be ${what}, got "${shorten(value)}"`);
  }
  return Number(value);
}

/**
 * ` (did you mean "x"?)` when one candidate is close to `word`: a small edit distance (typos,
 * swapped letters) or the only candidate that starts with it (`render` for `render-userdata`).
 */
export function didYouMean(word: string, candidates: readonly string[], quote = false): string {
  const best = closest(word, candidates);
  if (best === undefined) return '';
  return quote ? ` (did you mean "${best}"?)` : ` (did you mean ${best}?)`;
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  // Dashes are compared apart from the name: `-days` and `---days` both mean `--days`.
  const bare = (s: string) => s.replace(/^-+/, '').toLowerCase();
  const w = bare(word);
  if (w.length === 0) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, bare(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(bare(best).length / 3))) return best;
  const prefixed = candidates.filter((c) => w.length >= 3 && bare(c).startsWith(w));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * Reads an input file named on the command line. A missing file, a directory or an unreadable file
 * is a usage error naming it (`what` is the flag or argument it came from).
 */
export function readInputFile(file: string, what = ''): string {
  const label = what ? `${what} ${file}` : file;
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`${label}: no such file`);
  if (stat.isDirectory()) throw new UsageError(`${label}: is a directory, not a tenants file`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${label}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** One problem on one line, every part kept short (see formatProblem). */
export const problemLine = formatProblem;

/** Writes `FILE: N problems` and one line per problem to stderr. */
export function writeProblems(file: string, problems: readonly Problem[], note = ''): void {
  const n = problems.length;
  process.stderr.write(`${file}: ${n} problem${n === 1 ? '' : 's'}${note}\n`);
  for (const p of problems) process.stderr.write(`  - ${problemLine(p)}\n`);
}
