import { Command, didYouMean, numberFlag, parseArgs, stringFlag, UsageError } from './command';
import { batches, deployPlan, GITHUB_MATRIX_LIMIT } from '../model/waves';
import { DECOMMISSION_LOCAL } from '../model/decommission';
import { synthStackNodes } from './synth-stacks';

export const command: Command = {
  summary: 'print the stacks of a synth output in deploy waves and destroy waves (for a CI matrix)',
  usage: [
    'usage: cdktf-kamaji stacks DIR [--format text|json] [--batch-size N] [--match REGEX]',
    '',
    'DIR is a cdktf.out folder. Wave N holds stacks whose dependencies are all in waves < N;',
    'the stacks of one wave can deploy in parallel. Decommissioned stacks (their cdk.tf.json has the',
    `local ${DECOMMISSION_LOCAL} = true) are not applied: "destroy" lists them in destroy order,`,
    'nodes stacks first, then control planes.',
    '',
    `--batch-size N  JSON: group each wave into batches of N stacks (default 1), one CI matrix job`,
    `                each; raised when a wave would need more than ${GITHUB_MATRIX_LIMIT} batches (GitHub's matrix limit)`,
    '--match REGEX   keep only the stacks whose id matches (e.g. "-nodes$")',
  ].join('\n'),
  run(argv) {
    const { flags, positional } = parseArgs(argv, ['format', 'batch-size', 'match']);
    if (positional.length !== 1) throw new UsageError('needs exactly one DIR (a cdktf.out folder)');
    const format = flags.format ?? 'text';
    if (format !== 'text' && format !== 'json') {
      throw new UsageError(
        `--format must be text or json, not "${format}"${didYouMean(String(format), ['text', 'json'], true)}`,
      );
    }
    const batchSize = numberFlag(flags, 'batch-size') ?? 1;
    if (batchSize < 1) throw new UsageError(`--batch-size must be at least 1, got ${batchSize}`);
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
      const asJobs = (ws: string[][]) => ws.map((ids) => batches(ids, batchSize).map((b) => b.join(' ')));
      const json = {
        waves: waves.map((stacks, wave) => ({ wave, stacks })),
        destroy,
        // One string per matrix job: the stack ids of the batch, space-separated.
        batches: { apply: asJobs(waves), destroy: asJobs(destroy) },
      };
      process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    } else {
      waves.forEach((stacks, wave) => process.stdout.write(`wave ${wave}: ${stacks.join(' ')}\n`));
      destroy.forEach((stacks, wave) => process.stdout.write(`destroy ${wave}: ${stacks.join(' ')}\n`));
    }
    return 0;
  },
};
