import { Command, didYouMean, parseArgs, UsageError } from './command';
import { renderMarkdown } from '../review/markdown';
import { review } from '../review/review';
import { readPlans } from '../review/plan';
import { readSynthOutput } from '../review/synth-output';

const FORMATS = ['markdown', 'json'];

export const command: Command = {
  summary: 'risk-flagged review of two synth outputs (base vs head), as Markdown or JSON',
  usage: [
    'usage: cdktf-kamaji review --base DIR --head DIR [--plan DIR] [--format markdown|json]',
    '',
    'DIR is a cdktf.out folder (the output of `cdktf synth`). Prints, per stack, the resources added,',
    'changed, replaced and removed, the risk flags, a summary and a Mermaid stage graph, and for each',
    "changed worker pool the diff of its nodes' cloud-config (apply-time values as placeholders).",
    '',
    '--plan DIR  a folder of `terraform show -json PLANFILE` outputs, one <stack id>.json per stack:',
    '            those stacks are reviewed from the real plan (replacements, deletions as Terraform',
    '            plans them); stacks without a file fall back to the synth diff.',
    'Sensitive values are printed as (sensitive).',
  ].join('\n'),
  run(argv) {
    const { flags, positional } = parseArgs(argv, ['base', 'head', 'plan', 'format']);
    if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
    const base = flags.base;
    const head = flags.head;
    if (typeof base !== 'string' || typeof head !== 'string')
      throw new UsageError('--base DIR and --head DIR are both required');
    const format = typeof flags.format === 'string' ? flags.format : 'markdown';
    if (!FORMATS.includes(format))
      throw new UsageError(
        `--format must be one of ${FORMATS.join(', ')}, got "${format}"${didYouMean(format, FORMATS, true)}`,
      );
    if (flags.plan !== undefined && typeof flags.plan !== 'string') throw new UsageError('--plan needs a DIR');
    const plans = typeof flags.plan === 'string' ? readPlans(flags.plan) : new Map();
    const result = review(readSynthOutput(base, '--base'), readSynthOutput(head, '--head'), plans);
    process.stdout.write(format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderMarkdown(result));
    return 0;
  },
};
