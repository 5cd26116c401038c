/**
 * `cdktf-kamaji render-userdata`: the exact cloud-config a node of one worker pool of a tenants file
 * receives, with the values Terraform fills in at apply time shown as marked placeholders. Reads only
 * the file it is given and src/model: no provider classes, nothing from examples/.
 */
import { USER_DATA_LIMIT_BYTES } from '../model/node-bootstrap';
import { PoolEntry, ResolvedTenant } from '../model/tenants-file';
import { loadTenantsFile } from '../model/tenants-file';
import { checkTenantUserData, renderUserDataForPool, tenantPoolUserData } from '../model/user-data';
import { Command, didYouMean, parseArgs, readInputFile, stringFlag, UsageError, writeProblems } from './command';

const USAGE = `usage: cdktf-kamaji render-userdata --file FILE [--tenant NAME] [--pool NAME]

Prints the cloud-config (EC2 user data) that the nodes of one worker pool of a tenants file receive,
exactly as the fleet app synthesizes it. Values known only at apply time (API server URL, tenant CA,
an inline bootstrap token) appear as <APPLY-TIME: ...>. The size in bytes goes to stderr.

options:
  --file FILE    the tenants file (required)
  --tenant NAME  the tenant; may be left out when the file has one tenant
  --pool NAME    the worker pool; may be left out when the tenant has one pool

The file must pass \`cdktf-kamaji validate\` except for its CA files, which user data does not use.`;

/** Names for a message: all of them, or the first `max` and how many more. */
export function listNames(names: readonly string[], max = 20): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function pick<T>(
  items: readonly T[],
  nameOf: (item: T) => string,
  wanted: string | undefined,
  what: { readonly noun: string; readonly flag: string; readonly owner: string },
): T {
  const names = items.map(nameOf);
  if (wanted !== undefined) {
    const found = items.find((item) => nameOf(item) === wanted);
    if (found) return found;
    throw new UsageError(
      `${what.owner} has no ${what.noun} "${wanted}"${didYouMean(wanted, names, true)}; ${what.noun}s: ${listNames(names)}`,
    );
  }
  if (items.length === 1) return items[0];
  if (items.length === 0) throw new UsageError(`${what.owner} has no ${what.noun}s: nothing to render`);
  throw new UsageError(
    `${what.owner} has ${items.length} ${what.noun}s: pass ${what.flag} NAME (${what.noun}s: ${listNames(names)})`,
  );
}

export const command: Command = {
  summary: 'print the cloud-config a worker of a tenants-file pool receives',
  usage: USAGE,
  run(argv) {
    const { flags, positional } = parseArgs(argv, ['file', 'tenant', 'pool']);
    const file = stringFlag(flags, 'file');
    if (positional.length > 0) {
      const hint =
        file === undefined && positional.length === 1 ? `; pass the tenants file as --file ${positional[0]}` : '';
      throw new UsageError(`unexpected argument "${positional[0]}"${hint}`);
    }
    if (file === undefined) {
      throw new UsageError('--file FILE is required: the tenants file whose worker pool to render');
    }
    const loaded = loadTenantsFile(readInputFile(file, '--file'), file, { tenant: checkTenantUserData });
    if (loaded.problems.length > 0 || !loaded.tenants) {
      writeProblems(file, loaded.problems, '; nothing rendered (cdktf-kamaji validate checks the whole file)');
      return 1;
    }
    const tenant = pick<ResolvedTenant>(loaded.tenants, (t) => t.name, stringFlag(flags, 'tenant'), {
      noun: 'tenant',
      flag: '--tenant',
      owner: file,
    });
    const pool = pick<PoolEntry>(tenant.workers, (p) => p.name, stringFlag(flags, 'pool'), {
      noun: 'worker pool',
      flag: '--pool',
      owner: `tenant "${tenant.name}"`,
    });
    const out = renderUserDataForPool(tenantPoolUserData(tenant, pool));
    process.stdout.write(out.text);
    process.stderr.write(
      `tenant ${tenant.name}, pool ${pool.name}: ${out.bytes} bytes of cloud-config with placeholders, ` +
        `sent gzipped: ${out.gzippedBytes} bytes; ${out.worstCaseBytes} with worst-case apply-time values ` +
        `(EC2 limit ${USER_DATA_LIMIT_BYTES})\n`,
    );
    return 0;
  },
};
