import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, parseArgs, readInputFile, stringFlag, UsageError, writeProblems } from './command';
import { Problems } from '../model/errors';
import { fleetInventory, removalProblems } from '../model/decommission';
import { preflightProblems } from '../model/preflight';

export const command: Command = {
  summary: 'check a synth output before a CI deploy (shared state, no local files, no silent removals)',
  usage: [
    'usage: cdktf-kamaji preflight DIR [--previous FILE --tenants FILE] [--allow-local-state]',
    '',
    'Exit 1 with every problem when a stack of DIR (a cdktf.out folder):',
    "  - keeps local state (lost with the CI runner; set the tenants file's `state:` section),",
    '  - reads a file at apply time from outside DIR (the deploy jobs have only DIR),',
    'and, with --previous (the tenants file of the last successful deploy) and --tenants (the new one),',
    'when a tenant or pool was dropped without `decommission: true` in the previous file.',
  ].join('\n'),
  run(argv) {
    const { flags, positional } = parseArgs(argv, ['previous', 'tenants'], ['allow-local-state']);
    if (positional.length !== 1) throw new UsageError('needs exactly one DIR (a cdktf.out folder)');
    const previous = stringFlag(flags, 'previous');
    const tenants = stringFlag(flags, 'tenants');
    if ((previous === undefined) !== (tenants === undefined)) {
      throw new UsageError('--previous and --tenants go together (the last deployed and the new tenants file)');
    }
    const dir = positional[0];
    const manifestFile = path.join(dir, 'manifest.json');
    if (!fs.existsSync(manifestFile)) throw new UsageError(`${dir}: not a cdktf.out folder (no manifest.json)`);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as {
      stacks?: Record<string, { synthesizedStackPath?: string; workingDirectory?: string }>;
    };
    const problems = new Problems(dir);
    for (const [id, entry] of Object.entries(manifest.stacks ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const file = path.join(dir, entry.synthesizedStackPath ?? `stacks/${id}/cdk.tf.json`);
      const tf = JSON.parse(fs.readFileSync(file, 'utf8'));
      preflightProblems(id, tf, path.dirname(file), dir, problems, {
        allowLocalState: flags['allow-local-state'] === true,
      });
    }
    if (previous !== undefined && tenants !== undefined) {
      const removals = new Problems(tenants);
      removalProblems(
        fleetInventory(readInputFile(previous, '--previous')),
        fleetInventory(readInputFile(tenants, '--tenants')),
        removals,
      );
      for (const p of removals.all) problems.add(p.field, p.value, p.rule);
    }
    if (!problems.empty) {
      writeProblems(dir, problems.all, '; nothing may be applied');
      return 1;
    }
    process.stdout.write(`${dir}: ready to deploy (${Object.keys(manifest.stacks ?? {}).length} stacks)\n`);
    return 0;
  },
};
