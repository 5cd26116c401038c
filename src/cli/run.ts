import { spawn } from 'node:child_process';
import { Command, didYouMean, numberFlag, parseArgs, stringFlag, UsageError } from './command';
import { FLEET_ACTIONS, FleetAction, fleetRun, shellLine, StackStep } from '../model/fleet-run';
import { synthStackNodes } from './synth-stacks';

export const command: Command = {
  summary: 'run terraform over a synth output in wave order (plan, apply, destroy, drift) from your machine',
  usage: [
    'usage: cdktf-kamaji run plan|apply|destroy|drift DIR [--dry-run] [--auto-approve] [--parallel N] [--match REGEX]',
    '',
    'DIR is a cdktf.out folder; `terraform` comes from PATH. Per stack: init, then the action, in',
    '`terraform -chdir=DIR/stacks/<stack>`. Waves run in order, the stacks of a wave --parallel at once',
    '(default 4); a failed stack stops the run after its wave, and every failed stack is listed.',
    '  plan     the apply waves',
    '  apply    the apply waves, then the decommissioned stacks destroyed (nodes, then control planes)',
    '  destroy  every stack, the waves reversed (nodes, control planes, datastores, platform)',
    '  drift    plan -detailed-exitcode per stack; exit 2 when a stack drifted (listed)',
    '--dry-run       print the commands in order, run nothing',
    '--auto-approve  needed by apply and destroy (they run unattended and in parallel)',
    '--match REGEX   only the stacks whose id matches',
  ].join('\n'),
  async run(argv) {
    const { flags, positional } = parseArgs(argv, ['parallel', 'match'], ['dry-run', 'auto-approve']);
    if (positional.length !== 2) throw new UsageError('needs an action (plan, apply, destroy, drift) and a DIR');
    const [actionText, dir] = positional;
    if (!(FLEET_ACTIONS as readonly string[]).includes(actionText)) {
      throw new UsageError(
        `unknown action "${actionText}"${didYouMean(actionText, FLEET_ACTIONS, true)}; actions: ${FLEET_ACTIONS.join(', ')}`,
      );
    }
    const action = actionText as FleetAction;
    const parallel = numberFlag(flags, 'parallel') ?? 4;
    if (parallel < 1) throw new UsageError(`--parallel must be at least 1, got ${parallel}`);
    const dryRun = flags['dry-run'] === true;
    if ((action === 'apply' || action === 'destroy') && !dryRun && flags['auto-approve'] !== true) {
      throw new UsageError(
        `${action} runs terraform unattended: review with \`run plan\` or \`--dry-run\`, then add --auto-approve`,
      );
    }
    const matchText = stringFlag(flags, 'match');
    let match: RegExp | undefined;
    try {
      match = matchText === undefined ? undefined : new RegExp(matchText);
    } catch (e) {
      throw new UsageError(`--match must be a regular expression: ${(e as Error).message}`);
    }
    const phases = fleetRun(action, synthStackNodes(dir), dir)
      .map((steps) => steps.filter((s) => !match || match.test(s.stack)))
      .filter((steps) => steps.length > 0);

    if (dryRun) {
      phases.forEach((steps, i) => {
        process.stdout.write(`# phase ${i + 1}/${phases.length}: ${steps.length} stack(s), ${parallel} at once\n`);
        for (const s of steps) for (const c of s.commands) process.stdout.write(`${shellLine(c)}\n`);
      });
      return 0;
    }

    const failed: string[] = [];
    const drifted: string[] = [];
    for (const [i, steps] of phases.entries()) {
      process.stdout.write(`== phase ${i + 1}/${phases.length}: ${steps.map((s) => s.stack).join(' ')}\n`);
      // Terraform's plugin cache is not safe for concurrent `init` (hashicorp/terraform#31964): with
      // TF_PLUGIN_CACHE_DIR set, the inits of a phase run one by one, the actions in parallel.
      const serialInit = Boolean(process.env.TF_PLUGIN_CACHE_DIR);
      const inits = serialInit ? await inParallel(steps, 1, (s) => runCommands(s.commands.slice(0, 1))) : [];
      const results = await inParallel(steps, parallel, async (s) => {
        const init = inits[steps.indexOf(s)];
        if (init && init.code !== 0) return init;
        const rest = await runCommands(serialInit ? s.commands.slice(1) : s.commands);
        return init ? { ...rest, log: init.log + rest.log } : rest;
      });
      results.forEach((r, j) => {
        const s = steps[j];
        const status =
          r.code === 0
            ? 'ok'
            : s.action === 'drift' && r.code === 2 && r.ranAction
              ? 'drift'
              : `failed (exit ${r.code})`;
        process.stdout.write(`-- ${s.stack}: ${s.action} ${status}\n${r.log}`);
        if (status === 'drift') drifted.push(s.stack);
        else if (status !== 'ok') failed.push(s.stack);
      });
      if (failed.length > 0) break;
    }
    if (drifted.length > 0) process.stdout.write(`drifted: ${drifted.join(' ')}\n`);
    if (failed.length > 0) {
      process.stderr.write(`cdktf-kamaji run ${action}: failed: ${failed.join(' ')} (later waves not started)\n`);
      return 1;
    }
    return drifted.length > 0 ? 2 : 0;
  },
};

interface StepResult {
  readonly code: number;
  readonly log: string;
  /** The action itself ran (a failed init stops before it). */
  readonly ranAction?: boolean;
}

/** Commands in order, stopping at the first failure; the output kept so parallel stacks do not interleave. */
async function runCommands(commands: StackStep['commands']): Promise<StepResult> {
  let log = '';
  let code = 0;
  let ran = 0;
  for (const c of commands) {
    log += `$ ${shellLine(c)}\n`;
    const r = await exec(c);
    log += r.log;
    code = r.code;
    ran++;
    if (code !== 0) break;
  }
  // The last command is the action (init comes first).
  return { code, log, ranAction: ran === commands.length && commands[commands.length - 1][2] !== 'init' };
}

function exec(command: readonly string[]): Promise<StepResult> {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TF_IN_AUTOMATION: '1' },
    });
    let log = '';
    child.stdout.on('data', (d) => (log += String(d)));
    child.stderr.on('data', (d) => (log += String(d)));
    child.on('error', (e) => resolve({ code: 127, log: log + `${command[0]}: ${e.message}\n` }));
    child.on('close', (code) => resolve({ code: code ?? 1, log }));
  });
}

/** Runs `work` over `items`, at most `limit` at once; results in the order of `items`. */
async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
