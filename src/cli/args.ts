import { UsageError } from '../cli';

/** Parsed `--flag value` / `--flag=value` / `--switch` arguments and the positional rest. */
export interface ParsedArgs {
  readonly flags: Record<string, string | true>;
  readonly positional: string[];
}

/**
 * A small strict parser: `valued` flags take a value, `switches` take none, anything else is a
 * usage error (a typo must not be ignored).
 */
export function parseArgs(argv: string[], valued: readonly string[], switches: readonly string[] = []): ParsedArgs {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (switches.includes(name) && eq < 0) {
      flags[name] = true;
    } else if (valued.includes(name)) {
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      flags[name] = value;
    } else {
      const known = [...valued, ...switches].map((f) => `--${f}`).join(', ') || 'none';
      throw new UsageError(`unknown option --${name} (options: ${known})`);
    }
  }
  return { flags, positional };
}
