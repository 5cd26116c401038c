#!/usr/bin/env node
/**
 * `cdktf-kamaji`: one binary, one module per command under src/cli/. Modules load lazily, so
 * `validate` never pays for the provider classes `render-userdata` needs.
 */
import { ValidationError } from './model/errors';

/** A command: parses its own argv, writes to stdout/stderr, returns the exit code. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(argv: string[]): Promise<number> | number;
}

/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading is the point */
const COMMANDS: Record<string, () => Command> = {
  // name: () => require('./cli/<name>').command,
  review: () => require('./cli/review').command,
  graph: () => require('./cli/graph').command,
  pki: () => require('./cli/pki').command,
  kubeconfig: () => require('./cli/kubeconfig').command,
  validate: () => require('./cli/validate').command,
  stacks: () => require('./cli/stacks').command,
  'render-userdata': () => require('./cli/render-userdata').command,
};
/* eslint-enable @typescript-eslint/no-require-imports */

function help(): string {
  const lines = ['usage: cdktf-kamaji <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(18)}${load().summary}`);
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`cdktf-kamaji: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const command = load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // Expected failures are reported as messages, never as stack traces.
    if (e instanceof ValidationError || e instanceof UsageError) {
      process.stderr.write(`cdktf-kamaji ${name}: ${e.message}\n`);
      return e instanceof UsageError ? 2 : 1;
    }
    throw e;
  }
}

/** Bad command-line usage: printed with the command's name, exit code 2. */
export class UsageError extends Error {}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`cdktf-kamaji: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
