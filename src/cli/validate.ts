import { loadTenantsFile } from '../model/tenants-file';
import { tenantsFileChecks } from '../../stacks/fleet-checks';
import { Command, parseArgs, readInputFile, UsageError, writeProblems } from './command';

export const command: Command = {
  summary: 'check a tenants file without synthesizing (all problems at once)',
  usage: [
    'usage: cdktf-kamaji validate FILE',
    '',
    'Checks FILE as the fleet app would before synthesizing: its structure, every cross-field rule, the',
    "CA files it names and each pool's user-data size. Prints every problem with its YAML path, line and",
    'column (a YAML syntax error, or a file that is not a tenants file, is one problem); exit 1 on problems.',
  ].join('\n'),
  run(argv) {
    const { positional } = parseArgs(argv, []);
    if (positional.length !== 1) {
      throw new UsageError(
        positional.length === 0 ? 'needs a FILE (a tenants file)' : `needs exactly one FILE, got ${positional.length}`,
      );
    }
    const [file] = positional;
    const loaded = loadTenantsFile(readInputFile(file), file, tenantsFileChecks(file));
    if (loaded.problems.length > 0) {
      writeProblems(file, loaded.problems);
      return 1;
    }
    const tenants = loaded.tenants ?? [];
    const pools = tenants.reduce((n, t) => n + t.workers.length, 0);
    const dataStores = loaded.file?.platform?.dataStores?.length ?? 0;
    process.stdout.write(
      `${file}: valid (${tenants.length} tenants, ${pools} worker pools, ${dataStores} DataStores)\n`,
    );
    return 0;
  },
};
