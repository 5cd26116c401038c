import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderUserDataForPool } from '../src/cli/render-userdata';
import { Problems, ValidationError } from '../src/model/errors';
import { checkCa } from '../src/model/pki';
import { ResolvedTenant, TenantsFileChecks } from '../src/model/tenants-file';
import { poolOptions } from './fleet';

/**
 * The checks of a tenants file that need more than its text: CA files on disk (paths are relative to
 * the file) and each pool's rendered user data. Shared by `cdktf-kamaji validate` and the fleet app,
 * so both accept exactly the same files.
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
      const key = read('keyPath', tenant.pki.keyPath!);
      if (cert !== undefined && key !== undefined) {
        checkCa(cert, key, problems, { certificate: 'certPath', key: 'keyPath' });
      }
    },
    // Each pool's user data, rendered with worst-case apply-time values, must fit EC2's 16 KiB.
    tenant: (tenant: ResolvedTenant, problems: Problems) => {
      tenant.workers.forEach((pool, i) => {
        try {
          renderUserDataForPool({
            tenantName: tenant.name,
            controlPlaneVersion: tenant.kubernetesVersion,
            awsRegion: tenant.awsRegion ?? 'us-east-1',
            pool: poolOptions(pool),
          });
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          for (const p of e.problems) problems.add(`workers[${i}].${p.field}`, p.value, p.rule);
        }
      });
    },
  };
}
