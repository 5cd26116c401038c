import { Command, didYouMean, numberFlag, parseArgs, stringFlag, UsageError } from './command';
import { batchWaves, deployPlan, GITHUB_MATRIX_LIMIT } from '../model/waves';
import { DECOMMISSION_LOCAL } from '../model/decommission';
import { synthStackNodes } from './synth-stacks';

export const command: Command = {
  summary: 'print the stacks of a synth output in deploy waves and destroy waves (for a CI matrix)',
  usage: [
    'usage: cdktf-kamaji stacks DIR [--format text|json] [--batch-size N] [--max-jobs N] [--match REGEX]',
    '',
    'DIR is a cdktf.out folder. Wave N holds stacks whose dependencies are all in waves < N;',
    'the stacks of one wave can deploy in parallel. Decommissioned stacks (their cdk.tf.json has the',
    `local ${DECOMMISSION_LOCAL} = true) are not applied: "destroy" lists them in destroy order,`,
    'nodes stacks first, then control planes.',
    '',
    '--batch-size N  JSON "batches": each wave (apply and destroy) in batches of N stacks (default 1),',
    '                one CI matrix job each; raised just enough that all waves need <= --max-jobs batches',
    `--max-jobs N    the job budget of one deploy run (default ${GITHUB_MATRIX_LIMIT}: GitHub's matrix limit per workflow run)`,
    '--match REGEX   keep only the stacks whose id matches (e.g. "-nodes$")',
  ].join('\n'),
  run(argv) {
    const { flags, positional } = parseArgs(argv, ['format', 'batch-size', 'max-jobs', 'match']);
    if (positional.length !== 1) throw new UsageError('needs exactly one DIR (a cdktf.out folder)');
    const format = flags.format ?? 'text';
    if (format !== 'text' && format !== 'json') {
      throw new UsageError(
        `--format must be text or json, not "${format}"${didYouMean(String(format), ['text', 'json'], true)}`,
      );
    }
    const batchSize = numberFlag(flags, 'batch-size') ?? 1;
    if (batchSize < 1) throw new UsageError(`--batch-size must be at least 1, got ${batchSize}`);
    const maxJobs = numberFlag(flags, 'max-jobs') ?? GITHUB_MATRIX_LIMIT;
    if (maxJobs < 1) throw new UsageError(`--max-jobs must be at least 1, got ${maxJobs}`);
    const matchText = stringFlag(flags, 'match');
    let match: RegExp | undefined;
    try {
      match = matchText === undefined ? undefined : new RegExp(matchText);
    } catch (e) {
      throw new UsageError(`--match must be a regular expression: ${(e as Error).message}`);
    }
    const plan = deployPlan(synthStackNodes(positional[0]), `${positional[0]}/manifest.json`);
    const keep = (waves: string[][]) =>
      waves.map((ids) => ids.filter((id) => !match || match.test(id))).filter((ids) => ids.length > 0);
    const waves = keep(plan.waves);
    const destroy = keep(plan.destroy);
    if (format === 'json') {
      const all = batchWaves([...waves, ...destroy], batchSize, maxJobs).map((w) => w.map((b) => b.join(' ')));
      const json = {
        waves: waves.map((stacks, wave) => ({ wave, stacks })),
        destroy,
        // Per wave, one string per matrix job: the stack ids of the batch, space-separated.
        batches: { apply: all.slice(0, waves.length), destroy: all.slice(waves.length) },
      };
      process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    } else {
      waves.forEach((stacks, wave) => process.stdout.write(`wave ${wave}: ${stacks.join(' ')}\n`));
      destroy.forEach((stacks, wave) => process.stdout.write(`destroy ${wave}: ${stacks.join(' ')}\n`));
    }
    return 0;
  },
};
