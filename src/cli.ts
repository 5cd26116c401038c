#!/usr/bin/env node
/**
 * `cdktf-kamaji`: the dispatcher. One module per command under src/cli/, loaded lazily, so
 * `validate` never pays for what another command needs. Commands share src/cli/command.ts; they
 * never import this file (nothing does, except tests calling `main`).
 */
import { Command, didYouMean, problemLine, UsageError } from './cli/command';
import { packageVersion } from './cli/version';
import { shorten, ValidationError } from './model/errors';

/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading is the point */
const COMMANDS: Record<string, () => Command> = {
  validate: () => require('./cli/validate').command,
  'render-userdata': () => require('./cli/render-userdata').command,
  stacks: () => require('./cli/stacks').command,
  preflight: () => require('./cli/preflight').command,
  run: () => require('./cli/run').command,
  review: () => require('./cli/review').command,
  graph: () => require('./cli/graph').command,
  pki: () => require('./cli/pki').command,
  kubeconfig: () => require('./cli/kubeconfig').command,
  image: () => require('./cli/image').command,
  cleanup: () => require('./cli/cleanup').command,
};
/* eslint-enable @typescript-eslint/no-require-imports */

const OWN_OPTIONS = ['--help', '--version'];

function help(): string {
  const lines = [
    'usage: cdktf-kamaji <command> [options]',
    '       cdktf-kamaji help <command>    the usage of one command (also: <command> --help)',
    '       cdktf-kamaji --version',
    '',
    'commands:',
  ];
  for (const [name, load] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(18)}${load().summary}`);
  return lines.join('\n') + '\n';
}

function version(): string {
  return `cdktf-kamaji ${packageVersion() ?? '(version unknown: package.json not found)'}\n`;
}

/** An unknown command (or top-level option): one line with a hint, then the commands; exit 2. */
function unknown(name: string): number {
  const what = name.startsWith('-') ? 'option' : 'command';
  const hint = didYouMean(name, name.startsWith('-') ? OWN_OPTIONS : Object.keys(COMMANDS), true);
  // With a suggestion, one line; without, the list of commands to choose from.
  const more = hint ? 'cdktf-kamaji --help lists the commands\n' : `\n${help()}`;
  process.stderr.write(`cdktf-kamaji: unknown ${what} "${shorten(name)}"${hint}\n${more}`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(help());
    return 2;
  }
  if (name === '--help' || name === '-h') {
    process.stdout.write(help());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(version());
    return 0;
  }
  if (name === 'help') {
    if (rest.length === 0 || (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h'))) {
      process.stdout.write(help());
      return 0;
    }
    if (rest.length > 1) {
      process.stderr.write(`cdktf-kamaji help: expects one COMMAND, got ${rest.length} arguments\n`);
      return 2;
    }
    if (!COMMANDS[rest[0]]) return unknown(rest[0]);
    process.stdout.write(`${COMMANDS[rest[0]]().usage}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) return unknown(name);
  const command = load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // Expected failures are reported as messages, never as stack traces.
    if (e instanceof UsageError) {
      process.stderr.write(`cdktf-kamaji ${name}: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ValidationError) {
      const n = e.problems.length;
      process.stderr.write(`cdktf-kamaji ${name}: ${n} problem${n === 1 ? '' : 's'}\n`);
      for (const p of e.problems) process.stderr.write(`  - ${problemLine(p)}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`cdktf-kamaji: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
