import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdktf';
import { LoadedTenantsFile, loadTenantsFile } from '../../src/model/tenants-file';
import { buildFleet, Fleet } from '../../stacks/fleet';
import { tenantsFileChecks } from '../../stacks/fleet-checks';

/** The tenants file of the fleet app: `KAMAJI_TENANTS_FILE`, or the shipped example. */
export function tenantsFilePath(): string {
  return process.env.KAMAJI_TENANTS_FILE ?? path.join('examples', 'fleet', 'tenants.yaml');
}

/** Reads and validates a tenants file with every check `cdktf-kamaji validate` runs. */
export function loadFleetFile(file: string): LoadedTenantsFile {
  return loadTenantsFile(fs.readFileSync(file, 'utf8'), file, tenantsFileChecks(file));
}

/** Builds the fleet of a valid tenants file into `app` (a ValidationError otherwise). */
export function buildFleetApp(app: App, file: string, loaded = loadFleetFile(file)): Fleet {
  return buildFleet(app, loaded, path.dirname(file));
}
