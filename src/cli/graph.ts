import { Command, parseArgs, UsageError } from './command';
import { nodesOf, renderMermaid } from '../review/mermaid';
import { readSynthOutput } from '../review/synth-output';

export const command: Command = {
  summary: 'Mermaid flowchart of the stage graph of one synth output',
  usage: [
    'usage: cdktf-kamaji graph DIR',
    '',
    'DIR is a cdktf.out folder. Prints the Mermaid source (no fences) of its stacks and dependencies:',
    'platform -> datastores -> tenant control planes -> tenant nodes.',
  ].join('\n'),
  run(argv) {
    const { positional } = parseArgs(argv, []);
    if (positional.length !== 1) throw new UsageError('expects exactly one DIR (a cdktf.out folder)');
    process.stdout.write(`${renderMermaid(nodesOf(readSynthOutput(positional[0])))}\n`);
    return 0;
  },
};
