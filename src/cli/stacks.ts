import { Command, didYouMean, parseArgs, UsageError } from './command';
import { deployWaves } from '../model/waves';
import { readSynthOutput } from '../review/synth-output';

export const command: Command = {
  summary: 'print the stacks of a synth output in deploy waves (for a CI matrix)',
  usage: [
    'usage: cdktf-kamaji stacks DIR [--format text|json]',
    '',
    'DIR is a cdktf.out folder. Wave N holds stacks whose dependencies are all in waves < N;',
    'the stacks of one wave can deploy in parallel. Destroy runs the waves in reverse.',
  ].join('\n'),
  run(argv) {
    const { flags, positional } = parseArgs(argv, ['format']);
    if (positional.length !== 1) throw new UsageError('needs exactly one DIR (a cdktf.out folder)');
    const format = flags.format ?? 'text';
    if (format !== 'text' && format !== 'json') {
      throw new UsageError(
        `--format must be text or json, not "${format}"${didYouMean(String(format), ['text', 'json'], true)}`,
      );
    }
    const output = readSynthOutput(positional[0]);
    const waves = deployWaves([...output.stacks.values()], `${positional[0]}/manifest.json`);
    if (format === 'json') {
      const json = { waves: waves.map((stacks, wave) => ({ wave, stacks })) };
      process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    } else {
      waves.forEach((stacks, wave) => process.stdout.write(`wave ${wave}: ${stacks.join(' ')}\n`));
    }
    return 0;
  },
};
