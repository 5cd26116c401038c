import * as fs from 'node:fs';
import { Command, UsageError } from '../cli';
import { formatProblem } from '../model/errors';
import { loadTenantsFile } from '../model/tenants-file';
import { parseArgs } from './args';
import { tenantsFileChecks } from '../../stacks/fleet-checks';

export const command: Command = {
  summary: 'check a tenants file without synthesizing (all problems at once)',
  usage:
    'usage: cdktf-kamaji validate FILE\n\nPrints every problem with its YAML path, line and column; exit 1 on problems.',
  run(argv) {
    const { positional } = parseArgs(argv, []);
    if (positional.length !== 1) throw new UsageError('needs exactly one FILE');
    const [file] = positional;
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) throw new UsageError(`${file}: no such file`);
    if (stat.isDirectory()) throw new UsageError(`${file}: is a directory, not a tenants file`);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    const loaded = loadTenantsFile(text, file, tenantsFileChecks(file));
    if (loaded.problems.length > 0) {
      const n = loaded.problems.length;
      process.stderr.write(`${file}: ${n} problem${n === 1 ? '' : 's'}\n`);
      for (const p of loaded.problems) process.stderr.write(`  - ${formatProblem(p)}\n`);
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
