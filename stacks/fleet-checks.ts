import * as fs from 'node:fs';
import * as path from 'node:path';
import { Problems } from '../src/model/errors';
import { checkCa, checkCaCertificateOnly } from '../src/model/pki';
import { ResolvedTenant, TenantsFileChecks } from '../src/model/tenants-file';
import { checkTenantUserData } from '../src/model/user-data';

/**
 * The checks of a tenants file that need more than its text: CA files on disk (paths are relative to
 * the file) and each pool's rendered user data. Shared by `cdktf-kamaji validate` and the fleet app,
 * so both accept exactly the same files. Loads no provider class (only src/model).
 */
export function tenantsFileChecks(file: string): TenantsFileChecks {
  const baseDir = path.dirname(file);
  return {
    pkiFiles: (tenant: ResolvedTenant, problems: Problems) => {
      const read = (field: string, relative: string): string | undefined => {
        const full = path.resolve(baseDir, relative);
        try {
          return fs.readFileSync(full, 'utf8');
        } catch {
          problems.add(field, relative, `must be a readable file (looked for ${path.relative(process.cwd(), full)})`);
          return undefined;
        }
      };
      const cert = read('certPath', tenant.pki.certPath!);
      if (tenant.pki.source !== 'files') {
        // A secret-store CA: the certificate is checked here, the key (read at apply) by a
        // precondition that compares its public key with the certificate's.
        if (cert !== undefined) checkCaCertificateOnly(cert, problems, 'certPath');
        return;
      }
      const key = read('keyPath', tenant.pki.keyPath!);
      if (cert !== undefined && key !== undefined) {
        checkCa(cert, key, problems, { certificate: 'certPath', key: 'keyPath' });
      }
    },
    // Each pool's user data, rendered with worst-case apply-time values, must fit EC2's 16 KiB.
    tenant: checkTenantUserData,
  };
}
