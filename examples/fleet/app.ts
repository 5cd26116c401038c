import * as path from 'node:path';
import { App } from 'cdktf';
import { formatProblem, ValidationError } from '../../src/model/errors';
import { readFleetFile } from '../../src/synth/fleet-synth';
import { buildFleet, Fleet } from '../../stacks/fleet';

/** The tenants file of the fleet app: `KAMAJI_TENANTS_FILE`, or the shipped example. */
export function tenantsFilePath(): string {
  return process.env.KAMAJI_TENANTS_FILE ?? path.join('examples', 'fleet', 'tenants.yaml');
}

/** Reads and validates a tenants file with every check `cdktf-kamaji validate` runs. */
export const loadFleetFile = readFleetFile;

/** Builds the fleet of a valid tenants file into `app` (a ValidationError otherwise). */
export function buildFleetApp(app: App, file: string, loaded = loadFleetFile(file)): Fleet {
  return buildFleet(app, loaded, path.dirname(file));
}

/**
 * Validates `file` and, only when it is valid, synthesizes the fleet into `outdir` (the app's
 * default: CDKTF_OUTDIR or cdktf.out). Problems go to `stderr` and nothing is written: a previous
 * synth output stays byte-for-byte as it was. Returns the exit code.
 */
export function synthFleet(
  file: string,
  outdir?: string,
  stderr: (text: string) => void = (t) => process.stderr.write(t),
): number {
  try {
    const loaded = loadFleetFile(file);
    const app = new App(outdir ? { outdir } : {});
    buildFleetApp(app, file, loaded);
    app.synth();
    return 0;
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    stderr(`${file}: ${e.problems.length} problem(s); nothing was synthesized\n`);
    for (const p of e.problems) stderr(`  - ${formatProblem(p)}\n`);
    return 1;
  }
}
